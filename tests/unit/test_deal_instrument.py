import copy
import subprocess
import sys

import pytest
import yaml

from assessments.deal_instrument import INSTRUMENT_DIR
from assessments.deal_instrument import QUALIFICATION_GROUPS
from assessments.deal_instrument import get_deal_instrument
from assessments.deal_instrument import load_deal_instrument
from assessments.errors import InstrumentError

SHIPPED = INSTRUMENT_DIR / "deal-analysis.v1.yaml"


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def write(tmp_path, data, name="deal-analysis.v1.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_the_shipped_instrument_loads_by_name_as_the_newest_version():
    instrument = get_deal_instrument()

    assert instrument.name == "deal-analysis"
    assert instrument.version == 1
    assert instrument.title.get("nl") == "Dealanalyse"


def test_the_shipped_instrument_has_four_groups_of_at_least_six_questions_and_five_timing_questions():
    instrument = get_deal_instrument("deal-analysis", 1)

    assert [g.id for g in instrument.groups] == list(QUALIFICATION_GROUPS)
    assert all(len(g.questions) >= 6 for g in instrument.groups)
    assert len(instrument.qualification_questions) >= 24
    assert len(instrument.timing_questions) >= 5


def test_every_group_of_the_shipped_instrument_has_a_knockout_and_timing_has_none():
    instrument = get_deal_instrument()

    for group in instrument.groups:
        assert any(q.knockout for q in group.questions), group.id
    assert not any(q.knockout for q in instrument.timing_questions)


def test_every_shipped_question_and_coaching_question_is_a_question_in_both_languages():
    instrument = get_deal_instrument()

    for q in instrument.questions:
        for lang in ("en", "nl"):
            assert q.text.get(lang).endswith("?"), (q.id, lang)
            assert q.coaching.get(lang).endswith("?"), (q.id, lang)
        assert q.text.en != q.text.nl


def test_question_finds_a_question_by_id_and_raises_key_error_for_an_unknown_id():
    instrument = get_deal_instrument()

    assert instrument.question("opp-budget-exists").knockout is True
    assert instrument.question("tim-compelling-event").group == "timing"
    with pytest.raises(KeyError):
        instrument.question("nope")


def test_to_dict_writes_a_file_that_loads_to_the_same_instrument(tmp_path):
    instrument = get_deal_instrument()

    again = load_deal_instrument(write(tmp_path, instrument.to_dict()))

    assert again == instrument


def test_a_file_that_is_not_yaml_is_rejected_with_its_path(tmp_path):
    path = tmp_path / "deal-analysis.v1.yaml"
    path.write_text("kind: deal-analysis\ngroups: [\n  - id: x\n", encoding="utf-8")

    with pytest.raises(InstrumentError, match="not valid YAML") as err:
        load_deal_instrument(path)
    assert str(path) in str(err.value)


def test_a_missing_file_is_an_instrument_error(tmp_path):
    with pytest.raises(InstrumentError, match="cannot read"):
        load_deal_instrument(tmp_path / "nothing.v1.yaml")


def _first_question(data):
    return data["groups"][0]["questions"][0]


def _drop_dutch_text(data):
    del _first_question(data)["text"]["nl"]


def _weight_six(data):
    _first_question(data)["weight"] = 6


def _weight_zero(data):
    _first_question(data)["weight"] = 0


def _weight_as_text(data):
    _first_question(data)["weight"] = "high"


def _duplicate_id(data):
    data["groups"][1]["questions"][0]["id"] = _first_question(data)["id"]


def _drop_coaching(data):
    del _first_question(data)["coaching"]


def _blank_english_coaching(data):
    _first_question(data)["coaching"]["en"] = "  "


def _too_few_qualification_questions(data):
    for group in data["groups"]:
        group["questions"] = group["questions"][:4]


def _too_few_timing_questions(data):
    data["timing"]["questions"] = data["timing"]["questions"][:3]


def _wrong_kind(data):
    data["kind"] = "questionnaire"


def _unknown_group(data):
    data["groups"][0]["id"] = "budget"


def _missing_group(data):
    data["groups"] = data["groups"][:3]


def _knockout_in_timing(data):
    data["timing"]["questions"][0]["knockout"] = True


def _knockout_not_boolean(data):
    _first_question(data)["knockout"] = "yes please"


def _id_with_spaces(data):
    _first_question(data)["id"] = "Budget exists"


def _group_title_without_english(data):
    data["groups"][2]["title"] = {"nl": "Kunnen we winnen?"}


@pytest.mark.parametrize(
    "breakage, message",
    [
        (_drop_dutch_text, r"groups\[0\]\.questions\[0\] \(opp-problem-described\)\.text: missing Dutch text \(nl\)"),
        (_weight_six, "weight 6 is outside 1..5"),
        (_weight_zero, "weight 0 is outside 1..5"),
        (_weight_as_text, "weight must be a whole number"),
        (_duplicate_id, "'opp-problem-described' is used more than once"),
        (_drop_coaching, r"\.coaching: missing"),
        (_blank_english_coaching, r"\.coaching: missing English text \(en\)"),
        (_too_few_qualification_questions, "16 qualification questions; at least 20 needed"),
        (_too_few_timing_questions, "3 timing questions; at least 4 needed"),
        (_wrong_kind, "kind: expected 'deal-analysis'"),
        (_unknown_group, "unknown group 'budget'"),
        (_missing_group, "group 'worth' is missing"),
        (_knockout_in_timing, "timing questions cannot be knock-outs"),
        (_knockout_not_boolean, "knockout must be true or false"),
        (_id_with_spaces, "id 'Budget exists' must be lower-case words joined by hyphens"),
        (_group_title_without_english, r"groups\[2\]\.title: missing English text"),
    ],
)
def test_a_broken_instrument_is_rejected_naming_the_file_and_the_problem(tmp_path, raw, breakage, message):
    data = copy.deepcopy(raw)
    breakage(data)
    path = write(tmp_path, data)

    with pytest.raises(InstrumentError, match=message) as err:
        load_deal_instrument(path)
    assert str(err.value).startswith(str(path))


def test_a_file_whose_name_disagrees_with_its_version_is_rejected(tmp_path, raw):
    path = write(tmp_path, raw, name="deal-analysis.v2.yaml")

    with pytest.raises(InstrumentError, match="name and version say 'deal-analysis.v1.yaml'"):
        load_deal_instrument(path)


def test_get_deal_instrument_picks_the_newest_version_unless_one_is_asked_for(tmp_path, raw):
    write(tmp_path, raw)
    newer = copy.deepcopy(raw)
    newer["version"] = 2
    newer["title"]["en"] = "Deal analysis, second edition"
    write(tmp_path, newer, name="deal-analysis.v2.yaml")
    other_kind = {"kind": "questionnaire", "name": "deal-analysis", "version": 3}
    write(tmp_path, other_kind, name="deal-analysis.v3.yaml")

    assert get_deal_instrument(directory=tmp_path).version == 2
    assert get_deal_instrument(version=1, directory=tmp_path).title.en == "Deal analysis"


def test_get_deal_instrument_names_what_is_missing(tmp_path, raw):
    write(tmp_path, raw)

    with pytest.raises(InstrumentError, match="no deal-analysis instrument named 'other'"):
        get_deal_instrument("other", directory=tmp_path)
    with pytest.raises(InstrumentError, match="has no version 7; available: 1"):
        get_deal_instrument(version=7, directory=tmp_path)


def test_importing_the_deal_modules_loads_neither_flask_nor_sqlalchemy():
    code = (
        "import sys, assessments.deal_instrument, assessments.deal_scoring, assessments.forecast;"
        "print(sorted(m for m in ('flask', 'sqlalchemy') if m in sys.modules))"
    )

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "[]"
