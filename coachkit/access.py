"""Look-ups that enforce ownership: anything not the current user's is a 404, never a 403."""

from flask import abort
from flask_login import current_user

from coachkit.extensions import db
from coachkit.models import Assessment
from coachkit.models import PlanAction
from coachkit.models import PlanGoal


def own_assessment(assessment_id: int) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or assessment.user_id != current_user.id:
        abort(404)
    return assessment


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
