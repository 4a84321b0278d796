"""The simulated network between the devices and the workspace's Messenger side.

Every SDK call that talks to the workspace becomes a *flight*: issued now, built from
the SDK's state at that moment, and answered only when the network delivers it.
Delivery is in the order of issue, one flight at a time, and happens when an app
awaits a call or when the world settles after a step, so a race such as "update
before login completed" plays out the same way on every run.

While the network is down, flights are lost: they fail with a network error and never
reach the workspace.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..clock import Clock
from ..trace import Trace

__all__ = ["Flight", "Network", "Pending", "SdkError", "SdkResult"]

log = logging.getLogger("simulator.sdk.network")


@dataclass(frozen=True, slots=True)
class SdkError:
    """An SDK error as the platform reports it: its own code and message."""

    code: str
    message: str
    # the workspace's error code behind it, where there is one (e.g. hmac_mismatch)
    server_code: str | None = None


@dataclass(frozen=True, slots=True)
class SdkResult:
    ok: bool
    value: Any = None
    error: SdkError | None = None

    @classmethod
    def success(cls, value: Any = None) -> SdkResult:
        return cls(True, value)

    @classmethod
    def failure(
        cls, code: str, message: str, server_code: str | None = None
    ) -> SdkResult:
        return cls(False, None, SdkError(code, message, server_code))

    def as_dict(self) -> dict[str, Any]:
        if self.ok:
            return {"ok": True}
        assert self.error is not None
        return {
            "ok": False,
            "code": self.error.code,
            "message": self.error.message,
            "server_code": self.error.server_code,
        }


class Pending:
    """The eventual result of an SDK call.

    `state` is `in_flight`, `done`, or `never` (a callback the SDK will never fire:
    the caller that waits on it hangs).
    """

    def __init__(self, call: str, result: SdkResult | None = None):
        self.call = call
        self.result = result
        self.state = "done" if result is not None else "in_flight"
        self._callbacks: list[Callable[[SdkResult], None]] = []

    @classmethod
    def done(cls, call: str, result: SdkResult) -> Pending:
        return cls(call, result)

    @classmethod
    def never(cls, call: str) -> Pending:
        pending = cls(call)
        pending.state = "never"
        return pending

    @property
    def completed(self) -> bool:
        return self.state == "done"

    def then(self, callback: Callable[[SdkResult], None]) -> Pending:
        if self.result is not None:
            callback(self.result)
        else:
            self._callbacks.append(callback)
        return self

    def complete(self, result: SdkResult) -> None:
        if self.state != "in_flight":
            return
        self.result = result
        self.state = "done"
        for callback in self._callbacks:
            callback(result)
        self._callbacks.clear()


@dataclass
class Flight:
    device_id: str
    platform: str
    operation: str
    method: str
    path: str
    body: dict[str, Any]
    # turns the workspace's answer (or None when the network lost the request) into
    # the SDK's result, updating the SDK's state on the way
    on_answer: Callable[[httpx.Response | None], SdkResult]
    pending: Pending = field(default_factory=lambda: Pending("?"))
    # set when the app's process died with the flight still queued
    abandoned: bool = False


class Network:
    def __init__(self, client: httpx.Client, clock: Clock, trace: Trace, app_id: str):
        self.client = client
        self.clock = clock
        self.trace = trace
        self.app_id = app_id
        self.up = True
        self._queue: deque[Flight] = deque()

    def send(self, flight: Flight) -> Pending:
        flight.pending.call = flight.operation
        problem = _unencodable(flight.body)
        if problem is not None:
            # The SDK serialises a call's body when it is made: a value JSON cannot
            # carry (a lone surrogate, NaN) fails the call there and then, instead
            # of raising out of the HTTP client when the network delivers it.
            self.trace.add(
                "note",
                self.clock.now(),
                device=flight.device_id,
                text=f"{flight.operation} not sent: the body is not valid JSON",
            )
            return Pending.done(
                flight.operation,
                SdkResult.failure(
                    "invalid_request",
                    f"The request could not be encoded as JSON: {problem}",
                ),
            )
        self._queue.append(flight)
        return flight.pending

    @property
    def in_flight(self) -> int:
        return sum(1 for f in self._queue if not f.abandoned)

    def deliver_until(self, pending: Pending) -> None:
        """Deliver flights in order until `pending` has its answer."""
        while pending.state == "in_flight" and self._queue:
            self._deliver(self._queue.popleft())

    def settle(self) -> None:
        """Deliver everything in flight, including what the answers cause."""
        while self._queue:
            self._deliver(self._queue.popleft())

    def abandon(self, device_id: str) -> int:
        """The app on `device_id` died: its queued flights will never be sent."""
        lost = 0
        for flight in self._queue:
            if flight.device_id == device_id and not flight.abandoned:
                flight.abandoned = True
                lost += 1
        self._queue = deque(f for f in self._queue if not f.abandoned)
        return lost

    def _lose(self, flight: Flight, at: float, outcome: str) -> None:
        """The request never got an answer: trace it, and let the SDK see that."""
        self.trace.add(
            "http",
            at,
            device=flight.device_id,
            method=flight.method,
            path=flight.path,
            status=None,
            outcome=outcome,
        )
        flight.pending.complete(flight.on_answer(None))

    def _deliver(self, flight: Flight) -> None:
        at = self.clock.now()
        if not self.up:
            self._lose(flight, at, "lost: the network is down")
            return
        headers = {
            "X-Intercom-App-Id": self.app_id,
            "X-Intercom-Platform": flight.platform,
        }
        try:
            response = self.client.request(
                flight.method, flight.path, json=flight.body, headers=headers
            )
        except httpx.TimeoutException:
            self._lose(flight, at, "timed out")
            return
        record: dict[str, Any] = {
            "device": flight.device_id,
            "method": flight.method,
            "path": flight.path,
            "status": response.status_code,
        }
        if self.trace.debug:
            record["request"] = flight.body
            record["response"] = _json_or_text(response)
        self.trace.add("http", at, **record)
        log.debug("%s %s -> %s", flight.method, flight.path, response.status_code)
        flight.pending.complete(flight.on_answer(response))


def _unencodable(body: Any) -> str | None:
    """Why `body` cannot go out as UTF-8 JSON (as httpx sends it), or None."""
    try:
        json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as error:  # UnicodeEncodeError is a ValueError
        return str(error)
    return None


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
