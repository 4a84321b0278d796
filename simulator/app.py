"""A simulated app on one device: its own login state, and the SDK it drives.

The app knows the truth about its own session (it started it with the backend) and
acts on the lifecycle's moments by running its integration's steps against the
platform's SDK. What the app persists (its session) survives a kill like the SDK's
state; clearing its data or reinstalling it loses both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .backend import Backend, RegisteredUser
from .clock import Clock
from .integrations import Integration, Step, render
from .sdk.android import AndroidMessenger
from .sdk.base import MessengerSdk
from .sdk.ios import IOSMessenger
from .sdk.network import Network, Pending, SdkResult
from .sdk.profiles import SdkProfile
from .sdk.storage import DeviceStorage
from .sdk.web import WebMessenger
from .trace import Trace

__all__ = ["SimulatedApp", "StepOutcome"]

_SDK_CLASSES: dict[str, type[MessengerSdk]] = {
    "ios": IOSMessenger,
    "android": AndroidMessenger,
    "web": WebMessenger,
}
_APP_KEY = "app"


@dataclass
class StepOutcome:
    """What one app event did: the SDK results it saw, and whether it stalled."""

    event: str
    results: list[tuple[str, SdkResult | None]]
    stalled: bool = False

    @property
    def last(self) -> SdkResult | None:
        return self.results[-1][1] if self.results else None

    def failures(self) -> list[SdkResult]:
        return [r for _, r in self.results if r is not None and not r.ok]


class SimulatedApp:
    def __init__(
        self,
        *,
        platform: str,
        device_id: str,
        integration: Integration,
        profile: SdkProfile,
        backend: Backend,
        network: Network,
        clock: Clock,
        trace: Trace,
        seed: int,
    ):
        self.platform = platform
        self.device_id = device_id
        self.integration = integration
        self.profile = profile
        self.backend = backend
        self.network = network
        self.clock = clock
        self.trace = trace
        self.seed = seed
        self.storage = DeviceStorage()
        self.sdk = self._start_sdk()
        self._outcome: StepOutcome | None = None

    # -- the app's own state ---------------------------------------------------------

    def _start_sdk(self) -> MessengerSdk:
        sdk_class = _SDK_CLASSES[self.platform]
        return sdk_class(
            device_id=self.device_id,
            profile=self.profile,
            network=self.network,
            storage=self.storage,
            clock=self.clock,
            trace=self.trace,
            seed=self.seed,
        )

    @property
    def session(self) -> dict[str, Any] | None:
        """The app's own record of who is logged in: session id and alias."""
        return (self.storage.load(_APP_KEY) or {}).get("session")

    def _set_session(self, session: dict[str, Any] | None) -> None:
        data = self.storage.load(_APP_KEY) or {}
        data["session"] = session
        self.storage.save(_APP_KEY, data)

    @property
    def user(self) -> RegisteredUser | None:
        session = self.session
        return self.backend.user(session["alias"]) if session else None

    @property
    def cache(self) -> dict[str, Any]:
        """The app's own cached copy of the person's data (a profile screen, say)."""
        return (self.storage.load(_APP_KEY) or {}).get("cache") or {}

    # -- lifecycle events ------------------------------------------------------------

    def open(self) -> StepOutcome:
        """The app opens; with nobody logged in, on its logged-out area."""
        with self._event("open") as outcome:
            self._check_session()
            if self.session is not None:
                # The app opens on its logged-in area: the SDK keeps the identity it
                # persisted, and the logged-out moment would mark a logged-in person
                # anonymous (or, on Android, fail 3002 or hang).
                self._note("the app opens on its logged-in area: nothing to do")
            else:
                self._run("on_open", None)
        return outcome

    def login(self, user: RegisteredUser) -> StepOutcome:
        with self._event("login", alias=user.alias) as outcome:
            self._check_session()
            current = self.user
            if current is not None and current.alias != user.alias:
                # Logging someone in while another person is logged in is an account
                # switch; the integration's on_switch says what the app does then.
                self._note(
                    f"{current.alias} is logged in: the app switches to {user.alias}"
                )
                self._switch(user)
            else:
                # the same person again: the app replaces its session with a new one
                self._end_session()
                self._start_session(user)
                self._run("on_login", user)
        return outcome

    def logout(self, *, reset: bool = True) -> StepOutcome:
        event = "logout" if reset else "logout_without_reset"
        with self._event(event) as outcome:
            user = self._end_session()
            self._run("on_logout", user, skip_reset=not reset)
        return outcome

    def switch_to(self, user: RegisteredUser) -> StepOutcome:
        with self._event("switch", alias=user.alias) as outcome:
            self._switch(user)
        return outcome

    def kill_and_relaunch(self) -> StepOutcome:
        with self._event("kill_and_relaunch") as outcome:
            self.sdk.die()
            self.sdk = self._start_sdk()
            self._relaunch()
        return outcome

    def clear_app_data(self) -> StepOutcome:
        with self._event("clear_app_data") as outcome:
            self._wipe_and_relaunch()
        return outcome

    def reinstall(self) -> StepOutcome:
        with self._event("reinstall") as outcome:
            if self.platform == "ios":
                self._note(
                    "iOS reinstall behaviour of the SDK's stored identity is "
                    "undocumented; simulated like Android: everything is removed"
                )
            self._wipe_and_relaunch()
        return outcome

    def start_conversation(self, text: str = "Hello, I need help") -> StepOutcome:
        with self._event("start_conversation") as outcome:
            self._check_session()
            pending = self._composer(text)
            self._await(pending, force=True)
        return outcome

    def present_messenger(self) -> StepOutcome:
        with self._event("present_messenger") as outcome:
            self._check_session()
            self._await(self._present(), force=True)
        return outcome

    def register_push_token(self, token: str) -> StepOutcome:
        with self._event("register_push_token") as outcome:
            self._await(self._push(token), force=True)
        return outcome

    # -- internals ---------------------------------------------------------------

    class _EventScope:
        def __init__(self, app: SimulatedApp, outcome: StepOutcome):
            self.app = app
            self.outcome = outcome

        def __enter__(self) -> StepOutcome:
            self.app._outcome = self.outcome
            return self.outcome

        def __exit__(self, *exc: Any) -> None:
            self.app._outcome = None

    def _event(self, name: str, **details: Any) -> SimulatedApp._EventScope:
        self.trace.add(
            "app_event",
            self.clock.now(),
            device=self.device_id,
            platform=self.platform,
            event=name,
            **details,
        )
        return SimulatedApp._EventScope(self, StepOutcome(name, []))

    def _switch(self, user: RegisteredUser) -> None:
        # The app's own session handling is right in every integration: the old
        # session ends and the new one starts. What differs is what it tells the SDK,
        # which the steps of on_switch say.
        previous = self.user
        self._run_steps(
            self.integration.on_switch,
            user,
            moment="on_switch",
            switch=(previous, user),
        )
        if self.session is None or self.session.get("alias") != user.alias:
            self._end_session()
            self._start_session(user)

    def _note(self, text: str) -> None:
        self.trace.add("note", self.clock.now(), device=self.device_id, text=text)

    def _start_session(self, user: RegisteredUser) -> None:
        session = self.backend.start_session(user, self.platform, self.device_id)
        self._set_session({"id": session.id, "alias": user.alias})

    def _end_session(self) -> RegisteredUser | None:
        session = self.session
        if session is None:
            return None
        self.backend.revoke(session["id"])
        self._set_session(None)
        return self.backend.user(session["alias"])

    def _check_session(self) -> None:
        """Talking to its backend, a careful app learns that its session ended."""
        session = self.session
        if session is None or not self.integration.notices_expired_session:
            return
        if not self.backend.is_live(session["id"]):
            self._note("the app found its session ended on the backend and signs out")
            user = self._end_session()
            self._run("on_logout", user)

    def _relaunch(self) -> None:
        self._check_session()
        if self.platform == "web":
            # a page load boots the Messenger again from what the page knows
            if self.user is not None:
                self._run_steps(
                    [
                        s
                        for s in self.integration.on_login
                        if s.do in ("sign", "login_identified")
                    ],
                    self.user,
                )
            else:
                self._run("on_open", None)
        elif self.session is None:
            self._run("on_open", None)

    def _wipe_and_relaunch(self) -> None:
        self.sdk.die()
        self.storage.wipe()
        self.sdk = self._start_sdk()
        self._relaunch()

    def _run(
        self, moment: str, user: RegisteredUser | None, *, skip_reset: bool = False
    ) -> bool:
        steps = self.integration.steps(moment)
        if skip_reset:
            steps = [s for s in steps if s.do != "reset"]
        return self._run_steps(steps, user, moment=moment, skip_reset=skip_reset)

    def _run_steps(
        self,
        steps: list[Step],
        user: RegisteredUser | None,
        *,
        moment: str = "",
        skip_reset: bool = False,
        switch: tuple[RegisteredUser | None, RegisteredUser] | None = None,
    ) -> bool:
        """Run steps in order; False when a callback that never fires stalled them.

        During a switch, a logout inside it ends the previous user's session and acts
        for that user; a login inside it starts the next user's session.
        """
        for step in steps:
            if step.do == "run":
                assert step.moment is not None
                target = user
                if step.moment == "on_open":
                    # on_open is the moment of nobody logged in: a logout or switch
                    # that runs it must not hand it the person who just left, or
                    # its templates and logins would act for them again
                    target = None
                elif switch is not None and step.moment == "on_logout":
                    self._end_session()
                    target = switch[0]
                elif switch is not None and step.moment == "on_login":
                    self._end_session()
                    self._start_session(switch[1])
                    target = switch[1]
                if not self._run(step.moment, target, skip_reset=skip_reset):
                    return False
                continue
            pending = self._perform(step, user)
            if pending is not None and not self._await(pending, step=step):
                self._note(
                    "the app waits for a callback that never fires; the rest of "
                    f"{moment or 'the step'} does not run"
                )
                if self._outcome is not None:
                    self._outcome.stalled = True
                return False
        return True

    def _await(
        self, pending: Pending, *, step: Step | None = None, force: bool = False
    ) -> bool:
        wait = force or (
            step.await_
            if step is not None and step.await_ is not None
            else self.integration.awaits_completion
        )
        if pending.state == "never":
            if self._outcome is not None:
                self._outcome.results.append((pending.call, None))
            return not wait
        if wait:
            self.network.deliver_until(pending)
        if self._outcome is not None:
            if pending.result is not None:
                self._outcome.results.append((pending.call, pending.result))
            else:
                outcome = self._outcome
                pending.then(lambda r: outcome.results.append((pending.call, r)))
        return True

    def _context(self, user: RegisteredUser | None) -> dict[str, Any]:
        return {
            "user.user_id": user.user_id if user else None,
            "user.member_id": user.member_id if user else None,
            "user.tier": user.tier if user else None,
            "user.name": user.name if user else None,
            "user.email": user.email if user else None,
            "platform": self.platform,
            "now": int(self.clock.now()),
        }

    def _attributes(self, step: Step, user: RegisteredUser | None) -> dict[str, Any]:
        context = self._context(user)
        custom: dict[str, Any] = {}
        standard: dict[str, Any] = {}
        for name, value in step.attributes.items():
            rendered = render(value, context)
            if name in ("name", "email", "phone"):
                standard[name] = rendered
            else:
                custom[name] = rendered
        return {**standard, "custom_attributes": custom} if custom else standard

    def _update_attributes(self, user: RegisteredUser | None) -> dict[str, Any]:
        """The attributes of the moment's update step, for a login that carries them."""
        for step in self.integration.on_login:
            if step.do == "update":
                return self._attributes(step, user)
        return {}

    def _perform(self, step: Step, user: RegisteredUser | None) -> Pending | None:
        sdk = self.sdk
        if step.do == "sign":
            self._sign(user)
            return None
        if step.do == "clear_caches":
            data = self.storage.load(_APP_KEY) or {}
            data["cache"] = {}
            self.storage.save(_APP_KEY, data)
            return None
        if step.do == "reset":
            if isinstance(sdk, WebMessenger):
                sdk.shutdown()
            else:
                sdk.logout()  # type: ignore[call-arg]
            return None
        if step.do == "login_unidentified":
            if isinstance(sdk, WebMessenger):
                return sdk.boot({})
            return sdk.loginUnidentifiedUser()  # type: ignore[attr-defined]
        if step.do == "login_identified":
            if user is None:
                # nobody to log in (an on_open that logs in identified): say so in
                # the trace rather than skip the step unseen
                self._note("login_identified skipped: nobody is logged in to the app")
                return None
            data = self.storage.load(_APP_KEY) or {}
            data["cache"] = {"profile_of": user.alias}
            self.storage.save(_APP_KEY, data)
            attributes = self._update_attributes(user) if step.with_attributes else None
            if isinstance(sdk, WebMessenger):
                settings: dict[str, Any] = {
                    "user_id": user.user_id,
                    "email": user.email,
                }
                settings.update(self._web_signature(user))
                if attributes:
                    settings.update(attributes)
                return sdk.boot(settings)
            if isinstance(sdk, IOSMessenger):
                return sdk.loginUser(
                    userId=user.user_id, email=user.email, attributes=attributes
                )
            assert isinstance(sdk, AndroidMessenger)
            return sdk.loginIdentifiedUser(
                userId=user.user_id, email=user.email, userAttributes=attributes
            )
        if step.do == "update":
            attributes = self._attributes(step, user)
            if isinstance(sdk, WebMessenger):
                return sdk.update(attributes)
            return sdk.updateUser(attributes)  # type: ignore[attr-defined]
        raise AssertionError(f"unhandled step {step.do!r}")  # pragma: no cover

    def _sign(self, user: RegisteredUser | None) -> None:
        if user is None or self.integration.verification == "none":
            return
        if isinstance(self.sdk, WebMessenger):
            return  # the page passes the signature in boot's settings
        if self.integration.verification == "jwt":
            self.sdk.setUserJwt(  # type: ignore[attr-defined]
                self.backend.user_jwt(self.platform, user)
            )
        else:
            self.sdk.setUserHash(  # type: ignore[attr-defined]
                self.backend.user_hash(self.platform, user)
            )

    def _web_signature(self, user: RegisteredUser) -> dict[str, Any]:
        if self.integration.verification == "hmac":
            return {"user_hash": self.backend.user_hash("web", user)}
        if self.integration.verification == "jwt":
            return {"intercom_user_jwt": self.backend.user_jwt("web", user)}
        return {}

    def _composer(self, text: str) -> Pending:
        sdk = self.sdk
        if isinstance(sdk, WebMessenger):
            return sdk.showNewMessage(text)
        if isinstance(sdk, IOSMessenger):
            return sdk.presentMessageComposer(text)
        return sdk.displayMessageComposer(text)  # type: ignore[attr-defined]

    def _present(self) -> Pending:
        sdk = self.sdk
        if isinstance(sdk, WebMessenger):
            return sdk.show()
        if isinstance(sdk, IOSMessenger):
            return sdk.presentMessenger()
        return sdk.present()  # type: ignore[attr-defined]

    def _push(self, token: str) -> Pending:
        sdk = self.sdk
        if isinstance(sdk, IOSMessenger):
            return sdk.setDeviceToken(token)
        if isinstance(sdk, AndroidMessenger):
            return sdk.sendTokenToIntercom(token)
        return Pending.done(
            "push",
            SdkResult.failure("unsupported", "the web Messenger has no push tokens"),
        )
