"""The simulated Android Messenger SDK: `Intercom.client().loginIdentifiedUser(...)`.

Errors come with the Android SDK's codes: 1001 wraps the workspace's HTTP error (its
code, such as `hmac_mismatch`, rides along), 1005 is the rate limit, 1007 a login
with neither user_id nor email, and 3002 "already have a registered user" where the
profile's generation refuses a second login.
"""

from __future__ import annotations

from typing import Any

import httpx

from .base import server_error
from .mobile import MobileMessenger
from .network import Pending, SdkResult

__all__ = ["AndroidMessenger"]


class AndroidMessenger(MobileMessenger):
    platform = "android"

    def setUserHash(self, userHash: str) -> SdkResult:  # noqa: N802,N803
        result = self.set_user_hash(userHash)
        self._record("setUserHash", {"user_hash": userHash}, Pending.done("", result))
        return result

    def loginIdentifiedUser(  # noqa: N802
        self,
        userId: str | None = None,  # noqa: N803
        email: str | None = None,
        userAttributes: dict[str, Any] | None = None,  # noqa: N803
    ) -> Pending:
        args = {"userId": userId, "email": email, "userAttributes": userAttributes}
        return self._record(
            "loginIdentifiedUser",
            args,
            self.login_identified(userId, email, userAttributes),
        )

    def updateUser(self, userAttributes: dict[str, Any]) -> Pending:  # noqa: N802,N803
        return self._record(
            "updateUser",
            {"userAttributes": userAttributes},
            self.update(userAttributes),
        )

    def sendTokenToIntercom(self, token: str) -> Pending:  # noqa: N802
        return self._record(
            "sendTokenToIntercom", {"token": token}, self.register_push_token(token)
        )

    def present(self) -> Pending:
        return self._record("present", {}, self.fetch_conversations())

    def displayMessageComposer(self, initialMessage: str) -> Pending:  # noqa: N802,N803
        return self._record(
            "displayMessageComposer",
            {"initialMessage": initialMessage},
            self.start_conversation(initialMessage),
        )

    def map_error(self, response: httpx.Response) -> SdkResult:
        code, message = server_error(response)
        if response.status_code == 429:
            return SdkResult.failure("1005", "Rate limit exceeded", code)
        return SdkResult.failure(
            "1001",
            f"Error from the server ({response.status_code} {code}): {message}",
            code,
        )

    def missing_identity_error(self) -> SdkResult:
        return SdkResult.failure(
            "1007", "The registration has neither a user_id nor an email"
        )
