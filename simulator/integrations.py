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
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from .config import FIXTURES, Strict, load_model
from .errors import ConfigError

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

    @model_validator(mode="after")
    def _fits(self) -> Step:
        if self.do == "run" and self.moment is None:
            raise ValueError("a 'run' step needs a 'moment' to run")
        if self.do != "run" and self.moment is not None:
            raise ValueError("only a 'run' step takes a 'moment'")
        if self.do != "update" and self.attributes:
            raise ValueError("only an 'update' step takes 'attributes'")
        if self.with_attributes and self.do != "login_identified":
            raise ValueError("only a 'login_identified' step takes 'with_attributes'")
        for name, value in self.attributes.items():
            if isinstance(value, str):
                for placeholder in re.findall(r"\{[^}]*\}", value):
                    if not _TEMPLATE.fullmatch(placeholder):
                        raise ValueError(
                            f"attribute {name!r} uses the unknown template "
                            f"{placeholder}; known: {{user.user_id}}, "
                            "{user.member_id}, {user.tier}, {user.name}, "
                            "{user.email}, {platform}, {now}"
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


def _check_cycle(integration: Integration, moment: str, path: tuple[str, ...]) -> None:
    if moment in path:
        chain = " -> ".join((*path, moment))
        raise ValueError(f"moments run each other in a loop: {chain}")
    for step in integration.steps(moment):
        if step.do == "run" and step.moment:
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
    return sorted(p.stem for p in INTEGRATION_DIR.glob("*.yaml"))


@cache
def _load(path: Path) -> Integration:
    return load_model(Integration, path)


def load_integration(name_or_path: str | os.PathLike[str]) -> Integration:
    """A bundled integration by name, or an integration file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = INTEGRATION_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            raise ConfigError(
                str(path),
                "",
                f"no integration named {str(name_or_path)!r}",
                ", ".join(known_integrations()),
            )
    integration = _load(path.resolve())
    if integration.name != path.stem:
        raise ConfigError(
            str(path),
            "name",
            f"the integration is named {integration.name!r} but its file is "
            f"{path.name}",
            path.stem,
        )
    return integration
