"""Property-based fuzzing of the covered REST operations, from the 2.14 description.

schemathesis generates requests (valid ones, from the description, and invalid ones)
for every operation the workspace serves and sends them to the workspace's ASGI app
in-process. Whatever it sends, the workspace must never answer with a 5xx, and every
answer must conform: a documented status with a valid body, or an allow-listed one
with the error envelope (a fuzzed request may well deserve a 400, 404 or 409).

Each example starts from the same seeded state, and path parameters and body ids are
often swapped for ids that exist, so that cases reach past the 404s.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from simulator.clock import SimulatedClock
from simulator.config import load_workspace_config
from simulator.workspace import ApiRequest, Workspace, asgi_app, rest
from simulator.workspace.ratelimit import WINDOW_SECONDS
from tests.conformance_plugin import (
    expect_nonconforming,
    load_description,
    missing_reason,
)
from tests.conftest import examples

if missing_reason() is not None:
    pytest.skip(missing_reason() or "", allow_module_level=True)

pytestmark = [pytest.mark.fuzz, pytest.mark.conformance]

TOKEN = "fuzz-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# per operation; each case is sent twice (see the test). The thorough hypothesis profile
# (HYPOTHESIS_PROFILE=thorough, see conftest) runs ten times as many.
MAX_EXAMPLES = examples(10)

COVERED = frozenset((r.method, r.template) for r in rest.ROUTES if r.surface == "rest")

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20140216,
        "phases": {
            # The coverage phase would add hundreds of boundary cases per operation;
            # examples (from the description) and fuzzing keep the run bounded.
            "coverage": {"enabled": False},
            "stateful": {"enabled": False},
        },
        # Authentication is not what is fuzzed here; every case sends the token.
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "with-security-parameters": False,
        },
        # Formats are left to the conformance plugin, which reads the description's
        # `format: uri` as a URI reference (see FORMATS there); schemathesis would
        # demand absolute URIs, which the description's own examples are not.
        "checks": {"response_schema_conformance": {"validate-formats": False}},
    }
)


def _covered(context: Any) -> bool:
    operation = context.operation
    return (operation.method.upper(), operation.path) in COVERED


# schemathesis rewrites the description it is given, so it gets its own copy.
schema = schemathesis.openapi.from_dict(
    copy.deepcopy(load_description()), config=CONFIG
).include(_covered)

# Ids that exist in the seeded workspace, by path parameter (and body field) name.
KNOWN: dict[str, list[Any]] = {}


class Target:
    """One workspace behind one ASGI app; `reset` restores the seeded state."""

    def __init__(self) -> None:
        self.clock = SimulatedClock()
        self.workspace = Workspace(
            load_workspace_config(), clock=self.clock, tokens=[TOKEN]
        )
        self.app = asgi_app(self.workspace, drop_hold=0)
        self._seed()
        self.snapshot = copy.deepcopy(self.workspace.state)

    def _call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = ApiRequest(
            method,
            path,
            headers={"authorization": AUTH["Authorization"]},
            body=json.dumps(body).encode(),
        )
        response = self.workspace.handle(request)
        assert response.status == 200, response.body
        return response.json()

    def _seed(self) -> None:
        user = self._call(
            "POST",
            "/contacts",
            {
                "external_id": "u-1",
                "email": "ann@example.com",
                "owner_id": 991200,
            },
        )
        lead = self._call("POST", "/contacts", {"role": "lead"})
        tag = self._call("POST", "/tags", {"name": "vip"})
        self._call("POST", f"/contacts/{user['id']}/tags", {"id": tag["id"]})
        message = self._call(
            "POST",
            "/conversations",
            {
                "from": {"type": "user", "id": user["id"]},
                "body": "Hello",
            },
        )
        conversation_id = message["conversation_id"]
        self._call(
            "POST",
            f"/conversations/{conversation_id}/tags",
            {
                "id": tag["id"],
                "admin_id": self.workspace.admin_id,
            },
        )
        attribute = self._call(
            "POST",
            "/data_attributes",
            {
                "name": "plan",
                "model": "contact",
                "data_type": "string",
            },
        )
        KNOWN.update(
            {
                "contact_id": [user["id"], lead["id"]],
                "external_id": ["u-1"],
                "tag_id": [tag["id"]],
                "conversation_id": [conversation_id],
                "data_attribute_id": [str(attribute["id"])],
                "admin_id": [self.workspace.admin_id],
                "from": [lead["id"]],
                "into": [user["id"]],
                "id": [tag["id"], user["id"]],
            }
        )

    def reset(self) -> None:
        self.workspace.state = copy.deepcopy(self.snapshot)
        # a window of its own for each example, so the rate limit never bites
        self.clock.advance(WINDOW_SECONDS)


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    yield Target()
    KNOWN.clear()


def _sometimes_known(name: str, value: Any) -> st.SearchStrategy[Any]:
    known = KNOWN.get(name)
    if not known:
        return st.just(value)
    return st.sampled_from(known) | st.just(value)


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: Any) -> Any:
    if not path_parameters:
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {name: _sometimes_known(name, value) for name, value in path_parameters.items()}
    )


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    if not isinstance(body, dict):
        return st.just(body)
    fields = {}
    for name, value in body.items():
        if name == "from" and isinstance(value, dict) and "id" in value:
            fields[name] = st.fixed_dictionaries(
                {
                    **{k: st.just(v) for k, v in value.items()},
                    "id": _sometimes_known("contact_id", value["id"]),
                }
            )
        else:
            fields[name] = _sometimes_known(name, value)
    return st.fixed_dictionaries(fields)


@schema.parametrize()
# Besides naming what each case is sent as, this gives each operation its own node id:
# under pytest 9 schemathesis names every item of an unparametrized test alike.
@pytest.mark.parametrize("versions", [("as-generated", "2.16")], ids=["2.14+2.16"])
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_fuzzed_requests_get_conforming_answers(
    case: Any, versions: tuple[str, ...], target: Target
) -> None:
    """Each case as generated (the 2.14 description's versions), then asking 2.16.

    One generated case serves both sends (generating it costs more than answering it),
    each from the seeded state.
    """
    for version in versions:
        target.reset()
        headers = dict(AUTH)
        checks = [not_a_server_error, content_type_conformance]
        if version == "as-generated":
            checks.append(response_schema_conformance)
        else:
            # schemathesis judges by the 2.14 description only; the plugin judges
            # this answer by the 2.16 one
            headers["Intercom-Version"] = version
        with expect_nonconforming() as problems:
            response = case.call(app=target.app, headers=headers)
        assert response.status_code < 500, (version, response.text)
        assert problems == [], version
        case.validate_response(response, checks=checks, headers=headers)
