from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import BooleanField
from wtforms import DateField
from wtforms import DecimalField
from wtforms import EmailField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import Regexp
from wtforms.validators import StopValidation

from assessments.deal_instrument import DealInstrument
from coachkit.crm_import.analysis import MAX_VALUE
from coachkit.formtools import strip


def finite(form, field) -> None:
    """Refuse Infinity and NaN, which Decimal accepts but no deal is worth."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(_l("Enter an amount from 0 to 999,999,999,999.99."))


CURRENCY = Regexp(r"^[A-Z]{3}$", message=_l("Use a three-letter currency code such as EUR."))


def upper(value):
    return value.strip().upper() if isinstance(value, str) else value


class RepForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    email = EmailField(_l("Email (optional)"), validators=[Optional(), Email(), Length(max=254)], filters=[strip])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class DealForm(FlaskForm):
    external_id = StringField(
        _l("Deal ID"),
        validators=[Optional(), Length(max=120)],
        filters=[strip],
        description=_l("The ID in your CRM; left empty, CoachKit makes one."),
    )
    title = StringField(_l("Deal"), validators=[DataRequired(), Length(max=255)], filters=[strip])
    account = StringField(_l("Account"), validators=[Optional(), Length(max=255)], filters=[strip])
    rep_id = SelectField(_l("Rep"), coerce=int)
    value = DecimalField(
        _l("Value"),
        places=2,
        validators=[
            Optional(),
            finite,
            NumberRange(min=0, max=MAX_VALUE, message=_l("Enter an amount from 0 to 999,999,999,999.99.")),
        ],
    )
    currency = StringField(_l("Currency"), validators=[DataRequired(), CURRENCY], filters=[upper], default="EUR")
    stage = StringField(_l("Stage"), validators=[Optional(), Length(max=80)], filters=[strip])
    created_on = DateField(_l("Created or engaged on"), validators=[Optional()])
    expected_close = DateField(_l("Expected close date"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)], filters=[strip])
    submit = SubmitField(_l("Save deal"))


class CloseForm(FlaskForm):
    status = SelectField(_l("Result"), choices=[("won", _l("Won")), ("lost", _l("Lost")), ("open", _l("Open again"))])
    closed_on = DateField(_l("Closed on"), validators=[Optional()])
    submit = SubmitField(_l("Save result"))


class ArchiveForm(FlaskForm):
    submit = SubmitField(_l("Archive"))


ANSWER_CHOICES = [("yes", _l("Yes")), ("no", _l("No")), ("unknown", _l("Unknown"))]


def answer_field(question_id: str) -> str:
    return "a_" + question_id


def note_field(question_id: str) -> str:
    return "n_" + question_id


def analysis_form(instrument: DealInstrument, lang: str, data: dict | None = None, formdata=None):
    """The analysis form of one deal, built from the instrument's questions."""

    class AnalysisForm(FlaskForm):
        pass

    for question in instrument.questions:
        setattr(
            AnalysisForm,
            answer_field(question.id),
            RadioField(question.text.get(lang), choices=ANSWER_CHOICES, default="unknown", validators=[DataRequired()]),
        )
        setattr(
            AnalysisForm,
            note_field(question.id),
            StringField(_l("Note"), validators=[Optional(), Length(max=500)], filters=[strip]),
        )
    if formdata is not None:
        return AnalysisForm(formdata=formdata)
    return AnalysisForm(formdata=None, data=data or {})


class UploadForm(FlaskForm):
    file = FileField(_l("CRM export (CSV or XLSX)"), validators=[FileRequired(_l("Choose a file to upload."))])
    submit = SubmitField(_l("Upload and preview"))


class TeamImportForm(FlaskForm):
    organisation = StringField(_l("Organisation"), validators=[DataRequired(), Length(max=160)], filters=[strip])
    email_domain = StringField(
        _l("Email domain for managers without an email address"),
        validators=[
            Optional(),
            Regexp(r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$", message=_l("Use a domain such as example.com.")),
        ],
        filters=[strip],
    )
    file = FileField(_l("Team file (CSV or XLSX)"), validators=[FileRequired(_l("Choose a file to upload."))])
    submit = SubmitField(_l("Preview"))
