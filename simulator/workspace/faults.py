"""Faults a test switches on per route: latency, dropped requests, 5xx, sync delays.

A route is named by its operation (`contacts.create`, `messenger.update_user`) or by a
shell-style pattern over those names (`messenger.*`). Each fault applies to the next
`times` matching requests, or until cleared when `times` is None.
"""

from __future__ import annotations

import fnmatch
import math
import threading
from dataclasses import dataclass

__all__ = ["Fault", "FaultPlan", "RequestDropped"]


class RequestDropped(Exception):
    """The network lost the request: the workspace never saw it."""

    def __init__(self, operation: str):
        super().__init__(f"request to {operation} was dropped by an injected fault")
        self.operation = operation


@dataclass(slots=True)
class Fault:
    route: str
    latency: float = 0.0
    drop: bool = False
    status: int | None = None
    sync_delay: float = 0.0
    times: int | None = None

    def __post_init__(self) -> None:
        # bool is an int, and a float `times` would count down past 0 and never end
        if self.status is not None and (
            not _is_int(self.status) or not 500 <= self.status <= 599
        ):
            raise ValueError(f"an injected status must be a 5xx, got {self.status!r}")
        for name in ("latency", "sync_delay"):
            value = getattr(self, name)
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not number or not math.isfinite(value) or value < 0:
                raise ValueError(
                    f"{name} must be a finite, non-negative number of seconds, got "
                    f"{value!r}"
                )
        if self.times is not None and (not _is_int(self.times) or self.times < 1):
            raise ValueError(
                f"times must be a whole number of at least 1, or None, got "
                f"{self.times!r}"
            )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class FaultPlan:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        # a test adds and clears faults while the loopback server's thread takes them
        self._lock = threading.Lock()

    def add(self, route: str, **kwargs: object) -> Fault:
        fault = Fault(route, **kwargs)  # type: ignore[arg-type]
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self, route: str | None = None) -> None:
        with self._lock:
            if route is None:
                self._faults.clear()
            else:
                self._faults = [f for f in self._faults if f.route != route]

    def __bool__(self) -> bool:
        return bool(self._faults)

    def take(self, operation: str) -> Fault | None:
        """The fault that applies to this request, counted as used; None if none."""
        with self._lock:
            for fault in self._faults:
                if fnmatch.fnmatchcase(operation, fault.route):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None
