import json

from flask import Flask
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from coachkit.extensions import db
from coachkit.models import User

# Endpoints whose posted answers are carried through a new login when the session ran out.
CARRY_ENDPOINTS = {"maturity.page"}


def init_login(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        """The session's user, unless deactivated or logged out everywhere since the session began."""
        ident, _, version = user_id.partition(":")
        if not ident.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(ident))
        if user is None or not user.active or (user.session_version or 0) != int(version):
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        """Send to the login page; a questionnaire page posted after the session ended keeps its answers."""
        if request.method == "POST" and request.endpoint in CARRY_ENDPOINTS:
            from coachkit.auth.forms import LoginForm

            carry = {k: v for k, v in request.form.items() if k.startswith("q_")}
            form = LoginForm()
            form.next.data = request.path
            form.carry.data = json.dumps(carry)
            flash(
                _l("Your session had ended. Log in again: your answers are kept and shown again."),
                "warning",
            )
            return render_template("auth/login.html", form=form), 401
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
