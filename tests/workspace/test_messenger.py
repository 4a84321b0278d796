"""The Messenger endpoints as the simulated SDKs call them, checked through REST."""

from __future__ import annotations

import httpx
import pytest

from simulator.workspace import Workspace
from tests.conftest import TLS

MOBILE = ["ios", "android"]
PLACEHOLDERS = ["", "null", "undefined", "0", "anonymous", " NULL "]


def _error(response: httpx.Response) -> dict:
    body = response.json()
    assert body["type"] == "error.list"
    return body["errors"][0]


def _register(
    device,
    anonymous_id: str,
    user_id: str | None = None,
    email: str | None = None,
    **body,
) -> httpx.Response:
    if user_id is None and email is None:
        return device.post("users/unidentified", anonymous_id=anonymous_id, **body)
    return device.post(
        "users/identified",
        anonymous_id=anonymous_id,
        **device.signed(user_id, email),
        **body,
    )


def _ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def _contact_count(api: httpx.Client) -> int:
    return api.get("/contacts").json()["total_count"]


# -- unidentified registration ------------------------------------------------------


@pytest.mark.parametrize("platform", MOBILE)
def test_unidentified_mobile_registration_creates_a_user_without_ids(
    messenger, api, platform
):
    device = messenger(platform)
    body = _ok(_register(device, "anon-1"))
    assert body["role"] == "user"
    assert body["contact_id"] is not None
    contact = _ok(api.get(f"/contacts/{body['contact_id']}"))
    assert contact["role"] == "user"
    assert contact["external_id"] is None
    assert contact["email"] == ""


def test_registering_the_same_anonymous_id_again_returns_the_same_contact(
    messenger, api
):
    device = messenger("ios")
    first = _ok(_register(device, "anon-1"))
    second = _ok(_register(device, "anon-1"))
    assert second["contact_id"] == first["contact_id"]
    assert _contact_count(api) == 1


def test_a_new_anonymous_id_is_a_new_contact(messenger, api):
    device = messenger("ios")
    first = _ok(_register(device, "anon-1"))
    second = _ok(_register(device, "anon-2"))
    assert second["contact_id"] != first["contact_id"]
    assert _contact_count(api) == 2


def test_unidentified_web_registration_is_a_visitor_without_a_contact(messenger, api):
    body = _ok(_register(messenger("web"), "web-anon"))
    assert body["contact_id"] is None
    assert body["role"] == "visitor"
    assert _contact_count(api) == 0


def test_a_web_visitor_who_starts_a_conversation_becomes_a_lead(messenger, api):
    web = messenger("web")
    _ok(_register(web, "web-anon"))
    started = _ok(web.post("conversations", anonymous_id="web-anon", body="Hi"))
    lead = _ok(api.get(f"/contacts/{started['contact_id']}"))
    assert lead["role"] == "lead"
    assert lead["external_id"] is None
    again = _ok(_register(web, "web-anon"))
    assert again["contact_id"] == started["contact_id"]
    assert again["role"] == "lead"


# -- identified registration ----------------------------------------------------------


@pytest.mark.parametrize("platform", MOBILE)
def test_login_on_a_fresh_anonymous_device_upgrades_the_contact_in_place(
    messenger, api, platform
):
    device = messenger(platform)
    anonymous = _ok(_register(device, "anon-1"))
    user = _ok(_register(device, "anon-1", user_id="u-1"))
    assert user["contact_id"] == anonymous["contact_id"]
    assert user["user_id"] == "u-1"
    contact = _ok(api.get(f"/contacts/{anonymous['contact_id']}"))
    assert contact["external_id"] == "u-1"
    assert contact["role"] == "user"
    assert _contact_count(api) == 1


def test_login_as_an_existing_user_merges_the_anonymous_contact_into_them(
    messenger, api, workspace: Workspace
):
    first = messenger("ios", "phone-1")
    user = _ok(_register(first, "anon-1", user_id="u-1"))
    second = messenger("android", "phone-2")
    anonymous = _ok(_register(second, "anon-2"))
    conversation = _ok(second.post("conversations", anonymous_id="anon-2", body="Hi"))
    assert conversation["contact_id"] == anonymous["contact_id"]

    logged_in = _ok(_register(second, "anon-2", user_id="u-1"))

    assert logged_in["contact_id"] == user["contact_id"]
    gone = api.get(f"/contacts/{anonymous['contact_id']}")
    assert gone.status_code == 404
    assert _error(gone)["code"] == "not_found"
    moved = workspace.state.conversations[conversation["id"]]
    assert moved.contact_id == user["contact_id"]
    assert workspace.state.anonymous["anon-2"] == user["contact_id"]
    assert _contact_count(api) == 1


def test_a_merged_anonymous_contact_answers_410_from_version_2_16(messenger, api):
    first = messenger("ios", "phone-1")
    user = _ok(_register(first, "anon-1", user_id="u-1"))
    second = messenger("ios", "phone-2")
    anonymous = _ok(_register(second, "anon-2"))
    _ok(_register(second, "anon-2", user_id="u-1"))
    gone = api.get(
        f"/contacts/{anonymous['contact_id']}", headers={"Intercom-Version": "2.16"}
    )
    assert gone.status_code == 410
    assert user["contact_id"] in gone.headers["link"]


def test_a_web_lead_with_the_users_email_is_merged_into_them_on_login(messenger, api):
    web = messenger("web", "browser-1")
    lead = _ok(web.post("conversations", anonymous_id="web-anon", body="Question"))
    _ok(
        web.post(
            "users/update",
            anonymous_id="web-anon",
            attributes={"email": "ann@example.com"},
        )
    )
    assert _ok(api.get(f"/contacts/{lead['contact_id']}"))["email"] == (
        "ann@example.com"
    )

    phone = messenger("ios", "phone-1")
    user = _ok(_register(phone, "anon-1", user_id="u-1", email="ann@example.com"))

    assert user["contact_id"] != lead["contact_id"]
    assert api.get(f"/contacts/{lead['contact_id']}").status_code == 404
    moved = _ok(api.get(f"/conversations/{lead['id']}"))
    assert moved["contacts"]["contacts"][0]["id"] == user["contact_id"]
    fetched = _ok(
        phone.post(
            "conversations/fetch",
            anonymous_id="anon-1",
            **phone.signed("u-1", "ann@example.com"),
        )
    )
    assert [c["id"] for c in fetched["conversations"]] == [lead["id"]]


def test_a_web_lead_is_upgraded_in_place_when_its_own_browser_logs_in(messenger, api):
    web = messenger("web")
    lead = _ok(web.post("conversations", anonymous_id="web-anon", body="Hi"))
    user = _ok(_register(web, "web-anon", user_id="u-1"))
    assert user["contact_id"] == lead["contact_id"]
    assert user["role"] == "user"
    assert _ok(api.get(f"/contacts/{lead['contact_id']}"))["role"] == "user"


def test_another_users_device_is_not_taken_over_on_login(messenger, api):
    device = messenger("ios")
    first = _ok(_register(device, "anon-1", user_id="u-1"))
    second = _ok(_register(device, "anon-1", user_id="u-2"))
    assert second["contact_id"] != first["contact_id"]
    assert _ok(api.get(f"/contacts/{first['contact_id']}"))["external_id"] == "u-1"


# -- placeholders ------------------------------------------------------------------


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
def test_a_placeholder_user_id_is_not_an_identity(messenger, api, placeholder):
    device = messenger("ios")
    refused = device.post(
        "users/identified", anonymous_id="anon-1", user_id=placeholder
    )
    assert refused.status_code == 400
    assert _error(refused)["code"] == "parameter_not_found"
    # no hash is needed: there is no one to verify
    body = _ok(
        device.post(
            "users/unidentified",
            anonymous_id="anon-1",
            user_id=placeholder,
            email=placeholder,
        )
    )
    contact = _ok(api.get(f"/contacts/{body['contact_id']}"))
    assert contact["external_id"] is None
    assert contact["email"] == ""


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
def test_a_placeholder_beside_a_real_email_leaves_the_email_as_the_identity(
    messenger, api, placeholder
):
    device = messenger("ios")
    body = _ok(
        device.post(
            "users/identified",
            anonymous_id="anon-1",
            user_id=placeholder,
            **device.signed(email="ann@example.com"),
        )
    )
    contact = _ok(api.get(f"/contacts/{body['contact_id']}"))
    assert contact["external_id"] is None
    assert contact["email"] == "ann@example.com"


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
def test_a_placeholder_anonymous_id_is_not_a_device_identity(messenger, placeholder):
    refused = messenger("ios").post("users/unidentified", anonymous_id=placeholder)
    assert refused.status_code == 400
    assert _error(refused)["field"] == "anonymous_id"


# -- update user --------------------------------------------------------------------


@pytest.fixture
def logged_in(messenger):
    device = messenger("ios")
    user = _ok(_register(device, "anon-1", user_id="u-1"))

    def update(**attributes) -> httpx.Response:
        return device.post(
            "users/update",
            anonymous_id="anon-1",
            **device.signed("u-1"),
            attributes=attributes,
        )

    update.contact_id = user["contact_id"]
    return update


def test_update_user_applies_standard_fields_and_custom_attributes(logged_in, api):
    answer = _ok(
        logged_in(
            name="Ann",
            phone="+15550100",
            signed_up_at=1_700_000_000,
            custom_attributes={
                "login_status": "logged_in",
                "last_login_at": 1_700_000_100,
            },
        )
    )
    assert answer["custom_attributes"]["login_status"] == "logged_in"
    contact = _ok(api.get(f"/contacts/{logged_in.contact_id}"))
    assert contact["name"] == "Ann"
    assert contact["phone"] == "+15550100"
    assert contact["signed_up_at"] == 1_700_000_000
    assert contact["custom_attributes"] == {
        "login_status": "logged_in",
        "last_login_at": 1_700_000_100,
    }


def test_update_user_with_null_removes_a_custom_attribute(logged_in, api):
    _ok(logged_in(custom_attributes={"login_status": "logged_in"}))
    _ok(logged_in(custom_attributes={"login_status": None}))
    contact = _ok(api.get(f"/contacts/{logged_in.contact_id}"))
    assert "login_status" not in contact["custom_attributes"]


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        (
            {"custom_attributes": {"never_defined": "x"}},
            "attributes.custom_attributes.never_defined",
        ),
        (
            {"custom_attributes": {"login_status": 5}},
            "attributes.custom_attributes.login_status",
        ),
        (
            {"custom_attributes": {"last_login_at": "yesterday"}},
            "attributes.custom_attributes.last_login_at",
        ),
        ({"custom_attributes": ["login_status"]}, "attributes.custom_attributes"),
        ({"custom_attributes": []}, "attributes.custom_attributes"),
        ({"external_id": "u-2"}, "attributes.external_id"),
        ({"role": "lead"}, "attributes.role"),
        ({"name": 7}, "attributes.name"),
        ({"signed_up_at": "today"}, "attributes.signed_up_at"),
        ({"email": "not-an-email"}, "attributes.email"),
    ],
    ids=[
        "undefined-custom",
        "wrong-type",
        "wrong-type-date",
        "custom-not-object",
        "custom-empty-array",
        "unknown-standard",
        "role",
        "standard-wrong-type",
        "standard-wrong-type-int",
        "invalid-email",
    ],
)
def test_update_user_refuses_attributes_the_messenger_may_not_write(
    logged_in, api, attributes, field
):
    refused = logged_in(phone="+15550100", **attributes)
    assert refused.status_code == 400
    error = _error(refused)
    assert error["code"] == "parameter_invalid"
    assert error["field"] == field
    # nothing of a refused update is applied, not even its valid fields
    assert _ok(api.get(f"/contacts/{logged_in.contact_id}"))["phone"] is None


def test_update_user_with_an_empty_email_clears_it(logged_in, api, workspace):
    _ok(logged_in(email="ann@example.com"))
    _ok(logged_in(email=""))
    assert _ok(api.get(f"/contacts/{logged_in.contact_id}"))["email"] == ""
    assert workspace.state.contacts[logged_in.contact_id].email is None


def test_update_user_applies_language_override(logged_in, api):
    _ok(logged_in(language_override="fr"))
    contact = _ok(api.get(f"/contacts/{logged_in.contact_id}"))
    assert contact["language_override"] == "fr"


def test_update_user_refuses_an_attribute_that_is_not_messenger_writable(
    logged_in, api
):
    _ok(
        api.post(
            "/data_attributes",
            json={
                "name": "account_tier",
                "model": "contact",
                "data_type": "string",
                "messenger_writable": False,
            },
        )
    )
    refused = logged_in(custom_attributes={"account_tier": "gold"})
    assert refused.status_code == 400
    assert _error(refused)["field"] == "attributes.custom_attributes.account_tier"
    # the REST API may still write it
    _ok(
        api.put(
            f"/contacts/{logged_in.contact_id}",
            json={"custom_attributes": {"account_tier": "gold"}},
        )
    )


def test_an_identified_update_for_a_user_never_registered_is_404(messenger, api):
    device = messenger("ios")
    refused = device.post(
        "users/update",
        anonymous_id="anon-1",
        **device.signed("ghost"),
        attributes={"name": "Ghost"},
    )
    assert refused.status_code == 404
    assert _error(refused)["code"] == "not_found"
    assert _contact_count(api) == 0


def test_an_unidentified_update_lands_on_the_anonymous_contact(messenger, api):
    device = messenger("android")
    anonymous = _ok(_register(device, "anon-1"))
    _ok(
        device.post(
            "users/update",
            anonymous_id="anon-1",
            attributes={"custom_attributes": {"login_status": "anonymous"}},
        )
    )
    contact = _ok(api.get(f"/contacts/{anonymous['contact_id']}"))
    assert contact["custom_attributes"] == {"login_status": "anonymous"}


# -- conversations ----------------------------------------------------------------


def test_a_conversation_lands_on_the_contact_of_the_identity_sent(
    messenger, api, workspace: Workspace
):
    phone = messenger("ios", "phone-1")
    ann = _ok(_register(phone, "anon-1", user_id="ann"))
    bob_phone = messenger("android", "phone-2")
    bob = _ok(_register(bob_phone, "anon-2", user_id="bob"))
    started = _ok(
        phone.post(
            "conversations", anonymous_id="anon-1", **phone.signed("ann"), body="Help"
        )
    )
    assert started["contact_id"] == ann["contact_id"]
    assert workspace.state.conversations[started["id"]].contact_id == ann["contact_id"]
    assert workspace.state.conversations[started["id"]].channel == "ios"
    # the identity wins over whatever the device's anonymous id points at
    on_bob = _ok(
        phone.post(
            "conversations", anonymous_id="anon-1", **phone.signed("bob"), body="Me?"
        )
    )
    assert on_bob["contact_id"] == bob["contact_id"]


@pytest.mark.parametrize("platform", MOBILE)
def test_an_unregistered_mobile_device_that_writes_gets_an_anonymous_user(
    messenger, api, platform
):
    device = messenger(platform)
    started = _ok(device.post("conversations", anonymous_id="anon-1", body="Hi"))
    contact = _ok(api.get(f"/contacts/{started['contact_id']}"))
    assert contact["role"] == "user"
    assert contact["external_id"] is None
    assert contact["signed_up_at"] is None
    registered = _ok(_register(device, "anon-1"))
    assert registered["contact_id"] == started["contact_id"]


def test_fetch_returns_only_the_contacts_own_conversations(messenger):
    ann_phone = messenger("ios", "phone-1")
    bob_phone = messenger("ios", "phone-2")
    _ok(_register(ann_phone, "anon-1", user_id="ann"))
    _ok(_register(bob_phone, "anon-2", user_id="bob"))
    ann_ids = [
        _ok(
            ann_phone.post(
                "conversations",
                anonymous_id="anon-1",
                **ann_phone.signed("ann"),
                body=text,
            )
        )["id"]
        for text in ("one", "two")
    ]
    _ok(
        bob_phone.post(
            "conversations",
            anonymous_id="anon-2",
            **bob_phone.signed("bob"),
            body="bob's",
        )
    )
    fetched = _ok(
        ann_phone.post(
            "conversations/fetch", anonymous_id="anon-1", **ann_phone.signed("ann")
        )
    )
    assert [c["id"] for c in fetched["conversations"]] == ann_ids
    assert {c["body"] for c in fetched["conversations"]} == {"one", "two"}


def test_fetch_for_an_unregistered_identity_is_404(messenger):
    device = messenger("ios")
    refused = device.post(
        "conversations/fetch", anonymous_id="anon-1", **device.signed("ghost")
    )
    assert refused.status_code == 404


def test_a_web_visitor_fetches_no_conversations(messenger):
    fetched = _ok(messenger("web").post("conversations/fetch", anonymous_id="w-1"))
    assert fetched["conversations"] == []
    assert fetched["contact_id"] is None


def test_a_device_that_keeps_sending_the_identity_after_logout_still_sees_it(
    messenger,
):
    # The app "logs out" by writing its own status but never resets the SDK, so
    # every later request still carries the last user's identity.
    device = messenger("ios")
    _ok(_register(device, "anon-1", user_id="ann"))
    identity = {"anonymous_id": "anon-1", **device.signed("ann")}
    before = _ok(device.post("conversations", **identity, body="private"))
    _ok(
        device.post(
            "users/update",
            **identity,
            attributes={"custom_attributes": {"login_status": "logged_out"}},
        )
    )
    after_logout = _ok(device.post("conversations/fetch", **identity))
    assert [c["id"] for c in after_logout["conversations"]] == [before["id"]]
    later = _ok(device.post("conversations", **identity, body="someone else"))
    assert later["contact_id"] == before["contact_id"]


# -- push tokens --------------------------------------------------------------------


def _delete_token(device, token: str) -> httpx.Response:
    return device.client.delete(
        f"/messenger/v1/push_tokens/{token}",
        headers={
            "X-Intercom-App-Id": device.app_id,
            "X-Intercom-Platform": device.platform,
        },
    )


def test_a_push_token_is_registered_moved_and_removed(
    messenger, api, workspace: Workspace
):
    first = messenger("ios", "phone-1")
    ann = _ok(_register(first, "anon-1", user_id="ann"))
    second = messenger("ios", "phone-2")
    bob = _ok(_register(second, "anon-2", user_id="bob"))

    registered = _ok(
        first.post(
            "push_tokens", anonymous_id="anon-1", **first.signed("ann"), token="tok-1"
        )
    )
    assert registered["contact_id"] == ann["contact_id"]
    assert workspace.state.push_tokens["tok-1"] == ann["contact_id"]
    assert _ok(api.get(f"/contacts/{ann['contact_id']}"))["enabled_push_messaging"]

    moved = _ok(
        second.post(
            "push_tokens", anonymous_id="anon-2", **second.signed("bob"), token="tok-1"
        )
    )
    assert moved["contact_id"] == bob["contact_id"]
    assert workspace.state.push_tokens["tok-1"] == bob["contact_id"]
    assert workspace.state.contacts[ann["contact_id"]].push_tokens == []
    assert workspace.state.contacts[bob["contact_id"]].push_tokens == ["tok-1"]
    ann_contact = _ok(api.get(f"/contacts/{ann['contact_id']}"))
    assert not ann_contact["enabled_push_messaging"]

    removed = _ok(_delete_token(second, "tok-1"))
    assert removed["removed"] is True
    assert "tok-1" not in workspace.state.push_tokens
    assert workspace.state.contacts[bob["contact_id"]].push_tokens == []
    assert _delete_token(second, "tok-1").status_code == 404


def test_re_registering_a_token_on_its_own_contact_keeps_one_copy(
    messenger, workspace: Workspace
):
    device = messenger("android")
    user = _ok(_register(device, "anon-1", user_id="ann"))
    for _ in range(2):
        _ok(
            device.post(
                "push_tokens",
                anonymous_id="anon-1",
                **device.signed("ann"),
                token="tok-1",
            )
        )
    assert workspace.state.contacts[user["contact_id"]].push_tokens == ["tok-1"]


def test_removing_an_unknown_push_token_is_404(messenger):
    refused = _delete_token(messenger("ios"), "never-registered")
    assert refused.status_code == 404
    assert _error(refused)["code"] == "not_found"


def test_a_web_visitor_cannot_register_a_push_token(messenger, workspace):
    refused = messenger("web").post("push_tokens", anonymous_id="w-1", token="t")
    assert refused.status_code == 404
    assert workspace.state.push_tokens == {}


# -- headers and required fields ------------------------------------------------------


def test_a_wrong_app_id_is_401_unauthorized(api, workspace: Workspace):
    for headers in ({"X-Intercom-App-Id": "wrongapp"}, {}):
        refused = api.post(
            "/messenger/v1/users/unidentified",
            json={"device_id": "d", "anonymous_id": "a"},
            headers={**headers, "X-Intercom-Platform": "ios"},
        )
        assert refused.status_code == 401
        assert _error(refused)["code"] == "unauthorized"
    assert workspace.state.contacts == {}


@pytest.mark.parametrize("platform", ["windows", "IOS", "", None])
def test_a_bad_platform_header_is_400(api, workspace: Workspace, platform):
    headers = {"X-Intercom-App-Id": workspace.config.app_id}
    if platform is not None:
        headers["X-Intercom-Platform"] = platform
    refused = api.post(
        "/messenger/v1/users/unidentified",
        json={"device_id": "d", "anonymous_id": "a"},
        headers=headers,
    )
    assert refused.status_code == 400
    assert _error(refused)["code"] == "parameter_invalid"
    assert workspace.state.contacts == {}


@pytest.mark.parametrize(
    "path", ["users/unidentified", "users/update", "ping", "conversations/fetch"]
)
def test_a_missing_device_id_is_400(api, workspace: Workspace, path):
    refused = api.post(
        f"/messenger/v1/{path}",
        json={"anonymous_id": "a"},
        headers={
            "X-Intercom-App-Id": workspace.config.app_id,
            "X-Intercom-Platform": "android",
        },
    )
    assert refused.status_code == 400
    error = _error(refused)
    assert error["code"] == "parameter_not_found"
    assert error["field"] == "device_id"


# -- last seen --------------------------------------------------------------------


@pytest.mark.parametrize("platform", MOBILE)
def test_last_seen_comes_from_the_workspace_clock(messenger, api, clock, platform):
    device = messenger(platform)
    clock.advance(3600)
    registered = _ok(_register(device, "anon-1", user_id="u-1"))
    contact = _ok(api.get(f"/contacts/{registered['contact_id']}"))
    assert contact["last_seen_at"] == int(clock.now())
    assert contact[f"{platform}_last_seen_at"] == int(clock.now())
    other = "android" if platform == "ios" else "ios"
    assert contact[f"{other}_last_seen_at"] is None

    clock.advance(86_400)
    _ok(device.post("ping", anonymous_id="anon-1", **device.signed("u-1")))
    contact = _ok(api.get(f"/contacts/{registered['contact_id']}"))
    assert contact["last_seen_at"] == int(clock.now())
    assert contact[f"{platform}_last_seen_at"] == int(clock.now())


def test_a_ping_records_the_device_it_came_from(messenger, api):
    device = messenger("ios")
    registered = _ok(_register(device, "anon-1"))
    _ok(
        device.post(
            "ping",
            anonymous_id="anon-1",
            device={"app_version": "4.2.0", "os_version": "18.1"},
        )
    )
    contact = _ok(api.get(f"/contacts/{registered['contact_id']}"))
    assert contact["ios_app_version"] == "4.2.0"
    assert contact["ios_os_version"] == "18.1"


def test_an_unsigned_request_cannot_act_as_the_user_its_anonymous_id_went_to(
    messenger, workspace, api
):
    """Under verification, an anonymous id merged into a user proves nothing."""
    ios = messenger("ios", "device-9")
    anonymous = ios.post("users/unidentified", anonymous_id="anon-9").json()
    user = ios.post(
        "users/identified", anonymous_id="anon-9", **ios.signed(user_id="u-9")
    ).json()
    assert user["contact_id"] == anonymous["contact_id"]
    ios.post("conversations", body="private", **ios.signed(user_id="u-9"))

    # the same anonymous id, without the user's id and hash
    fetched = ios.post("conversations/fetch", anonymous_id="anon-9").json()
    assert fetched["contact_id"] != user["contact_id"]
    assert fetched["conversations"] == []
    again = ios.post("users/unidentified", anonymous_id="anon-9").json()
    assert again["contact_id"] != user["contact_id"]
    assert workspace.state.contacts[again["contact_id"]].external_id is None


def test_without_verification_the_anonymous_id_still_reaches_its_user():
    import httpx

    from simulator.config import IdentityVerificationConfig, load_workspace_config
    from simulator.workspace import Workspace, mount

    config = load_workspace_config().model_copy(
        update={"identity_verification": IdentityVerificationConfig(mode="off")}
    )
    open_workspace = Workspace(config, tokens=["t"])
    with mount(open_workspace):
        with httpx.Client(verify=TLS, base_url="https://api.intercom.io") as client:
            headers = {"X-Intercom-App-Id": config.app_id, "X-Intercom-Platform": "ios"}
            body = {"device_id": "d", "anonymous_id": "anon-1"}
            client.post("/messenger/v1/users/unidentified", json=body, headers=headers)
            user = client.post(
                "/messenger/v1/users/identified",
                json={**body, "user_id": "u-1"},
                headers=headers,
            ).json()
            fetched = client.post(
                "/messenger/v1/conversations/fetch", json=body, headers=headers
            ).json()
    assert fetched["contact_id"] == user["contact_id"]
