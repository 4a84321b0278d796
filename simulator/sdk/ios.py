"""The simulated iOS Messenger SDK: `Intercom.loginUser(with:)` and friends.

Errors come as the iOS SDK reports them: the HTTP status code with the server's
message for what the workspace refused (401 for identity verification), 2001 for a
login without a string user_id or email, 3001 for a bad update object, and 4001 to 4004
for push token problems (4003: identity verification is misconfigured).
"""

from __future__ import annotations

from typing import Any

import httpx

from .base import server_error
from .mobile import MobileMessenger
from .network import Pending, SdkResult

__all__ = ["IOSMessenger"]


class IOSMessenger(MobileMessenger):
    platform = "ios"

    # -- the SDK's calls ---------------------------------------------------------

    def setUserHash(self, user_hash: str) -> SdkResult:  # noqa: N802 - iOS names
        result = self.set_user_hash(user_hash)
        self._record("setUserHash", {"user_hash": user_hash}, Pending.done("", result))
        return result

    def loginUser(  # noqa: N802
        self,
        userId: str | None = None,  # noqa: N803
        email: str | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> Pending:
        args = {"userId": userId, "email": email, "attributes": attributes}
        if (userId is not None and not isinstance(userId, str)) or (
            email is not None and not isinstance(email, str)
        ):
            return self._record(
                "loginUser",
                args,
                Pending.done("loginUser", self.missing_identity_error()),
            )
        return self._record(
            "loginUser", args, self.login_identified(userId, email, attributes)
        )

    def updateUser(self, attributes: Any) -> Pending:  # noqa: N802
        if not isinstance(attributes, dict):
            return self._record(
                "updateUser",
                {"attributes": attributes},
                Pending.done(
                    "updateUser",
                    SdkResult.failure(
                        "3001", "The user attributes object is not valid"
                    ),
                ),
            )
        return self._record(
            "updateUser", {"attributes": attributes}, self.update(attributes)
        )

    def setDeviceToken(self, token: str) -> Pending:  # noqa: N802
        if not token:
            return self._record(
                "setDeviceToken",
                {"token": token},
                Pending.done(
                    "setDeviceToken",
                    SdkResult.failure("4002", "The device token is empty"),
                ),
            )
        return self._record(
            "setDeviceToken", {"token": token}, self.register_push_token(token)
        )

    def presentMessenger(self) -> Pending:  # noqa: N802
        return self._record("presentMessenger", {}, self.fetch_conversations())

    def presentMessageComposer(self, initialMessage: str) -> Pending:  # noqa: N802,N803
        return self._record(
            "presentMessageComposer",
            {"initialMessage": initialMessage},
            self.start_conversation(initialMessage),
        )

    # -- errors -------------------------------------------------------------------

    def map_error(self, response: httpx.Response) -> SdkResult:
        code, message = server_error(response)
        if "push_tokens" in str(response.request.url) and response.status_code in (
            401,
            403,
        ):
            return SdkResult.failure("4003", f"Identity verification: {message}", code)
        return SdkResult.failure(str(response.status_code), message, code)

    def missing_identity_error(self) -> SdkResult:
        return SdkResult.failure(
            "2001", "loginUser needs a userId or an email, given as a string"
        )

    def not_registered_error(self) -> SdkResult:
        return SdkResult.failure("4001", "No user is registered with Intercom")

    def invalid_attributes_error(self) -> SdkResult:
        return SdkResult.failure("3001", "The user attributes object is not valid")
