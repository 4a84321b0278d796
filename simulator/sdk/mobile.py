"""The calls the iOS and Android SDKs share, under the names both of them use.

Each platform module adds the calls whose names or arguments differ (iOS `loginUser`,
Android `loginIdentifiedUser`, ...) and its own error codes.
"""

from __future__ import annotations

from typing import Any

from .base import MessengerSdk
from .network import Pending, SdkResult

__all__ = ["MobileMessenger"]


class MobileMessenger(MessengerSdk):
    def setUserJwt(self, jwt: str) -> SdkResult:  # noqa: N802
        result = self.set_user_jwt(jwt)
        self._record("setUserJwt", {"jwt": jwt}, Pending.done("", result))
        return result

    def loginUnidentifiedUser(self) -> Pending:  # noqa: N802
        return self._record("loginUnidentifiedUser", {}, self.login_unidentified())

    def logout(self) -> SdkResult:  # type: ignore[override]
        result = super().logout()
        self._record("logout", {}, Pending.done("logout", result))
        return result

    def isUserLoggedIn(self) -> bool:  # noqa: N802
        answer = self.is_logged_in()
        self._record(
            "isUserLoggedIn",
            {},
            Pending.done("isUserLoggedIn", SdkResult.success(answer)),
        )
        return answer

    def fetchLoggedInUserAttributes(self) -> dict[str, Any]:  # noqa: N802
        attributes = self.fetch_attributes()
        self._record(
            "fetchLoggedInUserAttributes",
            {},
            Pending.done("fetchLoggedInUserAttributes", SdkResult.success(attributes)),
        )
        return attributes
