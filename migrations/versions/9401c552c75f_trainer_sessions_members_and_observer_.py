"""trainer sessions, members and observer ratings

New tables only: ``cohort`` (a trainer's session with its join code), ``cohort_member``
(who joined, their self-assessment for the session, when they left) and
``observer_answer`` (the trainer's ratings per participant and statement).

Revision ID: 9401c552c75f
Revises: dadd0b552ab1
Create Date: 2026-12-03 15:51:50.091675

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9401c552c75f'
down_revision = 'dadd0b552ab1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cohort',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trainer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('instrument_name', sa.String(length=80), nullable=False),
    sa.Column('instrument_version', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('join_code', sa.String(length=16), nullable=False),
    sa.Column('joining_open', sa.Boolean(), nullable=False),
    sa.Column('released_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['trainer_id'], ['user.id'], name=op.f('fk_cohort_trainer_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort')),
    sa.UniqueConstraint('join_code', name=op.f('uq_cohort_join_code'))
    )
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_trainer_id'), ['trainer_id'], unique=False)

    op.create_table('cohort_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=True),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.Column('left_at', sa.DateTime(), nullable=True),
    sa.Column('observer_updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_cohort_member_assessment_id_assessment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_cohort_member_cohort_id_cohort'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_cohort_member_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_member')),
    sa.UniqueConstraint('cohort_id', 'user_id', name='uq_cohort_member_user')
    )
    with op.batch_alter_table('cohort_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_member_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_member_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_member_user_id'), ['user_id'], unique=False)

    op.create_table('observer_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.String(length=40), nullable=False),
    sa.Column('value', sa.SmallInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('value BETWEEN 1 AND 5', name=op.f('ck_observer_answer_value_range')),
    sa.ForeignKeyConstraint(['member_id'], ['cohort_member.id'], name=op.f('fk_observer_answer_member_id_cohort_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observer_answer')),
    sa.UniqueConstraint('member_id', 'statement_id', name='uq_observer_answer_statement')
    )


def downgrade():
    op.drop_table('observer_answer')
    with op.batch_alter_table('cohort_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_member_user_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_member_cohort_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_member_assessment_id'))

    op.drop_table('cohort_member')
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_trainer_id'))

    op.drop_table('cohort')
