"""Command-line tools: demo data, instrument check and export."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
import yaml

from coachkit import create_app
from coachkit.extensions import db
from coachkit.models import Assessment
from coachkit.models import PlanGoal
from coachkit.models import User
from tests.conftest import AuthActions
from tests.conftest import config_for
from tests.web.helpers import INSTRUMENT_FILE
from tests.web.helpers import count
from tests.web.helpers import instrument_file

LOGIN_LINE = re.compile(r"^\s*(manager|trainer|admin)\s+(\S+@\S+)\s+password: (\S+)", re.MULTILINE)


def demo_state() -> dict:
    return {
        "users": db.session.execute(sa.select(User.email, User.role).order_by(User.email)).all(),
        "assessments": count(Assessment),
        "submitted": count(Assessment, Assessment.status == "submitted"),
        "goals": count(PlanGoal),
    }


def test_demo_loads_the_same_data_however_often_it_runs_and_prints_working_logins(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    after_first = demo_state()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output

    assert demo_state() == after_first
    logins = LOGIN_LINE.findall(second.output)
    assert {role for role, _, _ in logins} == {"manager", "trainer", "admin"}
    assert {(email, role) for role, email, _ in logins} <= set(after_first["users"])
    assert after_first["submitted"] >= 1
    assert after_first["goals"] >= 1, "a demo manager has a development plan"

    for role, email, password in logins:
        browser = app.test_client()
        assert AuthActions(browser).login(email, password).status_code == 302, email
        if role == "manager":
            page = browser.get("/")
            assert "/results" in page.text, f"{email} has results to show"
        if role == "admin":
            assert browser.get("/admin/users").status_code == 200


@pytest.fixture(scope="module")
def file_runner():
    """A CLI runner for commands that only read files, so they run once instead of once per database."""
    return create_app(config_for("sqlite://")).test_cli_runner()


def test_instrument_check_accepts_the_shipped_instrument(file_runner):
    result = file_runner.invoke(args=["instrument", "check", str(INSTRUMENT_FILE)])

    assert result.exit_code == 0, result.output
    assert str(INSTRUMENT_FILE) in result.output
    assert "4 areas" in result.output


def _drop_dutch(data):
    del data["areas"][1]["statements"][2]["text"]["nl"]
    return "missing Dutch text"


def _duplicate_id(data):
    data["areas"][0]["statements"][1]["id"] = data["areas"][0]["statements"][0]["id"]
    return "duplicate id 'people-01'"


def _four_levels(data):
    data["levels"].pop()
    return "levels"


def _missing_maturity_level(data):
    data["areas"][2]["maturity"].pop(3)
    return "maturity"


def _no_reverse_items(data):
    for statement in data["areas"][3]["statements"]:
        statement["reverse"] = False
    return "reverse"


def _too_few_statements(data):
    del data["areas"][0]["statements"][9:]
    return "at least 10 statements"


def _one_action(data):
    del data["areas"][0]["maturity"][0]["actions"][1:]
    return "actions"


@pytest.mark.parametrize(
    "breakage",
    [
        _drop_dutch,
        _duplicate_id,
        _four_levels,
        _missing_maturity_level,
        _no_reverse_items,
        _too_few_statements,
        _one_action,
    ],
    ids=lambda f: f.__name__.strip("_").replace("_", " "),
)
def test_instrument_check_names_the_file_and_the_problem_of_a_broken_copy(file_runner, tmp_path, breakage):
    data = yaml.safe_load(INSTRUMENT_FILE.read_text(encoding="utf-8"))
    problem = breakage(data)
    broken = tmp_path / "broken.v1.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    result = file_runner.invoke(args=["instrument", "check", str(broken)])

    assert result.exit_code != 0
    assert str(broken) in result.output
    assert problem in result.output


@pytest.mark.parametrize(
    ("content", "problem"),
    [("areas: [unclosed\n", "invalid YAML"), ("- just\n- a list\n", "must be a mapping")],
    ids=["not YAML", "not a mapping"],
)
def test_instrument_check_explains_a_file_that_is_not_an_instrument(file_runner, tmp_path, content, problem):
    broken = tmp_path / "odd.v1.yaml"
    broken.write_text(content, encoding="utf-8")

    result = file_runner.invoke(args=["instrument", "check", str(broken)])

    assert result.exit_code != 0
    assert str(broken) in result.output
    assert problem in result.output


def test_instrument_check_on_a_missing_file_says_so(file_runner, tmp_path):
    missing = tmp_path / "nothing-here.v1.yaml"

    result = file_runner.invoke(args=["instrument", "check", str(missing)])

    assert result.exit_code != 0
    assert str(missing) in result.output


def test_instrument_export_prints_the_instrument_and_its_maturity_model_as_json(file_runner):
    result = file_runner.invoke(args=["instrument", "export", "sales-manager-competencies", "--format", "json"])

    assert result.exit_code == 0, result.output
    exported = json.loads(result.output)
    source = instrument_file()
    assert (exported["name"], exported["version"]) == ("sales-manager-competencies", source["version"])
    assert [a["id"] for a in exported["areas"]] == ["people", "pipeline", "accounts", "coaching"]
    assert [level["level"] for level in exported["levels"]] == [1, 2, 3, 4, 5]
    for exported_area, source_area in zip(exported["areas"], source["areas"], strict=True):
        assert [s["id"] for s in exported_area["statements"]] == [s["id"] for s in source_area["statements"]]
        assert [m["level"] for m in exported_area["maturity"]] == [1, 2, 3, 4, 5]
        for level in exported_area["maturity"]:
            assert level["descriptor"]["en"] and level["descriptor"]["nl"]
            assert len(level["actions"]) >= 2
        for statement in exported_area["statements"]:
            assert statement["text"]["en"] and statement["text"]["nl"]


def test_instrument_export_of_an_unknown_name_fails(file_runner):
    result = file_runner.invoke(args=["instrument", "export", "no-such-instrument"])

    assert result.exit_code != 0
    assert "no-such-instrument" in result.output
