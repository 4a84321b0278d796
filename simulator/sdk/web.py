"""The simulated web Messenger: `Intercom('boot')`, `('update')`, `('shutdown')`.

The page's settings and the booted state live in memory (a reload loses them); what
lasts is the three cookies:

- `intercom-id-<app>`: the anonymous id, for 9 months; a new one is drawn once an
  identified boot has given the old one to the user;
- `intercom-session-<app>`: the last identified user's session, for a week,
  refreshed by each logged-in ping;
- `intercom-device-id-<app>`: the device id, for 9 months.

A boot without a user on a browser that still holds a session cookie resumes that
session: the logged-out page keeps showing the last user's conversations, unless the
page ran `shutdown`, which clears the session and the anonymous id. An answer that
arrives after a `shutdown` changes nothing on the page: it was asked for by the
session that ended.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from .base import MessengerSdk, server_error
from .network import Pending, SdkResult
from .storage import CookieJar

__all__ = ["WebMessenger"]

DAY = 86_400.0


class WebMessenger(MessengerSdk):
    platform = "web"

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.cookies = CookieJar(self.clock, self.storage)
        self.booted = False
        self.settings: dict[str, Any] = {}
        # counts the shutdowns of this page: an answer to a request issued before the
        # last one belongs to the ended session and must not boot or sign it in again
        self.shutdowns = 0
        # the page's state is not kept between loads; the cookies are
        self.state = {
            **self.state,
            "current": None,
            "user_hash": None,
            "jwt": None,
            "attributes": {},
            "conversations": [],
        }

    def _persist(self) -> None:
        # the web Messenger keeps nothing in app storage: only its cookies last
        pass

    def _cookie(self, kind: str) -> str:
        app = self.network.app_id
        return {
            "anonymous": f"intercom-id-{app}",
            "session": f"intercom-session-{app}",
            "device": f"intercom-device-id-{app}",
        }[kind]

    def _anonymous_id(self) -> str:
        anonymous_id = self.cookies.get(self._cookie("anonymous"))
        if anonymous_id is None:
            anonymous_id = self._new_anonymous_id()
            self.cookies.set(
                self._cookie("anonymous"),
                anonymous_id,
                self.profile.anonymous_cookie_days * DAY,
            )
        return anonymous_id

    def _fly(
        self,
        operation: str,
        path: str,
        body: dict[str, Any],
        on_ok: Callable[[dict[str, Any]], SdkResult],
        *,
        method: str = "POST",
    ) -> Pending:
        issued_in = self.shutdowns

        def guarded(answer: dict[str, Any]) -> SdkResult:
            if self.shutdowns != issued_in:
                self._note(
                    f"{operation} answered after shutdown: the page ignores the answer"
                )
                return SdkResult.success({"after_shutdown": True})
            return on_ok(answer)

        return super()._fly(operation, path, body, guarded, method=method)

    def _refresh_session(self, identity: dict[str, Any]) -> None:
        self.cookies.set(
            self._cookie("session"),
            {
                **identity,
                "user_hash": self.state["user_hash"],
                "jwt": self.state["jwt"],
            },
            self.profile.session_cookie_days * DAY,
        )

    # -- the Messenger's calls -------------------------------------------------------

    def boot(self, settings: dict[str, Any] | None = None) -> Pending:
        if settings is not None and not isinstance(settings, dict):
            # the page passed something that is not a settings object: an error for
            # the caller to see, not a crash of the simulation
            return self._record(
                "boot",
                {"settings": settings},
                Pending.done("boot", self.invalid_attributes_error()),
            )
        settings = dict(settings or {})
        self.settings = settings
        if self.cookies.get(self._cookie("device")) is None:
            self.cookies.set(
                self._cookie("device"),
                f"dev-{self.device_id}",
                self.profile.device_cookie_days * DAY,
            )
        anonymous_id = self._anonymous_id()
        user_id, email = settings.get("user_id"), settings.get("email")
        if user_id or email:
            self.state["user_hash"] = settings.get("user_hash")
            self.state["jwt"] = settings.get("intercom_user_jwt")
            return self._record(
                "boot",
                {"settings": settings},
                self._boot_identified(user_id, email, anonymous_id),
            )
        session = self.cookies.get(self._cookie("session"))
        if session is not None:
            self._note(
                "boot without a user resumed the session cookie of "
                f"{session.get('user_id') or session.get('email')!r}"
            )
            self.state["user_hash"] = session.get("user_hash")
            self.state["jwt"] = session.get("jwt")
            identity = {
                k: v for k, v in session.items() if k not in ("user_hash", "jwt")
            }
            self.state["current"] = identity
            self.booted = True
            return self._record("boot", {"settings": settings}, self._ping(identity))
        identity = {"kind": "unidentified", "anonymous_id": anonymous_id}

        def on_ok(answer: dict[str, Any]) -> SdkResult:
            self.state["current"] = {**identity, "contact_id": answer.get("contact_id")}
            self.booted = True
            return SdkResult.success()

        body = self._body(identity)
        return self._record(
            "boot",
            {"settings": settings},
            self._fly("register_unidentified", "users/unidentified", body, on_ok),
        )

    def _boot_identified(
        self, user_id: str | None, email: str | None, anonymous_id: str
    ) -> Pending:
        target = {
            "kind": "identified",
            "user_id": user_id,
            "email": email,
            "anonymous_id": anonymous_id,
        }
        attributes = {
            k: v
            for k, v in self.settings.items()
            if k in ("name", "phone", "custom_attributes")
        }

        def on_ok(answer: dict[str, Any]) -> SdkResult:
            identity = {**target, "contact_id": answer.get("contact_id")}
            self.state["current"] = identity
            self.booted = True
            self._refresh_session(identity)
            # The workspace now files the anonymous id under the user: a visitor on
            # this browser after the session cookie is gone would speak for them
            # (and see their conversations), so the next visitor gets a new one.
            self.cookies.set(
                self._cookie("anonymous"),
                self._new_anonymous_id(),
                self.profile.anonymous_cookie_days * DAY,
            )
            return SdkResult.success()

        body = self._body(target, attributes=attributes or None)
        return self._fly("register_identified", "users/identified", body, on_ok)

    def _ping(self, identity: dict[str, Any]) -> Pending:
        def on_ok(answer: dict[str, Any]) -> SdkResult:
            if identity.get("kind") == "identified":
                self._refresh_session(identity)
            return SdkResult.success()

        return self._fly("ping", "ping", self._body(identity), on_ok)

    def update(self, data: dict[str, Any] | None = None) -> Pending:  # type: ignore[override]
        if data is not None and not isinstance(data, dict):
            return self._record(
                "update",
                {"data": data},
                Pending.done("update", self.invalid_attributes_error()),
            )
        data = dict(data or {})
        if not self.booted:
            self._note("update ignored: the Messenger is not booted")
            return self._record(
                "update",
                {"data": data},
                Pending.done("update", SdkResult.success({"ignored": True})),
            )
        current = self.current or {}
        if (data.get("user_id") or data.get("email")) and current.get(
            "kind"
        ) != "identified":
            self.state["user_hash"] = data.pop("user_hash", self.state["user_hash"])
            return self._record(
                "update",
                {"data": data},
                self._boot_identified(
                    data.pop("user_id", None),
                    data.pop("email", None),
                    current.get("anonymous_id") or self._anonymous_id(),
                ),
            )
        pending = super().update(data) if data else None
        if pending is None or (
            pending.result is not None and (pending.result.value or {}).get("duplicate")
        ):
            # every update is a ping on the web, even one that changes nothing: the
            # session cookie is only refreshed by a ping that reached the workspace
            pending = self._ping(current)
        elif current.get("kind") == "identified":
            issued_in = self.shutdowns

            def refresh(result: SdkResult) -> None:
                # a late answer must not sign in again a session that ended since
                if result.ok and self.shutdowns == issued_in:
                    self._refresh_session(current)

            pending.then(refresh)
        return self._record("update", {"data": data}, pending)

    def shutdown(self) -> SdkResult:
        self.shutdowns += 1
        self.cookies.delete(self._cookie("session"))
        self.cookies.delete(self._cookie("anonymous"))
        self.booted = False
        self.settings = {}
        self.state.update(
            current=None, user_hash=None, jwt=None, attributes={}, conversations=[]
        )
        result = SdkResult.success()
        self._record("shutdown", {}, Pending.done("shutdown", result))
        return result

    def show(self) -> Pending:
        if not self.booted:
            return self._record(
                "show",
                {},
                Pending.done(
                    "show",
                    SdkResult.failure("not_booted", "The Messenger is not booted"),
                ),
            )
        return self._record("show", {}, self.fetch_conversations())

    def showNewMessage(self, content: str) -> Pending:  # noqa: N802
        if not self.booted:
            return self._record(
                "showNewMessage",
                {"content": content},
                Pending.done(
                    "showNewMessage",
                    SdkResult.failure("not_booted", "The Messenger is not booted"),
                ),
            )
        return self._record(
            "showNewMessage", {"content": content}, self.start_conversation(content)
        )

    def map_error(self, response: httpx.Response) -> SdkResult:
        code, message = server_error(response)
        if response.status_code == 403:
            self.booted = False
        return SdkResult.failure(str(response.status_code), message, code)

    def missing_identity_error(self) -> SdkResult:
        return SdkResult.failure("400", "boot needs a user_id or an email")
