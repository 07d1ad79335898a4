from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from coachkit.extensions import db


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers work while a page is being saved; the busy timeout makes a
    # second writer wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def init_app(app: Flask) -> None:
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
