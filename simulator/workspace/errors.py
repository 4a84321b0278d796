"""The errors the mock workspace answers with.

An `ApiError` is raised anywhere inside request handling and turned into the real
service's `error.list` envelope by the dispatcher: one status, one error code, a
message and, where the service names one, the offending field.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ApiError"]


class ApiError(Exception):
    """A refused request, with the status and code the real service answers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = dict(headers or {})

    def error_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            item["field"] = self.field
        return item


def bad_request(message: str, *, field: str | None = None) -> ApiError:
    return ApiError(400, "parameter_invalid", message, field=field)


def not_found(what: str, ident: object) -> ApiError:
    return ApiError(404, "not_found", f"{what} Not Found", field=None)
