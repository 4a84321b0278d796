"""One deliberate, successful call of every REST operation, checked for conformance.

The conformance plugin validates every response the suite produces; these calls make
sure each covered operation is exercised at least once (list and search pages past the
first included), whatever the other tests do. The last tests prove the check itself
catches a response that does not conform.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from simulator.workspace import (
    EXCHANGE_OBSERVERS,
    ApiRequest,
    ApiResponse,
    Route,
    Workspace,
    rest,
)
from simulator.workspace.state import ConversationPart
from tests.conformance_plugin import (
    check_exchange,
    description_version,
    expect_nonconforming,
    missing_reason,
)

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.skipif(missing_reason() is not None, reason=missing_reason() or ""),
]

Exchange = tuple[ApiRequest, ApiResponse, "Route | None"]
V2_16 = {"Intercom-Version": "2.16"}


@pytest.fixture
def exchanges() -> Iterator[list[Exchange]]:
    """Every exchange any workspace answers while the test runs, in order."""
    seen: list[Exchange] = []

    def record(request: ApiRequest, response: ApiResponse, route: Route | None):
        seen.append((request, response, route))

    EXCHANGE_OBSERVERS.append(record)
    try:
        yield seen
    finally:
        EXCHANGE_OBSERVERS.remove(record)


class Seeded:
    """A workspace holding one of everything, reached through `api`."""

    def __init__(self, workspace: Workspace, api: httpx.Client):
        self.workspace = workspace
        self.api = api
        self.user = self.ok(
            api.post(
                "/contacts",
                json={
                    "external_id": "u-1",
                    "email": "ann@example.com",
                    "name": "Ann",
                    "owner_id": 991200,
                    "custom_attributes": {"login_status": "logged_in"},
                },
            )
        )
        self.other = self.ok(
            api.post(
                "/contacts",
                json={
                    "external_id": "u-2",
                    "email": "bob@example.com",
                },
            )
        )
        self.lead = self.ok(api.post("/contacts", json={"role": "lead"}))
        self.tag = self.ok(api.post("/tags", json={"name": "vip"}))
        self.ok(
            api.post(f"/contacts/{self.user['id']}/tags", json={"id": self.tag["id"]})
        )
        message = self.ok(
            api.post(
                "/conversations",
                json={
                    "from": {"type": "user", "id": self.user["id"]},
                    "body": "Hello",
                },
            )
        )
        self.conversation_id = message["conversation_id"]
        self.ok(
            api.post(
                "/conversations",
                json={
                    "from": {"type": "lead", "id": self.lead["id"]},
                    "body": "Anyone there?",
                },
            )
        )
        self.ok(
            api.post(
                f"/conversations/{self.conversation_id}/tags",
                json={
                    "id": self.tag["id"],
                    "admin_id": workspace.admin_id,
                },
            )
        )
        self.attribute = self.ok(
            api.post(
                "/data_attributes",
                json={
                    "name": "plan",
                    "model": "contact",
                    "data_type": "options",
                    "options": [{"value": "free"}, {"value": "paid"}],
                    "description": "The plan the person is on",
                },
            )
        )

    @staticmethod
    def ok(response: httpx.Response) -> Any:
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def seeded(workspace: Workspace, api: httpx.Client) -> Seeded:
    return Seeded(workspace, api)


def _search(field: str, operator: str, value: Any) -> dict[str, Any]:
    return {"query": {"field": field, "operator": operator, "value": value}}


# One successful call per operation, named as in `rest.ROUTES`.
SMOKE: dict[str, Callable[[Seeded], httpx.Response]] = {
    "me": lambda s: s.api.get("/me"),
    "contacts.create": lambda s: s.api.post(
        "/contacts",
        json={
            "external_id": "u-3",
            "email": "cy@example.com",
            "phone": "+15550100",
            "signed_up_at": 1_700_000_000,
            "unsubscribed_from_emails": True,
        },
    ),
    "contacts.list": lambda s: s.api.get("/contacts"),
    "contacts.search": lambda s: s.api.post(
        "/contacts/search", json=_search("email", "~", "example.com")
    ),
    "contacts.merge": lambda s: s.api.post(
        "/contacts/merge", json={"from": s.lead["id"], "into": s.user["id"]}
    ),
    "contacts.find_by_external_id": lambda s: s.api.get(
        "/contacts/find_by_external_id/u-1"
    ),
    "contacts.get": lambda s: s.api.get(f"/contacts/{s.user['id']}"),
    "contacts.update": lambda s: s.api.put(
        f"/contacts/{s.user['id']}",
        json={
            "name": "Ann B",
            "custom_attributes": {"login_status": "logged_out"},
        },
    ),
    "contacts.delete": lambda s: s.api.delete(f"/contacts/{s.other['id']}"),
    "contacts.archive": lambda s: s.api.post(f"/contacts/{s.other['id']}/archive"),
    "contacts.unarchive": lambda s: s.api.post(f"/contacts/{s.other['id']}/unarchive"),
    "contacts.tags.list": lambda s: s.api.get(f"/contacts/{s.user['id']}/tags"),
    "contacts.tags.add": lambda s: s.api.post(
        f"/contacts/{s.other['id']}/tags", json={"id": s.tag["id"]}
    ),
    "contacts.tags.remove": lambda s: s.api.delete(
        f"/contacts/{s.user['id']}/tags/{s.tag['id']}"
    ),
    "data_attributes.list": lambda s: s.api.get(
        "/data_attributes", params={"model": "contact", "include_archived": "true"}
    ),
    "data_attributes.create": lambda s: s.api.post(
        "/data_attributes",
        json={
            "name": "seats",
            "model": "contact",
            "data_type": "integer",
            "messenger_writable": False,
        },
    ),
    "data_attributes.update": lambda s: s.api.put(
        f"/data_attributes/{s.attribute['id']}",
        json={"description": "Billing plan", "archived": True},
    ),
    "conversations.create": lambda s: s.api.post(
        "/conversations",
        json={
            "from": {"type": "contact", "id": s.other["id"]},
            "body": "Hi there",
        },
    ),
    "conversations.list": lambda s: s.api.get("/conversations"),
    "conversations.search": lambda s: s.api.post(
        "/conversations/search", json=_search("open", "=", True)
    ),
    "conversations.get": lambda s: s.api.get(f"/conversations/{s.conversation_id}"),
    "conversations.tags.add": lambda s: s.api.post(
        f"/conversations/{s.conversation_id}/tags",
        json={"id": s.tag["id"], "admin_id": s.workspace.admin_id},
    ),
    "conversations.tags.remove": lambda s: s.api.request(
        "DELETE",
        f"/conversations/{s.conversation_id}/tags/{s.tag['id']}",
        json={"admin_id": s.workspace.admin_id},
    ),
    "tags.list": lambda s: s.api.get("/tags"),
    "tags.create": lambda s: s.api.post("/tags", json={"name": "churn-risk"}),
}

REST_OPERATIONS = sorted(r.operation for r in rest.ROUTES if r.surface == "rest")


def _conforming(
    exchanges: list[Exchange], response: httpx.Response, operation: str
) -> Any:
    """The JSON of `response`, after checking its exchange conforms."""
    assert response.status_code == 200, response.text
    request, answer, route = exchanges[-1]
    assert route is not None and route.operation == operation
    assert answer.status == response.status_code
    assert check_exchange(request, answer, route) == []
    return response.json()


def test_every_rest_route_has_a_smoke_call() -> None:
    assert sorted(SMOKE) == REST_OPERATIONS


@pytest.mark.parametrize("operation", REST_OPERATIONS)
def test_each_operation_answers_a_conforming_200(
    operation: str, seeded: Seeded, exchanges: list[Exchange]
) -> None:
    response = SMOKE[operation](seeded)
    _conforming(exchanges, response, operation)


@pytest.mark.parametrize(
    ("operation", "call"),
    [
        (
            "contacts.list",
            lambda s, after: s.api.get("/contacts", params={"per_page": 1, **after}),
        ),
        (
            "contacts.search",
            lambda s, after: s.api.post(
                "/contacts/search",
                json={
                    **_search("email", "~", "example.com"),
                    "pagination": {"per_page": 1, **after},
                },
            ),
        ),
        (
            "conversations.list",
            lambda s, after: s.api.get(
                "/conversations", params={"per_page": 1, **after}
            ),
        ),
        (
            "conversations.search",
            lambda s, after: s.api.post(
                "/conversations/search",
                json={
                    **_search("open", "=", True),
                    "pagination": {"per_page": 1, **after},
                },
            ),
        ),
    ],
)
def test_every_page_of_a_list_or_search_conforms(
    operation: str, call: Callable, seeded: Seeded, exchanges: list[Exchange]
) -> None:
    after: dict[str, str] = {}
    pages = 0
    while True:
        body = _conforming(exchanges, call(seeded, after), operation)
        pages += 1
        following = body["pages"].get("next")
        if following is None:
            break
        after = {"starting_after": following["starting_after"]}
    assert pages == body["pages"]["total_pages"] >= 2


def test_a_2_16_answer_is_judged_by_the_2_16_description(
    seeded: Seeded, exchanges: list[Exchange]
) -> None:
    response = seeded.api.get(f"/contacts/{seeded.user['id']}", headers=V2_16)
    body = _conforming(exchanges, response, "contacts.get")
    assert body["owner_id"] == "991200"
    assert description_version(exchanges[-1][0]) == "2.16"


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.api.get(f"/conversations/{s.conversation_id}", headers=V2_16),
        lambda s: s.api.get("/conversations", headers=V2_16),
        lambda s: s.api.post(
            "/conversations/search", json=_search("open", "=", True), headers=V2_16
        ),
    ],
    ids=["get", "list", "search"],
)
def test_a_2_16_conversation_conforms_to_the_2_16_description(
    call: Callable, seeded: Seeded
) -> None:
    with expect_nonconforming() as problems:
        response = call(seeded)
    assert response.status_code == 200
    assert problems == []


@pytest.mark.parametrize("headers", [{}, V2_16], ids=["2.14", "2.16"])
def test_a_conversation_with_parts_conforms(
    headers: dict[str, str], seeded: Seeded, exchanges: list[Exchange]
) -> None:
    # Nothing answers with parts yet; they are added to the state directly.
    conversation = seeded.workspace.state.conversations[seeded.conversation_id]
    conversation.parts += [
        ConversationPart(
            "9001",
            "comment",
            "<p>How can I help?</p>",
            1_700_000_100,
            "admin",
            seeded.workspace.admin_id,
        ),
        ConversationPart(
            "9002", "close", None, 1_700_000_200, "admin", seeded.workspace.admin_id
        ),
    ]
    response = seeded.api.get(
        f"/conversations/{seeded.conversation_id}", headers=headers
    )
    body = _conforming(exchanges, response, "conversations.get")
    assert body["conversation_parts"]["total_count"] == 2


def test_a_merged_contact_is_a_conforming_410_from_2_16(
    seeded: Seeded, exchanges: list[Exchange]
) -> None:
    seeded.ok(
        seeded.api.post(
            "/contacts/merge",
            json={"from": seeded.lead["id"], "into": seeded.user["id"]},
        )
    )
    for operation, path in [
        ("contacts.get", f"/contacts/{seeded.lead['id']}"),
        ("contacts.tags.list", f"/contacts/{seeded.lead['id']}/tags"),
    ]:
        response = seeded.api.get(path, headers=V2_16)
        assert response.status_code == 410
        request, answer, route = exchanges[-1]
        assert route is not None and route.operation == operation
        assert check_exchange(request, answer, route) == []


def test_allow_listed_errors_carry_the_error_envelope(
    seeded: Seeded, exchanges: list[Exchange]
) -> None:
    api = seeded.api
    refused = [
        api.get("/contacts/000000000000000000000000"),
        api.post("/contacts", json={"external_id": "u-1"}),
        api.post("/contacts/search", json={"query": {"field": "nope"}}),
        api.get("/me", headers={"Intercom-Version": "0.1"}),
        api.get("/me", headers={"Authorization": "Bearer wrong"}),
    ]
    assert [r.status_code for r in refused] == [404, 409, 400, 400, 401]
    for request, answer, route in exchanges[-len(refused) :]:
        assert check_exchange(request, answer, route) == []


# -- the check catches what does not conform -------------------------------------------


def _exchange_for(
    workspace: Workspace, method: str, path: str, status: int, body: bytes
) -> Exchange:
    matched = workspace.match(method, path)
    assert matched is not None
    request = ApiRequest(method, path, headers={"authorization": "Bearer x"})
    headers = {"Content-Type": "application/json; charset=utf-8"}
    return request, ApiResponse(status, body, headers), matched[0]


def test_a_serializer_giving_a_wrong_type_is_reported(
    seeded: Seeded, exchanges: list[Exchange], monkeypatch: pytest.MonkeyPatch
) -> None:
    shape = rest.contact_json

    def numeric_id(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return {**shape(*args, **kwargs), "id": 12345}

    monkeypatch.setattr(rest, "contact_json", numeric_id)
    with expect_nonconforming() as observed:
        response = seeded.api.get(f"/contacts/{seeded.user['id']}")
    assert response.status_code == 200
    problems = check_exchange(*exchanges[-1])
    assert problems == observed
    assert len(problems) == 1
    assert "contacts.get (GET /contacts/{contact_id}) answered 200" in problems[0]
    assert "$.id: 12345 is not of type 'string'" in problems[0]


def test_an_undocumented_status_outside_the_allow_list_is_reported(
    workspace: Workspace,
) -> None:
    body = b'{"type":"error.list","errors":[{"code":"teapot"}]}'
    problems = check_exchange(*_exchange_for(workspace, "GET", "/me", 418, body))
    assert len(problems) == 1
    assert "me (GET /me) answered 418" in problems[0]
    assert "neither documented nor in the allow-list" in problems[0]


def test_a_410_before_2_16_is_not_allowed(workspace: Workspace) -> None:
    body = b'{"type":"error.list","errors":[{"code":"contact_merged"}]}'
    exchange = _exchange_for(workspace, "PUT", "/contacts/abc", 410, body)
    assert "neither documented" in check_exchange(*exchange)[0]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"type":"error.list"}', "'errors' is a required property"),
        (
            b'{"type":"error.list","errors":[{"message":"x"}]}',
            "'code' is a required property",
        ),
        (
            b'{"type":"error.list","request_id":"nope","errors":[{"code":"x"}]}',
            "is not a 'uuid'",
        ),
        (b"not json", "not JSON"),
    ],
)
def test_an_allow_listed_status_without_the_error_envelope_is_reported(
    workspace: Workspace, body: bytes, reason: str
) -> None:
    exchange = _exchange_for(workspace, "GET", "/contacts/abc", 404, body)
    problems = check_exchange(*exchange)
    assert problems and all("contacts.get" in p and "404" in p for p in problems)
    assert any(reason in p for p in problems), problems


def test_a_documented_error_status_is_judged_by_its_schema(
    workspace: Workspace,
) -> None:
    exchange = _exchange_for(
        workspace, "GET", "/conversations/1", 404, b'{"type":"error.list"}'
    )
    assert "'errors' is a required property" in check_exchange(*exchange)[0]


def test_messenger_and_unmatched_exchanges_are_not_judged(
    workspace: Workspace,
) -> None:
    messenger = next(r for r in workspace.routes if r.surface == "messenger")
    request = ApiRequest("POST", messenger.template)
    nonsense = ApiResponse(200, b"[1, 2]", {"Content-Type": "application/json"})
    assert check_exchange(request, nonsense, messenger) == []
    assert check_exchange(ApiRequest("GET", "/nope"), nonsense, None) == []
