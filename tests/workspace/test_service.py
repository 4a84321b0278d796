"""The dispatcher's rules: authentication, the error envelope, rate limits, API
versions, and how requests reach the workspace."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import respx

from simulator.clock import SimulatedClock
from simulator.config import WorkspaceConfig, load_workspace_config
from simulator.workspace import BASE_URLS, Workspace, mount
from tests.conformance_plugin import expect_nonconforming
from tests.conftest import TLS

TOKEN = "test-token"
US = "https://api.intercom.io"
_ids = itertools.count(1)
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def envelope_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"type", "request_id", "errors"}
    assert body["type"] == "error.list"
    assert uuid.UUID(body["request_id"]).version == 4
    (item,) = body["errors"]
    assert item["code"] == code, item
    assert isinstance(item["message"], str) and item["message"]
    return item


def configured(**changes: Any) -> WorkspaceConfig:
    config = load_workspace_config()
    rate = changes.pop("rate_limit", None)
    if rate is not None:
        changes["rate_limit"] = config.rate_limit.model_copy(update=rate)
    return config.model_copy(update=changes)


@contextmanager
def client_for(
    workspace: Workspace, token: str = TOKEN, base_url: str = US
) -> Iterator[httpx.Client]:
    with (
        mount(workspace),
        httpx.Client(
            verify=TLS, base_url=base_url, headers={"Authorization": f"Bearer {token}"}
        ) as client,
    ):
        yield client


@pytest.fixture
def limited(clock: SimulatedClock) -> Workspace:
    """60 a minute per app is 10 per window; 90 for the workspace is 15."""
    config = configured(rate_limit={"app_per_minute": 60, "workspace_per_minute": 90})
    return Workspace(config, clock=clock, tokens=[TOKEN, "other-token"])


# -- authentication -----------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer wrong-token",
        "Basic test-token",
        "Token test-token",
        "test-token",
        "Bearer",
        "Bearer   ",
        "Bearer test-token-and-more",
    ],
)
def test_without_a_valid_bearer_token_is_401_access_token_invalid(
    workspace, authorization
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    with (
        mount(workspace),
        httpx.Client(verify=TLS, base_url=US, headers=headers) as client,
    ):
        response = client.get("/me")
    error = envelope_of(response, 401, "unauthorized")
    assert error["message"] == "Access Token Invalid"


def test_the_bearer_scheme_is_case_insensitive(workspace) -> None:
    with (
        mount(workspace),
        httpx.Client(
            verify=TLS, base_url=US, headers={"Authorization": f"bearer {TOKEN}"}
        ) as client,
    ):
        assert client.get("/me").status_code == 200


@pytest.mark.parametrize("path", ["/me", "/contacts", "/data_attributes", "/tags"])
def test_a_401_carries_no_rate_limit_headers(workspace, path) -> None:
    with client_for(workspace, token="wrong-token") as client:
        response = client.get(path)
    assert response.status_code == 401
    for name in RATE_HEADERS:
        assert name not in response.headers


def test_a_401_does_not_use_up_the_rate_limit(limited) -> None:
    with client_for(limited, token="wrong-token") as stranger:
        for _ in range(20):
            assert stranger.get("/me").status_code == 401
    with client_for(limited) as client:
        assert client.get("/me").headers["X-RateLimit-Remaining"] == "9"


def test_every_token_of_the_workspace_is_accepted(limited) -> None:
    for token in (TOKEN, "other-token"):
        with client_for(limited, token=token) as client:
            assert client.get("/me").status_code == 200


# -- rate limit headers -------------------------------------------------------------


def test_an_authenticated_answer_carries_the_rate_limit_headers(api, clock) -> None:
    response = api.get("/me")
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "1667"
    assert response.headers["X-RateLimit-Remaining"] == "1666"
    reset = int(response.headers["X-RateLimit-Reset"])
    assert clock.now() < reset <= clock.now() + 10


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/contacts/5f0000000000000000000000", None, 404),
        ("POST", "/contacts", {}, 400),
        ("GET", "/contacts?per_page=500", None, 400),
        (
            "POST",
            "/contacts/search",
            {"query": {"field": "nope", "operator": "=", "value": 1}},
            400,
        ),
        ("PUT", "/data_attributes/1", {}, 404),
        ("POST", "/conversations/1/tags", {"id": "1"}, 404),
    ],
)
def test_an_authenticated_4xx_carries_the_rate_limit_headers(
    api, method, path, body, status
) -> None:
    response = api.request(method, path, json=body)
    assert response.status_code == status
    for name in RATE_HEADERS:
        assert name in response.headers
    assert response.json()["type"] == "error.list"


def test_an_authenticated_409_and_410_carry_the_rate_limit_headers(api) -> None:
    user = api.post("/contacts", json={"external_id": "u-1"}).json()
    conflict = api.post("/contacts", json={"external_id": "u-1"})
    assert conflict.status_code == 409
    lead = api.post("/contacts", json={"role": "lead", "email": "a@example.com"}).json()
    api.post("/contacts/merge", json={"from": lead["id"], "into": user["id"]})
    gone = api.get(f"/contacts/{lead['id']}", headers={"Intercom-Version": "2.16"})
    assert gone.status_code == 410
    for response in (conflict, gone):
        for name in RATE_HEADERS:
            assert name in response.headers


def test_remaining_counts_down_within_a_window(limited) -> None:
    with client_for(limited) as client:
        remaining = [
            client.get("/me").headers["X-RateLimit-Remaining"] for _ in range(10)
        ]
    assert remaining == [str(n) for n in range(9, -1, -1)]


# -- the error envelope -------------------------------------------------------------


def test_every_error_body_is_the_error_list_envelope(api, workspace) -> None:
    user = api.post("/contacts", json={"external_id": "u-1"}).json()
    answers = [
        (api.post("/contacts", json={}), 400, "parameter_not_found"),
        (
            api.post(
                "/contacts", content=b"{", headers={"Content-Type": "application/json"}
            ),
            400,
            "bad_request",
        ),
        (api.get("/contacts/5f0000000000000000000000"), 404, "not_found"),
        (api.post("/contacts", json={"external_id": "u-1"}), 409, "conflict"),
        (
            api.get("/me", headers={"Intercom-Version": "9.9"}),
            400,
            "intercom_version_invalid",
        ),
        (
            api.post("/contacts/merge", json={"from": user["id"], "into": user["id"]}),
            400,
            "invalid_merge",
        ),
        (api.get("/me", headers={"Authorization": "Bearer nope"}), 401, "unauthorized"),
    ]
    request_ids = set()
    for response, status, code in answers:
        envelope_of(response, status, code)
        request_ids.add(response.json()["request_id"])
    assert len(request_ids) == len(answers)


def test_a_429_is_the_error_list_envelope(limited) -> None:
    with client_for(limited) as client:
        for _ in range(10):
            client.get("/me")
        envelope_of(client.get("/me"), 429, "rate_limit_exceeded")


# -- rate limiting ------------------------------------------------------------------


def test_the_request_past_the_app_limit_is_429(limited) -> None:
    with client_for(limited) as client:
        for _ in range(10):
            assert client.get("/me").status_code == 200
        response = client.get("/me")
    error = envelope_of(response, 429, "rate_limit_exceeded")
    assert error["message"] == "Exceeded rate limit of 10 in 10_seconds"
    assert response.headers["X-RateLimit-Limit"] == "10"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert "X-RateLimit-Reset" in response.headers


def test_a_refused_request_changes_nothing(limited) -> None:
    with client_for(limited) as client:
        for n in range(10):
            client.post("/contacts", json={"external_id": f"u-{n}"})
        assert client.post("/contacts", json={"external_id": "u-10"}).status_code == 429
    assert len(limited.state.contacts) == 10


def test_the_limit_is_per_10_second_window(limited, clock) -> None:
    with client_for(limited) as client:
        for _ in range(10):
            client.get("/me")
        reset = int(client.get("/me").headers["X-RateLimit-Reset"])
        clock.advance(9)
        assert client.get("/me").status_code == 429
        clock.advance(1)
        assert clock.now() == reset
        response = client.get("/me")
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Remaining"] == "9"
        assert int(response.headers["X-RateLimit-Reset"]) == reset + 10


def test_two_tokens_have_separate_app_budgets(limited) -> None:
    with client_for(limited) as first:
        for _ in range(10):
            first.get("/me")
        assert first.get("/me").status_code == 429
    with client_for(limited, token="other-token") as second:
        response = second.get("/me")
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Remaining"] == "9"


def test_two_tokens_share_the_workspace_budget(limited) -> None:
    with client_for(limited) as first:
        for _ in range(10):
            assert first.get("/me").status_code == 200
    with client_for(limited, token="other-token") as second:
        for _ in range(5):
            assert second.get("/me").status_code == 200
        response = second.get("/me")
    error = envelope_of(response, 429, "rate_limit_exceeded")
    assert error["message"] == "Exceeded rate limit of 15 in 10_seconds"
    assert response.headers["X-RateLimit-Remaining"] == "0"


def test_a_sync_delayed_request_is_counted_once(limited, clock) -> None:
    with client_for(limited) as client:
        contact = client.post("/contacts", json={"external_id": "u-1"}).json()
        limited.faults.add("contacts.update", sync_delay=12.0, times=1)
        answer = client.put(f"/contacts/{contact['id']}", json={"name": "Ann"})
        assert answer.headers["X-RateLimit-Remaining"] == "8"
        clock.advance(12)
        assert limited.pending_count == 0
        # applying it in the next window takes nothing from that window's budget
        assert client.get("/me").headers["X-RateLimit-Remaining"] == "9"


def test_a_delayed_write_is_applied_even_when_its_window_is_full(
    limited, clock
) -> None:
    with client_for(limited) as client:
        contact = client.post("/contacts", json={"external_id": "u-1"}).json()
        limited.faults.add("contacts.update", sync_delay=15.0, times=1)
        assert (
            client.put(f"/contacts/{contact['id']}", json={"name": "Ann"}).status_code
            == 200
        )
        clock.advance(10)
        for _ in range(10):
            assert client.get("/me").status_code == 200
        clock.advance(5)
    assert limited.pending_count == 0
    assert limited.state.contacts[contact["id"]].name == "Ann"


# -- versions -----------------------------------------------------------------------


def owner_id_shape(client: httpx.Client, **headers: str) -> Any:
    contact = client.post(
        "/contacts",
        json={"external_id": f"u-{next(_ids)}", "owner_id": 991200},
        headers=headers,
    ).json()
    response = client.get(f"/contacts/{contact['id']}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["owner_id"] == contact["owner_id"]
    return response.json()["owner_id"]


def test_without_intercom_version_the_answer_has_the_2_14_shapes(api) -> None:
    assert owner_id_shape(api) == 991200


@pytest.mark.parametrize("version", ["2.14", "2.15", "2.0", "1.4"])
def test_versions_before_2_16_have_an_integer_owner_id(api, version) -> None:
    assert owner_id_shape(api, **{"Intercom-Version": version}) == 991200


@pytest.mark.parametrize("version", ["2.16", " 2.16 "])
def test_intercom_version_2_16_has_a_string_owner_id(api, version) -> None:
    assert owner_id_shape(api, **{"Intercom-Version": version}) == "991200"


def test_the_configured_default_version_applies_without_a_header(clock) -> None:
    workspace = Workspace(configured(api_version="2.16"), clock=clock, tokens=[TOKEN])
    with client_for(workspace) as client:
        # The conformance check judges a request without the header by the 2.14
        # description; this workspace's default is 2.16, so only owner_id differs.
        with expect_nonconforming() as problems:
            assert owner_id_shape(client) == "991200"
        assert all("owner_id" in problem for problem in problems)
        assert owner_id_shape(client, **{"Intercom-Version": "2.14"}) == 991200


@pytest.mark.parametrize("version", ["9.9", "2.99", "latest", "", "2"])
def test_an_unknown_intercom_version_is_400(api, version) -> None:
    response = api.get("/me", headers={"Intercom-Version": version})
    error = envelope_of(response, 400, "intercom_version_invalid")
    assert repr(version.strip()) in error["message"]
    for name in RATE_HEADERS:
        assert name in response.headers


# -- routing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/nope", "/contacts/a/b/c", "/v2/contacts", "/me/", "/"]
)
def test_an_unknown_path_on_the_mocked_host_fails_loudly(api, path) -> None:
    with pytest.raises(respx.models.AllMockedAssertionError):
        api.get(path)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/me",
        "https://api.intercom.com/me",
        "http://api.intercom.io/me",
        "https://api.de.intercom.io/me",
    ],
)
def test_any_other_host_fails_loudly(workspace, url) -> None:
    with (
        mount(workspace),
        httpx.Client(
            verify=TLS, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client,
    ):
        with pytest.raises(respx.models.AllMockedAssertionError):
            client.get(url)


def test_every_region_reaches_the_same_workspace(workspace) -> None:
    assert sorted(BASE_URLS.values()) == sorted(
        [
            "https://api.intercom.io",
            "https://api.eu.intercom.io",
            "https://api.au.intercom.io",
        ]
    )
    with client_for(workspace) as us:
        contact = us.post("/contacts", json={"external_id": "u-1"}).json()
    for base_url in BASE_URLS.values():
        with client_for(workspace, base_url=base_url) as client:
            response = client.get(f"/contacts/{contact['id']}")
            assert response.status_code == 200, base_url
            assert response.json()["id"] == contact["id"]
            assert client.get("/me").json()["id"] == workspace.admin_id
