"""Plain-data contexts for the session pages and the cohort report: no ORM objects reach a template.

The cohort view (``/sessions/<id>/results``) and the cohort PDF are built from the same
:func:`cohort_context`, so the preview matches the print.
"""

from __future__ import annotations

from babel.numbers import get_decimal_symbol
from flask_babel import force_locale
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from assessments.cohort import compare_sessions
from assessments.cohort import level_counts
from assessments.cohort import summarise
from assessments.comparison import AREA_GAP_THRESHOLD
from assessments.comparison import BLIND_SPOT
from assessments.comparison import HIDDEN_STRENGTH
from assessments.comparison import ITEM_GAP_THRESHOLD
from assessments.comparison import compare
from assessments.instruments import Instrument
from assessments.maturity import level_for_score
from assessments.maturity import score_assessment
from coachkit import cohort_services
from coachkit.charts import Series
from coachkit.charts import radar_svg
from coachkit.cohort_services import IN_PROGRESS
from coachkit.cohort_services import NOT_STARTED
from coachkit.cohort_services import SUBMITTED
from coachkit.cohorts.charts import LEVEL_COLORS
from coachkit.cohorts.charts import OBSERVER_COLOR
from coachkit.cohorts.charts import SELF_COLOR
from coachkit.cohorts.charts import Marker
from coachkit.cohorts.charts import histogram_svg
from coachkit.cohorts.exports import mark_label
from coachkit.cohorts.exports import status_label
from coachkit.i18n import number
from coachkit.models import Cohort
from coachkit.models import CohortMember
from coachkit.reports.context import CURRENT_COLOR
from coachkit.reports.context import PREVIOUS_COLOR
from coachkit.services import instrument_of

LOWEST_ITEMS_SHOWN = 5


def level_names(instrument: Instrument, lang: str) -> dict[int, str]:
    return {band.level: band.name.get(lang) for band in instrument.levels}


def progress_label(p: cohort_services.Progress) -> str:
    if p.state == SUBMITTED:
        return _("Submitted")
    if p.state == NOT_STARTED:
        return _("Not started")
    return _("Page %(n)d of %(m)d", n=p.page, m=p.pages)


def rating_label(rated: int, total: int) -> str:
    if rated == 0:
        return _("Not rated yet")
    if rated >= total:
        return _("Rated")
    return _("%(n)d of %(m)d rated", n=rated, m=total)


def progress_data(cohort: Cohort) -> dict:
    """The progress board as JSON-ready data: the same figures on the page and in the poll."""
    rows = cohort_services.progress(cohort)
    total = sum(len(a.statements) for a in cohort_services.instrument_of(cohort).areas)
    counts = {NOT_STARTED: 0, IN_PROGRESS: 0, SUBMITTED: 0}
    for p in rows:
        counts[p.state] += 1
    return {
        "session": cohort.id,
        "joining_open": cohort.joining_open,
        "released": cohort.released_at is not None,
        "counts": {**counts, "total": len(rows)},
        "summary": _(
            "%(total)d joined · %(not_started)d not started · %(in_progress)d in progress · %(submitted)d submitted",
            total=len(rows),
            **counts,
        ),
        "participants": [
            {
                "id": p.member_id,
                "name": p.name,
                "state": p.state,
                "page": p.page,
                "pages": p.pages,
                "answered": p.answered,
                "total": p.total,
                "label": progress_label(p),
                "rated": p.rated,
                "rating_label": rating_label(p.rated, total),
            }
            for p in rows
        ],
    }


# ---------------------------------------------------------------- self against observer


def comparison_context(
    instrument: Instrument, self_answers: dict[str, int], observer_answers: dict[str, int], lang: str
) -> dict:
    """Self against observer per area and per statement, with the marks and a radar chart."""
    comparison = compare(instrument, self_answers, observer_answers)
    scale = {p.value: p.label.get(lang) for p in instrument.scale}
    titles = {area.id: area.title.get(lang) for area in instrument.areas}
    texts = {s.id: s.text.get(lang) for area in instrument.areas for s in area.statements}
    observer_texts = {s.id: s.observer.get(lang) for area in instrument.areas for s in area.statements}
    items_by_area = {area.id: [] for area in instrument.areas}
    for item in comparison.items:
        items_by_area[item.area_id].append(
            {
                "id": item.statement_id,
                "text": texts[item.statement_id],
                "observer_text": observer_texts[item.statement_id],
                "self": scale.get(item.self_answer, "–"),
                "observer": scale.get(item.observer_answer, "–"),
                "gap": item.gap,
                "kind": item.kind,
                "mark": mark_label(item.kind),
            }
        )
    areas = [
        {
            "id": gap.area_id,
            "title": titles[gap.area_id],
            "self": gap.self_score,
            "observer": gap.observer_score,
            "gap": gap.gap,
            "kind": gap.kind,
            "mark": mark_label(gap.kind),
            "items": items_by_area[gap.area_id],
        }
        for gap in comparison.areas
    ]
    radar = radar_svg(
        [a["title"] for a in areas],
        [
            Series(_("Observer"), [a["observer"] for a in areas], PREVIOUS_COLOR, dashed=True),
            Series(_("Self-assessment"), [a["self"] for a in areas], CURRENT_COLOR),
        ],
        title=_("Score per area, 0 to 100: self-assessment and observer"),
    )

    def listed(rows):
        return [{"text": texts[r.statement_id], "area": titles[r.area_id], "gap": r.gap} for r in rows]

    return {
        "areas": areas,
        "radar_svg": radar,
        "blind_spot_areas": [titles[a.area_id] for a in comparison.blind_spot_areas],
        "hidden_strength_areas": [titles[a.area_id] for a in comparison.hidden_strength_areas],
        "blind_spots": listed(comparison.blind_spot_items),
        "hidden_strengths": listed(comparison.hidden_strength_items),
        "area_threshold": AREA_GAP_THRESHOLD,
        "item_threshold": ITEM_GAP_THRESHOLD,
    }


def released_comparison(assessment, lang: str) -> dict | None:
    """For a participant's results page: self against the released observer ratings, or None."""
    if assessment is None or not assessment.submitted:
        return None
    member = cohort_services.released_membership(assessment)
    if member is None:
        return None
    with force_locale(lang):
        data = comparison_context(
            instrument_of(assessment), assessment.answer_map(), cohort_services.observer_answers(member), lang
        )
    data["session"] = member.cohort.name
    data["trainer"] = member.cohort.trainer.name
    return data


def participant_context(cohort: Cohort, member: CohortMember, lang: str) -> dict:
    """The trainer's page for one participant: progress, self against observer once submitted."""
    instrument = cohort_services.instrument_of(cohort)
    assessment = member.assessment
    submitted = assessment is not None and assessment.submitted
    observer = cohort_services.observer_answers(member)
    own = assessment.answer_map() if submitted else {}
    result = score_assessment(instrument, own) if submitted else None
    names = level_names(instrument, lang)
    return {
        "name": member.user.name,
        "email": member.user.email,
        "joined_at": member.joined_at,
        "submitted": submitted,
        "submitted_at": assessment.submitted_at if submitted else None,
        "rated": len(observer),
        "total": len(instrument.statement_ids),
        "overall_level": result.overall_level if result else None,
        "overall_level_name": names.get(result.overall_level, "") if result else "",
        "comparison": comparison_context(instrument, own, observer, lang) if (own or observer) else None,
    }


# ---------------------------------------------------------------- the cohort view and report


def cohort_context(cohort: Cohort, lang: str) -> dict:
    """Everything the cohort view and the cohort PDF show, as plain data.

    :param lang: ``"nl"`` or ``"en"``: texts from the instrument and labels.
    """
    with force_locale(lang):
        return _cohort_context(cohort, lang)


def _bin_colors(instrument: Instrument) -> list[str]:
    return [LEVEL_COLORS[level_for_score(instrument, 10 * i) - 1] for i in range(10)]


def _cohort_context(cohort: Cohort, lang: str) -> dict:
    instrument = cohort_services.instrument_of(cohort)
    people = cohort_services.participants(cohort)
    submitted = [p for p in people if p.result is not None]
    observed = [p for p in people if p.observer_result is not None]
    compared = [p for p in people if p.comparison is not None]
    summary = summarise(instrument, [p.result for p in submitted], [p.answers for p in submitted])
    observer_summary = summarise(instrument, [p.observer_result for p in observed], [p.observer for p in observed])
    names = level_names(instrument, lang)
    titles = {area.id: area.title.get(lang) for area in instrument.areas}
    colors = _bin_colors(instrument)

    areas = []
    for index, area in enumerate(instrument.areas):
        stats = summary.area(area.id)
        seen = observer_summary.area(area.id)
        gaps = [p.comparison.areas[index] for p in compared]
        markers = []
        if stats.mean is not None:
            markers.append(Marker(stats.mean, _("Mean, self-assessment: %(v)s", v=number(stats.mean)), SELF_COLOR))
        if seen.mean is not None:
            markers.append(
                Marker(seen.mean, _("Mean, observer: %(v)s", v=number(seen.mean)), OBSERVER_COLOR, dashed=True)
            )
        title = area.title.get(lang)
        if stats.mean is not None:
            chart_title = _(
                "%(area)s: participants per score band; %(n)d participants, mean %(mean)s",
                area=title,
                n=stats.n,
                mean=number(stats.mean),
            )
        else:
            chart_title = _("%(area)s: no scores yet", area=title)
        areas.append(
            {
                "id": area.id,
                "title": title,
                "n": stats.n,
                "mean": stats.mean,
                "median": stats.median,
                "minimum": stats.minimum,
                "maximum": stats.maximum,
                "stdev": stats.stdev,
                "observer_n": seen.n,
                "observer_mean": seen.mean,
                "level_counts": stats.level_counts,
                "blind_spots": sum(1 for g in gaps if g.kind == BLIND_SPOT),
                "hidden_strengths": sum(1 for g in gaps if g.kind == HIDDEN_STRENGTH),
                "mean_gap": _mean([g.gap for g in gaps]),
                "chart_svg": histogram_svg(
                    stats.bins,
                    title=chart_title,
                    colors=colors,
                    markers=markers,
                    axis_label=_("Score (0–100)"),
                ),
            }
        )

    decimal = get_decimal_symbol(str(get_locale()))
    statements = []
    columns = []
    for area_number, area in enumerate(instrument.areas, start=1):
        group = []
        for number_in_area, s in enumerate(area.statements, start=1):
            row = {
                "id": s.id,
                "code": f"{area_number}.{number_in_area}",
                "area": area.title.get(lang),
                "text": s.text.get(lang),
                "reverse": s.reverse,
                "mean": summary.item_means.get(s.id),
                "observer_mean": observer_summary.item_means.get(s.id),
                "mean_shown": _fixed(summary.item_means.get(s.id), decimal, 2),
                "observer_mean_shown": _fixed(observer_summary.item_means.get(s.id), decimal, 2),
                "heat_mean_shown": _fixed(summary.item_means.get(s.id), decimal, 1)
                if summary.item_means.get(s.id) is not None
                else "",
            }
            statements.append(row)
            group.append(row)
        columns.append({"title": area.title.get(lang), "statements": group})
    order = [s["id"] for s in statements]
    keying = [(s["id"], s["reverse"]) for s in statements]
    heat_rows = [{"name": p.name, "cells": _heat_cells(_keyed_row(keying, p.answers))} for p in submitted]
    lowest = sorted((s for s in statements if s["mean"] is not None), key=lambda s: (s["mean"], order.index(s["id"])))

    table = []
    for p in people:
        table.append(
            {
                "member_id": p.member_id,
                "name": p.name,
                "state": p.state,
                "status": status_label(p.state),
                "scores": [_fixed(p.result.area(a.id).score if p.result else None, decimal) for a in instrument.areas],
                "overall_level": p.result.overall_level if p.result else None,
                "observer_overall_level": p.observer_result.overall_level if p.observer_result else None,
                "blind_spots": len(p.comparison.blind_spot_items) if p.comparison else None,
                "hidden_strengths": len(p.comparison.hidden_strength_items) if p.comparison else None,
            }
        )

    return {
        "lang": lang,
        "id": cohort.id,
        "name": cohort.name,
        "held_on": cohort.held_on,
        "trainer": cohort.trainer.name,
        "instrument_title": instrument.title.get(lang),
        "instrument_version": instrument.version,
        "released": cohort.released_at is not None,
        "counts": {
            "joined": len(people),
            "submitted": len(submitted),
            "observed": len(observed),
            "in_progress": sum(1 for p in people if p.state == IN_PROGRESS),
            "not_started": sum(1 for p in people if p.state == NOT_STARTED),
        },
        "levels": [{"level": b.level, "name": b.name.get(lang), "min": b.min} for b in instrument.levels],
        "areas": areas,
        "overall_level_counts": summary.overall_level_counts,
        "level_names": names,
        "priorities": [
            {"title": titles[area_id], "count": count, "share": 100 * count / len(submitted)}
            for area_id, count in summary.priority_counts
        ],
        "statements": statements,
        "heat_columns": columns,
        "heat_rows": heat_rows,
        "lowest_items": lowest[:LOWEST_ITEMS_SHOWN],
        "participants": table,
        "area_titles": [a.title.get(lang) for a in instrument.areas],
        "area_threshold": AREA_GAP_THRESHOLD,
        "item_threshold": ITEM_GAP_THRESHOLD,
    }


def _fixed(value: float | None, decimal: str, digits: int = 1) -> str:
    """A number as ``number(value, digits)`` writes it, for the long tables of a group.

    Scores stay within 0-100 and means within 1-5, so no thousands separator is needed;
    babel's formatter is too slow for a table of 200 rows.
    """
    return "–" if value is None else f"{value:.{digits}f}".replace(".", decimal)


def _heat_cells(values: list[int | None]) -> Markup:
    """The cells of one heat-map row (whole numbers 1-5 or empty), built here for speed."""
    return Markup("".join(f'<td class="h{v}">{v}</td>' if v else '<td class="h0"></td>' for v in values))  # noqa: S704 (whole numbers only)


def _keyed_row(keying: list[tuple[str, bool]], answers: dict[str, int]) -> list[int | None]:
    """The answers in statement order, keyed so that 5 is the most effective behaviour (None: no answer)."""
    row = []
    for statement_id, reverse in keying:
        value = answers.get(statement_id)
        row.append(None if value is None else (6 - value if reverse else value))
    return row


def _mean(values) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


# ---------------------------------------------------------------- before and after


def compare_context(cohort: Cohort, other: Cohort, lang: str) -> dict:
    """Two sessions of the same group: the earlier one is "before", the later one "after"."""
    with force_locale(lang):
        before, after = sorted((cohort, other), key=lambda c: (c.held_on, c.id))
        instrument = cohort_services.instrument_of(after)
        old = {p.user_id: p for p in cohort_services.participants(before) if p.result}
        new = {p.user_id: p for p in cohort_services.participants(after) if p.result}
        result = compare_sessions(
            instrument, {k: p.result for k, p in old.items()}, {k: p.result for k, p in new.items()}
        )
        titles = [a.title.get(lang) for a in instrument.areas]
        areas = [
            {
                "title": title,
                "n": change.n,
                "before": change.mean_before,
                "after": change.mean_after,
                "change": change.change,
            }
            for title, change in zip(titles, result.areas, strict=True)
        ]
        radar = None
        if result.paired:
            radar = radar_svg(
                titles,
                [
                    Series(before.name, [a["before"] for a in areas], PREVIOUS_COLOR, dashed=True),
                    Series(after.name, [a["after"] for a in areas], CURRENT_COLOR),
                ],
                title=_("Mean score per area, 0 to 100, of the participants in both sessions"),
            )
        names = level_names(instrument, lang)
        people = [
            {
                "name": new[change.key].name,
                "before": change.overall_before,
                "after": change.overall_after,
                "changes": [change.changes[a.id] for a in instrument.areas],
            }
            for change in result.participants
        ]
        people.sort(key=lambda p: p["name"].lower())
        return {
            "before": {"id": before.id, "name": before.name, "held_on": before.held_on, "n": len(old)},
            "after": {"id": after.id, "name": after.name, "held_on": after.held_on, "n": len(new)},
            "paired": result.paired,
            "areas": areas,
            "area_titles": titles,
            "radar_svg": radar,
            "participants": people,
            "level_names": names,
            "levels_before": level_counts([old[p.key].result.overall_level for p in result.participants]),
            "levels_after": level_counts([new[p.key].result.overall_level for p in result.participants]),
        }
