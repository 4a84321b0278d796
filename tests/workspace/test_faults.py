"""Faults injected per route: drops, 5xx, latency and delayed application."""

from __future__ import annotations

import time

import httpx
import pytest

from simulator.workspace import ApiRequest, Workspace
from simulator.workspace.faults import Fault, FaultPlan
from tests.conftest import TLS, TOKEN, MessengerClient


def _create(api: httpx.Client, email: str = "ann@example.com") -> httpx.Response:
    return api.post("/contacts", json={"email": email})


def _count(api: httpx.Client) -> int:
    return api.get("/contacts").json()["total_count"]


def _status(workspace: Workspace, contact_id: str) -> object:
    return workspace.state.contacts[contact_id].custom_attributes.get("login_status")


# -- in-process ---------------------------------------------------------------------


def test_a_dropped_request_times_out_and_is_never_applied(workspace, api):
    workspace.faults.add("contacts.create", drop=True)
    with pytest.raises(httpx.ReadTimeout):
        _create(api)
    assert workspace.state.contacts == {}
    assert _count(api) == 0


def test_a_dropped_messenger_request_is_never_applied(workspace, messenger):
    workspace.faults.add("messenger.register_unidentified", drop=True)
    with pytest.raises(httpx.ReadTimeout):
        messenger("ios").post("users/unidentified", anonymous_id="anon-1")
    assert workspace.state.contacts == {}
    assert workspace.state.anonymous == {}


@pytest.mark.parametrize(
    ("status", "code"), [(503, "service_unavailable"), (500, "server_error")]
)
def test_a_status_fault_answers_the_error_envelope_and_applies_nothing(
    workspace, api, status, code
):
    workspace.faults.add("contacts.create", status=status)
    answer = _create(api)
    assert answer.status_code == status
    body = answer.json()
    assert body["type"] == "error.list"
    assert body["request_id"]
    assert body["errors"][0]["code"] == code
    assert answer.headers["content-type"].startswith("application/json")
    assert workspace.state.contacts == {}


def test_any_5xx_can_be_injected_on_a_messenger_route(workspace, messenger):
    workspace.faults.add("messenger.register_unidentified", status=502)
    answer = messenger("web").post("users/unidentified", anonymous_id="w-1")
    assert answer.status_code == 502
    assert answer.json()["errors"][0]["code"] == "server_error"


def test_latency_moves_the_simulated_clock_and_nobody_sleeps(workspace, api, clock):
    workspace.faults.add("contacts.create", latency=45.0)
    before = clock.now()
    started = time.monotonic()
    answer = _create(api)
    elapsed = time.monotonic() - started
    assert answer.status_code == 200
    assert clock.now() == before + 45.0
    assert elapsed < 1.0
    # the request itself was handled when it arrived, not when its answer did
    assert answer.json()["created_at"] == int(before)


def test_latency_applies_to_an_injected_error_too(workspace, api, clock):
    workspace.faults.add("contacts.create", status=503, latency=10.0)
    before = clock.now()
    assert _create(api).status_code == 503
    assert clock.now() == before + 10.0


def test_a_fault_with_times_applies_that_many_times(workspace, api):
    workspace.faults.add("contacts.create", status=503, times=2)
    assert _create(api, "a@example.com").status_code == 503
    assert _create(api, "b@example.com").status_code == 503
    assert _create(api, "c@example.com").status_code == 200
    assert not workspace.faults
    assert _count(api) == 1


def test_a_fault_with_times_1_applies_once(workspace, api):
    workspace.faults.add("contacts.create", drop=True, times=1)
    with pytest.raises(httpx.ReadTimeout):
        _create(api)
    assert _create(api).status_code == 200
    assert _count(api) == 1


def test_a_fault_without_times_lasts_until_cleared(workspace, api):
    workspace.faults.add("contacts.create", status=503)
    for _ in range(3):
        assert _create(api).status_code == 503
    workspace.faults.clear()
    assert _create(api).status_code == 200


def test_clearing_one_route_keeps_the_others(workspace, api):
    workspace.faults.add("contacts.create", status=503)
    workspace.faults.add("contacts.list", status=500)
    workspace.faults.clear("contacts.create")
    assert _create(api).status_code == 200
    assert api.get("/contacts").status_code == 500


def test_a_fault_touches_only_the_operation_it_names(workspace, api):
    workspace.faults.add("contacts.create", status=503)
    assert api.get("/contacts").status_code == 200
    assert api.get("/me").status_code == 200


def test_a_pattern_fault_matches_every_route_it_covers(workspace, api, messenger):
    workspace.faults.add("messenger.*", status=503)
    device = messenger("ios")
    assert device.post("users/unidentified", anonymous_id="a").status_code == 503
    assert device.post("ping", anonymous_id="a").status_code == 503
    assert _create(api).status_code == 200


def test_a_fault_on_an_unknown_path_does_not_fire(workspace, api):
    workspace.faults.add("*", status=503, times=1)
    unknown = workspace.handle(ApiRequest("GET", "/contacts/a/b/c/d"))
    assert unknown.status == 404
    # the fault is still unused
    assert api.get("/me").status_code == 503


def test_sync_delay_answers_now_and_applies_once_time_has_passed(
    workspace, messenger, clock
):
    device = messenger("ios")
    identity = {"anonymous_id": "anon-1", **device.signed("u-1")}
    user = device.post("users/identified", **identity).json()
    contact_id = user["contact_id"]
    workspace.faults.add("messenger.update_user", sync_delay=30.0, times=1)

    answer = device.post(
        "users/update",
        **identity,
        attributes={"custom_attributes": {"login_status": "logged_out"}},
    )

    assert answer.status_code == 200
    assert answer.json()["custom_attributes"]["login_status"] == "logged_out"
    assert _status(workspace, contact_id) is None
    assert workspace.pending_count == 1
    clock.advance(29.0)
    assert _status(workspace, contact_id) is None
    assert workspace.pending_count == 1
    clock.advance(1.0)
    assert _status(workspace, contact_id) == "logged_out"
    assert workspace.pending_count == 0


def test_a_sync_delayed_write_is_invisible_over_rest_until_applied(
    workspace, api, clock
):
    contact_id = _create(api).json()["id"]
    workspace.faults.add("contacts.update", sync_delay=5.0)
    answer = api.put(f"/contacts/{contact_id}", json={"name": "Ann"})
    assert answer.status_code == 200
    assert answer.json()["name"] == "Ann"
    assert api.get(f"/contacts/{contact_id}").json()["name"] is None
    clock.advance(5.0)
    assert api.get(f"/contacts/{contact_id}").json()["name"] == "Ann"


def test_a_sync_delayed_write_is_applied_by_the_next_request_after_its_time(
    workspace, api, clock
):
    # a clock that moved without telling its listeners (a wall clock) still counts
    contact_id = _create(api).json()["id"]
    workspace.faults.add("contacts.update", sync_delay=5.0, times=1)
    api.put(f"/contacts/{contact_id}", json={"name": "Ann"})
    clock._now += 10.0
    assert workspace.pending_count == 1
    assert api.get(f"/contacts/{contact_id}").json()["name"] == "Ann"
    assert workspace.pending_count == 0


def test_sync_delayed_writes_due_at_the_same_time_apply_in_arrival_order(
    workspace, messenger, clock
):
    device = messenger("ios")
    identity = {"anonymous_id": "anon-1", **device.signed("u-1")}
    contact_id = device.post("users/identified", **identity).json()["contact_id"]

    def write(status: str, delay: float) -> None:
        workspace.faults.add("messenger.update_user", sync_delay=delay, times=1)
        answer = device.post(
            "users/update",
            **identity,
            attributes={"custom_attributes": {"login_status": status}},
        )
        assert answer.status_code == 200

    write("first", 1.0)
    write("second", 2.0)
    write("logged_in", 10.0)
    clock.advance(2.0)
    assert _status(workspace, contact_id) == "second"
    write("logged_out", 8.0)
    clock.advance(8.0)
    assert _status(workspace, contact_id) == "logged_out"


def test_a_sync_delayed_write_lands_as_it_was_answered(
    workspace, api, messenger, clock
):
    web = messenger("web")
    workspace.faults.add("messenger.create_conversation", sync_delay=5.0, times=1)
    answer = web.post("conversations", anonymous_id="w-1", body="Hi").json()
    # another write draws ids before the delayed one is applied
    assert _create(api).status_code == 200
    clock.advance(5.0)
    conversation = workspace.state.conversations[answer["id"]]
    assert conversation.contact_id == answer["contact_id"]
    assert workspace.state.contacts[answer["contact_id"]].role == "lead"
    assert conversation.created_at == answer["created_at"]


def test_a_sync_delayed_conversation_is_announced_once(workspace, messenger, clock):
    heard: list[str] = []
    workspace.conversation_listeners.append(lambda ws, c: heard.append(c.id))
    workspace.faults.add("messenger.create_conversation", sync_delay=5.0, times=1)
    messenger("web").post("conversations", anonymous_id="w-1", body="Hi")
    clock.advance(5.0)
    assert len(heard) == 1


def test_pending_count_counts_each_delayed_write(workspace, api, clock):
    workspace.faults.add("contacts.create", sync_delay=10.0)
    for n in range(3):
        assert _create(api, f"{n}@example.com").status_code == 200
    assert workspace.pending_count == 3
    assert workspace.state.contacts == {}
    clock.advance(10.0)
    assert workspace.pending_count == 0
    assert len(workspace.state.contacts) == 3


def test_clear_removes_faults_but_not_writes_already_accepted(workspace, api, clock):
    workspace.faults.add("contacts.create", sync_delay=10.0)
    _create(api)
    workspace.faults.clear()
    assert not workspace.faults
    assert workspace.pending_count == 1
    clock.advance(10.0)
    assert len(workspace.state.contacts) == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"status": 404},
        {"status": 200},
        {"latency": -1.0},
        {"sync_delay": -0.5},
        {"times": 0},
        {"times": -3},
    ],
)
def test_a_fault_that_cannot_happen_is_refused(kwargs):
    with pytest.raises(ValueError):
        FaultPlan().add("contacts.create", **kwargs)


def test_take_picks_the_first_matching_fault_and_counts_it():
    plan = FaultPlan()
    first = plan.add("messenger.*", status=503, times=1)
    plan.add("messenger.ping", latency=2.0)
    assert plan.take("contacts.create") is None
    assert plan.take("messenger.ping") is first
    taken = plan.take("messenger.ping")
    assert isinstance(taken, Fault)
    assert taken.latency == 2.0


# -- loopback ---------------------------------------------------------------------


@pytest.mark.loopback
def test_a_dropped_request_times_out_over_loopback(workspace, loopback):
    workspace.faults.add("contacts.create", drop=True, times=1)
    with httpx.Client(
        verify=TLS,
        base_url=loopback.url,
        timeout=0.2,
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.post("/contacts", json={"email": "ann@example.com"})
        assert workspace.state.contacts == {}
        assert (
            client.post("/contacts", json={"email": "ann@example.com"}).status_code
            == 200
        )


@pytest.mark.loopback
def test_a_5xx_fault_is_answered_over_loopback(workspace, loopback):
    workspace.faults.add("messenger.register_unidentified", status=503)
    with httpx.Client(verify=TLS, base_url=loopback.url, timeout=5.0) as client:
        device = MessengerClient(client, workspace.config.app_id, "android", "d-1")
        answer = device.post("users/unidentified", anonymous_id="anon-1")
    assert answer.status_code == 503
    assert answer.json()["errors"][0]["code"] == "service_unavailable"
    assert workspace.state.contacts == {}


@pytest.mark.loopback
def test_latency_over_loopback_is_real_time(workspace, loopback):
    workspace.faults.add("me", latency=0.5, times=1)
    with httpx.Client(
        verify=TLS,
        base_url=loopback.url,
        timeout=0.2,
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get("/me")
