"""The conversation and tag rules of the REST API, and `/me`."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

UNKNOWN_CONTACT = "5f0000000000000000000000"
_external_ids = itertools.count(1)


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == "error.list"
    (item,) = body["errors"]
    assert item["code"] == code, item
    return item


def contact(api: httpx.Client, role: str = "user", **fields: Any) -> dict[str, Any]:
    if role == "user":
        fields.setdefault("external_id", f"u-{next(_external_ids)}")
    response = api.post("/contacts", json={"role": role, **fields})
    assert response.status_code == 200, response.text
    return response.json()


def open_conversation(
    api: httpx.Client, who: dict[str, Any], body: str = "Hello", kind: str | None = None
) -> httpx.Response:
    return api.post(
        "/conversations",
        json={"from": {"type": kind or who["role"], "id": who["id"]}, "body": body},
    )


def conversation_id(api: httpx.Client, who: dict[str, Any], body: str = "Hello") -> str:
    response = open_conversation(api, who, body)
    assert response.status_code == 200, response.text
    return response.json()["conversation_id"]


def tag(api: httpx.Client, name: str) -> dict[str, Any]:
    response = api.post("/tags", json={"name": name})
    assert response.status_code == 200, response.text
    return response.json()


def applied_tags(api: httpx.Client, conversation_id: str) -> list[str]:
    """The ids of the tags applied to a conversation, less the routing tag that the
    default workspace's workflow puts on every new one (`path:<path>`)."""
    conversation = api.get(f"/conversations/{conversation_id}").json()
    return [
        t["id"]
        for t in conversation["tags"]["tags"]
        if not t["name"].startswith("path:")
    ]


def by_contact(api: httpx.Client, contact_id: str, **pagination: Any) -> httpx.Response:
    body: dict[str, Any] = {
        "query": {"field": "contact_ids", "operator": "=", "value": contact_id}
    }
    if pagination:
        body["pagination"] = pagination
    return api.post("/conversations/search", json=body)


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["conversations"]]


def delete_with_body(api: httpx.Client, path: str, body: Any) -> httpx.Response:
    return api.request("DELETE", path, json=body)


# -- create -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["user", "lead"])
def test_create_returns_a_user_message_with_the_conversation_id(api, role) -> None:
    who = contact(api, role, email="ann@example.com")
    response = open_conversation(api, who, "Where is my order?")
    assert response.status_code == 200, response.text
    message = response.json()
    assert message["type"] == "user_message"
    assert message["body"] == "Where is my order?"
    assert message["message_type"] == "inapp"
    conversation = api.get(f"/conversations/{message['conversation_id']}").json()
    assert conversation["id"] == message["conversation_id"]
    assert conversation["source"]["id"] == message["id"]
    assert conversation["source"]["body"] == "Where is my order?"
    assert conversation["source"]["author"]["id"] == who["id"]
    assert conversation["source"]["author"]["type"] == role
    assert [c["id"] for c in conversation["contacts"]["contacts"]] == [who["id"]]


@pytest.mark.parametrize("role", ["user", "lead"])
def test_create_from_type_contact_fits_either_role(api, role) -> None:
    who = contact(api, role, email="ann@example.com")
    assert open_conversation(api, who, kind="contact").status_code == 200


@pytest.mark.parametrize(("role", "kind"), [("user", "lead"), ("lead", "user")])
def test_create_from_type_that_is_not_the_role_is_refused(api, role, kind) -> None:
    who = contact(api, role, email="ann@example.com")
    error_of(open_conversation(api, who, kind=kind), 404, "not_found")
    assert api.get("/conversations").json()["conversations"] == []


@pytest.mark.parametrize("kind", ["admin", "visitor", "User"])
def test_create_from_type_outside_user_lead_contact_is_400(api, kind) -> None:
    who = contact(api, "user")
    error = error_of(open_conversation(api, who, kind=kind), 400, "parameter_invalid")
    assert error["field"] == "from.type"
    assert repr(kind) in error["message"]


def test_create_from_an_unknown_contact_is_404(api) -> None:
    response = api.post(
        "/conversations",
        json={"from": {"type": "user", "id": UNKNOWN_CONTACT}, "body": "Hello"},
    )
    error_of(response, 404, "not_found")


def test_create_from_a_merged_lead_is_404(api) -> None:
    target = contact(api, "user")
    source = contact(api, "lead")
    api.post("/contacts/merge", json={"from": source["id"], "into": target["id"]})
    error_of(open_conversation(api, source, kind="contact"), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": "Hello"}, "from"),
        ({"from": {"type": "user", "id": UNKNOWN_CONTACT}}, "body"),
        ({"from": "someone", "body": "Hello"}, "from"),
        ({"from": {"type": "user", "id": UNKNOWN_CONTACT}, "body": 5}, "body"),
    ],
)
def test_create_with_a_missing_or_mistyped_field_is_400(api, body, field) -> None:
    response = api.post("/conversations", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("sender", "field"),
    [
        ({"id": UNKNOWN_CONTACT}, "from.type"),
        ({"type": "user"}, "from.id"),
        ({"type": "user", "id": 5}, "from.id"),
    ],
)
def test_create_names_the_nested_field_of_from(api, sender, field) -> None:
    response = api.post("/conversations", json={"from": sender, "body": "Hello"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == field
    assert field in error["message"]


# -- get, list, search --------------------------------------------------------------


def test_get_unknown_conversation_is_404(api) -> None:
    error_of(api.get("/conversations/215999999999"), 404, "not_found")


def test_list_pages_through_every_conversation_once(api) -> None:
    who = contact(api, "user")
    created = [conversation_id(api, who, f"message {n}") for n in range(7)]
    seen: list[str] = []
    params: dict[str, Any] = {"per_page": 3}
    while True:
        body = api.get("/conversations", params=params).json()
        assert body["type"] == "conversation.list"
        assert body["total_count"] == 7
        seen += [c["id"] for c in body["conversations"]]
        following = body["pages"].get("next")
        if following is None:
            break
        params = {"per_page": 3, "starting_after": following["starting_after"]}
    assert seen == created


def test_list_gives_20_per_page_by_default(api) -> None:
    who = contact(api, "user")
    for n in range(21):
        conversation_id(api, who, f"message {n}")
    body = api.get("/conversations").json()
    assert len(body["conversations"]) == 20
    assert body["pages"]["per_page"] == 20


@pytest.mark.parametrize("per_page", ["151", "0"])
def test_list_per_page_out_of_range_is_400(api, per_page) -> None:
    response = api.get("/conversations", params={"per_page": per_page})
    assert error_of(response, 400, "parameter_invalid")["field"] == "per_page"


def test_list_bad_cursor_is_400(api) -> None:
    response = api.get("/conversations", params={"starting_after": "bogus"})
    assert error_of(response, 400, "parameter_invalid")["field"] == "starting_after"


def test_search_by_contact_ids_finds_that_contacts_conversations(api) -> None:
    ann = contact(api, "user")
    bea = contact(api, "lead")
    anns = [conversation_id(api, ann), conversation_id(api, ann)]
    beas = [conversation_id(api, bea)]
    assert ids(by_contact(api, ann["id"])) == anns
    assert ids(by_contact(api, bea["id"])) == beas
    assert ids(by_contact(api, UNKNOWN_CONTACT)) == []
    both = api.post(
        "/conversations/search",
        json={
            "query": {
                "field": "contact_ids",
                "operator": "IN",
                "value": [ann["id"], bea["id"]],
            }
        },
    )
    assert ids(both) == anns + beas


def test_search_by_contact_ids_pages_with_the_cursor_in_the_body(api) -> None:
    ann = contact(api, "user")
    created = [conversation_id(api, ann, f"message {n}") for n in range(5)]
    first = by_contact(api, ann["id"], per_page=2)
    seen = ids(first)
    cursor = first.json()["pages"]["next"]["starting_after"]
    while cursor is not None:
        page = by_contact(api, ann["id"], per_page=2, starting_after=cursor)
        seen += ids(page)
        cursor = page.json()["pages"].get("next", {}).get("starting_after")
    assert seen == created


def test_search_conversations_query_errors_are_400(api) -> None:
    response = api.post(
        "/conversations/search",
        json={"query": {"field": "contact_ids", "operator": "<", "value": "x"}},
    )
    error_of(response, 400, "parameter_invalid")
    error_of(api.post("/conversations/search", json={}), 400, "parameter_not_found")


# -- tags ---------------------------------------------------------------------------


def test_tag_create_is_idempotent_on_name(api) -> None:
    first = tag(api, "vip")
    again = tag(api, "vip")
    assert first == again == {"type": "tag", "id": first["id"], "name": "vip"}
    other = tag(api, "churn-risk")
    assert other["id"] != first["id"]
    assert [t["id"] for t in api.get("/tags").json()["data"]] == [
        first["id"],
        other["id"],
    ]


def test_tag_create_with_an_id_renames_the_tag(api) -> None:
    first = tag(api, "vip")
    response = api.post("/tags", json={"id": first["id"], "name": "very important"})
    assert response.status_code == 200
    assert response.json() == {
        "type": "tag",
        "id": first["id"],
        "name": "very important",
    }
    assert api.get("/tags").json()["data"] == [response.json()]
    assert tag(api, "vip")["id"] != first["id"]


def test_tag_rename_of_an_unknown_tag_is_404(api) -> None:
    response = api.post("/tags", json={"id": "999999", "name": "vip"})
    error_of(response, 404, "not_found")
    assert api.get("/tags").json()["data"] == []


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "  "}, {"name": 5}])
def test_tag_create_without_a_usable_name_is_400(api, body) -> None:
    response = api.post("/tags", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "name"


def test_tag_list(api) -> None:
    assert api.get("/tags").json() == {"type": "list", "data": []}
    vip = tag(api, "vip")
    assert api.get("/tags").json() == {"type": "list", "data": [vip]}


def test_tag_and_untag_a_contact(api) -> None:
    who = contact(api, "user")
    vip = tag(api, "vip")
    response = api.post(f"/contacts/{who['id']}/tags", json={"id": vip["id"]})
    assert response.status_code == 200
    assert response.json()["id"] == vip["id"]
    # tagging twice keeps one tag
    api.post(f"/contacts/{who['id']}/tags", json={"id": vip["id"]})
    listed = api.get(f"/contacts/{who['id']}/tags").json()["data"]
    assert [t["id"] for t in listed] == [vip["id"]]
    shown = api.get(f"/contacts/{who['id']}").json()["tags"]
    assert [t["id"] for t in shown["data"]] == [vip["id"]]
    searched = api.post(
        "/contacts/search",
        json={"query": {"field": "tag_id", "operator": "=", "value": vip["id"]}},
    ).json()["data"]
    assert [c["id"] for c in searched] == [who["id"]]
    removed = api.delete(f"/contacts/{who['id']}/tags/{vip['id']}")
    assert removed.status_code == 200
    assert api.get(f"/contacts/{who['id']}/tags").json()["data"] == []


def test_tag_a_contact_with_an_unknown_tag_is_404(api) -> None:
    who = contact(api, "user")
    error_of(
        api.post(f"/contacts/{who['id']}/tags", json={"id": "999999"}), 404, "not_found"
    )
    error_of(api.delete(f"/contacts/{who['id']}/tags/999999"), 404, "not_found")


def test_tag_an_unknown_contact_is_404(api) -> None:
    vip = tag(api, "vip")
    error_of(
        api.post(f"/contacts/{UNKNOWN_CONTACT}/tags", json={"id": vip["id"]}),
        404,
        "not_found",
    )


def test_tag_a_contact_without_a_tag_id_is_400(api) -> None:
    who = contact(api, "user")
    response = api.post(f"/contacts/{who['id']}/tags", json={})
    assert error_of(response, 400, "parameter_not_found")["field"] == "id"


def test_me_returns_the_workspace_admin(api, workspace) -> None:
    me = api.get("/me").json()
    assert me["type"] == "admin"
    assert me["id"] == workspace.admin_id
    assert me["app"]["id_code"] == workspace.config.app_id


def test_tag_and_untag_a_conversation_as_the_admin(api, workspace, clock) -> None:
    who = contact(api, "user")
    cid = conversation_id(api, who)
    vip = tag(api, "vip")
    admin_id = api.get("/me").json()["id"]
    response = api.post(
        f"/conversations/{cid}/tags", json={"id": vip["id"], "admin_id": admin_id}
    )
    assert response.status_code == 200, response.text
    applied = response.json()
    assert applied["id"] == vip["id"]
    assert applied["applied_by"] == {"type": "admin", "id": workspace.admin_id}
    assert applied["applied_at"] == int(clock.now())
    assert applied_tags(api, cid) == [vip["id"]]
    tagged = api.post(
        "/conversations/search",
        json={"query": {"field": "tag_ids", "operator": "=", "value": vip["id"]}},
    )
    assert ids(tagged) == [cid]
    removed = delete_with_body(
        api, f"/conversations/{cid}/tags/{vip['id']}", {"admin_id": admin_id}
    )
    assert removed.status_code == 200, removed.text
    assert applied_tags(api, cid) == []


def test_tag_a_conversation_accepts_the_admin_id_as_a_number(api, workspace) -> None:
    cid = conversation_id(api, contact(api, "user"))
    vip = tag(api, "vip")
    response = api.post(
        f"/conversations/{cid}/tags",
        json={"id": int(vip["id"]), "admin_id": int(workspace.admin_id)},
    )
    assert response.status_code == 200, response.text


def test_tag_a_conversation_requires_admin_id(api) -> None:
    cid = conversation_id(api, contact(api, "user"))
    vip = tag(api, "vip")
    response = api.post(f"/conversations/{cid}/tags", json={"id": vip["id"]})
    assert error_of(response, 400, "parameter_not_found")["field"] == "admin_id"
    removed = delete_with_body(api, f"/conversations/{cid}/tags/{vip['id']}", {})
    assert error_of(removed, 400, "parameter_not_found")["field"] == "admin_id"
    assert applied_tags(api, cid) == []


def test_tag_a_conversation_as_an_unknown_admin_is_404(api, workspace) -> None:
    cid = conversation_id(api, contact(api, "user"))
    vip = tag(api, "vip")
    response = api.post(
        f"/conversations/{cid}/tags", json={"id": vip["id"], "admin_id": "1"}
    )
    error_of(response, 404, "not_found")
    assert applied_tags(api, cid) == []


def test_tag_a_conversation_with_an_unknown_tag_is_404(api, workspace) -> None:
    cid = conversation_id(api, contact(api, "user"))
    response = api.post(
        f"/conversations/{cid}/tags",
        json={"id": "999999", "admin_id": workspace.admin_id},
    )
    error_of(response, 404, "not_found")
    removed = delete_with_body(
        api, f"/conversations/{cid}/tags/999999", {"admin_id": workspace.admin_id}
    )
    error_of(removed, 404, "tag_not_found")


def test_tag_an_unknown_conversation_is_404(api, workspace) -> None:
    vip = tag(api, "vip")
    response = api.post(
        "/conversations/215999999999/tags",
        json={"id": vip["id"], "admin_id": workspace.admin_id},
    )
    error_of(response, 404, "not_found")


def test_conversations_answer_in_the_version_asked_for(api) -> None:
    who = contact(api, "user")
    cid = conversation_id(api, who)
    later = {"Intercom-Version": "2.16"}
    query = {"query": {"field": "contact_ids", "operator": "=", "value": who["id"]}}
    for headers, priority in (({}, "not_priority"), (later, "none")):
        answers = [
            api.get(f"/conversations/{cid}", headers=headers).json(),
            api.get("/conversations", headers=headers).json()["conversations"][0],
            api.post("/conversations/search", json=query, headers=headers).json()[
                "conversations"
            ][0],
        ]
        assert [a["priority"] for a in answers] == [priority] * 3
