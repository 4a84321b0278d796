"""Loading workspace configs, and the errors a broken one gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.config import (
    DEFAULT_WORKSPACE,
    RateLimitConfig,
    WorkspaceConfig,
    load_model,
    load_workspace_config,
)
from simulator.errors import ConfigError, HarnessError

DEFAULT_ATTRIBUTES = {
    "login_status": "string",
    "login_status_text": "string",
    "user_id": "string",
    "member_id": "string",
    "user_level": "string",
    "tier": "string",
    "platform": "string",
    "last_login_at": "date",
}
TOP_LEVEL_KEYS = [
    "admin",
    "api_version",
    "app_id",
    "custom_attributes",
    "identity_verification",
    "inbox_sidebar",
    "name",
    "procedures",
    "rate_limit",
    "region",
    "search_index_delay_seconds",
    "workflow",
]


def broken(tmp_path: Path, text: str, name: str = "workspace.yaml") -> ConfigError:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_workspace_config(path)
    error = info.value
    assert isinstance(error, HarnessError)
    assert str(path) in str(error)
    assert error.path == str(path)
    return error


# -- the bundled default ------------------------------------------------------------


def test_the_bundled_default_loads() -> None:
    config = load_workspace_config()
    assert config == load_workspace_config(DEFAULT_WORKSPACE)
    assert config.app_id == "hx7demo1"
    assert config.region == "us"
    assert config.api_version == "2.14"
    assert config.identity_verification.mode == "enforced"
    assert config.identity_verification.method == "hmac"
    assert config.rate_limit.app_per_minute == 10_000
    assert config.rate_limit.workspace_per_minute == 25_000
    assert config.search_index_delay_seconds == 0


def test_the_bundled_default_defines_the_eight_status_attributes() -> None:
    attributes = load_workspace_config().custom_attributes
    assert {a.name: a.data_type for a in attributes} == DEFAULT_ATTRIBUTES
    assert len(attributes) == 8
    assert all(a.description for a in attributes)
    assert all(a.messenger_writable for a in attributes)


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing but a comment\n", encoding="utf-8")
    assert load_workspace_config(path) == WorkspaceConfig()


def test_an_unquoted_off_is_the_word_off(tmp_path: Path) -> None:
    path = tmp_path / "off.yaml"
    path.write_text("identity_verification:\n  mode: off\n", encoding="utf-8")
    assert load_workspace_config(path).identity_verification.mode == "off"


def test_true_and_false_are_still_booleans(tmp_path: Path) -> None:
    path = tmp_path / "bools.yaml"
    path.write_text(
        "custom_attributes:\n"
        "  - name: tier\n"
        "    data_type: string\n"
        "    messenger_writable: false\n",
        encoding="utf-8",
    )
    (tier,) = load_workspace_config(path).custom_attributes
    assert tier.messenger_writable is False


# -- what a broken file says --------------------------------------------------------


def test_an_unknown_key_names_the_line_and_lists_the_allowed_keys(tmp_path) -> None:
    error = broken(tmp_path, "name: Demo\ncolour: blue\n")
    assert error.key == "colour"
    assert error.line == 2
    assert f"{error.path}:2: colour: unknown key 'colour'" in str(error)
    assert error.allowed == ", ".join(TOP_LEVEL_KEYS)


def test_an_unknown_nested_key_lists_that_sections_keys(tmp_path) -> None:
    error = broken(
        tmp_path,
        "custom_attributes:\n  - name: tier\n    data_type: string\n    colour: red\n",
    )
    assert error.key == "custom_attributes[0].colour"
    assert error.line == 4
    assert error.allowed == "data_type, description, messenger_writable, name, options"


def test_a_literal_outside_its_choices_names_the_choices(tmp_path) -> None:
    error = broken(
        tmp_path, "name: Demo\nidentity_verification:\n  method: hmac\n  mode: strict\n"
    )
    assert error.key == "identity_verification.mode"
    assert error.line == 4
    assert "'strict' is not allowed" in str(error)
    for choice in ("off", "optional", "enforced"):
        assert repr(choice) in error.allowed
    assert str(error).startswith(f"{error.path}:4: identity_verification.mode: ")


def test_an_unknown_platform_under_secret_env_is_named_plainly(tmp_path) -> None:
    error = broken(
        tmp_path, "identity_verification:\n  secret_env:\n    desktop: SECRET\n"
    )
    assert error.key == "identity_verification.secret_env.desktop"
    assert error.line == 3
    assert all(repr(p) in error.allowed for p in ("ios", "android", "web"))


@pytest.mark.parametrize(
    ("text", "key", "line", "words"),
    [
        (
            "rate_limit:\n  app_per_minute: lots\n",
            "rate_limit.app_per_minute",
            2,
            ["integer", "'lots'"],
        ),
        (
            "search_index_delay_seconds: [1]\n",
            "search_index_delay_seconds",
            1,
            ["integer", "[1]"],
        ),
        (
            "name: Demo\ncustom_attributes: tier\n",
            "custom_attributes",
            2,
            ["list", "'tier'"],
        ),
        (
            "rate_limit:\n  workspace_per_minute: 5\n",
            "rate_limit.workspace_per_minute",
            2,
            ["greater than or equal to 6", "5"],
        ),
        ("app_id: Not An Id\n", "app_id", 1, ["pattern", "'Not An Id'"]),
    ],
)
def test_a_wrong_type_or_value_names_the_key_line_and_what_is_wanted(
    tmp_path, text, key, line, words
) -> None:
    error = broken(tmp_path, text)
    assert error.key == key
    assert error.line == line
    for word in words:
        assert word in error.problem


def test_invalid_yaml_names_the_line(tmp_path) -> None:
    error = broken(tmp_path, "name: Demo\nregion: us\n  app_id: : x\n")
    assert error.line == 3
    assert "not valid YAML" in str(error)
    assert f"{error.path}:3:" in str(error)


def test_a_missing_file_is_named(tmp_path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(ConfigError) as info:
        load_workspace_config(path)
    assert str(path) in str(info.value)
    assert "cannot read the file" in str(info.value)


def test_a_file_that_is_not_utf8_is_named(tmp_path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_workspace_config(path)
    assert str(path) in str(info.value)
    assert "UTF-8" in str(info.value)


@pytest.mark.parametrize(
    ("text", "kind"), [("- name\n- region\n", "a list"), ("just words\n", "a string")]
)
def test_a_top_level_that_is_not_a_mapping_is_refused(tmp_path, text, kind) -> None:
    error = broken(tmp_path, text)
    assert error.line == 1
    assert "must hold a mapping" in error.problem
    assert kind in error.problem
    assert all(key in error.allowed for key in TOP_LEVEL_KEYS)


def test_a_duplicated_custom_attribute_name_names_the_second_one(tmp_path) -> None:
    error = broken(
        tmp_path,
        "custom_attributes:\n"
        "  - name: tier\n"
        "    data_type: string\n"
        "  - name: plan\n"
        "    data_type: string\n"
        "  - name: tier\n"
        "    data_type: integer\n",
    )
    assert error.key == "custom_attributes[2].name"
    assert error.line == 6
    assert "'tier' is defined twice" in error.problem
    assert "custom_attributes[0]" in error.problem
    assert error.allowed
    assert f"{error.path}:6: custom_attributes[2].name: " in str(error)


def test_a_key_given_twice_is_refused(tmp_path) -> None:
    error = broken(tmp_path, "name: Demo\nregion: eu\nname: Other\n")
    assert error.key == "name"
    assert error.line == 3
    assert "line 1" in error.problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "custom_attributes:\n  - name: plan\n    data_type: options\n"
            "    options: [free]\n",
            "at least two options",
        ),
        (
            "custom_attributes:\n  - name: plan\n    data_type: string\n"
            "    options: [free, pro]\n",
            "only allowed with data_type 'options'",
        ),
    ],
)
def test_an_options_problem_points_at_the_options(tmp_path, text, problem) -> None:
    error = broken(tmp_path, text)
    assert error.key == "custom_attributes[0].options"
    assert error.line == 4
    assert problem in error.problem
    assert "Value error" not in str(error)


@pytest.mark.parametrize("name", ["plan.level", "!nv@l!d", " plan", "plan/level"])
def test_an_invalid_attribute_name_is_refused(tmp_path, name) -> None:
    error = broken(
        tmp_path, f"custom_attributes:\n  - name: '{name}'\n    data_type: string\n"
    )
    assert error.key == "custom_attributes[0].name"
    assert error.line == 2


def test_a_missing_required_key_is_named(tmp_path) -> None:
    error = broken(tmp_path, "custom_attributes:\n  - name: plan\n")
    assert error.key == "custom_attributes[0].data_type"
    assert error.problem == "this key is required"
    assert error.line == 2


def test_load_model_reads_any_strict_model(tmp_path) -> None:
    path = tmp_path / "rate.yaml"
    path.write_text("app_per_minute: 60\n", encoding="utf-8")
    assert load_model(RateLimitConfig, path).app_per_minute == 60


@pytest.mark.parametrize("value", ["s3cr3t-value!", "", "9LIVES", "has space"])
def test_a_secret_env_entry_must_name_a_variable_not_hold_a_secret(tmp_path, value):
    path = tmp_path / "secret.yaml"
    path.write_text(
        f"identity_verification:\n  secret_env:\n    ios: {value!r}\n", "utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_workspace_config(path)
    message = str(caught.value)
    assert str(path) in message
    assert "identity_verification.secret_env" in message
    assert "environment variable" in message


def test_the_default_workspace_names_its_procedures_and_sidebar_fields():
    config = load_workspace_config()
    assert config.workflow == "recommended"
    assert config.procedures == [
        "order_history",
        "membership_benefits",
        "service_progress",
    ]
    assert "login_status_text" in config.inbox_sidebar
    assert config.identity_verification.mode == "enforced"
    assert config.identity_verification.method == "hmac"


def test_an_unknown_procedure_names_the_bundled_ones(tmp_path):
    path = tmp_path / "workspace.yaml"
    path.write_text("procedures:\n  - order_history\n  - refunds\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_workspace_config(path)
    message = str(caught.value)
    assert f"{path}:3: procedures[1]" in message
    assert "'refunds'" in message
    assert "order_history" in message and "service_progress" in message


def test_a_sidebar_field_must_be_defined(tmp_path):
    path = tmp_path / "workspace.yaml"
    path.write_text(
        "custom_attributes:\n  - {name: tier, data_type: string}\n"
        "inbox_sidebar: [tier, login_status]\n",
        "utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_workspace_config(path)
    message = str(caught.value)
    assert "inbox_sidebar[1]" in message
    assert "'login_status'" in message
    assert "tier" in message
