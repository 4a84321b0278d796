"""Data attribute definitions and the type rules for writing custom attributes.

The real service refuses a custom attribute that has no definition, and a value whose
type does not fit the definition. Both rules hold for the REST API and the Messenger
alike, so the harness can expose an app that writes `login_status` to a workspace that
never defined it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import ATTRIBUTE_NAME
from .errors import ApiError
from .fields import INT64_MAX, INT64_MIN, fits_int64, short_number
from .state import DataAttribute, WorkspaceState

__all__ = [
    "CUSTOM_DATA_TYPES",
    "STANDARD_CONTACT_ATTRIBUTES",
    "check_attribute_name",
    "check_custom_attributes",
    "define_attribute",
]

# The data types a custom attribute may be created with. `options` is a string that
# must be one of a fixed list; `datetime` is stored like `date`, as Unix seconds.
CUSTOM_DATA_TYPES = (
    "string",
    "integer",
    "float",
    "boolean",
    "date",
    "datetime",
    "options",
)

# The standard contact attributes the workspace lists beside the custom ones. They are
# part of every workspace and cannot be created or changed through the API.
STANDARD_CONTACT_ATTRIBUTES: tuple[tuple[str, str, str], ...] = (
    ("name", "string", "Name"),
    ("email", "string", "Email"),
    ("phone", "string", "Phone"),
    ("external_id", "string", "User ID"),
    ("role", "string", "Role"),
    ("created_at", "date", "Signed up"),
    ("signed_up_at", "date", "Signed up at"),
    ("last_seen_at", "date", "Last seen"),
    ("owner_id", "integer", "Owner"),
    ("unsubscribed_from_emails", "boolean", "Unsubscribed from emails"),
)


def _fits(data_type: str, options: list[str], value: Any) -> bool:
    if value is None:
        return True
    if data_type == "string":
        return isinstance(value, str)
    if data_type == "options":
        return isinstance(value, str) and value in options
    if data_type == "boolean":
        return isinstance(value, bool)
    # bool is an int in Python, never in JSON: reject it for every numeric type
    if isinstance(value, bool):
        return False
    if data_type in ("integer", "date", "datetime"):
        return isinstance(value, int)
    if data_type == "float":
        return isinstance(value, (int, float))
    return False


def check_attribute_name(name: str) -> None:
    """Refuse a name the workspace could not define, with the real service's 400.

    The rule is the one a config file's `custom_attributes` follow, so an attribute
    that can be created through the API can also be written in a config file.
    """
    if ATTRIBUTE_NAME.fullmatch(name) is None:
        raise ApiError(
            400,
            "parameter_invalid",
            f"{name!r} is not a valid attribute name: it must start with a letter, a "
            "digit or '_' and hold only letters, digits, '_', '-' and spaces",
            field="name",
        )


def check_custom_attributes(
    state: WorkspaceState,
    values: object,
    *,
    messenger: bool = False,
    field_prefix: str = "custom_attributes",
) -> dict[str, Any]:
    """Validate a `custom_attributes` object against the workspace's definitions.

    Returns the values to write. Raises a 400 for a key with no definition, an archived
    definition, a value of the wrong type, or (from the Messenger) a definition that the
    Messenger may not write.
    """
    if not isinstance(values, Mapping):
        raise ApiError(
            400,
            "parameter_invalid",
            f"custom_attributes must be an object, got {type(values).__name__}",
            field=field_prefix,
        )
    accepted: dict[str, Any] = {}
    for name, value in values.items():
        where = f"{field_prefix}.{name}"
        definition = state.attributes.get(name)
        if definition is None or not definition.custom:
            raise ApiError(
                400,
                "parameter_invalid",
                f"Custom attribute '{name}' does not exist; create it as a data "
                "attribute before writing it",
                field=where,
            )
        if definition.archived:
            raise ApiError(
                400,
                "parameter_invalid",
                f"Custom attribute '{name}' is archived and cannot be written",
                field=where,
            )
        if messenger and not definition.messenger_writable:
            raise ApiError(
                400,
                "parameter_invalid",
                f"Custom attribute '{name}' is not writable from the Messenger",
                field=where,
            )
        whole = isinstance(value, int) and not isinstance(value, bool)
        if whole and not fits_int64(value):
            raise ApiError(
                400,
                "parameter_invalid",
                f"Custom attribute '{name}' takes integers that fit in 64 bits (from "
                f"{INT64_MIN} to {INT64_MAX}), got {short_number(value)}",
                field=where,
            )
        if not _fits(definition.data_type, definition.options, value):
            expected = definition.data_type
            if expected == "options":
                expected = f"one of {definition.options}"
            raise ApiError(
                400,
                "parameter_invalid",
                f"Custom attribute '{name}' expects {expected}, got {value!r}",
                field=where,
            )
        accepted[name] = value
    return accepted


def define_attribute(
    state: WorkspaceState,
    name: str,
    data_type: str,
    *,
    now: int,
    description: str = "",
    options: list[str] | None = None,
    messenger_writable: bool = True,
    custom: bool = True,
    label: str | None = None,
) -> DataAttribute:
    """Add a definition to the workspace; the caller has validated the inputs."""
    attribute = DataAttribute(
        id=int(state.new_numeric_id("attribute", 15_000)),
        name=name,
        data_type=data_type,
        created_at=now,
        updated_at=now,
        description=description,
        options=list(options or []),
        messenger_writable=messenger_writable,
        custom=custom,
        label=label if label is not None else name,
    )
    state.attributes[name] = attribute
    return attribute
