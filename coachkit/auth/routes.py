import json

import sqlalchemy as sa
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user

from coachkit import passwords
from coachkit.auth import bp
from coachkit.auth.accounts import sign_up
from coachkit.auth.forms import ChangePasswordForm
from coachkit.auth.forms import LanguageForm
from coachkit.auth.forms import LoginForm
from coachkit.auth.forms import ResetPasswordForm
from coachkit.auth.forms import SettingsForm
from coachkit.auth.forms import SignupForm
from coachkit.extensions import db
from coachkit.i18n import current_language
from coachkit.models import User
from coachkit.models import utcnow
from coachkit.safety import safe_next


def _stash_carry(raw: str | None) -> None:
    """Keep answers posted before a session ended, to show them again after login."""
    if not raw:
        return
    try:
        carry = json.loads(raw)
    except ValueError:
        return
    if isinstance(carry, dict):
        session["carry"] = {str(k): str(v) for k, v in carry.items() if str(k).startswith("q_")}


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(User).where(User.email == form.email.data))
        if user is None or not passwords.verify_password(user.password_hash, form.password.data):
            flash(_("Wrong email address or password."), "error")
        elif not user.active:
            flash(_("This account has been deactivated. Ask your administrator."), "error")
        else:
            if passwords.needs_rehash(user.password_hash):
                user.password_hash = passwords.hash_password(form.password.data)
                db.session.commit()
            login_user(user, remember=form.remember.data)
            _stash_carry(form.carry.data)
            return redirect(safe_next(form.next.data, url_for("dashboard.index")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out."""
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Create a manager account."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = SignupForm()
    if request.method == "GET":
        form.language.data = current_language()
    if form.validate_on_submit():
        user = sign_up(form)
        if user is not None:
            flash(_("Welcome to CoachKit, %(name)s.", name=user.name), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/signup.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password through a one-time link from an administrator."""
    user = db.session.scalar(sa.select(User).where(User.reset_token_hash == passwords.token_hash(token)))
    if user is None or user.reset_expires_at is None or user.reset_expires_at < utcnow():
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.password_hash = passwords.hash_password(form.password.data)
        user.end_sessions()
        user.reset_token_hash = None
        user.reset_expires_at = None
        db.session.commit()
        logout_user()
        flash(_("Your password has been changed. Log in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, user=user)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Change name and language."""
    form = SettingsForm(obj=current_user)
    if form.validate_on_submit():
        current_user.name = form.name.data
        current_user.language = form.language.data
        db.session.commit()
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("auth.settings"))
    return render_template("auth/settings.html", form=form, password_form=ChangePasswordForm(formdata=None))


@bp.route("/password", methods=["POST"])
@login_required
def change_password():
    """Change one's own password; every other session of the account ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not passwords.verify_password(current_user.password_hash, form.current.data):
            form.current.errors.append(_("This is not your current password."))
        else:
            current_user.password_hash = passwords.hash_password(form.password.data)
            current_user.end_sessions()
            db.session.commit()
            # This browser stays logged in under the new session id.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed. Other devices are logged out."), "success")
            return redirect(url_for("auth.settings"))
    settings_form = SettingsForm(obj=current_user)
    return render_template("auth/settings.html", form=settings_form, password_form=form), 400


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language (stored on the account when logged in)."""
    form = LanguageForm()
    target = safe_next(form.next.data, url_for("dashboard.index"))
    if form.validate_on_submit() and form.language.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.language.data
        if current_user.is_authenticated:
            current_user.language = form.language.data
            db.session.commit()
    return redirect(target)
