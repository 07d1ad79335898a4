"""Trainer-session steps driven through the test client, as a browser would post them.

Expected figures are worked out from the instrument file (``tests.web.helpers``), not
through the app's scoring code.
"""

from __future__ import annotations

import re

from tests.web.helpers import areas
from tests.web.helpers import location_path
from tests.web.helpers import page_fields
from tests.web.helpers import parse
from tests.web.helpers import text


def sign_in(client, user) -> None:
    """Put ``user`` in the client's session as a login would.

    Logging in through the form costs an argon2 verification (about 0.2 s); a cohort of
    thirty would spend most of its time there. The login form itself is tested elsewhere.
    """
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def statements() -> list:
    return [item for spec in areas() for item in spec.items]


def participant_answers(i: int) -> dict[str, int]:
    """A different, uneven answer set for participant ``i`` (values as posted, 1..5)."""
    return {item.id: 1 + (3 * i + 2 * j + (j * j) % 7) % 5 for j, item in enumerate(statements())}


def create_session(
    client, name: str = "Coaching leadership, group A", held_on: str = "2026-03-02", language: str = "en"
) -> int:
    response = client.post(
        "/sessions/new",
        data={"name": name, "held_on": held_on, "instrument": "sales-manager-competencies", "language": language},
    )
    assert response.status_code == 302, response.status_code
    match = re.fullmatch(r"/sessions/(\d+)", location_path(response))
    assert match, response.headers["Location"]
    return int(match.group(1))


def join_code(client, cohort_id: int) -> str:
    html = client.get(f"/sessions/{cohort_id}").get_data(as_text=True)
    element = next(el for el in parse(html).iter("p") if el.get("id") == "join-code")
    return text(element)


def join(client, code: str) -> int:
    """Join with the code; returns the id of the self-assessment linked to the session."""
    page = client.get(f"/sessions/join/{code}")
    assert page.status_code == 200, page.status_code
    response = client.post(f"/sessions/join/{code}")
    assert response.status_code == 302, response.status_code
    joined = client.get(location_path(response))
    assert joined.status_code == 200
    match = re.search(r'href="/assessments/(\d+)(?:/results)?"', joined.get_data(as_text=True))
    assert match, "the session page links no self-assessment"
    return int(match.group(1))


def answer_pages(client, assessment_id: int, answers: dict[str, int], pages: int | None = None) -> None:
    """Post the questionnaire page by page (Next, and Review on the last page)."""
    specs = areas()
    last = len(specs)
    for number, spec in enumerate(specs[:pages] if pages is not None else specs, start=1):
        action = "next" if number < last else "review"
        response = client.post(
            f"/assessments/{assessment_id}/page/{number}", data={**page_fields(spec, answers), "action": action}
        )
        assert response.status_code == 302, (number, response.status_code)


def submit(client, assessment_id: int) -> None:
    response = client.post(f"/assessments/{assessment_id}/submit")
    assert response.status_code == 302
    assert location_path(response) == f"/assessments/{assessment_id}/results"


def rate(client, cohort_id: int, member_id: int, answers: dict[str, int]) -> None:
    """The trainer rates a participant page by page (Next, and Save my ratings on the last)."""
    specs = areas()
    for number, spec in enumerate(specs, start=1):
        action = "next" if number < len(specs) else "finish"
        response = client.post(
            f"/sessions/{cohort_id}/participants/{member_id}/rate/{number}",
            data={**page_fields(spec, answers), "action": action},
        )
        assert response.status_code == 302, (number, response.status_code)
    # Land on the participant's page, as a browser would (and use up the flashed message).
    assert client.get(location_path(response)).status_code == 200


def member_ids(client, cohort_id: int) -> dict[str, int]:
    """Participant name -> member id, from the progress JSON."""
    data = client.get(f"/sessions/{cohort_id}/progress.json").get_json()
    return {p["name"]: p["id"] for p in data["participants"]}
