"""Fixtures shared by the whole test suite.

`workspace` is a fresh mock workspace on the bundled default config with a known token
and known identity secrets; `api` is an httpx client that reaches it in-process through
the strict respx router; `messenger` is a helper to call the Messenger endpoints;
`loopback` serves the same workspace on 127.0.0.1.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest
from hypothesis import settings

from simulator.clock import SimulatedClock
from simulator.config import load_workspace_config
from simulator.workspace import (
    ApiRequest,
    ApiResponse,
    LoopbackServer,
    Workspace,
    mount,
    user_hash,
)
from simulator.world import World

pytest_plugins = ["tests.conformance_plugin", "pytester"]

# -- hypothesis profiles --------------------------------------------------------------
# HYPOTHESIS_PROFILE picks one (or pytest's --hypothesis-profile):
#   ci        the default: every property runs the example count its test names, which
#             keeps the whole suite to seconds;
#   thorough  ten times as many examples everywhere, for a deliberate hunt:
#             HYPOTHESIS_PROFILE=thorough python -m pytest tests
# Both leave out the deadline: a loaded machine (or xdist) would make timings flaky.
# A test names its count as `examples(n)`, so that the profile scales it.
settings.register_profile("ci", max_examples=100, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def examples(count: int) -> int:
    """`count` examples under the ci profile, scaled by the profile in force."""
    return max(1, count * settings.default.max_examples // 100)


TOKEN = "test-token"
SECRETS = {"ios": "ios-secret", "android": "android-secret", "web": "web-secret"}
US = "https://api.intercom.io"
# An httpx client loads the CA bundle into a new TLS context when it is built (about
# 30 ms); the tests' clients speak to respx routes or plain-HTTP loopback, never TLS, so
# they all share one context.
TLS = httpx.create_ssl_context()


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock()


@pytest.fixture
def workspace(clock: SimulatedClock) -> Workspace:
    return Workspace(
        load_workspace_config(), clock=clock, tokens=[TOKEN], identity_secrets=SECRETS
    )


@pytest.fixture
def api(workspace: Workspace) -> Iterator[httpx.Client]:
    with mount(workspace):
        with httpx.Client(
            verify=TLS, base_url=US, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client:
            yield client


class MessengerClient:
    """Calls the workspace's Messenger endpoints as one device on one platform."""

    def __init__(self, client: httpx.Client, app_id: str, platform: str, device: str):
        self.client = client
        self.app_id = app_id
        self.platform = platform
        self.device = device

    def post(self, path: str, **body: Any) -> httpx.Response:
        body.setdefault("device_id", self.device)
        return self.client.post(
            f"/messenger/v1/{path}",
            json=body,
            headers={
                "X-Intercom-App-Id": self.app_id,
                "X-Intercom-Platform": self.platform,
            },
        )

    def signed(self, user_id: str | None = None, email: str | None = None) -> dict:
        """The identity fields with a valid HMAC user hash for this platform."""
        fields: dict[str, Any] = {
            "user_hash": user_hash(SECRETS[self.platform], user_id, email)
        }
        if user_id is not None:
            fields["user_id"] = user_id
        if email is not None:
            fields["email"] = email
        return fields


@pytest.fixture
def messenger(workspace: Workspace, api: httpx.Client):
    """A factory: `messenger("ios", "device-1")` gives a client for that device."""

    def make(platform: str = "ios", device: str = "device-1") -> MessengerClient:
        return MessengerClient(api, workspace.config.app_id, platform, device)

    return make


class _CurrentWorkspace:
    """What the shared loopback server serves: the running test's workspace.

    The ASGI app calls only `handle`, so this stands in for a workspace and passes each
    request on to whichever one a test has put here.
    """

    def __init__(self) -> None:
        self.current: Workspace | None = None

    def handle(self, request: ApiRequest) -> ApiResponse:
        if self.current is None:
            raise RuntimeError("a loopback request arrived between tests")
        return self.current.handle(request)


@pytest.fixture(scope="session")
def _loopback_server() -> Iterator[tuple[LoopbackServer, _CurrentWorkspace]]:
    # uvicorn takes about 0.15 s to stop, so one server per worker serves every test;
    # each test still gets its own fresh workspace behind it (see `loopback`)
    current = _CurrentWorkspace()
    with LoopbackServer(cast(Workspace, current), drop_hold=0.5) as server:
        yield server, current


@pytest.fixture
def loopback(
    workspace: Workspace, _loopback_server: tuple[LoopbackServer, _CurrentWorkspace]
) -> Iterator[LoopbackServer]:
    """The loopback server, serving this test's `workspace`."""
    server, current = _loopback_server
    current.current = workspace
    try:
        yield server
    finally:
        current.current = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Name the world's seed in a failing test's report, so the run can be replayed."""
    outcome = yield
    report = outcome.get_result()
    world = getattr(item, "_harness_world", None)
    if report.failed and world is not None:
        report.sections.append(
            (
                "harness",
                f"world seed: {world.seed} (replay with World(seed={world.seed}))",
            )
        )


@pytest.fixture
def world(request) -> Iterator[World]:
    """A scenario world on the default workspace config, with a seed per test.

    The seed comes from the test's id, so a test replays the same way every run; it is
    printed when the test fails.
    """
    seed = zlib.crc32(request.node.nodeid.encode())
    with World(seed=seed) as built:
        request.node._harness_world = built
        yield built
