import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from assessments.errors import InstrumentError
from assessments.instruments import INSTRUMENT_DIR
from assessments.instruments import Localized
from assessments.instruments import clear_cache
from assessments.instruments import get_instrument
from assessments.instruments import list_instruments
from assessments.instruments import load_instrument

SHIPPED = "sales-manager-competencies"
FORBIDDEN_WORDS = re.compile(r"\b(always|never|altijd|nooit)\b", re.IGNORECASE)
REPO_ROOT = Path(__file__).resolve().parents[2]


def text(label):
    return {"en": f"{label} in English", "nl": f"{label} in het Nederlands"}


def valid_data(name="tiny", version=1, areas=("alpha", "beta"), statements=10, reverse=2):
    """A small instrument that passes validation, as plain YAML data."""
    return {
        "name": name,
        "version": version,
        "title": text("Title"),
        "description": text("Description"),
        "scale": [{"value": v, "en": f"en {v}", "nl": f"nl {v}"} for v in range(1, 6)],
        "levels": [{"level": n, "min": (n - 1) * 20, "name": text(f"Level {n}")} for n in range(1, 6)],
        "areas": [
            {
                "id": area,
                "title": text(area),
                "description": text(area),
                "statements": [
                    {
                        "id": f"{area}-{i:02d}",
                        "text": text(f"I do {area} {i}"),
                        "observer": text(f"Does {area} {i}"),
                        "reverse": i <= reverse,
                    }
                    for i in range(1, statements + 1)
                ],
                "maturity": [
                    {"level": n, "descriptor": text(f"{area} {n}"), "actions": [text("act"), text("act")]}
                    for n in range(1, 6)
                ],
            }
            for area in areas
        ],
    }


def write(path, data):
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def fresh_registry():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def shipped():
    return get_instrument(SHIPPED)


# The shipped instrument ---------------------------------------------------


def test_the_shipped_instrument_loads_with_four_areas_in_a_fixed_order(shipped):
    assert shipped.name == SHIPPED
    assert shipped.version == 1
    assert [a.id for a in shipped.areas] == ["people", "pipeline", "accounts", "coaching"]


def test_each_shipped_area_has_twelve_statements_of_which_three_are_reverse_keyed(shipped):
    for area in shipped.areas:
        assert len(area.statements) == 12, area.id
        assert sum(s.reverse for s in area.statements) == 3, area.id


def test_each_shipped_area_describes_five_levels_with_at_least_two_actions_each(shipped):
    for area in shipped.areas:
        assert [m.level for m in area.maturity] == [1, 2, 3, 4, 5]
        for level in area.maturity:
            assert len(level.actions) >= 2, (area.id, level.level)


def test_the_shipped_bands_are_the_five_twenty_point_bands(shipped):
    assert [(b.level, b.min) for b in shipped.levels] == [(1, 0), (2, 20), (3, 40), (4, 60), (5, 80)]


def test_the_shipped_scale_runs_from_never_to_always_in_both_languages(shipped):
    assert [(p.value, p.label.en, p.label.nl) for p in shipped.scale] == [
        (1, "Never", "Nooit"),
        (2, "Rarely", "Zelden"),
        (3, "Sometimes", "Soms"),
        (4, "Often", "Vaak"),
        (5, "Always", "Altijd"),
    ]


def test_shipped_statement_ids_are_unique_and_start_with_their_area_id(shipped):
    ids = [s.id for a in shipped.areas for s in a.statements]
    assert len(ids) == len(set(ids)) == len(shipped.statement_ids)
    for area in shipped.areas:
        assert all(s.id.startswith(f"{area.id}-") for s in area.statements)


def all_texts(node, where="instrument"):
    if isinstance(node, dict) and set(node) == {"en", "nl"}:
        yield where, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from all_texts(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from all_texts(value, f"{where}[{i}]")


def test_every_shipped_text_is_present_and_non_empty_in_english_and_dutch(shipped):
    texts = list(all_texts(shipped.to_dict()))

    assert len(texts) > 4 * 12 * 2 + 4 * 5 * 3
    for where, pair in texts:
        assert pair["en"].strip() and pair["nl"].strip(), where


def test_no_shipped_statement_contains_always_or_never_in_either_language(shipped):
    for area in shipped.areas:
        for s in area.statements:
            for wording in (s.text.en, s.text.nl, s.observer.en, s.observer.nl):
                assert not FORBIDDEN_WORDS.search(wording), (s.id, wording)


def test_shipped_statements_are_first_person_and_observer_wordings_third_person(shipped):
    for area in shipped.areas:
        for s in area.statements:
            assert re.search(r"\bI\b", s.text.en), s.id
            assert re.search(r"\bik\b", s.text.nl, re.IGNORECASE), s.id
            assert not re.search(r"\b(I|me|my)\b", s.observer.en), s.id
            assert not re.search(r"\b(ik|mijn|me)\b", s.observer.nl, re.IGNORECASE), s.id


def test_shipped_statements_are_single_sentences(shipped):
    for area in shipped.areas:
        for s in area.statements:
            for wording in (s.text.en, s.text.nl, s.observer.en, s.observer.nl):
                assert wording.endswith(".") and wording.count(". ") == 0, (s.id, wording)


def test_the_export_is_json_and_loads_back_into_an_equal_instrument(shipped, tmp_path):
    exported = json.loads(json.dumps(shipped.to_dict()))

    reloaded = load_instrument(write(tmp_path / "copy.v1.yaml", exported))

    assert reloaded == shipped
    assert exported["areas"][3]["maturity"][4]["actions"][0]["nl"]


def test_area_statement_and_maturity_level_lookups_find_items_by_id(shipped):
    assert shipped.area("coaching").title.en == "Coaching style"
    assert shipped.statement("coaching-04").reverse is True
    assert shipped.area("people").maturity_level(5).level == 5


def test_lookups_of_unknown_ids_raise_key_errors(shipped):
    with pytest.raises(KeyError):
        shipped.area("sales")
    with pytest.raises(KeyError):
        shipped.statement("people-99")
    with pytest.raises(KeyError):
        shipped.area("people").maturity_level(6)


@pytest.mark.parametrize(
    "lang, expected",
    [("nl", "Dutch"), ("nl-BE", "Dutch"), ("nl_NL", "Dutch"), ("en", "English"), ("fr", "English"), ("", "English")],
)
def test_localized_text_picks_dutch_for_dutch_locales_and_english_otherwise(lang, expected):
    assert Localized(en="English", nl="Dutch").get(lang) == expected


# Registry -----------------------------------------------------------------


def test_the_registry_folder_is_the_instruments_folder_of_the_package():
    assert INSTRUMENT_DIR == REPO_ROOT / "assessments" / "instruments"


def test_the_latest_version_is_returned_when_no_version_is_asked_for(tmp_path):
    write(tmp_path / "tiny.v1.yaml", valid_data(version=1))
    write(tmp_path / "tiny.v2.yaml", valid_data(version=2))

    assert get_instrument("tiny", directory=tmp_path).version == 2
    assert get_instrument("tiny", 1, directory=tmp_path).version == 1
    assert [(i.name, i.version) for i in list_instruments(directory=tmp_path)] == [("tiny", 2)]


def test_the_registry_skips_files_of_another_kind(tmp_path):
    write(tmp_path / "tiny.v1.yaml", valid_data())
    write(tmp_path / "deal-qualification.v1.yaml", {"kind": "deal-analysis", "name": "deal-qualification"})

    assert [i.name for i in list_instruments(directory=tmp_path)] == ["tiny"]
    with pytest.raises(LookupError):
        get_instrument("deal-qualification", directory=tmp_path)


def test_unknown_names_and_versions_raise_lookup_errors():
    with pytest.raises(LookupError):
        get_instrument("no-such-instrument")
    with pytest.raises(LookupError):
        get_instrument(SHIPPED, 99)


def test_a_file_whose_name_disagrees_with_its_content_is_rejected(tmp_path):
    path = write(tmp_path / "tiny.v2.yaml", valid_data(version=1))

    with pytest.raises(InstrumentError, match=re.escape(f"{path}: file name says tiny v2")):
        get_instrument("tiny", directory=tmp_path)


def test_instruments_are_read_once_and_served_from_memory():
    assert get_instrument(SHIPPED) is get_instrument(SHIPPED, 1)
    assert any(i.name == SHIPPED for i in list_instruments())


# Validation ---------------------------------------------------------------


def mutate(change):
    data = valid_data()
    change(data)
    return data


def drop_dutch(data):
    del data["areas"][1]["statements"][3]["text"]["nl"]


def empty_english(data):
    data["areas"][0]["maturity"][2]["actions"][1]["en"] = "   "


def duplicate_statement(data):
    data["areas"][1]["statements"][0]["id"] = "alpha-01"


def area_named_like_statement(data):
    data["areas"][1]["id"] = "alpha-01"


def scale_from_zero(data):
    for point in data["scale"]:
        point["value"] -= 1


def four_levels(data):
    data["levels"].pop()


def bands_not_increasing(data):
    data["levels"][2]["min"] = 20


def band_not_from_zero(data):
    data["levels"][0]["min"] = 5


def nine_statements(data):
    data["areas"][1]["statements"].pop()


def one_reverse(data):
    data["areas"][0]["statements"][0]["reverse"] = False


def reverse_as_text(data):
    data["areas"][0]["statements"][4]["reverse"] = "yes"


def maturity_without_level_five(data):
    data["areas"][0]["maturity"].pop()


def maturity_out_of_order(data):
    maturity = data["areas"][1]["maturity"]
    maturity[1], maturity[2] = maturity[2], maturity[1]


def single_action(data):
    data["areas"][1]["maturity"][4]["actions"].pop()


def misspelled_key(data):
    data["areas"][0]["statements"][2]["revers"] = data["areas"][0]["statements"][2].pop("reverse")


def version_as_text(data):
    data["version"] = "1"


def version_as_boolean(data):
    data["version"] = True


def other_kind(data):
    data["kind"] = "deal-analysis"


def no_title(data):
    del data["title"]


def observer_as_text(data):
    data["areas"][0]["statements"][0]["observer"] = "Does things"


def unknown_language(data):
    data["description"]["de"] = "Beschreibung"


@pytest.mark.parametrize(
    "change, message",
    [
        (drop_dutch, "areas[1].statements[3].text: missing Dutch text (nl)"),
        (empty_english, "areas[0].maturity[2].actions[1]: empty English text (en)"),
        (
            duplicate_statement,
            "areas[1].statements[0].id: duplicate id 'alpha-01' (first used at areas[0].statements[0].id)",
        ),
        (
            area_named_like_statement,
            "areas[1].id: duplicate id 'alpha-01' (first used at areas[0].statements[0].id)",
        ),
        (scale_from_zero, "scale: values must be exactly 1, 2, 3, 4, 5 in that order, found [0, 1, 2, 3, 4]"),
        (four_levels, "levels: must define levels 1 to 5, found 4"),
        (bands_not_increasing, "levels[2].min: must be above the previous band's 20, found 20"),
        (band_not_from_zero, "levels[0].min: the first band must start at 0, found 5"),
        (nine_statements, "areas[1].statements: area 'beta' needs at least 10 statements, found 9"),
        (one_reverse, "areas[0].statements: area 'alpha' needs at least 2 reverse-keyed statements, found 1"),
        (reverse_as_text, "areas[0].statements[4].reverse: must be true or false, found 'yes'"),
        (maturity_without_level_five, "areas[0].maturity: must describe levels 1 to 5, found 4"),
        (maturity_out_of_order, "areas[1].maturity[1].level: expected level 2, found 3"),
        (single_action, "areas[1].maturity[4].actions: needs at least 2 development actions, found 1"),
        (misspelled_key, "areas[0].statements[2]: missing key 'reverse'"),
        (version_as_text, "version: must be a whole number, found text"),
        (version_as_boolean, "version: must be a whole number, found true/false"),
        (other_kind, "kind: must be 'competency', found 'deal-analysis'"),
        (no_title, "missing key 'title'"),
        (observer_as_text, "areas[0].statements[0].observer: must be a mapping with 'en' and 'nl' texts, found text"),
        (unknown_language, "description: unknown key 'de'"),
    ],
    ids=lambda v: v.__name__ if callable(v) else "",
)
def test_validation_errors_name_the_file_the_place_and_the_problem(tmp_path, change, message):
    path = write(tmp_path / "broken.v1.yaml", mutate(change))

    with pytest.raises(InstrumentError) as raised:
        load_instrument(path)

    assert str(raised.value) == f"{path}: {message}"


def test_the_valid_fixture_itself_loads(tmp_path):
    instrument = load_instrument(write(tmp_path / "tiny.v1.yaml", valid_data()))

    assert instrument.source == str(tmp_path / "tiny.v1.yaml")
    assert len(instrument.statement_ids) == 20


def test_an_unknown_key_is_reported_rather_than_ignored(tmp_path):
    data = valid_data()
    data["areas"][0]["statements"][2]["reversed"] = True

    with pytest.raises(InstrumentError, match=re.escape("areas[0].statements[2]: unknown key 'reversed'")):
        load_instrument(write(tmp_path / "broken.v1.yaml", data))


def test_broken_yaml_syntax_is_reported_with_the_file_name(tmp_path):
    path = tmp_path / "broken.v1.yaml"
    path.write_text("name: tiny\nversion: [1\n", encoding="utf-8")

    with pytest.raises(InstrumentError, match=re.escape(f"{path}: invalid YAML")):
        load_instrument(path)


def test_an_empty_file_is_reported_as_not_being_a_mapping(tmp_path):
    path = tmp_path / "empty.v1.yaml"
    path.write_text("", encoding="utf-8")

    with pytest.raises(InstrumentError, match=re.escape(f"{path}: must be a mapping, found nothing")):
        load_instrument(path)


def test_a_missing_file_is_reported_as_unreadable(tmp_path):
    path = tmp_path / "missing.v1.yaml"

    with pytest.raises(InstrumentError, match=re.escape(f"{path}: cannot read file")):
        load_instrument(path)


def test_instrument_errors_are_value_errors(tmp_path):
    data = copy.deepcopy(valid_data())
    del data["areas"]

    with pytest.raises(ValueError):
        load_instrument(write(tmp_path / "broken.v1.yaml", data))


# Purity -------------------------------------------------------------------


def test_importing_the_domain_loads_neither_flask_nor_sqlalchemy():
    script = (
        "import importlib, pkgutil, sys, assessments\n"
        "for module in pkgutil.walk_packages(assessments.__path__, 'assessments.'):\n"
        "    importlib.import_module(module.name)\n"
        "print(sorted(m for m in ('flask', 'sqlalchemy', 'flask_sqlalchemy') if m in sys.modules))\n"
    )

    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )

    assert completed.stdout.strip() == "[]"
