"""The official Python client (`python-intercom` 5.0.1) against the loopback server.

Each test points a real `intercom.Intercom` client at the mock workspace served by
uvicorn on 127.0.0.1 and checks both what the client hands back (its typed result
objects and exceptions) and what the workspace now holds.

Two things about this client shape the tests:

- It sends no `Intercom-Version` header, so the workspace answers in its configured
  default version (2.14 in the bundled config).
- Its search pager re-sends the first page's request for "the next page" (it passes
  the original `pagination` again instead of the cursor it was given), so search
  pages are walked by hand, passing `pages.next.starting_after` back in.

The client parses answers leniently (`construct_type`, not validation), so a shape
the client does not expect would pass unnoticed; `_strictly` re-validates the raw
JSON of an answer against the client's own model to catch that.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from intercom import (
    CreateContactRequestWithEmail,
    CreateContactRequestWithExternalId,
    CreateContactRequestWithRole,
    CreateDataAttributeRequestOne,
    CreateDataAttributeRequestOptions,
    CreateOrUpdateTagRequest,
    Intercom,
    MultipleFilterSearchRequest,
    NotFoundError,
    SingleFilterSearchRequest,
    StartingAfterPaging,
    UnauthorizedError,
)
from intercom.contacts.types import ContactsCreateResponse, ContactsFindResponse
from intercom.core.api_error import ApiError as IntercomApiError
from intercom.types import ContactList, Error

from simulator.workspace import LoopbackServer, Workspace
from tests.conftest import TLS, TOKEN

pytestmark = pytest.mark.loopback

CUSTOM_ATTRIBUTES = {
    "login_status": "string",
    "login_status_text": "string",
    "user_id": "string",
    "member_id": "string",
    "user_level": "string",
    "tier": "string",
    "platform": "string",
    "last_login_at": "date",
}


# -- fixtures and helpers ------------------------------------------------------------


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """The client's transport, owned here so that it is closed after each test."""
    with httpx.Client(verify=TLS, timeout=10.0) as client:
        yield client


@pytest.fixture
def client(loopback: LoopbackServer, http: httpx.Client) -> Intercom:
    return Intercom(token=TOKEN, base_url=loopback.url, httpx_client=http)


@pytest.fixture
def raw(loopback: LoopbackServer, http: httpx.Client) -> Any:
    """Send one request the way the client does, for the raw JSON of the answer."""

    def send(method: str, path: str, **kwargs: Any) -> httpx.Response:
        return http.request(
            method,
            loopback.url + path,
            headers={"Authorization": f"Bearer {TOKEN}"},
            **kwargs,
        )

    return send


def _strictly(model: type, response: httpx.Response) -> Any:
    """Validate an answer's JSON against the client's model, as pydantic would."""
    assert response.status_code < 300, response.text
    return model.model_validate(response.json())


def user(client: Intercom, external_id: str, **fields: Any) -> ContactsCreateResponse:
    return client.contacts.create(
        request=CreateContactRequestWithExternalId(external_id=external_id, **fields)
    )


def lead(client: Intercom, **fields: Any) -> ContactsCreateResponse:
    return client.contacts.create(
        request=CreateContactRequestWithRole(role="lead", **fields)
    )


def where(field: str, operator: str, value: Any) -> SingleFilterSearchRequest:
    return SingleFilterSearchRequest(field=field, operator=operator, value=value)


def group(operator: str, *members: Any) -> MultipleFilterSearchRequest:
    return MultipleFilterSearchRequest(operator=operator, value=list(members))


def search_ids(client: Intercom, query: Any) -> set[str]:
    page = client.contacts.search(
        query=query, pagination=StartingAfterPaging(per_page=150)
    )
    assert page.response.pages.next is None, "more than one page; page by hand"
    return {contact.id for contact in page.items}


def error_codes(body: Any) -> list[str]:
    if isinstance(body, Error):
        return [item.code for item in body.errors]
    return [item["code"] for item in body["errors"]]


# -- contacts ------------------------------------------------------------------------


def test_create_user_with_external_id_and_email(client: Intercom, workspace: Workspace):
    contact = user(client, "u-100", email="ada@example.com", name="Ada")

    assert isinstance(contact, ContactsCreateResponse)
    assert contact.type == "contact"
    assert re.fullmatch(r"[0-9a-f]{24}", contact.id)
    assert contact.role == "user"
    assert contact.external_id == "u-100"
    assert contact.email == "ada@example.com"
    assert contact.email_domain == "example.com"
    assert contact.name == "Ada"
    assert contact.workspace_id == workspace.config.app_id
    assert contact.custom_attributes == {}
    assert contact.tags.data == [] and contact.tags.total_count == 0
    assert contact.created_at == workspace.now()
    assert contact.signed_up_at == workspace.now()

    held = workspace.state.contacts[contact.id]
    assert (held.role, held.external_id, held.email) == (
        "user",
        "u-100",
        "ada@example.com",
    )


def test_create_user_with_custom_attributes(client: Intercom):
    contact = user(
        client, "u-101", custom_attributes={"login_status": "logged_in", "tier": "gold"}
    )

    assert contact.custom_attributes == {"login_status": "logged_in", "tier": "gold"}


def test_create_user_by_email_only(client: Intercom):
    contact = client.contacts.create(
        request=CreateContactRequestWithEmail(email="grace@example.com")
    )

    assert contact.role == "user"
    assert contact.email == "grace@example.com"
    assert contact.external_id is None


def test_create_lead(client: Intercom, workspace: Workspace):
    contact = lead(client, email="visitor@example.com")

    assert contact.role == "lead"
    assert contact.external_id is None
    assert contact.email == "visitor@example.com"
    assert contact.signed_up_at is None
    assert workspace.state.contacts[contact.id].role == "lead"


def test_created_contact_validates_against_the_clients_model(raw: Any):
    response = raw(
        "POST", "/contacts", json={"external_id": "u-102", "email": "a@b.co"}
    )

    contact = _strictly(ContactsCreateResponse, response)
    assert contact.external_id == "u-102"


def test_find_by_id(client: Intercom):
    created = user(client, "u-110", email="find@example.com")

    found = client.contacts.find(created.id)

    assert isinstance(found, ContactsFindResponse)
    assert found.id == created.id
    assert found.role == "user"
    assert found.external_id == "u-110"
    assert found.email == "find@example.com"


def test_find_validates_against_the_clients_model(client: Intercom, raw: Any):
    created = user(client, "u-111", custom_attributes={"login_status": "anonymous"})

    found = _strictly(ContactsFindResponse, raw("GET", f"/contacts/{created.id}"))

    assert found.custom_attributes == {"login_status": "anonymous"}


def test_update_custom_attributes(client: Intercom, workspace: Workspace):
    created = user(client, "u-120")
    values = {
        "login_status": "logged_in",
        "login_status_text": "Logged in to the app",
        "user_id": "biz-7",
        "member_id": "M-0042",
        "user_level": "3",
        "tier": "gold",
        "platform": "ios",
        "last_login_at": workspace.now() - 60,
    }

    updated = client.contacts.update(created.id, custom_attributes=values, name="Ada")

    assert updated.id == created.id
    assert updated.custom_attributes == values
    assert updated.name == "Ada"
    assert client.contacts.find(created.id).custom_attributes == values
    assert workspace.state.contacts[created.id].custom_attributes == values


def test_update_changes_only_the_attributes_sent(client: Intercom):
    created = user(client, "u-121", custom_attributes={"login_status": "logged_in"})

    client.contacts.update(created.id, custom_attributes={"login_status": "logged_out"})
    updated = client.contacts.update(created.id, custom_attributes={"platform": "web"})

    assert updated.custom_attributes == {
        "login_status": "logged_out",
        "platform": "web",
    }
    assert updated.external_id == "u-121"


def test_update_with_an_undefined_attribute_is_a_400(client: Intercom):
    created = user(client, "u-122")

    with pytest.raises(IntercomApiError) as caught:
        client.contacts.update(created.id, custom_attributes={"logged_in": True})

    assert caught.value.status_code == 400
    assert caught.value.body["errors"][0]["field"] == "custom_attributes.logged_in"


def test_update_with_a_wrongly_typed_attribute_is_a_400(client: Intercom):
    created = user(client, "u-123")

    with pytest.raises(IntercomApiError) as caught:
        client.contacts.update(created.id, custom_attributes={"last_login_at": "today"})

    assert caught.value.status_code == 400


def test_find_by_external_id(client: Intercom):
    created = user(client, "u-130", email="ext@example.com")
    user(client, "u-131")

    found = client.contacts.show_contact_by_external_id("u-130")

    assert found.id == created.id
    assert found.external_id == "u-130"
    assert found.role == "user"


def test_find_by_unknown_external_id_is_a_404(client: Intercom):
    with pytest.raises(IntercomApiError) as caught:
        client.contacts.show_contact_by_external_id("nobody")

    assert caught.value.status_code == 404
    assert error_codes(caught.value.body) == ["not_found"]


def test_list_contacts_pages_with_the_clients_pager(client: Intercom):
    # unlike search, the list pager passes the cursor on
    ids = [user(client, f"u-14{n}").id for n in range(5)]

    pager = client.contacts.list(per_page=2)

    assert pager.response.total_count == 5
    assert [contact.id for contact in pager] == ids


# -- search --------------------------------------------------------------------------


@pytest.fixture
def population(client: Intercom) -> dict[str, str]:
    """Three users in different login states and an anonymous lead: name -> id."""
    return {
        "in": user(client, "s-in", custom_attributes={"login_status": "logged_in"}).id,
        "out": user(
            client, "s-out", custom_attributes={"login_status": "logged_out"}
        ).id,
        "anon": user(
            client, "s-anon", custom_attributes={"login_status": "anonymous"}
        ).id,
        "lead": lead(client, custom_attributes={"login_status": "anonymous"}).id,
    }


def test_search_by_login_status(client: Intercom, population: dict[str, str]):
    page = client.contacts.search(
        query=where("custom_attributes.login_status", "=", "anonymous")
    )

    assert {c.id for c in page.items} == {population["anon"], population["lead"]}
    assert page.response.total_count == 2
    assert all(c.custom_attributes["login_status"] == "anonymous" for c in page.items)


def test_search_by_external_id(client: Intercom, population: dict[str, str]):
    page = client.contacts.search(query=where("external_id", "=", "s-out"))

    assert [c.id for c in page.items] == [population["out"]]
    assert page.items[0].external_id == "s-out"
    assert page.items[0].role == "user"


def test_search_and_group(client: Intercom, population: dict[str, str]):
    query = group(
        "AND",
        where("role", "=", "user"),
        where("custom_attributes.login_status", "!=", "logged_in"),
    )

    assert search_ids(client, query) == {population["out"], population["anon"]}


def test_search_or_group(client: Intercom, population: dict[str, str]):
    query = group(
        "OR",
        where("external_id", "=", "s-in"),
        where("role", "=", "lead"),
    )

    assert search_ids(client, query) == {population["in"], population["lead"]}


def test_search_and_of_or_groups(client: Intercom, population: dict[str, str]):
    # The client types a group's members as all filters or all groups, so the
    # nesting is (A or B) and (C or D).
    query = group(
        "AND",
        group(
            "OR",
            where("custom_attributes.login_status", "=", "logged_in"),
            where("custom_attributes.login_status", "=", "anonymous"),
        ),
        group(
            "OR",
            where("external_id", "IN", ["s-in", "s-out"]),
            where("role", "=", "lead"),
        ),
    )

    assert search_ids(client, query) == {population["in"], population["lead"]}


def test_search_answer_validates_against_the_clients_model(
    raw: Any, population: dict[str, str]
):
    body = {"query": {"field": "role", "operator": "=", "value": "user"}}

    found = _strictly(ContactList, raw("POST", "/contacts/search", json=body))

    assert found.total_count == 3
    assert {c.id for c in found.data} == {
        population["in"],
        population["out"],
        population["anon"],
    }


def test_search_pages_by_hand_visit_every_match_once(client: Intercom):
    matching = [
        user(client, f"p-{n}", custom_attributes={"tier": "gold"}).id for n in range(7)
    ]
    for n in range(3):  # interleaved non-matches
        user(client, f"q-{n}", custom_attributes={"tier": "silver"})
    query = where("custom_attributes.tier", "=", "gold")

    seen: list[str] = []
    page_numbers: list[int] = []
    cursor: str | None = None
    for _ in range(10):  # a bound, in case the cursor never ends
        page = client.contacts.search(
            query=query,
            pagination=StartingAfterPaging(per_page=3, starting_after=cursor),
        )
        pages = page.response.pages
        assert page.response.total_count == 7
        assert pages.per_page == 3 and pages.total_pages == 3
        page_numbers.append(pages.page)
        seen.extend(contact.id for contact in page.items)
        if pages.next is None:
            assert not page.has_next
            break
        assert page.has_next
        cursor = pages.next.starting_after
    else:
        pytest.fail("the search cursor never reached the last page")

    assert page_numbers == [1, 2, 3]
    assert len(seen) == len(set(seen)) == 7
    assert seen == matching


def test_search_with_per_page_one_walks_every_match(client: Intercom):
    ids = [
        user(client, f"one-{n}", custom_attributes={"platform": "web"}).id
        for n in range(3)
    ]

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        page = client.contacts.search(
            query=where("custom_attributes.platform", "=", "web"),
            pagination=StartingAfterPaging(per_page=1, starting_after=cursor),
        )
        seen.extend(c.id for c in page.items)
        if page.response.pages.next is None:
            break
        cursor = page.response.pages.next.starting_after

    assert seen == ids


def test_the_clients_search_pager_repeats_page_one(client: Intercom):
    """Why the tests above page by hand: a client quirk, pinned so an upgrade shows."""
    ids = [
        user(client, f"r-{n}", custom_attributes={"tier": "bronze"}).id
        for n in range(4)
    ]

    first = client.contacts.search(
        query=where("custom_attributes.tier", "=", "bronze"),
        pagination=StartingAfterPaging(per_page=2),
    )
    second = first.next_page()

    assert [c.id for c in first.items] == ids[:2]
    assert second is not None and [c.id for c in second.items] == ids[:2]


def test_search_with_a_bad_cursor_is_a_400(client: Intercom):
    with pytest.raises(IntercomApiError) as caught:
        client.contacts.search(
            query=where("role", "=", "user"),
            pagination=StartingAfterPaging(per_page=2, starting_after="not-a-cursor"),
        )

    assert caught.value.status_code == 400


# -- merge ---------------------------------------------------------------------------


def test_merge_lead_into_user(client: Intercom, workspace: Workspace):
    visitor = lead(client, email="merge@example.com")
    member = user(client, "u-150")

    merged = client.contacts.merge_lead_in_user(
        lead_id=visitor.id, contact_id=member.id
    )

    assert merged.id == member.id
    assert merged.role == "user"
    assert merged.external_id == "u-150"
    # the lead is gone: not found by id, not found by search
    with pytest.raises(IntercomApiError) as caught:
        client.contacts.find(visitor.id)
    assert caught.value.status_code == 404
    assert search_ids(client, where("role", "=", "lead")) == set()
    assert workspace.state.contacts[visitor.id].merged_into == member.id


def test_merge_a_user_into_a_user_is_refused(client: Intercom):
    first, second = user(client, "u-151"), user(client, "u-152")

    with pytest.raises(IntercomApiError) as caught:
        client.contacts.merge_lead_in_user(lead_id=first.id, contact_id=second.id)

    assert caught.value.status_code == 400


# -- tags ----------------------------------------------------------------------------


def test_tag_lifecycle(client: Intercom, workspace: Workspace):
    contact = user(client, "u-160")

    tag = client.tags.create(request=CreateOrUpdateTagRequest(name="vip"))
    assert tag.type == "tag" and tag.name == "vip" and tag.id

    applied = client.tags.tag_contact(contact.id, tag_id=tag.id)
    assert (applied.id, applied.name) == (tag.id, "vip")

    listed = client.contacts.list_attached_tags(contact.id)
    assert [(t.id, t.name) for t in listed.data] == [(tag.id, "vip")]
    found = client.contacts.find(contact.id)
    assert [t.id for t in found.tags.data] == [tag.id]
    assert found.tags.total_count == 1
    assert tag.id in {t.id for t in client.tags.list().data}

    removed = client.tags.untag_contact(contact.id, tag.id)
    assert removed.id == tag.id
    assert client.contacts.list_attached_tags(contact.id).data == []
    assert workspace.state.contacts[contact.id].tag_ids == []


def test_creating_a_tag_twice_gives_the_same_tag(client: Intercom):
    first = client.tags.create(request=CreateOrUpdateTagRequest(name="beta"))
    second = client.tags.create(request=CreateOrUpdateTagRequest(name="beta"))

    assert first.id == second.id


def test_search_by_tag(client: Intercom):
    tagged, _ = user(client, "u-161"), user(client, "u-162")
    tag = client.tags.create(request=CreateOrUpdateTagRequest(name="watch"))
    client.tags.tag_contact(tagged.id, tag_id=tag.id)

    assert search_ids(client, where("tag_id", "=", tag.id)) == {tagged.id}


def test_tagging_with_an_unknown_tag_is_a_404(client: Intercom):
    contact = user(client, "u-163")

    with pytest.raises(NotFoundError):
        client.tags.tag_contact(contact.id, tag_id="999999")


# -- delete --------------------------------------------------------------------------


def test_delete(client: Intercom, workspace: Workspace):
    contact = user(client, "u-170")

    deleted = client.contacts.delete(contact.id)

    assert deleted.id == contact.id
    assert deleted.deleted is True
    assert deleted.external_id == "u-170"
    assert contact.id not in workspace.state.contacts
    with pytest.raises(IntercomApiError) as caught:
        client.contacts.find(contact.id)
    assert caught.value.status_code == 404
    # the external id is free again
    assert user(client, "u-170").id != contact.id


# -- data attributes ------------------------------------------------------------------


def test_list_data_attributes_has_the_custom_ones(client: Intercom):
    listed = client.data_attributes.list(model="contact")

    custom = {a.name: a for a in listed.data if a.custom}
    assert {name: a.data_type for name, a in custom.items()} == CUSTOM_ATTRIBUTES
    for name, attribute in custom.items():
        assert attribute.full_name == f"custom_attributes.{name}"
        assert attribute.model == "contact"
        assert attribute.archived is False
        assert attribute.api_writable is True
    standard = {a.name for a in listed.data if not a.custom}
    assert {"email", "external_id", "role"} <= standard


def test_create_data_attribute_and_write_it(client: Intercom):
    created = client.data_attributes.create(
        request=CreateDataAttributeRequestOne(
            name="session_id",
            model="contact",
            data_type="string",
            description="The app session",
        )
    )

    assert created.name == "session_id"
    assert created.full_name == "custom_attributes.session_id"
    assert created.data_type == "string"
    assert created.custom is True
    assert created.description == "The app session"
    assert isinstance(created.id, int)
    names = {a.name for a in client.data_attributes.list(model="contact").data}
    assert "session_id" in names
    contact = user(client, "u-180", custom_attributes={"session_id": "abc"})
    assert contact.custom_attributes == {"session_id": "abc"}


def test_create_options_data_attribute(client: Intercom):
    created = client.data_attributes.create(
        request=CreateDataAttributeRequestOptions(
            name="plan",
            model="contact",
            data_type="options",
            options=[{"value": "free"}, {"value": "paid"}],
        )
    )

    assert created.name == "plan"
    assert created.options == ["free", "paid"]
    user(client, "u-181", custom_attributes={"plan": "paid"})
    with pytest.raises(IntercomApiError) as caught:
        user(client, "u-182", custom_attributes={"plan": "gold"})
    assert caught.value.status_code == 400


def test_creating_an_existing_data_attribute_is_a_400(client: Intercom):
    with pytest.raises(IntercomApiError) as caught:
        client.data_attributes.create(
            request=CreateDataAttributeRequestOne(
                name="login_status", model="contact", data_type="string"
            )
        )

    assert caught.value.status_code == 400


# -- errors through the client's exceptions -----------------------------------------


def test_duplicate_external_id_is_a_409_naming_the_existing_contact(
    client: Intercom, workspace: Workspace
):
    existing = user(client, "u-190", email="first@example.com")

    with pytest.raises(IntercomApiError) as caught:
        user(client, "u-190", email="second@example.com")

    error = caught.value
    assert error.status_code == 409
    assert error_codes(error.body) == ["conflict"]
    assert existing.id in error.body["errors"][0]["message"]
    assert len(workspace.state.users_with_external_id("u-190")) == 1


def test_updating_to_a_taken_external_id_is_a_409(client: Intercom):
    existing = user(client, "u-191")
    other = user(client, "u-192")

    with pytest.raises(IntercomApiError) as caught:
        client.contacts.update(other.id, external_id="u-191")

    assert caught.value.status_code == 409
    assert existing.id in caught.value.body["errors"][0]["message"]


def test_unknown_contact_is_a_404(client: Intercom):
    missing = "0" * 24

    # `find` has no typed 404 in this client: it raises its base ApiError
    with pytest.raises(IntercomApiError) as caught:
        client.contacts.find(missing)
    assert caught.value.status_code == 404
    assert error_codes(caught.value.body) == ["not_found"]

    # the tag endpoints declare one
    with pytest.raises(NotFoundError) as typed:
        client.contacts.list_attached_tags(missing)
    assert typed.value.status_code == 404
    assert error_codes(typed.value.body) == ["not_found"]


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.contacts.find("0" * 24), id="find"),
        pytest.param(
            lambda c: c.contacts.search(query=where("role", "=", "user")), id="search"
        ),
        pytest.param(
            lambda c: c.contacts.create(
                request=CreateContactRequestWithExternalId(external_id="x")
            ),
            id="create",
        ),
        pytest.param(lambda c: c.data_attributes.list(), id="data_attributes"),
        pytest.param(lambda c: c.tags.list(), id="tags"),
    ],
)
def test_bad_token_is_a_401(
    loopback: LoopbackServer, http: httpx.Client, workspace: Workspace, call: Any
):
    intruder = Intercom(token="not-the-token", base_url=loopback.url, httpx_client=http)

    with pytest.raises(UnauthorizedError) as caught:
        call(intruder)

    assert caught.value.status_code == 401
    assert isinstance(caught.value.body, Error)
    assert error_codes(caught.value.body) == ["unauthorized"]
    assert workspace.state.contacts == {}


def test_bad_token_on_me_is_a_401(loopback: LoopbackServer, http: httpx.Client):
    # `admins.identify` declares no 401, so the client raises its base ApiError
    intruder = Intercom(token="not-the-token", base_url=loopback.url, httpx_client=http)

    with pytest.raises(IntercomApiError) as caught:
        intruder.admins.identify()

    assert caught.value.status_code == 401
    assert error_codes(caught.value.body) == ["unauthorized"]


def test_me_through_the_client(client: Intercom, workspace: Workspace):
    me = client.admins.identify()

    assert me.id == workspace.admin_id
    assert me.app.id_code == workspace.config.app_id
