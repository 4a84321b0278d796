"""What survives on a device: app storage and, on the web, cookies with lifetimes.

Killing and relaunching an app throws away everything in memory and keeps this.
Clearing the app's data or reinstalling it empties the storage (on iOS a reinstall's
effect on the SDK's keychain items is undocumented; the harness treats it like
Android's and says so in the trace).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ..clock import Clock

__all__ = ["Cookie", "CookieJar", "DeviceStorage"]


@dataclass
class DeviceStorage:
    """Key-value storage that outlives the app's process."""

    values: dict[str, Any] = field(default_factory=dict)

    def load(self, key: str) -> Any:
        return copy.deepcopy(self.values.get(key))

    def save(self, key: str, value: Any) -> None:
        self.values[key] = copy.deepcopy(value)

    def wipe(self) -> None:
        self.values.clear()


@dataclass(frozen=True, slots=True)
class Cookie:
    value: Any
    expires_at: float


class CookieJar:
    """Browser cookies for one site, aged by the simulated clock."""

    def __init__(self, clock: Clock, storage: DeviceStorage):
        self._clock = clock
        self._storage = storage

    def _all(self) -> dict[str, dict[str, Any]]:
        return self._storage.load("cookies") or {}

    def get(self, name: str) -> Any:
        entry = self._all().get(name)
        if entry is None or entry["expires_at"] <= self._clock.now():
            return None
        return entry["value"]

    def set(self, name: str, value: Any, lifetime: float) -> None:
        cookies = self._all()
        cookies[name] = {"value": value, "expires_at": self._clock.now() + lifetime}
        self._storage.save("cookies", cookies)

    def delete(self, name: str) -> None:
        cookies = self._all()
        cookies.pop(name, None)
        self._storage.save("cookies", cookies)

    def names(self) -> list[str]:
        now = self._clock.now()
        return sorted(n for n, e in self._all().items() if e["expires_at"] > now)
