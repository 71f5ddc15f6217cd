"""Languages of the pages: which one a request is answered in, the switch, and locale formats.

The language is, in order: the one the person chose with the language switch (kept in
the session), the best match of the browser's Accept-Language, then the first of the
LANGUAGES setting (English by default). Only the languages LANGUAGES enables are offered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from urllib.parse import urlsplit

from babel import Locale, numbers
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
)
from flask_babel import get_locale, gettext

from registry.indicators import formatting
from registry.indicators.strata import breakdown_label, stratum_label

bp = Blueprint("language", __name__)

SESSION_KEY = "language"
# Outside a request (a PDF rendered by a pipeline, a CLI command) text is in English.
FALLBACK_LANGUAGE = "en"


def N_(text: str) -> str:
    """Mark a string for the message catalogue; it is translated where it is shown."""
    return text


def enabled_languages() -> tuple[str, ...]:
    """The language codes this registry is configured to answer in, the default first."""
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    """The language of this request: the switch's choice, then Accept-Language, then default."""
    languages = enabled_languages()
    if not has_request_context():
        return FALLBACK_LANGUAGE if FALLBACK_LANGUAGE in languages else languages[0]
    chosen = session.get(SESSION_KEY)
    if chosen in languages:
        return chosen
    return _preferred(request.accept_languages, languages) or languages[0]


def _preferred(accepted: Iterable[tuple[str, float]], languages: tuple[str, ...]) -> str | None:
    """The enabled language the browser ranks highest, matching "ur-PK" to "ur".

    (Werkzeug's best_match takes an exact "en;q=0.5" over a preferred "ur-PK".)
    """
    primaries = (re.split(r"[-_]", tag, maxsplit=1)[0].lower() for tag, _quality in accepted)
    return next((code for code in primaries if code in languages), None)


@bp.post("/language")
def choose_language():
    """Remember the language a person picked and return them to the page they were on."""
    chosen = request.form.get("language", "")
    if chosen not in enabled_languages():
        abort(400, f"Choose one of: {', '.join(enabled_languages())}.")
    session[SESSION_KEY] = chosen
    return redirect(local_path(request.form.get("next")))


def local_path(target: str | None) -> str:
    """The target if it is a path on this site, else the front page (no open redirect)."""
    target = target or ""
    parts = urlsplit(target)
    # browsers read a backslash as a slash ("/\host" is "//host"), and our paths have none
    if parts.scheme or parts.netloc or not target.startswith("/") or \
            target.startswith("//") or "\\" in target:
        return "/"
    return target


def language_context() -> dict:
    """What the base layout needs: the page's language, its direction, the other choices."""
    locale = get_locale()
    current = str(locale)
    return {
        "page_language": current,
        "page_direction": locale.text_direction,
        "language_choices": [(code, Locale.parse(code).display_name)
                             for code in enabled_languages() if code != current],
    }


def number(value: float | int | None, decimals: int = 0) -> str:
    """A number written the reader's way (grouping, decimal sign), or a dash when missing."""
    if value is None:
        return "–"
    return left_to_right(_pattern(_digits(decimals)).apply(value, _locale()))


def signed(value: float | int | None, decimals: int = 0) -> str:
    """A change written with its sign (+1.5, -0.3), or a dash when missing."""
    if value is None:
        return "–"
    digits = _digits(decimals)
    return left_to_right(_pattern(f"+{digits};-{digits}").apply(value, _locale()))


def long_date(value: date | datetime | None) -> str:
    """A date in the registry's one format, in the reader's language."""
    return formatting.long_date(value, _locale())


def long_datetime(value: datetime | None) -> str:
    """A moment (always UTC in the registry) in the one format, in the reader's language."""
    return formatting.long_datetime(value, _locale())


def left_to_right(value: object) -> str:
    """Keep a code such as the period "2024-25" in its order inside right-to-left text.

    After Urdu letters the Unicode bidi algorithm turns "2024-25" into "25-2024"; the
    isolate marks (LRI … PDI, invisible) keep it whole. Left-to-right pages get it as is.
    """
    text = str(value)
    return f"\u2066{text}\u2069" if _locale().text_direction == "rtl" else text


@cache
def _pattern(pattern: str) -> numbers.NumberPattern:
    """A number pattern parsed once (Babel parses it anew on every format_decimal call)."""
    return numbers.parse_pattern(pattern)


def _digits(decimals: int) -> str:
    """A number pattern with grouping and exactly `decimals` decimals."""
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _locale() -> Locale:
    """The request's locale, or the fallback language's outside a request."""
    return get_locale() or Locale.parse(FALLBACK_LANGUAGE)


def stratum_text(code: str) -> str:
    """A benchmark group in the reader's language: 'National' or e.g. 'Medical · Punjab'."""
    return stratum_label(code, gettext)


def breakdown_text(breakdown: str) -> str:
    """A breakdown in the reader's language: 'national', 'by college type and sector'."""
    return breakdown_label(breakdown, gettext)


def register_languages(app: Flask) -> None:
    """Add the switch, the layout's language context and the locale-aware filters."""
    app.register_blueprint(bp)
    app.context_processor(language_context)
    # `translate` is for words that arrive as data (a province, a release kind): unlike
    # `_()`, whose result Jinja trusts as markup, it returns text that is escaped.
    app.jinja_env.filters.update(number=number, signed=signed, date=long_date,
                                 datetime=long_datetime, translate=gettext,
                                 ltr=left_to_right)
