from flask import render_template
from flask_login import current_user

from coachkit import services
from coachkit.dashboard import bp
from coachkit.maturity.forms import ConfirmForm


@bp.route("/")
def index():
    """Home: a welcome for visitors, the user's next steps once logged in."""
    if not current_user.is_authenticated:
        return render_template("dashboard/welcome.html")
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
