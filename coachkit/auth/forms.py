import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import EmailField
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import ValidationError

from coachkit.extensions import db
from coachkit.formtools import strip
from coachkit.models import User
from coachkit.passwords import MIN_LENGTH

LANGUAGE_CHOICES = [("nl", "Nederlands"), ("en", "English")]


def normalise_email(value: str | None) -> str:
    return (value or "").strip().lower()


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()], filters=[normalise_email])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in"))
    next = HiddenField()
    carry = HiddenField()
    submit = SubmitField(_l("Log in"))


class PasswordFields:
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(),
            Length(min=MIN_LENGTH, max=200, message=_l("Use at least %(min)d characters.", min=MIN_LENGTH)),
        ],
        description=_l("At least %(min)d characters.", min=MIN_LENGTH),
    )
    password2 = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
    )


class SignupForm(PasswordFields, FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)], filters=[normalise_email])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    submit = SubmitField(_l("Create account"))

    def validate_email(self, field) -> None:
        if db.session.scalar(sa.select(User.id).where(User.email == field.data)):
            raise ValidationError(_l("An account with this email address already exists."))


class ResetPasswordForm(PasswordFields, FlaskForm):
    submit = SubmitField(_l("Set new password"))


class SettingsForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    submit = SubmitField(_l("Save"))


class ChangePasswordForm(PasswordFields, FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    submit = SubmitField(_l("Change password"))


class LanguageForm(FlaskForm):
    language = HiddenField(validators=[DataRequired()])
    next = HiddenField()
