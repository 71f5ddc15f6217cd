"""How an indicator's figures read in words: the pages and the Feedback Report share these."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from babel import Locale, dates

from schemas.indicators import BY_CODE

# One way of writing a date, on every page and in the Feedback Report, spelled out in the
# reader's language.
DATE_FORMAT = "d MMMM y"
DATETIME_FORMAT = "d MMMM y, HH:mm 'UTC'"

# How words reach a reader: flask-babel's gettext on the pages (the English text is the
# message id), `english` where no translation applies (the PDF report, pipelines, tests).
Translate = Callable[..., str]


def N_(text: str) -> str:
    """Mark a word for the message catalogue; it is translated where it is drawn."""
    return text


def english(text: str, **variables) -> str:
    """The English text itself, its %(name)s placeholders filled (gettext's English twin)."""
    return text % variables if variables else text


def long_date(value: date | datetime | None, locale: Locale | str = "en") -> str:
    """A date in the registry's one format ("5 December 2026"); a dash when missing."""
    return "–" if value is None else dates.format_date(value, DATE_FORMAT, locale=locale)


def long_datetime(value: datetime | None, locale: Locale | str = "en") -> str:
    """A moment (always UTC in the registry) in the one format; a dash when missing."""
    if value is None:
        return "–"
    return dates.format_datetime(value, DATETIME_FORMAT, tzinfo=UTC, locale=locale)


def as_shown(value: float, code: str) -> float:
    """The value rounded as `indicator_value` shows it (so changes add up on the page)."""
    if BY_CODE[code].kind == "proportion":
        return round(100 * value, 1) / 100
    return round(value, 2)


def indicator_value(value: float | None, code: str) -> str:
    """A value as the indicator reads: percentages for proportions, two decimals otherwise."""
    if value is None:
        return "–"
    if BY_CODE[code].kind == "proportion":
        return f"{100 * value:.1f} %"
    return f"{value:.2f}"


def indicator_change(value: float | None, code: str) -> str:
    """A change between periods: percentage points for proportions, signed figures otherwise;
    'no change' when it rounds to zero at the precision shown."""
    if value is None:
        return "–"
    if BY_CODE[code].kind == "proportion":
        points = round(100 * value, 1)
        return f"{points:+.1f} percentage points" if points else "no change"
    rounded = round(value, 2)
    return f"{rounded:+.2f}" if rounded else "no change"
