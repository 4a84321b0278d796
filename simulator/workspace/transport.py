"""The two ways to reach a workspace: a respx router in-process, or HTTP on loopback.

In-process, `mount` routes the real service's base URLs (US, EU and AU) to the
workspace through respx. The router is strict: a request to any other host, or to a
path the workspace does not serve, fails with respx's `AllMockedAssertionError`, so
nothing reaches a network and nothing unplanned passes silently.

On loopback, `asgi_app` wraps the same workspace as a Starlette application and
`LoopbackServer` serves it with uvicorn on 127.0.0.1, for clients that no one here
wrote.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import httpx
import respx
import uvicorn
from respx.patterns import Lookup
from respx.patterns import Path as PathPattern
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Mount, request_response

from ..clock import SimulatedClock
from .faults import RequestDropped
from .service import ApiRequest, Workspace

__all__ = [
    "BASE_URLS",
    "LoopbackServer",
    "asgi_app",
    "mount",
]

log = logging.getLogger("simulator.workspace.transport")

BASE_URLS = {
    "us": "https://api.intercom.io",
    "eu": "https://api.eu.intercom.io",
    "au": "https://api.au.intercom.io",
}


def _path_pattern(workspace: Workspace) -> re.Pattern[str]:
    """One regex matching every path the workspace serves, and nothing else."""
    parts = sorted({route.pattern.pattern[1:-1] for route in workspace.routes})
    # named groups would clash across alternatives
    parts = [re.sub(r"\(\?P<\w+>", "(?:", part) for part in parts]
    return re.compile("^(?:" + "|".join(parts) + ")$")


class _RawPath(PathPattern):
    """respx's path pattern, matched against the path as sent, still encoded.

    respx matches the decoded path, where an id holding an encoded "/" splits into two
    segments and no route fits; the workspace splits the path before decoding it.
    """

    key = "raw_path"
    lookups = (Lookup.REGEX,)

    def parse(self, request: httpx.Request) -> str:
        return _raw_path(request)


def _raw_path(request: httpx.Request) -> str:
    return request.url.raw_path.partition(b"?")[0].decode("ascii")


def _side_effect(workspace: Workspace):
    def answer(request: httpx.Request) -> httpx.Response:
        api_request = ApiRequest(
            method=request.method,
            path=_raw_path(request),
            query=dict(request.url.params),
            # latin-1, as ASGI servers read headers: any byte is a character, so an
            # odd header is refused by the workspace rather than crashing the client
            headers={
                k.decode("latin-1").lower(): v.decode("latin-1")
                for k, v in request.headers.raw
            },
            body=request.content,
        )
        try:
            response = workspace.handle(api_request)
        except RequestDropped as dropped:
            raise httpx.ReadTimeout(str(dropped), request=request) from None
        if response.latency and isinstance(workspace.clock, SimulatedClock):
            # the answer arrives later in simulated time; nobody sleeps for it
            workspace.clock.advance(response.latency)
        return httpx.Response(
            response.status, headers=response.headers, content=response.body
        )

    return answer


def mount(
    workspace: Workspace,
    router: respx.MockRouter | None = None,
    *,
    base_urls: Iterable[str] = BASE_URLS.values(),
) -> respx.MockRouter:
    """Route the service's base URLs to `workspace` on a respx router.

    Without a router a new strict one is made; use it as a context manager (or call
    `start()`/`stop()`). With a router, the workspace's routes are added to it.
    """
    if router is None:
        router = respx.mock(
            assert_all_mocked=True, assert_all_called=False, using="httpx"
        )
    pattern = _path_pattern(workspace)
    effect = _side_effect(workspace)
    for base_url in base_urls:
        url = httpx.URL(base_url)
        router.route(
            _RawPath(pattern, Lookup.REGEX), scheme=url.scheme, host=url.host
        ).mock(side_effect=effect)
    return router


def asgi_app(workspace: Workspace, *, drop_hold: float = 2.0) -> Starlette:
    """The workspace as an ASGI application.

    A dropped request is held for `drop_hold` seconds (longer than the client's timeout
    is meant to be) and then answered with a 504 that the client should never see.
    """

    async def endpoint(request: Request) -> Response:
        try:
            body = await request.body()
        except ClientDisconnect:
            # The client hung up before its body arrived; nobody is left to answer.
            return Response(status_code=400)
        api_request = ApiRequest(
            method=request.method,
            path=_asgi_raw_path(request),
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )
        try:
            response = workspace.handle(api_request)
        except RequestDropped:
            await asyncio.sleep(drop_hold)
            return Response(status_code=504)
        if response.latency:
            await asyncio.sleep(response.latency)
        return Response(
            response.body, status_code=response.status, headers=response.headers
        )

    # Every method reaches the workspace, which answers what it does not serve with
    # its own 404 envelope, as in-process; a method list here would answer the rest
    # (OPTIONS, TRACE, ...) with Starlette's plain-text 405.
    return Starlette(routes=[Mount("", app=request_response(endpoint))])


def _asgi_raw_path(request: Request) -> str:
    # request.url.path is rebuilt from the decoded path, so an id holding an encoded
    # "?" or "#" would lose its tail to the query or fragment there.
    raw = request.scope.get("raw_path")
    if raw:
        return raw.partition(b"?")[0].decode("latin-1")
    return quote(request.scope["path"])


class LoopbackServer:
    """Serve a workspace with uvicorn on 127.0.0.1, in a background thread.

    Port 0 picks a free port; `url` tells which. Use as a context manager.
    """

    def __init__(
        self,
        workspace: Workspace,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        drop_hold: float = 2.0,
        log_level: str = "warning",
    ):
        self.workspace = workspace
        self.host = host
        # asyncio turns Nagle's algorithm off only for sockets whose proto is TCP;
        # with proto 0 every keep-alive answer waits out the peer's delayed ACK.
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((host, port))
        except OSError:
            self._socket.close()
            raise
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            asgi_app(workspace, drop_hold=drop_hold),
            log_level=log_level,
            lifespan="off",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> LoopbackServer:
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"workspace-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the loopback server on {self.url} did not start")
            time.sleep(0.01)
        log.info("workspace serving on %s", self.url)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (for the CLI)."""
        self._server.run(sockets=[self._socket])

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
