"""Import an organisation's teams (rep to manager) from a CSV or XLSX file.

Managers who have no account yet are invited: they get an account without a
password and a one-time link to choose one. The import applies completely or
not at all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

import sqlalchemy as sa

from coachkit import passwords
from coachkit.crm_import import normalise_header
from coachkit.crm_import import read_table
from coachkit.deal_services import rep_key
from coachkit.extensions import db
from coachkit.models import Organisation
from coachkit.models import Rep
from coachkit.models import User
from coachkit.models import utcnow

INVITATION_DAYS = 14
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

COLUMN_ALIASES = {
    "rep": (
        "sales agent",
        "rep",
        "sales rep",
        "salesperson",
        "verkoper",
        "account manager",
        "accountmanager",
        "medewerker",
        "name",
        "naam",
    ),
    "manager": ("manager", "sales manager", "team manager", "teamleider", "teamlead", "leidinggevende"),
    "manager_email": ("manager email", "manager e mail", "e mail manager", "email manager"),
    "rep_email": ("rep email", "email", "e mail", "sales agent email", "verkoper email", "e mail verkoper"),
    "team": ("regional office", "region", "team", "regio", "office", "kantoor"),
}


# Plain English texts of the message keys, for the command line (the web pages translate their own).
CLI_MESSAGES = {
    "team.columns_missing": "This file has no column for the rep and one for the manager. Columns found: {headers}.",
    "team.row_incomplete": "The rep or the manager is empty.",
    "team.manager_email_missing": "The manager has no email address; give --email-domain to make one.",
    "team.manager_email_invalid": "The manager's email address is not valid.",
    "team.not_importable": "Nothing was imported: fix the rows listed first.",
}


def cli_message(key: str, params: dict | None = None) -> str:
    return CLI_MESSAGES.get(key, key).format(**(params or {}))


class TeamImportError(ValueError):
    """The file cannot be a team list; ``key`` is a message key for the view."""

    def __init__(self, key: str, **params):
        self.key = key
        self.params = params
        super().__init__(cli_message(key, params))


@dataclass
class PlannedManager:
    name: str
    email: str
    exists: bool
    reps: list[str] = field(default_factory=list)
    new_reps: list[str] = field(default_factory=list)


@dataclass
class TeamPlan:
    managers: list[PlannedManager]
    errors: list[tuple[int, str]]  # (row number, message key)
    columns: dict[str, str]

    @property
    def importable(self) -> bool:
        return not self.errors and bool(self.managers)

    @property
    def rep_count(self) -> int:
        return sum(len(m.new_reps) for m in self.managers)


def _columns(headers: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    normalised = {normalise_header(h): h for h in headers if h}
    for target, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            header = normalised.get(normalise_header(alias))
            if header and header not in found.values():
                found[target] = header
                break
    return found


def email_for(name: str, domain: str) -> str:
    """``first.last@domain`` from a name, with accents dropped (José Núñez → jose.nunez)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    local = re.sub(r"[^a-z0-9]+", ".", plain.casefold()).strip(".")
    return f"{local}@{domain.lower()}"


def plan_team_import(data: bytes, filename: str, *, email_domain: str | None) -> TeamPlan:
    """Read a team file and decide which managers to invite and which reps to create; changes nothing."""
    table = read_table(data, filename, require_deals=False)
    columns = _columns(table.headers)
    if "rep" not in columns or "manager" not in columns:
        raise TeamImportError("team.columns_missing", headers=", ".join(table.headers))
    index = {target: table.headers.index(header) for target, header in columns.items()}
    managers: dict[str, PlannedManager] = {}
    errors: list[tuple[int, str]] = []
    for row, number in zip(table.rows, table.row_numbers, strict=True):
        rep = re.sub(r"\s+", " ", row[index["rep"]]).strip()
        manager = re.sub(r"\s+", " ", row[index["manager"]]).strip()
        email = row[index["manager_email"]].strip().lower() if "manager_email" in index else ""
        if not rep or not manager:
            errors.append((number, "team.row_incomplete"))
            continue
        if not email:
            if not email_domain:
                errors.append((number, "team.manager_email_missing"))
                continue
            email = email_for(manager, email_domain)
        if not EMAIL_RE.match(email):
            errors.append((number, "team.manager_email_invalid"))
            continue
        planned = managers.get(email)
        if planned is None:
            planned = managers[email] = PlannedManager(name=manager, email=email, exists=False)
        if rep_key(rep) not in {rep_key(r) for r in planned.reps}:
            planned.reps.append(rep)
    existing_users = (
        {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(list(managers))))}
        if managers
        else {}
    )
    for email, planned in managers.items():
        user = existing_users.get(email)
        planned.exists = user is not None
        known = set()
        if user is not None:
            known = set(db.session.scalars(sa.select(Rep.name_key).where(Rep.manager_id == user.id)))
        planned.new_reps = [r for r in planned.reps if rep_key(r) not in known]
    return TeamPlan(managers=sorted(managers.values(), key=lambda m: m.name), errors=errors, columns=columns)


@dataclass(frozen=True)
class Invitation:
    name: str
    email: str
    token: str


def apply_team_import(plan: TeamPlan, organisation_name: str) -> list[Invitation]:
    """Create the organisation, invite new managers and add the reps, all in one transaction.

    :return: the invitations (one-time tokens) for managers who had no account.
    """
    if not plan.importable:
        raise TeamImportError("team.not_importable")
    invitations: list[Invitation] = []
    try:
        organisation = db.session.scalar(sa.select(Organisation).where(Organisation.name == organisation_name))
        if organisation is None:
            organisation = Organisation(name=organisation_name)
            db.session.add(organisation)
            db.session.flush()
        for planned in plan.managers:
            user = db.session.scalar(sa.select(User).where(User.email == planned.email))
            if user is None:
                token, digest = passwords.new_token()
                user = User(
                    email=planned.email,
                    name=planned.name,
                    role="manager",
                    language="nl",
                    password_hash=None,
                    reset_token_hash=digest,
                    reset_expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
                )
                db.session.add(user)
                db.session.flush()
                invitations.append(Invitation(planned.name, planned.email, token))
            if user.organisation_id is None:
                user.organisation_id = organisation.id
            user.pipeline_version = (user.pipeline_version or 0) + 1
            known = set(db.session.scalars(sa.select(Rep.name_key).where(Rep.manager_id == user.id)))
            for name in planned.reps:
                if rep_key(name) not in known:
                    db.session.add(Rep(manager_id=user.id, name=name, name_key=rep_key(name)))
                    known.add(rep_key(name))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return invitations
