"""Competency instruments: loading, validation and the registry of shipped files.

An instrument is one versioned YAML file, ``<name>.v<version>.yaml``, holding the
questionnaire (areas of behavioural statements on a 5-point frequency scale) and
its maturity model (score bands shared by all areas, plus a descriptor and
development actions per area and level). Every text is given in English (``en``)
and Dutch (``nl``). ``docs/scoring.md`` describes the file format.

Files in the same folder whose top-level ``kind`` is something other than
``competency`` (for example ``deal-analysis``) belong to other parts of the
domain and are ignored by this registry.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import yaml

from assessments.errors import InstrumentError

INSTRUMENT_DIR = Path(__file__).resolve().parent / "instruments"

KIND = "competency"
LANGUAGES = ("en", "nl")
SCALE_VALUES = (1, 2, 3, 4, 5)
LEVELS = (1, 2, 3, 4, 5)
MIN_STATEMENTS_PER_AREA = 10
MIN_REVERSE_PER_AREA = 2
MIN_ACTIONS_PER_LEVEL = 2

_LANGUAGE_NAMES = {"en": "English", "nl": "Dutch"}
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_FILE_PATTERN = re.compile(r"^(?P<name>[a-z][a-z0-9-]*)\.v(?P<version>[0-9]+)\.yaml$")


@dataclass(frozen=True)
class Localized:
    en: str
    nl: str

    def get(self, lang: str) -> str:
        """Return the text for ``lang`` ("nl", "nl-BE", "en_GB", ...); English otherwise."""
        code = (lang or "").replace("_", "-").split("-")[0].lower()
        if code == "nl" and self.nl:
            return self.nl
        return self.en

    def to_dict(self) -> dict[str, str]:
        return {"en": self.en, "nl": self.nl}


@dataclass(frozen=True)
class ScalePoint:
    value: int
    label: Localized


@dataclass(frozen=True)
class Statement:
    id: str
    text: Localized
    observer: Localized
    reverse: bool


@dataclass(frozen=True)
class LevelBand:
    """A maturity level and the lowest 0-100 score that reaches it."""

    level: int
    min: float
    name: Localized


@dataclass(frozen=True)
class MaturityLevel:
    level: int
    descriptor: Localized
    actions: tuple[Localized, ...]


@dataclass(frozen=True)
class Area:
    id: str
    title: Localized
    description: Localized
    statements: tuple[Statement, ...]
    maturity: tuple[MaturityLevel, ...]

    def maturity_level(self, n: int) -> MaturityLevel:
        for level in self.maturity:
            if level.level == n:
                return level
        raise KeyError(f"area {self.id!r} has no maturity level {n!r}")


@dataclass(frozen=True)
class Instrument:
    name: str
    version: int
    title: Localized
    description: Localized
    scale: tuple[ScalePoint, ...]
    levels: tuple[LevelBand, ...]
    areas: tuple[Area, ...]
    source: str = field(default="", compare=False)

    def area(self, id: str) -> Area:
        try:
            return self._areas_by_id[id]
        except KeyError:
            raise KeyError(f"{self.name} v{self.version} has no area {id!r}") from None

    def statement(self, id: str) -> Statement:
        try:
            return self._statements_by_id[id]
        except KeyError:
            raise KeyError(f"{self.name} v{self.version} has no statement {id!r}") from None

    @functools.cached_property
    def statement_ids(self) -> frozenset[str]:
        return frozenset(self._statements_by_id)

    @functools.cached_property
    def _areas_by_id(self) -> dict[str, Area]:
        return {area.id: area for area in self.areas}

    @functools.cached_property
    def _statements_by_id(self) -> dict[str, Statement]:
        return {s.id: s for area in self.areas for s in area.statements}

    def to_dict(self) -> dict[str, Any]:
        """Return the whole instrument, maturity model included, as plain JSON data.

        The layout is the file format itself, so the result written out as YAML
        loads back into an equal instrument. ``source`` is left out.
        """
        return {
            "kind": KIND,
            "name": self.name,
            "version": self.version,
            "title": self.title.to_dict(),
            "description": self.description.to_dict(),
            "scale": [{"value": p.value, **p.label.to_dict()} for p in self.scale],
            "levels": [{"level": b.level, "min": b.min, "name": b.name.to_dict()} for b in self.levels],
            "areas": [
                {
                    "id": area.id,
                    "title": area.title.to_dict(),
                    "description": area.description.to_dict(),
                    "statements": [
                        {
                            "id": s.id,
                            "text": s.text.to_dict(),
                            "observer": s.observer.to_dict(),
                            "reverse": s.reverse,
                        }
                        for s in area.statements
                    ],
                    "maturity": [
                        {
                            "level": m.level,
                            "descriptor": m.descriptor.to_dict(),
                            "actions": [a.to_dict() for a in m.actions],
                        }
                        for m in area.maturity
                    ],
                }
                for area in self.areas
            ],
        }


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate one competency instrument file.

    :param path: the YAML file.
    :return: the instrument, with ``source`` set to ``str(path)``.
    :raise InstrumentError: on the first problem found, with a message of the form
        ``"<path>: <where>: <problem>"``; ``<where>`` uses 0-based positions,
        e.g. ``areas[1].statements[3].text``.
    """
    path = Path(path)
    return _parse(_read(path), str(path))


def _read(path: Path) -> Any:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentError(f"{path}: cannot read file: {exc}") from exc
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        detail = str(exc).replace("\n", " ")
        raise InstrumentError(f"{path}: invalid YAML: {detail}") from exc


def _kind(data: Any) -> Any:
    return data.get("kind", KIND) if isinstance(data, Mapping) else KIND


class _Parser:
    """Turns the parsed YAML into dataclasses, failing on the first problem."""

    def __init__(self, source: str):
        self.source = source
        self.ids: dict[str, str] = {}

    def fail(self, where: str, problem: str) -> InstrumentError:
        return InstrumentError(f"{self.source}: {where}: {problem}" if where else f"{self.source}: {problem}")

    def mapping(self, value: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> Mapping:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"must be a mapping, found {_type_name(value)}")
        for key in required:
            if key not in value:
                raise self.fail(where, f"missing key {key!r}")
        for key in value:
            if key not in required and key not in optional:
                raise self.fail(where, f"unknown key {key!r}")
        return value

    def sequence(self, value: Any, where: str) -> list:
        if not isinstance(value, list):
            raise self.fail(where, f"must be a list, found {_type_name(value)}")
        return value

    def integer(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"must be a whole number, found {_type_name(value)}")
        return value

    def number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(where, f"must be a number, found {_type_name(value)}")
        return float(value)

    def identifier(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not _ID_PATTERN.match(value):
            raise self.fail(where, f"must be a lowercase id such as 'people-01', found {value!r}")
        if value in self.ids:
            raise self.fail(where, f"duplicate id {value!r} (first used at {self.ids[value]})")
        self.ids[value] = where
        return value

    def localized(self, value: Any, where: str) -> Localized:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"must be a mapping with 'en' and 'nl' texts, found {_type_name(value)}")
        return self.texts(value, where, extra=())

    def texts(self, value: Mapping, where: str, extra: tuple[str, ...]) -> Localized:
        """Read the ``en``/``nl`` pair from ``value``, which may hold the ``extra`` keys too."""
        for key in value:
            if key not in LANGUAGES and key not in extra:
                raise self.fail(where, f"unknown key {key!r}")
        texts = {}
        for lang in LANGUAGES:
            language = f"{_LANGUAGE_NAMES[lang]} text ({lang})"
            if lang not in value or value[lang] is None:
                raise self.fail(where, f"missing {language}")
            text = value[lang]
            if not isinstance(text, str):
                raise self.fail(where, f"{language} must be a string, found {_type_name(text)}")
            if not text.strip():
                raise self.fail(where, f"empty {language}")
            texts[lang] = " ".join(text.split())
        return Localized(**texts)

    def instrument(self, data: Any) -> Instrument:
        top = self.mapping(data, "", ("name", "version", "title", "description", "scale", "levels", "areas"), ("kind",))
        if top.get("kind", KIND) != KIND:
            raise self.fail("kind", f"must be {KIND!r}, found {top['kind']!r}")
        name = top["name"]
        if not isinstance(name, str) or not _ID_PATTERN.match(name):
            raise self.fail("name", f"must be a lowercase name such as 'sales-manager-competencies', found {name!r}")
        version = self.integer(top["version"], "version")
        if version < 1:
            raise self.fail("version", f"must be 1 or more, found {version}")
        title = self.localized(top["title"], "title")
        description = self.localized(top["description"], "description")
        scale = self.scale(top["scale"])
        levels = self.levels(top["levels"])
        areas = self.sequence(top["areas"], "areas")
        if not areas:
            raise self.fail("areas", "must hold at least one area")
        return Instrument(
            name=name,
            version=version,
            title=title,
            description=description,
            scale=scale,
            levels=levels,
            areas=tuple(self.area(a, f"areas[{i}]") for i, a in enumerate(areas)),
            source=self.source,
        )

    def scale(self, value: Any) -> tuple[ScalePoint, ...]:
        points = []
        for i, item in enumerate(self.sequence(value, "scale")):
            where = f"scale[{i}]"
            item = self.mapping(item, where, ("value",), LANGUAGES)
            points.append(
                ScalePoint(self.integer(item["value"], f"{where}.value"), self.texts(item, where, ("value",)))
            )
        found = tuple(p.value for p in points)
        if found != SCALE_VALUES:
            raise self.fail("scale", f"values must be exactly 1, 2, 3, 4, 5 in that order, found {list(found)}")
        return tuple(points)

    def levels(self, value: Any) -> tuple[LevelBand, ...]:
        bands: list[LevelBand] = []
        for i, item in enumerate(self.sequence(value, "levels")):
            where = f"levels[{i}]"
            item = self.mapping(item, where, ("level", "min", "name"))
            level = self.integer(item["level"], f"{where}.level")
            if level != i + 1:
                raise self.fail(f"{where}.level", f"expected level {i + 1}, found {level}")
            minimum = self.number(item["min"], f"{where}.min")
            if i == 0 and minimum != 0:
                raise self.fail(f"{where}.min", f"the first band must start at 0, found {item['min']}")
            if bands and minimum <= bands[-1].min:
                raise self.fail(
                    f"{where}.min", f"must be above the previous band's {bands[-1].min:g}, found {item['min']}"
                )
            if minimum >= 100:
                raise self.fail(f"{where}.min", f"must be below 100, found {item['min']}")
            bands.append(LevelBand(level, minimum, self.localized(item["name"], f"{where}.name")))
        if len(bands) != len(LEVELS):
            raise self.fail("levels", f"must define levels 1 to 5, found {len(bands)}")
        return tuple(bands)

    def area(self, value: Any, where: str) -> Area:
        item = self.mapping(value, where, ("id", "title", "description", "statements", "maturity"))
        area_id = self.identifier(item["id"], f"{where}.id")
        title = self.localized(item["title"], f"{where}.title")
        description = self.localized(item["description"], f"{where}.description")
        statements = tuple(
            self.statement(s, f"{where}.statements[{i}]")
            for i, s in enumerate(self.sequence(item["statements"], f"{where}.statements"))
        )
        if len(statements) < MIN_STATEMENTS_PER_AREA:
            raise self.fail(
                f"{where}.statements",
                f"area {area_id!r} needs at least {MIN_STATEMENTS_PER_AREA} statements, found {len(statements)}",
            )
        reverse = sum(s.reverse for s in statements)
        if reverse < MIN_REVERSE_PER_AREA:
            raise self.fail(
                f"{where}.statements",
                f"area {area_id!r} needs at least {MIN_REVERSE_PER_AREA} reverse-keyed statements, found {reverse}",
            )
        maturity = []
        for i, level in enumerate(self.sequence(item["maturity"], f"{where}.maturity")):
            maturity.append(self.maturity_level(level, f"{where}.maturity[{i}]", expected=i + 1))
        if len(maturity) != len(LEVELS):
            raise self.fail(f"{where}.maturity", f"must describe levels 1 to 5, found {len(maturity)}")
        return Area(area_id, title, description, statements, tuple(maturity))

    def statement(self, value: Any, where: str) -> Statement:
        item = self.mapping(value, where, ("id", "text", "observer", "reverse"))
        statement_id = self.identifier(item["id"], f"{where}.id")
        if not isinstance(item["reverse"], bool):
            raise self.fail(f"{where}.reverse", f"must be true or false, found {item['reverse']!r}")
        return Statement(
            id=statement_id,
            text=self.localized(item["text"], f"{where}.text"),
            observer=self.localized(item["observer"], f"{where}.observer"),
            reverse=item["reverse"],
        )

    def maturity_level(self, value: Any, where: str, expected: int) -> MaturityLevel:
        item = self.mapping(value, where, ("level", "descriptor", "actions"))
        level = self.integer(item["level"], f"{where}.level")
        if level != expected:
            raise self.fail(f"{where}.level", f"expected level {expected}, found {level}")
        descriptor = self.localized(item["descriptor"], f"{where}.descriptor")
        actions = tuple(
            self.localized(a, f"{where}.actions[{i}]")
            for i, a in enumerate(self.sequence(item["actions"], f"{where}.actions"))
        )
        if len(actions) < MIN_ACTIONS_PER_LEVEL:
            raise self.fail(
                f"{where}.actions", f"needs at least {MIN_ACTIONS_PER_LEVEL} development actions, found {len(actions)}"
            )
        return MaturityLevel(level, descriptor, actions)


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _parse(data: Any, source: str) -> Instrument:
    return _Parser(source).instrument(data)


# Registry ------------------------------------------------------------------


@functools.cache
def _catalogue(directory: Path) -> dict[str, dict[int, Instrument]]:
    found: dict[str, dict[int, Instrument]] = {}
    for path in sorted(directory.glob("*.v*.yaml")):
        match = _FILE_PATTERN.match(path.name)
        if not match:
            continue
        data = _read(path)
        if _kind(data) != KIND:
            continue
        instrument = _parse(data, str(path))
        expected = (match["name"], int(match["version"]))
        if (instrument.name, instrument.version) != expected:
            raise InstrumentError(
                f"{path}: file name says {expected[0]} v{expected[1]}, "
                f"but the file holds {instrument.name} v{instrument.version}"
            )
        found.setdefault(instrument.name, {})[instrument.version] = instrument
    return found


def _directory(directory: str | Path | None) -> Path:
    return Path(directory).resolve() if directory is not None else INSTRUMENT_DIR


def get_instrument(name: str, version: int | None = None, *, directory: str | Path | None = None) -> Instrument:
    """Return a shipped instrument; the highest version when ``version`` is None.

    Files are read once per folder and kept in memory (see :func:`clear_cache`).

    :raise LookupError: when no such name or version exists.
    :raise InstrumentError: when a competency file in the folder is invalid.
    """
    versions = _catalogue(_directory(directory)).get(name)
    if not versions:
        raise LookupError(f"no instrument named {name!r}")
    if version is None:
        return versions[max(versions)]
    if version not in versions:
        raise LookupError(f"instrument {name!r} has no version {version!r}")
    return versions[version]


def list_instruments(*, directory: str | Path | None = None) -> list[Instrument]:
    """Return the highest version of every competency instrument, sorted by name."""
    catalogue = _catalogue(_directory(directory))
    return [catalogue[name][max(catalogue[name])] for name in sorted(catalogue)]


def clear_cache() -> None:
    """Forget the files read so far, so the next lookup reads the folder again."""
    _catalogue.cache_clear()
