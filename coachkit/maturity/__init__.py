from flask import Blueprint

bp = Blueprint("maturity", __name__)

from coachkit.maturity import routes  # noqa: E402,F401
