"""An app's integration choices: which Messenger calls it makes at each moment.

A file in `fixtures/integrations/` names, for the moments of the lifecycle (open
without login, login, logout, account switch), the steps the app takes, in order:

- `sign`: computes the user hash or JWT (per `verification`) for the SDK;
- `login_unidentified`: an unidentified login (web: boot without a user);
- `login_identified`: an identified login (web: boot with the user);
  `with_attributes` passes the login update's attributes along with it;
- `update`: writes `attributes`, whose values may use the templates
  `{user.user_id}`, `{user.member_id}`, `{user.tier}`, `{user.name}`,
  `{user.email}`, `{platform}` and `{now}`;
- `reset`: resets the SDK (mobile: logout; web: shutdown);
- `clear_caches`: clears the app's own cached copy of the person's data;
- `run`: runs another moment's steps (`moment`).

`awaits_completion` says whether the app waits for each SDK call to finish before the
next step (a step's own `await` overrides it). `notices_expired_session` says whether
the app, the next time it talks to its backend, finds out that its session has ended
and signs the person out.
"""

from __future__ import annotations

import os
import re
from typing import Any, Literal

from pydantic import Field, model_validator

from .config import FIXTURES, Strict, _FieldProblem, known_names, load_named

__all__ = [
    "Integration",
    "MOMENTS",
    "Step",
    "known_integrations",
    "load_integration",
    "render",
]

INTEGRATION_DIR = FIXTURES / "integrations"
MOMENTS = ("on_open", "on_login", "on_logout", "on_switch")
_TEMPLATE = re.compile(
    r"\{(user\.(?:user_id|member_id|tier|name|email)|platform|now)\}"
)
KNOWN_TEMPLATES = (
    "{user.user_id}, {user.member_id}, {user.tier}, {user.name}, {user.email}, "
    "{platform}, {now}"
)


def _keys_by_alias(data: Any, model: type[Strict]) -> Any:
    """Refuse unknown keys, naming the allowed ones as they are written in a file.

    Pydantic's own refusal would list a field by its Python name (`await_`), which
    is not what a file may say (`await`).
    """
    if isinstance(data, dict):
        allowed = sorted(f.alias or name for name, f in model.model_fields.items())
        for key in data:
            if key not in allowed:
                raise _FieldProblem((key,), f"unknown key {key!r}", ", ".join(allowed))
    return data


class Step(Strict):
    do: Literal[
        "sign",
        "login_unidentified",
        "login_identified",
        "update",
        "reset",
        "clear_caches",
        "run",
    ]
    attributes: dict[str, str | int | bool | None] = {}
    with_attributes: bool = False
    moment: Literal["on_open", "on_login", "on_logout", "on_switch"] | None = None
    await_: bool | None = Field(None, alias="await")

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        return _keys_by_alias(data, cls)

    @model_validator(mode="after")
    def _fits(self) -> Step:
        if self.do == "run" and self.moment is None:
            raise _FieldProblem(
                ("moment",), "a 'run' step needs a 'moment' to run", _or(MOMENTS)
            )
        if self.do != "run" and self.moment is not None:
            raise _FieldProblem(
                ("moment",),
                f"only a 'run' step takes a 'moment', not {self.do!r}",
                "no moment here",
            )
        if self.do != "update" and self.attributes:
            raise _FieldProblem(
                ("attributes",),
                f"only an 'update' step takes 'attributes', not {self.do!r}",
                "no attributes here",
            )
        if self.with_attributes and self.do != "login_identified":
            raise _FieldProblem(
                ("with_attributes",),
                f"only a 'login_identified' step takes 'with_attributes', not "
                f"{self.do!r}",
                "no with_attributes here",
            )
        for name, value in self.attributes.items():
            if isinstance(value, str) and not _utf8(value):
                # YAML's "\ud800" escape makes a lone surrogate, which no request
                # body can carry: refuse it here, where the file can be fixed
                raise _FieldProblem(
                    ("attributes", name),
                    f"attribute {name!r} holds a lone surrogate, which is not text",
                    "a string of Unicode characters",
                )
            if isinstance(value, str):
                for placeholder in re.findall(r"\{[^}]*\}", value):
                    if not _TEMPLATE.fullmatch(placeholder):
                        raise _FieldProblem(
                            ("attributes", name),
                            f"attribute {name!r} uses the unknown template "
                            f"{placeholder}",
                            KNOWN_TEMPLATES,
                        )
        return self


class Integration(Strict):
    name: str
    description: str = ""
    verification: Literal["hmac", "jwt", "none"] = "hmac"
    awaits_completion: bool = True
    notices_expired_session: bool = False
    on_open: list[Step] = []
    on_login: list[Step] = []
    on_logout: list[Step] = []
    on_switch: list[Step] = []

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        return _keys_by_alias(data, cls)

    @model_validator(mode="after")
    def _no_loops(self) -> Integration:
        for moment in MOMENTS:
            _check_cycle(self, moment, ())
        return self

    def steps(self, moment: str) -> list[Step]:
        return list(getattr(self, moment))

    def writes(self) -> set[str]:
        """Every custom attribute some step of this integration writes."""
        return {
            name
            for moment in MOMENTS
            for step in self.steps(moment)
            for name in step.attributes
            if name not in ("name", "email", "phone")
        }

    def runs(self, moment: str) -> set[str]:
        """The moments that running `moment` runs, itself included."""
        seen: set[str] = set()
        todo = [moment]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            todo += [s.moment for s in self.steps(current) if s.moment is not None]
        return seen


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _or(names: tuple[str, ...] | list[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _check_cycle(integration: Integration, moment: str, path: tuple[str, ...]) -> None:
    for index, step in enumerate(integration.steps(moment)):
        if step.do != "run" or step.moment is None:
            continue
        if step.moment == moment or step.moment in path:
            start = path.index(step.moment) if step.moment in path else len(path)
            chain = " -> ".join((*path[start:], moment, step.moment))
            # the moments this step could run instead without coming back here
            fine = [m for m in MOMENTS if moment not in integration.runs(m)]
            raise _FieldProblem(
                (moment, index, "moment"),
                f"moments run each other in a loop: {chain}",
                _or(fine) if fine else "no 'run' step here",
            )
        _check_cycle(integration, step.moment, (*path, moment))


def render(value: Any, context: dict[str, Any]) -> Any:
    """Fill an attribute template; a value that is one whole template keeps its type."""
    if not isinstance(value, str):
        return value
    whole = _TEMPLATE.fullmatch(value)
    if whole:
        return context[whole.group(1)]
    return _TEMPLATE.sub(lambda m: str(context[m.group(1)]), value)


def known_integrations() -> list[str]:
    return known_names(INTEGRATION_DIR)


def load_integration(name_or_path: str | os.PathLike[str]) -> Integration:
    """A bundled integration by name, or an integration file by path."""
    return load_named(Integration, INTEGRATION_DIR, name_or_path, "integration")
