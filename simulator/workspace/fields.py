"""Reading typed fields out of a request body, with the real service's 400s."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import ApiError

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "TYPE_NAMES",
    "fits_int64",
    "optional",
    "required",
    "short_number",
]

# The service stores integers (timestamps, owner ids, integer attributes) in 64 bits;
# Python's ints have no bound, so a larger number would be kept and echoed back.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    bool: "a boolean",
    dict: "an object",
    list: "an array",
}

_MISSING = object()


def _check(name: str, value: Any, kind: type, nullable: bool) -> Any:
    if value is None:
        if nullable:
            return None
        raise ApiError(400, "parameter_invalid", f"{name} cannot be null", field=name)
    # JSON booleans are not integers, even though Python's bool is an int
    wrong = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
    if wrong:
        raise ApiError(
            400,
            "parameter_invalid",
            f"{name} must be {TYPE_NAMES[kind]}, got {json_type(value)}",
            field=name,
        )
    if kind is int and not fits_int64(value):
        raise ApiError(
            400,
            "parameter_invalid",
            f"{name} must be a 64-bit integer (from {INT64_MIN} to {INT64_MAX}), "
            f"got {short_number(value)}",
            field=name,
        )
    return value


def fits_int64(value: int) -> bool:
    return INT64_MIN <= value <= INT64_MAX


def short_number(value: int) -> str:
    """An integer for an error message: in full unless it runs to pages."""
    text = str(value)
    return text if len(text) <= 40 else f"a number of {len(text)} digits"


def optional(
    body: dict[str, Any], name: str, kind: type, *, nullable: bool = True
) -> Any:
    """The value of `name`, or None when absent; a wrong type is a 400."""
    value = body.get(name, _MISSING)
    if value is _MISSING:
        return None
    return _check(name, value, kind, nullable)


def required(body: dict[str, Any], name: str, kind: type) -> Any:
    if name not in body:
        raise ApiError(
            400, "parameter_not_found", f"{name} is a required parameter", field=name
        )
    return _check(name, body[name], kind, nullable=False)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
