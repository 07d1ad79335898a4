from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from assessments.errors import AnswerError
from coachkit import services
from coachkit.access import own_action
from coachkit.access import own_assessment
from coachkit.access import own_goal
from coachkit.i18n import current_language
from coachkit.maturity import bp
from coachkit.maturity.forms import ActionForm
from coachkit.maturity.forms import ConfirmForm
from coachkit.maturity.forms import DeleteForm
from coachkit.maturity.forms import GoalEditForm
from coachkit.maturity.forms import GoalForm
from coachkit.maturity.forms import answers_from
from coachkit.maturity.forms import field_name
from coachkit.maturity.forms import page_form
from coachkit.maturity.forms import unexpected_fields
from coachkit.models import Assessment
from coachkit.reports.context import development_context

PLAN_ERRORS = {
    "too_many_areas": lambda: _("A development plan focuses on at most 3 areas. Add this goal to one of them."),
    "unknown_area": lambda: _("Choose one of the four areas."),
}


def first_unfinished_page(assessment: Assessment) -> int | None:
    answered = set(assessment.answer_map())
    for number, area in enumerate(services.instrument_of(assessment).areas, start=1):
        if any(s.id not in answered for s in area.statements):
            return number
    return None


def page_context(assessment: Assessment, number: int, form, message: str | None = None) -> dict:
    instrument = services.instrument_of(assessment)
    area = instrument.areas[number - 1]
    answered = len(assessment.answer_map())
    total = sum(len(a.statements) for a in instrument.areas)
    return {
        "assessment": assessment,
        "instrument": instrument,
        "area": area,
        "lang": current_language(),
        "number": number,
        "pages": len(instrument.areas),
        "answered": answered,
        "total": total,
        "form": form,
        "message": message,
        "field_name": field_name,
    }


def render_page(assessment: Assessment, number: int, form, message: str | None = None, status: int = 200):
    return render_template("maturity/page.html", **page_context(assessment, number, form, message)), status


@bp.route("/")
@login_required
def index():
    """The user's assessments: the open one to resume and the submitted ones."""
    open_one = services.open_assessment(current_user)
    done = services.submitted_assessments(current_user)
    return render_template("maturity/index.html", open_one=open_one, done=list(reversed(done)))


@bp.route("/start", methods=["POST"])
@login_required
def start():
    """Start a new self-assessment, or resume the open one."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    assessment = services.start_assessment(current_user)
    return redirect(url_for("maturity.resume", assessment_id=assessment.id))


@bp.route("/<int:assessment_id>")
@login_required
def resume(assessment_id: int):
    """Continue where the user left off: the first page with unanswered statements."""
    assessment = own_assessment(assessment_id)
    if assessment.submitted:
        return redirect(url_for("maturity.results", assessment_id=assessment.id))
    number = first_unfinished_page(assessment)
    if number is None:
        return redirect(url_for("maturity.review", assessment_id=assessment.id))
    return redirect(url_for("maturity.page", assessment_id=assessment.id, number=number))


@bp.route("/<int:assessment_id>/page/<int:number>", methods=["GET", "POST"])
@login_required
def page(assessment_id: int, number: int):
    """One questionnaire page (one area); Next, Previous and Save all store the answers."""
    assessment = own_assessment(assessment_id)
    instrument = services.instrument_of(assessment)
    if not 1 <= number <= len(instrument.areas):
        abort(404)
    if assessment.submitted:
        flash(_("These answers are submitted and can no longer be changed."), "info")
        return redirect(url_for("maturity.results", assessment_id=assessment.id))
    area = instrument.areas[number - 1]
    lang = current_language()

    if request.method == "GET":
        data = assessment.answer_map()
        carried = session.pop("carry", None)
        if carried:
            form = page_form(instrument, area, lang, require=False, formdata=_carried_formdata(carried, area))
            return render_page(
                assessment,
                number,
                form,
                _("Your answers from before the session ended are filled in again. Check them and save."),
            )
        return render_page(assessment, number, page_form(instrument, area, lang, require=False, data=data))

    action = request.form.get("action", "next")
    require = action in ("next", "review")
    form = page_form(instrument, area, lang, require=require, formdata=request.form)
    strangers = unexpected_fields(request.form, area)
    if strangers:
        return render_page(
            assessment,
            number,
            form,
            _("This page received answers it did not ask for. Nothing was saved; please answer again."),
            400,
        )
    valid = form.validate()
    if _has_bad_values(form) or _has_repeated_answers(request.form):
        return render_page(assessment, number, form, _("Some answers were not valid. Nothing was saved."), 400)
    try:
        services.save_answers(assessment, answers_from(form, area))
    except AnswerError:
        return render_page(assessment, number, form, _("Some answers were not valid. Nothing was saved."), 400)
    if action == "previous":
        target = max(1, number - 1)
        return redirect(url_for("maturity.page", assessment_id=assessment.id, number=target))
    if action == "save":
        flash(_("Your answers are saved. You can continue later where you left off."), "success")
        return redirect(url_for("maturity.index"))
    if not valid:
        return render_page(
            assessment, number, form, _("Your answers are saved. Please answer the statements marked below."), 400
        )
    if number < len(instrument.areas) and action == "next":
        return redirect(url_for("maturity.page", assessment_id=assessment.id, number=number + 1))
    return redirect(url_for("maturity.review", assessment_id=assessment.id))


def _has_repeated_answers(formdata) -> bool:
    """True when a statement got more than one value: a browser sends one per radio group, so it was tampered with."""
    return any(len(formdata.getlist(name)) > 1 for name in formdata if name.startswith("q_"))


def _has_bad_values(form) -> bool:
    """True when a field carries a value that is not one of its choices (as opposed to a blank)."""
    for field in form:
        if field.name.startswith("q_") and field.raw_data and field.raw_data[0] != "" and field.errors:
            return True
    return False


def _carried_formdata(carried: dict, area):
    from werkzeug.datastructures import MultiDict

    names = {field_name(s.id) for s in area.statements}
    return MultiDict({k: v for k, v in carried.items() if k in names})


def render_expired_page(message: str):
    """Re-show a questionnaire page with the posted answers after a CSRF failure."""
    assessment = own_assessment(request.view_args["assessment_id"])
    instrument = services.instrument_of(assessment)
    number = request.view_args["number"]
    if assessment.submitted or not 1 <= number <= len(instrument.areas):
        return redirect(url_for("maturity.resume", assessment_id=assessment.id))
    area = instrument.areas[number - 1]
    form = page_form(
        instrument, area, current_language(), require=False, formdata=_carried_formdata(request.form, area)
    )
    return render_page(assessment, number, form, message, 400)


@bp.route("/<int:assessment_id>/review", methods=["GET"])
@login_required
def review(assessment_id: int):
    """All answers on one page before the final submit."""
    assessment = own_assessment(assessment_id)
    if assessment.submitted:
        return redirect(url_for("maturity.results", assessment_id=assessment.id))
    instrument = services.instrument_of(assessment)
    answers = assessment.answer_map()
    missing = first_unfinished_page(assessment)
    return render_template(
        "maturity/review.html",
        assessment=assessment,
        instrument=instrument,
        answers=answers,
        lang=current_language(),
        missing_page=missing,
        scale={p.value: p.label for p in instrument.scale},
        form=ConfirmForm(),
    )


@bp.route("/<int:assessment_id>/submit", methods=["POST"])
@login_required
def submit(assessment_id: int):
    """Lock the answers and compute the results (idempotent)."""
    assessment = own_assessment(assessment_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if assessment.submitted:
        return redirect(url_for("maturity.results", assessment_id=assessment.id))
    missing = first_unfinished_page(assessment)
    if missing is not None:
        flash(_("Some statements are still unanswered. Answer them before you submit."), "error")
        return redirect(url_for("maturity.page", assessment_id=assessment.id, number=missing))
    services.submit_assessment(assessment)
    flash(_("Thank you. Your results are ready."), "success")
    return redirect(url_for("maturity.results", assessment_id=assessment.id))


@bp.route("/<int:assessment_id>/results")
@login_required
def results(assessment_id: int):
    """Scores, levels, radar chart, strengths, priorities and the development plan."""
    assessment = own_assessment(assessment_id)
    if not assessment.submitted:
        return redirect(url_for("maturity.resume", assessment_id=assessment.id))
    ctx = development_context(assessment, current_language())
    return render_template("maturity/results.html", assessment=assessment, r=ctx)


def _area_choices(assessment: Assessment, lang: str) -> list[tuple[str, str]]:
    return [(a.id, a.title.get(lang)) for a in services.instrument_of(assessment).areas]


@bp.route("/<int:assessment_id>/plan", methods=["GET", "POST"])
@login_required
def plan(assessment_id: int):
    """The development plan: 1 to 3 priority areas with goals and dated actions."""
    assessment = own_assessment(assessment_id)
    if not assessment.submitted:
        return redirect(url_for("maturity.resume", assessment_id=assessment.id))
    lang = current_language()
    form = GoalForm()
    form.area.choices = _area_choices(assessment, lang)
    if request.method == "GET":
        result = assessment.result or {}
        priorities = result.get("priorities") or []
        if priorities:
            form.area.data = priorities[0]
    if form.validate_on_submit():
        try:
            services.add_goal(assessment, form.area.data, form.goal.data, form.action.data, form.target_date.data)
        except services.PlanError as exc:
            form.area.errors.append(PLAN_ERRORS[str(exc)]())
        else:
            flash(_("Goal added to your development plan."), "success")
            return redirect(url_for("maturity.plan", assessment_id=assessment.id))
    ctx = development_context(assessment, lang)
    return render_template(
        "maturity/plan.html",
        assessment=assessment,
        r=ctx,
        form=form,
        goals=assessment.plan_goals,
        action_form=ActionForm(formdata=None),
        delete_form=DeleteForm(formdata=None),
        titles=dict(_area_choices(assessment, lang)),
    ), (400 if form.errors else 200)


@bp.route("/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@login_required
def edit_goal(goal_id: int):
    """Change a goal's text or area."""
    goal = own_goal(goal_id)
    form = GoalEditForm(obj=goal if request.method == "GET" else None)
    form.area.choices = _area_choices(goal.assessment, current_language())
    if request.method == "GET":
        form.area.data = goal.area_id
    if form.validate_on_submit():
        try:
            services.update_goal(goal, form.area.data, form.goal.data)
        except services.PlanError as exc:
            form.area.errors.append(PLAN_ERRORS[str(exc)]())
        else:
            flash(_("Goal saved."), "success")
            return redirect(url_for("maturity.plan", assessment_id=goal.assessment_id))
    return render_template("maturity/goal_edit.html", form=form, goal=goal), (400 if form.errors else 200)


@bp.route("/goals/<int:goal_id>/delete", methods=["POST"])
@login_required
def delete_goal(goal_id: int):
    """Remove a goal and its actions."""
    goal = own_goal(goal_id)
    assessment_id = goal.assessment_id
    if DeleteForm().validate_on_submit():
        services.delete_goal(goal)
        flash(_("Goal removed."), "info")
    return redirect(url_for("maturity.plan", assessment_id=assessment_id))


@bp.route("/goals/<int:goal_id>/actions", methods=["POST"])
@login_required
def add_action(goal_id: int):
    """Add an action with a target date to a goal."""
    goal = own_goal(goal_id)
    form = ActionForm()
    if form.validate_on_submit():
        services.add_action(goal, form.description.data, form.target_date.data)
        flash(_("Action added."), "success")
        return redirect(url_for("maturity.plan", assessment_id=goal.assessment_id) + f"#goal-{goal.id}")
    return render_template("maturity/action_edit.html", form=form, goal=goal, action=None), 400


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@login_required
def edit_action(action_id: int):
    """Change an action, its target date, or mark it done."""
    action = own_action(action_id)
    form = ActionForm(obj=action if request.method == "GET" else None)
    if form.validate_on_submit():
        services.update_action(action, form.description.data, form.target_date.data, form.done.data)
        flash(_("Action saved."), "success")
        return redirect(url_for("maturity.plan", assessment_id=action.goal.assessment_id))
    return render_template("maturity/action_edit.html", form=form, goal=action.goal, action=action), (
        400 if form.errors else 200
    )


@bp.route("/actions/<int:action_id>/delete", methods=["POST"])
@login_required
def delete_action(action_id: int):
    """Remove an action."""
    action = own_action(action_id)
    assessment_id = action.goal.assessment_id
    if DeleteForm().validate_on_submit():
        services.delete_action(action)
        flash(_("Action removed."), "info")
    return redirect(url_for("maturity.plan", assessment_id=assessment_id))
