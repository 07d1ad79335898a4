from flask import Blueprint

bp = Blueprint("deals", __name__)

from coachkit.deals import routes  # noqa: E402,F401
