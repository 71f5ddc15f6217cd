"""Field types of the return standard; each knows its kind, label and guidance."""

from __future__ import annotations

import copy
import math
import re
from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields

from schemas.codes import MISSING_CODES, NOT_REPORTED, NOT_REPORTED_CHOICE, CodedEnum
from schemas.limits import MAX_COUNT, forbidden_character
from schemas.paths import is_number

_REASONS = ", ".join(MISSING_CODES)
_TOO_LARGE = f"Must be at most {MAX_COUNT:,}."


def _check_range(field: StandardField, value: Any) -> None:
    """Refuse what is not a number, below 0 or above MAX_COUNT (NaN passes, for its caller)."""
    if not is_number(value):
        raise field.make_error("invalid")
    if value < 0:
        raise field.make_error("negative")
    if value > MAX_COUNT:
        raise field.make_error("too_large")
DATE_PATTERN = "[0-9]{4}-[0-9]{2}-[0-9]{2}"


class StandardField(fields.Field):
    """Base of every leaf field: carries a kind, a label and plain-language guidance."""

    kind: ClassVar[str] = "text"
    default_error_messages: ClassVar[dict[str, str]] = {
        "null": "Field may not be null.",
    }
    not_reported: bool = False
    """Whether the field also takes NOT_REPORTED (standard 1.1's yes/no and coded fields)."""

    def __init__(self, *, label: str, guidance: str, required: bool = True, **kwargs: Any):
        super().__init__(
            required=required,
            metadata={"title": label, "description": guidance},
            **kwargs,
        )

    @property
    def label(self) -> str:
        """Return the human label of the field."""
        return self.metadata["title"]

    @property
    def guidance(self) -> str:
        """Return the plain-language guidance for the field."""
        return self.metadata["description"]

    def code_choices(self) -> list[dict[str, str]]:
        """Return the allowed codes as {"code", "label"} rows, or [] for uncoded fields."""
        return []

    def constraints(self) -> list[str]:
        """Return the field's own rules in plain language."""
        return []

    def allowing_not_reported(self) -> StandardField:
        """A copy of the field that also takes NOT_REPORTED (counted as missing, not as no)."""
        twin = copy.copy(self)
        twin.metadata = dict(self.metadata)
        twin.not_reported = True
        return twin

    def _not_reported_rule(self) -> list[str]:
        return ([f"Or {NOT_REPORTED!r} when the college does not say (counted as missing, "
                 "not as no)."] if self.not_reported else [])


class Count(StandardField):
    """A whole number of 0 or more, or a reason code for a missing value."""

    kind = "count"
    default_error_messages: ClassVar[dict[str, str]] = {
        "required": f"Missing data for required field: give 0 or a reason code ({_REASONS}).",
        "null": f"May not be null: give 0 for a real zero, or a reason code ({_REASONS}).",
        "invalid": f"Not a valid count: give a whole number (0 or more) or a reason code "
        f"({_REASONS}).",
        "negative": "Must be 0 or more.",
        "too_large": _TOO_LARGE,
    }

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int | str:
        if isinstance(value, str) and value in MISSING_CODES:
            return value
        _check_range(self, value)
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return int(value)

    def constraints(self) -> list[str]:
        """Return the field's own rules in plain language."""
        return [f"A whole number from 0 to {MAX_COUNT:,}, or a reason code ({_REASONS})."]


class Number(StandardField):
    """A decimal number of 0 or more, or a reason code for a missing value."""

    kind = "number"
    default_error_messages: ClassVar[dict[str, str]] = {
        "required": f"Missing data for required field: give 0 or a reason code ({_REASONS}).",
        "null": f"May not be null: give 0 for a real zero, or a reason code ({_REASONS}).",
        "invalid": f"Not a valid number: give a number (0 or more) or a reason code ({_REASONS}).",
        "negative": "Must be 0 or more.",
        "too_large": _TOO_LARGE,
    }

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> float | int | str:
        if isinstance(value, str) and value in MISSING_CODES:
            return value
        _check_range(self, value)
        if isinstance(value, float) and not math.isfinite(value):
            raise self.make_error("invalid")
        return value

    def constraints(self) -> list[str]:
        """Return the field's own rules in plain language."""
        return [f"A number from 0 to {MAX_COUNT:,} (decimals allowed), or a reason code "
                f"({_REASONS})."]


class StrictBoolean(StandardField):
    """A yes/no answer given as JSON true or false, nothing else."""

    kind = "boolean"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": "Not a boolean: give true or false.",
        "invalid_or_not_reported": f"Not a boolean: give true, false or {NOT_REPORTED!r}.",
    }

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool | str:
        if value is True or value is False:
            return value
        if self.not_reported and value == NOT_REPORTED:
            return value
        raise self.make_error("invalid_or_not_reported" if self.not_reported else "invalid")

    def constraints(self) -> list[str]:
        """Return the field's own rules in plain language."""
        return ["Either true or false.", *self._not_reported_rule()]


class Code(StandardField):
    """One code from a coding frame."""

    kind = "code"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": "Must be one of: {choices}.",
    }

    def __init__(self, frame: type[CodedEnum], *, only: Iterable[str] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.frame = frame
        self.allowed = tuple(map(str, only)) if only is not None else frame.codes()

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if isinstance(value, str) and value in self.allowed:
            return str(value)
        raise self.make_error("invalid", choices=", ".join(self.allowed))

    def allowing_not_reported(self) -> Code:
        twin = super().allowing_not_reported()
        twin.allowed = (*self.allowed, NOT_REPORTED)
        return twin

    def code_choices(self) -> list[dict[str, str]]:
        """Return the allowed codes as {"code", "label"} rows."""
        rows = [row for row in self.frame.choices() if row["code"] in self.allowed]
        return [*rows, NOT_REPORTED_CHOICE] if self.not_reported else rows

    def constraints(self) -> list[str]:
        """Return the field's own rules in plain language."""
        return ["One code from the list.", *self._not_reported_rule()]


class CodeList(StandardField):
    """A list of distinct codes from a coding frame; one code may be required to stand alone."""

    kind = "code list"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": "Not a list of codes.",
        "choice": "Must be one of: {choices}.",
        "too_few": "Give at least {min_items} code(s).",
        "duplicate": "Code {code!r} is given more than once.",
        "exclusive": "{code!r} must be given alone.",
        "too_many": "Give at most {max_items} codes, each once.",
    }

    def __init__(
        self,
        frame: type[CodedEnum],
        *,
        min_items: int = 0,
        exclusive: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.frame = frame
        self.allowed = frame.codes()
        self.max_items = len(self.allowed)
        self.min_items = min_items
        self.exclusive = str(exclusive) if exclusive else None

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        if not isinstance(value, list | tuple):
            raise self.make_error("invalid")
        if len(value) > self.max_items:  # before any per-item work: a list is never long
            raise self.make_error("too_many", max_items=self.max_items)
        self._check_items(value)
        if len(value) < self.min_items:
            raise self.make_error("too_few", min_items=self.min_items)
        duplicates = sorted(code for code, times in Counter(value).items() if times > 1)
        if duplicates:
            raise self.make_error("duplicate", code=duplicates[0])
        for alone in (self.exclusive, NOT_REPORTED if self.not_reported else None):
            if alone and alone in value and len(value) > 1:
                raise self.make_error("exclusive", code=alone)
        return [str(code) for code in value]

    def allowing_not_reported(self) -> CodeList:
        twin = super().allowing_not_reported()
        twin.allowed = (*self.allowed, NOT_REPORTED)
        return twin

    def _check_items(self, value: list | tuple) -> None:
        choices = ", ".join(self.allowed)
        errors = {
            index: [self.error_messages["choice"].format(choices=choices)]
            for index, code in enumerate(value)
            if not (isinstance(code, str) and code in self.allowed)
        }
        if errors:
            raise ValidationError(errors)

    def code_choices(self) -> list[dict[str, str]]:
        """Return the allowed codes as {"code", "label"} rows."""
        rows = self.frame.choices()
        return [*rows, NOT_REPORTED_CHOICE] if self.not_reported else rows

    def constraints(self) -> list[str]:
        """Return the field's own rules in plain language."""
        rules = [f"Codes from the list, each at most once (so at most {self.max_items})."]
        if self.min_items:
            rules.append(f"At least {self.min_items} code(s).")
        if self.exclusive:
            rules.append(f"{self.exclusive!r} must be given alone.")
        if self.not_reported:
            rules.append(f"Or {NOT_REPORTED!r} alone when the college does not say (counted "
                         "as missing, not as none).")
        return rules


class IsoDate(StandardField):
    """A calendar date written YYYY-MM-DD."""

    kind = "date"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": "Not a valid date: give YYYY-MM-DD, e.g. 2024-01-15.",
    }

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str) or not re.fullmatch(DATE_PATTERN, value):
            raise self.make_error("invalid")
        try:
            date.fromisoformat(value)
        except ValueError as error:
            raise self.make_error("invalid") from error
        return value

    def constraints(self) -> list[str]:
        """Return the field's own rules in plain language."""
        return ["A date written YYYY-MM-DD."]


class Text(StandardField):
    """A non-empty string, optionally limited to a whole-string pattern (no anchors)."""

    kind = "text"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": "Not a valid string.",
        "length": "Must be between 1 and {max_length} characters.",
        "character": "Contains a character text may not hold ({where}): remove control "
        "characters and broken Unicode.",
        "pattern": "Must be {hint}, for example {example}.",
    }

    def __init__(
        self,
        *,
        max_length: int,
        pattern: str | None = None,
        pattern_hint: str = "",
        example: str = "",
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.max_length = max_length
        self.pattern = pattern
        self.pattern_hint = pattern_hint
        self.example = example

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not 1 <= len(value) <= self.max_length:
            raise self.make_error("length", max_length=self.max_length)
        where = forbidden_character(value)
        if where:
            raise self.make_error("character", where=where)
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise self.make_error("pattern", hint=self.pattern_hint, example=self.example)
        return value

    def constraints(self) -> list[str]:
        """Return the field's own rules in plain language."""
        rules = [f"1 to {self.max_length} characters."]
        if self.pattern:
            rules.append(f"{self.pattern_hint.capitalize()} (e.g. {self.example}).")
        return rules


class Section(fields.Nested):
    """A nested group of fields (a section or sub-section of the return)."""

    kind = "object"

    def __init__(
        self,
        nested: type[Schema],
        *,
        label: str,
        guidance: str,
        required: bool = True,
        **kwargs: Any,
    ):
        super().__init__(
            nested,
            required=required,
            metadata={"title": label, "description": guidance},
            **kwargs,
        )

    @property
    def label(self) -> str:
        """Return the human label of the section."""
        return self.metadata["title"]

    @property
    def guidance(self) -> str:
        """Return the plain-language guidance for the section."""
        return self.metadata["description"]


class SectionList(fields.List):
    """A list of objects of one shape (e.g. one per intake cohort), at most max_items long."""

    kind = "object list"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": "Not a list: give a list of objects.",
        "too_many": "Give at most {max_items} items.",
    }

    def __init__(
        self,
        nested: type[Schema],
        *,
        label: str,
        guidance: str,
        max_items: int,
        required: bool = True,
        **kwargs: Any,
    ):
        super().__init__(
            fields.Nested(nested),
            required=required,
            metadata={"title": label, "description": guidance},
            **kwargs,
        )
        self.max_items = max_items

    @property
    def schema(self) -> Schema:
        """Return the schema of one item."""
        return self.inner.schema

    @property
    def label(self) -> str:
        """Return the human label of the list."""
        return self.metadata["title"]

    @property
    def guidance(self) -> str:
        """Return the plain-language guidance for the list."""
        return self.metadata["description"]

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list:
        if isinstance(value, list | tuple) and len(value) > self.max_items:
            raise self.make_error("too_many", max_items=self.max_items)
        return super()._deserialize(value, attr, data, **kwargs)
