"""The simulated Android Messenger SDK, call by call, against the mock workspace.

Each test pins one behaviour of the SDK (and of its generation, `android-current` or
`android-legacy`) and checks both what the SDK answered and what the workspace holds
afterwards, reading the workspace's own records rather than the SDK's view of them.
"""

from __future__ import annotations

import zlib

import pytest

from simulator.app import SimulatedApp
from simulator.backend import RegisteredUser
from simulator.config import RateLimitConfig, load_workspace_config
from simulator.sdk.android import AndroidMessenger
from simulator.sdk.network import Pending, SdkResult
from simulator.workspace.state import Contact
from simulator.world import World
from tests.sdk.helpers import answer as _settled
from tests.sdk.helpers import ok as _ok

CURRENT = "android-current"
LEGACY = "android-legacy"
BOTH = [CURRENT, LEGACY]
STATUS = {"custom_attributes": {"login_status": "logged_in"}}


# -- helpers ---------------------------------------------------------------------


def _phone(world: World, profile: str = CURRENT) -> SimulatedApp:
    return world.device("android", profile=profile)


def _sdk(app: SimulatedApp) -> AndroidMessenger:
    assert isinstance(app.sdk, AndroidMessenger)
    return app.sdk


def _login(
    world: World, app: SimulatedApp, user: RegisteredUser, *, email: bool = True
) -> Pending:
    """Sign and log the user in, as the backend would have the app do."""
    sdk = _sdk(app)
    sdk.setUserHash(world.backend.user_hash("android", user))
    return sdk.loginIdentifiedUser(
        userId=user.user_id, email=user.email if email else None
    )


def _contact_of(world: World, app: SimulatedApp) -> Contact:
    contact_id = (app.sdk.current or {}).get("contact_id")
    assert contact_id, f"the SDK on {app.device_id} holds no contact"
    return world.workspace.state.contacts[contact_id]


def _user(world: World, user: RegisteredUser) -> Contact | None:
    found = world.workspace.state.users_with_external_id(user.user_id)
    assert len(found) <= 1, f"{len(found)} users with external_id {user.user_id}"
    return found[0] if found else None


def _http(world: World) -> list[tuple[str, str]]:
    return [(r.data["method"], r.data["path"]) for r in world.trace.of_kind("http")]


def _http_count(world: World) -> int:
    return sum(1 for _ in world.trace.of_kind("http"))


def _live_contacts(world: World) -> list[Contact]:
    return world.workspace.state.live_contacts()


# -- unidentified users ------------------------------------------------------------


@pytest.mark.parametrize("profile", BOTH)
def test_unidentified_login_creates_a_user_contact_without_external_id_or_email(
    world, profile
):
    app = _phone(world, profile)
    _ok(world, _sdk(app).loginUnidentifiedUser())

    current = app.sdk.current
    assert current is not None and current["kind"] == "unidentified"
    contact = _contact_of(world, app)
    assert contact.role == "user"
    assert contact.external_id is None
    assert contact.email is None
    assert contact.anonymous_ids == [current["anonymous_id"]]
    assert [c.id for c in _live_contacts(world)] == [contact.id]


def test_identified_login_after_unidentified_upgrades_the_anonymous_contact_in_place(
    world,
):
    ann = world.backend.register("ann")
    app = _phone(world)
    sdk = _sdk(app)
    _ok(world, sdk.loginUnidentifiedUser())
    anonymous = _contact_of(world, app)

    _ok(world, _login(world, app, ann))

    upgraded = _contact_of(world, app)
    assert upgraded.id == anonymous.id
    assert upgraded.role == "user"
    assert upgraded.external_id == ann.user_id
    assert upgraded.email == ann.email
    assert upgraded.merged_into is None
    assert [c.id for c in _live_contacts(world)] == [anonymous.id]


def test_identified_login_of_an_existing_user_moves_the_anonymous_conversations_to_it(
    world,
):
    ann = world.backend.register("ann")
    laptop = _phone(world)
    _ok(world, _login(world, laptop, ann))
    ann_contact = _user(world, ann)
    assert ann_contact is not None

    phone = _phone(world)
    sdk = _sdk(phone)
    _ok(world, sdk.loginUnidentifiedUser())
    anonymous = _contact_of(world, phone)
    conversation = _ok(world, sdk.displayMessageComposer("where is my order?")).value
    assert conversation["contact_id"] == anonymous.id

    _ok(world, _login(world, phone, ann))

    assert _contact_of(world, phone).id == ann_contact.id
    moved = world.workspace.state.conversations[conversation["id"]]
    assert moved.contact_id == ann_contact.id
    assert anonymous.merged_into == ann_contact.id
    assert [c.id for c in _live_contacts(world)] == [ann_contact.id]


def test_logout_of_an_unidentified_user_leaves_an_orphan_contact(world):
    app = _phone(world)
    sdk = _sdk(app)
    _ok(world, sdk.loginUnidentifiedUser())
    orphan = _contact_of(world, app)

    assert sdk.logout().ok
    assert sdk.isUserLoggedIn() is False
    assert sdk.current is None
    # nothing told the workspace: the contact stays, with no one to speak for it
    assert world.workspace.state.contacts[orphan.id].merged_into is None

    _ok(world, sdk.loginUnidentifiedUser())
    fresh = _contact_of(world, app)
    assert fresh.id != orphan.id
    assert orphan.anonymous_ids and orphan.anonymous_ids[0] not in fresh.anonymous_ids
    assert {c.id for c in _live_contacts(world)} == {orphan.id, fresh.id}


def test_update_while_unidentified_drops_email_and_user_id_and_writes_the_rest(world):
    app = _phone(world)
    sdk = _sdk(app)
    _ok(world, sdk.loginUnidentifiedUser())

    result = _settled(
        world,
        sdk.updateUser(
            {
                "email": "ann@example.com",
                "user_id": "usr_ann",
                "name": "Ann",
                "custom_attributes": {"login_status": "anonymous"},
            }
        ),
    )

    assert result.ok and result.error is None
    contact = _contact_of(world, app)
    assert contact.email is None
    assert contact.external_id is None
    assert contact.name == "Ann"
    assert contact.custom_attributes["login_status"] == "anonymous"
    assert world.workspace.state.users_with_email("ann@example.com") == []
    assert world.workspace.state.users_with_external_id("usr_ann") == []


def test_duplicate_update_reports_success_without_a_network_call(world):
    ann = world.backend.register("ann")
    app = _phone(world)
    sdk = _sdk(app)
    _ok(world, _login(world, app, ann))
    _ok(world, sdk.updateUser(STATUS))
    before = _http_count(world)
    # the workspace is changed behind the SDK's back: a duplicate must not reach it
    _contact_of(world, app).custom_attributes["login_status"] = "changed elsewhere"

    again = sdk.updateUser(STATUS)

    assert again.state == "done"
    assert again.result == SdkResult.success({"duplicate": True})
    world.network.settle()
    assert _http_count(world) == before
    assert _contact_of(world, app).custom_attributes["login_status"] == (
        "changed elsewhere"
    )


# -- login is asynchronous -----------------------------------------------------------


def test_update_issued_before_a_switch_completed_lands_on_the_previous_user(world):
    ann = world.backend.register("ann")
    bob = world.backend.register("bob")
    app = _phone(world, CURRENT)
    sdk = _sdk(app)
    _ok(world, _login(world, app, ann))

    switch = _login(world, app, bob)
    update = sdk.updateUser(STATUS)  # issued with no delivery in between
    assert switch.state == "in_flight" and update.state == "in_flight"
    world.network.deliver_until(update)

    assert switch.result is not None and switch.result.ok
    assert update.result is not None and update.result.ok, update.result
    assert sdk.current is not None and sdk.current["user_id"] == bob.user_id
    ann_contact, bob_contact = _user(world, ann), _user(world, bob)
    assert ann_contact is not None and bob_contact is not None
    assert ann_contact.custom_attributes.get("login_status") == "logged_in"
    assert "login_status" not in bob_contact.custom_attributes


def test_update_issued_before_the_first_login_completed_is_lost(world):
    ann = world.backend.register("ann")
    app = _phone(world)
    sdk = _sdk(app)

    login = _login(world, app, ann)
    update = sdk.updateUser(STATUS)

    # reported as a success, yet dropped: no user was registered to send it for
    assert update.state == "done" and update.result is not None and update.result.ok
    assert _ok(world, login).ok
    assert _http(world) == [("POST", "/messenger/v1/users/identified")]
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    assert "login_status" not in ann_contact.custom_attributes


# -- the current generation ------------------------------------------------------------


def test_current_android_login_of_another_user_switches_identity(world):
    ann = world.backend.register("ann")
    bob = world.backend.register("bob")
    app = _phone(world, CURRENT)
    sdk = _sdk(app)
    _ok(world, _login(world, app, ann))
    ann_contact = _contact_of(world, app)

    _ok(world, _login(world, app, bob))

    assert sdk.current is not None
    assert (sdk.current["user_id"], sdk.current["email"]) == (bob.user_id, bob.email)
    bob_contact = _contact_of(world, app)
    assert bob_contact.id != ann_contact.id
    assert (bob_contact.external_id, bob_contact.email) == (bob.user_id, bob.email)
    assert (ann_contact.external_id, ann_contact.email) == (ann.user_id, ann.email)
    assert ann_contact.merged_into is None
    assert sdk.fetchLoggedInUserAttributes()["user_id"] == bob.user_id


def test_current_android_switch_keeps_the_old_email_when_the_new_login_gives_none(
    world,
):
    ann = world.backend.register("ann")
    bob = world.backend.register("bob")
    app = _phone(world, CURRENT)
    sdk = _sdk(app)
    _ok(world, _login(world, app, ann))

    _ok(world, _login(world, app, bob, email=False))

    assert sdk.current is not None
    assert (sdk.current["user_id"], sdk.current["email"]) == (bob.user_id, ann.email)
    bob_contact = _user(world, bob)
    assert bob_contact is not None
    # Ann's address now sits on Bob's contact too
    assert bob_contact.email == ann.email
    ann_contact = _user(world, ann)
    assert ann_contact is not None and ann_contact.email == ann.email
    assert sdk.fetchLoggedInUserAttributes()["email"] == ann.email


@pytest.mark.parametrize("email", [True, False], ids=["user_id_and_email", "user_id"])
def test_current_android_same_identifiers_again_is_a_noop_without_a_network_call(
    world, email
):
    ann = world.backend.register("ann")
    app = _phone(world, CURRENT)
    sdk = _sdk(app)
    _ok(world, _login(world, app, ann))
    before_http = _http_count(world)
    before = dict(sdk.current or {})

    again = _login(world, app, ann, email=email)

    assert again.state == "done"
    assert again.result == SdkResult.success()
    world.network.settle()
    assert _http_count(world) == before_http
    assert sdk.current == before
    assert len(_live_contacts(world)) == 1


def test_current_android_unidentified_login_over_an_identified_user_fails_with_3002(
    world,
):
    ann = world.backend.register("ann")
    app = _phone(world, CURRENT)
    sdk = _sdk(app)
    _ok(world, _login(world, app, ann))
    before_http = _http_count(world)

    result = _settled(world, sdk.loginUnidentifiedUser())

    assert not result.ok and result.error is not None
    assert result.error.code == "3002"
    assert sdk.current is not None and sdk.current["user_id"] == ann.user_id
    assert _http_count(world) == before_http
    assert len(_live_contacts(world)) == 1


# -- the legacy generation ------------------------------------------------------------


def test_legacy_android_second_identified_login_fails_with_3002(world):
    ann = world.backend.register("ann")
    bob = world.backend.register("bob")
    app = _phone(world, LEGACY)
    sdk = _sdk(app)
    _ok(world, _login(world, app, ann))

    result = _settled(world, _login(world, app, bob))

    assert not result.ok and result.error is not None
    assert result.error.code == "3002"
    assert sdk.current is not None and sdk.current["user_id"] == ann.user_id
    assert _user(world, bob) is None
    assert [c.external_id for c in _live_contacts(world)] == [ann.user_id]


def test_legacy_android_same_identifiers_again_fails_with_3002(world):
    ann = world.backend.register("ann")
    app = _phone(world, LEGACY)
    sdk = _sdk(app)
    _ok(world, _login(world, app, ann))
    before_http = _http_count(world)

    result = _settled(world, _login(world, app, ann))

    assert not result.ok and result.error is not None
    assert result.error.code == "3002"
    assert _http_count(world) == before_http
    assert sdk.current is not None and sdk.current["user_id"] == ann.user_id


def test_legacy_android_unidentified_login_over_an_identified_user_never_calls_back(
    world,
):
    ann = world.backend.register("ann")
    app = _phone(world, LEGACY)
    sdk = _sdk(app)
    _ok(world, _login(world, app, ann))
    before_http = _http_count(world)

    pending = sdk.loginUnidentifiedUser()
    world.network.settle()
    world.advance(3600)

    assert pending.state == "never"
    assert pending.result is None
    assert _http_count(world) == before_http
    assert sdk.current is not None and sdk.current["user_id"] == ann.user_id
    assert [c.external_id for c in _live_contacts(world)] == [ann.user_id]


def test_legacy_android_app_awaiting_an_unidentified_login_over_a_user_stalls(world):
    ann = world.backend.register("ann")
    app = world.device("android", integration="recommended", profile=LEGACY)
    world.act(app, app.login, ann)
    # a logout without the SDK reset: the steps go on to an unidentified login
    outcome = world.act(app, lambda: app.logout(reset=False))

    assert outcome.stalled
    assert ("login_unidentified", None) in outcome.results
    # the SDK still speaks for Ann, and the anonymous status update never ran
    assert app.sdk.current is not None and app.sdk.current["user_id"] == ann.user_id
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    assert ann_contact.custom_attributes["login_status"] == "logged_out"
    assert [c.external_id for c in _live_contacts(world)] == [ann.user_id]


def test_legacy_android_other_login_with_attributes_lands_on_the_current_user(world):
    ann = world.backend.register("ann")
    bob = world.backend.register("bob")
    app = _phone(world, LEGACY)
    sdk = _sdk(app)
    _ok(world, _login(world, app, ann))

    sdk.setUserHash(world.backend.user_hash("android", bob))
    result = _settled(
        world,
        sdk.loginIdentifiedUser(
            userId=bob.user_id,
            email=bob.email,
            userAttributes={"custom_attributes": {"tier": "gold"}},
        ),
    )

    assert result == SdkResult.success()
    assert sdk.current is not None and sdk.current["user_id"] == ann.user_id
    assert _user(world, bob) is None
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    assert ann_contact.custom_attributes.get("tier") == "gold"


# -- logout is a soft reset -------------------------------------------------------


@pytest.mark.parametrize("profile", BOTH)
def test_logout_keeps_the_push_token_on_the_old_contact_until_the_hard_reset(
    world, profile
):
    ann = world.backend.register("ann")
    app = world.device("android", integration="recommended", profile=profile)
    world.act(app, app.login, ann)
    assert world.act(app, app.register_push_token, "tok-ann").last == (
        SdkResult.success()
    )
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    assert world.workspace.state.push_tokens["tok-ann"] == ann_contact.id

    world.act(app, app.logout)
    assert app.sdk.current is not None and app.sdk.current["kind"] == "unidentified"
    assert world.workspace.state.push_tokens.get("tok-ann") == ann_contact.id
    world.advance(app.profile.soft_reset_seconds - 1)
    assert world.workspace.state.push_tokens.get("tok-ann") == ann_contact.id
    assert "tok-ann" in ann_contact.push_tokens

    world.advance(1)

    assert "tok-ann" not in world.workspace.state.push_tokens
    assert "tok-ann" not in ann_contact.push_tokens
    assert ("DELETE", "/messenger/v1/push_tokens/tok-ann") in _http(world)


def test_kill_inside_the_soft_reset_window_means_the_push_token_is_never_removed(world):
    ann = world.backend.register("ann")
    app = world.device("android", integration="recommended", profile=CURRENT)
    world.act(app, app.login, ann)
    world.act(app, app.register_push_token, "tok-ann")
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    world.act(app, app.logout)
    world.advance(app.profile.soft_reset_seconds / 2)

    world.act(app, app.kill_and_relaunch)
    world.advance(app.profile.soft_reset_seconds * 10)

    assert world.workspace.state.push_tokens.get("tok-ann") == ann_contact.id
    assert "tok-ann" in ann_contact.push_tokens
    assert not [m for m, _ in _http(world) if m == "DELETE"]


# -- error codes ------------------------------------------------------------------


@pytest.mark.parametrize("profile", BOTH)
@pytest.mark.parametrize("blank", [None, ""], ids=["none", "empty"])
def test_login_with_neither_user_id_nor_email_fails_with_1007(world, profile, blank):
    app = _phone(world, profile)
    sdk = _sdk(app)

    pending = sdk.loginIdentifiedUser(userId=blank, email=blank)

    assert pending.state == "done" and pending.result is not None
    assert not pending.result.ok and pending.result.error is not None
    assert pending.result.error.code == "1007"
    world.network.settle()
    assert _http(world) == []
    assert sdk.current is None
    assert _live_contacts(world) == []


@pytest.mark.parametrize("user_hash", ["0" * 64, None], ids=["wrong", "missing"])
def test_login_with_a_wrong_or_missing_hash_fails_with_1001_hmac_mismatch(
    world, user_hash
):
    ann = world.backend.register("ann")
    app = _phone(world)
    sdk = _sdk(app)
    if user_hash is not None:
        sdk.setUserHash(user_hash)

    result = _settled(world, sdk.loginIdentifiedUser(userId=ann.user_id))

    assert not result.ok and result.error is not None
    assert result.error.code == "1001"
    assert result.error.server_code == "hmac_mismatch"
    assert sdk.current is None
    assert _user(world, ann) is None
    assert _live_contacts(world) == []


def test_request_past_the_workspace_rate_limit_fails_with_1005(request):
    config = load_workspace_config().model_copy(
        update={"rate_limit": RateLimitConfig(app_per_minute=6, workspace_per_minute=6)}
    )
    seed = zlib.crc32(request.node.nodeid.encode())
    with World(seed=seed, workspace_config=config) as world:
        ann = world.backend.register("ann")
        app = _phone(world)
        sdk = _sdk(app)
        # a sixth of the per-minute limit per 10-second window: one request
        _ok(world, sdk.loginUnidentifiedUser())

        result = _settled(world, _login(world, app, ann))

        assert not result.ok and result.error is not None
        assert result.error.code == "1005"
        assert result.error.server_code == "rate_limit_exceeded"
        assert sdk.current is not None and sdk.current["kind"] == "unidentified"
        assert _user(world, ann) is None

        world.advance(10)  # the next window
        _ok(world, _login(world, app, ann))
        assert _user(world, ann) is not None


# -- reading the user back --------------------------------------------------------


@pytest.mark.parametrize("profile", BOTH)
def test_fetch_attributes_of_an_unidentified_user_gives_the_anonymous_id_as_user_id(
    world, profile
):
    app = _phone(world, profile)
    sdk = _sdk(app)
    _ok(world, sdk.loginUnidentifiedUser())

    attributes = sdk.fetchLoggedInUserAttributes()

    anonymous_id = _contact_of(world, app).anonymous_ids[0]
    assert attributes["user_id"] == anonymous_id
    assert attributes["email"] is None
    assert sdk.isUserLoggedIn() is True


# -- what survives the app's process --------------------------------------------------


def _logged_in_with_caches(world: World) -> tuple[SimulatedApp, RegisteredUser]:
    ann = world.backend.register("ann")
    app = world.device("android", integration="recommended", profile=CURRENT)
    world.act(app, app.open)
    world.act(app, app.login, ann)
    world.act(app, app.start_conversation, "my card was charged twice")
    world.act(app, app.present_messenger)
    assert app.sdk.state["conversations"], "the Messenger cached no conversations"
    assert app.sdk.state["attributes"].get("login_status") == "logged_in"
    return app, ann


def test_identity_hash_and_caches_survive_kill_and_relaunch(world):
    app, ann = _logged_in_with_caches(world)
    before = {
        name: app.sdk.state[name]
        for name in ("current", "user_hash", "attributes", "conversations")
    }
    old_sdk = app.sdk
    before_http = _http_count(world)

    world.act(app, app.kill_and_relaunch)

    assert app.sdk is not old_sdk
    after = {name: app.sdk.state[name] for name in before}
    assert after == before
    assert _http_count(world) == before_http
    # the kept hash still signs the kept identity's calls
    result = _settled(
        world, _sdk(app).updateUser({"custom_attributes": {"tier": "relaunched"}})
    )
    assert result.ok, result
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    assert ann_contact.custom_attributes["tier"] == "relaunched"


@pytest.mark.parametrize("event", ["clear_app_data", "reinstall"])
def test_clear_app_data_and_reinstall_remove_identity_hash_and_caches(world, event):
    app, ann = _logged_in_with_caches(world)
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    old_anonymous_ids = list(ann_contact.anonymous_ids)
    assert old_anonymous_ids

    world.act(app, getattr(app, event))

    state = app.sdk.state
    assert state["user_hash"] is None
    assert state["conversations"] == []
    assert "tier" not in state["attributes"]
    # the relaunched app opens logged out and makes an unidentified login
    current = app.sdk.current
    assert current is not None and current["kind"] == "unidentified"
    assert current["anonymous_id"] not in old_anonymous_ids
    contact = _contact_of(world, app)
    assert contact.id != ann_contact.id
    assert contact.external_id is None and contact.email is None
    assert ann_contact.custom_attributes["login_status"] == "logged_in"


def test_request_in_flight_when_the_app_is_killed_never_reaches_the_workspace(world):
    ann = world.backend.register("ann")
    app = world.device("android", integration="recommended", profile=CURRENT)
    world.act(app, app.login, ann)
    before_http = _http_count(world)

    update = _sdk(app).updateUser({"custom_attributes": {"tier": "lost"}})
    assert update.state == "in_flight"
    world.act(app, app.kill_and_relaunch)

    assert update.state == "in_flight" and update.result is None
    assert _http_count(world) == before_http
    assert world.network.in_flight == 0
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    assert ann_contact.custom_attributes.get("tier") != "lost"


# -- the network --------------------------------------------------------------


def test_requests_while_the_network_is_down_fail_and_never_reach_the_workspace(world):
    ann = world.backend.register("ann")
    app = _phone(world)
    sdk = _sdk(app)
    world.network_down()

    unidentified = _settled(world, sdk.loginUnidentifiedUser())
    identified = _settled(world, _login(world, app, ann))

    for result in (unidentified, identified):
        assert not result.ok and result.error is not None
        assert result.error.code == "network"
    assert sdk.current is None
    assert _live_contacts(world) == []
    assert world.workspace.state.anonymous == {}
    statuses = [r.data["status"] for r in world.trace.of_kind("http")]
    assert statuses == [None, None]


def test_requests_work_again_once_the_network_is_restored(world):
    ann = world.backend.register("ann")
    app = _phone(world)
    sdk = _sdk(app)
    _ok(world, _login(world, app, ann))
    world.network_down()
    lost = _settled(world, sdk.updateUser(STATUS))
    assert not lost.ok and lost.error is not None and lost.error.code == "network"
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    assert "login_status" not in ann_contact.custom_attributes

    world.network_up()
    result = _settled(world, sdk.updateUser(STATUS))

    assert result.ok, result
    assert ann_contact.custom_attributes["login_status"] == "logged_in"
