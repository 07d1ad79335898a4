from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

PART_TITLES = {
    1: _l("Open actions from earlier one-on-ones"),
    2: _l("Deals that need attention"),
    3: _l("Development topic"),
    4: _l("Your own coaching focus"),
}

PART_EMPTY = {
    1: _l("No open actions: nothing was left open in earlier one-on-ones."),
    2: _l("No deal needs attention right now."),
    3: _l("No development topic."),
    4: _l("Nothing in your own focus yet."),
}

REASON_LABELS = {
    "walk_away": _l("Walk away?"),
    "needs_help": _l("Needs help"),
    "overdue": _l("Overdue"),
    "timing_risk": _l("Timing risk"),
    "closing_not_analysed": _l("Closes soon, not analysed"),
}

REASON_HELP = {
    "walk_away": _l("A knock-out is answered no, or the facts say we lose: decide together whether to drop it."),
    "needs_help": _l("Winnable, but much is still unknown: help the rep find out."),
    "overdue": _l("The close date has passed: the rep needs a new date from the buyer."),
    "timing_risk": _l("Unlikely to close on the stated date."),
    "closing_not_analysed": _l("Closes within 30 days and nobody has analysed it yet."),
}

OWNER_LABELS = {"manager": _l("Me (manager)"), "rep": _l("Rep")}

STATUS_LABELS = {"planned": _l("Planned"), "held": _l("Held")}

KIND_LABELS = {
    "action": _l("Action"),
    "deal": _l("Deal"),
    "development": _l("Development"),
    "focus": _l("Focus"),
    "custom": _l("Your own item"),
}

COACHING_ERRORS = {
    "unknown_rep": lambda: _("Choose a rep from your team."),
    "meeting_held": lambda: _("This one-on-one has been held already."),
    "next_before_this": lambda: _("Plan the next one-on-one after this one."),
    "bad_owner": lambda: _("Choose who owns the action."),
    "empty": lambda: _("Write a title first."),
    "bad_part": lambda: _("Choose a part of the agenda."),
    "not_editable": lambda: _("An action's text is the action itself: change it where it was agreed."),
    "bad_direction": lambda: _("Move an item up or down."),
}
