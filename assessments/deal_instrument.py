"""The deal-analysis instrument: yes / no / unknown questions about one deal.

An instrument file (``assessments/instruments/<name>.v<version>.yaml`` with
``kind: deal-analysis``) holds four qualification groups (``opportunity``,
``compete``, ``win``, ``worth``) and one ``timing`` block. Each question has an
id, a text and a coaching question in English and Dutch, a weight from 1 to 5
and a knock-out marker. Loading validates the whole file and raises
:class:`~assessments.errors.InstrumentError` naming the file and the problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from assessments.errors import InstrumentError
from assessments.instruments import Localized

KIND = "deal-analysis"
INSTRUMENT_DIR = Path(__file__).parent / "instruments"

QUALIFICATION_GROUPS = ("opportunity", "compete", "win", "worth")
TIMING_GROUP = "timing"
LANGUAGES = ("en", "nl")
# Question ids are lower-case words joined by hyphens, e.g. "opp-budget-exists".
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

MIN_WEIGHT = 1
MAX_WEIGHT = 5
MIN_QUALIFICATION_QUESTIONS = 20
MIN_TIMING_QUESTIONS = 4


@dataclass(frozen=True)
class DealQuestion:
    id: str
    group: str
    text: Localized
    weight: int
    knockout: bool
    coaching: Localized

    @property
    def is_timing(self) -> bool:
        return self.group == TIMING_GROUP

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "group": self.group,
            "text": _localized_dict(self.text),
            "weight": self.weight,
            "knockout": self.knockout,
            "coaching": _localized_dict(self.coaching),
        }


@dataclass(frozen=True)
class DealGroup:
    id: str
    title: Localized
    questions: tuple[DealQuestion, ...]

    @property
    def total_weight(self) -> int:
        return sum(q.weight for q in self.questions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": _localized_dict(self.title),
            "questions": [q.to_dict() for q in self.questions],
        }


@dataclass(frozen=True)
class DealInstrument:
    """A versioned set of deal questions.

    ``groups`` are the four qualification groups in file order; ``timing`` is
    the timing block, a group with id ``timing``.
    """

    name: str
    version: int
    title: Localized
    groups: tuple[DealGroup, ...]
    timing: DealGroup

    @property
    def qualification_questions(self) -> tuple[DealQuestion, ...]:
        return tuple(q for g in self.groups for q in g.questions)

    @property
    def timing_questions(self) -> tuple[DealQuestion, ...]:
        return self.timing.questions

    @property
    def questions(self) -> tuple[DealQuestion, ...]:
        """All questions: qualification first, then timing, in file order."""
        return self.qualification_questions + self.timing_questions

    def __iter__(self) -> Iterator[DealQuestion]:
        return iter(self.questions)

    def question(self, question_id: str) -> DealQuestion:
        """Return the question with this id; raise ``KeyError`` if there is none."""
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def group(self, group_id: str) -> DealGroup:
        for g in (*self.groups, self.timing):
            if g.id == group_id:
                return g
        raise KeyError(group_id)

    def to_dict(self) -> dict[str, Any]:
        """The instrument as plain data, in the shape of the file it came from."""
        return {
            "kind": KIND,
            "name": self.name,
            "version": self.version,
            "title": _localized_dict(self.title),
            "groups": [g.to_dict() for g in self.groups],
            "timing": {
                "title": _localized_dict(self.timing.title),
                "questions": [q.to_dict() for q in self.timing.questions],
            },
        }


def _localized_dict(value: Localized) -> dict[str, str]:
    return {"en": value.en, "nl": value.nl}


class _Reader:
    """Builds an instrument from parsed YAML, naming the file in every error."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> InstrumentError:
        location = f"{where}: " if where else ""
        return InstrumentError(f"{self.source}: {location}{problem}")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "expected a mapping")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "expected a non-empty text")
        return value.strip()

    def localized(self, parent: dict[str, Any], key: str, where: str) -> Localized:
        path = f"{where}.{key}" if where else key
        if key not in parent:
            raise self.fail(path, "missing")
        value = parent[key]
        if not isinstance(value, dict):
            raise self.fail(path, "expected English and Dutch text (en, nl)")
        for lang in LANGUAGES:
            label = "English" if lang == "en" else "Dutch"
            if lang not in value or not isinstance(value[lang], str) or not value[lang].strip():
                raise self.fail(path, f"missing {label} text ({lang})")
        extra = sorted(set(value) - set(LANGUAGES))
        if extra:
            raise self.fail(path, f"unexpected language(s): {', '.join(map(str, extra))}")
        return Localized(en=value["en"].strip(), nl=value["nl"].strip())

    def question(self, raw: Any, group: str, where: str) -> DealQuestion:
        data = self.mapping(raw, where)
        if "id" not in data:
            raise self.fail(where, "question without an id")
        qid = self.text(data["id"], f"{where}.id")
        if not ID_PATTERN.match(qid):
            raise self.fail(f"{where}.id", f"id {qid!r} must be lower-case words joined by hyphens")
        weight = data.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, int):
            raise self.fail(f"{where} ({qid})", "weight must be a whole number")
        if not MIN_WEIGHT <= weight <= MAX_WEIGHT:
            raise self.fail(
                f"{where} ({qid})",
                f"weight {weight} is outside {MIN_WEIGHT}..{MAX_WEIGHT}",
            )
        knockout = data.get("knockout", False)
        if not isinstance(knockout, bool):
            raise self.fail(f"{where} ({qid})", "knockout must be true or false")
        if knockout and group == TIMING_GROUP:
            raise self.fail(
                f"{where} ({qid})",
                "timing questions cannot be knock-outs (timing has its own rules)",
            )
        return DealQuestion(
            id=qid,
            group=group,
            text=self.localized(data, "text", f"{where} ({qid})"),
            weight=weight,
            knockout=knockout,
            coaching=self.localized(data, "coaching", f"{where} ({qid})"),
        )

    def questions(self, raw: Any, group: str, where: str) -> tuple[DealQuestion, ...]:
        if not isinstance(raw, list) or not raw:
            raise self.fail(where, "expected a non-empty list of questions")
        return tuple(self.question(q, group, f"{where}[{i}]") for i, q in enumerate(raw))

    def instrument(self, raw: Any) -> DealInstrument:
        data = self.mapping(raw, "")
        if data.get("kind") != KIND:
            raise self.fail("kind", f"expected {KIND!r}, found {data.get('kind')!r}")
        name = self.text(data.get("name"), "name")
        version = data.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise self.fail("version", "expected a whole number of 1 or more")
        title = self.localized(data, "title", "")

        raw_groups = data.get("groups")
        if not isinstance(raw_groups, list):
            raise self.fail("groups", "expected a list of groups")
        groups = []
        for i, raw_group in enumerate(raw_groups):
            where = f"groups[{i}]"
            g = self.mapping(raw_group, where)
            gid = g.get("id")
            if gid not in QUALIFICATION_GROUPS:
                raise self.fail(
                    f"{where}.id",
                    f"unknown group {gid!r}; expected one of {', '.join(QUALIFICATION_GROUPS)}",
                )
            groups.append(
                DealGroup(
                    id=gid,
                    title=self.localized(g, "title", where),
                    questions=self.questions(g.get("questions"), gid, f"{where}.questions"),
                )
            )
        found = [g.id for g in groups]
        for gid in QUALIFICATION_GROUPS:
            if found.count(gid) != 1:
                problem = "is missing" if gid not in found else "appears more than once"
                raise self.fail("groups", f"group {gid!r} {problem}")

        raw_timing = self.mapping(data.get("timing"), "timing")
        timing = DealGroup(
            id=TIMING_GROUP,
            title=self.localized(raw_timing, "title", "timing"),
            questions=self.questions(raw_timing.get("questions"), TIMING_GROUP, "timing.questions"),
        )

        instrument = DealInstrument(name=name, version=version, title=title, groups=tuple(groups), timing=timing)
        seen: set[str] = set()
        for q in instrument.questions:
            if q.id in seen:
                raise self.fail("", f"question id {q.id!r} is used more than once")
            seen.add(q.id)
        n_qual = len(instrument.qualification_questions)
        if n_qual < MIN_QUALIFICATION_QUESTIONS:
            raise self.fail(
                "groups",
                f"{n_qual} qualification questions; at least {MIN_QUALIFICATION_QUESTIONS} needed",
            )
        n_timing = len(instrument.timing_questions)
        if n_timing < MIN_TIMING_QUESTIONS:
            raise self.fail(
                "timing",
                f"{n_timing} timing questions; at least {MIN_TIMING_QUESTIONS} needed",
            )
        return instrument


def load_deal_instrument(path: str | Path) -> DealInstrument:
    """Read and validate one deal-analysis instrument file.

    :raise InstrumentError: the file is missing, is not valid YAML, or breaks a
        rule (unique ids, both languages, weights 1-5, at least 20
        qualification and 4 timing questions, a coaching question each).
    """
    path = Path(path)
    reader = _Reader(str(path))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise reader.fail("", f"cannot read file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise reader.fail("", "file is not UTF-8 text") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise reader.fail(where, "not valid YAML") from exc
    instrument = reader.instrument(raw)
    expected = f"{instrument.name}.v{instrument.version}.yaml"
    if path.name.endswith(".yaml") and path.name.count(".v") == 1 and path.name != expected:
        raise reader.fail("", f"name and version say {expected!r}, but the file is {path.name!r}")
    return instrument


def available_deal_instruments(
    directory: str | Path = INSTRUMENT_DIR,
) -> dict[tuple[str, int], Path]:
    """Map (name, version) to file for every deal-analysis file in ``directory``."""
    found: dict[tuple[str, int], Path] = {}
    for path in sorted(Path(directory).glob("*.v*.yaml")):
        stem, _, version = path.name[: -len(".yaml")].rpartition(".v")
        if not stem or not version.isdigit():
            continue
        try:
            kind = _file_kind(path, path.stat().st_mtime_ns)
        except OSError:
            continue
        if kind == KIND:
            found[(stem, int(version))] = path
    return found


@cache
def _file_kind(path: Path, mtime_ns: int) -> object:
    """The top-level ``kind`` of a YAML file, parsed once per version of the file on disk."""
    try:
        head = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return head.get("kind") if isinstance(head, dict) else None


@cache
def _cached(path: Path, mtime_ns: int) -> DealInstrument:
    return load_deal_instrument(path)


def get_deal_instrument(
    name: str = "deal-analysis",
    version: int | None = None,
    directory: str | Path = INSTRUMENT_DIR,
) -> DealInstrument:
    """Return a deal-analysis instrument by name; the newest version when none is given.

    :raise InstrumentError: no such instrument (or version), or the file is invalid.
    """
    files = available_deal_instruments(directory)
    versions = sorted(v for (n, v) in files if n == name)
    if not versions:
        raise InstrumentError(f"{directory}: no deal-analysis instrument named {name!r}")
    chosen = versions[-1] if version is None else version
    if chosen not in versions:
        raise InstrumentError(
            f"{directory}: {name!r} has no version {chosen}; available: {', '.join(map(str, versions))}"
        )
    path = files[(name, chosen)]
    return _cached(path, path.stat().st_mtime_ns)
