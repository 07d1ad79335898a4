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
            if not user.active:
                user.end_sessions()
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


# ---------------------------------------------------------------- team import

TEAM_MESSAGES = {
    "team.columns_missing": lambda p: _(
        "This file needs a column with the rep and a column with the manager. Columns found: %(headers)s.", **p
    ),
    "team.row_incomplete": lambda p: _("The rep or the manager is empty."),
    "team.manager_email_missing": lambda p: _("The manager has no email address; fill in an email domain to make one."),
    "team.manager_email_invalid": lambda p: _("The manager's email address is not valid."),
    "team.not_importable": lambda p: _("Nothing was imported: fix the rows listed below first."),
}


def team_message(key: str, params: dict | None = None) -> str:
    return TEAM_MESSAGES[key](params or {})


@bp.route("/teams/import", methods=["GET", "POST"])
@admin_required
def team_import():
    """Upload a team file (rep and manager per row); the next page shows what it will do."""
    from coachkit.crm_import import CrmImportError
    from coachkit.deals.forms import TeamImportForm
    from coachkit.i18n import current_language
    from coachkit.models import ImportUpload
    from coachkit.team_import import TeamImportError
    from coachkit.team_import import plan_team_import

    form = TeamImportForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        filename = (form.file.data.filename or "teams")[:255]
        try:
            plan_team_import(data, filename, email_domain=form.email_domain.data or None)
        except CrmImportError as exc:
            form.file.errors.append(exc.message(current_language()))
        except TeamImportError as exc:
            form.file.errors.append(team_message(exc.key, exc.params))
        else:
            upload = ImportUpload(manager_id=current_user.id, filename=filename, data=data)
            db.session.add(upload)
            db.session.commit()
            return redirect(
                url_for(
                    "admin.team_preview",
                    upload_id=upload.id,
                    organisation=form.organisation.data,
                    domain=form.email_domain.data or "",
                )
            )
    return render_template("admin/team_import.html", form=form), (400 if form.errors else 200)


@bp.route("/teams/import/<int:upload_id>", methods=["GET", "POST"])
@admin_required
def team_preview(upload_id: int):
    """Preview a team import and apply it: managers are invited, reps created."""
    from coachkit.models import ImportUpload
    from coachkit.team_import import INVITATION_DAYS
    from coachkit.team_import import apply_team_import
    from coachkit.team_import import plan_team_import

    upload = db.session.get(ImportUpload, upload_id)
    if upload is None or upload.manager_id != current_user.id:
        abort(404)
    source = request.form if request.method == "POST" else request.args
    organisation = (source.get("organisation") or "").strip()[:160]
    domain = (source.get("domain") or "").strip() or None
    plan = plan_team_import(upload.data, upload.filename, email_domain=domain)
    if request.method == "POST" and ActionForm().validate_on_submit():
        if not organisation:
            flash(_("Give the organisation a name."), "error")
        elif upload.applied_at is not None:
            flash(_("This file has been imported already."), "info")
            return redirect(url_for("admin.users"))
        elif plan.importable:
            invitations = apply_team_import(plan, organisation)
            upload.applied_at = utcnow()
            db.session.commit()
            links = [(inv, url_for("auth.reset_password", token=inv.token, _external=True)) for inv in invitations]
            return render_template(
                "admin/team_done.html",
                plan=plan,
                links=links,
                organisation=organisation,
                invitation_days=INVITATION_DAYS,
            )
    return render_template(
        "admin/team_preview.html",
        plan=plan,
        upload=upload,
        organisation=organisation,
        domain=domain or "",
        form=ActionForm(),
        team_message=team_message,
    )
