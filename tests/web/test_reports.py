"""The development report: PDF download, its text and metadata, the HTML preview, and the safe fetcher."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
import pytest

from coachkit import services
from coachkit.reports.pdf import STATIC_DIR
from coachkit.reports.pdf import RefusedURL
from coachkit.reports.pdf import StaticOnlyFetcher
from coachkit.reports.pdf import render_pdf
from tests.web.helpers import MIXED_PROFILE
from tests.web.helpers import areas
from tests.web.helpers import expected_level
from tests.web.helpers import expected_score
from tests.web.helpers import level_names
from tests.web.helpers import page_text
from tests.web.helpers import profile_answers
from tests.web.helpers import shown

ANSWERS = profile_answers(MIXED_PROFILE)
GOAL = "Coach with questions: één vraag meer, € 1.250 budget"


@pytest.fixture
def report(logged_in, submitted_assessment):
    """A submitted assessment with a development plan."""
    assessment = submitted_assessment(answers=ANSWERS)
    services.add_goal(assessment, "coaching", GOAL, "Record one conversation a week", date(2030, 6, 30))
    return assessment


def read_pdf(data: bytes) -> pypdf.PdfReader:
    assert data.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(data))


def pdf_text(reader: pypdf.PdfReader) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def expected_rows(lang: str) -> list[str]:
    """What each area's row of the profile reads: title, score in the language's format, level and name."""
    names = level_names(lang)
    rows = []
    for spec in areas():
        score = expected_score(spec, ANSWERS)
        level = expected_level(score)
        rows.append(f"{spec.title[lang]} {shown(score, lang)} {level} · {names[level]}")
    return rows


@pytest.mark.parametrize(
    ("account_language", "query", "lang"),
    [("en", "", "en"), ("en", "?lang=nl", "nl")],
    ids=["the account's language", "a language asked for"],
)
def test_the_pdf_report_holds_name_scores_and_levels_in_the_language(
    client, report, logged_in, account_language, query, lang
):
    logged_in.language = account_language
    services.db.session.commit()

    response = client.get(f"/reports/development/{report.id}.pdf{query}")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Disposition"].endswith(f'-{lang}.pdf"')
    assert "no-store" in response.headers["Cache-Control"], "a personal report is not kept in shared caches"
    reader = read_pdf(response.data)
    assert len(reader.pages) >= 4
    text = pdf_text(reader)
    assert "Mila Manager" in text
    for row in expected_rows(lang):
        assert row in text
    other = "nl" if lang == "en" else "en"
    assert shown(expected_score(areas()[0], ANSWERS), other) not in text, "numbers follow the language"
    assert GOAL in text, "the plan, with € and accented letters"
    assert "Record one conversation a week" in text
    # Document properties: title, language, and every font embedded.
    assert "Mila Manager" in (reader.metadata.title or "")
    assert reader.trailer["/Root"].get("/Lang") == lang
    fonts = embedded_fonts(reader)
    assert fonts and all(fonts.values()), f"fonts not embedded: {[n for n, ok in fonts.items() if not ok]}"
    assert any("CoachKit-Sans" in name for name in fonts), "the bundled font is used"


def embedded_fonts(reader: pypdf.PdfReader) -> dict[str, bool]:
    """Every font the pages use, and whether its font program is in the file (/FontFile2)."""
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor
    return fonts


@pytest.mark.parametrize(("account_language", "lang"), [("nl", "nl"), ("nl", "en")])
def test_the_html_preview_shows_the_same_numbers_as_the_pdf(client, report, logged_in, account_language, lang):
    logged_in.language = account_language
    services.db.session.commit()
    query = "" if lang == account_language else f"?lang={lang}"

    response = client.get(f"/reports/development/{report.id}{query}")

    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.text
    text = page_text(response.data)
    assert "Mila Manager" in text
    for row in expected_rows(lang):
        assert row in text
    assert GOAL in text


def test_the_report_shows_the_same_radar_chart_as_the_results_page(client, report):
    results = client.get(f"/assessments/{report.id}/results").text
    preview = client.get(f"/reports/development/{report.id}").text

    charts = [re.search(r'<svg[^>]*class="radar".*?</svg>', html, re.S) for html in (results, preview)]
    assert all(charts)
    assert charts[0].group(0) == charts[1].group(0)
    for spec in areas():
        assert spec.title["en"].split()[0] in charts[0].group(0)


def test_an_unsubmitted_assessment_has_no_report(client, logged_in):
    open_one = services.start_assessment(logged_in)

    assert client.get(f"/reports/development/{open_one.id}").status_code == 404
    assert client.get(f"/reports/development/{open_one.id}.pdf").status_code == 404


def test_another_users_report_does_not_exist_for_me(client, logged_in, other_user, submitted_assessment):
    theirs = submitted_assessment(user=other_user)

    for url in (f"/reports/development/{theirs.id}", f"/reports/development/{theirs.id}.pdf"):
        response = client.get(url)
        assert response.status_code == 404
        assert not response.data.startswith(b"%PDF")
        assert "Otto Other" not in response.get_data(as_text=True)


def test_reports_send_visitors_to_the_login_page(client, submitted_assessment):
    assessment = submitted_assessment()

    response = client.get(f"/reports/development/{assessment.id}.pdf")

    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


# The command line --------------------------------------------------------------------------


def test_the_report_command_writes_a_readable_pdf(runner, report, tmp_path):
    output = tmp_path / "report.pdf"

    result = runner.invoke(
        args=["report", "development", "--user", "Manager@Example.com", "--output", str(output), "--lang", "nl"]
    )

    assert result.exit_code == 0, result.output
    reader = read_pdf(output.read_bytes())
    assert len(reader.pages) >= 4
    text = pdf_text(reader)
    assert "Mila Manager" in text
    for row in expected_rows("nl"):
        assert row in text


@pytest.mark.parametrize(
    ("email", "message"),
    [("nobody@example.com", "no user with email"), ("manager@example.com", "no submitted assessment")],
)
def test_the_report_command_explains_when_there_is_no_report(runner, manager, tmp_path, email, message):
    output = tmp_path / "report.pdf"

    result = runner.invoke(args=["report", "development", "--user", email, "--output", str(output)])

    assert result.exit_code != 0
    assert message in result.output
    assert not output.exists()


# The fetcher -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/x.css",
        "https://example.com/x.css",
        "data:text/css,body{color:red}",
        "coachkit-static:../../config.py",
        "coachkit-static:/../../config.py",
        "coachkit-static:fonts/../../../config.py",
        "coachkit-static:%2e%2e/%2e%2e/config.py",
        "coachkit-static:fonts/missing.ttf",
        "ftp://example.com/x",
        "/etc/passwd",
    ],
)
def test_the_fetcher_refuses_anything_but_the_apps_static_files(url):
    with pytest.raises(RefusedURL):
        StaticOnlyFetcher().fetch(url)


def test_the_fetcher_serves_the_bundled_font():
    response = StaticOnlyFetcher().fetch("coachkit-static:fonts/DejaVuSans.ttf")

    body = response.read()
    assert body == (STATIC_DIR / "fonts" / "DejaVuSans.ttf").read_bytes()
    assert body[:4] == b"\x00\x01\x00\x00"


def test_a_template_that_points_at_local_or_remote_files_still_renders_without_them(tmp_path):
    secret_css = tmp_path / "secret.css"
    secret_css.write_text('body::after { content: "LEAKED-FROM-FILE"; }', encoding="utf-8")
    html = f"""<!doctype html><html lang="en"><head><title>t</title>
      <link rel="stylesheet" href="{secret_css.as_uri()}">
      <link rel="stylesheet" href="data:text/css,body::before%7Bcontent:%22LEAKED-FROM-DATA%22%7D">
      <style>@import url("{secret_css.as_uri()}");</style>
      </head><body><p>Visible text</p><img src="file:///etc/passwd" alt="">
      <img src="http://127.0.0.1:9/x.png" alt=""></body></html>"""

    text = pdf_text(read_pdf(render_pdf(html)))

    assert "Visible text" in text
    assert "LEAKED" not in text
