"""What every simulated Messenger SDK shares: identity, persistence, calls as flights.

The SDK's state lives in the device's storage and survives a kill; a relaunch builds a
new SDK object from it. Calls that reach the workspace are flights on the simulated
network (see `network`), built from the state *at the moment of the call*: an update
issued before a login has completed carries the identity that was registered before
it, which is how real apps lose status updates or write them onto the previous user.

The platform modules give these behaviours the platform's own call names and error
codes; the profile picks the SDK generation's answers.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

import httpx

from ..clock import Clock
from ..trace import Trace
from .network import Flight, Network, Pending, SdkResult
from .profiles import SdkProfile
from .storage import DeviceStorage

__all__ = ["MessengerSdk", "identity_fields"]

log = logging.getLogger("simulator.sdk")

PREFIX = "/messenger/v1"
_STATE_KEY = "intercom_sdk"


def _fresh_state() -> dict[str, Any]:
    return {
        # the identity registered with the workspace: None, or a dict with kind
        # "unidentified" | "identified", anonymous_id, user_id, email, contact_id
        "current": None,
        "user_hash": None,
        "jwt": None,
        "anonymous_id": None,
        "attributes": {},
        "conversations": [],
        "push_token": None,
        "push_registered": False,
        "anonymous_counter": 0,
    }


def identity_fields(identity: dict[str, Any] | None) -> dict[str, Any]:
    if not identity:
        return {}
    fields = {"anonymous_id": identity.get("anonymous_id")}
    if identity.get("kind") == "identified":
        fields["user_id"] = identity.get("user_id")
        fields["email"] = identity.get("email")
    return {k: v for k, v in fields.items() if v is not None}


class MessengerSdk:
    """The behaviour shared by the simulated SDKs of every platform."""

    platform = "?"

    def __init__(
        self,
        *,
        device_id: str,
        profile: SdkProfile,
        network: Network,
        storage: DeviceStorage,
        clock: Clock,
        trace: Trace,
        seed: int,
    ):
        self.device_id = device_id
        self.profile = profile
        self.network = network
        self.storage = storage
        self.clock = clock
        self.trace = trace
        self.seed = seed
        self.alive = True
        self.state = storage.load(_STATE_KEY) or _fresh_state()
        # in memory only: the identity an Android soft reset keeps for a while
        self.soft_identity: dict[str, Any] | None = None
        self.hard_reset_at: float | None = None
        # in memory only: the push token registration still in flight, and its token
        self._push_in_flight: tuple[str, Pending] | None = None
        add_listener = getattr(clock, "add_listener", None)
        if add_listener is not None:
            add_listener(self._on_time)

    # -- state ---------------------------------------------------------------------

    def _persist(self) -> None:
        self.storage.save(_STATE_KEY, self.state)

    @property
    def current(self) -> dict[str, Any] | None:
        return self.state["current"]

    @property
    def identified(self) -> bool:
        return bool(self.current and self.current.get("kind") == "identified")

    def die(self) -> None:
        """The app's process was killed: memory is gone, storage stays."""
        self.alive = False
        lost = self.network.abandon(self.device_id)
        if lost:
            self._note(f"{lost} request(s) in flight were lost with the process")
        if self.soft_identity is not None:
            self._note(
                "the soft-reset identity was lost with the process; its hard reset "
                "(and the push token's removal) will never happen"
            )
        self.soft_identity = None
        self.hard_reset_at = None

    def _new_anonymous_id(self) -> str:
        self.state["anonymous_counter"] += 1
        # A wiped storage (clear data, reinstall, a web page load) restarts the
        # counter; the trace only grows, so a wiped device never draws its previous
        # install's id again, whose contact may have become a user since.
        raw = (
            f"{self.seed}:{self.device_id}:{self.state['anonymous_counter']}:"
            f"{len(self.trace.records)}"
        )
        return "anon-" + hashlib.sha256(raw.encode()).hexdigest()[:16]

    # -- tracing and flights -------------------------------------------------------

    def _note(self, text: str) -> None:
        self.trace.add("note", self.clock.now(), device=self.device_id, text=text)

    def _record(self, call: str, args: dict[str, Any], pending: Pending) -> Pending:
        record = self.trace.add(
            "sdk_call",
            self.clock.now(),
            device=self.device_id,
            platform=self.platform,
            call=call,
            args=args,
            state="issued" if pending.state == "in_flight" else pending.state,
        )

        def finished(result: SdkResult) -> None:
            self.trace.add(
                "sdk_result",
                self.clock.now(),
                device=self.device_id,
                call=call,
                issued=record.seq,
                result=result.as_dict(),
            )

        if pending.state == "never":
            self.trace.add(
                "sdk_result",
                self.clock.now(),
                device=self.device_id,
                call=call,
                issued=record.seq,
                result={"ok": None, "never": True},
            )
        else:
            pending.then(finished)
        return pending

    def _body(self, identity: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"device_id": self.device_id}
        body.update(identity_fields(identity))
        if identity and identity.get("kind") == "identified":
            # A registered identity is signed with what it logged in with: a hash
            # set for the next login must not sign the previous user's calls. An
            # identity stored before identities kept their signature uses the state's.
            bound = "user_hash" in identity or "jwt" in identity
            signature = identity if bound else self.state
            if signature.get("user_hash"):
                body["user_hash"] = signature["user_hash"]
            if signature.get("jwt"):
                body["jwt"] = signature["jwt"]
        body.update({k: v for k, v in extra.items() if v is not None})
        return body

    def _fly(
        self,
        operation: str,
        path: str,
        body: dict[str, Any],
        on_ok: Callable[[dict[str, Any]], SdkResult],
        *,
        method: str = "POST",
    ) -> Pending:
        def on_answer(response: httpx.Response | None) -> SdkResult:
            if not self.alive:
                return SdkResult.failure("process_dead", "the app was killed")
            if response is None:
                return self.network_error()
            if response.status_code >= 400:
                return self.map_error(response)
            return on_ok(response.json())

        flight = Flight(
            device_id=self.device_id,
            platform=self.platform,
            operation=operation,
            method=method,
            path=f"{PREFIX}/{path}",
            body=body,
            on_answer=on_answer,
        )
        return self.network.send(flight)

    # -- platform hooks --------------------------------------------------------------

    def map_error(self, response: httpx.Response) -> SdkResult:
        raise NotImplementedError

    def network_error(self) -> SdkResult:
        return SdkResult.failure("network", "The request could not reach Intercom")

    def already_registered_error(self) -> SdkResult:
        return SdkResult.failure(
            "3002", "Failed to register user. We already have a registered user."
        )

    def missing_identity_error(self) -> SdkResult:
        raise NotImplementedError

    def invalid_attributes_error(self) -> SdkResult:
        return SdkResult.failure(
            "invalid_attributes", "The user attributes are not a key-value object"
        )

    # -- the calls, by behaviour ---------------------------------------------------

    def set_user_hash(self, user_hash: str) -> SdkResult:
        self.state["user_hash"] = user_hash
        self.state["jwt"] = None
        self._persist()
        return SdkResult.success()

    def set_user_jwt(self, token: str) -> SdkResult:
        self.state["jwt"] = token
        self.state["user_hash"] = None
        self._persist()
        return SdkResult.success()

    def login_unidentified(self) -> Pending:
        current = self.current
        if current and current["kind"] == "identified":
            behaviour = self.profile.unidentified_while_identified
            if behaviour == "hang":
                self._note("unidentified login over an identified user: no callback")
                return Pending.never("login_unidentified")
            if behaviour == "keep_user":
                self._note("unidentified login ignored: the identified user stays")
                return Pending.done("login_unidentified", SdkResult.success())
            return Pending.done("login_unidentified", self.already_registered_error())
        if current and current["kind"] == "unidentified":
            return Pending.done("login_unidentified", SdkResult.success())
        anonymous_id = self.state["anonymous_id"] or self._new_anonymous_id()
        self.state["anonymous_id"] = anonymous_id
        self._persist()

        def on_ok(answer: dict[str, Any]) -> SdkResult:
            self.state["current"] = {
                "kind": "unidentified",
                "anonymous_id": anonymous_id,
                "contact_id": answer.get("contact_id"),
            }
            self._persist()
            self._send_pending_push_token()
            return SdkResult.success()

        body = self._body(
            {"kind": "unidentified", "anonymous_id": anonymous_id},
            device=self.device_info(),
        )
        return self._fly("register_unidentified", "users/unidentified", body, on_ok)

    def login_identified(
        self,
        user_id: str | None,
        email: str | None,
        attributes: dict[str, Any] | None = None,
    ) -> Pending:
        if not user_id and not email:
            return Pending.done("login_identified", self.missing_identity_error())
        if attributes is not None and not isinstance(attributes, dict):
            return Pending.done("login_identified", self.invalid_attributes_error())
        current = self.current
        if current and current["kind"] == "identified":
            same = current.get("user_id") == user_id and (
                email is None or current.get("email") == email
            )
            if same:
                if self.profile.same_identified_login == "noop":
                    return Pending.done("login_identified", SdkResult.success())
                return Pending.done("login_identified", self.already_registered_error())
            if self.profile.second_identified_login == "error_3002":
                if attributes and self.profile.login_attributes_onto_current_user:
                    self._note(
                        "login of another user with attributes: the attributes go "
                        "onto the current user and the call reports success"
                    )
                    update = self.update(attributes)
                    done = Pending("login_identified")
                    update.then(lambda r: done.complete(SdkResult.success()))
                    return done
                return Pending.done("login_identified", self.already_registered_error())
            if self.profile.keeps_unspecified_fields_on_switch:
                kept_email = email or current.get("email")
                if kept_email and not email:
                    self._note(f"the new identity keeps the old email {kept_email!r}")
                email = kept_email
        target = {
            "kind": "identified",
            "user_id": user_id,
            "email": email,
            # the device's anonymous activity goes with the first identified login
            "anonymous_id": (current or {}).get("anonymous_id")
            if not current or current["kind"] == "unidentified"
            else None,
            # the signature stays with the identity (see _body)
            "user_hash": self.state["user_hash"],
            "jwt": self.state["jwt"],
        }

        def on_ok(answer: dict[str, Any]) -> SdkResult:
            self.state["current"] = {**target, "contact_id": answer.get("contact_id")}
            self.state["attributes"] = dict(answer.get("custom_attributes") or {})
            self._persist()
            self._send_pending_push_token()
            return SdkResult.success()

        body = self._body(
            target,
            attributes=self._wire_attributes(attributes),
            device=self.device_info(),
        )
        return self._fly("register_identified", "users/identified", body, on_ok)

    def update(self, attributes: dict[str, Any]) -> Pending:
        if not isinstance(attributes, dict) or not isinstance(
            attributes.get("custom_attributes") or {}, dict
        ):
            # a caller's bad argument is the SDK's error to report, not a crash
            return Pending.done("update", self.invalid_attributes_error())
        current = self.current
        if current is None:
            self._note("update dropped: no user is registered yet")
            return Pending.done("update", SdkResult.success({"dropped": True}))
        attributes = dict(attributes)
        if current["kind"] == "unidentified":
            for name in ("email", "user_id"):
                if attributes.pop(name, None) is not None:
                    self._note(f"update: {name} dropped while the user is unidentified")
        custom = attributes.get("custom_attributes") or {}
        cached = self.state["attributes"]
        standard = {k: v for k, v in attributes.items() if k != "custom_attributes"}
        if not standard and all(
            cached.get(k, object()) == v for k, v in custom.items()
        ):
            # the SDKs report a duplicate update as success without a network call
            return Pending.done("update", SdkResult.success({"duplicate": True}))
        sent_to = dict(current)

        def on_ok(answer: dict[str, Any]) -> SdkResult:
            if self.current and self.current.get("contact_id") == sent_to.get(
                "contact_id"
            ):
                self.state["attributes"].update(custom)
                self._persist()
            return SdkResult.success()

        body = self._body(sent_to, attributes=self._wire_attributes(attributes))
        return self._fly("update_user", "users/update", body, on_ok)

    def logout(self) -> SdkResult:
        current = self.current
        token = self.state["push_token"] if self.state["push_registered"] else None
        kept_anonymous_counter = self.state["anonymous_counter"]
        self.state = _fresh_state()
        self.state["anonymous_counter"] = kept_anonymous_counter
        self._persist()
        if current is None:
            return SdkResult.success()
        if current["kind"] == "unidentified":
            self._note("logout of an unidentified user leaves an orphan contact")
        if self.profile.logout == "soft_reset":
            self.soft_identity = {**current, "push_token": token}
            self.hard_reset_at = self.clock.now() + self.profile.soft_reset_seconds
        elif token is not None:
            self._remove_push_token(token)
        return SdkResult.success()

    def is_logged_in(self) -> bool:
        return self.current is not None

    def fetch_attributes(self) -> dict[str, Any]:
        current = self.current
        if current is None:
            return {}
        if current["kind"] == "unidentified":
            user_id = (
                current.get("anonymous_id")
                if self.profile.unidentified_fetch_user_id == "anonymous_id"
                else None
            )
            return {
                "user_id": user_id,
                "email": None,
                "custom_attributes": dict(self.state["attributes"]),
            }
        return {
            "user_id": current.get("user_id"),
            "email": current.get("email"),
            "custom_attributes": dict(self.state["attributes"]),
        }

    def register_push_token(self, token: str) -> Pending:
        self.state["push_token"] = token
        self.state["push_registered"] = False
        self._persist()
        if self.current is None:
            self._note("push token kept until a user is registered")
            return Pending.done("register_push_token", SdkResult.success())
        return self._send_push_token()

    def fetch_conversations(self) -> Pending:
        current = self.current
        if current is None:
            self.state["conversations"] = []
            return Pending.done("fetch_conversations", SdkResult.success([]))

        def on_ok(answer: dict[str, Any]) -> SdkResult:
            conversations = answer.get("conversations") or []
            self.state["conversations"] = conversations
            self._persist()
            return SdkResult.success(conversations)

        return self._fly(
            "fetch_conversations", "conversations/fetch", self._body(current), on_ok
        )

    def start_conversation(self, text: str) -> Pending:
        current = self.current
        if current is None:
            return Pending.done("start_conversation", self.not_registered_error())

        def on_ok(answer: dict[str, Any]) -> SdkResult:
            self.state["conversations"].append(
                {"id": answer["id"], "contact_id": answer["contact_id"], "body": text}
            )
            # a web visitor becomes a lead with its first conversation
            if self.current is not None and not self.current.get("contact_id"):
                self.state["current"] = {
                    **self.current,
                    "contact_id": answer["contact_id"],
                }
            self._persist()
            return SdkResult.success(answer)

        return self._fly(
            "create_conversation",
            "conversations",
            self._body(current, body=text),
            on_ok,
        )

    def not_registered_error(self) -> SdkResult:
        return SdkResult.failure("no_user", "No user is registered with Intercom")

    # -- helpers -------------------------------------------------------------------

    def device_info(self) -> dict[str, str]:
        return {
            "app_name": "Harness App",
            "app_version": "1.0.0",
            "device": f"{self.platform}-sim",
            "sdk_version": self.profile.name,
        }

    @staticmethod
    def _wire_attributes(attributes: dict[str, Any] | None) -> dict[str, Any] | None:
        return dict(attributes) if attributes else None

    def _send_pending_push_token(self) -> None:
        if self.state["push_token"] and not self.state["push_registered"]:
            self._send_push_token()

    def _send_push_token(self) -> Pending:
        token = self.state["push_token"]

        def on_ok(answer: dict[str, Any]) -> SdkResult:
            self.state["push_registered"] = True
            self._persist()
            return SdkResult.success()

        body = self._body(self.current, token=token)
        pending = self._fly("register_push_token", "push_tokens", body, on_ok)
        self._push_in_flight = (token, pending)
        return pending

    def _remove_push_token(self, token: str) -> None:
        def on_ok(answer: dict[str, Any]) -> SdkResult:
            return SdkResult.success()

        self._fly(
            "remove_push_token",
            f"push_tokens/{token}",
            {"device_id": self.device_id},
            on_ok,
            method="DELETE",
        )

    def _on_time(self, now: float) -> None:
        if not self.alive or self.hard_reset_at is None or now < self.hard_reset_at:
            return
        soft = self.soft_identity or {}
        self.soft_identity = None
        self.hard_reset_at = None
        self._note("hard reset: the soft-reset identity is cleared")
        token = soft.get("push_token")
        in_flight = self._push_in_flight
        if (
            token
            and token == self.state["push_token"]
            and self.state["push_registered"]
        ):
            # the device has since registered the same token for whoever is logged in
            # now; removing it would take it from them, not from the old identity
            self._note("hard reset: the push token now belongs to the current user")
        elif (
            token
            and token == self.state["push_token"]
            and in_flight is not None
            and in_flight[0] == token
            and in_flight[1].state == "in_flight"
        ):
            # The same token is on its way to the current user: a removal issued now
            # would land after that registration and take the token from them. Only
            # if the registration fails does the old identity still hold the token.
            self._note(
                "hard reset: the push token's registration for the current user is "
                "in flight; it is removed only if that registration fails"
            )
            in_flight[1].then(
                lambda result: None if result.ok else self._remove_push_token(token)
            )
        elif token:
            self._remove_push_token(token)


def server_error(response: httpx.Response) -> tuple[str | None, str]:
    """The workspace's error code and message from an error answer."""
    try:
        error = response.json()["errors"][0]
        return error.get("code"), error.get("message") or ""
    except (ValueError, KeyError, IndexError, TypeError):
        return None, response.text
