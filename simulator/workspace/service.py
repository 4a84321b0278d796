"""The workspace: one implementation of the service's behaviour, behind one `handle`.

Both transports (the in-process respx router and the loopback ASGI server) turn an HTTP
request into an `ApiRequest`, call `Workspace.handle`, and turn the `ApiResponse` back.
Everything the real service decides (authentication, rate limits, versions, each
endpoint's rules) is decided here, once.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import random
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from ..clock import Clock, SimulatedClock
from ..config import WorkspaceConfig
from ..rules.workflows import Workflow
from .attributes import STANDARD_CONTACT_ATTRIBUTES, define_attribute
from .errors import ApiError
from .faults import FaultPlan, RequestDropped
from .identity import IdentityVerifier
from .ratelimit import RateLimiter
from .state import Conversation, WorkspaceState

__all__ = [
    "ApiRequest",
    "ApiResponse",
    "Call",
    "EXCHANGE_OBSERVERS",
    "Route",
    "Workspace",
    "SUPPORTED_VERSIONS",
]

log = logging.getLogger("simulator.workspace")

# Every version the 2.16 description names. Versions before 2.14 are answered with the
# 2.14 shapes: the harness does not simulate the older ones.
SUPPORTED_VERSIONS = frozenset(
    [f"1.{n}" for n in range(5)] + [f"2.{n}" for n in range(17)]
)

# How deeply a request body may nest objects and arrays. The deepest body the API takes
# (a search with nested groups and an IN list) is under ten levels; a limit far above
# that refuses hostile bodies before any handler walks or repeats them.
MAX_BODY_DEPTH = 64
# Query parameters are plain decimal numbers; Python's int() would also take "5_0",
# " 5" and other scripts' digits.
_DECIMAL = re.compile(r"[0-9]+")

# Called with (request, response, route) after every exchange, on every workspace.
# The test suite hangs its OpenAPI conformance check here.
EXCHANGE_OBSERVERS: list[Callable[[ApiRequest, ApiResponse, Route | None], None]] = []


@dataclass(slots=True)
class ApiRequest:
    method: str
    # the path as sent, still percent-encoded: an id may hold an encoded "/" or "?",
    # which only survives until the path is split into its parameters
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    # header names in lower case
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(slots=True)
class ApiResponse:
    status: int
    body: bytes
    headers: dict[str, str]
    operation: str | None = None
    # seconds the transport should hold the answer back (an injected latency)
    latency: float = 0.0
    # the API version whose shapes answered (None before the request was admitted)
    version: str | None = None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


Handler = Callable[["Workspace", "Call"], Any]


@dataclass(slots=True)
class Route:
    method: str
    template: str
    operation: str
    handler: Handler
    # "rest" routes take a bearer token; "messenger" routes take the app id
    surface: str = "rest"
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        self.pattern = re.compile(f"^{regex}$")


@dataclass(slots=True)
class Call:
    """One request as a handler sees it: parsed, authenticated, versioned."""

    request: ApiRequest
    params: dict[str, str]
    version: str
    now: int
    # the workspace clock's exact reading when the request arrived; a write applied
    # after a sync delay is judged (a JWT's expiry, say) as of then, not as it lands
    received_at: float
    token: str | None = None
    platform: str | None = None
    rate_headers: dict[str, str] = field(default_factory=dict)
    _body: Any = None
    _parsed: bool = False

    def body(self) -> dict[str, Any]:
        if not self._parsed:
            self._parsed = True
            raw = self.request.body
            if not raw.strip():
                self._body = {}
            else:
                self._body = _parse_body(raw)
        if not isinstance(self._body, dict):
            raise ApiError(400, "bad_request", "The request body must be a JSON object")
        return self._body

    def query_int(self, name: str, default: int, maximum: int) -> int:
        raw = self.request.query.get(name)
        if raw is None or raw == "":
            return default
        if _DECIMAL.fullmatch(raw) is None:
            raise ApiError(
                400,
                "parameter_invalid",
                f"{name} must be an integer written in the digits 0-9, got {raw!r}",
                field=name,
            )
        # compared as text first: a thousand digits are out of range, not unreadable
        value = int(raw) if len(raw) <= 18 else None
        if value is None or not 1 <= value <= maximum:
            shown = raw if len(raw) <= 40 else f"a number of {len(raw)} digits"
            raise ApiError(
                400,
                "parameter_invalid",
                f"{name} must be between 1 and {maximum}, got {shown}",
                field=name,
            )
        return value


class Workspace:
    """A stateful mock of one Intercom workspace."""

    def __init__(
        self,
        config: WorkspaceConfig | None = None,
        *,
        clock: Clock | None = None,
        tokens: tuple[str, ...] | list[str] = (),
        identity_secrets: dict[str, str] | None = None,
        seed: str = "harness",
        workflow: Workflow | None = None,
    ):
        from . import messenger, rest  # the handlers import this module's types
        from .routing import WorkflowRouter, configured_workflow

        self.config = config or WorkspaceConfig()
        self.clock = clock or SimulatedClock()
        self.state = WorkspaceState(seed=seed)
        self.tokens = set(tokens) or {secrets.token_urlsafe(24)}
        iv = self.config.identity_verification
        self.identity_secrets = identity_secrets or iv.resolve_secrets()
        self.verifier = IdentityVerifier(iv.mode, iv.method, self.identity_secrets)
        self.limiter = RateLimiter(
            self.config.rate_limit.app_per_minute,
            self.config.rate_limit.workspace_per_minute,
        )
        self.faults = FaultPlan()
        self.created_at = int(self.clock.now())
        self.admin_id = "991200"
        # called with each conversation as it starts, before the answer is sent
        self.conversation_listeners: list[
            Callable[[Workspace, Conversation], None]
        ] = []
        # the workflow that routes each new conversation (given, else the config's)
        self.workflow = configured_workflow(self.config, workflow)
        if self.workflow is not None:
            self.conversation_listeners.append(WorkflowRouter(self.workflow))
        # (due time, arrival number, the admitted call, its route), soonest first
        self._pending: list[tuple[float, int, Call, Route, dict[str, int]]] = []
        self._arrivals = 0
        # error request ids are uuid4-shaped but drawn from the seed, so that a
        # scenario's trace (which may hold error bodies) replays byte for byte
        self._request_ids = random.Random(f"{seed}:request-ids")
        self._lock = threading.RLock()
        self._routes = rest.ROUTES + messenger.ROUTES
        self._by_method: dict[str, list[Route]] = {}
        for route in self._routes:
            self._by_method.setdefault(route.method, []).append(route)
        self._define_initial_attributes()
        add_listener = getattr(self.clock, "add_listener", None)
        if add_listener is not None:
            add_listener(self._on_time)

    @property
    def token(self) -> str:
        """One valid access token (the first, in sorted order)."""
        return sorted(self.tokens)[0]

    @property
    def routes(self) -> list[Route]:
        return list(self._routes)

    def now(self) -> int:
        return int(self.clock.now())

    def _define_initial_attributes(self) -> None:
        now = self.now()
        for name, data_type, label in STANDARD_CONTACT_ATTRIBUTES:
            define_attribute(
                self.state,
                name,
                data_type,
                now=now,
                custom=False,
                label=label,
                messenger_writable=False,
            )
        for attribute in self.config.custom_attributes:
            define_attribute(
                self.state,
                attribute.name,
                attribute.data_type,
                now=now,
                description=attribute.description,
                options=attribute.options,
                messenger_writable=attribute.messenger_writable,
            )

    # -- dispatch ---------------------------------------------------------------

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self._by_method.get(method.upper(), ()):
            found = route.pattern.match(path)
            if found is not None:
                # Split first, decode after: "a%2Fb" is one id holding a slash.
                params = {k: unquote(v) for k, v in found.groupdict().items()}
                return route, params
        return None

    def handle(self, request: ApiRequest) -> ApiResponse:
        """Answer one request as the real service would.

        Raises `RequestDropped` when an injected fault loses the request; the transport
        turns that into what the client would see (a timeout).
        """
        with self._lock:
            self._apply_due(self.clock.now())
            matched = self.match(request.method, request.path)
            route = matched[0] if matched else None
            response = self._answer(request, matched)
        for observer in EXCHANGE_OBSERVERS:
            observer(request, response, route)
        log.debug(
            "%s %s -> %s (%s)",
            request.method,
            request.path,
            response.status,
            response.operation,
        )
        return response

    def _answer(
        self, request: ApiRequest, matched: tuple[Route, dict[str, str]] | None
    ) -> ApiResponse:
        if matched is None:
            return self._error(ApiError(404, "not_found", "Resource Not Found"), None)
        route, params = matched
        fault = self.faults.take(route.operation) if self.faults else None
        if fault is not None:
            if fault.drop:
                raise RequestDropped(route.operation)
            if fault.status is not None:
                error = ApiError(
                    fault.status,
                    "service_unavailable" if fault.status == 503 else "server_error",
                    "Injected server error",
                )
                response = self._error(error, route)
                response.latency = fault.latency
                return response
        try:
            call = self._admit(request, route, params)
            if fault is not None and fault.sync_delay > 0:
                response = self._accept_later(call, route, fault.sync_delay)
            else:
                response = self._run(call, route)
        except ApiError as error:
            response = self._error(error, route)
        if fault is not None:
            response.latency = fault.latency
        return response

    def _admit(self, request: ApiRequest, route: Route, params: dict[str, str]) -> Call:
        """Authenticate, rate-limit and version the request."""
        headers = request.headers
        now = self.now()
        if route.surface == "rest":
            token = _bearer(headers.get("authorization"))
            if token is None or token not in self.tokens:
                raise ApiError(401, "unauthorized", "Access Token Invalid")
            limit_key = token
        else:
            if headers.get("x-intercom-app-id") != self.config.app_id:
                raise ApiError(401, "unauthorized", "App Id Invalid")
            token = None
            limit_key = "messenger:" + self.config.app_id
        rate_headers = self.limiter.hit(limit_key, self.clock.now())
        call = Call(
            request,
            params,
            self.config.api_version,
            now,
            received_at=self.clock.now(),
            token=token,
            rate_headers=rate_headers,
        )
        version = headers.get("intercom-version")
        if version is not None and route.surface == "rest":
            version = version.strip()
            if version not in SUPPORTED_VERSIONS:
                raise ApiError(
                    400,
                    "intercom_version_invalid",
                    f"Requested version {version!r} is not valid",
                    headers=rate_headers,
                )
            call.version = version if _at_least(version, (2, 14)) else "2.14"
        if route.surface == "messenger":
            platform = headers.get("x-intercom-platform")
            if platform not in ("ios", "android", "web"):
                raise ApiError(
                    400,
                    "parameter_invalid",
                    "X-Intercom-Platform must be ios, android or web, "
                    f"got {platform!r}",
                    headers=rate_headers,
                )
            call.platform = platform
        return call

    def _run(self, call: Call, route: Route) -> ApiResponse:
        headers = call.rate_headers
        try:
            result = route.handler(self, call)
        except ApiError as error:
            error.headers = {**headers, **error.headers}
            raise
        status = 200
        if isinstance(result, tuple):
            status, result = result
        return ApiResponse(
            status,
            _dumps(result),
            _json_headers(headers),
            route.operation,
            version=call.version,
        )

    def _accept_later(self, call: Call, route: Route, delay: float) -> ApiResponse:
        # Answer as the service would now, from a copy of the state, and apply the
        # same request to the real state once the simulated clock has moved on.
        # Listeners hear of a conversation once, when it is applied: one they saw on
        # the copy would be thrown away with it.
        saved, listeners = self.state, self.conversation_listeners
        self.state, self.conversation_listeners = copy.deepcopy(saved), []
        drawn_from = dict(saved.counters)
        try:
            response = self._run(call, route)
            # The ids the copy drew are reserved: records created in the meantime
            # take the next ones, and the write lands with the ids it answered with.
            saved.counters.update(self.state.counters)
        finally:
            self.state, self.conversation_listeners = saved, listeners
        apply_at = self.clock.now() + delay
        self._arrivals += 1
        self._pending.append((apply_at, self._arrivals, call, route, drawn_from))
        self._pending.sort(key=lambda item: (item[0], item[1]))
        return response

    def _on_time(self, now: float) -> None:
        with self._lock:
            self._apply_due(now)

    def _apply_due(self, now: float) -> None:
        while self._pending and self._pending[0][0] <= now:
            _, _, accepted, route, drawn_from = self._pending.pop(0)
            # The request was authenticated, versioned and counted against the rate
            # limit when it arrived; admitting it again would charge a later window
            # for it and could refuse a write the client was told had succeeded. It
            # keeps its arrival time, so it lands with the times it was answered with.
            call = Call(
                accepted.request,
                accepted.params,
                accepted.version,
                accepted.now,
                received_at=accepted.received_at,
                token=accepted.token,
                platform=accepted.platform,
            )
            counters = self.state.counters
            self.state.counters = dict(drawn_from)
            try:
                self._run(call, route)
            except ApiError as error:
                log.debug("delayed %s failed when applied: %s", route.operation, error)
            finally:
                for kind, value in self.state.counters.items():
                    counters[kind] = max(counters.get(kind, 0), value)
                self.state.counters = counters

    @property
    def pending_count(self) -> int:
        """Requests accepted under a sync delay and not applied yet."""
        return len(self._pending)

    def _error(self, error: ApiError, route: Route | None) -> ApiResponse:
        payload = {
            "type": "error.list",
            "request_id": str(
                uuid.UUID(int=self._request_ids.getrandbits(128), version=4)
            ),
            "errors": [error.error_item()],
        }
        return ApiResponse(
            error.status,
            _dumps(payload),
            _json_headers(error.headers),
            route.operation if route else None,
        )

    # -- hooks used by handlers ---------------------------------------------------

    def conversation_started(self, conversation: Conversation) -> None:
        for listener in list(self.conversation_listeners):
            listener(self, conversation)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} is too large to be represented")
    return value


def _bounded_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # past Python's limit on digits read into one int
        raise ValueError(
            f"the number {text[:12]}... has {len(text)} digits, too many to read"
        ) from None


def _parse_body(raw: bytes) -> Any:
    """The JSON a request body holds, or the 400 that says why it cannot be read.

    NaN and Infinity are refused: Python reads them, but no JSON parser on the client's
    side could read an answer that echoed them.
    """
    too_deep = ApiError(
        400,
        "bad_request",
        f"The request body nests objects and arrays more than {MAX_BODY_DEPTH} "
        "levels deep",
    )
    try:
        value = json.loads(
            raw,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except RecursionError:  # nested deeper than Python's stack: far past the limit
        raise too_deep from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(
            400, "bad_request", f"The request body is not valid JSON: {exc}"
        ) from None
    if _deeper_than(value, MAX_BODY_DEPTH):
        raise too_deep
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    # iterative: the point is not to recurse as deep as the body does
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend(
            (child, depth + 1) for child in children if isinstance(child, (dict, list))
        )
    return False


def _bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _at_least(version: str, wanted: tuple[int, int]) -> bool:
    major, minor = (int(part) for part in version.split("."))
    return (major, minor) >= wanted


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def _json_headers(extra: Mapping[str, str]) -> dict[str, str]:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    headers.update(extra)
    return headers
