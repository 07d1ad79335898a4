"""The one-on-one pages: planning, editing without JavaScript, notes, actions, closing, print, PDF, calendar, access."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from coachkit import coaching_services as cs
from coachkit.extensions import db
from coachkit.models import ActionItem
from coachkit.models import Meeting
from tests.conftest import AuthActions
from tests.web.coaching_helpers import TODAY
from tests.web.coaching_helpers import action_ids
from tests.web.coaching_helpers import at
from tests.web.coaching_helpers import coaching_text
from tests.web.coaching_helpers import deal_ids
from tests.web.coaching_helpers import items
from tests.web.coaching_helpers import make_deal
from tests.web.coaching_helpers import make_rep
from tests.web.coaching_helpers import meetings_of
from tests.web.coaching_helpers import pdf_pages
from tests.web.coaching_helpers import pdf_text
from tests.web.coaching_helpers import squash
from tests.web.helpers import location_path
from tests.web.helpers import page_text
from tests.web.helpers import parse
from tests.web.helpers import text

PRIVATE = "She is thinking about leaving"
SHARED = "Rosa calls the CFO before Friday"


@pytest.fixture
def team(logged_in):
    manager = logged_in
    rep = make_rep(manager, "Rosa Rep")
    deals = {
        "walk": make_deal(manager, rep, "Fleet renewal", value="40000", profile="walk_away", account="Van Dijk"),
        "help": make_deal(manager, rep, "Service contract", value="25000", profile="needs_help", account="Hollander"),
    }
    return manager, rep, deals


@pytest.fixture
def meeting(team):
    manager, rep, _deals = team
    return cs.plan_meeting(manager, rep, at(2))


def url(meeting, suffix: str = "") -> str:
    return f"/one-on-ones/{meeting.id}{suffix}"


def item_titles(html) -> list[str]:
    return [text(h3) for li in parse(html).iter("li") if "agenda-item" in li.get("class", "") for h3 in li.iter("h3")]


# ---------------------------------------------------------------------------- planning and the page


def test_planning_a_one_on_one_prepares_its_agenda(client, team):
    _manager, rep, deals = team
    response = client.get(f"/one-on-ones/new?rep={rep.id}")
    assert response.status_code == 200

    response = client.post(
        "/one-on-ones/new", data={"rep_id": rep.id, "scheduled_at": "2031-05-12T10:30", "duration_minutes": "30"}
    )

    assert response.status_code == 302
    meeting_id = int(re.fullmatch(r"/one-on-ones/(\d+)", location_path(response)).group(1))
    meeting = db.session.get(Meeting, meeting_id)
    # Entered in the app's time zone (Europe/Amsterdam, summer time): stored in UTC.
    assert meeting.scheduled_at == at(0).replace(year=2031, month=5, day=12, hour=8, minute=30)
    assert meeting.duration_minutes == 30
    page = client.get(location_path(response))
    body = page_text(page.data)
    for heading in (
        "1. Open actions from earlier one-on-ones",
        "2. Deals that need attention",
        "3. Development topic",
        "4. Your own coaching focus",
    ):
        assert heading in body
    assert "12 May 2031, 10:30" in body
    assert item_titles(page.data)[:2] == ["Fleet renewal – Van Dijk", "Service contract – Hollander"]
    assert coaching_text("cmp-must-haves-met") in body
    assert "Walk away?" in body and "Needs help" in body


def test_an_invalid_plan_shows_the_form_again(client, team):
    _manager, rep, _deals = team
    response = client.post("/one-on-ones/new", data={"rep_id": rep.id, "scheduled_at": "", "duration_minutes": "5"})
    assert response.status_code == 400
    assert "Choose a date and time." in page_text(response.data)
    assert db.session.query(Meeting).count() == 0


def test_the_team_page_shows_each_reps_one_on_ones(client, team):
    manager, rep, _deals = team
    make_rep(manager, "Sam Seller")
    held = cs.plan_meeting(manager, rep, at(-5))
    cs.add_action(held, "Call the buyer", "rep", None)
    cs.close_meeting(held, at(9))

    response = client.get("/one-on-ones/")

    rows = {cells[0]: cells for cells in table_rows_of(response.data)}
    assert rows["Rosa Rep"][2] == "1"
    assert rows["Rosa Rep"][1] != "Not yet"
    assert rows["Sam Seller"][1:3] == ["Not yet", "0"]
    assert "Plan a one-on-one" in rows["Sam Seller"][3]


def table_rows_of(html):
    table = next(t for t in parse(html).iter("table"))
    return [[text(cell) for cell in row if cell.tag in ("td", "th")] for row in table.iter("tr")][1:]


def test_the_rep_page_lists_the_history(client, team, meeting):
    _manager, rep, _deals = team
    cs.close_meeting(meeting, at(20))
    body = page_text(client.get(f"/one-on-ones/reps/{rep.id}").data)
    assert "Held" in body and "Planned" in body


# ---------------------------------------------------------------------------- editing without JavaScript


def test_an_item_can_be_edited_moved_removed_and_put_back(client, meeting, team):
    _manager, _rep, deals = team
    walk, help_ = items(meeting.id, part=2)

    response = client.post(url(meeting, f"/items/{walk.id}/edit"), data={"title": "Fleet: drop it?", "body": "Ask Jan"})
    assert response.status_code == 302 and location_path(response).endswith(f"#item-{walk.id}")
    client.post(url(meeting, f"/items/{help_.id}/move"), data={"direction": "up"})
    assert deal_ids(meeting.id) == [deals["help"].id, deals["walk"].id]
    page = client.get(url(meeting))
    assert item_titles(page.data)[:2] == ["Service contract – Hollander", "Fleet: drop it? edited"]

    client.post(url(meeting, f"/items/{walk.id}/remove"))
    assert deal_ids(meeting.id) == [deals["help"].id]
    assert "Removed from the agenda" in page_text(client.get(url(meeting)).data)
    client.post(url(meeting, f"/items/{walk.id}/remove"), data={"restore": "1"})
    assert deal_ids(meeting.id) == [deals["help"].id, deals["walk"].id]


def test_the_manager_adds_an_own_item_to_a_part(client, meeting):
    response = client.post(url(meeting, "/items"), data={"part": "3", "title": "Presentation skills", "body": "Pitch"})
    assert response.status_code == 302
    (topic, own) = items(meeting.id, part=3)
    assert (own.title, own.kind, own.source_key) == ("Presentation skills", "custom", None)
    response = client.post(url(meeting, "/items"), data={"part": "3", "title": ""})
    assert "Write a title first." in page_text(client.get(location_path(response)).data)


def test_private_and_shared_notes_are_stored_and_marked(client, meeting):
    (topic,) = items(meeting.id, part=3)
    client.post(url(meeting, f"/items/{topic.id}/notes"), data={"private_note": PRIVATE, "shared_note": SHARED})
    (topic,) = items(meeting.id, part=3)
    assert (topic.private_note, topic.shared_note) == (PRIVATE, SHARED)
    page = parse(client.get(url(meeting)).data)
    labels = {el.get("for"): text(el) for el in page.iter("label")}
    assert labels[f"private-{topic.id}"] == "Private Only you see this note."
    assert labels[f"shared-{topic.id}"] == "Shared For Rosa Rep too: printed on the agenda."


def test_actions_are_added_ticked_off_and_carried_to_the_next_meeting(client, meeting, team):
    _manager, rep, _deals = team
    client.post(
        url(meeting, "/actions"),
        data={"description": "Send the quote", "owner": "rep", "due_on": (TODAY + timedelta(days=4)).isoformat()},
    )
    client.post(url(meeting, "/actions"), data={"description": "Book the visit", "owner": "manager"})
    quote, visit = db.session.query(ActionItem).order_by(ActionItem.id).all()
    assert (quote.owner, visit.owner) == ("rep", "manager")
    client.post(url(meeting, f"/actions/{visit.id}/done"), data={"done": "1"})

    response = client.post(url(meeting, "/close"), data={"next_at": "2031-06-02T09:00"})

    assert response.status_code == 302
    first, following = meetings_of(meeting.manager, rep)
    assert first.status == "held" and location_path(response) == f"/one-on-ones/{following.id}"
    assert action_ids(following.id) == [quote.id]
    body = page_text(client.get(location_path(response)).data)
    assert "Send the quote" in body and "Book the visit" not in body


def test_closing_twice_is_refused_with_a_message(client, meeting):
    client.post(url(meeting, "/close"), data={"next_at": "2031-06-02T09:00"})
    response = client.post(url(meeting, "/close"), data={"next_at": "2031-06-09T09:00"})
    assert "This one-on-one has been held already." in page_text(client.get(location_path(response)).data)
    assert db.session.query(Meeting).count() == 2


def test_regenerating_from_the_page_keeps_the_edits(client, meeting, team):
    manager, rep, deals = team
    walk, _help = items(meeting.id, part=2)
    client.post(url(meeting, f"/items/{walk.id}/edit"), data={"title": "My title", "body": "My text"})
    newer = make_deal(manager, rep, "Big one", value="90000", profile="needs_help")

    response = client.post(url(meeting, "/prepare"))

    assert "Agenda prepared again: 1 new, 0 no longer suggested." in page_text(client.get(location_path(response)).data)
    assert deal_ids(meeting.id) == [newer.id, deals["walk"].id, deals["help"].id]
    walk = next(i for i in items(meeting.id, part=2) if i.deal_id == deals["walk"].id)
    assert (walk.title, walk.body) == ("My title", "My text")


# ---------------------------------------------------------------------------- print, PDF and calendar


@pytest.fixture
def noted(meeting):
    walk, _help = items(meeting.id, part=2)
    cs.save_notes(walk, PRIVATE, SHARED)
    cs.save_meeting_notes(meeting, "Meeting-level secret")
    return meeting


def test_the_print_view_shows_shared_notes_and_leaves_private_ones_out(client, noted):
    body = page_text(client.get(url(noted, "/print")).data)
    assert SHARED in body and PRIVATE not in body and "Meeting-level secret" not in body
    assert "Coaching plan" in body and "Deals of Rosa Rep" in body

    body = page_text(client.get(url(noted, "/print?private=1")).data)
    assert PRIVATE in body and "Meeting-level secret" in body
    assert "Private note – not for the rep" in body


def test_the_pdf_has_the_plan_on_page_one_then_the_agenda_with_deals_and_questions(client, noted):
    response = client.get(url(noted, ".pdf"))

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert 'filename="coachkit-one-on-one-rosa-rep-' in response.headers["Content-Disposition"]
    pages = pdf_pages(response.data)
    assert "Coaching plan: Rosa Rep" in pages[0]
    assert "Agenda: one-on-one with Rosa Rep" not in pages[0]
    assert "Agenda: one-on-one with Rosa Rep" in pages[1]
    text_all = squash(" ".join(pages))
    for expected in (
        "Fleet renewal – Van Dijk",
        "Service contract – Hollander",
        coaching_text("cmp-must-haves-met"),
        SHARED,
        "Deals of Rosa Rep",
    ):
        assert squash(expected) in text_all
    assert squash(PRIVATE) not in text_all

    with_private = squash(pdf_text(client.get(url(noted, ".pdf?private=1")).data))
    assert squash(PRIVATE) in with_private


def test_the_pdf_speaks_dutch_when_asked(client, noted):
    pages = pdf_pages(client.get(url(noted, ".pdf?lang=nl")).data)
    assert "Coachingplan: Rosa Rep" in pages[0]
    assert "Agenda: één-op-één met Rosa Rep" in pages[1]
    assert "Deals die aandacht nodig hebben" in pages[1]


def test_the_calendar_event_holds_the_agenda_without_private_notes(client, noted):
    response = client.get(url(noted, ".ics"))

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    raw = response.data.decode("utf-8")
    assert raw.startswith("BEGIN:VCALENDAR\r\n") and raw.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))
    unfolded = re.sub(r"\r\n[ \t]", "", raw)
    fields = dict(line.split(":", 1) for line in unfolded.split("\r\n") if ":" in line)
    assert fields["UID"] == noted.uid
    assert fields["DTSTART"] == noted.scheduled_at.strftime("%Y%m%dT%H%M%SZ")
    assert fields["DURATION"] == "PT45M"
    assert fields["SUMMARY"] == "One-on-one with Rosa Rep"
    description = re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), fields["DESCRIPTION"])
    assert "- Fleet renewal – Van Dijk (Walk away?)" in description
    assert f"Shared note: {SHARED}" in description
    assert PRIVATE not in raw and "Meeting-level secret" not in raw
    # The same UID every time: calendars update the event instead of adding another.
    assert client.get(url(noted, ".ics")).data.decode().count(f"UID:{noted.uid}") == 1


def test_the_agenda_command_writes_the_pdf(runner, noted, tmp_path):
    output = tmp_path / "agenda.pdf"
    result = runner.invoke(args=["report", "agenda", "--meeting", str(noted.id), "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert squash("Fleet renewal – Van Dijk") in squash(pdf_text(output.read_bytes()))

    result = runner.invoke(args=["report", "agenda", "--meeting", "999999", "--output", str(output)])
    assert result.exit_code == 1
    assert "no one-on-one with id 999999" in result.output


# ---------------------------------------------------------------------------- access


def own_urls(meeting, item_id, action_id, rep_id):
    return {
        "get": [
            url(meeting),
            url(meeting, "/print"),
            url(meeting, ".pdf"),
            url(meeting, ".ics"),
            url(meeting, "/edit"),
            f"/one-on-ones/reps/{rep_id}",
            f"/one-on-ones/new?rep={rep_id}",
        ],
        "post": [
            url(meeting, "/prepare"),
            url(meeting, "/close"),
            url(meeting, "/notes"),
            url(meeting, "/items"),
            url(meeting, "/delete"),
            url(meeting, "/edit"),
            url(meeting, "/actions"),
            url(meeting, f"/items/{item_id}/edit"),
            url(meeting, f"/items/{item_id}/notes"),
            url(meeting, f"/items/{item_id}/move"),
            url(meeting, f"/items/{item_id}/remove"),
            url(meeting, f"/actions/{action_id}/done"),
            url(meeting, f"/actions/{action_id}/delete"),
        ],
    }


def test_another_managers_meeting_is_a_404_at_every_address(app, meeting, team, make_user):
    _manager, rep, _deals = team
    item_id = items(meeting.id)[0].id
    action_id = cs.add_action(meeting, "Secret action", "rep", None).id
    make_user("other@example.com", name="Otto Other")
    other = app.test_client()
    AuthActions(other).login("other@example.com")

    urls = own_urls(meeting, item_id, action_id, rep.id)
    for address in urls["get"]:
        assert other.get(address).status_code == 404, address
    for address in urls["post"]:
        assert other.post(address, data={"title": "x", "direction": "up", "done": "1"}).status_code == 404, address
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "planned"
    assert db.session.get(ActionItem, action_id).done_at is None


def test_items_and_actions_of_one_meeting_cannot_be_reached_through_another(client, meeting, team, make_user):
    manager, rep, _deals = team
    second_rep = make_rep(manager, "Sam Seller")
    elsewhere = cs.plan_meeting(manager, second_rep, at(4))
    foreign_item = items(meeting.id)[0].id
    foreign_action = cs.add_action(meeting, "Rosa's action", "rep", None).id

    assert client.post(url(elsewhere, f"/items/{foreign_item}/notes"), data={"shared_note": "x"}).status_code == 404
    assert client.post(url(elsewhere, f"/actions/{foreign_action}/done"), data={"done": "1"}).status_code == 404


def test_planning_with_another_managers_rep_is_not_possible(client, team, make_user):
    other = make_user("other@example.com")
    foreign = make_rep(other, "Foreign Rep")
    assert client.get(f"/one-on-ones/new?rep={foreign.id}").status_code == 404
    response = client.post(
        "/one-on-ones/new", data={"rep_id": foreign.id, "scheduled_at": "2031-05-12T10:30", "duration_minutes": "45"}
    )
    assert response.status_code == 400
    assert db.session.query(Meeting).count() == 0


def test_visitors_are_sent_to_the_login_page(app, meeting):
    response = app.test_client().get(url(meeting))
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_a_planned_one_on_one_can_be_deleted_but_a_held_one_cannot(client, meeting, team):
    manager, rep, _deals = team
    cs.add_action(meeting, "Agreed by mistake", "rep", None)
    response = client.post(url(meeting, "/delete"))
    assert location_path(response) == f"/one-on-ones/reps/{rep.id}"
    assert db.session.query(Meeting).count() == 0
    assert db.session.query(ActionItem).count() == 0

    # The request deleted the row behind this session's back (and SQLite may reuse its id).
    db.session.expunge_all()
    manager, rep = db.session.merge(manager), db.session.merge(rep)
    held = cs.plan_meeting(manager, rep, at(-3))
    cs.close_meeting(held, at(11))
    client.post(url(held, "/delete"))
    db.session.expire_all()
    assert db.session.get(Meeting, held.id).status == "held"


def test_rescheduling_from_the_page_stores_the_new_time(client, meeting):
    response = client.get(url(meeting, "/edit"))
    assert response.status_code == 200
    response = client.post(
        url(meeting, "/edit"),
        data={"rep_id": meeting.rep_id, "scheduled_at": "2031-01-20T14:00", "duration_minutes": "60"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Meeting, meeting.id)
    # Winter time in Amsterdam: UTC+1.
    assert (changed.scheduled_at.isoformat(), changed.duration_minutes) == ("2031-01-20T13:00:00", 60)
