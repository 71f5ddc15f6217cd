"""The registry's data standard: the return v1 schema and everything derived from it."""

from schemas.codes import MISSING_CODES
from schemas.flat import flatten_return, unflatten_return
from schemas.v1 import ReturnSchema
from schemas.validation import (
    SCHEMA_VERSION,
    SUPPORTED_VERSIONS,
    ReturnValidationError,
    validate_return,
)

__all__ = [
    "MISSING_CODES",
    "SCHEMA_VERSION",
    "SUPPORTED_VERSIONS",
    "ReturnSchema",
    "ReturnValidationError",
    "flatten_return",
    "unflatten_return",
    "validate_return",
]
