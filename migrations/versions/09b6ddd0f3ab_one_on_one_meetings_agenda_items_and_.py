"""one-on-one meetings, agenda items and action items

New tables only: ``meeting`` (a manager's one-on-one with a rep), ``action_item`` (what was
agreed, carried to the rep's next meetings until done) and ``agenda_item`` (the points of a
meeting's agenda, generated or added by the manager, with private and shared notes).

Revision ID: 09b6ddd0f3ab
Revises: 9401c552c75f
Create Date: 2026-12-03 16:00:29.827430

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '09b6ddd0f3ab'
down_revision = '9401c552c75f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('rep_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('uid', sa.String(length=80), nullable=False),
    sa.Column('agenda_generated_at', sa.DateTime(), nullable=True),
    sa.Column('arranged_parts', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'held')", name=op.f('ck_meeting_status_known')),
    sa.ForeignKeyConstraint(['manager_id'], ['user.id'], name=op.f('fk_meeting_manager_id_user')),
    sa.ForeignKeyConstraint(['rep_id'], ['rep.id'], name=op.f('fk_meeting_rep_id_rep')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting')),
    sa.UniqueConstraint('uid', name=op.f('uq_meeting_uid'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_manager_rep_scheduled', ['manager_id', 'rep_id', 'scheduled_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_rep_id'), ['rep_id'], unique=False)

    op.create_table('action_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=8), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_meeting_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("owner IN ('manager', 'rep')", name=op.f('ck_action_item_owner_known')),
    sa.ForeignKeyConstraint(['done_meeting_id'], ['meeting.id'], name=op.f('fk_action_item_done_meeting_id_meeting'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_action_item_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_item'))
    )
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_item_done_meeting_id'), ['done_meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_item_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('agenda_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('part', sa.SmallInteger(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=True),
    sa.Column('action_item_id', sa.Integer(), nullable=True),
    sa.Column('source_key', sa.String(length=80), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=True),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('removed', sa.Boolean(), nullable=False),
    sa.Column('private_note', sa.Text(), nullable=True),
    sa.Column('shared_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('part BETWEEN 1 AND 4', name=op.f('ck_agenda_item_part_range')),
    sa.ForeignKeyConstraint(['action_item_id'], ['action_item.id'], name=op.f('fk_agenda_item_action_item_id_action_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deal_id'], ['deal.id'], name=op.f('fk_agenda_item_deal_id_deal'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_agenda_item_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_item')),
    sa.UniqueConstraint('meeting_id', 'source_key', name='uq_agenda_item_source')
    )
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_item_action_item_id'), ['action_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_item_deal_id'), ['deal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_item_meeting_id'), ['meeting_id'], unique=False)



def downgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_item_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_item_deal_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_item_action_item_id'))

    op.drop_table('agenda_item')
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_item_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_action_item_done_meeting_id'))

    op.drop_table('action_item')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_rep_id'))
        batch_op.drop_index('ix_meeting_manager_rep_scheduled')

    op.drop_table('meeting')
