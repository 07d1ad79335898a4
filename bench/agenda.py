"""One-on-one figure: the agenda PDF of the demo one-on-one, rendered as the download route does."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench import Env
    from bench import Operation


def agenda_pdf(env: Env) -> Operation:
    """Render the demo manager's next planned one-on-one (coaching plan and full agenda) to PDF bytes."""
    import sqlalchemy as sa

    from bench import BenchError
    from bench import _user_by_email
    from coachkit.coaching.reporting import agenda_pdf as render
    from coachkit.extensions import db
    from coachkit.models import Meeting

    with env.app.app_context():
        user = _user_by_email(env.demo_manager_email)
        meeting_id = db.session.scalar(
            sa.select(Meeting.id)
            .where(Meeting.manager_id == user.id, Meeting.status == "planned")
            .order_by(Meeting.scheduled_at)
            .limit(1)
        )
        lang = user.language
        db.session.remove()
    if meeting_id is None:
        raise BenchError("the demo data has no planned one-on-one")

    def operation() -> bytes:
        with env.app.test_request_context():
            pdf = render(db.session.get(Meeting, meeting_id), lang)
            db.session.remove()
        if not pdf.startswith(b"%PDF-"):
            raise RuntimeError("the agenda renderer did not return a PDF")
        return pdf

    return operation
