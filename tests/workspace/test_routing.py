"""Routing: a new conversation goes down a path of the workspace's workflow.

The path is recorded on the conversation, as the tag `path:<path>` and the custom
attribute `workflow_path`, from the contact as it stands when the conversation starts.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulator.clock import SimulatedClock
from simulator.config import load_workspace_config
from simulator.errors import ConfigError
from simulator.rules.workflows import known_workflows, load_workflow
from simulator.workspace import Workspace, mount
from simulator.world import World
from tests.conftest import SECRETS, TLS, TOKEN, US

_external_ids = itertools.count(1)


def routed(workflow: str | None, clock: SimulatedClock | None = None) -> Workspace:
    """A default workspace routing with the bundled `workflow` (None: no routing)."""
    config = load_workspace_config().model_copy(update={"workflow": None})
    return Workspace(
        config,
        clock=clock or SimulatedClock(),
        tokens=[TOKEN],
        identity_secrets=SECRETS,
        workflow=load_workflow(workflow) if workflow else None,
    )


def client(workspace: Workspace) -> Iterator[httpx.Client]:
    with mount(workspace):
        with httpx.Client(
            verify=TLS, base_url=US, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as api:
            yield api


@pytest.fixture(params=known_workflows())
def workflow_api(request) -> Iterator[tuple[str, httpx.Client]]:
    yield from ((request.param, api) for api in client(routed(request.param)))


def new_contact(api: httpx.Client, role: str = "user", **custom: Any) -> dict:
    fields: dict[str, Any] = {"role": role, "custom_attributes": custom}
    if role == "user":
        fields["external_id"] = f"route-{next(_external_ids)}"
    response = api.post("/contacts", json=fields)
    assert response.status_code == 200, response.text
    return response.json()


def update(api: httpx.Client, contact: dict, **custom: Any) -> None:
    response = api.put(f"/contacts/{contact['id']}", json={"custom_attributes": custom})
    assert response.status_code == 200, response.text


def start(api: httpx.Client, contact: dict) -> str:
    response = api.post(
        "/conversations",
        json={"from": {"type": contact["role"], "id": contact["id"]}, "body": "Hi"},
    )
    assert response.status_code == 200, response.text
    return response.json()["conversation_id"]


def path_of(api: httpx.Client, conversation_id: str) -> str | None:
    """The path the conversation was routed down, read back through the REST API.

    The tag and the attribute must agree; a conversation without either is None.
    """
    response = api.get(f"/conversations/{conversation_id}")
    assert response.status_code == 200, response.text
    conversation = response.json()
    tags = [
        t["name"] for t in conversation["tags"]["tags"] if t["name"].startswith("path:")
    ]
    attribute = conversation["custom_attributes"].get("workflow_path")
    if attribute is None:
        assert tags == []
        return None
    assert tags == [f"path:{attribute}"]
    return attribute


def tag_id(api: httpx.Client, name: str) -> str:
    response = api.get("/tags")
    assert response.status_code == 200, response.text
    (found,) = [t["id"] for t in response.json()["data"] if t["name"] == name]
    return found


def search_by_tag(api: httpx.Client, name: str) -> set[str]:
    response = api.post(
        "/conversations/search",
        json={
            "query": {"field": "tag_ids", "operator": "=", "value": tag_id(api, name)}
        },
    )
    assert response.status_code == 200, response.text
    return {c["id"] for c in response.json()["conversations"]}


# -- each shipped workflow, on contacts in different states -------------------------

SIGNED_IN = {"login_status": "logged_in", "user_id": "u-1", "user_level": "gold"}
CASES = [
    # (workflow, role, custom attributes, expected path)
    ("contact-type-only", "user", SIGNED_IN, "authenticated"),
    ("contact-type-only", "user", {"login_status": "logged_out"}, "authenticated"),
    ("contact-type-only", "user", {}, "authenticated"),
    ("contact-type-only", "lead", SIGNED_IN, "anonymous"),
    ("recommended", "user", SIGNED_IN, "authenticated"),
    (
        "recommended",
        "user",
        {"login_status": "logged_in", "member_id": "m-1"},
        "authenticated",
    ),
    (
        "recommended",
        "user",
        {"login_status": "logged_out", "user_id": "u-1"},
        "anonymous",
    ),
    ("recommended", "user", {"login_status": "anonymous"}, "anonymous"),
    ("recommended", "user", {"login_status": "logged_in"}, "anonymous"),
    ("recommended", "user", {"login_status": "logged_in", "user_id": " "}, "anonymous"),
    ("recommended", "lead", SIGNED_IN, "anonymous"),
    (
        "tier-only",
        "user",
        {"login_status": "logged_out", "user_level": "gold"},
        "authenticated",
    ),
    ("tier-only", "lead", {"user_level": "silver"}, "authenticated"),
    ("tier-only", "user", SIGNED_IN | {"user_level": None}, "anonymous"),
    ("tier-only", "user", {"user_level": ""}, "anonymous"),
]


def test_every_shipped_workflow_is_covered() -> None:
    assert {case[0] for case in CASES} == set(known_workflows())


@pytest.mark.parametrize(("workflow", "role", "custom", "expected"), CASES)
def test_a_conversation_lands_on_the_path_of_the_contacts_state(
    workflow: str, role: str, custom: dict, expected: str
) -> None:
    for api in client(routed(workflow)):
        contact = new_contact(api, role, **custom)
        conversation_id = start(api, contact)
        assert path_of(api, conversation_id) == expected
        assert search_by_tag(api, f"path:{expected}") == {conversation_id}


def test_search_by_tag_separates_the_paths(workflow_api) -> None:
    _, api = workflow_api
    routed_to: dict[str, set[str]] = {}
    for role, custom in [
        ("user", SIGNED_IN),
        ("user", {"login_status": "logged_out"}),
        ("lead", {}),
        ("user", SIGNED_IN),
    ]:
        conversation_id = start(api, new_contact(api, role, **custom))
        routed_to.setdefault(path_of(api, conversation_id), set()).add(conversation_id)
    assert set(routed_to) <= {"authenticated", "anonymous"}
    for path, conversations in routed_to.items():
        assert search_by_tag(api, f"path:{path}") == conversations
    # one tag a path, however many conversations took it
    names = [t["name"] for t in api.get("/tags").json()["data"]]
    assert sorted(n for n in names if n.startswith("path:")) == sorted(
        f"path:{p}" for p in routed_to
    )


def test_the_tag_is_applied_by_the_admin_when_the_conversation_starts() -> None:
    clock = SimulatedClock()
    workspace = routed("recommended", clock)
    for api in client(workspace):
        clock.advance(3600)
        conversation_id = start(api, new_contact(api, **SIGNED_IN))
        (tag,) = api.get(f"/conversations/{conversation_id}").json()["tags"]["tags"]
        assert tag["name"] == "path:authenticated"
        assert tag["applied_by"]["id"] == workspace.admin_id
        assert tag["applied_at"] == int(clock.now())


# -- the path is the contact's state at the moment it starts ------------------------


def test_a_later_change_to_the_contact_does_not_move_a_routed_conversation() -> None:
    clock = SimulatedClock()
    for api in client(routed("recommended", clock)):
        contact = new_contact(api, **SIGNED_IN)
        first = start(api, contact)
        clock.advance(60)
        update(api, contact, login_status="logged_out")
        assert path_of(api, first) == "authenticated"
        second = start(api, contact)
        assert path_of(api, second) == "anonymous"
        assert path_of(api, first) == "authenticated"
        update(api, contact, login_status="logged_in")
        third = start(api, contact)
        assert path_of(api, third) == "authenticated"
        assert search_by_tag(api, "path:authenticated") == {first, third}
        assert search_by_tag(api, "path:anonymous") == {second}


def test_a_conversation_applied_late_is_routed_when_it_lands() -> None:
    clock = SimulatedClock()
    workspace = routed("recommended", clock)
    for api in client(workspace):
        contact = new_contact(api, **SIGNED_IN)
        workspace.faults.add("conversations.create", sync_delay=30, times=1)
        conversation_id = start(api, contact)
        assert conversation_id not in workspace.state.conversations
        # meanwhile a tag takes the next id and the person logs out
        vip = api.post("/tags", json={"name": "vip"}).json()
        update(api, contact, login_status="logged_out")
        clock.advance(30)
        assert path_of(api, conversation_id) == "anonymous"
        names = {t["id"]: t["name"] for t in api.get("/tags").json()["data"]}
        assert names[vip["id"]] == "vip"
        assert sorted(names.values()) == ["path:anonymous", "vip"]


def test_search_by_the_workflow_path_attribute() -> None:
    for api in client(routed("recommended")):
        signed_in = start(api, new_contact(api, **SIGNED_IN))
        lead = start(api, new_contact(api, "lead"))
        response = api.post(
            "/conversations/search",
            json={
                "query": {
                    "field": "custom_attributes.workflow_path",
                    "operator": "=",
                    "value": "anonymous",
                }
            },
        )
        assert response.status_code == 200, response.text
        assert [c["id"] for c in response.json()["conversations"]] == [lead]
        assert signed_in != lead


def test_a_messenger_conversation_is_routed_too(workspace, messenger) -> None:
    # the conftest workspace is the bundled default, which routes with `recommended`
    assert workspace.workflow is not None and workspace.workflow.name == "recommended"
    device = messenger("ios", "device-routing")
    response = device.post("conversations", anonymous_id="anon-routing", body="Hi")
    assert response.status_code == 200, response.text
    conversation = workspace.state.conversations[response.json()["id"]]
    assert conversation.custom_attributes == {"workflow_path": "anonymous"}
    (tag_id_,) = conversation.tag_ids
    assert workspace.state.tags[tag_id_].name == "path:anonymous"


# -- no workflow, and the config key ------------------------------------------------


def test_without_a_workflow_nothing_is_recorded() -> None:
    workspace = routed(None)
    assert workspace.workflow is None
    for api in client(workspace):
        conversation_id = start(api, new_contact(api, **SIGNED_IN))
        conversation = api.get(f"/conversations/{conversation_id}").json()
        assert conversation["tags"]["tags"] == []
        assert "workflow_path" not in conversation["custom_attributes"]
        assert api.get("/tags").json()["data"] == []


def test_the_bundled_default_routes_with_the_recommended_workflow() -> None:
    assert load_workspace_config().workflow == "recommended"


def test_a_config_built_in_code_routes_with_its_workflow_name() -> None:
    config = load_workspace_config().model_copy(update={"workflow": "tier-only"})
    workspace = Workspace(config, tokens=[TOKEN], identity_secrets=SECRETS)
    assert workspace.workflow is not None and workspace.workflow.name == "tier-only"


def test_a_workflow_given_to_the_workspace_wins_over_the_configs() -> None:
    workspace = Workspace(
        load_workspace_config(), workflow=load_workflow("contact-type-only")
    )
    assert workspace.workflow is not None
    assert workspace.workflow.name == "contact-type-only"


def test_an_unknown_workflow_name_names_the_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "workspace.yaml"
    path.write_text("name: Demo\nregion: eu\nworkflow: careful\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_workspace_config(path)
    error = info.value
    assert error.path == str(path)
    assert error.line == 3
    assert error.key == "workflow"
    assert "careful" in error.problem
    assert error.allowed == ", ".join(known_workflows())
    assert str(error).startswith(f"{path}:3: workflow: ")


def test_a_workflow_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "workspace.yaml"
    path.write_text("workflow: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_workspace_config(path)
    assert info.value.key == "workflow"
    assert info.value.line == 1


def test_a_workflow_file_is_found_relative_to_the_config(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "status-only.yaml").write_text(
        "name: status-only\n"
        "paths:\n"
        "  - name: signed-in\n"
        "    audience:\n"
        "      attribute: custom_attributes.login_status\n"
        "      operator: is\n"
        "      value: logged_in\n"
        "fallback: signed-out\n",
        encoding="utf-8",
    )
    path = tmp_path / "workspace.yaml"
    path.write_text(
        "custom_attributes:\n"
        "  - name: login_status\n"
        "    data_type: string\n"
        "workflow: flows/status-only.yaml\n",
        encoding="utf-8",
    )
    config = load_workspace_config(path)
    assert Path(config.workflow or "") == flows / "status-only.yaml"
    workspace = Workspace(config, tokens=[TOKEN])
    for api in client(workspace):
        lead = new_contact(api, "lead", login_status="logged_in")
        assert path_of(api, start(api, lead)) == "signed-in"
        assert path_of(api, start(api, new_contact(api))) == "signed-out"


def test_a_missing_workflow_file_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "workspace.yaml"
    path.write_text("name: Demo\nworkflow: flows/none.yaml\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_workspace_config(path)
    assert info.value.key == "workflow"
    assert info.value.line == 2
    assert str(tmp_path / "flows" / "none.yaml") in info.value.problem


# -- in a world: the signed-out person who kept the SDK's identity ------------------


def signed_out_conversation_path(workflow: str) -> str | None:
    config = load_workspace_config().model_copy(update={"workflow": workflow})
    with World(seed=7, workspace_config=config) as world:
        ann = world.backend.register("ann")
        app = world.device("ios", integration="no-sdk-logout")
        world.act(app, app.open)
        assert not world.act(app, app.login, ann).failures()
        world.act(app, app.logout)
        assert world.truth(app)["logged_in"] is False
        before = set(world.workspace.state.conversations)
        assert not world.act(app, app.start_conversation).failures()
        (conversation_id,) = set(world.workspace.state.conversations) - before
        response = world.rest.get(f"/conversations/{conversation_id}")
        assert response.status_code == 200, response.text
        conversation = response.json()
        contact = world.contact(conversation["contacts"]["contacts"][0]["id"])
        assert contact is not None
        # still ann's user contact, which says she has logged out
        assert contact["role"] == "user"
        assert contact["external_id"] == ann.user_id
        assert contact["custom_attributes"]["login_status"] == "logged_out"
        path = conversation["custom_attributes"].get("workflow_path")
        names = [t["name"] for t in conversation["tags"]["tags"]]
        assert names == ([f"path:{path}"] if path else [])
        return path


def test_contact_type_only_lets_the_signed_out_person_in_and_recommended_does_not() -> (
    None
):
    assert signed_out_conversation_path("contact-type-only") == "authenticated"
    assert signed_out_conversation_path("recommended") == "anonymous"
