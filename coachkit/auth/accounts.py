import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import login_user

from coachkit import passwords
from coachkit.auth.forms import SignupForm
from coachkit.extensions import db
from coachkit.models import User


def sign_up(form: SignupForm) -> User | None:
    """Create a manager account from a validated sign-up form and log it in.

    :return: the new user, or ``None`` when the address was taken a moment ago
        (the form then carries the message).
    """
    user = User(
        email=form.email.data,
        name=form.name.data,
        language=form.language.data,
        role="manager",
        password_hash=passwords.hash_password(form.password.data),
    )
    db.session.add(user)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        form.email.errors.append(_("An account with this email address already exists."))
        return None
    login_user(user)
    return user
