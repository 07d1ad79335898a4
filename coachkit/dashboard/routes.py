from flask import render_template
from flask_login import current_user

from assessments.instruments import get_instrument
from coachkit import services
from coachkit.dashboard import bp
from coachkit.maturity.forms import ConfirmForm


@bp.route("/")
def index():
    """Home: a welcome for visitors, the user's next steps once logged in."""
    if not current_user.is_authenticated:
        instrument = get_instrument(services.DEFAULT_INSTRUMENT)
        statements = sum(len(area.statements) for area in instrument.areas)
        # About 20 seconds per statement, rounded to whole minutes.
        return render_template("dashboard/welcome.html", statements=statements, minutes=max(1, round(statements / 3)))
    open_one = services.open_assessment(current_user)
    done = services.submitted_assessments(current_user)
    latest = done[-1] if done else None
    return render_template(
        "dashboard/index.html",
        open_one=open_one,
        latest=latest,
        count=len(done),
        start_form=ConfirmForm(),
    )
