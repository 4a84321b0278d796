"""A static lint of a workflow: the routing mistakes that let the wrong people in.

It reads a workflow without running any contact through it and reports:

- ``login-not-checked``: an ``authenticated`` path whose audience does not require
  both a live login status (``custom_attributes.login_status``) and an account id
  (``custom_attributes.user_id``, ``custom_attributes.member_id`` or
  ``external_id``). Routing on the contact type alone is the usual case: a contact
  stays a user after logging out.
- ``segmentation-as-authentication``: ``user_level`` or ``tier`` used in an
  ``authenticated`` path that does not require the login status, so a customer
  level is standing in for a login test.
- ``unreachable-path``: a path no contact can ever reach, either because its
  audience can never hold (``x is a`` and ``x is b``) or because earlier paths take
  everyone it would match. ``unreachable-fallback`` is the same for the fallback.

"Requires" is read from the audience's shape: a test counts when it is positive (not
is_not, does_not_contain or is_unknown) and stands in every branch of each
``any_of`` on the way to it.

Reachability is decided by trying contacts built from the values the audiences name
(each value, variants of it, blank and missing), with the clock at one fixed moment.
That is exact for the tests people write in practice. It is not tried, and nothing is
reported, for a workflow that tests one date both against a fixed time and in days
ago (whether both can hold depends on the day), or that needs more trial contacts
than `MAX_TRIALS`. Texts are joined by twos (by threes when an attribute is tested
against at most four texts), so an audience that needs more of its texts in one
value at once could be reported unreachable when it is not.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .predicates import (
    CUSTOM_PREFIX,
    NEGATIVE_OPERATORS,
    Leaf,
    Node,
)
from .workflows import Workflow

__all__ = ["AUTHENTICATED", "Finding", "lint_workflow"]

AUTHENTICATED = "authenticated"
LOGIN_STATUS = CUSTOM_PREFIX + "login_status"
ID_ATTRIBUTES = (CUSTOM_PREFIX + "user_id", CUSTOM_PREFIX + "member_id", "external_id")
SEGMENTATION_ATTRIBUTES = (CUSTOM_PREFIX + "user_level", CUSTOM_PREFIX + "tier")
_ID = "an account id"
# Beyond this many trial contacts the reachability check is skipped, not guessed.
MAX_TRIALS = 50_000
_NOW = 1_767_603_600.0
_DAY = 86400


@dataclass(frozen=True)
class Finding:
    code: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.code}: {self.message}"


def lint_workflow(workflow: Workflow) -> list[Finding]:
    """Every finding for `workflow`, in path order; an empty list means it is clean."""
    findings: list[Finding] = []
    for path in workflow.paths:
        if path.name == AUTHENTICATED:
            findings += _authentication_findings(path.name, path.compiled.tree)
    findings += _reachability_findings(workflow)
    return findings


# -- what an authenticated path must test ------------------------------------------


def _category(attribute: str) -> str:
    return _ID if attribute in ID_ATTRIBUTES else attribute


def _required(node: Node) -> frozenset[str]:
    """The attributes (ids as one category) every way into the audience tests."""
    if isinstance(node, Leaf):
        if node.operator in NEGATIVE_OPERATORS:
            return frozenset()
        return frozenset({_category(node.attribute)})
    parts = [_required(member) for member in node.members]
    if node.kind == "all_of":
        return frozenset().union(*parts)
    return frozenset.intersection(*parts)


def _mentioned(node: Node) -> set[str]:
    if isinstance(node, Leaf):
        return {node.attribute}
    return set().union(*(_mentioned(member) for member in node.members))


def _short(attribute: str) -> str:
    return attribute.removeprefix(CUSTOM_PREFIX)


def _authentication_findings(path: str, tree: Node) -> list[Finding]:
    findings: list[Finding] = []
    required = _required(tree)
    missing = []
    if LOGIN_STATUS not in required:
        missing.append("that they are logged in right now (login_status)")
    if _ID not in required:
        missing.append("that they are linked to an account (user_id, member_id or ")
        missing[-1] += "external_id)"
    if missing:
        findings.append(
            Finding(
                "login-not-checked",
                path,
                f"The {path!r} path treats people as signed in without checking "
                f"{' or '.join(missing)}. Someone who has logged out, or a visitor "
                "on a shared device, can still match it and be handled as the "
                "account holder.",
            )
        )
    segmentation = sorted(_mentioned(tree) & set(SEGMENTATION_ATTRIBUTES))
    if segmentation and LOGIN_STATUS not in required:
        names = " and ".join(_short(name) for name in segmentation)
        findings.append(
            Finding(
                "segmentation-as-authentication",
                path,
                f"The {path!r} path uses {names} to decide who is signed in, but "
                f"{names} only {'say' if len(segmentation) > 1 else 'says'} what kind "
                "of customer someone is, not whether they are logged in now, and "
                "stays set after logout.",
            )
        )
    return findings


# -- reachability ------------------------------------------------------------------


def _reachability_findings(workflow: Workflow) -> list[Finding]:
    trees = [path.compiled.tree for path in workflow.paths]
    if _mixes_clocks(trees):
        return []
    candidates = _candidates(trees)
    trials = 1
    for values in candidates.values():
        trials *= len(values)
    if trials > MAX_TRIALS:
        return []
    names = list(candidates)
    satisfiable = [False] * len(trees)
    reached = [False] * len(trees)
    fallback_reached = False
    for combination in itertools.product(*candidates.values()):
        view = _view(dict(zip(names, combination, strict=True)))
        first = None
        for index, path in enumerate(workflow.paths):
            if path.matches(view, _NOW):
                satisfiable[index] = True
                if first is None:
                    first = index
                    reached[index] = True
        if first is None:
            fallback_reached = True
    findings = []
    for index, path in enumerate(workflow.paths):
        if not satisfiable[index]:
            message = (
                f"No contact can ever match the {path.name!r} path: its audience "
                "asks for things that cannot all be true at once (such as one "
                "attribute being two different values, or both having and not "
                "having a value)."
            )
        elif not reached[index]:
            earlier = " or ".join(repr(p.name) for p in workflow.paths[:index])
            message = (
                f"No contact can ever reach the {path.name!r} path: everyone it "
                f"matches goes down an earlier path first ({earlier})."
            )
        else:
            continue
        findings.append(Finding("unreachable-path", path.name, message))
    if not fallback_reached:
        findings.append(
            Finding(
                "unreachable-fallback",
                workflow.fallback,
                f"No contact ever reaches the fallback {workflow.fallback!r}: the "
                "paths above it take everyone, so it is dead configuration.",
            )
        )
    return findings


def _leaves(tree: Node) -> Iterator[Leaf]:
    if isinstance(tree, Leaf):
        yield tree
    else:
        for member in tree.members:
            yield from _leaves(member)


def _mixes_clocks(trees: list[Node]) -> bool:
    """Whether one date attribute is tested both by absolute and by days-ago tests.

    Whether both can hold then depends on the day, which a static lint does not know.
    """
    kinds: dict[str, set[bool]] = {}
    for tree in trees:
        for leaf in _leaves(tree):
            if leaf.type == "date" and leaf.value is not None:
                relative = leaf.operator.endswith("_days_ago")
                kinds.setdefault(leaf.attribute, set()).add(relative)
    return any(len(found) > 1 for found in kinds.values())


def _candidates(trees: list[Node]) -> dict[str, list[Any]]:
    """For each attribute the paths test, values that tell its tests apart."""
    constants: dict[str, list[Leaf]] = {}
    for tree in trees:
        for leaf in _leaves(tree):
            constants.setdefault(leaf.attribute, []).append(leaf)
    candidates: dict[str, list[Any]] = {}
    for attribute, leaves in constants.items():
        kind = leaves[0].type
        values: list[Any] = [None]
        given = [leaf.value for leaf in leaves if leaf.value is not None]
        if kind == "string":
            texts = list(dict.fromkeys(given))
            values += ["", " ", "#", *texts]
            values += [f"#{t}" for t in texts] + [f"{t}#" for t in texts]
            # two texts joined, both ways, for "contains a and contains b" and the like
            values += ["".join(p) for p in itertools.permutations(texts, 2)]
            if len(texts) <= 4:
                values += ["".join(p) for p in itertools.permutations(texts, 3)]
        elif kind == "boolean":
            values += [True, False]
        elif kind == "date":
            points = {_NOW}
            for leaf in leaves:
                if leaf.value is None:
                    continue
                if leaf.operator.endswith("_days_ago"):
                    points.add(_NOW - float(leaf.value) * _DAY)
                else:
                    points.add(leaf.value)
            values += _around(points, halves=True)
        else:
            # an integer attribute holds no value between two whole numbers
            values += _around(set(given) or {0}, halves=kind == "float")
        candidates[attribute] = list(dict.fromkeys(values))
    return candidates


def _around(points: set[Any], halves: bool) -> list[Any]:
    # half steps find a value strictly between two close thresholds (a float, or a
    # date a second apart from another)
    ordered = sorted(points)
    values: list[Any] = []
    for point in ordered:
        values += [point - 1, point, point + 1]
    if halves:
        values += [(a + b) / 2 for a, b in itertools.pairwise(ordered)]
    return values


def _view(values: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {"custom_attributes": {}}
    for attribute, value in values.items():
        if attribute.startswith(CUSTOM_PREFIX):
            view["custom_attributes"][attribute[len(CUSTOM_PREFIX) :]] = value
        else:
            view[attribute] = value
    return view
