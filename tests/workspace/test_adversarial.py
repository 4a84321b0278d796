"""Hostile and odd input to the workspace, and the answers the rules call for.

Most tests here pin a case that once answered wrongly: a 5xx or a traceback, a status
other than the one `docs/workspace.md` names, data lost or resurrected, or an answer no
strict JSON client could read. The rest (cursors of another endpoint, racing clients on
loopback, ids of odd bytes) held up, and are kept so.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import httpx
import jwt
import pytest

from simulator.clock import SimulatedClock
from simulator.config import IdentityVerificationConfig, load_workspace_config
from simulator.workspace import LoopbackServer, Workspace, mount
from simulator.workspace.faults import FaultPlan
from simulator.workspace.service import MAX_BODY_DEPTH
from tests.conftest import TLS, TOKEN, US

INT64_MAX = 2**63 - 1
JWT_SECRETS = {p: f"{p}-jwt-secret-".ljust(40, p[0]) for p in ("ios", "android", "web")}


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == "error.list"
    (item,) = body["errors"]
    assert item["code"] == code, item
    return item


def create(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = api.post("/contacts", json=fields)
    assert response.status_code == 200, response.text
    return response.json()


def post_raw(api: httpx.Client, path: str, text: str | bytes) -> httpx.Response:
    content = text.encode() if isinstance(text, str) else text
    return api.post(path, content=content, headers={"Content-Type": "application/json"})


def strict_json(text: str) -> Any:
    """JSON as a strict parser reads it: NaN and Infinity are not numbers."""

    def refuse(name: str) -> Any:
        raise AssertionError(f"{name} in an answer")

    return json.loads(text, parse_constant=refuse)


def live_total(api: httpx.Client) -> int:
    return api.get("/contacts").json()["total_count"]


def cursor(payload: str) -> str:
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


@pytest.fixture
def remote(loopback: LoopbackServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        verify=TLS,
        base_url=loopback.url,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    ) as client:
        yield client


# -- bodies ---------------------------------------------------------------------------


def test_a_body_nested_deeper_than_python_can_read_is_400_bad_request(api) -> None:
    error = error_of(
        post_raw(api, "/contacts", "[" * 100_000 + "]" * 100_000), 400, "bad_request"
    )
    assert f"more than {MAX_BODY_DEPTH} levels" in error["message"]


def test_a_body_nested_past_the_limit_is_refused_before_any_handler(api) -> None:
    value = "[" * MAX_BODY_DEPTH + "]" * MAX_BODY_DEPTH
    body = f'{{"email":"a@example.com","custom_attributes":{{"tier":{value}}}}}'
    error_of(post_raw(api, "/contacts", body), 400, "bad_request")
    assert live_total(api) == 0


def test_a_search_nested_within_the_limit_still_gets_the_languages_own_400(
    api,
) -> None:
    query: dict[str, Any] = {"field": "email", "operator": "=", "value": "a@b.c"}
    for _ in range(4):
        query = {"operator": "AND", "value": [query]}
    response = api.post("/contacts/search", json={"query": query})
    assert (
        "levels of nested groups"
        in error_of(response, 400, "parameter_invalid")["message"]
    )


@pytest.mark.loopback
def test_a_deeply_nested_body_over_loopback_is_400_not_500(remote) -> None:
    response = post_raw(remote, "/contacts", "[" * 100_000 + "]" * 100_000)
    error_of(response, 400, "bad_request")
    assert remote.get("/me").status_code == 200


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_a_number_json_cannot_carry_is_400_and_never_stored(api, number) -> None:
    assert api.post(
        "/data_attributes",
        json={"name": "score", "model": "contact", "data_type": "float"},
    ).is_success
    body = f'{{"email":"a@example.com","custom_attributes":{{"score":{number}}}}}'
    error = error_of(post_raw(api, "/contacts", body), 400, "bad_request")
    assert number.lstrip("-") in error["message"]
    assert strict_json(api.get("/contacts").text)["total_count"] == 0


def test_a_number_with_more_digits_than_python_reads_is_a_plain_400(api) -> None:
    body = '{"email":"a@example.com","owner_id":%s}' % ("9" * 5000)
    error = error_of(post_raw(api, "/contacts", body), 400, "bad_request")
    assert "5000 digits" in error["message"]
    assert "set_int_max_str_digits" not in error["message"]


@pytest.mark.parametrize("name", ["owner_id", "signed_up_at", "last_seen_at"])
@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 2**200])
def test_an_integer_beyond_64_bits_is_400_naming_the_field(api, name, value) -> None:
    response = api.post("/contacts", json={"email": "a@example.com", name: value})
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == name
    assert "64-bit" in error["message"]
    assert live_total(api) == 0


def test_the_largest_64_bit_integer_is_taken(api) -> None:
    contact = create(api, email="a@example.com", owner_id=INT64_MAX)
    assert api.get(f"/contacts/{contact['id']}").json()["owner_id"] == INT64_MAX


@pytest.mark.parametrize(
    ("attribute", "data_type"), [("score", "integer"), ("seen", "date")]
)
def test_a_custom_integer_beyond_64_bits_is_400(api, attribute, data_type) -> None:
    assert api.post(
        "/data_attributes",
        json={"name": attribute, "model": "contact", "data_type": data_type},
    ).is_success
    response = api.post(
        "/contacts",
        json={"email": "a@example.com", "custom_attributes": {attribute: 2**64}},
    )
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == f"custom_attributes.{attribute}"
    assert "64 bits" in error["message"]


def test_a_messenger_attribute_beyond_64_bits_is_400(messenger) -> None:
    response = messenger("ios").post(
        "users/unidentified", anonymous_id="anon-1", attributes={"signed_up_at": 2**63}
    )
    assert error_of(response, 400, "parameter_invalid")["field"] == (
        "attributes.signed_up_at"
    )


def test_a_non_utf8_header_is_401_in_process_as_on_loopback(api) -> None:
    response = api.get("/me", headers={"Authorization": b"Bearer \xff\xfe"})
    error_of(response, 401, "unauthorized")


# -- paths and query parameters ------------------------------------------------------

ODD_IDS = ["a/b", "a?b", "a#b", "a%2Fb", "a b", "ü-ñ", "a+b", "%"]


@pytest.mark.parametrize("external_id", ODD_IDS)
def test_find_by_external_id_takes_any_encoded_character(api, external_id) -> None:
    contact = create(api, external_id=external_id)
    response = api.get(f"/contacts/find_by_external_id/{quote(external_id, safe='')}")
    assert response.status_code == 200, response.text
    assert response.json()["id"] == contact["id"]


@pytest.mark.loopback
@pytest.mark.parametrize("external_id", ODD_IDS)
def test_find_by_external_id_takes_any_encoded_character_over_loopback(
    remote, external_id
) -> None:
    contact = create(remote, external_id=external_id)
    response = remote.get(
        f"/contacts/find_by_external_id/{quote(external_id, safe='')}"
    )
    assert response.status_code == 200, response.text
    assert response.json()["id"] == contact["id"]


def test_an_encoded_slash_in_a_contact_id_is_an_unknown_contact(api) -> None:
    response = api.get("/contacts/abc%2Fdef")
    assert error_of(response, 404, "not_found")["message"] == "User Not Found"


def test_a_push_token_holding_a_slash_can_be_removed(messenger) -> None:
    device = messenger("ios")
    device.post("users/identified", anonymous_id="anon-1", **device.signed("u-1"))
    token = "tok/with?odd#chars"
    assert (
        device.post("push_tokens", token=token, **device.signed("u-1")).status_code
        == 200
    )
    removed = device.client.delete(
        f"/messenger/v1/push_tokens/{quote(token, safe='')}",
        headers={
            "X-Intercom-App-Id": device.app_id,
            "X-Intercom-Platform": device.platform,
        },
    )
    assert removed.status_code == 200, removed.text
    assert removed.json()["token"] == token


@pytest.mark.parametrize("per_page", ["5_0", "٣", " 5", "+5", "0x10", "1e1"])
def test_per_page_takes_only_the_digits_0_to_9(api, per_page) -> None:
    response = api.get("/contacts", params={"per_page": per_page})
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == "per_page"
    assert repr(per_page) in error["message"]


@pytest.mark.parametrize("position", ["-5", " 5", "5_0", "٣", "+1", "", "contacts:1"])
def test_a_forged_list_cursor_is_400(api, position) -> None:
    for n in range(3):
        create(api, external_id=f"u-{n}")
    response = api.get(
        "/contacts", params={"starting_after": cursor(f"contacts:{position}")}
    )
    assert error_of(response, 400, "parameter_invalid")["field"] == "starting_after"


def test_a_list_cursor_is_refused_by_search_and_the_other_way_round(api) -> None:
    for n in range(3):
        create(api, external_id=f"u-{n}")
    listed = api.get("/contacts", params={"per_page": 1}).json()
    list_cursor = listed["pages"]["next"]["starting_after"]
    everyone = {"field": "role", "operator": "=", "value": "user"}
    found = api.post(
        "/contacts/search", json={"query": everyone, "pagination": {"per_page": 1}}
    ).json()
    search_cursor = found["pages"]["next"]["starting_after"]
    refused = api.post(
        "/contacts/search",
        json={"query": everyone, "pagination": {"starting_after": list_cursor}},
    )
    assert error_of(refused, 400, "parameter_invalid")["field"] == (
        "pagination.starting_after"
    )
    refused = api.get("/conversations", params={"starting_after": search_cursor})
    error_of(refused, 400, "parameter_invalid")


# -- merges and deletes ---------------------------------------------------------------


def test_deleting_a_contact_deletes_the_contacts_merged_into_it(api) -> None:
    lead = create(api, role="lead", email="lead@example.com")
    user = create(api, external_id="u-1")
    assert api.post(
        "/contacts/merge", json={"from": lead["id"], "into": user["id"]}
    ).is_success
    assert api.delete(f"/contacts/{user['id']}").is_success

    for version in ("2.14", "2.16"):
        response = api.get(
            f"/contacts/{lead['id']}", headers={"Intercom-Version": version}
        )
        error_of(response, 404, "not_found")
    error_of(api.post(f"/contacts/{lead['id']}/unarchive"), 404, "not_found")
    assert live_total(api) == 0
    by_email = {"field": "email", "operator": "=", "value": "lead@example.com"}
    assert api.post("/contacts/search", json={"query": by_email}).json()["data"] == []


def test_a_deleted_users_merged_device_contact_leaves_no_push_token(
    api, messenger, workspace
) -> None:
    device = messenger("android")
    anonymous = device.post("users/unidentified", anonymous_id="anon-1").json()
    device.post("push_tokens", anonymous_id="anon-1", token="push-1")
    user = create(api, external_id="u-1")
    login = device.post(
        "users/identified", anonymous_id="anon-1", **device.signed("u-1")
    )
    assert login.json()["contact_id"] == user["id"]
    assert api.delete(f"/contacts/{user['id']}").is_success

    error_of(api.get(f"/contacts/{anonymous['contact_id']}"), 404, "not_found")
    assert workspace.state.push_tokens == {}
    assert workspace.state.anonymous == {}
    assert workspace.state.contacts == {}


def test_a_merge_of_a_merge_links_to_the_live_contact(api, messenger) -> None:
    # A lead merged into a device's anonymous contact, which is then merged into the
    # user who logs in on it: the lead's Link must name the user, not the
    # anonymous contact that is itself merged away.
    device = messenger("ios")
    anonymous = device.post("users/unidentified", anonymous_id="anon-1").json()
    lead = create(api, role="lead")
    merged = api.post(
        "/contacts/merge", json={"from": lead["id"], "into": anonymous["contact_id"]}
    )
    assert merged.is_success
    user = create(api, external_id="u-9")
    device.post("users/identified", anonymous_id="anon-1", **device.signed("u-9"))

    for contact_id in (lead["id"], anonymous["contact_id"]):
        response = api.get(
            f"/contacts/{contact_id}", headers={"Intercom-Version": "2.16"}
        )
        error_of(response, 410, "contact_merged")
        assert response.headers["Link"] == f'</contacts/{user["id"]}>; rel="canonical"'


# -- identity -------------------------------------------------------------------------


@pytest.fixture
def jwt_workspace() -> Iterator[tuple[Workspace, httpx.Client]]:
    # the bundled config, for its status attributes, with JWTs instead of hashes
    config = load_workspace_config().model_copy(
        update={
            "identity_verification": IdentityVerificationConfig(
                mode="enforced", method="jwt"
            )
        }
    )
    workspace = Workspace(
        config, clock=SimulatedClock(), tokens=[TOKEN], identity_secrets=JWT_SECRETS
    )
    with (
        mount(workspace),
        httpx.Client(
            verify=TLS, base_url=US, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as api,
    ):
        yield workspace, api


def _messenger_post(
    api: httpx.Client, workspace: Workspace, path: str, **body: Any
) -> httpx.Response:
    body.setdefault("device_id", "d-1")
    return api.post(
        f"/messenger/v1/{path}",
        json=body,
        headers={
            "X-Intercom-App-Id": workspace.config.app_id,
            "X-Intercom-Platform": "ios",
        },
    )


def test_a_delayed_write_lands_though_its_jwt_expires_before_it_does(
    jwt_workspace,
) -> None:
    workspace, api = jwt_workspace
    now = int(workspace.clock.now())
    token = jwt.encode(
        {"user_id": "u-1", "exp": now + 10}, JWT_SECRETS["ios"], algorithm="HS256"
    )
    login = _messenger_post(
        api, workspace, "users/identified", user_id="u-1", jwt=token
    )
    assert login.status_code == 200, login.text
    workspace.faults.add("messenger.update_user", sync_delay=30)
    accepted = _messenger_post(
        api,
        workspace,
        "users/update",
        user_id="u-1",
        jwt=token,
        attributes={"custom_attributes": {"login_status": "logged_out"}},
    )
    assert accepted.status_code == 200, accepted.text

    workspace.clock.advance(31)  # type: ignore[attr-defined]
    assert workspace.pending_count == 0
    contact = api.get("/contacts/find_by_external_id/u-1").json()
    assert contact["custom_attributes"]["login_status"] == "logged_out"


def test_a_jwt_whose_exp_is_nan_is_refused(jwt_workspace) -> None:
    workspace, api = jwt_workspace
    # PyJWT writes (and reads) NaN, which no time is later than
    token = jwt.encode(
        {"user_id": "u-1", "exp": float("nan")}, JWT_SECRETS["ios"], algorithm="HS256"
    )
    refused = _messenger_post(
        api, workspace, "users/identified", user_id="u-1", jwt=token
    )
    error = error_of(refused, 400, "invalid_jwt")
    assert "exp" in error["message"]
    assert workspace.state.contacts == {}


def test_an_identified_email_that_is_no_email_is_400(messenger, workspace) -> None:
    device = messenger("ios")
    response = device.post(
        "users/identified", anonymous_id="anon-1", **device.signed(None, "not-an-email")
    )
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == "email"
    assert "'not-an-email'" in error["message"]
    assert workspace.state.contacts == {}


# -- contact identity rules on update -------------------------------------------------


def _promote_the_lead(api: httpx.Client) -> tuple[str, dict[str, Any]]:
    other = create(api, role="lead", email="ann@example.com")
    return other["id"], {"role": "user"}


def _take_the_email(api: httpx.Client) -> tuple[str, dict[str, Any]]:
    other = create(api, email="bob@example.com")
    return other["id"], {"email": "Ann@Example.com"}


def _drop_the_external_id(api: httpx.Client) -> tuple[str, dict[str, Any]]:
    other = create(api, external_id="u-2", email="ann@example.com")
    return other["id"], {"external_id": None}


@pytest.mark.parametrize(
    "change", [_promote_the_lead, _take_the_email, _drop_the_external_id]
)
def test_update_cannot_make_an_email_only_user_another_user_has(api, change) -> None:
    first = create(api, email="ann@example.com")
    contact_id, body = change(api)
    before = api.get(f"/contacts/{contact_id}").json()
    error = error_of(api.put(f"/contacts/{contact_id}", json=body), 409, "conflict")
    assert f"id={first['id']}" in error["message"]
    assert api.get(f"/contacts/{contact_id}").json() == before


def test_update_of_an_email_only_user_may_keep_or_recase_its_email(api) -> None:
    first = create(api, email="ann@example.com")
    create(api, external_id="u-2", email="ann@example.com")
    for body in ({"name": "Ann"}, {"email": "ANN@example.com"}):
        response = api.put(f"/contacts/{first['id']}", json=body)
        assert response.status_code == 200, response.text


def test_a_lead_with_a_shared_email_may_become_a_user_with_an_external_id(api) -> None:
    create(api, email="ann@example.com")
    lead = create(api, role="lead", email="ann@example.com")
    response = api.put(
        f"/contacts/{lead['id']}", json={"role": "user", "external_id": "u-2"}
    )
    assert response.status_code == 200, response.text


# -- search and faults ----------------------------------------------------------------


def test_an_empty_search_group_says_the_list_is_empty(api) -> None:
    response = api.post(
        "/contacts/search", json={"query": {"operator": "OR", "value": []}}
    )
    error = error_of(response, 400, "parameter_invalid")
    assert "got an empty list" in error["message"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"times": 1.5},
        {"times": True},
        {"status": True},
        {"status": 503.0},
        {"latency": float("nan")},
        {"sync_delay": float("inf")},
        {"latency": "1"},
    ],
)
def test_a_fault_with_a_value_of_the_wrong_kind_is_refused(kwargs) -> None:
    with pytest.raises(ValueError):
        FaultPlan().add("contacts.create", **kwargs)


# -- loopback: hang-ups and concurrency -----------------------------------------------


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.loopback
def test_a_client_hanging_up_mid_body_leaves_no_traceback(loopback, remote) -> None:
    records = _Records()
    server_log = logging.getLogger("uvicorn.error")
    server_log.addHandler(records)
    try:
        with socket.create_connection(("127.0.0.1", loopback.port), timeout=5) as raw:
            raw.sendall(
                b"POST /contacts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                b'{"a":1}'
            )
            raw.shutdown(socket.SHUT_WR)
        time.sleep(0.3)
        assert remote.get("/me").status_code == 200
    finally:
        server_log.removeHandler(records)
    assert [r.getMessage() for r in records.records] == []


@pytest.mark.loopback
def test_twenty_clients_creating_one_external_id_leave_one_contact(
    loopback, workspace
) -> None:
    barrier = threading.Barrier(20, timeout=10)

    def create_one(n: int) -> int:
        with httpx.Client(
            verify=TLS,
            base_url=loopback.url,
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=10,
        ) as client:
            barrier.wait()
            body = {"external_id": "same", "email": f"p{n}@example.com"}
            return client.post("/contacts", json=body).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = Counter(pool.map(create_one, range(20)))
    assert statuses == {200: 1, 409: 19}
    assert len(workspace.state.users_with_external_id("same")) == 1


@pytest.mark.loopback
def test_searches_during_conflicting_writes_all_answer(loopback, workspace) -> None:
    deadline = time.monotonic() + 20
    created: list[str] = []

    def client() -> httpx.Client:
        return httpx.Client(
            verify=TLS,
            base_url=loopback.url,
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=10,
        )

    def write(n: int) -> list[int]:
        statuses = []
        with client() as api:
            for i in range(25):
                if time.monotonic() > deadline:
                    break
                response = api.post("/contacts", json={"external_id": f"w-{i}"})
                statuses.append(response.status_code)
                if response.status_code == 200:
                    created.append(response.json()["id"])
                    if i % 3 == 0:
                        gone = api.delete(f"/contacts/{response.json()['id']}")
                        statuses.append(gone.status_code)
                        created.remove(response.json()["id"])
        return statuses

    def search(n: int) -> list[int]:
        query = {"field": "external_id", "operator": "^", "value": "w-"}
        statuses = []
        with client() as api:
            for _ in range(25):
                if time.monotonic() > deadline:
                    break
                found = api.post(
                    "/contacts/search",
                    json={"query": query, "pagination": {"per_page": 150}},
                )
                statuses.append(found.status_code)
                statuses.append(
                    api.get("/contacts", params={"per_page": 150}).status_code
                )
        return statuses

    with ThreadPoolExecutor(8) as pool:
        writes = [pool.submit(write, n) for n in range(4)]
        reads = [pool.submit(search, n) for n in range(4)]
        write_statuses = Counter(s for f in writes for s in f.result())
        read_statuses = Counter(s for f in reads for s in f.result())

    assert set(read_statuses) == {200}
    assert set(write_statuses) <= {200, 409}
    # every external_id was written by four clients and at most one of them won
    live = workspace.state.live_contacts()
    assert len({c.external_id for c in live}) == len(live) == len(created)


@pytest.mark.parametrize(
    "path",
    [
        "/contacts/%00",
        "/contacts/%FF%FE",
        "/contacts/..%2F..%2Fme",
        "/conversations/%F0%9F%92%A5",
        "/contacts/%E2%80%AE/tags",
    ],
)
def test_an_id_of_odd_bytes_is_a_404(api, path) -> None:
    error_of(api.get(path), 404, "not_found")


def test_renaming_a_tag_to_another_tags_name_is_400(api) -> None:
    vip = api.post("/tags", json={"name": "vip"}).json()
    gold = api.post("/tags", json={"name": "gold"}).json()
    response = api.post("/tags", json={"id": gold["id"], "name": "vip"})
    error = error_of(response, 400, "parameter_invalid")
    assert f"id={vip['id']}" in error["message"]
    names = sorted(t["name"] for t in api.get("/tags").json()["data"])
    assert names == ["gold", "vip"]
    # renaming a tag to its own name is no clash
    assert api.post("/tags", json={"id": vip["id"], "name": "vip"}).is_success


def test_a_search_by_id_ignores_case_at_the_top_as_inside_a_group(api) -> None:
    contact = create(api, external_id="u-1")
    by_id = {"field": "id", "operator": "=", "value": contact["id"].upper()}
    for query in (
        by_id,
        {"operator": "OR", "value": [by_id]},
        {
            "operator": "AND",
            "value": [by_id, {"field": "role", "operator": "=", "value": "user"}],
        },
    ):
        found = api.post("/contacts/search", json={"query": query}).json()
        assert [c["id"] for c in found["data"]] == [contact["id"]], query


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "PROPFIND"])
def test_a_method_no_route_takes_is_the_404_envelope(api, method) -> None:
    error = error_of(api.request(method, "/me"), 404, "not_found")
    assert error["message"] == "Resource Not Found"


@pytest.mark.loopback
@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "PROPFIND"])
def test_a_method_no_route_takes_is_the_404_envelope_over_loopback(
    remote, method
) -> None:
    # once Starlette's plain-text 405, unlike the in-process answer
    error = error_of(remote.request(method, "/me"), 404, "not_found")
    assert error["message"] == "Resource Not Found"


@pytest.mark.parametrize("per_page", ["151", "9" * 19, "9" * 5000, "0", "000"])
def test_per_page_out_of_range_says_so_however_long(api, per_page) -> None:
    response = api.get("/contacts", params={"per_page": per_page})
    error = error_of(response, 400, "parameter_invalid")
    assert "must be between 1 and 150" in error["message"]
    assert len(error["message"]) < 100
