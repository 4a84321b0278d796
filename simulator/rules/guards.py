"""Procedure guards: the checks a support procedure runs before it opens personal data.

A file in `fixtures/procedures/` describes one procedure an agent or bot can run::

    name: order_history
    personal_data: true
    guard: recommended          # a file stem in fixtures/guards/
    handoff: "Let me pass you to a colleague who can confirm it is you."

A file in `fixtures/guards/` lists the checks, in order::

    name: recommended
    checks:
      - logged_in
      - fresh_login: {max_age_hours: 24}
      - session_live

`run_procedure` runs every check of the guard (not only up to the first failure), so
a blocked outcome names each reason the person could not be trusted. A procedure
that touches no personal data is always allowed.

The evaluation is pure, apart from `session_live`, which asks the backend's data
connector over HTTP (or a callable standing in for it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from pydantic import Field, field_validator, model_validator

from ..backend.service import BACKEND_URL, USER_SESSION_PATH
from ..config import FIXTURES, PLATFORMS, Strict, _FieldProblem, known_names, load_named

__all__ = [
    "CHECKS",
    "GUARD_DIR",
    "PROCEDURE_DIR",
    "Check",
    "Connector",
    "Guard",
    "GuardOutcome",
    "Procedure",
    "evaluate_checks",
    "known_guards",
    "known_procedures",
    "load_guard",
    "load_procedure",
    "run_procedure",
]

GUARD_DIR = FIXTURES / "guards"
PROCEDURE_DIR = FIXTURES / "procedures"

CheckCode = Literal[
    "logged_in",
    "user_id_present",
    "role_user",
    "fresh_login",
    "identity_verified",
    "session_live",
    "account_match",
    "platform_match",
]

# Each check's reason code when it fails, in the order the checks are documented.
CHECKS: dict[str, str] = {
    "logged_in": "not_logged_in",
    "user_id_present": "missing_user_id",
    "role_user": "not_a_user",
    "fresh_login": "stale_login",
    "identity_verified": "identity_not_verified",
    "session_live": "session_not_live",
    "account_match": "account_mismatch",
    "platform_match": "platform_mismatch",
}

# The parameters a check takes, with their defaults; checks not named take none.
PARAMETERS: dict[str, dict[str, float]] = {"fresh_login": {"max_age_hours": 24}}

# Values apps write into an id attribute when they have no id: not anyone's id.
PLACEHOLDER_IDS = frozenset({"", "null", "undefined", "0", "anonymous"})

# Asks whether a user id has a live session (on a platform, when one is given).
Connector = httpx.Client | Callable[[str, str | None], bool]


# -- the files ---------------------------------------------------------------------


class Check(Strict):
    """One check of a guard, with its parameters filled in."""

    code: CheckCode
    max_age_hours: float | None = None

    @property
    def reason(self) -> str:
        return CHECKS[self.code]


class Guard(Strict):
    name: str
    description: str = ""
    checks: list[Check] = []

    @field_validator("checks", mode="before")
    @classmethod
    def _read_checks(cls, value: Any) -> Any:
        # A file writes a check as its bare code or as a one-key mapping of the code
        # to its parameters; both become a `Check`, with every problem named at the
        # place in the file that has it.
        if not isinstance(value, list):
            raise _FieldProblem(
                (), "checks must be a list", "a list of check codes, in order"
            )
        return [_read_check(index, item) for index, item in enumerate(value)]

    @model_validator(mode="after")
    def _each_check_once(self) -> Guard:
        seen: dict[str, int] = {}
        for index, check in enumerate(self.checks):
            first = seen.setdefault(check.code, index)
            if first != index:
                raise _FieldProblem(
                    ("checks", index),
                    f"check {check.code!r} is listed twice (first as checks[{first}])",
                    "each check once",
                )
        return self

    @property
    def codes(self) -> list[str]:
        return [check.code for check in self.checks]


def _read_check(index: int, item: Any) -> dict[str, Any]:
    loc: tuple[Any, ...] = (index,)
    if isinstance(item, str):
        code, params = item, None
    elif isinstance(item, dict) and len(item) == 1:
        ((code, params),) = item.items()
        if not isinstance(code, str):
            raise _FieldProblem(loc, f"{code!r} is not a check code", _known_codes())
    else:
        raise _FieldProblem(
            loc,
            "a check is a check code, or a mapping of one check code to its parameters",
            "a check code (" + _known_codes() + ") or e.g. "
            "{fresh_login: {max_age_hours: 24}}",
        )
    if code not in CHECKS:
        raise _FieldProblem(loc, f"unknown check {code!r}", _known_codes())
    defaults = PARAMETERS.get(code, {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise _FieldProblem(
            (*loc, code),
            f"the parameters of {code!r} must be a mapping",
            _param_words(code),
        )
    for key, given in params.items():
        if key not in defaults:
            raise _FieldProblem(
                (*loc, code, key),
                f"unknown parameter {key!r} for check {code!r}",
                _param_words(code),
            )
        if not _finite(given) or given <= 0:
            raise _FieldProblem(
                (*loc, code, key),
                f"{key} must be a number of hours above zero, not {given!r}",
                "a number above zero",
            )
    return {"code": code, **defaults, **params}


def _finite(value: Any) -> bool:
    """A number (not a boolean) that is finite as a float, without overflowing."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return abs(value) <= sys.float_info.max  # False for inf and nan too


def _known_codes() -> str:
    return ", ".join(CHECKS)


def _param_words(code: str) -> str:
    names = PARAMETERS.get(code)
    if not names:
        return f"no parameters for {code!r}"
    return ", ".join(names)


class Procedure(Strict):
    name: str
    description: str = ""
    # strict, so that "yes" or 1 is not silently read as a promise of personal data
    personal_data: bool = Field(strict=True)
    guard: str
    # what the person is told, or the name of the human hand-off path, when blocked
    handoff: str = Field(min_length=1)

    @field_validator("guard")
    @classmethod
    def _known_guard(cls, value: str) -> str:
        known = known_guards()
        if value not in known:
            raise _FieldProblem(
                (),
                f"no guard named {value!r}; a procedure names a guard by the stem "
                "of its file in fixtures/guards/",
                ", ".join(known),
            )
        return value

    @field_validator("handoff")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the handoff must say something, not be blank")
        return value


def known_guards() -> list[str]:
    return known_names(GUARD_DIR)


def known_procedures() -> list[str]:
    return known_names(PROCEDURE_DIR)


def load_guard(name_or_path: str | os.PathLike[str]) -> Guard:
    """A bundled guard by name, or a guard file by path."""
    return load_named(Guard, GUARD_DIR, name_or_path, "guard")


def load_procedure(name_or_path: str | os.PathLike[str]) -> Procedure:
    """A bundled procedure by name, or a procedure file by path."""
    return load_named(Procedure, PROCEDURE_DIR, name_or_path, "procedure")


# -- running them ------------------------------------------------------------------


@dataclass(frozen=True)
class GuardOutcome:
    allowed: bool
    # every failing check's reason code, in the guard's check order
    reasons: list[str] = field(default_factory=list)
    # the procedure's hand-off, only when the procedure was blocked
    handoff: str | None = None


def run_procedure(
    procedure: Procedure,
    guard: Guard | str,
    contact: Any,
    conversation: Any,
    *,
    now: float,
    connector: Connector,
) -> GuardOutcome:
    """Whether `procedure` may run for the person behind `contact` in `conversation`.

    `contact` and `conversation` are workspace records (`Contact`, `Conversation`)
    or mappings with the same keys, as the REST API answers. `guard` is a `Guard` or
    a guard's name. `now` is a Unix time in seconds.
    """
    if not procedure.personal_data:
        # nothing private is opened, so there is nothing to guard
        return GuardOutcome(allowed=True)
    if not isinstance(guard, Guard):
        guard = load_guard(guard)
    reasons = evaluate_checks(
        guard, contact, conversation, now=now, connector=connector
    )
    if reasons:
        return GuardOutcome(allowed=False, reasons=reasons, handoff=procedure.handoff)
    return GuardOutcome(allowed=True)


def evaluate_checks(
    guard: Guard,
    contact: Any,
    conversation: Any,
    *,
    now: float,
    connector: Connector,
) -> list[str]:
    """The reason codes of every check of `guard` that fails, in check order."""
    return [
        check.reason
        for check in guard.checks
        if not _passes(check, contact, conversation, now, connector)
    ]


def _passes(
    check: Check, contact: Any, conversation: Any, now: float, connector: Connector
) -> bool:
    attrs = _custom(contact)
    code = check.code
    if code == "logged_in":
        return attrs.get("login_status") == "logged_in"
    if code == "user_id_present":
        return _real_id(attrs.get("user_id")) or _real_id(attrs.get("member_id"))
    if code == "role_user":
        return _field(contact, "role") == "user"
    if code == "fresh_login":
        hours = check.max_age_hours or PARAMETERS["fresh_login"]["max_age_hours"]
        return _fresh(attrs.get("last_login_at"), now, hours * 3600)
    if code == "identity_verified":
        return _field(conversation, "identity_verified") is True
    if code == "session_live":
        user_id = _person_id(contact)
        if user_id is None:
            return False  # nobody to ask about
        platform = _field(conversation, "channel")
        return _ask(connector, user_id, platform if platform in PLATFORMS else None)
    if code == "account_match":
        external = _text(_field(contact, "external_id"))
        claimed = _text(attrs.get("user_id"))
        # both must be there: a missing side cannot prove the contact is the account
        return external is not None and external == claimed
    # platform_match
    written = _text(attrs.get("platform"))
    channel = _text(_field(conversation, "channel"))
    return written is not None and written.casefold() == (channel or "").casefold()


def _field(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _custom(contact: Any) -> Mapping[str, Any]:
    attrs = _field(contact, "custom_attributes")
    return attrs if isinstance(attrs, Mapping) else {}


def _text(value: Any) -> str | None:
    """A value as trimmed text, or None when there is none to compare."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _real_id(value: Any) -> bool:
    text = _text(value)
    return text is not None and text.casefold() not in PLACEHOLDER_IDS


def _person_id(contact: Any) -> str | None:
    # the verified identity first; the app-written attribute only for a contact
    # the Messenger never identified
    external = _text(_field(contact, "external_id"))
    if external is not None:
        return external
    claimed = _custom(contact).get("user_id")
    return _text(claimed) if _real_id(claimed) else None


def _fresh(value: Any, now: float, max_age_seconds: float) -> bool:
    if not _finite(value):
        return False  # missing or unreadable: no evidence of a recent login
    # a login stamped in the future is a broken clock, not a fresh login
    return 0 <= now - value <= max_age_seconds


def _ask(connector: Connector, user_id: str, platform: str | None) -> bool:
    """The data connector's answer; anything but a clear "live" counts as not live.

    A guard that cannot reach the backend must not open personal data, so errors,
    refusals and odd answers all fail closed.
    """
    if not isinstance(connector, httpx.Client):
        try:
            return connector(user_id, platform) is True
        except Exception:  # a broken, timed-out or refusing connector: not live
            return False
    params = {"user_id": user_id}
    if platform is not None:
        params["platform"] = platform
    try:
        response = connector.get(f"{BACKEND_URL}{USER_SESSION_PATH}", params=params)
    except Exception:  # httpx errors, a closed client, a failing transport
        return False
    if response.status_code != 200:
        return False
    try:
        answer = response.json()
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("live") is True
