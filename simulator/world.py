"""One scenario's world: clock, seed, workspace, backend, devices and the trace.

    with World(seed=7) as world:
        ann = world.backend.register("ann")
        phone = world.device("android", integration="no-sdk-logout")
        world.act(phone, phone.login, ann)
        world.act(phone, phone.logout)
        world.act(phone, phone.start_conversation)

Each `act` runs one app event, lets the network deliver everything in flight, and
appends a snapshot of the truth (the app's session, the SDK's identity) and of the
workspace view (the contact the device speaks for, read back over the REST API).
Nothing sleeps; `advance` moves the simulated clock.
"""

from __future__ import annotations

import random
import secrets
import ssl
from collections.abc import Callable
from typing import Any

import httpx
import respx

from .app import SimulatedApp, StepOutcome
from .backend import Backend, mount_backend
from .clock import SimulatedClock, duration
from .config import WorkspaceConfig, load_workspace_config
from .integrations import Integration, load_integration
from .sdk.network import Network
from .sdk.profiles import DEFAULT_PROFILES, SdkProfile, load_profile
from .trace import Trace
from .workspace import BASE_URLS, LoopbackServer, Workspace, mount

__all__ = ["TARGETS", "World"]

TARGETS = ("inprocess", "loopback")
_SSL_CONTEXT: ssl.SSLContext | None = None


def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every world: loading the CA bundle takes tens of ms."""
    global _SSL_CONTEXT
    if _SSL_CONTEXT is None:
        _SSL_CONTEXT = ssl.create_default_context()
    return _SSL_CONTEXT


class World:
    def __init__(
        self,
        *,
        seed: int | None = None,
        workspace_config: WorkspaceConfig | None = None,
        target: str = "inprocess",
        debug_trace: bool = False,
    ):
        if target not in TARGETS:
            raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
        self.seed = seed if seed is not None else random.SystemRandom().randrange(10**9)
        self.target = target
        self.clock = SimulatedClock()
        self.config = workspace_config or load_workspace_config()
        self.identity_secrets = self.config.identity_verification.resolve_secrets()
        self._token = secrets.token_urlsafe(24)
        self.workspace = Workspace(
            self.config,
            clock=self.clock,
            tokens=[self._token],
            identity_secrets=self.identity_secrets,
            seed=f"world-{self.seed}",
        )
        self.trace = Trace(self.seed, debug=debug_trace)
        self.trace.protect(*self.identity_secrets.values())
        self.backend = Backend(
            self.clock,
            seed=self.seed,
            identity_secrets=self.identity_secrets,
            on_sign=self.trace.protect,
        )
        self.router = respx.mock(
            assert_all_mocked=True, assert_all_called=False, using="httpx"
        )
        mount_backend(self.backend, self.router)
        self._server: LoopbackServer | None = None
        if target == "loopback":
            self._server = LoopbackServer(self.workspace)
            self.router.route(host="127.0.0.1").pass_through()
            base_url = self._server.url
        else:
            mount(self.workspace, self.router)
            base_url = BASE_URLS[self.config.region]
        self.messenger_client = httpx.Client(base_url=base_url, verify=_ssl_context())
        self.rest = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {self._token}"},
            verify=_ssl_context(),
        )
        self.network = Network(
            self.messenger_client, self.clock, self.trace, self.config.app_id
        )
        self.devices: dict[str, SimulatedApp] = {}

    # -- lifetime -----------------------------------------------------------------

    def __enter__(self) -> World:
        self.router.start()
        if self._server is not None:
            self._server.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.messenger_client.close()
        self.rest.close()
        if self._server is not None:
            self._server.stop()
        self.router.stop()

    # -- building the scene --------------------------------------------------------

    def device(
        self,
        platform: str,
        *,
        integration: str | Integration = "recommended",
        profile: str | SdkProfile | None = None,
        device_id: str | None = None,
    ) -> SimulatedApp:
        if platform not in DEFAULT_PROFILES:
            raise ValueError(
                f"platform must be one of {', '.join(DEFAULT_PROFILES)}, got "
                f"{platform!r}"
            )
        if not isinstance(integration, Integration):
            integration = load_integration(integration)
        if not isinstance(profile, SdkProfile):
            profile = load_profile(profile or DEFAULT_PROFILES[platform], platform)
        device_id = device_id or f"{platform}-{len(self.devices) + 1}"
        app = SimulatedApp(
            platform=platform,
            device_id=device_id,
            integration=integration,
            profile=profile,
            backend=self.backend,
            network=self.network,
            clock=self.clock,
            trace=self.trace,
            seed=self.seed,
        )
        self.devices[device_id] = app
        return app

    # -- moving the scenario -----------------------------------------------------------

    def act(
        self, app: SimulatedApp, event: Callable[..., StepOutcome], *args: Any
    ) -> StepOutcome:
        """Run one app event, deliver what is in flight, and snapshot the world."""
        outcome = event(*args)
        self.network.settle()
        self.snapshot(app)
        return outcome

    def advance(self, seconds: float) -> None:
        self.trace.add("note", self.clock.now(), text=f"{duration(seconds)} pass")
        self.clock.advance(seconds)
        self.network.settle()

    def expire_session(self, app: SimulatedApp) -> None:
        """The app's session ends on the backend (the app is not told)."""
        session = app.session
        if session is not None:
            self.backend.expire(session["id"])
            self.trace.add(
                "note",
                self.clock.now(),
                device=app.device_id,
                text=f"the backend session {session['id']} expired",
            )

    def network_down(self) -> None:
        self.network.up = False
        self.trace.add("note", self.clock.now(), text="the network drops requests")

    def network_up(self) -> None:
        self.network.up = True
        self.trace.add("note", self.clock.now(), text="the network is restored")

    def connector(self) -> httpx.Client:
        """A client for the backend's data connector (answered by the world's
        router), sharing the world's TLS context: loading a fresh one per client
        costs tens of milliseconds."""
        return httpx.Client(verify=_ssl_context())

    # -- reading it back ---------------------------------------------------------------

    def truth(self, app: SimulatedApp) -> dict[str, Any]:
        session = app.session
        live = bool(session) and self.backend.is_live(session["id"])
        user = app.user if session else None
        return {
            "logged_in": live,
            "alias": user.alias if user and live else None,
            "user_id": user.user_id if user and live else None,
            "app_session": session["id"] if session else None,
        }

    def sdk_view(self, app: SimulatedApp) -> dict[str, Any]:
        current = app.sdk.current or {}
        return {
            "identity": current.get("kind", "none"),
            "user_id": current.get("user_id"),
            "email": current.get("email"),
            "anonymous_id": current.get("anonymous_id"),
            "contact_id": current.get("contact_id"),
            "push_token": app.sdk.state.get("push_token"),
            "cached_conversations": [
                c.get("id") for c in app.sdk.state.get("conversations") or []
            ],
        }

    def contact(self, contact_id: str | None) -> dict[str, Any] | None:
        """A contact as the REST API shows it, or None."""
        if not contact_id:
            return None
        response = self.rest.get(f"/contacts/{contact_id}")
        return response.json() if response.status_code == 200 else None

    def contact_for(self, app: SimulatedApp) -> dict[str, Any] | None:
        """The contact the device's SDK speaks for right now."""
        return self.contact((app.sdk.current or {}).get("contact_id"))

    def users_with_external_id(self, external_id: str) -> list[dict[str, Any]]:
        response = self.rest.post(
            "/contacts/search",
            json={
                "query": {
                    "field": "external_id",
                    "operator": "=",
                    "value": external_id,
                },
                "pagination": {"per_page": 150},
            },
        )
        response.raise_for_status()
        return [c for c in response.json()["data"] if c["role"] == "user"]

    def snapshot(self, app: SimulatedApp) -> dict[str, Any]:
        contact = self.contact_for(app)
        view = None
        if contact is not None:
            view = {
                "contact_id": contact["id"],
                "role": contact["role"],
                "external_id": contact["external_id"],
                "email": contact["email"] or None,
                "custom_attributes": contact["custom_attributes"],
            }
        snapshot = {
            "truth": self.truth(app),
            "sdk": self.sdk_view(app),
            "workspace": view,
        }
        self.trace.add("snapshot", self.clock.now(), device=app.device_id, **snapshot)
        return snapshot
