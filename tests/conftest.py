"""Shared fixtures: the app on a real SQLite file and on a PostgreSQL database of its own.

Web tests run once per backend. Without PostgreSQL the PostgreSQL half is skipped,
except under ``CI=true``, where a missing database is a failure.
"""

from __future__ import annotations

import contextvars
import os
import uuid
from functools import lru_cache
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient

from coachkit import create_app
from coachkit.extensions import db
from coachkit.pipeline import clear_cache as clear_pipeline_cache
from config import TestingConfig

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "correct horse 42"


def config_for(url: str, **overrides) -> type[TestingConfig]:
    return type("TestConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, **overrides})


def _create_pg_database() -> tuple[str, str]:
    name = f"coachkit_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return name, PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _drop_pg_database(name: str) -> None:
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(config_for(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A migrated database per backend for the whole session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'coachkit-test.sqlite'}"
        _migrate(url)
        yield url
        return
    try:
        name, url = _create_pg_database()
    except sa.exc.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true and is not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    try:
        _migrate(url)
        yield url
    finally:
        _drop_pg_database(name)


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in an application context of its own, as in production.

    The ``app`` fixture keeps a context open for the test's own database work. Without
    this, requests would reuse it and share ``g`` (and with it the logged-in user)
    with each other, even across separate clients.
    """

    def open(self, *args, **kwargs):
        def run():
            _cv_app.set(None)
            return FlaskClient.open(self, *args, **kwargs)

        return contextvars.copy_context().run(run)


def _empty_all_tables() -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def app(database_url):
    app = create_app(config_for(database_url))
    app.test_client_class = FreshContextClient
    with app.app_context():
        _empty_all_tables()
        clear_pipeline_cache()
        yield app
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def csrf_app(database_url):
    """The app with CSRF protection switched on, as in production."""
    app = create_app(config_for(database_url, WTF_CSRF_ENABLED=True))
    app.test_client_class = FreshContextClient
    with app.app_context():
        _empty_all_tables()
        clear_pipeline_cache()
        yield app
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@lru_cache
def password_hash() -> str:
    from coachkit.passwords import hash_password

    return hash_password(PASSWORD)


@pytest.fixture
def make_user(app):
    from coachkit.models import User

    def make(
        email: str = "manager@example.com",
        *,
        name: str = "Mila Manager",
        role: str = "manager",
        language: str = "en",
        active: bool = True,
    ) -> User:
        user = User(email=email, name=name, role=role, language=language, active=active, password_hash=password_hash())
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def manager(make_user):
    return make_user()


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email: str = "manager@example.com", password: str = PASSWORD, **extra):
        return self.client.post("/auth/login", data={"email": email, "password": password, **extra})

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


def full_answers(instrument, level: int = 4) -> dict[str, int]:
    """Answers that put every area at the same keyed value."""
    return {s.id: (6 - level if s.reverse else level) for a in instrument.areas for s in a.statements}


@pytest.fixture
def submitted_assessment(app, manager):
    """A submitted assessment of ``manager`` built through the service layer."""
    from coachkit import services

    def make(user=None, answers=None):
        owner = user or manager
        assessment = services.start_assessment(owner)
        instrument = services.instrument_of(assessment)
        services.save_answers(assessment, answers or full_answers(instrument))
        services.submit_assessment(assessment)
        return assessment

    return make
