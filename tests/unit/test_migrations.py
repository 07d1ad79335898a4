"""Schema changes keep users' data: every migration runs on SQLite and PostgreSQL with data in place."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade
from flask_migrate import upgrade

from coachkit import create_app
from coachkit.extensions import db
from tests.conftest import IN_CI
from tests.conftest import _create_pg_database
from tests.conftest import _drop_pg_database
from tests.conftest import config_for

FIRST_REVISION = "98f56c1282fb"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    try:
        name, url = _create_pg_database()
    except sa.exc.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true and is not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    try:
        yield url
    finally:
        _drop_pg_database(name)


def test_upgrading_from_the_first_schema_keeps_accounts_answers_and_plans(empty_database):
    app = create_app(config_for(empty_database))
    with app.app_context():
        upgrade(revision=FIRST_REVISION)
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    'INSERT INTO "user" (id, email, name, password_hash, role, language, active, created_at) '
                    "VALUES (1, 'kept@example.com', 'Kept', 'x', 'manager', 'nl', true, '2026-01-02 03:04:05')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO assessment (id, user_id, instrument_name, instrument_version, status, started_at, "
                    "updated_at) VALUES (1, 1, 'sales-manager-competencies', 1, 'in_progress', "
                    "'2026-01-02 03:04:05', '2026-01-02 03:04:05')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO answer (assessment_id, statement_id, value, updated_at) "
                    "VALUES (1, 'people-01', 4, '2026-01-02 03:04:05')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO plan_goal (assessment_id, area_id, position, goal, created_at) "
                    "VALUES (1, 'coaching', 0, 'Ask first', '2026-01-02 03:04:05')"
                )
            )

        upgrade()

        with db.engine.connect() as conn:
            user = conn.execute(sa.text('SELECT email, name, language, currency FROM "user" WHERE id = 1')).one()
            answer = conn.execute(sa.text("SELECT statement_id, value FROM answer")).one()
            goal = conn.execute(sa.text("SELECT goal FROM plan_goal")).scalar_one()
        assert tuple(user) == ("kept@example.com", "Kept", "nl", "EUR")
        assert tuple(answer) == ("people-01", 4)
        assert goal == "Ask first"
        db.engine.dispose()


def test_every_migration_can_be_undone_back_to_an_empty_database(empty_database):
    app = create_app(config_for(empty_database))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert tables == set()


def test_the_models_match_the_migrated_schema(empty_database):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    app = create_app(config_for(empty_database))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == []
