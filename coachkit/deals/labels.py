from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

FLAG_LABELS = {
    "needs_help": _l("Needs help"),
    "walk_away": _l("Walk away"),
    "timing_risk": _l("Timing risk"),
    "overdue": _l("Overdue"),
    "not_analysed": _l("Not analysed"),
}

FLAG_HELP = {
    "needs_help": _l("Winnable, but much is still unknown or unqualified: coach the rep on this deal."),
    "walk_away": _l("A knock-out answered no, or a well-qualified deal with little chance: consider dropping it."),
    "timing_risk": _l("Unlikely to close on the stated date: no confirmed date, slipped dates or weak timing answers."),
    "overdue": _l("The expected close date has passed while the deal is still open."),
    "not_analysed": _l("No qualification questions answered yet."),
}

KPI_LABELS = {
    "qualification": _l("Qualification"),
    "chance_to_win": _l("Chance to win"),
    "reliability": _l("Reliability"),
    "timing": _l("Timing"),
}

KPI_HELP = {
    "qualification": _l("How much of what must be known about this deal is known (answered yes or no)."),
    "chance_to_win": _l("The chance the deal is won in the end; unknowns count as a coin toss."),
    "reliability": _l("The chance it is won if the buyer decided today: what is still unknown counts against you."),
    "timing": _l("The chance the deal closes on the stated close date."),
}

FIELD_LABELS = {
    "external_id": _l("Deal ID"),
    "title": _l("Deal"),
    "account": _l("Account"),
    "owner": _l("Rep"),
    "value": _l("Value"),
    "currency": _l("Currency"),
    "stage": _l("Stage"),
    "status": _l("Status"),
    "created": _l("Created or engaged on"),
    "expected_close": _l("Expected close date"),
    "closed": _l("Closed on"),
    "notes": _l("Notes"),
}

KEY_CHOICES = [
    ("external_id", _l("Deal ID")),
    ("title,account", _l("Deal + account")),
    ("title,account,created", _l("Deal + account + created date")),
]

FACT_LABELS = {
    "fact:no_close_date": _l("No expected close date"),
    "fact:slips": _l("Close date moved later"),
    "fact:overdue": _l("Close date has passed"),
}

DEAL_ERRORS = {
    "rep_exists": lambda: _("A rep with this name is already in your team."),
    "external_id_exists": lambda: _("You already have a deal with this ID."),
    "unknown_rep": lambda: _("Choose a rep from your team."),
    "bad_status": lambda: _("Choose won, lost or open again."),
}

STATUS_LABELS = {"open": _l("Open"), "won": _l("Won"), "lost": _l("Lost")}

ANSWER_LABELS = {"yes": _l("Yes"), "no": _l("No"), "unknown": _l("Unknown")}
