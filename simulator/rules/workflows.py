"""Workflows: route a contact down the first named path whose audience it is in.

A file in `fixtures/workflows/` holds a workflow::

    name: recommended
    description: ...
    paths:
      - name: authenticated
        audience: {all_of: [...]}     # see `simulator.rules.predicates`
    fallback: anonymous

Paths are tried in order and the first whose audience holds wins, as in an Intercom
Workflow's branches; a contact that no path takes goes down `fallback`. Path names,
the fallback included, are unique, so a routed name always means one branch.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import Field, PrivateAttr, model_validator

from ..config import FIXTURES, Strict, _FieldProblem, known_names, load_named
from .predicates import Audience, View, compile_audience

__all__ = [
    "WORKFLOW_DIR",
    "Workflow",
    "WorkflowPath",
    "known_workflows",
    "load_workflow",
]

WORKFLOW_DIR = FIXTURES / "workflows"
_PATH_NAME = r"^[a-z0-9][a-z0-9_\-]*$"


class WorkflowPath(Strict):
    name: str = Field(pattern=_PATH_NAME)
    description: str = ""
    audience: dict[str, Any]
    _compiled: Audience = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> WorkflowPath:
        # AudienceError is a field problem: its location is inside `audience`
        try:
            self._compiled = compile_audience(self.audience)
        except _FieldProblem as problem:
            raise _FieldProblem(
                ("audience", *problem.loc), str(problem), problem.allowed
            ) from None
        return self

    @property
    def compiled(self) -> Audience:
        return self._compiled

    def matches(self, contact_view: View, now: float) -> bool:
        return self._compiled.matches(contact_view, now)


class Workflow(Strict):
    name: str
    description: str = ""
    paths: list[WorkflowPath] = Field(min_length=1)
    fallback: str = Field(pattern=_PATH_NAME)

    @model_validator(mode="after")
    def _unique_names(self) -> Workflow:
        seen: dict[str, int] = {}
        for index, path in enumerate(self.paths):
            first = seen.setdefault(path.name, index)
            if first != index:
                raise _FieldProblem(
                    ("paths", index, "name"),
                    f"path {path.name!r} is named twice (first as paths[{first}])",
                    "a name no other path uses",
                )
        if self.fallback in seen:
            raise _FieldProblem(
                ("fallback",),
                f"the fallback {self.fallback!r} is also the name of paths"
                f"[{seen[self.fallback]}]; the fallback is the path a contact takes "
                "when no listed path does, so it needs a name of its own",
                "a name no listed path uses",
            )
        return self

    @property
    def path_names(self) -> list[str]:
        return [path.name for path in self.paths] + [self.fallback]

    def route(self, contact_view: View, now: float) -> str:
        """The name of the path the contact goes down at time `now`."""
        for path in self.paths:
            if path.matches(contact_view, now):
                return path.name
        return self.fallback


def known_workflows() -> list[str]:
    return known_names(WORKFLOW_DIR)


def load_workflow(name_or_path: str | os.PathLike[str]) -> Workflow:
    """A bundled workflow by name, or a workflow file by path."""
    return load_named(Workflow, WORKFLOW_DIR, name_or_path, "workflow")
