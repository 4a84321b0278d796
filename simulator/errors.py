"""The project's exception hierarchy.

Every error the harness raises on purpose derives from `HarnessError`, so a caller can
catch the project's failures without catching Python's own.
"""

from __future__ import annotations

__all__ = ["ConfigError", "HarnessError"]


class HarnessError(Exception):
    """Root of every error the harness raises on purpose."""


class ConfigError(HarnessError):
    """A configuration file is missing, unreadable or holds a value that is not allowed.

    The message names the file, the key (as a dotted path) and what is allowed, so the
    person who wrote the file can fix it without reading the code.
    """

    def __init__(
        self,
        path: str,
        key: str,
        problem: str,
        allowed: str | None = None,
        *,
        line: int | None = None,
    ):
        self.path = path
        self.key = key
        self.problem = problem
        self.allowed = allowed
        self.line = line
        where = f"{path}:{line}" if line else str(path)
        if key:
            where += f": {key}"
        text = f"{where}: {problem}"
        if allowed:
            text += f" (allowed: {allowed})"
        super().__init__(text)
