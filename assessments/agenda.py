"""One-on-one agendas: which deals to discuss with a rep, a development topic, the manager's focus.

Pure functions on plain data. The rules are written out in ``docs/scoring.md``
("One-on-one agenda"); in short:

* **Deals** (:func:`select_deals`): an open deal is on the agenda for one or more
  reasons, each belonging to a group. Group 1: ``walk_away`` and ``needs_help``
  (the analysis asks for a conversation). Group 2: ``overdue`` (the close date
  has passed) and ``timing_risk`` (an analysed deal whose timing is at risk).
  Group 3: ``closing_not_analysed`` (no analysis, closes within
  :data:`CLOSING_SOON_DAYS` days). Deals are ordered by group, then value
  (largest first), then expected close date (earliest first, none last), then
  deal id; the first :data:`MAX_DEALS` are kept, each with up to
  :data:`MAX_QUESTIONS_PER_DEAL` coaching questions from its no and unknown
  answers.
* **Development topic** (:func:`development_topic`): the heading of the deal
  analysis (opportunity, compete, win, worth, timing) with the largest weighted
  share of no and unknown answers over the rep's analysed deals; ``analyse``
  when nothing is analysed, ``mastery`` when every share is below
  :data:`MASTERY_BELOW`.
* **Manager's focus** (:func:`coaching_focus`): the goals of the latest
  development plan that are still open, coaching-style goals first, and the
  development actions of the coaching-style area at the manager's level.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from assessments.deal_instrument import QUALIFICATION_GROUPS
from assessments.deal_instrument import TIMING_GROUP
from assessments.deal_instrument import DealInstrument
from assessments.deal_scoring import NEEDS_HELP
from assessments.deal_scoring import NO
from assessments.deal_scoring import NOT_ANALYSED
from assessments.deal_scoring import TIMING_RISK
from assessments.deal_scoring import UNKNOWN
from assessments.deal_scoring import WALK_AWAY
from assessments.deal_scoring import coaching_questions
from assessments.errors import InstrumentError
from assessments.instruments import Area
from assessments.instruments import Localized

# -- deals -----------------------------------------------------------------------

OVERDUE = "overdue"
CLOSING_NOT_ANALYSED = "closing_not_analysed"
# Reason codes in order of priority: a deal's first reason is its main one.
REASONS = (WALK_AWAY, NEEDS_HELP, OVERDUE, TIMING_RISK, CLOSING_NOT_ANALYSED)
# Group 1 is discussed first.
REASON_GROUP = {WALK_AWAY: 1, NEEDS_HELP: 1, OVERDUE: 2, TIMING_RISK: 2, CLOSING_NOT_ANALYSED: 3}

MAX_DEALS = 5
# A deal nobody analysed is on the agenda when it closes within this many days.
CLOSING_SOON_DAYS = 30
MAX_QUESTIONS_PER_DEAL = 3


@dataclass(frozen=True)
class AgendaDeal:
    """What the agenda needs to know about one of the rep's deals.

    ``flags`` are the deal's flags today (see ``deal_scoring.deal_flags``);
    ``answers`` are those of its latest analysis, empty when it has none;
    ``instrument`` is the instrument of that analysis when it is not the one
    passed to :func:`select_deals`.
    """

    deal_id: int
    value: Decimal | None
    expected_close: date | None
    flags: tuple[str, ...]
    answers: Mapping[str, str] | None = None
    status: str = "open"
    instrument: DealInstrument | None = None

    @property
    def analysed(self) -> bool:
        return NOT_ANALYSED not in self.flags


@dataclass(frozen=True)
class DealPick:
    deal_id: int
    reasons: tuple[str, ...]
    group: int
    # (question id, coaching question), most important first.
    questions: tuple[tuple[str, Localized], ...]

    @property
    def reason(self) -> str:
        return self.reasons[0]


def deal_reasons(deal: AgendaDeal, today: date) -> tuple[str, ...]:
    """Why an open deal belongs on the agenda, in the order of :data:`REASONS`; empty when it does not.

    ``overdue`` is worked out from the close date and ``today``; ``timing_risk``
    counts only for analysed deals (a blank close date alone does not put an
    unanalysed deal on the agenda).
    """
    if deal.status != "open":
        return ()
    found = set()
    if WALK_AWAY in deal.flags:
        found.add(WALK_AWAY)
    if NEEDS_HELP in deal.flags:
        found.add(NEEDS_HELP)
    overdue = deal.expected_close is not None and deal.expected_close < today
    if overdue:
        found.add(OVERDUE)
    if deal.analysed and TIMING_RISK in deal.flags:
        found.add(TIMING_RISK)
    if (
        not deal.analysed
        and not overdue
        and deal.expected_close is not None
        and (deal.expected_close - today).days <= CLOSING_SOON_DAYS
    ):
        found.add(CLOSING_NOT_ANALYSED)
    return tuple(r for r in REASONS if r in found)


def _order(deal: AgendaDeal, group: int) -> tuple:
    value = deal.value if deal.value is not None else Decimal(0)
    close = deal.expected_close or date.max
    return (group, -value, close, deal.deal_id)


def select_deals(
    deals: Sequence[AgendaDeal],
    today: date,
    instrument: DealInstrument,
    limit: int = MAX_DEALS,
    questions: int = MAX_QUESTIONS_PER_DEAL,
) -> list[DealPick]:
    """The rep's deals that need attention, in the order they are discussed.

    Order: reason group (1 walk away / needs help, 2 overdue / timing risk,
    3 not analysed and closing within 30 days), then value (largest first;
    no value counts as 0), then expected close date (earliest first, none
    last), then deal id. At most ``limit`` deals.
    """
    ranked = []
    for deal in deals:
        reasons = deal_reasons(deal, today)
        if not reasons:
            continue
        group = min(REASON_GROUP[r] for r in reasons)
        ranked.append((_order(deal, group), deal, reasons, group))
    ranked.sort(key=lambda item: item[0])
    picks = []
    for _key, deal, reasons, group in ranked[:limit]:
        asked = coaching_questions(deal.instrument or instrument, deal.answers or {})
        picks.append(DealPick(deal.deal_id, reasons, group, tuple(asked[:questions])))
    return picks


# -- development topic ---------------------------------------------------------------

TOPIC_FILE = Path(__file__).resolve().parent / "agenda_topics.yaml"
TOPICS_KIND = "agenda-topics"
HEADINGS = (*QUALIFICATION_GROUPS, TIMING_GROUP)
ANALYSE = "analyse"
MASTERY = "mastery"
TOPIC_IDS = (*HEADINGS, ANALYSE, MASTERY)
# Below this share of open answers under every heading, the rep gets the "mastery" topic.
MASTERY_BELOW = 0.10
LANGUAGES = ("en", "nl")


@dataclass(frozen=True)
class Topic:
    id: str
    title: Localized
    text: Localized
    practice: Localized


@dataclass(frozen=True)
class TopicChoice:
    topic: Topic
    # The heading the topic comes from; None for "analyse" and "mastery".
    heading: str | None
    # Weighted share (0..1) of no and unknown answers under each heading, in instrument order.
    open_shares: tuple[tuple[str, float], ...]
    analysed_deals: int

    @property
    def open_share(self) -> float | None:
        return dict(self.open_shares).get(self.heading) if self.heading else None


def open_shares(instrument: DealInstrument, analyses: Sequence[Mapping[str, str]]) -> tuple[tuple[str, float], ...]:
    """Per heading, the weighted share of answers that are no or unknown over all ``analyses``.

    ``share_h = sum over deals and questions q in h of w_q * [answer is no or unknown]
    / (number of deals * sum of w_q in h)``. A missing answer counts as unknown.
    """
    if not analyses:
        return ()
    result = []
    for group in (*instrument.groups, instrument.timing):
        total = group.total_weight * len(analyses)
        open_weight = sum(
            q.weight for answers in analyses for q in group.questions if answers.get(q.id, UNKNOWN) in (NO, UNKNOWN)
        )
        result.append((group.id, open_weight / total))
    return tuple(result)


def development_topic(
    instrument: DealInstrument,
    analyses: Sequence[Mapping[str, str]],
    topics: Mapping[str, Topic] | None = None,
) -> TopicChoice:
    """Choose the rep's development topic from the answers of their analysed open deals.

    The heading with the largest open share (see :func:`open_shares`) wins; a tie
    goes to the heading that comes first in the instrument (opportunity, compete,
    win, worth, timing), since the earlier questions come first in a sale. No
    analysed deal gives ``analyse``; every share below :data:`MASTERY_BELOW`
    gives ``mastery``.
    """
    topics = topics or get_topics()
    shares = open_shares(instrument, analyses)
    if not shares:
        return TopicChoice(topics[ANALYSE], None, (), 0)
    heading, best = shares[0]
    for candidate, share in shares[1:]:
        if share > best:
            heading, best = candidate, share
    if best < MASTERY_BELOW:
        return TopicChoice(topics[MASTERY], None, shares, len(analyses))
    return TopicChoice(topics[heading], heading, shares, len(analyses))


def _localized(raw: object, where: str, source: str) -> Localized:
    if not isinstance(raw, Mapping):
        raise InstrumentError(f"{source}: {where}: expected English and Dutch text (en, nl)")
    for lang in LANGUAGES:
        value = raw.get(lang)
        if not isinstance(value, str) or not value.strip():
            raise InstrumentError(f"{source}: {where}: missing {'English' if lang == 'en' else 'Dutch'} text ({lang})")
    extra = sorted(set(raw) - set(LANGUAGES))
    if extra:
        raise InstrumentError(f"{source}: {where}: unexpected language(s): {', '.join(map(str, extra))}")
    return Localized(en=" ".join(raw["en"].split()), nl=" ".join(raw["nl"].split()))


def load_topics(path: str | Path = TOPIC_FILE) -> dict[str, Topic]:
    """Read and validate the development topics: one per heading plus ``analyse`` and ``mastery``.

    :raise InstrumentError: naming the file and the problem.
    """
    path = Path(path)
    source = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentError(f"{source}: cannot read file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise InstrumentError(f"{source}: not valid YAML") from exc
    if not isinstance(data, Mapping) or data.get("kind") != TOPICS_KIND:
        raise InstrumentError(f"{source}: kind: expected {TOPICS_KIND!r}")
    raw_topics = data.get("topics")
    if not isinstance(raw_topics, list):
        raise InstrumentError(f"{source}: topics: expected a list of topics")
    topics: dict[str, Topic] = {}
    for i, raw in enumerate(raw_topics):
        where = f"topics[{i}]"
        if not isinstance(raw, Mapping):
            raise InstrumentError(f"{source}: {where}: expected a mapping")
        topic_id = raw.get("id")
        if topic_id not in TOPIC_IDS:
            expected = ", ".join(TOPIC_IDS)
            raise InstrumentError(f"{source}: {where}.id: unknown topic {topic_id!r}; expected one of {expected}")
        if topic_id in topics:
            raise InstrumentError(f"{source}: {where}.id: topic {topic_id!r} appears more than once")
        topics[topic_id] = Topic(
            id=topic_id,
            title=_localized(raw.get("title"), f"{where}.title", source),
            text=_localized(raw.get("text"), f"{where}.text", source),
            practice=_localized(raw.get("practice"), f"{where}.practice", source),
        )
    missing = [t for t in TOPIC_IDS if t not in topics]
    if missing:
        raise InstrumentError(f"{source}: topics: missing topic(s) {', '.join(missing)}")
    return topics


@cache
def get_topics() -> dict[str, Topic]:
    return load_topics(TOPIC_FILE)


# -- the manager's own focus -----------------------------------------------------------

COACHING_AREA = "coaching"
MAX_FOCUS_GOALS = 3


@dataclass(frozen=True)
class PlanStep:
    description: str
    target_date: date | None


@dataclass(frozen=True)
class PlanGoalInfo:
    """A goal of the manager's development plan with its actions that are not done yet."""

    goal_id: int
    area_id: str
    goal: str
    open_actions: tuple[PlanStep, ...]
    actions_total: int = 0

    @property
    def finished(self) -> bool:
        return self.actions_total > 0 and not self.open_actions


@dataclass(frozen=True)
class CoachingFocus:
    goals: tuple[PlanGoalInfo, ...]
    # The manager's level in the coaching-style area; None without a scored assessment.
    level: int | None
    # Development actions of the coaching-style area at that level.
    suggestions: tuple[Localized, ...]


def coaching_focus(
    goals: Sequence[PlanGoalInfo],
    coaching_area: Area | None,
    coaching_level: int | None,
    limit: int = MAX_FOCUS_GOALS,
) -> CoachingFocus:
    """The manager's own focus for a one-on-one.

    Goals whose actions are all done are left out; goals in the coaching-style
    area come first, then the others in plan order; at most ``limit``. The
    suggestions are the coaching-style area's development actions at the
    manager's level (none without a level).
    """
    active = [(g.area_id != COACHING_AREA, i, g) for i, g in enumerate(goals) if not g.finished]
    active.sort(key=lambda item: item[:2])
    suggestions: tuple[Localized, ...] = ()
    if coaching_area is not None and coaching_level is not None:
        suggestions = tuple(coaching_area.maturity_level(coaching_level).actions)
    return CoachingFocus(tuple(g for _, _, g in active[:limit]), coaching_level, suggestions)
