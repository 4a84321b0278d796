"""The oracle, on small scripted scenarios: each finding kind, and its absence.

Every scenario runs on the simulated clients in-process (no network): a device opens,
logs a registered user in, maybe logs out or switches, starts a conversation, and
`judge` runs a personal procedure on it and compares the workspace with the truth.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.app import SimulatedApp
from simulator.config import (
    IdentityVerificationConfig,
    WorkspaceConfig,
    load_workspace_config,
)
from simulator.integrations import load_integration
from simulator.oracle import KINDS, EventRef, Finding, Oracle, judge
from simulator.rules.guards import GuardOutcome, load_procedure
from simulator.world import World

PLATFORMS = ["ios", "android", "web"]
on_every_platform = pytest.mark.parametrize("platform", PLATFORMS)


def kinds(findings: list[Finding]) -> set[str]:
    return {f.kind for f in findings}


def config(**update: object) -> WorkspaceConfig:
    return load_workspace_config().model_copy(update=update)


@pytest.fixture
def world() -> Iterator[World]:
    with World(seed=11) as w:
        w.backend.register("ann")
        w.backend.register("bob")
        yield w


def logged_in(world: World, platform: str, integration: str, **kw: str) -> SimulatedApp:
    app = world.device(platform, integration=integration, **kw)
    world.act(app, app.open)
    world.act(app, app.login, world.backend.user("ann"))
    return app


def talk(world: World, app: SimulatedApp) -> None:
    world.act(app, app.start_conversation)


# -- the careful app: nothing to find -------------------------------------------------


@on_every_platform
def test_recommended_login_then_conversation_has_no_findings(
    world: World, platform: str
) -> None:
    app = logged_in(world, platform, "recommended")
    talk(world, app)
    assert judge(world, app) == []


@on_every_platform
def test_recommended_logout_then_conversation_has_no_findings(
    world: World, platform: str
) -> None:
    app = logged_in(world, platform, "recommended")
    world.act(app, app.logout)
    talk(world, app)
    assert judge(world, app) == []


# -- misroute_authenticated and residual_identity --------------------------------------


@on_every_platform
def test_no_sdk_logout_on_contact_type_routing(platform: str) -> None:
    with World(seed=5, workspace_config=config(workflow="contact-type-only")) as world:
        ann = world.backend.register("ann")
        app = world.device(platform, integration="no-sdk-logout")
        world.act(app, app.open)
        world.act(app, app.login, ann)
        world.act(app, app.logout)
        talk(world, app)
        findings = judge(world, app)
    found = kinds(findings)
    assert {"misroute_authenticated", "residual_identity"} <= found
    residual = next(f for f in findings if f.kind == "residual_identity")
    assert residual.severity == "high"
    assert residual.device == app.device_id
    # the cause is the logout, not the conversation that showed it
    assert residual.event.event == "logout"
    assert ann.user_id in residual.message
    assert "nobody is logged in" in residual.message
    assert residual.evidence["sdk"]["identity"] == "identified"


def test_residual_identity_from_another_contacts_cached_conversation(
    world: World,
) -> None:
    app = logged_in(world, "ios", "recommended")
    talk(world, app)
    ann_conversation = app.sdk.state["conversations"][-1]
    world.act(app, app.logout)
    talk(world, app)
    assert judge(world, app) == []
    # the Messenger's list still shows ann's conversation next to the anonymous one,
    # as an SDK that kept its cache across a reset would
    app.sdk.state["conversations"].insert(0, ann_conversation)
    findings = judge(world, app)
    assert kinds(findings) == {"residual_identity"}
    assert ann_conversation["id"] in findings[0].evidence["residual"][0]


def test_residual_identity_from_ids_left_on_the_anonymous_contact(
    world: World,
) -> None:
    app = logged_in(world, "web", "recommended")
    world.act(app, app.logout)
    talk(world, app)
    assert judge(world, app) == []
    # the previous user's ids left on the anonymous contact, as an app that forgot
    # to clear them at logout would leave them
    contact_id = app.sdk.state["conversations"][-1]["contact_id"]
    contact = world.workspace.state.contacts[contact_id]
    contact.custom_attributes["user_id"] = world.backend.user("ann").user_id
    findings = judge(world, app)
    assert kinds(findings) == {"residual_identity"}
    assert findings[0].evidence["residual"] == [
        "the anonymous contact still carries user_id"
    ]


# -- data_leak and stale_status -------------------------------------------------------


@on_every_platform
def test_silent_logout_with_status_only_guard_leaks(
    world: World, platform: str
) -> None:
    app = logged_in(world, platform, "silent-logout")
    world.act(app, app.logout)
    talk(world, app)
    findings = judge(world, app, guard="status-only")
    found = kinds(findings)
    assert {"data_leak", "stale_status"} <= found
    leak = next(f for f in findings if f.kind == "data_leak")
    assert leak.severity == "critical"
    assert leak.evidence["guard"] == {"allowed": True, "reasons": []}
    stale = next(f for f in findings if f.kind == "stale_status")
    assert stale.severity == "medium"
    assert stale.evidence["custom_attributes"]["login_status"] == "logged_in"


def test_silent_logout_with_recommended_guard_does_not_leak(world: World) -> None:
    app = logged_in(world, "ios", "silent-logout")
    world.act(app, app.logout)
    talk(world, app)
    found = kinds(judge(world, app))
    # the backend knows the session ended, so the careful guard blocks; the stale
    # status is still there to find
    assert "data_leak" not in found
    assert "stale_status" in found


def test_procedure_without_personal_data_is_no_leak(world: World) -> None:
    app = logged_in(world, "ios", "silent-logout")
    world.act(app, app.logout)
    talk(world, app)
    conversation_id = app.sdk.state["conversations"][-1]["id"]
    procedure = load_procedure("order_history").model_copy(
        update={"personal_data": False}
    )
    oracle = Oracle(
        world, app, conversation_id, GuardOutcome(allowed=True), procedure=procedure
    )
    assert "data_leak" not in kinds(oracle.findings())


# -- identity_mismatch ----------------------------------------------------------------


def test_switch_without_logout_on_android_legacy_mismatches(world: World) -> None:
    app = logged_in(world, "android", "switch-without-logout", profile="android-legacy")
    bob = world.backend.user("bob")
    world.act(app, app.login, bob)
    talk(world, app)
    findings = judge(world, app)
    mismatch = [f for f in findings if f.kind == "identity_mismatch"]
    assert len(mismatch) == 1
    assert mismatch[0].severity == "critical"
    assert mismatch[0].event.event == "login"
    assert mismatch[0].event.description == "login bob"
    assert mismatch[0].evidence["truth"]["user_id"] == bob.user_id
    assert mismatch[0].evidence["external_id"] == world.backend.user("ann").user_id


@pytest.mark.parametrize("platform", ["ios", "web"])
def test_switch_without_logout_on_current_sdks_lands_right(
    world: World, platform: str
) -> None:
    app = logged_in(world, platform, "switch-without-logout")
    world.act(app, app.login, world.backend.user("bob"))
    talk(world, app)
    assert "identity_mismatch" not in kinds(judge(world, app))


# -- unverified_identity --------------------------------------------------------------


@on_every_platform
def test_identity_verification_off_is_unverified(platform: str) -> None:
    off = config(identity_verification=IdentityVerificationConfig(mode="off"))
    with World(seed=5, workspace_config=off) as world:
        ann = world.backend.register("ann")
        app = world.device(platform)
        world.act(app, app.open)
        world.act(app, app.login, ann)
        talk(world, app)
        findings = judge(world, app)
    unverified = [f for f in findings if f.kind == "unverified_identity"]
    assert len(unverified) == 1
    assert unverified[0].evidence["verification_mode"] == "off"
    assert "verification off" in unverified[0].message


def test_anonymous_contact_is_not_unverified() -> None:
    off = config(identity_verification=IdentityVerificationConfig(mode="off"))
    with World(seed=5, workspace_config=off) as world:
        app = world.device("ios")
        world.act(app, app.open)
        talk(world, app)
        assert "unverified_identity" not in kinds(judge(world, app))


def test_a_refused_login_whose_status_was_written_anyway_is_a_misroute() -> None:
    # the app signs nothing under enforced verification: the login fails, the app
    # writes "logged_in" and the user id onto the anonymous contact regardless
    with World(seed=5) as world:
        ann = world.backend.register("ann")
        unsigned = load_integration("recommended").model_copy(
            update={"verification": "none"}
        )
        app = world.device("ios", integration=unsigned)
        world.act(app, app.open)
        assert world.act(app, app.login, ann).failures()
        talk(world, app)
        findings = judge(world, app)
    misroutes = [f for f in findings if f.kind == "misroute_authenticated"]
    assert len(misroutes) == 1
    assert "not the logged-in user's" in misroutes[0].message
    assert misroutes[0].evidence["external_id"] is None
    assert "data_leak" not in kinds(findings)


# -- over_block and misroute_anonymous ------------------------------------------------


@on_every_platform
def test_no_status_sync_blocks_and_misroutes_a_genuine_user(
    world: World, platform: str
) -> None:
    app = logged_in(world, platform, "no-status-sync")
    talk(world, app)
    findings = judge(world, app)
    assert {"misroute_anonymous", "over_block"} <= kinds(findings)
    block = next(f for f in findings if f.kind == "over_block")
    assert block.severity == "low"
    assert "not_logged_in" in block.evidence["guard"]["reasons"]
    assert world.truth(app)["alias"] in block.message


def test_fresh_login_expiry_over_blocks_a_live_session(world: World) -> None:
    app = logged_in(world, "ios", "recommended")
    world.advance(25 * 3600)  # beyond the guard's 24 hours, inside the session's life
    talk(world, app)
    findings = judge(world, app)
    assert kinds(findings) == {"over_block"}
    assert findings[0].evidence["guard"]["reasons"] == ["stale_login"]
    assert findings[0].event.event == "login"


# -- the pieces -----------------------------------------------------------------------


def test_every_kind_has_a_severity() -> None:
    assert set(KINDS) == {
        "data_leak",
        "identity_mismatch",
        "misroute_authenticated",
        "residual_identity",
        "unverified_identity",
        "stale_status",
        "misroute_anonymous",
        "over_block",
    }
    assert KINDS["data_leak"] == "critical"
    assert KINDS["misroute_anonymous"] == "low"


def test_finding_refuses_unknown_kind_and_severity() -> None:
    event = EventRef(1, "logout", "logout")
    with pytest.raises(ValueError, match="kind"):
        Finding("nope", "high", "ios-1", event, "m")
    with pytest.raises(ValueError, match="severity"):
        Finding("data_leak", "urgent", "ios-1", event, "m")
    finding = Finding("data_leak", "critical", "ios-1", event, "m")
    with pytest.raises(AttributeError):
        finding.kind = "over_block"  # type: ignore[misc]


def test_finding_names_the_trace_seq_of_its_cause(world: World) -> None:
    app = logged_in(world, "ios", "silent-logout")
    world.act(app, app.logout)
    talk(world, app)
    findings = judge(world, app, guard="status-only")
    logout = [
        r
        for r in world.trace.of_kind("app_event")
        if r.data["device"] == app.device_id and r.data["event"] == "logout"
    ]
    assert findings
    assert {f.event.seq for f in findings} == {logout[-1].seq}
    assert f"trace seq {logout[-1].seq}" in findings[0].message


def test_oracle_without_an_outcome_judges_no_procedure(world: World) -> None:
    app = logged_in(world, "ios", "silent-logout")
    world.act(app, app.logout)
    talk(world, app)
    conversation_id = app.sdk.state["conversations"][-1]["id"]
    found = kinds(Oracle(world, app, conversation_id).findings())
    assert "data_leak" not in found and "over_block" not in found
    assert "stale_status" in found


def test_judge_needs_a_conversation(world: World) -> None:
    app = logged_in(world, "ios", "recommended")
    with pytest.raises(ValueError, match="no conversation"):
        judge(world, app)


def test_oracle_refuses_an_unknown_conversation(world: World) -> None:
    app = logged_in(world, "ios", "recommended")
    with pytest.raises(ValueError, match="no conversation"):
        Oracle(world, app, "999")
