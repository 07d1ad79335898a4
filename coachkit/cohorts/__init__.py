from flask import Blueprint

bp = Blueprint("cohorts", __name__)

from coachkit.cohorts import routes  # noqa: E402,F401
