from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import DateTimeLocalField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from coachkit.coaching.labels import OWNER_LABELS
from coachkit.coaching.labels import PART_TITLES
from coachkit.formtools import strip

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class MeetingForm(FlaskForm):
    rep_id = SelectField(_l("Rep"), coerce=int, validators=[InputRequired()])
    scheduled_at = DateTimeLocalField(
        _l("Date and time"), format=DATETIME_FORMAT, validators=[InputRequired(message=_l("Choose a date and time."))]
    )
    duration_minutes = IntegerField(
        _l("Duration (minutes)"),
        default=45,
        validators=[InputRequired(), NumberRange(min=10, max=240, message=_l("Between 10 and 240 minutes."))],
    )


class ItemForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(message=_l("Write a title first.")), Length(max=255)], filters=[strip]
    )
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=5000)], filters=[strip])


class NewItemForm(ItemForm):
    part = SelectField(_l("Part of the agenda"), coerce=int, choices=[(n, t) for n, t in PART_TITLES.items()])


class NotesForm(FlaskForm):
    private_note = TextAreaField(_l("Private note"), validators=[Optional(), Length(max=5000)], filters=[strip])
    shared_note = TextAreaField(_l("Shared note"), validators=[Optional(), Length(max=5000)], filters=[strip])


class MeetingNotesForm(FlaskForm):
    notes = TextAreaField(
        _l("Your notes on this one-on-one"), validators=[Optional(), Length(max=10000)], filters=[strip]
    )


class ActionForm(FlaskForm):
    description = StringField(
        _l("Action"), validators=[DataRequired(message=_l("Describe the action.")), Length(max=1000)], filters=[strip]
    )
    owner = SelectField(_l("Owner"), choices=list(OWNER_LABELS.items()), default="rep")
    due_on = DateField(_l("Due date"), validators=[Optional()])


class CloseForm(FlaskForm):
    next_at = DateTimeLocalField(_l("Next one-on-one"), format=DATETIME_FORMAT, validators=[Optional()])


class ButtonForm(FlaskForm):
    """A form of buttons only: the CSRF token is all there is to check."""
