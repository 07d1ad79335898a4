from datetime import date
from datetime import datetime
from decimal import Decimal

from flask import Flask
from flask import current_app
from flask import request
from flask import session
from flask_babel import format_currency
from flask_babel import format_date
from flask_babel import format_datetime
from flask_babel import format_decimal
from flask_babel import format_percent
from flask_babel import get_locale
from flask_login import current_user


def supported() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """The signed-in user's language, else the visitor's choice, else the browser's."""
    if current_user and current_user.is_authenticated and current_user.language in supported():
        return current_user.language
    chosen = session.get("lang")
    if chosen in supported():
        return chosen
    return request.accept_languages.best_match(supported()) or supported()[0]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def current_language() -> str:
    return str(get_locale() or supported()[0])


def money(value: Decimal | float | int | None, currency: str = "EUR") -> str:
    if value is None:
        return ""
    return format_currency(value, currency)


def number(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    fmt = "#,##0" if digits == 0 else "#,##0." + "0" * digits
    return format_decimal(value, format=fmt)


def percent(value: float | None, digits: int = 0) -> str:
    """Format a 0–100 percentage in the user's language."""
    if value is None:
        return "–"
    fmt = "#,##0%" if digits == 0 else "#,##0." + "0" * digits + "%"
    return format_percent(value / 100, format=fmt)


def day(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_date(value, fmt)


def moment(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value, fmt)


def register_template_filters(app: Flask) -> None:
    app.jinja_env.filters.update(money=money, number=number, percent=percent, day=day, moment=moment)
    app.jinja_env.globals.update(current_language=current_language)
