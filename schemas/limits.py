"""The bounds the standard puts on values, shared by every reader (JSON, CSV, XLSX, form).

A count or number above MAX_COUNT, text holding a control character or half of a UTF-16
surrogate pair, and a code list longer than its coding frame are refused with a message
naming the field, whichever way the return arrives.
"""

from __future__ import annotations

import math
import re

MAX_COUNT = 2**31 - 1
"""The largest count or number accepted: what a 32-bit integer column holds.

National sums over every college stay far inside 64-bit integers and floats.
"""

_MAX_DIGITS = len(str(MAX_COUNT)) + 1
_FORBIDDEN_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def read_whole_number(digits: str) -> int | float:
    """Read an optionally signed run of digits; one too long for any count reads as ±infinity.

    Python refuses to convert integers of more than 4,300 digits (and converting long
    ones costs quadratic time), so a number far beyond MAX_COUNT is never converted: it
    becomes infinity, which the field then refuses as too large.
    """
    if len(digits.lstrip("+-")) > _MAX_DIGITS:
        return -math.inf if digits.startswith("-") else math.inf
    return int(digits)


def forbidden_character(text: str) -> str | None:
    """Describe the first character no text field may hold (control, lone surrogate), if any.

    Tab, line feed and carriage return are allowed.
    """
    found = _FORBIDDEN_CHARACTER.search(text)
    if found is None:
        return None
    return f"U+{ord(found.group()):04X} at position {found.start() + 1}"


def has_lone_surrogate(text: str) -> bool:
    """Tell whether text holds half of a UTF-16 surrogate pair (it cannot be stored as UTF-8)."""
    return _LONE_SURROGATE.search(text) is not None
