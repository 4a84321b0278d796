"""The trace: the single record of one scenario, which the oracle and reports read.

Every app event, SDK call (with its result), HTTP exchange and after-step snapshot of
the truth and the workspace view is appended as a plain JSON-able record, in order,
stamped with the simulated time. The same seed gives the same trace, byte for byte:
records hold no wall-clock times, no memory addresses and no unordered sets.

No record holds a secret: fields that carry one are redacted by name, and the values
the world registers with `protect` (identity secrets, every hash and JWT the backend
signs) are cut out of any string they appear in, whatever field carries them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["REDACTED", "Trace", "TraceRecord", "redact"]

REDACTED = "<redacted>"
# Body fields that carry secrets or signatures, by how their names end once case and
# separators are dropped: user_hash, userHash, jwt, intercom_user_jwt, token,
# push_token, authorization, secret.
_SECRET_ENDINGS = ("hash", "jwt", "token", "authorization", "secret", "password")
_SEPARATORS = re.compile(r"[^a-z0-9]")
# Shorter values are not secrets anyone signs, and cutting them out would mangle text.
_MIN_PROTECTED = 8


def _secret_field(name: str) -> bool:
    return _SEPARATORS.sub("", name.lower()).endswith(_SECRET_ENDINGS)


def redact(value: Any, protected: Iterable[str] = ()) -> Any:
    """A copy of `value` with every secret-bearing field replaced by a marker.

    Strings anywhere in it also lose any of the `protected` values they contain.
    """
    protected = tuple(protected)
    if isinstance(value, dict):
        return {
            k: (
                REDACTED
                if isinstance(k, str) and _secret_field(k) and v is not None
                else redact(v, protected)
            )
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact(item, protected) for item in value]
    if isinstance(value, str):
        for secret in protected:
            if secret in value:
                value = value.replace(secret, REDACTED)
    return value


@dataclass(frozen=True, slots=True)
class TraceRecord:
    seq: int
    at: float
    kind: str  # app_event | sdk_call | sdk_result | http | snapshot | note
    data: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at, "kind": self.kind, **self.data}


@dataclass
class Trace:
    seed: int
    records: list[TraceRecord] = field(default_factory=list)
    # HTTP bodies are kept only at debug level; statuses, methods and paths always
    debug: bool = False
    # values no record may hold (kept in order of registration, for stable output)
    _protected: dict[str, None] = field(default_factory=dict, repr=False)

    def protect(self, *values: str | None) -> None:
        """Keep these values out of every record added from now on."""
        for value in values:
            if value and len(value) >= _MIN_PROTECTED:
                self._protected[value] = None

    @property
    def protected(self) -> tuple[str, ...]:
        """The values kept out of every record (secrets, user hashes, JWTs)."""
        return tuple(self._protected)

    def add(self, kind: str, at: float, **data: Any) -> TraceRecord:
        record = TraceRecord(
            len(self.records) + 1, at, kind, redact(data, self._protected)
        )
        self.records.append(record)
        return record

    def of_kind(self, kind: str) -> Iterator[TraceRecord]:
        return (r for r in self.records if r.kind == kind)

    def to_jsonl(self) -> str:
        lines = [json.dumps({"seed": self.seed, "kind": "header"}, sort_keys=True)]
        lines += [json.dumps(r.as_dict(), sort_keys=True) for r in self.records]
        return "\n".join(lines) + "\n"
