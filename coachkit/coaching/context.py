"""Plain-data contexts for the meeting page, its print view, the PDF and the calendar event.

Private notes (per item and on the meeting) are in the context only when
``include_private`` is set: the page always sets it, the print view and the PDF
only when the manager ticks the option, the calendar event never.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import format_date
from flask_babel import gettext as _

from assessments.deal_scoring import NOT_ANALYSED
from coachkit import coaching_services as cs
from coachkit import deal_services as ds
from coachkit.coaching.labels import KIND_LABELS
from coachkit.coaching.labels import OWNER_LABELS
from coachkit.coaching.labels import PART_EMPTY
from coachkit.coaching.labels import PART_TITLES
from coachkit.coaching.labels import REASON_HELP
from coachkit.coaching.labels import REASON_LABELS
from coachkit.coaching.labels import STATUS_LABELS
from coachkit.deals.labels import FLAG_LABELS
from coachkit.ics import CalendarEvent
from coachkit.models import AgendaItem
from coachkit.models import Meeting
from coachkit.models import utcnow

# The deal table of the print lists at most this many of the rep's open deals (largest first).
DEAL_TABLE_MAX = 40
# The one-page coaching plan shows at most this many entries per block, each shortened to PLAN_TEXT characters.
PLAN_ENTRIES = 5
PLAN_TEXT = 140


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _short(text: str, limit: int = PLAN_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _kpis(score) -> dict | None:
    if NOT_ANALYSED in score.flags:
        return None
    return {
        "qualification": score.qualification,
        "chance_to_win": score.chance_to_win,
        "reliability": score.reliability,
        "timing": score.timing,
    }


def _deal_data(deal, score) -> dict:
    return {
        "id": deal.id,
        "external_id": deal.external_id,
        "title": deal.title,
        "account": deal.account,
        "value": deal.value,
        "currency": deal.currency,
        "stage": deal.stage,
        "expected_close": deal.expected_close,
        "kpis": _kpis(score),
        "flags": [str(FLAG_LABELS.get(f, f)) for f in score.flags],
        "flag_codes": list(score.flags),
    }


def _item_data(item: AgendaItem, scores: dict, include_private: bool) -> dict:
    data = {
        "id": item.id,
        "kind": item.kind,
        "kind_label": str(KIND_LABELS[item.kind]),
        "part": item.part,
        "title": item.title,
        "lines": _lines(item.body),
        "body": item.body,
        "edited": item.edited and item.source_key is not None,
        "custom": item.source_key is None,
        "generated": item.source_key is not None,
        "shared_note": item.shared_note,
        "private_note": item.private_note if include_private else None,
        "reasons": [
            {"code": r, "label": str(REASON_LABELS.get(r, r)), "help": str(REASON_HELP.get(r, ""))}
            for r in (item.reasons or [])
        ],
        "deal": None,
        "action": None,
    }
    if item.deal is not None:
        deal = item.deal
        score = scores.get(deal.id) or ds.score_of(deal)
        data["deal"] = _deal_data(deal, score)
    if item.action_item is not None:
        action = item.action_item
        data["title"] = action.description
        data["action"] = {
            "id": action.id,
            "owner": action.owner,
            "owner_label": str(OWNER_LABELS[action.owner]),
            "due_on": action.due_on,
            "done": action.done,
            "agreed_on": action.meeting.scheduled_at,
            "overdue": action.done_at is None and action.due_on is not None and action.due_on < ds.today(),
        }
    return data


def _action_data(action) -> dict:
    return {
        "id": action.id,
        "description": action.description,
        "owner": action.owner,
        "owner_label": str(OWNER_LABELS[action.owner]),
        "due_on": action.due_on,
        "done": action.done,
    }


def meeting_context(meeting: Meeting, lang: str, *, include_private: bool, today: date | None = None) -> dict:
    """Everything the meeting page and its print show, as plain data.

    :param include_private: put private notes (items and meeting) in the context.
    """
    with force_locale(lang):
        return _meeting_context(meeting, lang, include_private, today or ds.today())


def _meeting_context(meeting: Meeting, lang: str, include_private: bool, today: date) -> dict:
    scored = cs.scored_deals(meeting.rep, today)
    scores = {deal.id: score for deal, score in scored}
    visible = [i for i in meeting.items if not i.removed]
    parts = []
    for number, title in PART_TITLES.items():
        items = [_item_data(i, scores, include_private) for i in visible if i.part == number]
        parts.append({"number": number, "title": str(title), "empty": str(PART_EMPTY[number]), "items": items})
    on_agenda = {i.deal_id for i in visible if i.deal_id}
    table = sorted(
        scored,
        key=lambda pair: (-(pair[0].value or 0), pair[0].expected_close or date.max, pair[0].id),
    )
    deals = [{**_deal_data(d, s), "on_agenda": d.id in on_agenda} for d, s in table[:DEAL_TABLE_MAX]]
    agreed = [_action_data(a) for a in cs.agreed_actions(meeting)]
    return {
        "lang": lang,
        "meeting": {
            "id": meeting.id,
            "rep": meeting.rep.name,
            "rep_id": meeting.rep_id,
            "manager": meeting.manager.name,
            "scheduled_at": meeting.scheduled_at,
            "duration": meeting.duration_minutes,
            "status": meeting.status,
            "status_label": str(STATUS_LABELS[meeting.status]),
            "held": meeting.held,
            "closed_at": meeting.closed_at,
            "prepared_at": meeting.agenda_generated_at,
            "notes": meeting.notes if include_private else None,
        },
        "include_private": include_private,
        "parts": parts,
        "removed": [_item_data(i, scores, include_private) for i in meeting.items if i.removed],
        "agreed": agreed,
        "deals": deals,
        "deals_more": max(0, len(table) - DEAL_TABLE_MAX),
        "plan": _plan(parts),
        "currency": meeting.manager.currency,
    }


def _plan(parts: list[dict]) -> dict:
    """The one-page coaching plan: the first entries of each part, shortened."""
    by_number = {p["number"]: p["items"] for p in parts}
    actions = [
        {
            "text": _short(i["title"]),
            "owner": i["action"]["owner_label"] if i["action"] else "",
            "due_on": i["action"]["due_on"] if i["action"] else None,
            "done": bool(i["action"] and i["action"]["done"]),
        }
        for i in by_number[1][:PLAN_ENTRIES]
    ]
    deals = [
        {
            "title": _short(i["title"], 80),
            "reason": i["reasons"][0]["label"] if i["reasons"] else "",
            "question": _short(i["lines"][0]) if i["lines"] else "",
        }
        for i in by_number[2][:PLAN_ENTRIES]
    ]
    development = [
        {"title": _short(i["title"], 100), "text": _short(i["lines"][-1]) if i["lines"] else ""}
        for i in by_number[3][:2]
    ]
    # A focus item's first line names the area; the second is its first open action or suggestion.
    focus = [
        {
            "title": _short(i["title"], 100),
            "text": _short(i["lines"][1] if len(i["lines"]) > 1 else "".join(i["lines"])),
        }
        for i in by_number[4][:3]
    ]
    return {"actions": actions, "deals": deals, "development": development, "focus": focus}


def calendar_description(context: dict) -> str:
    """The agenda as plain text for a calendar event: titles, reasons and shared notes only."""
    m = context["meeting"]
    lines = [_("One-on-one with %(rep)s", rep=m["rep"]), ""]
    for part in context["parts"]:
        lines.append(f"{part['number']}. {part['title']}")
        if not part["items"]:
            lines.append(f"  {part['empty']}")
        for item in part["items"]:
            extra = ""
            if item["reasons"]:
                extra = f" ({', '.join(r['label'] for r in item['reasons'])})"
            elif item["action"]:
                extra = f" ({item['action']['owner_label']}"
                if item["action"]["due_on"]:
                    extra += ", " + _("due %(date)s", date=format_date(item["action"]["due_on"], "medium"))
                extra += ")"
            lines.append(f"- {item['title']}{extra}")
            if item["shared_note"]:
                lines.append("  " + _("Shared note: %(note)s", note=" ".join(item["shared_note"].split())))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def calendar_event(meeting: Meeting, lang: str) -> CalendarEvent:
    context = meeting_context(meeting, lang, include_private=False)
    with force_locale(lang):
        summary = _("One-on-one with %(rep)s", rep=meeting.rep.name)
        description = calendar_description(context)
    return CalendarEvent(
        uid=meeting.uid,
        start=meeting.scheduled_at,
        duration=timedelta(minutes=meeting.duration_minutes),
        summary=summary,
        stamp=utcnow(),
        description=description,
    )
