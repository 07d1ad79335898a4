from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from assessments.instruments import Area
from assessments.instruments import Instrument
from coachkit.auth.forms import LANGUAGE_CHOICES
from coachkit.formtools import strip
from coachkit.maturity.forms import field_name


class CohortForm(FlaskForm):
    name = StringField(
        _l("Name of the session"),
        validators=[DataRequired(), Length(max=160)],
        filters=[strip],
        description=_l("Participants see this name when they join, for example “Coaching leadership, group A”."),
    )
    held_on = DateField(_l("Date"), validators=[DataRequired()], default=date.today)
    instrument = SelectField(_l("Questionnaire"), validators=[DataRequired()])
    language = SelectField(
        _l("Language of reports and exports"),
        choices=LANGUAGE_CHOICES,
        description=_l("Each participant still sees the pages in their own language."),
    )
    submit = SubmitField(_l("Create session"))


class JoinCodeForm(FlaskForm):
    code = StringField(
        _l("Join code"),
        validators=[DataRequired(), Length(max=20)],
        filters=[strip],
        description=_l("The six characters your trainer shows, for example K7QM3P."),
    )
    submit = SubmitField(_l("Find the session"))

    class Meta:
        csrf = False


class ButtonForm(FlaskForm):
    """A form that is only a button: CSRF protection and nothing else."""

    submit = SubmitField()


def observer_page_form(instrument: Instrument, area: Area, lang: str, *, require: bool, formdata=None, data=None):
    """The trainer's rating form for one page: the same statements, in observer wording.

    Field names are the self-assessment's (``q_<statement id>``), so the same helpers read
    the answers back (see :mod:`coachkit.maturity.forms`).
    """

    class ObserverPageForm(FlaskForm):
        pass

    choices = [(p.value, p.label.get(lang)) for p in instrument.scale]
    for statement in area.statements:
        validators = [InputRequired(message=_l("Choose a rating for this statement."))] if require else [Optional()]
        setattr(
            ObserverPageForm,
            field_name(statement.id),
            RadioField(statement.observer.get(lang), choices=choices, coerce=int, validators=validators),
        )
    if formdata is not None:
        return ObserverPageForm(formdata=formdata)
    return ObserverPageForm(formdata=None, data={field_name(k): v for k, v in (data or {}).items()})
