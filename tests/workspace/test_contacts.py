"""The contact rules of the REST API: create, get, update, delete, list, search,
merge, find by external id, archive."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from simulator.clock import SimulatedClock
from simulator.config import load_workspace_config
from simulator.workspace import Workspace, mount
from tests.conftest import TLS

TOKEN = "test-token"
US = "https://api.intercom.io"


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The single error item of an `error.list` answer, after checking its status."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == "error.list"
    assert len(body["errors"]) == 1
    item = body["errors"][0]
    assert item["code"] == code, item
    return item


def create(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = api.post("/contacts", json=fields)
    assert response.status_code == 200, response.text
    return response.json()


def user(api: httpx.Client, external_id: str, **fields: Any) -> dict[str, Any]:
    return create(api, role="user", external_id=external_id, **fields)


def lead(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    return create(api, role="lead", **fields)


def list_ids(api: httpx.Client) -> list[str]:
    response = api.get("/contacts", params={"per_page": 150})
    assert response.status_code == 200
    return [c["id"] for c in response.json()["data"]]


def search(api: httpx.Client, query: Any, **pagination: Any) -> httpx.Response:
    body: dict[str, Any] = {"query": query}
    if pagination:
        body["pagination"] = pagination
    return api.post("/contacts/search", json=body)


def found_ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["data"]]


def eq(field: str, value: Any) -> dict[str, Any]:
    return {"field": field, "operator": "=", "value": value}


def start_conversation(api: httpx.Client, contact: dict[str, Any]) -> str:
    response = api.post(
        "/conversations",
        json={"from": {"type": contact["role"], "id": contact["id"]}, "body": "Hello"},
    )
    assert response.status_code == 200, response.text
    return response.json()["conversation_id"]


def make_tag(api: httpx.Client, name: str) -> str:
    response = api.post("/tags", json={"name": name})
    assert response.status_code == 200, response.text
    return response.json()["id"]


def foreign_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# -- create -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{}, {"name": "Ann"}, {"email": ""}, {"phone": "+15550100", "external_id": None}],
)
def test_create_needs_email_external_id_or_role(api, body) -> None:
    error = error_of(api.post("/contacts", json=body), 400, "parameter_not_found")
    for name in ("email", "external_id", "role"):
        assert name in error["message"]
    assert list_ids(api) == []


@pytest.mark.parametrize(
    "body",
    [{"email": "ann@example.com"}, {"external_id": "u-1"}, {"role": "lead"}],
)
def test_create_accepts_any_one_of_email_external_id_or_role(api, body) -> None:
    contact = create(api, **body)
    for name, value in body.items():
        assert contact[name] == value


def test_create_role_defaults_to_user(api) -> None:
    assert create(api, email="ann@example.com")["role"] == "user"
    assert create(api, external_id="u-2")["role"] == "user"


def test_create_unknown_role_is_400(api) -> None:
    error = error_of(
        api.post("/contacts", json={"role": "visitor"}), 400, "parameter_invalid"
    )
    assert error["field"] == "role"
    assert "'visitor'" in error["message"]


def test_create_lead_with_external_id_is_400(api) -> None:
    response = api.post("/contacts", json={"role": "lead", "external_id": "u-1"})
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == "external_id"
    assert list_ids(api) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("email", 5),
        ("external_id", ["u-1"]),
        ("role", 1),
        ("name", True),
        ("phone", 15550100),
        ("signed_up_at", "yesterday"),
        ("last_seen_at", True),
        ("owner_id", "991200x"),
        ("unsubscribed_from_emails", "no"),
        ("custom_attributes", ["login_status"]),
    ],
)
def test_create_wrong_typed_field_is_400_naming_the_field(api, name, value) -> None:
    body = {"email": "ann@example.com", name: value}
    error = error_of(api.post("/contacts", json=body), 400, "parameter_invalid")
    assert error["field"] == name
    assert name in error["message"]
    assert list_ids(api) == []


def test_create_invalid_email_is_400(api) -> None:
    error = error_of(
        api.post("/contacts", json={"email": "not-an-email"}), 400, "parameter_invalid"
    )
    assert error["field"] == "email"
    assert "not-an-email" in error["message"]


@pytest.mark.parametrize("raw", [b'{"email": "ann@example.com"', b"email=ann", b"\xff"])
def test_create_malformed_json_is_400_bad_request(api, raw) -> None:
    response = api.post(
        "/contacts", content=raw, headers={"Content-Type": "application/json"}
    )
    error_of(response, 400, "bad_request")


@pytest.mark.parametrize("payload", [[{"email": "ann@example.com"}], "ann", 5])
def test_create_body_that_is_not_an_object_is_400_bad_request(api, payload) -> None:
    error_of(api.post("/contacts", json=payload), 400, "bad_request")


def test_create_duplicate_external_id_is_409_naming_the_existing_id(api) -> None:
    first = user(api, "u-1", email="ann@example.com")
    response = api.post("/contacts", json={"external_id": "u-1"})
    error = error_of(response, 409, "conflict")
    assert f"id={first['id']}" in error["message"]
    assert list_ids(api) == [first["id"]]


def test_create_user_with_an_existing_users_email_and_no_external_id_is_409(
    api,
) -> None:
    first = user(api, "u-1", email="ann@example.com")
    error = error_of(
        api.post("/contacts", json={"email": "ann@example.com"}), 409, "conflict"
    )
    assert f"id={first['id']}" in error["message"]


def test_create_user_email_clash_ignores_case(api) -> None:
    first = create(api, email="ann@example.com")
    error = error_of(
        api.post("/contacts", json={"email": "Ann@Example.COM"}), 409, "conflict"
    )
    assert f"id={first['id']}" in error["message"]


def test_create_user_with_new_external_id_may_share_an_email(api) -> None:
    first = user(api, "u-1", email="ann@example.com")
    second = user(api, "u-2", email="ann@example.com")
    assert second["id"] != first["id"]


def test_leads_may_share_an_email(api) -> None:
    first = lead(api, email="ann@example.com")
    second = lead(api, email="ann@example.com")
    assert first["id"] != second["id"]
    assert second["email"] == "ann@example.com"


def test_user_may_take_the_email_of_a_lead(api) -> None:
    first = lead(api, email="ann@example.com")
    second = create(api, email="ann@example.com")
    assert second["role"] == "user"
    assert second["id"] != first["id"]


def test_create_writes_custom_attributes(api) -> None:
    contact = create(
        api,
        external_id="u-1",
        custom_attributes={"login_status": "logged_in", "last_login_at": 1767600000},
    )
    assert contact["custom_attributes"] == {
        "login_status": "logged_in",
        "last_login_at": 1767600000,
    }


def test_create_with_undefined_custom_attribute_is_400_and_creates_nothing(api) -> None:
    body = {"external_id": "u-1", "custom_attributes": {"favourite_colour": "teal"}}
    error = error_of(api.post("/contacts", json=body), 400, "parameter_invalid")
    assert error["field"] == "custom_attributes.favourite_colour"
    assert list_ids(api) == []


# -- get ----------------------------------------------------------------------------


def test_get_returns_the_contact(api) -> None:
    contact = user(api, "u-1", email="ann@example.com", name="Ann")
    response = api.get(f"/contacts/{contact['id']}")
    assert response.status_code == 200
    assert response.json() == contact


def test_get_unknown_id_is_404_not_found(api) -> None:
    error_of(api.get("/contacts/5f0000000000000000000000"), 404, "not_found")


# -- update -------------------------------------------------------------------------


def test_update_is_partial(api) -> None:
    contact = user(
        api,
        "u-1",
        email="ann@example.com",
        name="Ann",
        custom_attributes={"login_status": "logged_in", "tier": "gold"},
    )
    response = api.put(
        f"/contacts/{contact['id']}",
        json={"phone": "+15550100", "custom_attributes": {"tier": "silver"}},
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated["phone"] == "+15550100"
    assert updated["name"] == "Ann"
    assert updated["email"] == "ann@example.com"
    assert updated["external_id"] == "u-1"
    assert updated["custom_attributes"] == {
        "login_status": "logged_in",
        "tier": "silver",
    }
    assert api.get(f"/contacts/{contact['id']}").json() == updated


def test_update_user_to_lead_is_400(api) -> None:
    contact = create(api, email="ann@example.com")
    response = api.put(f"/contacts/{contact['id']}", json={"role": "lead"})
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == "role"
    assert api.get(f"/contacts/{contact['id']}").json()["role"] == "user"


def test_update_lead_to_user_is_allowed(api) -> None:
    contact = lead(api, email="ann@example.com")
    response = api.put(
        f"/contacts/{contact['id']}", json={"role": "user", "external_id": "u-1"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "user"
    assert response.json()["external_id"] == "u-1"
    found = api.get("/contacts/find_by_external_id/u-1")
    assert found.json()["id"] == contact["id"]


def test_update_giving_a_lead_an_external_id_is_400(api) -> None:
    contact = lead(api)
    response = api.put(f"/contacts/{contact['id']}", json={"external_id": "u-1"})
    assert error_of(response, 400, "parameter_invalid")["field"] == "external_id"


def test_update_external_id_clash_is_409(api) -> None:
    first = user(api, "u-1")
    second = user(api, "u-2")
    response = api.put(f"/contacts/{second['id']}", json={"external_id": "u-1"})
    error = error_of(response, 409, "conflict")
    assert f"id={first['id']}" in error["message"]
    assert api.get(f"/contacts/{second['id']}").json()["external_id"] == "u-2"


def test_update_keeping_its_own_external_id_is_no_clash(api) -> None:
    contact = user(api, "u-1")
    response = api.put(
        f"/contacts/{contact['id']}", json={"external_id": "u-1", "name": "Ann"}
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Ann"


def test_update_undefined_custom_attribute_is_400(api) -> None:
    contact = user(api, "u-1", custom_attributes={"tier": "gold"})
    response = api.put(
        f"/contacts/{contact['id']}",
        json={"name": "Ann", "custom_attributes": {"login_state": "logged_in"}},
    )
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == "custom_attributes.login_state"
    assert "login_state" in error["message"]
    unchanged = api.get(f"/contacts/{contact['id']}").json()
    assert unchanged["name"] is None
    assert unchanged["custom_attributes"] == {"tier": "gold"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("login_status", 1),
        ("login_status", True),
        ("last_login_at", "2026-01-05"),
        ("last_login_at", True),
        ("last_login_at", 1.5),
        ("tier", {"level": 1}),
    ],
)
def test_update_custom_attribute_of_the_wrong_type_is_400(api, name, value) -> None:
    contact = user(api, "u-1")
    response = api.put(
        f"/contacts/{contact['id']}", json={"custom_attributes": {name: value}}
    )
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == f"custom_attributes.{name}"
    assert repr(value) in error["message"]
    assert api.get(f"/contacts/{contact['id']}").json()["custom_attributes"] == {}


def test_update_custom_attribute_to_null_clears_it(api) -> None:
    contact = user(
        api, "u-1", custom_attributes={"login_status": "logged_in", "tier": "gold"}
    )
    response = api.put(
        f"/contacts/{contact['id']}", json={"custom_attributes": {"tier": None}}
    )
    assert response.status_code == 200
    assert response.json()["custom_attributes"] == {"login_status": "logged_in"}


def test_update_wrong_typed_field_is_400_naming_the_field(api) -> None:
    contact = user(api, "u-1")
    response = api.put(f"/contacts/{contact['id']}", json={"signed_up_at": "today"})
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == "signed_up_at"


def test_update_unknown_contact_is_404(api) -> None:
    response = api.put("/contacts/5f0000000000000000000000", json={"name": "Ann"})
    error_of(response, 404, "not_found")


# -- delete -------------------------------------------------------------------------


def test_delete_removes_the_contact(api) -> None:
    contact = user(api, "u-1")
    other = user(api, "u-2")
    response = api.delete(f"/contacts/{contact['id']}")
    assert response.status_code == 200
    assert response.json() == {
        "type": "contact",
        "id": contact["id"],
        "external_id": "u-1",
        "deleted": True,
    }
    error_of(api.get(f"/contacts/{contact['id']}"), 404, "not_found")
    error_of(api.delete(f"/contacts/{contact['id']}"), 404, "not_found")
    assert list_ids(api) == [other["id"]]


def test_delete_frees_the_external_id(api) -> None:
    contact = user(api, "u-1")
    api.delete(f"/contacts/{contact['id']}")
    assert user(api, "u-1")["id"] != contact["id"]


# -- list ---------------------------------------------------------------------------


def test_list_gives_10_per_page_by_default(api) -> None:
    for n in range(12):
        user(api, f"u-{n}")
    body = api.get("/contacts").json()
    assert body["type"] == "list"
    assert len(body["data"]) == 10
    assert body["total_count"] == 12
    assert body["pages"]["per_page"] == 10
    assert body["pages"]["total_pages"] == 2
    assert "next" in body["pages"]


def test_list_gives_at_most_150_per_page(api) -> None:
    for n in range(151):
        user(api, f"u-{n}")
    body = api.get("/contacts", params={"per_page": 150}).json()
    assert len(body["data"]) == 150
    assert body["total_count"] == 151


@pytest.mark.parametrize("per_page", ["151", "0", "-1", "ten", "1.5"])
def test_list_per_page_out_of_range_is_400(api, per_page) -> None:
    response = api.get("/contacts", params={"per_page": per_page})
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == "per_page"
    assert per_page in error["message"]


def test_list_cursor_paging_visits_every_contact_exactly_once(api) -> None:
    created = [user(api, f"u-{n}")["id"] for n in range(23)]
    seen: list[str] = []
    params: dict[str, Any] = {"per_page": 5}
    pages = 0
    while True:
        body = api.get("/contacts", params=params).json()
        seen += [c["id"] for c in body["data"]]
        pages += 1
        following = body["pages"].get("next")
        if following is None:
            break
        params = {"per_page": 5, "starting_after": following["starting_after"]}
    assert pages == 5
    assert seen == created


def test_list_cursor_survives_a_deletion_behind_it(api) -> None:
    created = [user(api, f"u-{n}")["id"] for n in range(6)]
    first = api.get("/contacts", params={"per_page": 3}).json()
    cursor = first["pages"]["next"]["starting_after"]
    api.delete(f"/contacts/{created[2]}")
    rest = api.get("/contacts", params={"per_page": 3, "starting_after": cursor})
    assert [c["id"] for c in rest.json()["data"]] == created[3:]


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "!!!!",
        foreign_cursor("search:3"),
        foreign_cursor("contacts:three"),
    ],
)
def test_list_bad_cursor_is_400(api, cursor) -> None:
    user(api, "u-1")
    response = api.get("/contacts", params={"starting_after": cursor})
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == "starting_after"


# -- search -------------------------------------------------------------------------


def test_search_on_a_standard_attribute(api) -> None:
    ann = user(api, "u-1", email="ann@example.com")
    user(api, "u-2", email="bob@example.com")
    assert found_ids(search(api, eq("email", "ann@example.com"))) == [ann["id"]]
    assert found_ids(search(api, eq("external_id", "u-1"))) == [ann["id"]]


def test_search_on_role(api) -> None:
    user(api, "u-1")
    prospect = lead(api)
    assert found_ids(search(api, eq("role", "lead"))) == [prospect["id"]]


def test_search_on_a_custom_attribute(api) -> None:
    ann = user(api, "u-1", custom_attributes={"login_status": "logged_in"})
    user(api, "u-2", custom_attributes={"login_status": "anonymous"})
    user(api, "u-3")
    found = search(api, eq("custom_attributes.login_status", "logged_in"))
    assert found_ids(found) == [ann["id"]]
    unset = search(api, eq("custom_attributes.login_status", None))
    assert len(found_ids(unset)) == 1


def test_search_on_a_custom_date_attribute(api, clock) -> None:
    now = int(clock.now())
    recent = user(api, "u-1", custom_attributes={"last_login_at": now})
    user(api, "u-2", custom_attributes={"last_login_at": now - 10 * 86400})
    query = {
        "field": "custom_attributes.last_login_at",
        "operator": ">",
        "value": now - 2 * 86400,
    }
    assert found_ids(search(api, query)) == [recent["id"]]


def test_search_combines_filters(api) -> None:
    ann = user(api, "u-1", email="ann@example.com", custom_attributes={"tier": "gold"})
    user(api, "u-2", email="bob@example.com", custom_attributes={"tier": "gold"})
    bea = lead(api, email="bea@example.org")
    query = {
        "operator": "OR",
        "value": [
            {
                "operator": "AND",
                "value": [
                    eq("custom_attributes.tier", "gold"),
                    {"field": "email", "operator": "^", "value": "ann"},
                ],
            },
            eq("email_domain", "example.org"),
        ],
    }
    assert found_ids(search(api, query)) == [ann["id"], bea["id"]]


def test_search_pages_with_the_cursor_in_the_body(api) -> None:
    wanted = [
        user(api, f"u-{n}", custom_attributes={"tier": "gold"})["id"] for n in range(7)
    ]
    user(api, "other", custom_attributes={"tier": "silver"})
    query = eq("custom_attributes.tier", "gold")
    seen: list[str] = []
    response = search(api, query, per_page=3)
    while True:
        body = response.json()
        assert body["total_count"] == 7
        seen += found_ids(response)
        following = body["pages"].get("next")
        if following is None:
            break
        response = search(
            api, query, per_page=3, starting_after=following["starting_after"]
        )
    assert seen == wanted


def test_search_list_cursor_is_not_a_search_cursor(api) -> None:
    for n in range(3):
        user(api, f"u-{n}")
    cursor = api.get("/contacts", params={"per_page": 1}).json()["pages"]["next"]
    response = search(api, eq("role", "user"), starting_after=cursor["starting_after"])
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == "pagination.starting_after"


def test_search_per_page_150_is_allowed(api) -> None:
    user(api, "u-1")
    assert len(found_ids(search(api, eq("role", "user"), per_page=150))) == 1


@pytest.mark.parametrize("per_page", [151, 0, "10", True])
def test_search_per_page_beyond_150_or_mistyped_is_400(api, per_page) -> None:
    response = search(api, eq("role", "user"), per_page=per_page)
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == "pagination.per_page"


def test_search_without_a_query_is_400(api) -> None:
    response = api.post("/contacts/search", json={"pagination": {"per_page": 5}})
    assert error_of(response, 400, "parameter_not_found")["field"] == "query"


@pytest.mark.parametrize(
    "query",
    [
        eq("favourite_colour", "teal"),
        eq("custom_attributes.favourite_colour", "teal"),
        {"field": "email", "operator": ">", "value": "a"},
        {"field": "signed_up_at", "operator": "=", "value": "yesterday"},
        {"operator": "XOR", "value": [eq("role", "user"), eq("role", "lead")]},
        {"field": "email"},
        "role = user",
    ],
)
def test_search_query_language_errors_surface_in_the_error_envelope(api, query) -> None:
    response = search(api, query)
    error = error_of(response, 400, "parameter_invalid")
    assert error["message"]
    assert response.json()["request_id"]


def test_search_leaves_out_archived_and_merged_contacts(api) -> None:
    kept = user(api, "u-1", custom_attributes={"tier": "gold"})
    archived = user(api, "u-2", custom_attributes={"tier": "gold"})
    merged = lead(api, custom_attributes={"tier": "gold"})
    api.post(f"/contacts/{archived['id']}/archive")
    assert (
        api.post(
            "/contacts/merge", json={"from": merged["id"], "into": kept["id"]}
        ).status_code
        == 200
    )
    assert found_ids(search(api, eq("custom_attributes.tier", "gold"))) == [kept["id"]]


def test_search_index_delay_hides_a_new_contact_until_the_clock_moves() -> None:
    clock = SimulatedClock()
    config = load_workspace_config().model_copy(
        update={"search_index_delay_seconds": 30}
    )
    workspace = Workspace(config, clock=clock, tokens=[TOKEN])
    with (
        mount(workspace),
        httpx.Client(
            verify=TLS, base_url=US, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client,
    ):
        contact = create(client, external_id="u-1")
        query = eq("external_id", "u-1")
        assert found_ids(search(client, query)) == []
        # the contact itself exists at once; only the index lags
        assert client.get(f"/contacts/{contact['id']}").status_code == 200
        clock.advance(29)
        assert found_ids(search(client, query)) == []
        clock.advance(1)
        assert found_ids(search(client, query)) == [contact["id"]]


def test_search_without_an_index_delay_sees_a_new_contact_at_once(api) -> None:
    contact = create(api, external_id="u-1")
    assert found_ids(search(api, eq("external_id", "u-1"))) == [contact["id"]]


# -- merge --------------------------------------------------------------------------


def test_merge_lead_into_user(api) -> None:
    target = user(api, "u-1", email="ann@example.com")
    source = lead(api, email="ann@example.com", name="Ann")
    response = api.post(
        "/contacts/merge", json={"from": source["id"], "into": target["id"]}
    )
    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["id"] == target["id"]
    assert merged["role"] == "user"
    assert list_ids(api) == [target["id"]]


@pytest.mark.parametrize(
    ("from_role", "into_role"), [("user", "user"), ("lead", "lead"), ("user", "lead")]
)
def test_merge_other_than_lead_into_user_is_400_invalid_merge(
    api, from_role, into_role
) -> None:
    contacts = {
        "from": user(api, "u-1") if from_role == "user" else lead(api),
        "into": user(api, "u-2") if into_role == "user" else lead(api),
    }
    response = api.post(
        "/contacts/merge", json={k: c["id"] for k, c in contacts.items()}
    )
    error = error_of(response, 400, "invalid_merge")
    assert from_role in error["message"] and into_role in error["message"]
    for contact in contacts.values():
        assert api.get(f"/contacts/{contact['id']}").status_code == 200


def test_merge_moves_the_leads_conversations_and_tags_to_the_user(api) -> None:
    target = user(api, "u-1")
    source = lead(api)
    conversation_id = start_conversation(api, source)
    tag_id = make_tag(api, "vip")
    api.post(f"/contacts/{source['id']}/tags", json={"id": tag_id})
    api.post("/contacts/merge", json={"from": source["id"], "into": target["id"]})
    conversation = api.get(f"/conversations/{conversation_id}").json()
    assert [c["id"] for c in conversation["contacts"]["contacts"]] == [target["id"]]
    by_contact = api.post(
        "/conversations/search",
        json={
            "query": {"field": "contact_ids", "operator": "=", "value": target["id"]}
        },
    ).json()
    assert [c["id"] for c in by_contact["conversations"]] == [conversation_id]
    tags = api.get(f"/contacts/{target['id']}/tags").json()["data"]
    assert [t["id"] for t in tags] == [tag_id]


def test_merged_lead_is_404_by_default(api) -> None:
    target = user(api, "u-1")
    source = lead(api)
    api.post("/contacts/merge", json={"from": source["id"], "into": target["id"]})
    response = api.get(f"/contacts/{source['id']}")
    error_of(response, 404, "not_found")
    assert "Link" not in response.headers


def test_merged_lead_is_410_with_a_link_header_from_2_16(api) -> None:
    target = user(api, "u-1")
    source = lead(api)
    api.post("/contacts/merge", json={"from": source["id"], "into": target["id"]})
    response = api.get(
        f"/contacts/{source['id']}", headers={"Intercom-Version": "2.16"}
    )
    error_of(response, 410, "contact_merged")
    assert f"/contacts/{target['id']}" in response.headers["Link"]
    assert 'rel="canonical"' in response.headers["Link"]


def test_merge_with_an_unknown_contact_is_404(api) -> None:
    target = user(api, "u-1")
    response = api.post(
        "/contacts/merge",
        json={"from": "5f0000000000000000000000", "into": target["id"]},
    )
    error_of(response, 404, "not_found")


def test_merge_without_into_is_400(api) -> None:
    source = lead(api)
    response = api.post("/contacts/merge", json={"from": source["id"]})
    assert error_of(response, 400, "parameter_not_found")["field"] == "into"


# -- find by external id ------------------------------------------------------------


def test_find_by_external_id_finds_the_user(api) -> None:
    contact = user(api, "u-1")
    user(api, "u-2")
    response = api.get("/contacts/find_by_external_id/u-1")
    assert response.status_code == 200
    assert response.json()["id"] == contact["id"]


def test_find_by_external_id_never_finds_a_lead(api, workspace) -> None:
    contact = lead(api)
    # A lead cannot be given an external_id through the API; plant one to prove that
    # the lookup itself only considers users.
    workspace.state.contacts[contact["id"]].external_id = "u-9"
    error_of(api.get("/contacts/find_by_external_id/u-9"), 404, "not_found")
    error_of(
        api.get(f"/contacts/find_by_external_id/{contact['id']}"), 404, "not_found"
    )


def test_find_by_unknown_external_id_is_404(api) -> None:
    error_of(api.get("/contacts/find_by_external_id/nobody"), 404, "not_found")


# -- archive ------------------------------------------------------------------------


def test_archive_hides_the_contact_from_list_and_search(api) -> None:
    contact = user(api, "u-1")
    other = user(api, "u-2")
    response = api.post(f"/contacts/{contact['id']}/archive")
    assert response.status_code == 200
    assert response.json() == {
        "type": "contact",
        "id": contact["id"],
        "external_id": "u-1",
        "archived": True,
    }
    assert list_ids(api) == [other["id"]]
    assert found_ids(search(api, eq("external_id", "u-1"))) == []


def test_unarchive_brings_the_contact_back(api) -> None:
    contact = user(api, "u-1")
    api.post(f"/contacts/{contact['id']}/archive")
    response = api.post(f"/contacts/{contact['id']}/unarchive")
    assert response.status_code == 200
    assert response.json()["archived"] is False
    assert list_ids(api) == [contact["id"]]
    assert found_ids(search(api, eq("external_id", "u-1"))) == [contact["id"]]


@pytest.mark.parametrize("action", ["archive", "unarchive"])
def test_archive_unknown_contact_is_404(api, action) -> None:
    error_of(api.post(f"/contacts/5f0000000000000000000000/{action}"), 404, "not_found")
