from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from assessments.instruments import Area
from assessments.instruments import Instrument
from coachkit.formtools import strip

FIELD_PREFIX = "q_"


def field_name(statement_id: str) -> str:
    return FIELD_PREFIX + statement_id


def page_form(instrument: Instrument, area: Area, lang: str, *, require: bool, formdata=None, data=None):
    """Build the form of one questionnaire page from the instrument's definition.

    :param require: whether every statement must be answered (Next and Save) or
        may stay blank (Previous).
    """

    class PageForm(FlaskForm):
        pass

    choices = [(p.value, p.label.get(lang)) for p in instrument.scale]
    for statement in area.statements:
        validators = [InputRequired(message=_l("Choose an answer for this statement."))] if require else [Optional()]
        setattr(
            PageForm,
            field_name(statement.id),
            RadioField(statement.text.get(lang), choices=choices, coerce=int, validators=validators),
        )
    if formdata is not None:
        return PageForm(formdata=formdata)
    return PageForm(formdata=None, data={field_name(k): v for k, v in (data or {}).items()})


def unexpected_fields(formdata, area: Area) -> list[str]:
    """Names of posted answer fields that do not belong to this page."""
    allowed = {field_name(s.id) for s in area.statements}
    return [k for k in formdata.keys() if k.startswith(FIELD_PREFIX) and k not in allowed]


def answers_from(form, area: Area) -> dict[str, int]:
    result = {}
    for statement in area.statements:
        value = form[field_name(statement.id)].data
        if isinstance(value, int) and not isinstance(value, bool):
            result[statement.id] = value
    return result


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Submit my answers"))


class GoalForm(FlaskForm):
    area = SelectField(_l("Priority area"), validators=[DataRequired()])
    goal = TextAreaField(
        _l("Goal"),
        validators=[DataRequired(), Length(max=2000)],
        filters=[strip],
        description=_l("What will be different when you have reached this goal?"),
    )
    action = StringField(_l("First action"), validators=[Optional(), Length(max=500)], filters=[strip])
    target_date = DateField(_l("Target date"), validators=[Optional()])
    submit = SubmitField(_l("Add goal"))


class GoalEditForm(FlaskForm):
    area = SelectField(_l("Priority area"), validators=[DataRequired()])
    goal = TextAreaField(_l("Goal"), validators=[DataRequired(), Length(max=2000)], filters=[strip])
    submit = SubmitField(_l("Save goal"))


class ActionForm(FlaskForm):
    description = StringField(_l("Action"), validators=[DataRequired(), Length(max=500)], filters=[strip])
    target_date = DateField(_l("Target date"), validators=[Optional()])
    done = BooleanField(_l("Done"))
    submit = SubmitField(_l("Save action"))


class DeleteForm(FlaskForm):
    submit = SubmitField(_l("Delete"))
