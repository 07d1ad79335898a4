"""The agenda's print view and PDF, through the same rendering path as the development report."""

from coachkit.coaching.context import meeting_context
from coachkit.models import Meeting
from coachkit.reports.pdf import render_pdf
from coachkit.reports.rendering import print_html


def agenda_html(meeting: Meeting, lang: str, *, for_pdf: bool, include_private: bool = False) -> str:
    """The coaching plan and the full agenda; private notes only with ``include_private``."""
    context = meeting_context(meeting, lang, include_private=include_private)
    return print_html("reports/agenda.html", for_pdf=for_pdf, lang=lang, r=context)


def agenda_pdf(meeting: Meeting, lang: str, *, include_private: bool = False) -> bytes:
    return render_pdf(agenda_html(meeting, lang, for_pdf=True, include_private=include_private))
