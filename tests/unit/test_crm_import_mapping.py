"""Suggested column mappings, mapping files, and status from stage names."""

from __future__ import annotations

import json

import pytest

from coachkit.crm_import import TARGET_FIELDS
from coachkit.crm_import import MappingError
from coachkit.crm_import import load_mapping
from coachkit.crm_import import normalise_header
from coachkit.crm_import import normalise_status
from coachkit.crm_import import status_from_stage
from coachkit.crm_import import suggest_mapping

CRM_HEADERS = {
    "salesforce": (
        [
            "Opportunity Owner",
            "Account Name",
            "Opportunity Name",
            "Stage",
            "Fiscal Period",
            "Amount",
            "Expected Revenue",
            "Probability (%)",
            "Age",
            "Close Date",
            "Created Date",
            "Next Step",
            "Lead Source",
            "Type",
            "Opportunity ID",
        ],
        {
            "external_id": "Opportunity ID",
            "title": "Opportunity Name",
            "account": "Account Name",
            "owner": "Opportunity Owner",
            "value": "Amount",
            "stage": "Stage",
            "created": "Created Date",
            "expected_close": "Close Date",
            "notes": "Next Step",
            "currency": None,
            "status": None,
            "closed": None,
        },
    ),
    "hubspot": (
        [
            "Record ID",
            "Deal Name",
            "Deal Stage",
            "Close Date",
            "Deal owner",
            "Amount",
            "Create Date",
            "Pipeline",
            "Associated Company",
        ],
        {
            "external_id": "Record ID",
            "title": "Deal Name",
            "account": "Associated Company",
            "owner": "Deal owner",
            "value": "Amount",
            "stage": "Deal Stage",
            "created": "Create Date",
            "expected_close": "Close Date",
            "closed": None,
        },
    ),
    "pipedrive": (
        [
            "Deal - ID",
            "Deal - Title",
            "Deal - Organization",
            "Deal - Contact person",
            "Deal - Owner",
            "Deal - Value",
            "Deal - Currency",
            "Deal - Stage",
            "Deal - Status",
            "Deal - Expected close date",
            "Deal - Won time",
            "Deal - Lost time",
            "Deal - Deal created",
        ],
        {
            "external_id": "Deal - ID",
            "title": "Deal - Title",
            "account": "Deal - Organization",
            "owner": "Deal - Owner",
            "value": "Deal - Value",
            "currency": "Deal - Currency",
            "stage": "Deal - Stage",
            "status": "Deal - Status",
            "expected_close": "Deal - Expected close date",
            "closed": "Deal - Won time",
            "created": "Deal - Deal created",
        },
    ),
    "teamleader": (
        [
            "Titel",
            "Bedrijf",
            "Contactpersoon",
            "Verantwoordelijke",
            "Bedrag",
            "Valuta",
            "Fase",
            "Status",
            "Kans (%)",
            "Verwachte sluitingsdatum",
            "Aangemaakt op",
            "Referentie",
        ],
        {
            "external_id": "Referentie",
            "title": "Titel",
            "account": "Bedrijf",
            "owner": "Verantwoordelijke",
            "value": "Bedrag",
            "currency": "Valuta",
            "stage": "Fase",
            "status": "Status",
            "expected_close": "Verwachte sluitingsdatum",
            "created": "Aangemaakt op",
        },
    ),
    "odoo": (
        [
            "ID",
            "Opportunity",
            "Customer",
            "Salesperson",
            "Expected Revenue",
            "Stage",
            "Expected Closing",
            "Created on",
            "Closed Date",
            "Probability",
            "Internal Notes",
        ],
        {
            "external_id": "ID",
            "title": "Opportunity",
            "account": "Customer",
            "owner": "Salesperson",
            "value": "Expected Revenue",
            "stage": "Stage",
            "expected_close": "Expected Closing",
            "created": "Created on",
            "closed": "Closed Date",
            "notes": "Internal Notes",
        },
    ),
    "hand-made dutch": (
        ["Deal", "Klant", "Verkoper", "Waarde", "Fase", "Status", "Verwachte sluitdatum", "Sluitdatum", "Opmerkingen"],
        {
            "external_id": None,
            "title": "Deal",
            "account": "Klant",
            "owner": "Verkoper",
            "value": "Waarde",
            "stage": "Fase",
            "status": "Status",
            "expected_close": "Verwachte sluitdatum",
            "closed": "Sluitdatum",
            "notes": "Opmerkingen",
        },
    ),
    "hand-made english": (
        ["Deal name", "Customer", "Sales rep", "Value", "Currency", "Stage", "Expected close", "Closed on", "Notes"],
        {
            "title": "Deal name",
            "account": "Customer",
            "owner": "Sales rep",
            "value": "Value",
            "currency": "Currency",
            "stage": "Stage",
            "expected_close": "Expected close",
            "closed": "Closed on",
            "notes": "Notes",
        },
    ),
    "maven sample": (
        [
            "opportunity_id",
            "sales_agent",
            "product",
            "account",
            "deal_stage",
            "engage_date",
            "close_date",
            "close_value",
        ],
        {
            "external_id": "opportunity_id",
            "title": "product",
            "account": "account",
            "owner": "sales_agent",
            "value": "close_value",
            "stage": "deal_stage",
            "created": "engage_date",
            "expected_close": "close_date",
            "closed": None,
            "currency": None,
            "status": None,
            "notes": None,
        },
    ),
}


@pytest.mark.parametrize("crm", CRM_HEADERS)
def test_headers_of_known_crm_exports_map_to_deal_fields(crm):
    headers, expected = CRM_HEADERS[crm]

    mapping = suggest_mapping(headers)

    assert set(mapping) == set(TARGET_FIELDS)
    assert {target: mapping[target] for target in expected} == expected


def test_a_suggested_mapping_uses_each_header_once():
    headers, _ = CRM_HEADERS["salesforce"]
    mapped = [header for header in suggest_mapping(headers).values() if header]

    assert len(mapped) == len(set(mapped))


def test_a_lone_close_date_is_the_expected_close_and_beside_an_expected_one_the_actual_close():
    assert suggest_mapping(["Deal", "Close Date"])["expected_close"] == "Close Date"

    both = suggest_mapping(["Deal", "Close Date", "Expected Close Date"])

    assert (both["expected_close"], both["closed"]) == ("Expected Close Date", "Close Date")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("\ufeffOpportunity ID", "opportunity id"),
        ("  Deal - Expected close date ", "deal expected close date"),
        ("close_value", "close value"),
        ("VERWACHTE SLUITINGSDATUM", "verwachte sluitingsdatum"),
        ("Créé le", "cree le"),
        ("Kans (%)", "kans"),
    ],
)
def test_headers_are_normalised_for_matching(header, expected):
    assert normalise_header(header) == expected


def test_accents_brackets_and_a_bom_do_not_stop_a_match():
    mapping = suggest_mapping(["\ufeffOPPORTUNITY_ID", "Bedrag (€)", "Títel", "Fase:"])

    assert mapping["external_id"] == "\ufeffOPPORTUNITY_ID"
    assert mapping["value"] == "Bedrag (€)"
    assert mapping["title"] == "Títel"
    assert mapping["stage"] == "Fase:"


def test_a_probability_column_is_not_taken_for_a_title():
    assert suggest_mapping(["Kans (%)", "Bedrag"])["title"] is None


def test_a_mapping_is_loaded_from_a_json_file(tmp_path):
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps({"external_id": "Opportunity ID", "title": "Opportunity Name", "notes": None}))

    mapping = load_mapping(path)

    assert mapping["external_id"] == "Opportunity ID"
    assert mapping["title"] == "Opportunity Name"
    assert mapping["notes"] is None
    assert set(mapping) == set(TARGET_FIELDS)


def test_a_mapping_is_loaded_from_a_dict_and_blank_headers_mean_unmapped():
    assert load_mapping({"title": "Deal", "account": " "})["account"] is None
    assert load_mapping({"title": "Deal"}) == {**dict.fromkeys(TARGET_FIELDS), "title": "Deal"}


def test_an_unknown_target_field_in_a_mapping_is_an_error():
    with pytest.raises(MappingError) as caught:
        load_mapping({"title": "Deal", "probability": "Kans", "amount": "Bedrag"})

    assert caught.value.message_key == "mapping.unknown_field"
    assert "amount, probability" in caught.value.message("en")
    assert "Onbekende velden" in caught.value.message("nl")


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ("{not json", "mapping.unreadable"),
        ('["title", "Deal"]', "mapping.not_an_object"),
        ('{"title": 3}', "mapping.not_a_header"),
    ],
)
def test_a_broken_mapping_file_is_an_error(tmp_path, content, key):
    path = tmp_path / "mapping.json"
    path.write_text(content)

    with pytest.raises(MappingError) as caught:
        load_mapping(path)

    assert caught.value.message_key == key


def test_a_missing_mapping_file_is_an_error(tmp_path):
    with pytest.raises(MappingError) as caught:
        load_mapping(tmp_path / "nowhere.json")

    assert caught.value.message_key == "mapping.unreadable"


@pytest.mark.parametrize(
    ("stage", "status"),
    [
        ("Won", "won"),
        ("Closed Won", "won"),
        ("closedwon", "won"),
        ("Gewonnen", "won"),
        ("Lost", "lost"),
        ("Closed Lost", "lost"),
        ("closedlost", "lost"),
        ("Verloren", "lost"),
        ("Prospecting", "open"),
        ("Engaging", "open"),
        ("Offerte verstuurd", "open"),
        ("", "open"),
        (None, "open"),
    ],
)
def test_the_status_follows_from_the_stage_name(stage, status):
    assert status_from_stage(stage) == status


@pytest.mark.parametrize(
    ("text", "status"),
    [("open", "open"), ("WON", "won"), ("lost", "lost"), ("Gewonnen", "won"), ("verloren", "lost"), ("", None)],
)
def test_an_explicit_status_is_normalised(text, status):
    assert normalise_status(text) == status


def test_an_unknown_status_is_refused_rather_than_guessed():
    with pytest.raises(ValueError):
        normalise_status("maybe")
