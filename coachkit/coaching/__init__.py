from flask import Blueprint

bp = Blueprint("coaching", __name__)

from coachkit.coaching import routes  # noqa: E402,F401
