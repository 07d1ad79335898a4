"""The four deal KPIs, the flags drawn from them, and why each KPI is what it is.

Answers map a question id to ``"yes"``, ``"no"`` or ``"unknown"``; a question
missing from the mapping counts as unknown. All KPIs are percentages from 0 to
100 with one decimal. The formulas, with worked examples, are in
``docs/scoring.md (deal analysis part)``; in short, with ``w`` a question's weight:

* **qualification degree** ``Q = 100 * sum(w, answered) / sum(w, all)`` over the
  qualification questions ("answered" means yes or no).
* **chance to win** ``W``: each group ``h`` gets a score
  ``s_h = sum(w * v) / sum(w)`` with yes = 1, no = 0 and unknown =
  :data:`UNKNOWN_PRIOR`; then ``W = 100 * (s_1 * s_2 * ... * s_H) ** (2 / H)``,
  which for the four groups is the square root of their product. A knock-out
  answered no caps ``W`` at :data:`KNOCKOUT_CAP`.
* **reliability factor** ``R``: the same, but unknown counts as no (0) and an
  unknown knock-out caps like a "no". So ``R <= W``, equal when nothing is unknown.
* **deal timing** ``T = 100 * t * d * SLIP_FACTOR ** slips`` with ``t`` the
  weighted timing answers (yes = 1, unknown = :data:`TIMING_UNKNOWN_VALUE`,
  no = 0) and ``d`` = :data:`NO_CLOSE_DATE_FACTOR` when the close date is
  blank, else 1. An open deal past its close date gets ``T = 0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from assessments.deal_instrument import DealInstrument
from assessments.deal_instrument import DealQuestion
from assessments.deal_instrument import Localized
from assessments.errors import AnswerError

YES = "yes"
NO = "no"
UNKNOWN = "unknown"
ANSWERS = (YES, NO, UNKNOWN)

STATUSES = ("open", "won", "lost")

# Value of an unknown answer in the chance to win: a coin flip. With every
# answer unknown, W = 0.5 ** 2 = 25 %, about the win rate of an average B2B deal.
UNKNOWN_PRIOR = 0.5
# The point each answer's effect is measured from in the explanations.
NEUTRAL = 0.5
# W = (product of group scores) ** (WIN_POWER / number of groups).
WIN_POWER = 2.0
# A knock-out answered no (for R: no or unknown) caps the KPI at this value.
KNOCKOUT_CAP = 10.0
# Unknown timing facts are worse than neutral: what is not known about the
# buyer's timeline is what makes a close date move.
TIMING_UNKNOWN_VALUE = 0.25
# A blank expected close date halves the timing.
NO_CLOSE_DATE_FACTOR = 0.5
# Each recorded slip of the close date multiplies the timing by this factor
# (and always lowers it by at least 0.1 point while it is above 0).
SLIP_FACTOR = 0.8

# Flag thresholds (percentages).
NEEDS_HELP_MIN_WIN = 40.0
NEEDS_HELP_MAX_QUALIFICATION = 60.0
NEEDS_HELP_MIN_RELIABILITY_GAP = 25.0
WALK_AWAY_MIN_QUALIFICATION = 70.0
WALK_AWAY_MAX_WIN = 20.0
TIMING_RISK_BELOW = 40.0
TIMING_RISK_MIN_SLIPS = 2

NEEDS_HELP = "needs_help"
WALK_AWAY = "walk_away"
TIMING_RISK = "timing_risk"
OVERDUE = "overdue"
NOT_ANALYSED = "not_analysed"
FLAGS = (NEEDS_HELP, WALK_AWAY, TIMING_RISK, OVERDUE, NOT_ANALYSED)

QUALIFICATION = "qualification"
CHANCE_TO_WIN = "chance_to_win"
RELIABILITY = "reliability"
TIMING = "timing"
KPIS = (QUALIFICATION, CHANCE_TO_WIN, RELIABILITY, TIMING)

# Deal facts that appear in the timing explanation next to the answers.
FACT_NO_CLOSE_DATE = "fact:no_close_date"
FACT_SLIPS = "fact:slips"
FACT_OVERDUE = "fact:overdue"


@dataclass(frozen=True)
class DealFacts:
    """What the CRM knows about a deal, apart from the analysis answers."""

    status: str
    expected_close: date | None
    today: date
    slips: int = 0
    value: Decimal | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {self.status!r}")
        if isinstance(self.slips, bool) or not isinstance(self.slips, int) or self.slips < 0:
            raise ValueError(f"slips must be a whole number of 0 or more, not {self.slips!r}")

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def overdue(self) -> bool:
        return self.is_open and self.expected_close is not None and self.expected_close < self.today


@dataclass(frozen=True)
class Contribution:
    """How much one answer (or deal fact) moved a KPI, in percentage points."""

    question_id: str
    answer: str
    effect: float


@dataclass(frozen=True)
class Explanation:
    kpi: str
    raised: tuple[Contribution, ...]
    lowered: tuple[Contribution, ...]


@dataclass(frozen=True)
class DealScore:
    qualification: float
    chance_to_win: float
    reliability: float
    timing: float
    flags: tuple[str, ...]
    explanations: dict[str, Explanation]

    def kpi(self, name: str) -> float:
        if name not in KPIS:
            raise KeyError(name)
        return getattr(self, name)


def validate_answers(instrument: DealInstrument, answers: Mapping[str, str]) -> None:
    """Check that every key is a question of ``instrument`` and every value an answer.

    :raise AnswerError: listing every unknown question id and every bad value.
    """
    if not isinstance(answers, Mapping):
        raise AnswerError("answers must be a mapping of question id to answer")
    known = {q.id for q in instrument.questions}
    problems = []
    for qid, value in answers.items():
        if qid not in known:
            problems.append(f"{qid!r} is not a question of {instrument.name} v{instrument.version}")
        elif value not in ANSWERS:
            problems.append(f"{qid!r}: answer {value!r} is not one of {', '.join(ANSWERS)}")
    if problems:
        raise AnswerError("; ".join(problems))


def _answer(answers: Mapping[str, str], question: DealQuestion) -> str:
    return answers.get(question.id, UNKNOWN)


def _round(x: float) -> float:
    return round(x, 1) + 0.0  # + 0.0 turns -0.0 into 0.0


# -- the smooth parts of the KPIs, on values in 0..1 per question ------------

Values = dict[str, float]


def _values(questions: Sequence[DealQuestion], answers: Mapping[str, str], unknown_value: float) -> Values:
    table = {YES: 1.0, NO: 0.0, UNKNOWN: unknown_value}
    return {q.id: table[_answer(answers, q)] for q in questions}


def _weighted_mean(questions: Sequence[DealQuestion], values: Values) -> float:
    total = sum(q.weight for q in questions)
    return sum(q.weight * values[q.id] for q in questions) / total


def _win_fraction(instrument: DealInstrument, values: Values) -> float:
    scores = [_weighted_mean(g.questions, values) for g in instrument.groups]
    return math.prod(scores) ** (WIN_POWER / len(scores))


def _timing_fraction(instrument: DealInstrument, values: Values, facts: DealFacts) -> float:
    base = _weighted_mean(instrument.timing_questions, values)
    if facts.expected_close is None:
        base *= NO_CLOSE_DATE_FACTOR
    return base


def _knockout_triggered(
    instrument: DealInstrument, answers: Mapping[str, str], unknown_counts: bool
) -> list[DealQuestion]:
    bad = (NO, UNKNOWN) if unknown_counts else (NO,)
    return [q for q in instrument.qualification_questions if q.knockout and _answer(answers, q) in bad]


# -- the KPIs ------------------------------------------------------------------


def qualification_degree(instrument: DealInstrument, answers: Mapping[str, str]) -> float:
    """Share of the qualification weight whose answer is known (yes or no), 0-100.

    Only a fully answered analysis scores 100; otherwise the result is at most 99.9.
    """
    questions = instrument.qualification_questions
    total = sum(q.weight for q in questions)
    known = sum(q.weight for q in questions if _answer(answers, q) != UNKNOWN)
    if known == total:
        return 100.0
    return min(_round(100 * known / total), 99.9)


def chance_to_win(instrument: DealInstrument, answers: Mapping[str, str]) -> float:
    """W = 100 * (product of group scores) ** (2 / groups), unknown = 0.5; knock-out no caps at 10."""
    values = _values(instrument.qualification_questions, answers, UNKNOWN_PRIOR)
    w = _round(100 * _win_fraction(instrument, values))
    if _knockout_triggered(instrument, answers, unknown_counts=False):
        w = min(w, KNOCKOUT_CAP)
    return w


def reliability_factor(instrument: DealInstrument, answers: Mapping[str, str]) -> float:
    """Like the chance to win, with every unknown counted as a no (also for knock-outs)."""
    values = _values(instrument.qualification_questions, answers, 0.0)
    r = _round(100 * _win_fraction(instrument, values))
    if _knockout_triggered(instrument, answers, unknown_counts=True):
        r = min(r, KNOCKOUT_CAP)
    return r


def deal_timing(instrument: DealInstrument, answers: Mapping[str, str], facts: DealFacts) -> float:
    """T = 100 * t * d, lowered per slip; 0 for an open deal past its close date.

    Each slip multiplies T by 0.8 and lowers it by at least 0.1 point, so every
    slip lowers the (rounded) timing strictly until it reaches 0.
    """
    if facts.overdue:
        return 0.0
    values = _values(instrument.timing_questions, answers, TIMING_UNKNOWN_VALUE)
    t = _round(100 * _timing_fraction(instrument, values, facts))
    for _ in range(facts.slips):
        if t <= 0:
            break
        t = max(0.0, min(_round(t * SLIP_FACTOR), _round(t - 0.1)))
    return t


def is_analysed(instrument: DealInstrument, answers: Mapping[str, str]) -> bool:
    """True when at least one question is answered yes or no."""
    return any(_answer(answers, q) != UNKNOWN for q in instrument.questions)


def deal_flags(
    instrument: DealInstrument,
    answers: Mapping[str, str],
    facts: DealFacts,
    qualification: float,
    win: float,
    reliability: float,
    timing: float,
) -> tuple[str, ...]:
    """The flags of one deal, in the order of :data:`FLAGS`.

    Closed deals carry no flags except ``not_analysed``. For a deal without a
    single yes or no answer only the close-date flags apply.
    """
    flags: set[str] = set()
    analysed = is_analysed(instrument, answers)
    if not analysed:
        flags.add(NOT_ANALYSED)
    if facts.is_open:
        date_risk = facts.expected_close is None or facts.slips >= TIMING_RISK_MIN_SLIPS
        if facts.overdue:
            flags.add(OVERDUE)
            date_risk = True
        if analysed:
            knocked_out = bool(_knockout_triggered(instrument, answers, unknown_counts=False))
            walk_away = knocked_out or (qualification >= WALK_AWAY_MIN_QUALIFICATION and win < WALK_AWAY_MAX_WIN)
            if walk_away:
                flags.add(WALK_AWAY)
            elif win >= NEEDS_HELP_MIN_WIN and (
                qualification < NEEDS_HELP_MAX_QUALIFICATION or win - reliability >= NEEDS_HELP_MIN_RELIABILITY_GAP
            ):
                flags.add(NEEDS_HELP)
            if timing < TIMING_RISK_BELOW:
                date_risk = True
        if date_risk:
            flags.add(TIMING_RISK)
    return tuple(f for f in FLAGS if f in flags)


# -- explanations --------------------------------------------------------------


def _explain(kpi: str, contributions: list[tuple[int, Contribution]]) -> Explanation:
    kept = [(i, c) for i, c in contributions if c.effect != 0]
    kept.sort(key=lambda item: (-abs(item[1].effect), item[0]))
    return Explanation(
        kpi=kpi,
        raised=tuple(c for _, c in kept if c.effect > 0),
        lowered=tuple(c for _, c in kept if c.effect < 0),
    )


def _leave_one_out(
    questions: Sequence[DealQuestion],
    answers: Mapping[str, str],
    values: Values,
    score: Callable[[Values], float],
) -> list[tuple[int, Contribution, float]]:
    """Effect of each answer: the score now minus the score with that answer neutral."""
    now = score(values)
    result = []
    for i, q in enumerate(questions):
        if values[q.id] == NEUTRAL:
            effect = 0.0
        else:
            effect = 100 * (now - score({**values, q.id: NEUTRAL}))
        result.append((i, Contribution(q.id, _answer(answers, q), 0.0), effect))
    return result


def _with_cap(
    rows: list[tuple[int, Contribution, float]],
    capping: list[DealQuestion],
    uncapped: float,
) -> list[tuple[int, Contribution]]:
    cost = max(0.0, uncapped - KNOCKOUT_CAP) if capping else 0.0
    capping_ids = {q.id for q in capping}
    out = []
    for i, c, effect in rows:
        if c.question_id in capping_ids:
            effect -= cost
        out.append((i, Contribution(c.question_id, c.answer, _round(effect))))
    return out


def explain_deal(instrument: DealInstrument, answers: Mapping[str, str], facts: DealFacts) -> dict[str, Explanation]:
    """For each KPI, the answers that raised it and those that lowered it.

    * Qualification: an answered question raised Q by its share of the weight
      (``100 * w / total``); an unknown one lowered Q by the share it would add.
    * Chance to win, reliability and timing: an answer's effect is the KPI now
      minus the KPI with that one answer replaced by a neutral 50/50 value,
      computed before the hard rules. A knock-out that imposes the cap is also
      charged the points the cap takes off (each capping knock-out in full,
      since each alone would impose it). For timing, a blank close date, the
      slips and an overdue close date appear as ``fact:`` contributions.

    Contributions are sorted by the size of their effect, largest first.
    """
    result: dict[str, Explanation] = {}
    qual = instrument.qualification_questions

    total = sum(q.weight for q in qual)
    q_rows = []
    for i, q in enumerate(qual):
        share = 100 * q.weight / total
        answer = _answer(answers, q)
        q_rows.append((i, Contribution(q.id, answer, _round(share if answer != UNKNOWN else -share))))
    result[QUALIFICATION] = _explain(QUALIFICATION, q_rows)

    def win_score(values: Values) -> float:
        return _win_fraction(instrument, values)

    for kpi, unknown_value, unknown_caps in (
        (CHANCE_TO_WIN, UNKNOWN_PRIOR, False),
        (RELIABILITY, 0.0, True),
    ):
        values = _values(qual, answers, unknown_value)
        rows = _leave_one_out(qual, answers, values, win_score)
        capping = _knockout_triggered(instrument, answers, unknown_counts=unknown_caps)
        result[kpi] = _explain(kpi, _with_cap(rows, capping, 100 * win_score(values)))

    timing_qs = instrument.timing_questions
    slip_multiplier = SLIP_FACTOR**facts.slips

    def timing_score(values: Values) -> float:
        return _timing_fraction(instrument, values, facts) * slip_multiplier

    values = _values(timing_qs, answers, TIMING_UNKNOWN_VALUE)
    t_rows = [
        (i, Contribution(c.question_id, c.answer, _round(effect)))
        for i, c, effect in _leave_one_out(timing_qs, answers, values, timing_score)
    ]
    answers_part = 100 * _weighted_mean(timing_qs, values)
    n = len(timing_qs)
    if facts.expected_close is None:
        effect = answers_part * (NO_CLOSE_DATE_FACTOR - 1) * slip_multiplier
        t_rows.append((n, Contribution(FACT_NO_CLOSE_DATE, "blank", _round(effect))))
    if facts.slips:
        before_slips = 100 * _timing_fraction(instrument, values, facts)
        t_rows.append((n + 1, Contribution(FACT_SLIPS, str(facts.slips), _round(before_slips * (slip_multiplier - 1)))))
    if facts.overdue:
        t_rows.append(
            (n + 2, Contribution(FACT_OVERDUE, facts.expected_close.isoformat(), -_round(100 * timing_score(values))))
        )
    result[TIMING] = _explain(TIMING, t_rows)
    return result


# -- the whole score -------------------------------------------------------------


def score_deal(instrument: DealInstrument, answers: Mapping[str, str], facts: DealFacts) -> DealScore:
    """Score one deal: the four KPIs, its flags and the explanation of each KPI.

    :raise AnswerError: an answer names an unknown question or is not yes/no/unknown.
    """
    validate_answers(instrument, answers)
    q = qualification_degree(instrument, answers)
    w = chance_to_win(instrument, answers)
    r = reliability_factor(instrument, answers)
    t = deal_timing(instrument, answers, facts)
    return DealScore(
        qualification=q,
        chance_to_win=w,
        reliability=r,
        timing=t,
        flags=deal_flags(instrument, answers, facts, q, w, r, t),
        explanations=explain_deal(instrument, answers, facts),
    )


def coaching_questions(instrument: DealInstrument, answers: Mapping[str, str]) -> list[tuple[str, Localized]]:
    """Coaching questions for every answer that is no or unknown.

    Order: knock-outs first, then by weight (highest first), then "no" before
    "unknown", then the instrument's own order.
    """
    validate_answers(instrument, answers)
    open_points = [
        (not q.knockout, -q.weight, _answer(answers, q) != NO, i, q)
        for i, q in enumerate(instrument.questions)
        if _answer(answers, q) != YES
    ]
    open_points.sort(key=lambda item: item[:4])
    return [(item[4].id, item[4].coaching) for item in open_points]
