from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from coachkit.dashboard import routes  # noqa: E402,F401
