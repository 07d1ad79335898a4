"""The cohort report: the cohort view's data through the one print path (HTML, then PDF bytes)."""

from coachkit.cohorts.context import cohort_context
from coachkit.models import Cohort
from coachkit.reports.pdf import render_pdf
from coachkit.reports.rendering import print_html


def cohort_report_html(cohort: Cohort, lang: str, *, for_pdf: bool) -> str:
    return print_html("reports/cohort.html", for_pdf=for_pdf, lang=lang, r=cohort_context(cohort, lang))


def cohort_report_pdf(cohort: Cohort, lang: str) -> bytes:
    return render_pdf(cohort_report_html(cohort, lang, for_pdf=True))
