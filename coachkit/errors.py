from flask import Flask
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from coachkit.auth_setup import CARRY_ENDPOINTS
from coachkit.extensions import db
from coachkit.extensions import login_manager


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        """An expired form: questionnaire pages come back with the answers kept."""
        if request.endpoint in CARRY_ENDPOINTS:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            from coachkit.maturity.routes import render_expired_page

            return render_expired_page(
                _(
                    "This page was open for a long time and its security check expired. "
                    "Your answers are shown again: check them and save once more."
                )
            )
        if request.endpoint == "deals.show" and current_user.is_authenticated:
            from coachkit.deals.routes import render_expired_analysis

            return render_expired_analysis(
                _(
                    "This page was open for a long time and its security check expired. "
                    "Your answers are shown again: check them and save once more."
                )
            )
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(400)
    def bad_request(error):
        return render_template("errors/400.html"), 400

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(413)
    def too_large(error):
        return render_template("errors/413.html"), 413

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        return render_template("errors/500.html"), 500
