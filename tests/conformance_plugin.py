"""OpenAPI conformance of every REST response the test suite produces.

When the official descriptions are present (``HARNESS_OPENAPI_DIR``, by default
``<repo>/../shared/intercom-openapi``), this plugin validates each REST response any
workspace gives, on either transport, as it happens: against the 2.14 description, or
the 2.16 one for an answer given in 2.16 or later shapes (the version the workspace
answered with, or, for an error before the request was admitted, the one its
Intercom-Version header asked for). A response that does
not conform fails the test in whose setup, call or teardown it was produced.

Statuses the real service answers but the description leaves out are listed in
`UNDOCUMENTED`; their bodies must still be the description's ``error`` envelope.

Tests can call `check_exchange` directly, and `expect_nonconforming` collects the
problems of the exchanges inside it instead of failing the test.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import re
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.response.validators import V30ResponseValidator
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from openapi_core.validation.schemas.factories import SchemaValidatorsFactory
from openapi_core.validation.schemas.validators import SchemaValidator
from openapi_schema_validator import OAS30ReadValidator
from werkzeug.datastructures import Headers, ImmutableMultiDict

from simulator.workspace import EXCHANGE_OBSERVERS, ApiRequest, ApiResponse, Route

__all__ = [
    "BASE_URL",
    "UNDOCUMENTED",
    "check_exchange",
    "description_for",
    "description_version",
    "expect_nonconforming",
    "load_description",
    "missing_reason",
    "openapi_dir",
]

BASE_URL = "https://api.intercom.io"
DEFAULT_VERSION = "2.14"
LATER_VERSION = "2.16"
_REPO = Path(__file__).resolve().parents[1]

_ANY = "*"
# Operations that look a contact up by id, and answer for a missing or merged one.
_CONTACT_LOOKUPS = (
    "contacts.get",
    "contacts.update",
    "contacts.delete",
    "contacts.merge",
    "contacts.tags.list",
    "contacts.tags.add",
    "contacts.tags.remove",
)
_SHARED_UNDOCUMENTED = frozenset(
    {
        # A body that is not a JSON object, a field of the wrong type, or an
        # Intercom-Version the service does not know: any operation can answer 400.
        (_ANY, 400),
        # A missing or unknown token; the description documents it on most
        # operations, but not on /me, archive, unarchive or conversation search.
        (_ANY, 401),
        # Rate limiting applies to every operation.
        (_ANY, 429),
        # Outages; the harness injects them as faults.
        (_ANY, 500),
        (_ANY, 503),
        # An unknown contact id; only contact tagging documents it.
        *((op, 404) for op in _CONTACT_LOOKUPS),
        ("contacts.find_by_external_id", 404),
        ("contacts.archive", 404),
        ("contacts.unarchive", 404),
        # An email or external_id that another user already holds.
        ("contacts.create", 409),
        ("contacts.update", 409),
        # An unknown tag id when renaming; 2.16 dropped the 404 that 2.14 documents.
        ("tags.create", 404),
    }
)
UNDOCUMENTED: dict[str, frozenset[tuple[str, int]]] = {
    DEFAULT_VERSION: _SHARED_UNDOCUMENTED,
    # From 2.16 a merged-away contact is gone (410, with a Link header to the
    # canonical contact); the 2.16 description documents that on contacts.get only.
    LATER_VERSION: _SHARED_UNDOCUMENTED | {(op, 410) for op in _CONTACT_LOOKUPS},
}

_ERROR_SCHEMA = ("components", "schemas", "error")
_MAX_REASONS = 5
# Half the answers a test run gives repeat an earlier one byte for byte; their verdict
# is remembered (bounded, and only for bodies small enough to keep).
_MEMO_ENTRIES = 4096
_MEMO_BODY_BYTES = 64 * 1024

# RFC 3986: an optional scheme, then only URI characters, with well-formed escapes.
_URI_REFERENCE = re.compile(
    r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?[A-Za-z0-9._~!$&'()*+,;=:@/%\[\]-]*"
    r"(?:\?[A-Za-z0-9._~!$&'()*+,;=:@/?%-]*)?(?:#[A-Za-z0-9._~!$&'()*+,;=:@/?%-]*)?"
)
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _is_uri_reference(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_URI_REFERENCE.fullmatch(value)) and not _BAD_ESCAPE.search(value)


# The description marks relative paths as format uri (its own examples, and what the
# service answers: "/contacts/{id}/notes"), and even `addressable_list.type` ("note").
# Read as an absolute URI no real answer could conform, so `uri` is checked as a URI
# reference, whatever format packages happen to be installed.
FORMATS = {"uri": _is_uri_reference}


# -- finding and loading the descriptions ---------------------------------------------


def openapi_dir() -> Path:
    raw = os.environ.get("HARNESS_OPENAPI_DIR")
    return Path(raw) if raw else _REPO.parent / "shared" / "intercom-openapi"


def description_path(version: str = DEFAULT_VERSION) -> Path:
    return openapi_dir() / f"api.intercom.io.{version}.yaml"


def missing_reason(version: str = DEFAULT_VERSION) -> str | None:
    """Why the description cannot be used, or None when it is there."""
    path = description_path(version)
    if path.is_file():
        return None
    return (
        f"official OpenAPI descriptions not found at {path.parent} (no {path.name}); "
        "set HARNESS_OPENAPI_DIR"
    )


@functools.cache
def load_description(version: str = DEFAULT_VERSION) -> dict[str, Any]:
    """The parsed description, read once per process. Callers must not mutate it.

    Parsing the YAML takes about 0.6 s, and every process of a run (each xdist worker)
    needs it, so the parsed form is kept in a cache named by the file's content.
    """
    raw = description_path(version).read_bytes()
    cached = _cache_path(version, raw)
    if cached is not None:
        try:
            return pickle.loads(cached.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, ValueError):
            pass
    data = yaml.load(raw, Loader=yaml.CSafeLoader)
    if cached is not None:
        _write_atomically(cached, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    return data


def _cache_path(version: str, raw: bytes) -> Path | None:
    """Where the parsed description is kept: a folder only this user can write to.

    None (no cache) when that folder cannot be made or is not safely this user's.
    """
    folder = Path(tempfile.gettempdir()) / f"harness-openapi-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        owned = folder.lstat()
    except OSError:
        return None
    if (
        not stat.S_ISDIR(owned.st_mode)
        or owned.st_uid != os.getuid()
        or owned.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    ):
        return None
    key = hashlib.sha256(raw + yaml.__version__.encode()).hexdigest()[:32]
    return folder / f"api.intercom.io.{version}.{key}.pickle"


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, path)
    except OSError:
        pass


def description_version(
    request: ApiRequest, response: ApiResponse | None = None
) -> str:
    """Which description governs the answer to `request`."""
    answered = response.version if response is not None else None
    raw = answered or request.headers.get("intercom-version", "").strip()
    try:
        major, minor = (int(part) for part in raw.split("."))
    except ValueError:
        return DEFAULT_VERSION
    return LATER_VERSION if (major, minor) >= (2, 16) else DEFAULT_VERSION


# -- openapi-core adapters -------------------------------------------------------------


class _Request:
    """An `ApiRequest` as openapi-core's Request protocol, with the matched template.

    The template lets openapi-core find the operation without matching the concrete
    path against every path of the description.
    """

    host_url = BASE_URL

    def __init__(self, request: ApiRequest, route: Route):
        self.method = request.method.lower()
        self.path = request.path
        self.path_pattern = route.template
        self.body = request.body or None
        self.content_type = request.headers.get("content-type", "application/json")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(request.query),
            header=Headers(dict(request.headers)),
        )


class _Response:
    def __init__(self, response: ApiResponse):
        self.status_code = response.status
        self.data = response.body
        self.headers = Headers(response.headers)
        self.content_type = self.headers.get("Content-Type", "").lower()


# -- caching validator pieces ----------------------------------------------------------


class _CachingSchemaValidatorsFactory(SchemaValidatorsFactory):
    """Builds each schema's validator once; the stock factory rebuilds it per call."""

    def __init__(self) -> None:
        super().__init__(OAS30ReadValidator)
        self._built: dict[tuple[Any, ...], SchemaValidator] = {}
        self._lock = threading.Lock()

    def create(  # type: ignore[override]
        self, spec: SchemaPath, schema: SchemaPath, **options: Any
    ) -> SchemaValidator:
        # the format tables are the same dicts on every call, so their ids will do
        settings = tuple(
            (name, id(value) if isinstance(value, dict) else value)
            for name, value in sorted(options.items())
        )
        key = (tuple(schema.parts), settings)
        built = self._built.get(key)
        if built is None:
            with self._lock:
                built = self._built.get(key)
                if built is None:
                    built = super().create(spec, schema, **options)
                    self._built[key] = built
        return built


class _CachingResponseValidator(V30ResponseValidator):
    """Remembers the operation found for each template and the response per status."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._paths: dict[tuple[str, str], Any] = {}
        self._responses: dict[tuple[tuple[Any, ...], int], SchemaPath] = {}

    def _find_path(self, request: Any) -> Any:
        key = (request.method, request.path_pattern)
        found = self._paths.get(key)
        if found is None:
            found = self._paths[key] = super()._find_path(request)
        return found

    def _find_operation_response(
        self, status_code: int, operation: SchemaPath
    ) -> SchemaPath:
        key = (tuple(operation.parts), status_code)
        found = self._responses.get(key)
        if found is None:
            found = super()._find_operation_response(status_code, operation)
            self._responses[key] = found
        return found


class Description:
    """One version of the description, ready to validate responses against."""

    def __init__(self, version: str, data: dict[str, Any]):
        self.version = version
        factory = _CachingSchemaValidatorsFactory()
        config = Config(
            # The official description fails openapi-spec-validator on an operation
            # the workspace does not serve (/export/reporting_data/{job_identifier}
            # leaves its path parameter undeclared), so it is not checked here.
            spec_validator_cls=None,
            server_base_url=BASE_URL,
            response_validator_cls=_CachingResponseValidator,
            schema_validators_factory=factory,
            extra_format_validators=FORMATS,
        )
        self.app = OpenAPI.from_dict(data, config=config)
        self.validator = self.app.response_validator
        self.undocumented = UNDOCUMENTED[version]
        self.paths = data["paths"]
        # answers checked against the error envelope for want of a documented status
        self.enveloped = 0
        self.memo_hits = 0
        self._memo: dict[tuple[Any, ...], list[str]] = {}
        self._headers: dict[tuple[str, str, int], tuple[str, ...]] = {}
        self.error_schema = factory.create(
            self.app.spec,
            self.app.spec.joinpath(*_ERROR_SCHEMA),
            extra_format_validators=FORMATS,
        )

    def allows(self, operation: str, status: int) -> bool:
        return (operation, status) in self.undocumented or (
            (_ANY, status) in self.undocumented
        )

    def problems(
        self, request: ApiRequest, response: ApiResponse, route: Route
    ) -> list[str]:
        """What is wrong with `response` as the answer to `request`, if anything."""
        if len(response.body) > _MEMO_BODY_BYTES:
            return self._judge(request, response, route)
        key = self._memo_key(response, route)
        found = self._memo.get(key)
        if found is not None:
            self.memo_hits += 1
            return list(found)
        found = self._judge(request, response, route)
        if len(self._memo) >= _MEMO_ENTRIES:
            self._memo.pop(next(iter(self._memo)), None)
        self._memo[key] = found
        return list(found)

    def _memo_key(self, response: ApiResponse, route: Route) -> tuple[Any, ...]:
        # Only the documented headers, and the content type, bear on the verdict.
        names = self._documented_headers(route, response.status)
        lowered = {k.lower(): v for k, v in response.headers.items()}
        return (
            route.method,
            route.template,
            route.operation,
            response.status,
            lowered.get("content-type"),
            tuple(lowered.get(name) for name in names),
            response.body,
        )

    def _documented_headers(self, route: Route, status: int) -> tuple[str, ...]:
        key = (route.method, route.template, status)
        names = self._headers.get(key)
        if names is None:
            operation = self.paths.get(route.template, {}).get(route.method.lower(), {})
            responses = operation.get("responses", {})
            found: set[str] = set()
            for code in (str(status), f"{str(status)[0]}XX", "default"):
                headers = responses.get(code, {}).get("headers", {})
                found.update(name.lower() for name in headers)
            names = self._headers[key] = tuple(sorted(found))
        return names

    def _judge(
        self, request: ApiRequest, response: ApiResponse, route: Route
    ) -> list[str]:
        errors = list(
            self.validator.iter_errors(_Request(request, route), _Response(response))
        )
        if len(errors) == 1 and isinstance(errors[0], ResponseNotFound):
            if not self.allows(route.operation, response.status):
                return [
                    f"status {response.status} is neither documented nor in the "
                    "allow-list of undocumented statuses"
                ]
            self.enveloped += 1
            return self._error_envelope_problems(response)
        return [reason for error in errors for reason in _reasons(error)]

    def _error_envelope_problems(self, response: ApiResponse) -> list[str]:
        content_type = Headers(response.headers).get("Content-Type", "")
        if not content_type.lower().startswith("application/json"):
            return [f"an error answer must be JSON, got Content-Type {content_type!r}"]
        try:
            body = json.loads(response.body)
        except ValueError as exc:
            return [f"the error body is not JSON: {exc}"]
        try:
            self.error_schema.validate(body)
        except InvalidSchemaValue as exc:
            return [
                f"not the error envelope: {reason}"
                for reason in _schema_reasons(exc.schema_errors)
            ]
        return []


def _schema_reasons(schema_errors: Any) -> list[str]:
    reasons = []
    for error in list(schema_errors)[:_MAX_REASONS]:
        where = getattr(error, "json_path", "$")
        reasons.append(f"{where}: {_short(error.message)}")
    return reasons


def _reasons(error: BaseException) -> list[str]:
    cause = error.__cause__
    if isinstance(cause, InvalidSchemaValue):
        return _schema_reasons(cause.schema_errors)
    text = str(error)
    if cause is not None and str(cause) not in text:
        text = f"{text} ({cause})"
    return [f"{type(error).__name__}: {_short(text)}"]


def _short(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- validation entry point -----------------------------------------------------------


@dataclass
class _Stats:
    responses: int = 0
    # answers asking for a version whose description is absent
    unjudged: int = 0
    seconds: float = 0.0
    by_version: dict[str, int] = field(default_factory=dict)


_STATS = _Stats()
_descriptions: dict[str, Description | None] = {}
_descriptions_lock = threading.Lock()


def description_for(version: str) -> Description | None:
    """The ready validator for `version`, built on first use; None if it is absent."""
    if version not in _descriptions:
        with _descriptions_lock:
            if version not in _descriptions:
                _descriptions[version] = (
                    None
                    if missing_reason(version)
                    else Description(version, load_description(version))
                )
    return _descriptions[version]


def check_exchange(
    request: ApiRequest, response: ApiResponse, route: Route | None
) -> list[str]:
    """Validate one exchange; each problem is a message naming operation and status.

    Exchanges outside the covered REST operations (unmatched paths, the Messenger
    protocol) are not in the description and give no problems.
    """
    if route is None or route.surface != "rest":
        return []
    version = description_version(request, response)
    description = description_for(version)
    if description is None:
        _STATS.unjudged += 1
        return []
    started = time.perf_counter()
    try:
        problems = description.problems(request, response, route)
    except Exception as exc:  # a crash in validation must not break the workspace
        problems = [f"the validator crashed: {type(exc).__name__}: {exc}"]
    _STATS.seconds += time.perf_counter() - started
    _STATS.responses += 1
    _STATS.by_version[version] = _STATS.by_version.get(version, 0) + 1
    prefix = (
        f"{route.operation} ({request.method} {route.template}) answered "
        f"{response.status}, not conforming to the {version} description"
    )
    return [f"{prefix}: {problem}" for problem in problems]


# -- the session observer and per-test failures ---------------------------------------

_pending: list[str] = []
_captures: list[list[str]] = []
_pending_lock = threading.Lock()


def _observe(request: ApiRequest, response: ApiResponse, route: Route | None) -> None:
    problems = check_exchange(request, response, route)
    if not problems:
        return
    with _pending_lock:
        (_captures[-1] if _captures else _pending).extend(problems)


@contextmanager
def expect_nonconforming() -> Iterator[list[str]]:
    """Collect the problems of the exchanges inside the block instead of failing.

    For tests that provoke a non-conforming response on purpose.
    """
    found: list[str] = []
    with _pending_lock:
        _captures.append(found)
    try:
        yield found
    finally:
        with _pending_lock:
            _captures.remove(found)


def _take_pending() -> list[str]:
    with _pending_lock:
        taken = list(_pending)
        _pending.clear()
    return taken


def _check_phase(item: pytest.Item, phase: str):
    try:
        result = yield
    except BaseException:
        problems = _take_pending()
        if problems:
            item.add_report_section(phase, "conformance", "\n".join(problems))
        raise
    problems = _take_pending()
    if problems:
        count = len(problems)
        pytest.fail(
            f"{count} response(s) during {phase} do not conform to the official "
            "OpenAPI description:\n" + "\n".join(f"  - {p}" for p in problems),
            pytrace=False,
        )
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    return (yield from _check_phase(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    return (yield from _check_phase(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item):
    return (yield from _check_phase(item, "teardown"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fuzz: property-based fuzzing of the REST operations (schemathesis)"
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    if missing_reason() is not None:
        return
    if session.config.pluginmanager.hasplugin("dsession"):
        # the xdist controller: its workers run the tests and validate the answers
        return
    # Built here so that the first response does not pay for reading the description.
    description_for(DEFAULT_VERSION)
    if _observe not in EXCHANGE_OBSERVERS:
        EXCHANGE_OBSERVERS.append(_observe)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _observe in EXCHANGE_OBSERVERS:
        EXCHANGE_OBSERVERS.remove(_observe)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    reason = missing_reason()
    if reason is not None:
        terminalreporter.write_line(f"OpenAPI conformance: not checked ({reason})")
        return
    if not _STATS.responses and not _STATS.unjudged:
        return
    mean_ms = 1000 * _STATS.seconds / max(_STATS.responses, 1)
    versions = ", ".join(f"{v}: {n}" for v, n in sorted(_STATS.by_version.items()))
    ready = [d for d in _descriptions.values() if d is not None]
    enveloped = sum(d.enveloped for d in ready)
    repeats = sum(d.memo_hits for d in ready)
    terminalreporter.write_line(
        f"OpenAPI conformance: {_STATS.responses} REST responses validated "
        f"({versions}; {enveloped} with an allow-listed status, {repeats} repeats), "
        f"{mean_ms:.2f} ms per response, {_STATS.seconds:.2f} s in all"
    )
    if _STATS.unjudged:
        terminalreporter.write_line(
            f"OpenAPI conformance: {_STATS.unjudged} answers not checked: "
            f"{missing_reason(LATER_VERSION)}"
        )
