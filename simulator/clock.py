"""Clocks: the simulated one that scenarios move by hand, and the wall clock.

Nothing in the harness sleeps to let time pass. A scenario says "three days pass" and
the `SimulatedClock` jumps; whatever waits on time (a sync delay, a session expiry, a
rate-limit window) registers a listener and is woken by the jump.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["Clock", "SimulatedClock", "WallClock", "DEFAULT_EPOCH"]

# A Monday at 09:00 UTC: a fixed start makes traces reproducible and keeps day
# boundaries (search truncates dates to the day) away from the first hours of a run.
DEFAULT_EPOCH = 1_767_603_600.0


class Clock(Protocol):
    def now(self) -> float: ...


class WallClock:
    """Real time, for a loopback server that a person or a foreign client talks to."""

    def now(self) -> float:
        return time.time()

    def add_listener(self, listener: Callable[[float], None]) -> None:
        # Real time moves by itself; those who wait on it check on each request.
        pass


class SimulatedClock:
    """Time that moves only when told to."""

    def __init__(self, start: float = DEFAULT_EPOCH):
        self._now = float(start)
        self._listeners: list[Callable[[float], None]] = []

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError(f"time only moves forward; got {seconds!r} seconds")
        self._now += seconds
        for listener in list(self._listeners):
            listener(self._now)
        return self._now

    def add_listener(self, listener: Callable[[float], None]) -> None:
        self._listeners.append(listener)


def duration(seconds: float) -> str:
    """A span of time in words, largest units first: "3 days", "2 hours 5 minutes"."""
    left = int(round(seconds))
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts) or "0 seconds"
