"""Spotting direct identifiers: the toolkit takes pseudonymous ids and counts, nothing else."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Words that, as a column name or part of one, announce personal data.
IDENTIFYING_WORDS = frozenset({
    "name", "names", "fullname", "firstname", "lastname", "surname", "father",
    "phone", "phones", "mobile", "cell", "cellphone", "telephone", "tel", "whatsapp",
    "cnic", "nic", "nicop", "passport", "email", "mail", "address", "dob", "birth",
    "birthday", "birthdate",
})

IDENTIFIER_PATTERNS: tuple[tuple[str, str], ...] = (
    ("a CNIC number", r"(?<!\d)\d{5}-\d{7}-\d(?!\d)|(?<![\w-])\d{13}(?![\w-])"),
    ("a Pakistani phone number",
     r"(?<![\w+])(?:\+|00)92[ -]?\d{2,3}[ -]?\d{7}(?!\d)|(?<![\w-])03\d{2}[ -]?\d{7}(?!\d)"),
    ("an e-mail address", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
)
_COMPILED = tuple((kind, re.compile(pattern)) for kind, pattern in IDENTIFIER_PATTERNS)
ANY_IDENTIFIER = re.compile("|".join(f"(?:{pattern})" for _, pattern in IDENTIFIER_PATTERNS))
# A personal name: two or more words of letters (any script), no digit; "Dr. Ayesha Khan".
PERSONAL_NAME = re.compile(r"[^\W\d_]+(?:(?:[.'’-]+ *| +)[^\W\d_]+)+\.?")
# Every identifier above holds an @ or seven digits in a row: a cheap first look maps
# every digit (ASCII, Arabic-Indic, Urdu) to 0 and searches for seven zeros.
_DIGITS = "0123456789" + "".join(map(chr, range(0x660, 0x66A))) + "".join(
    map(chr, range(0x6F0, 0x6FA)))
AS_ZERO = str.maketrans(_DIGITS, "0" * len(_DIGITS))
# The same look on ASCII text, through a byte table: many times faster on long texts.
ASCII_AS_ZERO = bytes.maketrans(b"0123456789", b"0000000000")


def normalise_column(name: str) -> str:
    """Lower-case a header and join its words with underscores."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def identifying_column(name: str) -> bool:
    """Tell whether a column name announces a direct identifier (name, phone, CNIC...)."""
    normal = normalise_column(name)
    words = set(normal.split("_"))
    return bool(words & IDENTIFYING_WORDS) or normal.replace("_", "") in IDENTIFYING_WORDS


def may_hold_identifier(text: str) -> bool:
    """Tell cheaply whether text could hold an identifier (an @ or seven digits in a row)."""
    if "@" in text:
        return True
    if text.isascii():
        return b"0000000" in text.encode("ascii").translate(ASCII_AS_ZERO)
    return "0000000" in text.translate(AS_ZERO)


def identifier_kind(text: str) -> str | None:
    """Say what kind of direct identifier a value looks like, or None."""
    if not may_hold_identifier(text):
        return None
    for kind, pattern in _COMPILED:
        if pattern.search(text):
            return kind
    return None


def looks_like_name(text: str) -> bool:
    """Tell whether an id looks like a personal name (words of letters, no digit)."""
    return " " in text and PERSONAL_NAME.fullmatch(text) is not None


def any_name(values: Iterable[str]) -> bool:
    """Tell whether any of the values looks like a personal name."""
    return any(map(looks_like_name, values))


def any_identifier(values: Iterable[str]) -> bool:
    """Tell quickly whether any of many values looks like a direct identifier."""
    text = "\n".join(values)
    return may_hold_identifier(text) and ANY_IDENTIFIER.search(text) is not None
