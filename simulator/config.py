"""Loading the harness's YAML configuration files, with errors a person can act on.

Each kind of file has a pydantic model that forbids unknown keys. `load_model` reads a
file, validates it and turns the first problem into a `ConfigError` naming the file, the
line, the key as a dotted path, and what is allowed there.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ConfigError

__all__ = [
    "AttributeDefinition",
    "IdentityVerificationConfig",
    "RateLimitConfig",
    "WorkspaceConfig",
    "load_model",
    "load_workspace_config",
    "FIXTURES",
]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEFAULT_WORKSPACE = FIXTURES / "workspaces" / "default.yaml"

Platform = Literal["ios", "android", "web"]
PLATFORMS: tuple[Platform, ...] = ("ios", "android", "web")

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AttributeDefinition(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_ \-]*$")
    data_type: Literal["string", "integer", "float", "boolean", "date", "options"]
    description: str = ""
    options: list[str] = []
    messenger_writable: bool = True

    @model_validator(mode="after")
    def _options_only_for_options(self) -> AttributeDefinition:
        if self.data_type == "options" and len(self.options) < 2:
            raise ValueError("an options attribute needs at least two options")
        if self.data_type != "options" and self.options:
            raise ValueError("options are only allowed with data_type 'options'")
        return self


class IdentityVerificationConfig(Strict):
    mode: Literal["off", "optional", "enforced"] = "off"
    method: Literal["hmac", "jwt"] = "hmac"
    # Secrets are never written in a config file: each platform names the environment
    # variable that holds its secret. Unset variables get a fresh secret per run.
    secret_env: dict[Platform, str] = {
        "ios": "HARNESS_IDENTITY_SECRET_IOS",
        "android": "HARNESS_IDENTITY_SECRET_ANDROID",
        "web": "HARNESS_IDENTITY_SECRET_WEB",
    }

    def resolve_secrets(self, environ: dict[str, str] | None = None) -> dict[str, str]:
        env = os.environ if environ is None else environ
        return {
            platform: env.get(self.secret_env.get(platform, ""), "")
            or secrets.token_hex(32)
            for platform in PLATFORMS
        }


class RateLimitConfig(Strict):
    # the real service's defaults for a private app and for the whole workspace
    app_per_minute: int = Field(10_000, ge=6)
    workspace_per_minute: int = Field(25_000, ge=6)


class AdminConfig(Strict):
    name: str = "Harness Admin"
    email: str = "admin@harness.example"


class WorkspaceConfig(Strict):
    name: str = "Harness workspace"
    app_id: str = Field("hx7demo1", pattern=r"^[a-z0-9]{4,16}$")
    region: Literal["us", "eu", "au"] = "us"
    api_version: Literal["2.14", "2.15", "2.16"] = "2.14"
    admin: AdminConfig = AdminConfig()
    identity_verification: IdentityVerificationConfig = IdentityVerificationConfig()
    custom_attributes: list[AttributeDefinition] = []
    rate_limit: RateLimitConfig = RateLimitConfig()
    search_index_delay_seconds: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _unique_attribute_names(self) -> WorkspaceConfig:
        seen: set[str] = set()
        for attribute in self.custom_attributes:
            if attribute.name in seen:
                raise ValueError(f"custom attribute {attribute.name!r} is defined twice")
            seen.add(attribute.name)
        return self


def load_workspace_config(path: str | os.PathLike[str] | None = None) -> WorkspaceConfig:
    return load_model(WorkspaceConfig, path or DEFAULT_WORKSPACE)


def load_model(model: type[M], path: str | os.PathLike[str]) -> M:
    """Read a YAML file into `model`, or raise a `ConfigError` that says what to fix."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(where, "", f"cannot read the file ({exc.strerror})") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(where, "", f"not valid YAML: {problem}", line=line) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(where, "", "the file must hold a mapping of keys to values")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _config_error(where, root, model, exc) from None


def _config_error(
    where: str, root: yaml.Node | None, model: type[BaseModel], exc: ValidationError
) -> ConfigError:
    error = exc.errors()[0]
    loc = tuple(error["loc"])
    key = _dotted(loc)
    kind = error["type"]
    allowed: str | None = None
    if kind == "extra_forbidden":
        problem = f"unknown key {loc[-1]!r}"
        known = _known_keys(model, loc[:-1])
        if known:
            allowed = ", ".join(sorted(known))
    elif kind in ("literal_error", "enum"):
        problem = f"{error['input']!r} is not allowed"
        allowed = str(error.get("ctx", {}).get("expected", ""))
    elif kind == "missing":
        problem = "this key is required"
    else:
        problem = error["msg"]
        if "input" in error and not isinstance(error["input"], dict):
            problem += f", got {error['input']!r}"
    return ConfigError(where, key, problem, allowed, line=_line_of(root, loc))


def _dotted(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if field is None:
            return []
        annotation = field.annotation
        inner = getattr(annotation, "__args__", None)
        current = inner[0] if inner else annotation
    return list(getattr(current, "model_fields", {}))


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest node of `loc` that exists in the file."""
    line = None
    for part in loc:
        if node is None:
            break
        if isinstance(node, yaml.MappingNode):
            found = None
            for key_node, value_node in node.value:
                if key_node.value == part:
                    line = key_node.start_mark.line + 1
                    found = value_node
                    break
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                node = None
        else:
            break
    return line
