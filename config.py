import os
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 (refused in production)


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{BASE_DIR / 'instance' / 'coachkit.sqlite'}"
    # Hosting platforms still hand out the old "postgres://" scheme.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    # Signs sessions, CSRF tokens and password-reset links.
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    # SQLite file under instance/ unless DATABASE_URL points elsewhere (PostgreSQL).
    SQLALCHEMY_DATABASE_URI = _database_url()
    # Drop dead connections before use: PostgreSQL restarts must not surface as 500s.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Languages the product speaks; the first is the fallback.
    LANGUAGES = ("en", "nl")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("COACHKIT_TIMEZONE", "Europe/Amsterdam")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "coachkit" / "translations")
    # A questionnaire page can stay open a long time; an expired token is handled
    # without losing answers, but a longer window makes that rare.
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # Password-reset links handed out by an administrator stay valid this long.
    PASSWORD_RESET_HOURS = 48
    # Upload limit for imports (bytes).
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEV_SECRET_KEY or len(cls.SECRET_KEY) < 16:
            raise RuntimeError(
                "ProductionConfig needs SECRET_KEY set to a long random value "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105
    # The suite points this at a temporary SQLite file or a PostgreSQL database of its own.
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False


def config_from_env() -> type[Config]:
    if os.environ.get("COACHKIT_ENV", "").lower() == "production":
        ProductionConfig.check()
        return ProductionConfig
    return Config
