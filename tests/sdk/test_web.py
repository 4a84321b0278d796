"""The simulated web Messenger (`boot`, `update`, `shutdown`) and its three cookies.

Each test pins one behaviour: what the Messenger answered, what its cookies hold as the
simulated clock moves, and what the workspace holds afterwards, read from the
workspace's records rather than from the Messenger's view of them.
"""

from __future__ import annotations

from typing import Any

import pytest

from simulator.app import SimulatedApp
from simulator.backend import RegisteredUser
from simulator.sdk.web import WebMessenger
from simulator.workspace.state import Contact
from simulator.world import World
from tests.sdk.helpers import answer as _answer
from tests.sdk.helpers import ok as _ok

DAY = 86_400.0
APP_ID = "hx7demo1"  # the default workspace's app_id, which names the cookies
ANONYMOUS = f"intercom-id-{APP_ID}"
SESSION = f"intercom-session-{APP_ID}"
DEVICE = f"intercom-device-id-{APP_ID}"

# -- helpers ---------------------------------------------------------------------


def _sdk(app: SimulatedApp) -> WebMessenger:
    assert isinstance(app.sdk, WebMessenger)
    return app.sdk


def _signed(world: World, user: RegisteredUser) -> dict[str, Any]:
    """boot's settings for the user, signed as the page's backend would sign them."""
    return {
        "user_id": user.user_id,
        "email": user.email,
        "user_hash": world.backend.user_hash("web", user),
    }


def _user(world: World, user: RegisteredUser) -> Contact | None:
    found = world.workspace.state.users_with_external_id(user.user_id)
    assert len(found) <= 1, f"{len(found)} users with external_id {user.user_id}"
    return found[0] if found else None


def _conversation_ids(world: World, contact: Contact) -> list[str]:
    return [
        c.id
        for c in world.workspace.state.conversations.values()
        if c.contact_id == contact.id
    ]


def _shown(world: World, app: SimulatedApp) -> list[str]:
    """The conversations the Messenger shows when the page opens it."""
    result = _ok(world, _sdk(app).show())
    return [c["id"] for c in result.value]


def _http_count(world: World) -> int:
    return sum(1 for _ in world.trace.of_kind("http"))


def _with_conversation(world: World, app: SimulatedApp, user: RegisteredUser) -> str:
    """The user logged in through the page, with one conversation; its id."""
    world.act(app, app.login, user)
    world.act(app, app.start_conversation, "Is my order on its way?")
    contact = _user(world, user)
    assert contact is not None
    [conversation] = _conversation_ids(world, contact)
    return conversation


# -- visitors, leads and users -------------------------------------------------------


def test_boot_without_a_user_is_a_visitor_with_no_contact(world):
    app = world.device("web")

    outcome = world.act(app, app.open)

    assert not outcome.failures(), outcome.failures()
    sdk = _sdk(app)
    assert sdk.booted
    current = sdk.current
    assert current is not None and current["kind"] == "unidentified"
    assert current["contact_id"] is None
    assert world.workspace.state.contacts == {}
    assert world.contact_for(app) is None


def test_visitor_who_starts_a_conversation_becomes_a_lead(world):
    app = world.device("web")
    world.act(app, app.open)
    anonymous_id = _sdk(app).current["anonymous_id"]

    outcome = world.act(app, app.start_conversation, "Do you ship abroad?")

    assert not outcome.failures(), outcome.failures()
    [lead] = world.workspace.state.contacts.values()
    assert lead.role == "lead"
    assert lead.anonymous_ids == [anonymous_id]
    assert _sdk(app).current["contact_id"] == lead.id
    assert len(_conversation_ids(world, lead)) == 1
    assert _shown(world, app) == _conversation_ids(world, lead)


def test_boot_with_user_id_and_user_hash_registers_the_user(world):
    ann = world.backend.register("ann")
    app = world.device("web")

    outcome = world.act(app, app.login, ann)

    assert not outcome.failures(), outcome.failures()
    sdk = _sdk(app)
    assert sdk.booted
    contact = _user(world, ann)
    assert contact is not None
    assert contact.role == "user" and contact.email == ann.email
    assert sdk.current is not None and sdk.current["contact_id"] == contact.id


@pytest.mark.parametrize("user_hash", ["0" * 64, None], ids=["wrong", "missing"])
def test_boot_without_a_valid_hash_fails_with_403_and_leaves_the_messenger_unbooted(
    world, user_hash
):
    ann = world.backend.register("ann")
    app = world.device("web")
    sdk = _sdk(app)
    settings: dict[str, Any] = {"user_id": ann.user_id, "email": ann.email}
    if user_hash is not None:
        settings["user_hash"] = user_hash

    result = _answer(world, sdk.boot(settings))

    assert not result.ok and result.error is not None
    assert result.error.code == "403"
    assert result.error.server_code == "forbidden"
    assert result.error.message.startswith("Identity verification failed")
    assert not sdk.booted
    shown = sdk.show()
    assert shown.result is not None and shown.result.error is not None
    assert shown.result.error.code == "not_booted"
    assert sdk.cookies.get(SESSION) is None
    assert world.workspace.state.contacts == {}


def test_update_after_shutdown_does_nothing_and_sends_nothing(world):
    ann = world.backend.register("ann")
    app = world.device("web")
    sdk = _sdk(app)
    _ok(world, sdk.boot(_signed(world, ann)))
    contact = _user(world, ann)
    assert contact is not None
    before = dict(contact.custom_attributes)
    sdk.shutdown()
    sent = _http_count(world)

    result = _ok(world, sdk.update({"custom_attributes": {"tier": "gold"}}))

    assert result.value == {"ignored": True}
    assert _http_count(world) == sent
    assert contact.custom_attributes == before
    assert not sdk.booted


# -- cookies ---------------------------------------------------------------------------


def test_visitor_boot_sets_the_anonymous_and_device_cookies_but_no_session(world):
    app = world.device("web")

    world.act(app, app.open)

    assert _sdk(app).cookies.names() == sorted([ANONYMOUS, DEVICE])


def test_boot_sets_three_cookies_that_last_9_months_1_week_and_9_months(world):
    ann = world.backend.register("ann")
    app = world.device("web")
    cookies = _sdk(app).cookies
    _ok(world, _sdk(app).boot(_signed(world, ann)))
    assert cookies.names() == sorted([ANONYMOUS, SESSION, DEVICE])

    world.advance(7 * DAY - 1)
    assert cookies.get(SESSION) is not None
    world.advance(2)
    assert cookies.get(SESSION) is None, "the session cookie lasts one week"
    assert cookies.names() == sorted([ANONYMOUS, DEVICE])

    world.advance(270 * DAY - 7 * DAY - 2)
    assert cookies.names() == sorted([ANONYMOUS, DEVICE])
    world.advance(2)
    assert cookies.get(ANONYMOUS) is None, "the anonymous id lasts 9 months"
    assert cookies.get(DEVICE) is None, "the device id lasts 9 months"
    assert cookies.names() == []


# -- the session cookie ----------------------------------------------------------------


def test_without_shutdown_a_logged_out_page_shows_the_last_users_conversations(world):
    ann = world.backend.register("ann")
    app = world.device("web", integration="no-sdk-logout")
    conversation = _with_conversation(world, app, ann)

    world.act(app, app.logout)
    # the next page is a logged-out one: the app boots the Messenger without a user
    world.act(app, app.kill_and_relaunch)

    assert app.user is None, "the app itself knows nobody is logged in"
    current = _sdk(app).current
    assert current is not None and current["user_id"] == ann.user_id
    assert _shown(world, app) == [conversation]


def test_userless_boot_with_a_live_session_cookie_shows_the_last_users_conversations(
    world,
):
    ann = world.backend.register("ann")
    app = world.device("web")
    sdk = _sdk(app)
    _ok(world, sdk.boot(_signed(world, ann)))
    _ok(world, sdk.showNewMessage("Is my order on its way?"))

    _ok(world, sdk.boot({}))

    ann_contact = _user(world, ann)
    assert ann_contact is not None
    assert sdk.current is not None and sdk.current["contact_id"] == ann_contact.id
    assert _shown(world, app) == _conversation_ids(world, ann_contact)


def test_boot_after_shutdown_is_a_fresh_visitor_with_a_new_anonymous_id(world):
    ann = world.backend.register("ann")
    app = world.device("web")
    world.act(app, app.open)
    world.act(app, app.start_conversation, "A question before I sign up")
    world.act(app, app.login, ann)
    world.act(app, app.start_conversation, "And one after")
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    assert len(_conversation_ids(world, ann_contact)) == 2
    earlier_ids = set(ann_contact.anonymous_ids)
    assert earlier_ids

    # the careful page's logout: status update, shutdown, then a boot without a user
    outcome = world.act(app, app.logout)

    assert not outcome.failures(), outcome.failures()
    sdk = _sdk(app)
    assert sdk.booted and sdk.cookies.get(SESSION) is None
    current = sdk.current
    assert current is not None and current["kind"] == "unidentified"
    assert current["anonymous_id"] not in earlier_ids
    assert sdk.cookies.get(ANONYMOUS) == current["anonymous_id"]
    assert current["contact_id"] is None
    assert _shown(world, app) == []
    assert current["anonymous_id"] not in world.workspace.state.anonymous


def test_session_cookie_expires_a_week_after_the_last_logged_in_ping(world):
    ann = world.backend.register("ann")
    app = world.device("web", integration="no-sdk-logout")
    _with_conversation(world, app, ann)
    world.act(app, app.logout)

    world.advance(8 * DAY)
    world.act(app, app.kill_and_relaunch)

    sdk = _sdk(app)
    assert sdk.cookies.get(SESSION) is None
    current = sdk.current
    assert current is not None and current["kind"] == "unidentified"
    # a visitor again: not Ann, not able to see her conversations
    assert current["contact_id"] is None
    assert world.contact_for(app) is None
    assert _shown(world, app) == []


def test_logged_in_ping_refreshes_the_session_cookie(world):
    ann = world.backend.register("ann")
    app = world.device("web")
    sdk = _sdk(app)
    _ok(world, sdk.boot(_signed(world, ann)))
    _ok(world, sdk.showNewMessage("Is my order on its way?"))
    sent = _http_count(world)

    world.advance(5 * DAY)
    _ok(world, sdk.update())
    assert _http_count(world) == sent + 1, "the update is a ping to the workspace"
    world.advance(5 * DAY)

    assert sdk.cookies.get(SESSION) is not None
    _ok(world, sdk.boot({}))
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    assert sdk.current is not None and sdk.current["contact_id"] == ann_contact.id
    assert _shown(world, app) == _conversation_ids(world, ann_contact)


def test_update_that_changes_nothing_still_pings_and_refreshes_the_session(world):
    ann = world.backend.register("ann")
    app = world.device("web")
    sdk = _sdk(app)
    _ok(world, sdk.boot(_signed(world, ann)))
    status = {"custom_attributes": {"login_status": "logged_in"}}
    _ok(world, sdk.update(status))
    sent = _http_count(world)

    world.advance(5 * DAY)
    _ok(world, sdk.update(status))
    world.advance(5 * DAY)

    assert _http_count(world) == sent + 1
    assert sdk.cookies.get(SESSION) is not None


def test_answer_arriving_after_shutdown_does_not_bring_the_session_back(world):
    ann = world.backend.register("ann")
    # awaits nothing: the logged-out status update is still in flight at shutdown
    app = world.device("web", integration="fire-and-forget")
    world.act(app, app.login, ann)

    world.act(app, app.logout)

    sdk = _sdk(app)
    assert sdk.cookies.get(SESSION) is None
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    assert ann_contact.custom_attributes["login_status"] == "logged_out"
    # the next page load boots a visitor, not Ann
    world.act(app, app.kill_and_relaunch)
    current = _sdk(app).current
    assert current is not None and current["kind"] == "unidentified"
    assert current["contact_id"] is None


# -- leads and page loads -------------------------------------------------------------


def test_lead_is_merged_into_the_user_with_the_same_email_when_that_user_logs_in(world):
    ann = world.backend.register("ann")
    visitor = world.device("web")
    world.act(visitor, visitor.open)
    world.act(visitor, visitor.start_conversation, "Can I pay by invoice?")
    lead = world.workspace.state.contacts[_sdk(visitor).current["contact_id"]]
    assert lead.role == "lead"
    [conversation] = _conversation_ids(world, lead)
    # the Messenger's email capture, which the lead answered with Ann's address
    response = world.rest.put(f"/contacts/{lead.id}", json={"email": ann.email})
    assert response.status_code == 200, response.text

    # Ann logs in on another browser: only the email links her to the lead
    browser = world.device("web")
    outcome = world.act(browser, browser.login, ann)

    assert not outcome.failures(), outcome.failures()
    ann_contact = _user(world, ann)
    assert ann_contact is not None and ann_contact.id != lead.id
    assert lead.merged_into == ann_contact.id
    assert _conversation_ids(world, ann_contact) == [conversation]
    assert _shown(world, browser) == [conversation]


def test_page_reload_while_logged_in_boots_the_user_again(world):
    ann = world.backend.register("ann")
    app = world.device("web")
    conversation = _with_conversation(world, app, ann)
    old_sdk = _sdk(app)

    outcome = world.act(app, app.kill_and_relaunch)

    assert not outcome.failures(), outcome.failures()
    sdk = _sdk(app)
    assert sdk is not old_sdk, "a page load starts a new Messenger"
    assert sdk.booted
    ann_contact = _user(world, ann)
    assert ann_contact is not None
    assert sdk.current is not None and sdk.current["kind"] == "identified"
    assert sdk.current["contact_id"] == ann_contact.id
    boots = [
        r.data["args"]["settings"]
        for r in world.trace.of_kind("sdk_call")
        if r.data["call"] == "boot"
    ]
    assert boots[-1]["user_id"] == ann.user_id, "the page booted Ann, not a visitor"
    assert len(world.workspace.state.live_contacts()) == 1
    assert _shown(world, app) == [conversation]
