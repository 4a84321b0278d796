"""Loading the harness's YAML configuration files, with errors a person can act on.

Each kind of file has a pydantic model that forbids unknown keys. `load_model` reads a
file, validates it and turns the first problem into a `ConfigError` naming the file, the
line, the key as a dotted path, and what is allowed there.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .errors import ConfigError

__all__ = [
    "ATTRIBUTE_NAME",
    "AttributeDefinition",
    "IdentityVerificationConfig",
    "RateLimitConfig",
    "WorkspaceConfig",
    "load_model",
    "load_workspace_config",
    "FIXTURES",
]


def _fixtures_dir() -> Path:
    """The bundled configs: the repository's `fixtures/` in a checkout (where people
    edit them), else the copy the package carries when installed."""
    checkout = Path(__file__).resolve().parent.parent / "fixtures"
    if checkout.is_dir():
        return checkout
    return Path(__file__).resolve().parent / "bundled_fixtures"


FIXTURES = _fixtures_dir()
DEFAULT_WORKSPACE = FIXTURES / "workspaces" / "default.yaml"

Platform = Literal["ios", "android", "web"]
PLATFORMS: tuple[Platform, ...] = ("ios", "android", "web")

M = TypeVar("M", bound=BaseModel)


class _Loader(yaml.SafeLoader):
    """The safe loader with YAML 1.2's booleans: only true and false.

    YAML 1.1 also reads on, off, yes and no as booleans, so `mode: off` would arrive
    as False and be refused, although "off" is the value the key allows.
    """


_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _INT, _FLOAT)
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
# Numbers as YAML 1.2 writes them too. YAML 1.1 reads 010 as 8 (octal), 1:30 as 90
# (base 60), 0b111 as 7 and 1_000 as 1000, so a rate limit or a delay could silently
# be another number than the one on the page.
_Loader.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if text[:2] in ("0o", "0x"):
        return int(text, 0)
    try:
        return int(text, 10)  # a leading zero is a decimal digit, as in YAML 1.2
    except ValueError:  # an explicit !!int on a word
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not an integer", node.start_mark
        ) from None


_Loader.add_constructor(_INT, _construct_int)

# A custom attribute name, in a config file and through the API alike (matched whole)
ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_ \-]*")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _FieldProblem(ValueError):
    """A model check's complaint about one field below the model, and what it allows.

    Pydantic reports a model validator's error at the model itself; `loc` points the
    message (and its line) at the field that is wrong.
    """

    def __init__(self, loc: tuple[Any, ...], problem: str, allowed: str | None = None):
        super().__init__(problem)
        self.loc = loc
        self.allowed = allowed


class AttributeDefinition(Strict):
    name: str = Field(pattern=f"^{ATTRIBUTE_NAME.pattern}$")
    data_type: Literal["string", "integer", "float", "boolean", "date", "options"]
    description: str = ""
    options: list[str] = []
    messenger_writable: bool = True

    @model_validator(mode="after")
    def _options_only_for_options(self) -> AttributeDefinition:
        if self.data_type == "options" and len(self.options) < 2:
            raise _FieldProblem(
                ("options",),
                f"an options attribute needs at least two options, got "
                f"{len(self.options)}",
                "a list of two or more strings",
            )
        if self.data_type != "options" and self.options:
            raise _FieldProblem(
                ("options",),
                f"options are only allowed with data_type 'options', not "
                f"{self.data_type!r}",
                "no options for this data_type",
            )
        return self


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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

    @field_validator("secret_env")
    @classmethod
    def _names_variables(cls, value: dict[str, str]) -> dict[str, str]:
        for platform, name in value.items():
            if not _ENV_NAME.fullmatch(name):
                raise ValueError(
                    f"secret_env.{platform} must name an environment variable "
                    "(letters, digits and underscores, not starting with a digit), "
                    "never hold the secret itself"
                )
        return value

    def resolve_secrets(self, environ: dict[str, str] | None = None) -> dict[str, str]:
        env = os.environ if environ is None else environ
        return {
            platform: env.get(self.secret_env.get(platform, ""), "")
            or secrets.token_hex(32)
            for platform in PLATFORMS
        }


class RateLimitConfig(Strict):
    # the real service's defaults for a private app and for the whole workspace;
    # strict, so that `true` is not taken for 1 nor "100" for 100
    app_per_minute: int = Field(10_000, ge=6, strict=True)
    workspace_per_minute: int = Field(25_000, ge=6, strict=True)


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
    search_index_delay_seconds: int = Field(0, ge=0, strict=True)
    # The workflow that routes each new conversation: a bundled workflow's name, or a
    # workflow file (relative to this file's folder, or absolute). None routes none.
    workflow: str | None = None
    # The support procedures the workspace runs, by bundled name; each procedure names
    # the guard it runs behind.
    procedures: list[str] = []
    # The contact fields an agent's Inbox sidebar shows: defined custom attributes or
    # standard fields.
    inbox_sidebar: list[str] = []

    @field_validator("procedures")
    @classmethod
    def _procedures_exist(cls, value: list[str]) -> list[str]:
        bundled = known_names(FIXTURES / "procedures")
        for index, name in enumerate(value):
            if name not in bundled:
                raise _FieldProblem(
                    (index,), f"no bundled procedure named {name!r}", ", ".join(bundled)
                )
        return value

    @model_validator(mode="after")
    def _sidebar_fields_defined(self) -> WorkspaceConfig:
        defined = {a.name for a in self.custom_attributes}
        known = defined | set(_standard_attribute_names())
        for index, name in enumerate(self.inbox_sidebar):
            if name not in known:
                raise _FieldProblem(
                    ("inbox_sidebar", index),
                    f"the sidebar field {name!r} is neither a custom attribute this "
                    "file defines nor a standard contact field",
                    ", ".join(sorted(known)),
                )
        return self

    @field_validator("workflow")
    @classmethod
    def _workflow_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        bundled = known_names(FIXTURES / "workflows")
        if not Path(value).suffix:  # a name, as `load_workflow` reads it
            if value not in bundled:
                raise _FieldProblem(
                    (), f"no bundled workflow named {value!r}", ", ".join(bundled)
                )
            return value
        path = Path(value)
        folder = (info.context or {}).get("folder")
        if folder is not None and not path.is_absolute():
            path = Path(folder) / path
        if not path.is_file():
            raise _FieldProblem(
                (),
                f"there is no workflow file at {str(path)!r}",
                ", ".join(bundled) + ", or the path of a workflow file",
            )
        # resolved here, so the workspace finds it whatever its working directory
        return str(path) if folder is not None else value

    @model_validator(mode="after")
    def _unique_attribute_names(self) -> WorkspaceConfig:
        seen: dict[str, int] = {}
        standard = _standard_attribute_names() if self.custom_attributes else ()
        for index, attribute in enumerate(self.custom_attributes):
            if attribute.name in standard:
                # it would replace the standard definition in the workspace, where
                # POST /data_attributes refuses the same name
                raise _FieldProblem(
                    ("custom_attributes", index, "name"),
                    f"{attribute.name!r} is the name of a standard contact attribute",
                    "a name other than " + ", ".join(sorted(standard)),
                )
            first = seen.setdefault(attribute.name, index)
            if first != index:
                raise _FieldProblem(
                    ("custom_attributes", index, "name"),
                    f"custom attribute {attribute.name!r} is defined twice (first as "
                    f"custom_attributes[{first}])",
                    "a name no other custom attribute uses",
                )
        return self


def _standard_attribute_names() -> frozenset[str]:
    # Imported here: the workspace package imports this module for its config.
    from .workspace.attributes import STANDARD_CONTACT_ATTRIBUTES

    return frozenset(name for name, _, _ in STANDARD_CONTACT_ATTRIBUTES)


def load_workspace_config(
    path: str | os.PathLike[str] | None = None,
) -> WorkspaceConfig:
    return load_cached(WorkspaceConfig, path or DEFAULT_WORKSPACE)


def known_names(folder: Path) -> list[str]:
    """The names of the bundled configs in `folder` (their file stems)."""
    return sorted(p.stem for p in folder.glob("*.yaml"))


def load_named(
    model: type[M], folder: Path, name_or_path: str | os.PathLike[str], kind: str
) -> M:
    """A bundled config by name (a file stem in `folder`), or a config file by path.

    The config's own `name` must match its file's stem, so that a name in a report
    always leads back to one file.
    """
    path = Path(name_or_path)
    if not path.suffix:
        path = folder / f"{name_or_path}.yaml"
        if not path.exists():
            raise ConfigError(
                str(path),
                "",
                f"no {kind} named {str(name_or_path)!r}",
                ", ".join(known_names(folder)),
            )
    loaded = load_cached(model, path)
    name = getattr(loaded, "name", path.stem)
    if name != path.stem:
        raise ConfigError(
            str(path),
            "name",
            f"the {kind} is named {name!r} but its file is {path.name}",
            path.stem,
            line=line_of_key(path, "name"),
        )
    return loaded


def line_of_key(path: Path, key: str) -> int | None:
    """The line of a top-level key in a file that has already loaded."""
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    if isinstance(root, yaml.MappingNode):
        for key_node, _ in root.value:
            if key_node.value == key:
                return key_node.start_mark.line + 1
    return None


_CACHE: dict[tuple[type[BaseModel], Path, bytes], BaseModel] = {}


def load_cached(model: type[M], path: str | os.PathLike[str]) -> M:
    """`load_model`, remembered per file *content*, so an edited file loads afresh.

    Models are frozen, so one loaded config can serve every world that asks for it.
    """
    resolved = Path(path).resolve()
    try:
        key = (model, resolved, resolved.read_bytes())
    except OSError:
        return load_model(model, path)  # which says why the file cannot be read
    if key not in _CACHE:
        _CACHE[key] = load_model(model, path)
    return _CACHE[key]  # type: ignore[return-value]


def load_model(model: type[M], path: str | os.PathLike[str]) -> M:
    """Read a YAML file into `model`, or raise a `ConfigError` that says what to fix."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(where, "", f"cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            where, "", f"the file is not UTF-8 text (byte {exc.start} cannot be read)"
        ) from None
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except RecursionError:
        raise ConfigError(
            where, "", "the file nests too deeply to read", "a shallower file"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(where, "", f"not valid YAML: {problem}", line=line) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            where,
            "",
            f"the file must hold a mapping of keys to values, not {_yaml_kind(data)}",
            "a mapping with the keys " + ", ".join(sorted(model.model_fields)),
            line=root.start_mark.line + 1 if root is not None else None,
        )
    duplicate = _duplicate_key(root, ())
    if duplicate is not None:
        loc, line, first_line = duplicate
        raise ConfigError(
            where,
            _dotted(loc),
            f"the key is given twice (first on line {first_line})",
            "each key once",
            line=line,
        )
    try:
        # validators that take a path from the file read it relative to the file
        return model.model_validate(data, context={"folder": Path(path).parent})
    except ValidationError as exc:
        raise _config_error(where, root, model, exc) from None


def _config_error(
    where: str, root: yaml.Node | None, model: type[BaseModel], exc: ValidationError
) -> ConfigError:
    error = exc.errors()[0]
    # a problem with a mapping's key is reported at the key itself
    loc = tuple(part for part in error["loc"] if part != "[key]")
    kind = error["type"]
    allowed: str | None = None
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, _FieldProblem):
        loc += cause.loc
        problem = str(cause)
        allowed = cause.allowed
    elif kind == "value_error" and cause is not None:
        problem = str(cause)
    elif kind == "extra_forbidden":
        problem = f"unknown key {loc[-1]!r}"
        known = _known_keys(model, loc[:-1])
        if known:
            allowed = ", ".join(sorted(known))
    elif kind in ("literal_error", "enum"):
        given = error["input"]
        allowed = str(error.get("ctx", {}).get("expected", ""))
        node = _node_at(root, loc)[0]
        number = isinstance(given, (int, float)) and not isinstance(given, bool)
        if number and isinstance(node, yaml.ScalarNode):
            # `api_version: 2.14` is the float 2.14, which no text value equals; say
            # so rather than "2.14 is not allowed (allowed: '2.14', ...)"
            problem = (
                f"{node.value} is read as a number, and this key takes text; write "
                f'it in quotes ("{node.value}")'
            )
        else:
            problem = f"{given!r} is not allowed"
    elif kind == "invalid_key":
        # `1:` or `null:` as a key: named as written, not as "[1]" (a list index) or
        # "None", and found in the file by the value YAML read
        key, parent = error["input"], loc[:-1]
        read_as = (
            "null"
            if key is None
            else f"the {'boolean' if isinstance(key, bool) else 'number'} {key!r}"
        )
        problem = (
            f"a key must be text, and YAML reads this one as {read_as}; quote it if "
            "it is meant as a name"
        )
        known = _known_keys(model, parent)
        if known:
            allowed = ", ".join(sorted(known))
        key_node = _key_node_at(root, parent, key)
        written = key_node.value if key_node is not None else str(key)
        line = key_node.start_mark.line + 1 if key_node is not None else None
        return ConfigError(
            where, _dotted(parent + (written,)), problem, allowed, line=line
        )
    elif kind == "missing":
        problem = "this key is required"
    else:
        problem = error["msg"]
        if "input" in error and not isinstance(error["input"], dict):
            problem += f", got {error['input']!r}"
    return ConfigError(where, _dotted(loc), problem, allowed, line=_line_of(root, loc))


def _yaml_kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return f"a single value ({value!r})"


def _duplicate_key(
    node: yaml.Node | None, loc: tuple[Any, ...], seen: set[int] | None = None
) -> tuple[tuple[Any, ...], int, int] | None:
    """The first key given twice in one mapping, as (key path, line, first line).

    YAML loaders keep the last of two equal keys without a word, which would let a
    second copy of a section silently replace the one above it.
    """
    seen = set() if seen is None else seen
    if node is None or id(node) in seen:  # an alias of a node already walked
        return None
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                line = key_node.start_mark.line + 1
                if key_node.value in lines:
                    return loc + (key_node.value,), line, lines[key_node.value]
                lines[key_node.value] = line
            found = _duplicate_key(value_node, loc + (key_node.value,), seen)
            if found is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found = _duplicate_key(item, loc + (index,), seen)
            if found is not None:
                return found
    return None


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
        field = (
            current.model_fields.get(part) if hasattr(current, "model_fields") else None
        )
        if field is None:
            return []
        annotation = field.annotation
        inner = getattr(annotation, "__args__", None)
        current = inner[0] if inner else annotation
    # a file spells a field by its alias where it has one (`await`, not `await_`)
    fields = getattr(current, "model_fields", {})
    return [field.alias or name for name, field in fields.items()]


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest node of `loc` that exists in the file."""
    return _node_at(node, loc)[1]


def _node_at(
    node: yaml.Node | None, loc: tuple[Any, ...]
) -> tuple[yaml.Node | None, int | None]:
    """The node at `loc` (None if the file has none there), and the deepest line."""
    line = None
    for part in loc:
        if node is None:
            break
        if isinstance(node, yaml.MappingNode):
            found = None
            for key_node, value_node in node.value:
                if _key_is(key_node, part):
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
            return None, line
    return node, line


def _key_node_at(
    root: yaml.Node | None, parent: tuple[Any, ...], key: Any
) -> yaml.Node | None:
    """The node of `key` in the mapping at `parent`, as written in the file."""
    mapping = _node_at(root, parent)[0]
    if not isinstance(mapping, yaml.MappingNode):
        return None
    return next((k for k, _ in mapping.value if _key_is(k, key)), None)


def _key_is(key_node: yaml.Node, part: Any) -> bool:
    if isinstance(part, str) or not isinstance(key_node, yaml.ScalarNode):
        return key_node.value == part
    # a key that is not text (1, null) is named in `loc` by the value YAML read
    return yaml.load(key_node.value, Loader=_Loader) == part
