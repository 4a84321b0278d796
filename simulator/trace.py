"""The trace: the single record of one scenario, which the oracle and reports read.

Every app event, SDK call (with its result), HTTP exchange and after-step snapshot of
the truth and the workspace view is appended as a plain JSON-able record, in order,
stamped with the simulated time. The same seed gives the same trace, byte for byte:
records hold no wall-clock times, no memory addresses and no unordered sets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["REDACTED", "Trace", "TraceRecord", "redact"]

REDACTED = "<redacted>"
# Body fields that carry secrets or signatures; the trace never holds their values.
_SECRET_FIELDS = frozenset({"user_hash", "jwt", "token", "authorization", "secret"})


def redact(value: Any) -> Any:
    """A copy of `value` with every secret-bearing field replaced by a marker."""
    if isinstance(value, dict):
        return {
            k: (
                REDACTED if k.lower() in _SECRET_FIELDS and v is not None else redact(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class TraceRecord:
    seq: int
    at: float
    kind: str  # app_event | sdk_call | http | snapshot | note
    data: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at, "kind": self.kind, **self.data}


@dataclass
class Trace:
    seed: int
    records: list[TraceRecord] = field(default_factory=list)
    # HTTP bodies are kept only at debug level; statuses, methods and paths always
    debug: bool = False

    def add(self, kind: str, at: float, **data: Any) -> TraceRecord:
        record = TraceRecord(len(self.records) + 1, at, kind, redact(data))
        self.records.append(record)
        return record

    def of_kind(self, kind: str) -> Iterator[TraceRecord]:
        return (r for r in self.records if r.kind == kind)

    def to_jsonl(self) -> str:
        lines = [json.dumps({"seed": self.seed, "kind": "header"}, sort_keys=True)]
        lines += [json.dumps(r.as_dict(), sort_keys=True) for r in self.records]
        return "\n".join(lines) + "\n"
