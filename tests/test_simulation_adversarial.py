"""Adversarial scenarios against the simulation layer: odd event orders, odd files.

Each test here pins a way the simulation once broke (a traceback instead of an SDK
result or a ConfigError, a moment acting for the wrong person, a stale removal) or a
guarantee the adversarial runs relied on (no secret in the trace, determinism, the
same workspace outcome in-process and over loopback).
"""

from __future__ import annotations

import functools
import json
import random
from pathlib import Path
from typing import Any

import pytest

from simulator.errors import ConfigError
from simulator.integrations import known_integrations, load_integration
from simulator.world import World

PLATFORMS = ["ios", "android", "web"]
PROFILES = {
    "ios": ["ios-current"],
    "android": ["android-current", "android-legacy"],
    "web": ["web"],
}

# on_open uses the user templates: with nobody logged in they must render empty
OPEN_WITH_TEMPLATES = """\
name: open-with-templates
verification: hmac
on_open:
  - do: login_unidentified
  - do: login_identified
  - do: update
    attributes:
      login_status: anonymous
      user_id: "{user.user_id}"
      member_id: "{user.member_id}"
on_login:
  - do: sign
  - do: login_identified
on_logout:
  - do: reset
  - do: run
    moment: on_open
on_switch:
  - do: run
    moment: on_logout
  - do: run
    moment: on_login
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# -- a moment run from another acts for the right person -------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_on_open_run_from_a_logout_acts_for_nobody(
    tmp_path: Path, platform: str
) -> None:
    integration = write(tmp_path, "open-with-templates", OPEN_WITH_TEMPLATES)
    with World(seed=3) as world:
        ann = world.backend.register("ann")
        app = world.device(platform, integration=str(integration))
        world.act(app, app.login, ann)
        world.act(app, app.logout)
        # the logged-out area must not log ann back in (web: boot her again)...
        assert world.sdk_view(app)["user_id"] is None
        assert world.sdk_view(app)["identity"] != "identified"
        # ...nor write her ids onto the visitor the device now speaks for
        contact = world.contact_for(app)
        if contact is not None:
            assert contact["external_id"] is None
            assert contact["custom_attributes"].get("user_id") is None
            assert contact["custom_attributes"].get("member_id") is None
        notes = [r.data["text"] for r in world.trace.of_kind("note")]
        assert any("login_identified skipped" in n for n in notes)


@pytest.mark.parametrize("platform", ["ios", "android"])
def test_on_open_inside_a_switch_does_not_write_the_next_user(
    tmp_path: Path, platform: str
) -> None:
    integration = write(tmp_path, "open-with-templates", OPEN_WITH_TEMPLATES)
    with World(seed=3) as world:
        ann, bob = world.backend.register("ann"), world.backend.register("bob")
        app = world.device(platform, integration=str(integration))
        world.act(app, app.login, ann)
        world.act(app, app.switch_to, bob)
        contact = world.contact_for(app)
        assert contact is not None and contact["external_id"] == bob.user_id
        # the visitor the switch passed through carried nobody's ids into bob
        assert contact["custom_attributes"].get("user_id") in (None, bob.user_id)
        assert contact["custom_attributes"].get("user_id") != ann.user_id


# -- values no request can carry -------------------------------------------------------


def test_a_lone_surrogate_in_an_integration_is_a_config_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "surrogate",
        "name: surrogate\non_login:\n  - do: update\n    attributes:\n"
        '      login_status: "bad \\ud800"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_integration(path)
    assert "on_login[0].attributes.login_status" in str(caught.value)
    assert "surrogate" in str(caught.value)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_body_json_cannot_carry_fails_the_call_not_the_world(platform: str) -> None:
    with World(seed=5) as world:
        ann = world.backend.register("ann")
        app = world.device(platform)
        world.act(app, app.login, ann)
        outcome = world.act(app, app.start_conversation, "bad \ud800 text")
        [failure] = outcome.failures()
        assert failure.error is not None and failure.error.code == "invalid_request"
        attributes = {"custom_attributes": {"tier": float("nan")}}
        sdk: Any = app.sdk
        pending = (
            sdk.update(attributes) if platform == "web" else sdk.updateUser(attributes)
        )
        world.network.settle()
        assert pending.result is not None and not pending.result.ok
        # the device carries on, and the trace still serialises
        assert world.act(app, app.start_conversation, "fine").failures() == []
        for line in world.trace.to_jsonl().splitlines():
            json.loads(line)


# -- a hard reset racing a push token registration -------------------------------------


def test_hard_reset_keeps_a_token_whose_registration_is_in_flight() -> None:
    with World(seed=5) as world:
        ann = world.backend.register("ann")
        app = world.device("android")  # soft reset: the hard reset is an hour later
        world.act(app, app.register_push_token, "tok-1")
        world.act(app, app.login, ann)
        world.act(app, app.logout)
        visitor = world.sdk_view(app)["contact_id"]
        # the visitor registers the same token; the hard reset fires before it lands
        app.sdk.sendTokenToIntercom("tok-1")  # type: ignore[attr-defined]
        world.advance(3600)
        assert app.sdk.state["push_registered"] is True
        assert world.workspace.state.push_tokens == {"tok-1": visitor}


def test_hard_reset_still_removes_a_token_after_the_registration_failed() -> None:
    with World(seed=5) as world:
        ann = world.backend.register("ann")
        app = world.device("android")
        world.act(app, app.register_push_token, "tok-1")
        world.act(app, app.login, ann)
        world.act(app, app.logout)
        world.network_down()
        app.sdk.sendTokenToIntercom("tok-1")  # type: ignore[attr-defined]
        world.clock.advance(3600)  # the hard reset, with the registration queued
        world.network.settle()  # the registration is lost with the network down
        removals = [
            r
            for r in world.trace.of_kind("http")
            if r.data["method"] == "DELETE" and "tok-1" in r.data["path"]
        ]
        # the old identity may still hold the token, so the removal was issued
        assert len(removals) == 1
        assert app.sdk.state["push_registered"] is False


# -- what held up: secrets, determinism, loopback parity -------------------------------

EVENTS = (
    "open",
    "login",
    "logout",
    "logout_without_reset",
    "switch_to",
    "kill_and_relaunch",
    "clear_app_data",
    "reinstall",
    "start_conversation",
    "present_messenger",
    "register_push_token",
    "advance",
    "expire",
    "network_down",
    "network_up",
)
STEPS = (1, 3599, 3600, 3601, 86_400, 7 * 86_400, 7 * 86_400 + 1, 31 * 86_400)


def random_scenario(seed: int, target: str = "inprocess") -> tuple[str, Any]:
    """A random life of one or two devices; the trace and the workspace's outcome."""
    rng = random.Random(seed)
    with World(seed=seed, target=target) as world:
        users = [world.backend.register(alias) for alias in ("ann", "bob")]
        apps = []
        for _ in range(rng.choice((1, 2))):
            platform = rng.choice(PLATFORMS)
            apps.append(
                world.device(
                    platform,
                    integration=rng.choice(known_integrations()),
                    profile=rng.choice(PROFILES[platform]),
                )
            )
        for index in range(14):
            app, event, user = rng.choice(apps), rng.choice(EVENTS), rng.choice(users)
            if event == "advance":
                world.advance(rng.choice(STEPS))
            elif event == "expire":
                world.expire_session(app)
            elif event in ("network_down", "network_up"):
                getattr(world, event)()
            elif event == "logout_without_reset":
                world.act(app, functools.partial(app.logout, reset=False))
            elif event in ("login", "switch_to"):
                world.act(app, getattr(app, event), user)
            elif event == "register_push_token":
                world.act(app, app.register_push_token, f"tok-{index}")
            else:
                world.act(app, getattr(app, event))
            for person in users:
                assert len(world.users_with_external_id(person.user_id)) <= 1
        trace = world.trace.to_jsonl()
        for secret in [*world.identity_secrets.values(), *world.trace._protected]:
            assert secret not in trace
        outcome = sorted(
            (
                c.role,
                str(c.external_id),
                str(c.custom_attributes.get("login_status")),
            )
            for c in world.workspace.state.live_contacts()
        )
        return trace, outcome


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_random_scenarios_are_deterministic_and_keep_secrets(seed: int) -> None:
    first, outcome = random_scenario(seed)
    second, again = random_scenario(seed)
    assert first == second
    assert outcome == again
    for line in first.splitlines():
        json.loads(line)


@pytest.mark.parametrize("seed", [4, 5])
def test_loopback_gives_the_same_workspace_outcome(seed: int) -> None:
    inprocess, outcome = random_scenario(seed)
    loopback, over_loopback = random_scenario(seed, target="loopback")
    assert over_loopback == outcome
    assert loopback == inprocess


# -- arguments that are not attribute objects ------------------------------------------


def _update(app: Any, attributes: Any) -> Any:
    if app.platform == "web":
        return app.sdk.update(attributes)
    return app.sdk.updateUser(attributes)


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(
    "attributes",
    ["text", 5, {"custom_attributes": [1]}, {"custom_attributes": "text"}],
    ids=["string", "int", "custom-list", "custom-string"],
)
def test_an_update_that_is_not_an_attributes_object_is_an_sdk_failure(
    platform: str, attributes: Any
) -> None:
    with World(seed=1) as world:
        ann = world.backend.register("ann")
        app = world.device(platform)
        world.act(app, app.login, ann)
        pending = _update(app, attributes)
        world.network.settle()
        assert pending.result is not None and not pending.result.ok
        expected = "3001" if platform == "ios" else "invalid_attributes"
        assert pending.result.error.code == expected


def test_android_update_user_with_none_is_an_sdk_failure() -> None:
    with World(seed=1) as world:
        app = world.device("android")
        world.act(app, app.open)
        result = app.sdk.updateUser(None).result  # type: ignore[attr-defined]
        assert result is not None and not result.ok


@pytest.mark.parametrize("platform", ["ios", "android"])
def test_a_login_whose_attributes_are_not_an_object_is_an_sdk_failure(
    platform: str,
) -> None:
    with World(seed=1) as world:
        app = world.device(platform)
        world.act(app, app.open)
        sdk: Any = app.sdk
        if platform == "ios":
            pending = sdk.loginUser(userId="usr_1", attributes="text")
        else:
            pending = sdk.loginIdentifiedUser(userId="usr_1", userAttributes="text")
        assert pending.result is not None and not pending.result.ok
        assert world.sdk_view(app)["identity"] == "unidentified"


def test_web_boot_with_settings_that_are_not_an_object_is_an_sdk_failure() -> None:
    with World(seed=1) as world:
        app = world.device("web")
        pending = app.sdk.boot("text")  # type: ignore[attr-defined, arg-type]
        assert pending.result is not None and not pending.result.ok


def test_a_profile_for_another_platform_names_its_file_and_the_fitting_ones():
    from simulator.errors import ConfigError
    from simulator.sdk.profiles import PROFILE_DIR, load_profile

    with pytest.raises(ConfigError) as caught:
        load_profile("web", "ios")
    message = str(caught.value)
    assert str(PROFILE_DIR / "web.yaml") in message
    assert "platform" in message
    assert "ios-current" in message
