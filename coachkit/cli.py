import json
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask

from coachkit.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(demo)
    app.cli.add_command(instrument)
    app.cli.add_command(report)
    app.cli.add_command(import_deals)
    app.cli.add_command(import_teams)


@click.command("create-admin")
@click.option("--email", prompt=True, help="Email address of the administrator.")
@click.option("--name", default="Administrator", show_default=True)
@click.password_option(help="Password (at least 8 characters); asked when not given.")
def create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator account, or make an existing account an administrator."""
    from coachkit import passwords
    from coachkit.models import User

    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter("not an email address", param_hint="--email")
    if len(password) < passwords.MIN_LENGTH:
        raise click.BadParameter(f"use at least {passwords.MIN_LENGTH} characters", param_hint="--password")
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, language="en")
        db.session.add(user)
    existed = user.id is not None
    user.role = "admin"
    user.active = True
    user.password_hash = passwords.hash_password(password)
    if existed:
        user.end_sessions()
    db.session.commit()
    if existed:
        click.echo(f"Existing account {email} is now an administrator; its password was replaced.")
    else:
        click.echo(f"Administrator ready: {email}")


@click.command("demo")
def demo() -> None:
    """Load demo accounts and data (safe to run more than once) and print the demo logins."""
    from coachkit.demo import load_demo

    logins = load_demo()
    click.echo("Demo logins:")
    for login in logins:
        click.echo(f"  {login.role:<8} {login.email:<28} password: {login.password}  ({login.name}, {login.language})")


@click.group("instrument")
def instrument() -> None:
    """Check and export instrument files."""


@instrument.command("check")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def instrument_check(path: Path) -> None:
    """Validate an instrument file and report the first problem, naming the file."""
    from assessments.errors import InstrumentError
    from assessments.instruments import load_instrument

    try:
        loaded = load_instrument(path)
    except InstrumentError as exc:
        click.echo(f"invalid: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"invalid: {path}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    statements = sum(len(a.statements) for a in loaded.areas)
    click.echo(f"ok: {path}: {loaded.name} v{loaded.version}, {len(loaded.areas)} areas, {statements} statements")


@instrument.command("export")
@click.argument("name")
@click.option("--version", "version", type=int, default=None, help="Instrument version (default: newest).")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
def instrument_export(name: str, version: int | None, fmt: str) -> None:
    """Print an instrument with its maturity model."""
    from assessments.instruments import get_instrument

    try:
        loaded = get_instrument(name, version)
    except LookupError as exc:
        click.echo(f"unknown instrument: {exc}", err=True)
        sys.exit(1)
    click.echo(json.dumps(loaded.to_dict(), ensure_ascii=False, indent=2))


@click.group("report")
def report() -> None:
    """Render reports to PDF files."""


@report.command("development")
@click.option("--user", "email", required=True, help="Email address of the report's owner.")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["nl", "en"]), default=None, help="Default: the user's language.")
def report_development(email: str, output: Path, lang: str | None) -> None:
    """Render the development report of a user's latest submitted assessment."""
    from flask import current_app

    from coachkit import services
    from coachkit.models import User
    from coachkit.reports.rendering import development_report_pdf

    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        click.echo(f"no user with email {email}", err=True)
        sys.exit(1)
    done = services.submitted_assessments(user)
    if not done:
        click.echo(f"{email} has no submitted assessment yet", err=True)
        sys.exit(1)
    with current_app.test_request_context():
        pdf = development_report_pdf(done[-1], lang or user.language)
    output.write_bytes(pdf)
    click.echo(f"wrote {output} ({len(pdf):,} bytes)")


@report.command("cohort")
@click.option("--session", "session_id", required=True, type=int, help="Id of the trainer session (cohort).")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["nl", "en"]), default=None, help="Default: the session's language.")
def report_cohort(session_id: int, output: Path, lang: str | None) -> None:
    """Render the cohort report of a trainer session."""
    from flask import current_app

    from coachkit.cohorts.reporting import cohort_report_pdf
    from coachkit.models import Cohort

    cohort = db.session.get(Cohort, session_id)
    if cohort is None:
        click.echo(f"no session with id {session_id}", err=True)
        sys.exit(1)
    with current_app.test_request_context():
        pdf = cohort_report_pdf(cohort, lang or cohort.language)
    output.write_bytes(pdf)
    click.echo(f"wrote {output} ({len(pdf):,} bytes)")


@report.command("agenda")
@click.option("--meeting", "meeting_id", required=True, type=int, help="Id of the one-on-one (see its page's address).")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["nl", "en"]), default=None, help="Default: the manager's language.")
@click.option("--private", is_flag=True, help="Include the manager's private notes.")
def report_agenda(meeting_id: int, output: Path, lang: str | None, private: bool) -> None:
    """Render a one-on-one's coaching plan and full agenda."""
    from flask import current_app

    from coachkit.coaching.reporting import agenda_pdf
    from coachkit.models import Meeting

    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        click.echo(f"no one-on-one with id {meeting_id}", err=True)
        sys.exit(1)
    with current_app.test_request_context():
        pdf = agenda_pdf(meeting, lang or meeting.manager.language, include_private=private)
    output.write_bytes(pdf)
    click.echo(f"wrote {output} ({len(pdf):,} bytes)")


@click.command("import-deals")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--manager", "email", required=True, help="Email address of the manager whose pipeline this is.")
@click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing.")
@click.option("--create-reps", is_flag=True, help="Add reps named in the file who are not in the team yet.")
@click.option(
    "--mapping",
    "mapping_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSON file mapping fields to column headers, e.g. {"external_id": "Opportunity ID"}.',
)
@click.option(
    "--key",
    type=click.Choice(["external_id", "title,account", "title,account,created"]),
    default="external_id",
    show_default=True,
    help="What matches a row to a deal imported before.",
)
@click.option(
    "--lang",
    type=click.Choice(["nl", "en"]),
    default="en",
    show_default=True,
    help="Language of the report and default number/date order for undecided columns.",
)
def import_deals(
    file: Path, email: str, dry_run: bool, create_reps: bool, mapping_path: Path | None, key: str, lang: str
) -> None:
    """Import deals from a CRM export (CSV or XLSX), completely or not at all.

    Exits with status 1 when nothing can be imported.
    """
    from coachkit import deal_services as ds
    from coachkit.crm_import import CrmImportError
    from coachkit.crm_import import load_mapping
    from coachkit.models import User

    manager = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if manager is None:
        click.echo(f"no user with email {email}", err=True)
        sys.exit(1)
    try:
        mapping = load_mapping(mapping_path) if mapping_path else None
        _table, analysis = ds.read_deal_file(
            file.read_bytes(),
            file.name,
            mapping=mapping,
            key=tuple(key.split(",")) if "," in key else key,
            currency=manager.currency,
            lang=lang,
        )
    except CrmImportError as exc:
        click.echo(f"cannot import {file}: {exc.message(lang)}", err=True)
        sys.exit(1)
    for notice in analysis.notices:
        click.echo(f"note: {notice.message(lang)}")
    if dry_run:
        plan = ds.plan_import(manager, analysis, create_reps=create_reps, lang=lang)
    else:
        plan = ds.apply_import(manager, analysis, create_reps=create_reps, lang=lang)
    s = plan.summary()
    for row in plan.rows:
        if row.action == "rejected":
            click.echo(f"row {row.row_number}: rejected: {'; '.join(row.reasons)}")
    outcome = "dry run, nothing changed" if dry_run else ("applied" if plan.importable else "nothing changed")
    click.echo(
        f"{file.name}: {s['create']} created, {s['update']} updated, {s['unchanged']} unchanged, "
        f"{s['rejected']} rejected, {s['new_reps']} new reps ({outcome})"
    )
    if not plan.importable:
        click.echo("nothing was imported: an import applies completely or not at all", err=True)
        sys.exit(1)


@click.command("import-teams")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--organisation", required=True, help="Name of the organisation.")
@click.option("--email-domain", default=None, help="Makes addresses for managers without an email column.")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True, help="For the invitation links.")
def import_teams(file: Path, organisation: str, email_domain: str | None, base_url: str) -> None:
    """Import teams (rep to manager), invite new managers and print their one-time links."""
    from flask import url_for

    from coachkit.crm_import import CrmImportError
    from coachkit.team_import import TeamImportError
    from coachkit.team_import import apply_team_import
    from coachkit.team_import import cli_message
    from coachkit.team_import import plan_team_import

    try:
        plan = plan_team_import(file.read_bytes(), file.name, email_domain=email_domain)
    except (CrmImportError, TeamImportError) as exc:
        click.echo(f"cannot import {file}: {exc}", err=True)
        sys.exit(1)
    for number, key in plan.errors:
        click.echo(f"row {number}: rejected: {cli_message(key)}")
    if not plan.importable:
        click.echo("nothing was imported", err=True)
        sys.exit(1)
    invitations = apply_team_import(plan, organisation)
    click.echo(f"{organisation}: {len(plan.managers)} managers, {plan.rep_count} new reps")
    from flask import current_app

    with current_app.test_request_context(base_url=base_url):
        for inv in invitations:
            click.echo(
                f"  invite {inv.name} <{inv.email}>: {url_for('auth.reset_password', token=inv.token, _external=True)}"
            )
