from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms import SubmitField

from coachkit.models import ROLES

ROLE_LABELS = {"manager": _l("Sales manager"), "trainer": _l("Trainer"), "admin": _l("Administrator")}


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[(r, ROLE_LABELS[r]) for r in ROLES])
    submit = SubmitField(_l("Change role"))


class ActionForm(FlaskForm):
    submit = SubmitField()
