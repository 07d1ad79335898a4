from pathlib import Path

from flask import Flask

from coachkit.extensions import babel
from coachkit.extensions import csrf
from coachkit.extensions import db
from coachkit.extensions import login_manager
from coachkit.extensions import migrate
from config import Config
from config import config_from_env

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class: type[Config] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config_class or config_from_env())
    Path(app.instance_path).mkdir(exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)

    from coachkit import i18n

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.register_template_filters(app)

    from coachkit import auth_setup

    auth_setup.init_login(app, login_manager)

    from coachkit import database

    database.init_app(app)

    register_blueprints(app)

    from coachkit import errors

    errors.register_error_handlers(app)

    from coachkit import cli

    cli.register(app)
    return app


def register_blueprints(app: Flask) -> None:
    from coachkit.admin import bp as admin_bp
    from coachkit.auth import bp as auth_bp
    from coachkit.coaching import bp as coaching_bp
    from coachkit.cohorts import bp as cohorts_bp
    from coachkit.dashboard import bp as dashboard_bp
    from coachkit.deals import bp as deals_bp
    from coachkit.maturity import bp as maturity_bp
    from coachkit.reports import bp as reports_bp

    app.register_blueprint(dashboard_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(maturity_bp, url_prefix="/assessments")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(cohorts_bp, url_prefix="/sessions")
    app.register_blueprint(deals_bp, url_prefix="/deals")
    app.register_blueprint(coaching_bp, url_prefix="/one-on-ones")
