"""Helpers for the web tests.

The expected results are worked out here from the instrument *file* and the answers a
test posts, without going through the app's loader or scoring code, so the tests can
catch a mistake in either.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import sqlalchemy as sa
import yaml

from coachkit.extensions import db
from coachkit.models import Answer
from coachkit.models import Assessment

ROOT = Path(__file__).resolve().parents[2]
INSTRUMENT_FILE = ROOT / "assessments" / "instruments" / "sales-manager-competencies.v1.yaml"


# The instrument, read straight from its file ----------------------------------------------


@dataclass(frozen=True)
class Item:
    id: str
    reverse: bool
    text: dict[str, str]

    @property
    def field(self) -> str:
        return "q_" + self.id


@dataclass(frozen=True)
class AreaSpec:
    id: str
    title: dict[str, str]
    items: tuple[Item, ...]


@lru_cache
def instrument_file() -> dict:
    return yaml.safe_load(INSTRUMENT_FILE.read_text(encoding="utf-8"))


def _text(value: dict) -> dict[str, str]:
    return {lang: " ".join(value[lang].split()) for lang in ("en", "nl")}


@lru_cache
def areas() -> tuple[AreaSpec, ...]:
    return tuple(
        AreaSpec(
            id=a["id"],
            title=_text(a["title"]),
            items=tuple(Item(s["id"], bool(s["reverse"]), _text(s["text"])) for s in a["statements"]),
        )
        for a in instrument_file()["areas"]
    )


def area(area_id: str) -> AreaSpec:
    return next(a for a in areas() if a.id == area_id)


def page_of(area_id: str) -> int:
    return [a.id for a in areas()].index(area_id) + 1


def level_names(lang: str) -> dict[int, str]:
    return {band["level"]: band["name"][lang] for band in instrument_file()["levels"]}


# Expected scores ---------------------------------------------------------------------------


def keyed(item: Item, value: int) -> int:
    """The answer turned so that 5 is always the most mature: reverse-keyed items count 6 - v."""
    return 6 - value if item.reverse else value


def expected_score(spec: AreaSpec, answers: dict[str, int]) -> float:
    """(mean keyed value - 1) / 4 * 100, rounded half up to one decimal, over all items of the area."""
    values = [keyed(item, answers[item.id]) for item in spec.items]
    mean = Fraction(sum(values), len(values))
    tenths = (mean - 1) / 4 * 1000
    return math.floor(tenths + Fraction(1, 2)) / 10


def expected_level(score: float) -> int:
    bands = sorted((band["min"], band["level"]) for band in instrument_file()["levels"])
    return [level for minimum, level in bands if score >= minimum][-1]


def shown(score: float, lang: str) -> str:
    """A score as the user's language writes it: 62.5 in English, 62,5 in Dutch."""
    text = f"{score:.1f}"
    return text.replace(".", ",") if lang == "nl" else text


def profile_answers(profile: dict[str, int]) -> dict[str, int]:
    """Answers (as posted, so reverse-keyed items turned back) that put each area near a keyed level.

    The values wobble around the level so that areas get uneven, non-round scores.
    """
    wobble = (0, 1, -1, 0, 1, 0, -1, 0, 0, 1, 0, -1, 1)
    answers = {}
    for spec in areas():
        base = profile[spec.id]
        for i, item in enumerate(spec.items):
            value = max(1, min(5, base + wobble[i % len(wobble)]))
            answers[item.id] = 6 - value if item.reverse else value
    return answers


# A profile with a clear order: people ahead, coaching behind.
MIXED_PROFILE = {"people": 5, "pipeline": 4, "accounts": 3, "coaching": 2}


def page_fields(spec: AreaSpec, answers: dict[str, int]) -> dict[str, str]:
    """Form fields of one questionnaire page for the answers that belong to it."""
    return {item.field: str(answers[item.id]) for item in spec.items if item.id in answers}


# The database, read afresh -----------------------------------------------------------------


def stored_answers(assessment_id: int) -> dict[str, int]:
    rows = db.session.execute(sa.select(Answer.statement_id, Answer.value).where(Answer.assessment_id == assessment_id))
    return {statement_id: value for statement_id, value in rows}


def assessment_row(assessment_id: int):
    return db.session.execute(
        sa.select(Assessment.status, Assessment.submitted_at, Assessment.result, Assessment.instrument_version).where(
            Assessment.id == assessment_id
        )
    ).one()


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# HTML --------------------------------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = ET.Element("document")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = ET.SubElement(self.stack[-1], tag, {k: ("" if v is None else v) for k, v in attrs})
        if tag not in _VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        ET.SubElement(self.stack[-1], tag, {k: ("" if v is None else v) for k, v in attrs})

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


def parse(html: str | bytes) -> ET.Element:
    builder = _TreeBuilder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    builder.close()
    return builder.root


def text(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def page_text(html: str | bytes) -> str:
    """The visible text of a page, whitespace collapsed and entities decoded."""
    root = parse(html)
    for parent in root.iter():
        for child in list(parent):
            if child.tag in ("script", "style"):
                parent.remove(child)
    return text(root)


def has_class(element: ET.Element, name: str) -> bool:
    return name in element.get("class", "").split()


def checked_radios(html: str | bytes) -> dict[str, str]:
    """Radio buttons that are checked: field name -> value."""
    return {
        el.get("name"): el.get("value")
        for el in parse(html).iter("input")
        if el.get("type") == "radio" and "checked" in el.attrib
    }


def marked_statements(html: str | bytes) -> set[str]:
    """Statement ids whose fieldset is marked as needing an answer."""
    return {el.get("id").removeprefix("s-") for el in parse(html).iter("fieldset") if has_class(el, "has-error")}


def input_value(html: str | bytes, name: str) -> str | None:
    for el in parse(html).iter("input"):
        if el.get("name") == name:
            return el.get("value")
    return None


def form_values(html: str | bytes, action: str) -> dict[str, str]:
    """Named inputs of the form that posts to ``action`` (hidden fields included)."""
    for form in parse(html).iter("form"):
        if form.get("action") == action:
            return {el.get("name"): el.get("value", "") for el in form.iter("input") if el.get("name")}
    raise AssertionError(f"no form posting to {action!r}")


def csrf_token(html: str | bytes) -> str:
    token = input_value(html, "csrf_token")
    assert token, "the page has no CSRF token"
    return token


def table_rows(html: str | bytes, caption: str | None = None, css_class: str | None = None) -> list[list[str]]:
    """The text of each row's cells of the first table with this caption or class."""
    for table in parse(html).iter("table"):
        cap = table.find("caption")
        if caption is not None and (cap is None or text(cap) != caption):
            continue
        if css_class is not None and not has_class(table, css_class):
            continue
        return [[text(cell) for cell in row if cell.tag in ("td", "th")] for row in table.iter("tr")]
    raise AssertionError(f"no table with caption {caption!r} / class {css_class!r}")


def every_row(html: str | bytes) -> list[list[str]]:
    """The cell texts of every table row on the page."""
    return [[text(cell) for cell in row if cell.tag in ("td", "th")] for row in parse(html).iter("tr")]


def list_after_heading(html: str | bytes, heading: str) -> list[str]:
    """The items of the first list after the heading with this text."""
    found = False
    for element in parse(html).iter():
        if element.tag in ("h1", "h2", "h3") and text(element) == heading:
            found = True
        elif found and element.tag in ("ul", "ol"):
            return [text(li) for li in element.iter("li")]
    raise AssertionError(f"no list after a heading {heading!r}")


def location_path(response) -> str:
    """The path of a redirect's target (the test client's host stripped)."""
    return re.sub(r"^https?://[^/]+", "", response.headers["Location"])
