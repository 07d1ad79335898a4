"""The Dutch catalogue is complete: every text translated, placeholders intact, nothing left out.

The third check extracts the texts afresh from code and templates, so a new English text
without a Dutch translation fails here until ``make extract`` has run and it is translated.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO_FILE = ROOT / "coachkit" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"

# A %-placeholder as Python formats it: %(name)s, %(n)d, %s, %.1f ... ("%%" is a literal percent sign).
PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0+\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<type>[diouxXeEfFgGcrsa%])")


def placeholders(text: str) -> set[str]:
    return {m.group(0) for m in PLACEHOLDER.finditer(text) if m.group("type") != "%"}


def read_catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f, locale="nl")


def messages(catalog):
    return [m for m in catalog if m.id]


def key(message) -> tuple:
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return (message.context, msgid)


def label(message) -> str:
    msgid = key(message)[1]
    return f"{message.context}|{msgid}" if message.context else msgid


@pytest.fixture(scope="module")
def catalog():
    return read_catalog(PO_FILE)


def test_catalogue_has_messages(catalog):
    assert len(messages(catalog)) > 100


def test_every_message_has_a_dutch_translation_and_no_fuzzy_flag(catalog):
    untranslated, fuzzy = [], []
    for m in messages(catalog):
        forms = m.string if isinstance(m.string, tuple | list) else (m.string,)
        if m.pluralizable and len(forms) != catalog.num_plurals:
            untranslated.append(label(m))
        elif not all(form and form.strip() for form in forms):
            untranslated.append(label(m))
        if m.fuzzy:
            fuzzy.append(label(m))
    problems = [f"untranslated: {msgid}" for msgid in untranslated] + [f"fuzzy: {msgid}" for msgid in fuzzy]
    assert not problems, "\n".join(problems)


def test_translations_keep_the_placeholders_of_their_msgid(catalog):
    wrong = []
    for m in messages(catalog):
        if m.pluralizable:
            singular, plural = m.id[0], m.id[1]
            # Form 0 is the singular, every other form a plural (Dutch: nplurals=2).
            pairs = [(singular if i == 0 else plural, form) for i, form in enumerate(m.string)]
        else:
            pairs = [(m.id, m.string)]
        for source, translation in pairs:
            if translation and placeholders(source) != placeholders(translation):
                wrong.append(
                    f"{source!r} -> {translation!r}: "
                    f"expected {sorted(placeholders(source))}, found {sorted(placeholders(translation))}"
                )
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def _pybabel_command() -> list[str]:
    script = Path(sys.executable).with_name("pybabel")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "babel.messages.frontend"]


def test_catalogue_covers_a_fresh_extraction(catalog, tmp_path):
    pot = tmp_path / "fresh.pot"
    result = subprocess.run(
        [
            *_pybabel_command(),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"pybabel extract failed:\n{result.stdout}\n{result.stderr}"
    fresh = read_catalog(pot)
    assert messages(fresh), "the fresh extraction found no texts"

    known = {key(m) for m in messages(catalog)}
    missing = sorted((label(m) for m in messages(fresh) if key(m) not in known), key=str.lower)
    assert not missing, (
        f"{len(missing)} text(s) in code or templates are not in {PO_FILE.relative_to(ROOT)}; "
        "run `make extract` and translate them:\n" + "\n".join(missing)
    )
