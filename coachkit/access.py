"""Look-ups that enforce ownership: anything not the current user's is a 404, never a 403."""

from flask import abort
from flask_login import current_user

from coachkit.extensions import db
from coachkit.models import Assessment
from coachkit.models import PlanAction
from coachkit.models import PlanGoal
from coachkit.models import Rep


def owned(model, object_id: int, owner_column: str = "manager_id"):
    """The row of ``model`` with this id when the current user owns it; a 404 otherwise."""
    row = db.session.get(model, object_id)
    if row is None or getattr(row, owner_column) != current_user.id:
        abort(404)
    return row


def own_rep(rep_id: int) -> Rep:
    return owned(Rep, rep_id)


def own_assessment(assessment_id: int) -> Assessment:
    return owned(Assessment, assessment_id, "user_id")


def own_goal(goal_id: int) -> PlanGoal:
    goal = db.session.get(PlanGoal, goal_id)
    if goal is None or goal.assessment.user_id != current_user.id:
        abort(404)
    return goal


def own_action(action_id: int) -> PlanAction:
    action = db.session.get(PlanAction, action_id)
    if action is None or action.goal.assessment.user_id != current_user.id:
        abort(404)
    return action
