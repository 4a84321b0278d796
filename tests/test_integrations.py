"""The bundled integrations, what they mean as data, and what a broken one says."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.errors import ConfigError, HarnessError
from simulator.integrations import (
    INTEGRATION_DIR,
    MOMENTS,
    Integration,
    Step,
    known_integrations,
    load_integration,
    render,
)

BUNDLED = [
    "fire-and-forget",
    "logout-before-status-update",
    "no-sdk-logout",
    "no-status-sync",
    "recommended",
    "silent-logout",
    "switch-without-logout",
]
STATUS = ("login_status", "login_status_text")


def flat(integration: Integration, moment: str) -> list[Step]:
    """The steps a moment runs, with the moments it runs spelled out in place."""
    steps: list[Step] = []
    for step in integration.steps(moment):
        if step.do == "run":
            assert step.moment is not None
            steps += flat(integration, step.moment)
        else:
            steps.append(step)
    return steps


def kinds(integration: Integration, moment: str) -> list[str]:
    return [step.do for step in flat(integration, moment)]


def status_writes(integration: Integration, moment: str) -> list[object]:
    return [
        step.attributes["login_status"]
        for step in flat(integration, moment)
        if "login_status" in step.attributes
    ]


# -- the bundled files --------------------------------------------------------------


def test_the_seven_integrations_are_bundled() -> None:
    assert known_integrations() == BUNDLED


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_integration_loads(name: str) -> None:
    integration = load_integration(name)
    assert integration.name == name
    assert integration.description
    assert integration == load_integration(INTEGRATION_DIR / f"{name}.yaml")
    # every integration says what it does at each moment of the lifecycle
    for moment in MOMENTS:
        assert integration.steps(moment), moment


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_integration_signs_before_it_logs_in(name: str) -> None:
    integration = load_integration(name)
    assert integration.verification == "hmac"
    steps = kinds(integration, "on_login")
    assert steps.index("sign") < steps.index("login_identified")


@pytest.mark.parametrize("name", BUNDLED)
def test_the_writes_are_the_workspaces_status_attributes(name: str) -> None:
    known = {
        "login_status",
        "login_status_text",
        "user_id",
        "member_id",
        "user_level",
        "tier",
        "platform",
        "last_login_at",
    }
    assert load_integration(name).writes() <= known


def test_recommended_is_the_careful_app() -> None:
    careful = load_integration("recommended")
    assert careful.awaits_completion
    assert careful.notices_expired_session
    assert kinds(careful, "on_open") == ["login_unidentified", "update"]
    assert kinds(careful, "on_login") == ["sign", "login_identified", "update"]
    # the status is written while the SDK still speaks for the person, then reset
    assert kinds(careful, "on_logout") == [
        "update",
        "reset",
        "clear_caches",
        "login_unidentified",
        "update",
    ]
    assert status_writes(careful, "on_logout") == ["logged_out", "anonymous"]
    assert status_writes(careful, "on_login") == ["logged_in"]
    # a switch is a full logout followed by a login
    assert kinds(careful, "on_switch") == kinds(careful, "on_logout") + kinds(
        careful, "on_login"
    )
    login = flat(careful, "on_login")[-1].attributes
    assert login["user_id"] == "{user.user_id}"
    assert login["member_id"] == "{user.member_id}"
    assert login["tier"] == "{user.tier}"
    assert login["platform"] == "{platform}"
    assert login["last_login_at"] == "{now}"
    # opening without a login clears the ids a previous person left
    opened = flat(careful, "on_open")[-1].attributes
    assert opened["user_id"] is None and opened["member_id"] is None


def test_no_sdk_logout_never_resets_the_sdk() -> None:
    integration = load_integration("no-sdk-logout")
    assert "reset" not in kinds(integration, "on_logout")
    assert "reset" not in kinds(integration, "on_switch")
    assert status_writes(integration, "on_logout") == ["logged_out"]


def test_silent_logout_tells_the_workspace_nothing() -> None:
    integration = load_integration("silent-logout")
    assert kinds(integration, "on_logout") == ["clear_caches"]
    assert status_writes(integration, "on_logout") == []


def test_no_status_sync_never_writes_the_status() -> None:
    integration = load_integration("no-status-sync")
    assert not set(STATUS) & integration.writes()
    for moment in MOMENTS:
        assert status_writes(integration, moment) == []
    assert "reset" in kinds(integration, "on_logout")


def test_logout_before_status_update_resets_first() -> None:
    steps = kinds(load_integration("logout-before-status-update"), "on_logout")
    assert steps.index("reset") < steps.index("update")


def test_switch_without_logout_logs_in_over_the_current_user() -> None:
    integration = load_integration("switch-without-logout")
    assert kinds(integration, "on_switch") == ["sign", "login_identified", "update"]
    assert "reset" in kinds(integration, "on_logout")


def test_fire_and_forget_awaits_nothing() -> None:
    integration = load_integration("fire-and-forget")
    assert not integration.awaits_completion
    for moment in MOMENTS:
        assert all(step.await_ is not True for step in flat(integration, moment))
    # otherwise the careful calls, in the careful order
    careful = load_integration("recommended")
    for moment in MOMENTS:
        assert kinds(integration, moment) == kinds(careful, moment)


def test_only_recommended_notices_expired_sessions() -> None:
    noticing = [n for n in BUNDLED if load_integration(n).notices_expired_session]
    assert noticing == ["recommended"]


@pytest.mark.parametrize("name", [n for n in BUNDLED if n != "recommended"])
def test_each_flawed_integration_differs_from_recommended(name: str) -> None:
    careful, flawed = load_integration("recommended"), load_integration(name)
    differs = [
        flawed.awaits_completion != careful.awaits_completion,
        flawed.notices_expired_session != careful.notices_expired_session,
        *(flat(flawed, m) != flat(careful, m) for m in MOMENTS),
    ]
    assert any(differs)


def test_templates_render_with_their_types() -> None:
    context = {
        "user.user_id": "usr_1",
        "user.member_id": "M1",
        "user.tier": "gold",
        "user.name": "Ann Lee",
        "user.email": "ann@example.com",
        "platform": "ios",
        "now": 1_767_603_600,
    }
    assert render("{now}", context) == 1_767_603_600
    assert render("Logged in as {user.name} on {platform}", context) == (
        "Logged in as Ann Lee on ios"
    )
    assert render(None, context) is None
    assert render(True, context) is True
    assert render("plain", context) == "plain"


# -- broken files -------------------------------------------------------------------


def broken(tmp_path: Path, text: str, name: str = "broken") -> ConfigError:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_integration(path)
    error = info.value
    assert isinstance(error, HarnessError)
    assert error.path == str(path)
    assert str(path) in str(error)
    return error


def test_an_unknown_step_names_the_steps_there_are(tmp_path: Path) -> None:
    error = broken(
        tmp_path,
        "name: broken\non_open:\n  - do: login_unidentified\n  - do: dance\n",
    )
    assert error.line == 4
    assert error.key == "on_open[1].do"
    assert "'dance'" in error.problem
    for step in ("sign", "login_identified", "update", "reset", "clear_caches", "run"):
        assert f"'{step}'" in error.allowed
    assert f"{error.path}:4: on_open[1].do:" in str(error)


def test_an_unknown_key_in_a_step_names_the_keys_as_written(tmp_path: Path) -> None:
    error = broken(
        tmp_path,
        "name: broken\n"
        "on_login:\n"
        "  - do: sign\n"
        "  - do: login_identified\n"
        "    colour: red\n",
    )
    assert error.line == 5
    assert error.key == "on_login[1].colour"
    assert "unknown key 'colour'" in error.problem
    # `await` as a file says it, not the Python field name behind it
    assert error.allowed == "attributes, await, do, moment, with_attributes"


def test_a_step_may_say_await(tmp_path: Path) -> None:
    path = tmp_path / "careful-once.yaml"
    path.write_text(
        "name: careful-once\n"
        "awaits_completion: false\n"
        "on_login:\n"
        "  - do: login_identified\n"
        "    await: true\n",
        encoding="utf-8",
    )
    assert load_integration(path).on_login[0].await_ is True


def test_an_unknown_top_level_key_names_the_keys_there_are(tmp_path: Path) -> None:
    error = broken(tmp_path, "name: broken\nawait_everything: true\n")
    assert error.line == 2
    assert error.key == "await_everything"
    for key in ("awaits_completion", "notices_expired_session", *MOMENTS):
        assert key in error.allowed


def test_an_unknown_template_names_the_known_ones(tmp_path: Path) -> None:
    error = broken(
        tmp_path,
        "name: broken\n"
        "on_login:\n"
        "  - do: update\n"
        "    attributes:\n"
        "      login_status: logged_in\n"
        '      secret: "{user.password}"\n',
    )
    assert error.line == 6
    assert error.key == "on_login[0].attributes.secret"
    assert "{user.password}" in error.problem
    for template in ("{user.user_id}", "{user.member_id}", "{platform}", "{now}"):
        assert template in error.allowed


def test_a_run_without_a_moment_names_the_moments(tmp_path: Path) -> None:
    error = broken(
        tmp_path,
        "name: broken\non_switch:\n  - do: run\n  - do: login_identified\n",
    )
    assert error.line == 3
    assert error.key == "on_switch[0].moment"
    assert "'run' step needs a 'moment'" in error.problem
    assert error.allowed == "on_open, on_login, on_logout or on_switch"


def test_a_run_of_an_unknown_moment_names_the_moments(tmp_path: Path) -> None:
    error = broken(
        tmp_path, "name: broken\non_switch:\n  - do: run\n    moment: on_lunch\n"
    )
    assert error.line == 4
    assert error.key == "on_switch[0].moment"
    assert "'on_lunch'" in error.problem
    for moment in MOMENTS:
        assert moment in error.allowed


def test_moments_running_each_other_in_a_loop_are_refused(tmp_path: Path) -> None:
    error = broken(
        tmp_path,
        "name: broken\n"
        "on_logout:\n"
        "  - do: reset\n"
        "  - do: run\n"
        "    moment: on_switch\n"
        "on_switch:\n"
        "  - do: run\n"
        "    moment: on_logout\n",
    )
    assert "loop" in error.problem
    assert "on_logout -> on_switch -> on_logout" in error.problem
    # the step that closes the loop, and the moments it could run instead
    assert error.key == "on_switch[0].moment"
    assert error.line == 8
    assert error.allowed == "on_open or on_login"


def test_a_moment_running_itself_is_a_loop(tmp_path: Path) -> None:
    error = broken(
        tmp_path, "name: broken\non_open:\n  - do: run\n    moment: on_open\n"
    )
    assert "on_open -> on_open" in error.problem
    assert error.key == "on_open[0].moment"
    assert error.line == 4


@pytest.mark.parametrize(
    "step, key",
    [
        ("  - do: reset\n    moment: on_open\n", "moment"),
        ("  - do: reset\n    attributes: {login_status: x}\n", "attributes"),
        ("  - do: update\n    with_attributes: true\n", "with_attributes"),
    ],
    ids=["moment", "attributes", "with_attributes"],
)
def test_a_key_the_step_does_not_take_is_named(tmp_path: Path, step, key) -> None:
    error = broken(tmp_path, f"name: broken\non_open:\n{step}")
    assert error.key == f"on_open[0].{key}"
    assert error.line == 4
    assert error.allowed


def test_a_name_that_is_not_its_files_is_refused(tmp_path: Path) -> None:
    error = broken(tmp_path, "# the careful app\nname: careful\n", name="broken")
    assert error.key == "name"
    assert error.line == 2
    assert "'careful'" in error.problem and "broken.yaml" in error.problem
    assert error.allowed == "broken"


def test_a_file_without_a_name_is_refused(tmp_path: Path) -> None:
    error = broken(tmp_path, "on_open: []\n")
    assert error.key == "name"
    assert "required" in error.problem


def test_an_unknown_integration_name_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        load_integration("carefull")
    error = info.value
    assert "'carefull'" in str(error)
    assert error.allowed == ", ".join(BUNDLED)


def test_a_missing_file_says_it_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "gone.yaml"
    with pytest.raises(ConfigError, match="cannot read") as info:
        load_integration(path)
    assert info.value.path == str(path)


def test_a_file_fixed_after_a_failed_load_loads(tmp_path: Path) -> None:
    path = tmp_path / "edited.yaml"
    path.write_text("name: edited\non_open:\n  - do: run\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_integration(path)
    path.write_text("name: edited\non_open:\n  - do: reset\n", encoding="utf-8")
    assert load_integration(path).on_open[0].do == "reset"
    # and an edit that breaks a file that loaded is seen too, not served from memory
    path.write_text("name: edited\non_open:\n  - do: dance\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="dance"):
        load_integration(path)
