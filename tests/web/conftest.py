"""Fixtures for the web tests; the app, client and users come from tests/conftest.py."""

from __future__ import annotations

import re

import pytest

from tests.web.helpers import areas
from tests.web.helpers import location_path
from tests.web.helpers import page_fields


class Questionnaire:
    """Drives the self-assessment through the test client as a browser would."""

    def __init__(self, client):
        self.client = client

    def start(self) -> int:
        response = self.client.post("/assessments/start")
        assert response.status_code == 302, response.status_code
        match = re.fullmatch(r"/assessments/(\d+)", location_path(response))
        assert match, response.headers["Location"]
        return int(match.group(1))

    @staticmethod
    def url(assessment_id: int, number: int) -> str:
        return f"/assessments/{assessment_id}/page/{number}"

    def post_page(self, assessment_id: int, number: int, fields: dict[str, str], action: str = "next"):
        return self.client.post(self.url(assessment_id, number), data={**fields, "action": action})

    def answer_all(self, assessment_id: int, answers: dict[str, int]) -> None:
        last = len(areas())
        for number, spec in enumerate(areas(), start=1):
            action = "next" if number < last else "review"
            response = self.post_page(assessment_id, number, page_fields(spec, answers), action)
            assert response.status_code == 302, (number, response.status_code)

    def submit(self, assessment_id: int):
        return self.client.post(f"/assessments/{assessment_id}/submit")


@pytest.fixture
def questionnaire(client):
    return Questionnaire(client)


@pytest.fixture
def logged_in(auth, manager):
    """The manager, logged in on ``client``."""
    response = auth.login()
    assert response.status_code == 302
    return manager


@pytest.fixture
def other_user(make_user):
    return make_user("other@example.com", name="Otto Other")
