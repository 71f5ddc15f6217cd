"""Cell values of the record files: parsing, checking and safe display."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from registry_toolkit.privacy import identifier_kind

YES_NO: dict[str, bool] = {
    "yes": True, "y": True, "true": True, "1": True,
    "no": False, "n": False, "false": False, "0": False,
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WHOLE = re.compile(r"\d+")
_DECIMAL = re.compile(r"\d+(?:\.\d+)?|\.\d+")

Parser = Callable[[str], object]


class CellError(ValueError):
    """A cell holds a value its column does not allow."""


def shown(text: str) -> str:
    """Quote a cell for a message, hiding anything that looks like a personal identifier."""
    kind = identifier_kind(text)
    if kind:
        return f"a value that looks like {kind}"
    return repr(text if len(text) <= 40 else text[:37] + "...")


def yes_no(text: str) -> bool:
    """Read yes/no (also y/n, true/false, 1/0, any case)."""
    try:
        return YES_NO[text.strip().lower()]
    except KeyError:
        raise CellError(f"{shown(text)} is not yes or no") from None


def iso_date(text: str) -> date:
    """Read a calendar date written YYYY-MM-DD."""
    text = text.strip()
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise CellError(f"{shown(text)} is not a date: write YYYY-MM-DD, e.g. 2025-03-15")


def whole_number(text: str) -> int:
    """Read a whole number of 0 or more."""
    text = text.strip()
    if _WHOLE.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text) and float(text).is_integer():
        return int(float(text))
    raise CellError(f"{shown(text)} is not a whole number of 0 or more")


def decimal(text: str) -> float:
    """Read a number of 0 or more; decimals allowed."""
    text = text.strip()
    if _DECIMAL.fullmatch(text):
        return float(text)
    raise CellError(f"{shown(text)} is not a number of 0 or more")


def likert(text: str) -> int:
    """Read a satisfaction rating from 1 to 5."""
    text = text.strip()
    if text in ("1", "2", "3", "4", "5"):
        return int(text)
    if _DECIMAL.fullmatch(text) and float(text) in (1.0, 2.0, 3.0, 4.0, 5.0):
        return int(float(text))
    raise CellError(f"{shown(text)} is not a rating from 1 to 5")


def one_of(allowed: tuple[str, ...], what: str) -> Parser:
    """Build a parser accepting one code from allowed (any case)."""

    def parse(text: str) -> str:
        """Return the code in lower case, or fail naming the allowed ones."""
        code = text.strip().lower()
        if code in allowed:
            return code
        raise CellError(f"unknown {what} {shown(text)} (allowed: {', '.join(allowed)})")

    return parse
