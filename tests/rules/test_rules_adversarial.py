"""Hostile input to the rules layer: each case once raised a Python error, or could
have opened personal data when the data connector misbehaved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from simulator.errors import ConfigError, HarnessError
from simulator.oracle import judge
from simulator.rules.guards import load_guard, load_procedure, run_procedure
from simulator.rules.lint import lint_workflow
from simulator.rules.predicates import MAX_DEPTH, AudienceError, compile_audience
from simulator.rules.workflows import load_workflow
from simulator.world import World
from tests.conftest import TLS

NOW = 1_767_603_600
HUGE = 10**400  # an int no float can hold
CONTACT: dict[str, Any] = {
    "external_id": "usr_1",
    "role": "user",
    "custom_attributes": {
        "login_status": "logged_in",
        "user_id": "usr_1",
        "last_login_at": NOW - 60,
        "platform": "ios",
    },
}
CONVERSATION = {"identity_verified": True, "channel": "ios"}


def workflow_file(tmp_path: Path, audience: str) -> Path:
    path = tmp_path / "w.yaml"
    path.write_text(
        "name: w\nfallback: anonymous\npaths:\n  - name: authenticated\n"
        f"    audience: {audience}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "operator", ["greater_than", "less_than", "more_than_days_ago"]
)
def test_a_number_beyond_every_float_is_a_config_error(
    tmp_path: Path, operator: str
) -> None:
    audience = (
        f"{{attribute: custom_attributes.last_login_at, operator: {operator}, "
        f"value: {HUGE}}}"
    )
    with pytest.raises(ConfigError, match="too large"):
        load_workflow(workflow_file(tmp_path, audience))


def test_a_huge_but_finite_day_count_lints_and_evaluates(tmp_path: Path) -> None:
    audience = "{attribute: created_at, operator: more_than_days_ago, value: 1e308}"
    workflow = load_workflow(workflow_file(tmp_path, audience))
    lint_workflow(workflow)  # no OverflowError
    assert workflow.route({"created_at": NOW}, NOW) == "anonymous"


def test_deeply_nested_audiences_are_refused_not_recursed(tmp_path: Path) -> None:
    tree: dict[str, Any] = {"attribute": "role", "operator": "is", "value": "user"}
    for _ in range(MAX_DEPTH + 5):
        tree = {"all_of": [tree]}
    with pytest.raises(AudienceError, match="nest"):
        compile_audience(tree)
    text = "{attribute: role, operator: is, value: user}"
    for _ in range(3000):
        text = "{all_of: [" + text + "]}"
    with pytest.raises(ConfigError, match="nests too deeply"):
        load_workflow(workflow_file(tmp_path, text))


def test_a_huge_max_age_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(
        f"name: g\nchecks: [{{fresh_login: {{max_age_hours: {HUGE}}}}}]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="max_age_hours"):
        load_guard(path)


def test_a_huge_login_time_is_stale_not_an_error() -> None:
    contact = {**CONTACT, "custom_attributes": {**CONTACT["custom_attributes"]}}
    contact["custom_attributes"]["last_login_at"] = HUGE
    outcome = run_procedure(
        load_procedure("order_history"),
        "recommended",
        contact,
        CONVERSATION,
        now=NOW,
        connector=lambda user, platform: True,
    )
    assert outcome.reasons == ["stale_login"]


def _raises(user: str, platform: str | None) -> bool:
    raise RuntimeError("connector down")


def _times_out(user: str, platform: str | None) -> bool:
    raise TimeoutError("connector timed out")


def _closed_client() -> httpx.Client:
    client = httpx.Client(verify=TLS)
    client.close()
    return client


def _failing_transport() -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        raise ValueError("a broken transport")

    return httpx.Client(transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    "make", [lambda: _raises, lambda: _times_out, _closed_client, _failing_transport]
)
def test_a_broken_connector_fails_closed(make: Any) -> None:
    outcome = run_procedure(
        load_procedure("order_history"),
        "recommended",
        CONTACT,
        CONVERSATION,
        now=NOW,
        connector=make(),
    )
    assert not outcome.allowed
    assert outcome.reasons == ["session_not_live"]


def test_judging_after_the_contact_was_deleted_is_a_harness_error() -> None:
    with World(seed=7) as world:
        ann = world.backend.register("ann")
        phone = world.device("ios", integration="silent-logout")
        world.act(phone, phone.open)
        with pytest.raises(HarnessError, match="no conversation"):
            judge(world, phone)
        world.act(phone, phone.login, ann)
        world.act(phone, phone.start_conversation)
        conversation_id = phone.sdk.state["conversations"][-1]["id"]
        contact_id = world.workspace.state.conversations[conversation_id].contact_id
        assert world.rest.delete(f"/contacts/{contact_id}").status_code == 200
        with pytest.raises(HarnessError, match="gone from the workspace"):
            judge(world, phone)
