"""Intercom Workflow rules as data: audience predicates, workflows that route
contacts down named paths, and a lint that finds the routing mistakes a support team
would otherwise find in production."""

from __future__ import annotations

from .predicates import Audience, AudienceError, compile_audience, evaluate
from .workflows import Workflow, known_workflows, load_workflow

__all__ = [
    "Audience",
    "AudienceError",
    "Workflow",
    "compile_audience",
    "evaluate",
    "known_workflows",
    "load_workflow",
]
