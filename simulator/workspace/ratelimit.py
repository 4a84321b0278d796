"""Rate limiting in 10-second windows, per app token and for the whole workspace.

The real service states its limits per minute and enforces a sixth of them in each
10-second window. Authenticated responses carry the app's figures in the
`X-RateLimit-*` headers; a request past either limit is a 429.
"""

from __future__ import annotations

from .errors import ApiError

__all__ = ["RateLimiter", "WINDOW_SECONDS"]

WINDOW_SECONDS = 10


class RateLimiter:
    def __init__(self, app_per_minute: int, workspace_per_minute: int):
        self.app_limit = round(app_per_minute / 6)
        self.workspace_limit = round(workspace_per_minute / 6)
        self._window = -1
        self._counts: dict[str, int] = {}
        self._workspace_count = 0

    def hit(self, token: str, now: float) -> dict[str, str]:
        """Count one request; return its headers or raise the 429."""
        window = int(now // WINDOW_SECONDS)
        if window != self._window:
            self._window = window
            self._counts = {}
            self._workspace_count = 0
        reset = str((window + 1) * WINDOW_SECONDS)
        used = self._counts.get(token, 0)
        if used >= self.app_limit or self._workspace_count >= self.workspace_limit:
            limit = self.app_limit if used >= self.app_limit else self.workspace_limit
            headers = {
                "X-RateLimit-Limit": str(self.app_limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset,
            }
            raise ApiError(
                429,
                "rate_limit_exceeded",
                f"Exceeded rate limit of {limit} in 10_seconds",
                headers=headers,
            )
        self._counts[token] = used + 1
        self._workspace_count += 1
        return {
            "X-RateLimit-Limit": str(self.app_limit),
            "X-RateLimit-Remaining": str(self.app_limit - used - 1),
            "X-RateLimit-Reset": reset,
        }
