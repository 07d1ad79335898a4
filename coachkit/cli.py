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
    user.role = "admin"
    user.active = True
    user.password_hash = passwords.hash_password(password)
    db.session.commit()
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
