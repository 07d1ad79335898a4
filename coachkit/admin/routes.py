from datetime import timedelta
from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from coachkit import passwords
from coachkit.admin import bp
from coachkit.admin.forms import ROLE_LABELS
from coachkit.admin.forms import ActionForm
from coachkit.admin.forms import RoleForm
from coachkit.extensions import db
from coachkit.models import User
from coachkit.models import utcnow

PAGE_SIZE = 50


def admin_required(view):
    """Only administrators; everyone else gets a 404, as if the page did not exist."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users")
@admin_required
def users():
    """All accounts, searchable by name or email."""
    query = request.args.get("q", "").strip()
    stmt = sa.select(User).order_by(User.name, User.id)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.email).like(like), sa.func.lower(User.name).like(like)))
    page = db.paginate(stmt, per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "admin/users.html", page=page, query=query, role_labels=ROLE_LABELS, form=ActionForm(), role_form=RoleForm()
    )


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def toggle_active(user_id: int):
    """Deactivate or reactivate an account."""
    user = _user(user_id)
    if ActionForm().validate_on_submit():
        if user.id == current_user.id:
            flash(_("You cannot deactivate your own account."), "error")
        else:
            user.active = not user.active
            db.session.commit()
            if user.active:
                flash(_("%(name)s can log in again.", name=user.name), "success")
            else:
                flash(_("%(name)s is deactivated and can no longer log in.", name=user.name), "success")
    return redirect(url_for("admin.users", q=request.args.get("q", "")))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@admin_required
def change_role(user_id: int):
    """Make a user a manager, trainer or administrator."""
    user = _user(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        if user.id == current_user.id and form.role.data != "admin":
            flash(_("You cannot take away your own administrator role."), "error")
        else:
            user.role = form.role.data
            db.session.commit()
            flash(_("%(name)s is now: %(role)s.", name=user.name, role=ROLE_LABELS[user.role]), "success")
    else:
        flash(_("Choose a valid role."), "error")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/reset-link", methods=["POST"])
@admin_required
def reset_link(user_id: int):
    """Create a one-time password-reset link to hand to the user."""
    user = _user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    token, digest = passwords.new_token()
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    user.reset_token_hash = digest
    user.reset_expires_at = utcnow() + timedelta(hours=hours)
    db.session.commit()
    link = url_for("auth.reset_password", token=token, _external=True)
    return render_template("admin/reset_link.html", user=user, link=link, hours=hours)
