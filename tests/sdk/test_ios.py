"""The simulated iOS Messenger SDK (`ios-current`), call by call, against the workspace.

Each test pins one behaviour: what the SDK answered (its own error codes and the
server's message), and what the workspace holds afterwards, read from the workspace's
records rather than from the SDK's view of them.
"""

from __future__ import annotations

import zlib
from typing import Any

import pytest

from simulator.app import SimulatedApp
from simulator.backend import RegisteredUser
from simulator.config import IdentityVerificationConfig, load_workspace_config
from simulator.integrations import load_integration
from simulator.sdk.ios import IOSMessenger
from simulator.sdk.network import Pending
from simulator.workspace.state import Contact
from simulator.world import World
from tests.sdk.helpers import answer as _answer
from tests.sdk.helpers import ok as _ok

STATUS = {"custom_attributes": {"login_status_text": "written by the test"}}

# -- helpers ---------------------------------------------------------------------


def _sdk(app: SimulatedApp) -> IOSMessenger:
    assert isinstance(app.sdk, IOSMessenger)
    return app.sdk


def _sign_and_login(world: World, app: SimulatedApp, user: RegisteredUser) -> Pending:
    sdk = _sdk(app)
    sdk.setUserHash(world.backend.user_hash("ios", user))
    return sdk.loginUser(userId=user.user_id, email=user.email)


def _user(world: World, user: RegisteredUser) -> Contact | None:
    found = world.workspace.state.users_with_external_id(user.user_id)
    assert len(found) <= 1, f"{len(found)} users with external_id {user.user_id}"
    return found[0] if found else None


def _held(world: World, app: SimulatedApp) -> Contact:
    """The workspace's contact for the identity the SDK holds."""
    contact_id = (app.sdk.current or {}).get("contact_id")
    assert contact_id, f"the SDK on {app.device_id} holds no contact"
    return world.workspace.state.contacts[contact_id]


def _http_count(world: World) -> int:
    return sum(1 for _ in world.trace.of_kind("http"))


def _notes(world: World) -> list[str]:
    return [r.data["text"] for r in world.trace.of_kind("note")]


def _jwt_world(request: pytest.FixtureRequest) -> World:
    """A world whose workspace enforces JWTs; seeded like the `world` fixture."""
    config = load_workspace_config().model_copy(
        update={
            "identity_verification": IdentityVerificationConfig(
                mode="enforced", method="jwt"
            )
        }
    )
    world = World(
        seed=zlib.crc32(request.node.nodeid.encode()), workspace_config=config
    )
    # conftest names this world's seed in the report when the test fails
    request.node._harness_world = world
    return world


def _logged_in_with_caches(world: World) -> tuple[SimulatedApp, RegisteredUser]:
    """Ann logged in through the careful app, with a conversation and its cache."""
    ann = world.backend.register("ann", tier="gold")
    app = world.device("ios")
    world.act(app, app.open)
    world.act(app, app.login, ann)
    world.act(app, app.start_conversation, "Where is my order?")
    world.act(app, app.present_messenger)
    state = app.sdk.state
    assert state["conversations"], "presenting the Messenger caches the conversations"
    assert state["attributes"].get("tier") == "gold"
    assert state["user_hash"]
    return app, ann


# -- unidentified users ------------------------------------------------------------


def test_unidentified_login_creates_a_user_contact_with_no_external_id_or_email(world):
    app = world.device("ios")
    sdk = _sdk(app)

    result = _ok(world, sdk.loginUnidentifiedUser())

    assert result.ok and sdk.isUserLoggedIn()
    current = sdk.current
    assert current is not None and current["kind"] == "unidentified"
    contact = _held(world, app)
    assert contact.role == "user"
    assert contact.external_id is None and contact.email is None
    assert contact.anonymous_ids == [current["anonymous_id"]]
    # the REST API shows the same: a user, without ids
    shown = world.contact(contact.id)
    assert shown is not None and shown["role"] == "user"
    assert shown["external_id"] is None and not shown["email"]


def test_fetching_attributes_of_an_unidentified_user_gives_nil_user_id_and_email(world):
    app = world.device("ios")
    world.act(app, app.open)
    assert _held(world, app).anonymous_ids, "the device has an anonymous id"

    attributes = _sdk(app).fetchLoggedInUserAttributes()

    assert attributes["user_id"] is None
    assert attributes["email"] is None


# -- identified users and identity verification ------------------------------------


def test_identified_login_with_a_valid_hash_registers_the_user(world):
    ann = world.backend.register("ann")
    app = world.device("ios")

    result = _ok(world, _sign_and_login(world, app, ann))

    assert result.ok
    contact = _user(world, ann)
    assert contact is not None
    assert contact.role == "user" and contact.email == ann.email
    assert _held(world, app).id == contact.id
    attributes = _sdk(app).fetchLoggedInUserAttributes()
    assert attributes["user_id"] == ann.user_id and attributes["email"] == ann.email


@pytest.mark.parametrize(
    ("hash_of", "message"),
    [
        (None, "No user hash was supplied"),
        ("wrong", "The user hash does not match the user"),
        ("android", "The user hash does not match the user"),
    ],
    ids=["missing", "wrong", "another-platforms"],
)
def test_login_without_a_valid_hash_fails_with_401_and_the_server_message(
    world, hash_of, message
):
    ann = world.backend.register("ann")
    app = world.device("ios")
    sdk = _sdk(app)
    if hash_of == "wrong":
        sdk.setUserHash("0" * 64)
    elif hash_of == "android":
        sdk.setUserHash(world.backend.user_hash("android", ann))

    result = _answer(world, sdk.loginUser(userId=ann.user_id, email=ann.email))

    assert not result.ok and result.error is not None
    assert result.error.code == "401"
    assert result.error.message == message
    assert result.error.server_code == "hmac_mismatch"
    assert not sdk.isUserLoggedIn()
    assert _user(world, ann) is None
    assert world.workspace.state.contacts == {}


def test_jwt_login_with_a_valid_jwt_registers_the_user(request):
    with _jwt_world(request) as world:
        ann = world.backend.register("ann")
        app = world.device("ios")
        sdk = _sdk(app)
        sdk.setUserJwt(world.backend.user_jwt("ios", ann))

        _ok(world, sdk.loginUser(userId=ann.user_id, email=ann.email))

        contact = _user(world, ann)
        assert contact is not None and _held(world, app).id == contact.id


def test_jwt_login_without_a_jwt_fails_with_400(request):
    with _jwt_world(request) as world:
        ann = world.backend.register("ann")
        app = world.device("ios")
        sdk = _sdk(app)
        # a hash is no signature where the workspace verifies JWTs
        sdk.setUserHash(world.backend.user_hash("ios", ann))

        result = _answer(world, sdk.loginUser(userId=ann.user_id, email=ann.email))

        assert not result.ok and result.error is not None
        assert result.error.code == "400"
        assert result.error.message == "No JWT was supplied"
        assert result.error.server_code == "invalid_jwt"
        assert _user(world, ann) is None


def test_jwt_login_with_an_expired_jwt_fails_with_400(request):
    with _jwt_world(request) as world:
        ann = world.backend.register("ann")
        app = world.device("ios")
        sdk = _sdk(app)
        sdk.setUserJwt(world.backend.user_jwt("ios", ann, lifetime=60))
        world.advance(61)

        result = _answer(world, sdk.loginUser(userId=ann.user_id, email=ann.email))

        assert not result.ok and result.error is not None
        assert result.error.code == "400"
        assert result.error.message == "The JWT has expired"
        assert result.error.server_code == "invalid_jwt"
        assert not sdk.isUserLoggedIn()
        assert _user(world, ann) is None


# -- calls the SDK refuses itself ---------------------------------------------------


@pytest.mark.parametrize(
    "identifiers",
    [{"userId": 123}, {"email": 123}, {"userId": 123, "email": "a@example.com"}, {}],
    ids=["int-user-id", "int-email", "int-user-id-with-email", "neither"],
)
def test_login_without_a_string_user_id_or_email_fails_with_2001(world, identifiers):
    app = world.device("ios")
    sdk = _sdk(app)
    sdk.setUserHash("0" * 64)

    pending = sdk.loginUser(**identifiers)

    # refused on the device: answered at once, nothing sent, nobody registered
    assert pending.state == "done" and pending.result is not None
    assert not pending.result.ok and pending.result.error is not None
    assert pending.result.error.code == "2001"
    world.network.settle()
    assert _http_count(world) == 0
    assert world.workspace.state.contacts == {}
    assert not sdk.isUserLoggedIn()


@pytest.mark.parametrize(
    "attributes", ["logged_in", ["login_status"], None, 42], ids=repr
)
def test_update_with_something_other_than_a_dict_fails_with_3001(world, attributes):
    ann = world.backend.register("ann")
    app = world.device("ios")
    _ok(world, _sign_and_login(world, app, ann))
    before = dict(_held(world, app).custom_attributes)
    sent = _http_count(world)

    pending = _sdk(app).updateUser(attributes)

    assert pending.result is not None and pending.result.error is not None
    assert pending.result.error.code == "3001"
    world.network.settle()
    assert _http_count(world) == sent
    assert _held(world, app).custom_attributes == before


# -- push tokens ---------------------------------------------------------------------


@pytest.mark.parametrize("login", ["identified", "unidentified"])
def test_device_token_set_before_any_user_is_kept_and_sent_after_login(world, login):
    ann = world.backend.register("ann")
    app = world.device("ios")
    sdk = _sdk(app)

    result = _ok(world, sdk.setDeviceToken("apns-token-1"))

    assert result.ok
    assert _http_count(world) == 0, "no user yet: nothing to send the token for"
    assert sdk.state["push_token"] == "apns-token-1"
    assert world.workspace.state.push_tokens == {}

    if login == "identified":
        _ok(world, _sign_and_login(world, app, ann))
    else:
        _ok(world, sdk.loginUnidentifiedUser())

    contact = _held(world, app)
    assert world.workspace.state.push_tokens == {"apns-token-1": contact.id}
    assert contact.push_tokens == ["apns-token-1"]
    assert sdk.state["push_registered"] is True


def test_empty_device_token_fails_with_4002(world):
    ann = world.backend.register("ann")
    app = world.device("ios")
    _ok(world, _sign_and_login(world, app, ann))
    sent = _http_count(world)

    pending = _sdk(app).setDeviceToken("")

    assert pending.result is not None and pending.result.error is not None
    assert pending.result.error.code == "4002"
    world.network.settle()
    assert _http_count(world) == sent
    assert _sdk(app).state["push_token"] is None
    assert world.workspace.state.push_tokens == {}


# -- logout ----------------------------------------------------------------------------


def test_logout_removes_the_push_token_at_once_and_clears_identity_and_caches(world):
    app, ann = _logged_in_with_caches(world)
    sdk = _sdk(app)
    _ok(world, sdk.setDeviceToken("apns-token-1"))
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    assert world.workspace.state.push_tokens == {"apns-token-1": ann_contact.id}

    result = sdk.logout()

    assert result.ok
    # a hard reset: everything goes now, not at a later hard reset
    state = sdk.state
    assert state["current"] is None and not sdk.isUserLoggedIn()
    assert state["user_hash"] is None and state["jwt"] is None
    assert state["attributes"] == {} and state["conversations"] == []
    assert state["push_token"] is None
    assert sdk.fetchLoggedInUserAttributes() == {}
    assert world.network.in_flight == 1, "the token's removal is sent at once"
    world.network.settle()  # no time passes
    assert "apns-token-1" not in world.workspace.state.push_tokens
    assert ann_contact.push_tokens == []


def test_app_logout_leaves_the_workspace_without_the_push_token_and_the_app_anonymous(
    world,
):
    app, ann = _logged_in_with_caches(world)
    world.act(app, app.register_push_token, "apns-token-1")
    ann_contact = _user(world, ann)
    assert ann_contact is not None and ann_contact.push_tokens == ["apns-token-1"]

    outcome = world.act(app, app.logout)

    assert not outcome.failures(), outcome.failures()
    assert world.workspace.state.push_tokens == {}
    assert ann_contact.push_tokens == []
    # the careful app wrote the logged-out status on Ann before the reset
    assert ann_contact.custom_attributes["login_status"] == "logged_out"
    # ...and is now anonymous: a new contact, none of Ann's data in the SDK or the app
    state = app.sdk.state
    assert state["user_hash"] is None and state["conversations"] == []
    assert "tier" not in state["attributes"]
    assert app.cache == {}
    fresh = _held(world, app)
    assert fresh.id != ann_contact.id
    assert fresh.external_id is None and fresh.email is None


# -- login is asynchronous ---------------------------------------------------------


def test_update_issued_before_a_login_completed_lands_on_the_previous_identity(world):
    ann = world.backend.register("ann")
    bob = world.backend.register("bob")
    app = world.device("ios")
    sdk = _sdk(app)
    _ok(world, _sign_and_login(world, app, ann))

    login = _sign_and_login(world, app, bob)
    update = sdk.updateUser(STATUS)  # issued while Bob's login is still in flight
    assert login.state == "in_flight" and update.state == "in_flight"

    assert _ok(world, login).ok and _ok(world, update).ok
    assert sdk.current is not None and sdk.current["user_id"] == bob.user_id
    ann_contact, bob_contact = _user(world, ann), _user(world, bob)
    assert ann_contact is not None and bob_contact is not None
    assert ann_contact.custom_attributes["login_status_text"] == "written by the test"
    assert "login_status_text" not in bob_contact.custom_attributes


def test_switch_without_awaiting_writes_the_new_users_status_onto_the_previous_user(
    world,
):
    ann = world.backend.register("ann")
    bob = world.backend.register("bob")
    integration = load_integration("switch-without-logout").model_copy(
        update={"awaits_completion": False}
    )
    app = world.device("ios", integration=integration)
    world.act(app, app.login, ann)

    outcome = world.act(app, app.switch_to, bob)

    assert not outcome.failures(), outcome.failures()
    ann_contact, bob_contact = _user(world, ann), _user(world, bob)
    assert ann_contact is not None and bob_contact is not None
    # Bob's status update was issued with Ann's identity, before Bob's login answered
    assert ann_contact.custom_attributes["user_id"] == bob.user_id
    assert ann_contact.custom_attributes["login_status_text"] == (
        f"Logged in as {bob.name}"
    )
    assert "login_status" not in bob_contact.custom_attributes
    assert _held(world, app).id == bob_contact.id


def test_unidentified_login_while_identified_keeps_the_user(world):
    ann = world.backend.register("ann")
    app = world.device("ios")
    sdk = _sdk(app)
    _ok(world, _sign_and_login(world, app, ann))
    contacts = dict(world.workspace.state.contacts)
    sent = _http_count(world)

    pending = sdk.loginUnidentifiedUser()

    assert pending.state == "done" and pending.result is not None
    assert pending.result.ok
    world.network.settle()
    assert _http_count(world) == sent
    assert sdk.current is not None and sdk.current["kind"] == "identified"
    assert sdk.current["user_id"] == ann.user_id
    assert world.workspace.state.contacts == contacts
    assert any("identified user stays" in text for text in _notes(world))


# -- what survives on the device -------------------------------------------------------


def test_identity_hash_and_caches_survive_kill_and_relaunch(world):
    app, ann = _logged_in_with_caches(world)
    old_sdk = app.sdk
    kept: dict[str, Any] = {
        name: old_sdk.state[name]
        for name in ("current", "user_hash", "attributes", "conversations")
    }
    cache = app.cache

    world.act(app, app.kill_and_relaunch)

    sdk = _sdk(app)
    assert sdk is not old_sdk, "a relaunch builds a new SDK from storage"
    for name, value in kept.items():
        assert sdk.state[name] == value, name
    assert app.cache == cache and cache == {"profile_of": "ann"}
    # the kept hash still signs: an update from the relaunched app reaches Ann
    _ok(world, sdk.updateUser({"custom_attributes": {"tier": "relaunched"}}))
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    assert ann_contact.custom_attributes["tier"] == "relaunched"


def test_reinstall_removes_identity_hash_and_caches_and_notes_it_is_undocumented(world):
    app, ann = _logged_in_with_caches(world)
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    ann_anonymous_ids = list(ann_contact.anonymous_ids)
    assert ann_anonymous_ids

    world.act(app, app.reinstall)

    state = app.sdk.state
    assert state["user_hash"] is None
    assert state["conversations"] == []
    assert "tier" not in state["attributes"]
    assert app.cache == {} and app.session is None
    # the reinstalled app opens logged out, as a new anonymous person
    current = app.sdk.current
    assert current is not None and current["kind"] == "unidentified"
    assert current["anonymous_id"] not in ann_anonymous_ids
    fresh = _held(world, app)
    assert fresh.id != ann_contact.id
    assert fresh.external_id is None and fresh.email is None
    reinstalled = next(
        r for r in world.trace.of_kind("app_event") if r.data["event"] == "reinstall"
    )
    assert any(
        r.kind == "note"
        and r.seq > reinstalled.seq
        and "iOS reinstall" in r.data["text"]
        and "undocumented" in r.data["text"]
        for r in world.trace.records
    )
