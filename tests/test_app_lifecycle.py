"""A simulated app's lifecycle, per integration and platform, judged in the workspace.

Each test drives one device through app events with `world.act` and reads back what
the workspace holds (over its REST API) and what the trace recorded.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from simulator.app import SimulatedApp
from simulator.backend import RegisteredUser
from simulator.config import load_workspace_config
from simulator.integrations import load_integration
from simulator.trace import REDACTED
from simulator.world import World

PLATFORMS = ["ios", "android", "web"]
on_every_platform = pytest.mark.parametrize("platform", PLATFORMS)
FLAWED = [
    "fire-and-forget",
    "logout-before-status-update",
    "no-sdk-logout",
    "no-status-sync",
    "silent-logout",
    "switch-without-logout",
]
# what an SDK call that resets the SDK is called, per platform
RESET_CALLS = {"ios": "logout", "android": "logout", "web": "shutdown"}


# -- helpers ----------------------------------------------------------------------


def status(contact: dict[str, Any] | None) -> Any:
    assert contact is not None
    return contact["custom_attributes"].get("login_status")


def logged_in(
    world: World, platform: str, integration: str = "recommended", **kwargs: Any
) -> tuple[SimulatedApp, RegisteredUser, dict[str, Any]]:
    """A device that opened, then logged ann in; with ann's contact."""
    ann = world.backend.register("ann")
    app = world.device(platform, integration=integration, **kwargs)
    world.act(app, app.open)
    outcome = world.act(app, app.login, ann)
    assert not outcome.failures(), outcome.failures()
    contact = world.contact_for(app)
    assert contact is not None and contact["external_id"] == ann.user_id
    return app, ann, contact


def conversation_contact(world: World, app: SimulatedApp) -> dict[str, Any]:
    """Start a conversation on the device; the contact it landed on."""
    before = set(world.workspace.state.conversations)
    outcome = world.act(app, app.start_conversation)
    assert not outcome.failures(), outcome.failures()
    started = [c for c in world.workspace.state.conversations if c not in before]
    assert len(started) == 1
    conversation = world.workspace.state.conversations[started[0]]
    contact = world.contact(conversation.contact_id)
    assert contact is not None
    return contact


def records(world: World, since: int = 0, kind: str | None = None) -> list[Any]:
    return [
        r
        for r in world.trace.records
        if r.seq > since and (kind is None or r.kind == kind)
    ]


def writes_status(record: Any, value: str) -> bool:
    return f'"login_status": "{value}"' in json.dumps(record.data["args"])


# -- recommended --------------------------------------------------------------------


@on_every_platform
def test_recommended_login_syncs_the_status_onto_the_users_contact(
    world: World, platform: str
) -> None:
    ann = world.backend.register("ann")
    app = world.device(platform)
    world.act(app, app.open)
    world.advance(2 * 3600)  # so that the login time is not the world's first moment
    outcome = world.act(app, app.login, ann)
    assert not outcome.failures()
    contact = world.contact_for(app)
    assert contact is not None
    assert contact["role"] == "user"
    assert contact["external_id"] == ann.user_id
    assert contact["email"] == ann.email
    attributes = contact["custom_attributes"]
    assert attributes["login_status"] == "logged_in"
    assert attributes["login_status_text"] == f"Logged in as {ann.name}"
    assert attributes["user_id"] == ann.user_id
    assert attributes["member_id"] == ann.member_id
    assert attributes["tier"] == ann.tier
    assert attributes["user_level"] == ann.tier
    assert attributes["platform"] == platform
    assert attributes["last_login_at"] == int(world.clock.now())
    assert world.truth(app) == {
        "logged_in": True,
        "alias": "ann",
        "user_id": ann.user_id,
        "app_session": app.session["id"],
    }
    assert world.sdk_view(app)["identity"] == "identified"
    assert world.users_with_external_id(ann.user_id) == [contact]


@on_every_platform
def test_recommended_open_marks_the_device_anonymous(
    world: World, platform: str
) -> None:
    app = world.device(platform)
    world.act(app, app.open)
    assert world.sdk_view(app)["identity"] == "unidentified"
    contact = world.contact_for(app)
    if platform == "web":
        # a web visitor has no contact until it writes
        assert contact is None
    else:
        assert contact is not None and contact["external_id"] is None
        assert status(contact) == "anonymous"


@on_every_platform
def test_recommended_logout_marks_the_old_contact_before_the_reset(
    world: World, platform: str
) -> None:
    app, ann, old = logged_in(world, platform)
    mark = len(world.trace.records)
    outcome = world.act(app, app.logout)
    assert not outcome.failures()
    assert status(world.contact(old["id"])) == "logged_out"
    assert world.contact(old["id"])["custom_attributes"]["login_status_text"] == (
        "Logged out"
    )
    # in the trace: the logged-out update reached the workspace, then the reset
    calls = records(world, mark, "sdk_call")
    update = next(r for r in calls if writes_status(r, "logged_out"))
    reset = next(r for r in calls if r.data["call"] == RESET_CALLS[platform])
    answered = [
        r
        for r in records(world, update.seq, "http")
        if r.data["path"].endswith("/users/update") and r.seq < reset.seq
    ]
    assert answered and answered[0].data["status"] == 200
    assert update.seq < answered[0].seq < reset.seq
    assert world.truth(app)["logged_in"] is False
    assert world.sdk_view(app)["identity"] == "unidentified"


@on_every_platform
def test_recommended_logout_sends_the_next_conversation_to_a_new_anonymous_contact(
    world: World, platform: str
) -> None:
    app, ann, old = logged_in(world, platform)
    world.act(app, app.logout)
    contact = conversation_contact(world, app)
    assert contact["id"] != old["id"]
    assert contact["external_id"] is None
    assert not contact["email"]
    assert contact["role"] == ("lead" if platform == "web" else "user")
    assert [c["id"] for c in world.users_with_external_id(ann.user_id)] == [old["id"]]


@on_every_platform
def test_recommended_switch_logs_the_first_user_out_and_the_second_in(
    world: World, platform: str
) -> None:
    app, ann, first = logged_in(world, platform)
    bob = world.backend.register("bob")
    outcome = world.act(app, app.switch_to, bob)
    assert not outcome.failures()
    assert status(world.contact(first["id"])) == "logged_out"
    second = world.contact_for(app)
    assert second["external_id"] == bob.user_id
    assert second["id"] != first["id"]
    assert status(second) == "logged_in"
    assert world.truth(app)["alias"] == "bob"
    assert conversation_contact(world, app)["id"] == second["id"]


@on_every_platform
def test_a_login_over_another_user_is_a_switch(world: World, platform: str) -> None:
    app, ann, first = logged_in(world, platform)
    first_session = app.session["id"]
    bob = world.backend.register("bob")
    world.act(app, app.login, bob)
    assert not world.backend.is_live(first_session)
    assert status(world.contact(first["id"])) == "logged_out"
    assert world.contact_for(app)["external_id"] == bob.user_id
    assert world.truth(app)["alias"] == "bob"


@on_every_platform
def test_opening_while_logged_in_leaves_the_status_alone(
    world: World, platform: str
) -> None:
    app, ann, contact = logged_in(world, platform)
    outcome = world.act(app, app.open)
    assert outcome.results == []
    assert status(world.contact(contact["id"])) == "logged_in"
    assert world.contact_for(app)["id"] == contact["id"]


@on_every_platform
def test_a_reinstalled_app_does_not_speak_for_the_previous_user(
    world: World, platform: str
) -> None:
    app, ann, old = logged_in(world, platform)
    world.act(app, app.logout)
    world.act(app, app.reinstall)
    assert world.truth(app)["app_session"] is None
    contact = conversation_contact(world, app)
    assert contact["id"] != old["id"]
    assert contact["external_id"] is None


@on_every_platform
def test_a_relaunch_keeps_the_logged_in_user(world: World, platform: str) -> None:
    app, ann, contact = logged_in(world, platform)
    world.act(app, app.kill_and_relaunch)
    assert world.truth(app)["alias"] == "ann"
    assert conversation_contact(world, app)["id"] == contact["id"]


# -- the flawed integrations -----------------------------------------------------------


@on_every_platform
def test_no_sdk_logout_keeps_speaking_for_the_signed_out_user(
    world: World, platform: str
) -> None:
    app, ann, old = logged_in(world, platform, "no-sdk-logout")
    world.act(app, app.logout)
    assert world.truth(app)["logged_in"] is False
    view = world.sdk_view(app)
    assert view["identity"] == "identified"
    assert view["user_id"] == ann.user_id
    contact = conversation_contact(world, app)
    assert contact["id"] == old["id"]
    assert contact["external_id"] == ann.user_id
    # the contact says what happened; the Messenger did not act on it
    assert status(contact) == "logged_out"


@on_every_platform
def test_silent_logout_leaves_the_contact_saying_logged_in(
    world: World, platform: str
) -> None:
    app, ann, old = logged_in(world, platform, "silent-logout")
    session = app.session["id"]
    outcome = world.act(app, app.logout)
    assert outcome.results == []  # nothing told to the SDK
    assert world.truth(app)["logged_in"] is False
    assert not world.backend.is_live(session)
    assert status(world.contact(old["id"])) == "logged_in"
    assert world.sdk_view(app)["user_id"] == ann.user_id
    assert app.cache == {}


@on_every_platform
def test_no_status_sync_never_writes_login_status(world: World, platform: str) -> None:
    app, ann, contact = logged_in(world, platform, "no-status-sync")
    assert "login_status" not in contact["custom_attributes"]
    assert contact["custom_attributes"]["user_id"] == ann.user_id
    world.act(app, app.logout)
    anonymous = conversation_contact(world, app)
    for seen in (world.contact(contact["id"]), anonymous):
        assert "login_status" not in seen["custom_attributes"]
        assert "login_status_text" not in seen["custom_attributes"]
    assert not [
        r
        for r in world.trace.of_kind("sdk_call")
        if "login_status" in json.dumps(r.data["args"])
    ]


@on_every_platform
def test_logout_before_status_update_leaves_the_old_contact_logged_in(
    world: World, platform: str
) -> None:
    app, ann, old = logged_in(world, platform, "logout-before-status-update")
    mark = len(world.trace.records)
    world.act(app, app.logout)
    assert status(world.contact(old["id"])) == "logged_in"
    # the status was written after the reset, when nobody was registered any more
    calls = records(world, mark, "sdk_call")
    reset = next(r for r in calls if r.data["call"] == RESET_CALLS[platform])
    update = next(r for r in calls if writes_status(r, "logged_out"))
    assert reset.seq < update.seq
    # ...so it never left the device: what flew next was the anonymous login
    flown = records(world, update.seq, "http")
    assert flown and flown[0].data["path"].endswith("/users/unidentified")
    # the reset itself worked: the next conversation is not the old user's
    assert conversation_contact(world, app)["id"] != old["id"]


def test_switch_without_logout_fails_3002_on_android_legacy(world: World) -> None:
    app, ann, first = logged_in(
        world, "android", "switch-without-logout", profile="android-legacy"
    )
    bob = world.backend.register("bob")
    outcome = world.act(app, app.switch_to, bob)
    assert "3002" in [failure.error.code for failure in outcome.failures()]
    # the app believes bob is logged in; the SDK still speaks for ann
    assert world.truth(app)["alias"] == "bob"
    assert world.sdk_view(app)["user_id"] == ann.user_id
    assert world.contact_for(app)["id"] == first["id"]
    assert world.users_with_external_id(bob.user_id) == []
    assert conversation_contact(world, app)["id"] == first["id"]


@on_every_platform
def test_switch_without_logout_switches_on_current_generations(
    world: World, platform: str
) -> None:
    app, ann, first = logged_in(world, platform, "switch-without-logout")
    bob = world.backend.register("bob")
    outcome = world.act(app, app.switch_to, bob)
    assert not outcome.failures()
    assert world.sdk_view(app)["user_id"] == bob.user_id
    second = world.contact_for(app)
    assert second["external_id"] == bob.user_id
    assert status(second) == "logged_in"
    # nobody logged ann out: her contact still says she is logged in
    assert status(world.contact(first["id"])) == "logged_in"
    assert conversation_contact(world, app)["id"] == second["id"]


@on_every_platform
def test_fire_and_forget_loses_the_status_of_a_login_not_yet_completed(
    world: World, platform: str
) -> None:
    ann = world.backend.register("ann")
    app = world.device(platform, integration="fire-and-forget")
    # the app logs in and at once writes the status: the login is still in flight,
    # so the SDK has nobody to write it onto
    outcome = world.act(app, app.login, ann)
    calls = list(world.trace.of_kind("sdk_call"))
    login = next(
        r
        for r in calls
        if r.data["call"] in ("loginUser", "loginIdentifiedUser", "boot")
    )
    update = next(r for r in calls if writes_status(r, "logged_in"))
    login_done = next(
        r for r in world.trace.of_kind("sdk_result") if r.data["issued"] == login.seq
    )
    assert update.seq < login_done.seq
    assert not outcome.failures()  # and nobody hears of the loss
    contacts = world.users_with_external_id(ann.user_id)
    assert len(contacts) == 1
    assert "login_status" not in contacts[0]["custom_attributes"]
    assert "user_id" not in contacts[0]["custom_attributes"]


@on_every_platform
def test_fire_and_forget_login_while_the_open_is_in_flight(
    world: World, platform: str
) -> None:
    ann = world.backend.register("ann")
    app = world.device(platform, integration="fire-and-forget")
    app.open()  # its unidentified login is not delivered yet...
    world.act(app, app.login, ann)  # ...when the person logs in
    contacts = world.users_with_external_id(ann.user_id)
    assert len(contacts) == 1
    assert status(contacts[0]) is None
    # neither the open's status nor the login's landed anywhere
    assert not [
        c
        for c in world.workspace.state.contacts.values()
        if c.custom_attributes.get("login_status") in ("anonymous", "logged_in")
    ]


@on_every_platform
def test_the_same_races_are_won_by_an_app_that_awaits(
    world: World, platform: str
) -> None:
    ann = world.backend.register("ann")
    app = world.device(platform)
    app.open()
    world.act(app, app.login, ann)
    assert status(world.users_with_external_id(ann.user_id)[0]) == "logged_in"


# -- sessions that end on the backend -----------------------------------------------


@on_every_platform
def test_recommended_notices_an_expired_session(world: World, platform: str) -> None:
    app, ann, contact = logged_in(world, platform)
    world.expire_session(app)
    assert world.truth(app)["logged_in"] is False
    assert status(world.contact(contact["id"])) == "logged_in"  # nobody told yet
    conversation = conversation_contact(world, app)
    assert app.session is None
    assert status(world.contact(contact["id"])) == "logged_out"
    assert conversation["id"] != contact["id"]
    assert any("session ended" in r.data["text"] for r in world.trace.of_kind("note"))


@on_every_platform
def test_recommended_notices_a_session_past_its_ttl(
    world: World, platform: str
) -> None:
    app, ann, contact = logged_in(world, platform)
    world.advance(world.backend.session_ttl + 60)
    world.act(app, app.open)
    assert app.session is None
    assert status(world.contact(contact["id"])) == "logged_out"


@pytest.mark.parametrize("integration", FLAWED)
@on_every_platform
def test_the_others_do_not_notice_an_expired_session(
    world: World, platform: str, integration: str
) -> None:
    app, ann, contact = logged_in(world, platform, integration)
    world.expire_session(app)
    conversation = conversation_contact(world, app)
    # the app still believes ann is logged in, and so does her contact
    assert app.session is not None
    assert world.truth(app)["logged_in"] is False
    assert conversation["id"] == contact["id"]
    # no-status-sync never writes the status; fire-and-forget's login update was
    # issued before the login completed, unsigned, and landed nowhere
    never_written = ("no-status-sync", "fire-and-forget")
    expected = None if integration in never_written else "logged_in"
    assert status(world.contact(contact["id"])) == expected


# -- the trace ----------------------------------------------------------------------


def scenario(world: World, platform: str, integration: Any = "recommended") -> None:
    ann, bob = world.backend.register("ann"), world.backend.register("bob")
    app = world.device(platform, integration=integration)
    world.act(app, app.open)
    world.act(app, app.login, ann)
    world.act(app, app.start_conversation)
    world.act(app, app.kill_and_relaunch)
    world.act(app, app.switch_to, bob)
    world.advance(3600)
    world.act(app, app.logout)
    world.act(app, app.start_conversation)


@on_every_platform
def test_the_trace_holds_every_kind_of_record(world: World, platform: str) -> None:
    scenario(world, platform)
    kinds = {r.kind for r in world.trace.records}
    assert {"app_event", "sdk_call", "sdk_result", "http", "snapshot"} <= kinds
    events = [r.data["event"] for r in world.trace.of_kind("app_event")]
    assert events == [
        "open",
        "login",
        "start_conversation",
        "kill_and_relaunch",
        "switch",
        "logout",
        "start_conversation",
    ]
    # one snapshot after every act, of the truth, the SDK and the workspace
    snapshots = list(world.trace.of_kind("snapshot"))
    assert len(snapshots) == len(events)
    assert set(snapshots[1].data) >= {"truth", "sdk", "workspace", "device"}
    assert snapshots[1].data["truth"]["alias"] == "ann"
    assert snapshots[-1].data["truth"]["logged_in"] is False
    assert [r.seq for r in world.trace.records] == list(
        range(1, len(world.trace.records) + 1)
    )
    times = [r.at for r in world.trace.records]
    assert times == sorted(times)
    for record in world.trace.of_kind("sdk_result"):
        issued = world.trace.records[record.data["issued"] - 1]
        assert issued.kind == "sdk_call"
        assert issued.data["call"] == record.data["call"]


def jwt_setup() -> tuple[Any, Any]:
    config = load_workspace_config()
    verification = config.identity_verification.model_copy(update={"method": "jwt"})
    config = config.model_copy(update={"identity_verification": verification})
    integration = load_integration("recommended").model_copy(
        update={"verification": "jwt"}
    )
    return config, integration


SIGNATURE_LIKE = re.compile(r"\b[0-9a-f]{64}\b|eyJ[A-Za-z0-9_-]+\.")


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("method", ["hmac", "jwt"])
@on_every_platform
def test_the_trace_never_holds_a_secret_or_a_signature(
    platform: str, method: str, debug: bool
) -> None:
    config, integration = jwt_setup() if method == "jwt" else (None, "recommended")
    with World(seed=21, workspace_config=config, debug_trace=debug) as world:
        scenario(world, platform, integration)
        text = world.trace.to_jsonl()
        # the scenario did verify people, so there were signatures to leak
        verified = [
            r
            for r in world.trace.of_kind("http")
            if r.data["path"].endswith("/users/identified")
        ]
        assert verified and all(r.data["status"] == 200 for r in verified)
        for secret in world.identity_secrets.values():
            assert secret not in text
        for alias in ("ann", "bob"):
            user = world.backend.user(alias)
            assert world.backend.user_hash(platform, user) not in text
        assert SIGNATURE_LIKE.search(text) is None
        assert REDACTED in text


def test_the_trace_keeps_bodies_only_at_debug_level() -> None:
    for debug in (False, True):
        with World(seed=5, debug_trace=debug) as world:
            scenario(world, "ios")
            exchanges = list(world.trace.of_kind("http"))
            assert exchanges
            for record in exchanges:
                assert {"method", "path", "status", "device"} <= set(record.data)
                assert ("request" in record.data) is debug
                assert ("response" in record.data) is debug
            if debug:
                login = next(
                    r for r in exchanges if r.data["path"].endswith("/identified")
                )
                assert login.data["request"]["user_hash"] == REDACTED
                assert login.data["response"]["identity_verified"] is True


class _Report:
    def __init__(self, failed: bool):
        self.failed = failed
        self.sections: list[tuple[str, str]] = []


class _Outcome:
    def __init__(self, report: _Report):
        self.report = report

    def get_result(self) -> _Report:
        return self.report


@pytest.mark.parametrize("failed", [True, False], ids=["failed", "passed"])
def test_a_failing_tests_report_names_its_worlds_seed(
    world: World, request, failed: bool
) -> None:
    from tests import conftest

    # the `world` fixture leaves its world where the report hook looks for it
    assert request.node._harness_world is world
    report = _Report(failed)
    hook = conftest.pytest_runtest_makereport(request.node, None)
    next(hook)
    with pytest.raises(StopIteration):
        hook.send(_Outcome(report))
    expected = f"world seed: {world.seed} (replay with World(seed={world.seed}))"
    assert report.sections == ([("harness", expected)] if failed else [])
