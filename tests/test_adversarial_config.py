"""Odd workspace configs that once loaded as something other than what they say, or
failed with a message that did not say what to fix; and a few that held up."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from simulator.config import AttributeDefinition, WorkspaceConfig, load_workspace_config
from simulator.errors import ConfigError
from simulator.workspace import Workspace


def load(tmp_path: Path, text: str):
    path = tmp_path / "workspace.yaml"
    path.write_text(text, encoding="utf-8")
    return load_workspace_config(path)


def broken(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    return info.value


# -- numbers are read as YAML 1.2 writes them -----------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [("010", 10), ("0600", 600), ("+60", 60), ("0o17", 15), ("0x10", 16)],
)
def test_an_integer_is_read_as_written(tmp_path, written, value) -> None:
    config = load(tmp_path, f"rate_limit:\n  app_per_minute: {written}\n")
    assert config.rate_limit.app_per_minute == value


@pytest.mark.parametrize("written", ["1:30", "0b111", "1_000"])
def test_a_yaml_1_1_only_integer_is_refused_naming_what_was_written(
    tmp_path, written
) -> None:
    error = broken(tmp_path, f"search_index_delay_seconds: {written}\n")
    assert error.key == "search_index_delay_seconds"
    assert error.line == 1
    assert repr(written) in str(error)


@pytest.mark.parametrize("written", ["true", '"100"', "1e3"])
def test_an_integer_key_takes_only_an_integer(tmp_path, written) -> None:
    error = broken(tmp_path, f"rate_limit:\n  workspace_per_minute: {written}\n")
    assert error.key == "rate_limit.workspace_per_minute"
    assert error.line == 2
    assert "valid integer" in error.problem
    # a boolean was once taken for 1 and called too small
    assert "greater than" not in error.problem


# -- names and values ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["email", "external_id", "role", "created_at"])
def test_a_custom_attribute_cannot_take_a_standard_attributes_name(
    tmp_path, name
) -> None:
    error = broken(
        tmp_path,
        "custom_attributes:\n"
        "  - name: tier\n"
        "    data_type: string\n"
        f"  - name: {name}\n"
        "    data_type: integer\n",
    )
    assert error.key == "custom_attributes[1].name"
    assert error.line == 4
    assert f"{name!r} is the name of a standard contact attribute" in str(error)
    assert error.allowed is not None and "external_id" in error.allowed


def test_a_config_built_in_code_cannot_replace_a_standard_attribute() -> None:
    with pytest.raises(ValidationError, match="standard contact attribute"):
        WorkspaceConfig(
            custom_attributes=[AttributeDefinition(name="email", data_type="integer")]
        )
    email = Workspace(WorkspaceConfig(), tokens=["t"]).state.attributes["email"]
    assert not email.custom and email.data_type == "string"


@pytest.mark.parametrize("version", ["2.14", "2.16", "2.1"])
def test_an_unquoted_api_version_says_to_quote_it(tmp_path, version) -> None:
    error = broken(tmp_path, f"name: Demo\napi_version: {version}\n")
    assert error.key == "api_version"
    assert error.line == 2
    assert f'write it in quotes ("{version}")' in error.problem
    assert "is not allowed" not in error.problem


def test_a_quoted_api_version_loads(tmp_path) -> None:
    assert load(tmp_path, 'api_version: "2.16"\n').api_version == "2.16"


@pytest.mark.parametrize(
    ("text", "key", "line", "read_as"),
    [
        ("name: Demo\n1: x\n", "1", 2, "the number 1"),
        ("null: x\n", "null", 1, "null"),
        ("admin:\n  name: A\n  ~: x\n", "admin.~", 3, "null"),
        ("true: x\n", "true", 1, "the boolean True"),
    ],
)
def test_a_key_that_is_not_text_is_named_as_written(
    tmp_path, text, key, line, read_as
) -> None:
    error = broken(tmp_path, text)
    assert error.key == key
    assert error.line == line
    assert f"YAML reads this one as {read_as}" in error.problem
    assert error.allowed is not None


# -- what held up, kept so -----------------------------------------------------------


def test_a_directory_is_named_as_unreadable(tmp_path) -> None:
    with pytest.raises(ConfigError) as info:
        load_workspace_config(tmp_path)
    assert "cannot read the file" in info.value.problem
    assert info.value.path == str(tmp_path)


def test_a_recursive_alias_is_refused_not_followed(tmp_path) -> None:
    error = broken(tmp_path, "custom_attributes: &loop [*loop]\n")
    assert error.key == "custom_attributes[0]"
