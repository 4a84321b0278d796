"""Intercom Workflow audience predicates, as data: checked once, then evaluated fast.

An audience is a tree. A leaf tests one attribute of a contact::

    {attribute: custom_attributes.login_status, operator: is, value: logged_in}

and a group combines its members: ``{all_of: [...]}`` (every member holds) or
``{any_of: [...]}`` (at least one does); groups nest.

Attribute names. A standard contact field is written bare: ``role``, ``email``,
``external_id``, ``name``, ``created_at``, ``last_seen_at``, ``signed_up_at``. A custom
attribute is always written ``custom_attributes.<name>``, as the REST API nests it, so
that a custom ``name`` can never be mistaken for the standard one; a bare custom name
is refused with a hint. Custom attributes take their types from the workspace config
(by default the bundled default workspace).

Operators by type:

- string: is, is_not, contains, does_not_contain, starts_with, ends_with;
- integer and float: is, is_not, greater_than, less_than;
- date (Unix seconds): greater_than, less_than, more_than_days_ago,
  less_than_days_ago (counted back from the `now` given to `evaluate`);
- boolean: is, is_not;
- every type: has_any_value, is_unknown (these take no value).

Semantics. Text comparisons ignore case, as Intercom's (and the workspace search's)
do. A contact without a value for the attribute fails every positive operator and
passes is_not, does_not_contain and is_unknown. For has_any_value and is_unknown an
empty or whitespace-only string counts as no value, since that is how many apps write
"not set". A stored value of the wrong type (text in a date attribute) matches no
comparison, as if it were unknown, but still counts as a value for has_any_value.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..config import ATTRIBUTE_NAME, _FieldProblem, load_workspace_config
from ..errors import HarnessError

__all__ = [
    "ALL_OPERATORS",
    "Audience",
    "AudienceError",
    "CUSTOM_PREFIX",
    "Group",
    "Leaf",
    "OPERATORS_BY_TYPE",
    "STANDARD_FIELDS",
    "compile_audience",
    "default_custom_types",
    "evaluate",
]

AttributeType = Literal["string", "integer", "float", "boolean", "date"]
View = Any  # a mapping (the REST contact JSON) or an object such as `Contact`

CUSTOM_PREFIX = "custom_attributes."
STANDARD_FIELDS: dict[str, AttributeType] = {
    "role": "string",
    "email": "string",
    "external_id": "string",
    "name": "string",
    "created_at": "date",
    "last_seen_at": "date",
    "signed_up_at": "date",
}
_PRESENCE = ("has_any_value", "is_unknown")
OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "string": (
        "is",
        "is_not",
        "contains",
        "does_not_contain",
        "starts_with",
        "ends_with",
        *_PRESENCE,
    ),
    "integer": ("is", "is_not", "greater_than", "less_than", *_PRESENCE),
    "float": ("is", "is_not", "greater_than", "less_than", *_PRESENCE),
    "date": (
        "greater_than",
        "less_than",
        "more_than_days_ago",
        "less_than_days_ago",
        *_PRESENCE,
    ),
    "boolean": ("is", "is_not", *_PRESENCE),
}
ALL_OPERATORS: tuple[str, ...] = tuple(
    dict.fromkeys(op for ops in OPERATORS_BY_TYPE.values() for op in ops)
)
# The operators a contact without a value passes: each is "no value matches".
NEGATIVE_OPERATORS = frozenset({"is_not", "does_not_contain", "is_unknown"})
_GROUP_KEYS = ("all_of", "any_of")
_LEAF_KEYS = ("attribute", "operator", "value")
_DAY = 86400
# Groups nest at most this deep: deeper is a generated or broken file, not a rule.
MAX_DEPTH = 32
# The workspace's `options` type is text that must be one of a list; `datetime` is
# stored like `date`. Predicates treat them as their underlying type.
_WORKSPACE_TYPES = {"options": "string", "datetime": "date"}


class AudienceError(_FieldProblem, HarnessError):
    """An audience that cannot be evaluated: `loc` is where in it, `allowed` what fits.

    It is the config module's field problem, so a workflow file that holds a bad
    audience is reported at the very key, with its line.
    """


@dataclass(frozen=True)
class Leaf:
    attribute: str
    type: AttributeType
    operator: str
    value: Any = None

    @property
    def custom(self) -> bool:
        return self.attribute.startswith(CUSTOM_PREFIX)


@dataclass(frozen=True)
class Group:
    kind: Literal["all_of", "any_of"]
    members: tuple[Node, ...]


Node = Leaf | Group
Test = Callable[[View, float], bool]


@dataclass(frozen=True)
class Audience:
    """A checked audience: its tree (for the lint) and its compiled test."""

    tree: Node
    test: Test

    def matches(self, contact_view: View, now: float) -> bool:
        return self.test(contact_view, now)

    def leaves(self) -> list[Leaf]:
        found: list[Leaf] = []
        todo: list[Node] = [self.tree]
        while todo:
            node = todo.pop()
            if isinstance(node, Leaf):
                found.append(node)
            else:
                todo.extend(node.members)
        return found


def default_custom_types() -> dict[str, AttributeType]:
    """The custom attributes the default workspace defines, with their types."""
    return {
        attribute.name: _WORKSPACE_TYPES.get(attribute.data_type, attribute.data_type)  # type: ignore[misc]
        for attribute in load_workspace_config().custom_attributes
    }


def compile_audience(
    audience: object, custom_types: Mapping[str, str] | None = None
) -> Audience:
    """Check `audience` and compile it; raises `AudienceError` for the first problem."""
    if isinstance(audience, Audience):
        return audience
    types = default_custom_types() if custom_types is None else dict(custom_types)
    tree = _parse(audience, (), types)
    return Audience(tree, _compile(tree))


def evaluate(audience: object, contact_view: View, now: float) -> bool:
    """Whether the contact is in the audience at time `now` (Unix seconds).

    Pass an `Audience` from `compile_audience` when evaluating many contacts; a raw
    audience is checked and compiled on every call.
    """
    return compile_audience(audience).matches(contact_view, now)


# -- checking --------------------------------------------------------------------


def _parse(node: object, loc: tuple[Any, ...], types: Mapping[str, str]) -> Node:
    if not isinstance(node, Mapping):
        raise AudienceError(
            loc,
            f"an audience entry must be a mapping (a test or a group), not "
            f"{_kind(node)}",
            "{attribute, operator, value}, {all_of: [...]} or {any_of: [...]}",
        )
    groups = [key for key in _GROUP_KEYS if key in node]
    if groups and len(loc) >= 2 * MAX_DEPTH:
        raise AudienceError(
            loc,
            f"groups nest more than {MAX_DEPTH} deep here; flatten the audience",
            f"at most {MAX_DEPTH} nested groups",
        )
    if groups:
        kind = groups[0]
        extra = sorted(str(key) for key in node if key != kind)
        if extra:
            raise AudienceError(
                loc + (extra[0],),
                f"a group holds only its {kind!r} list, but it also has the key "
                f"{extra[0]!r}; put further tests inside the list",
                kind,
            )
        members = node[kind]
        if not isinstance(members, list) or not members:
            given = "an empty list" if members == [] else _kind(members)
            raise AudienceError(
                loc + (kind,),
                f"{kind!r} must be a non-empty list of tests or groups, not {given}",
                "a list of one or more tests or groups",
            )
        return Group(
            kind,  # type: ignore[arg-type]
            tuple(
                _parse(member, loc + (kind, index), types)
                for index, member in enumerate(members)
            ),
        )
    return _parse_leaf(node, loc, types)


def _parse_leaf(
    node: Mapping[Any, Any], loc: tuple[Any, ...], types: Mapping[str, str]
) -> Leaf:
    extra = sorted(str(key) for key in node if key not in _LEAF_KEYS)
    if extra:
        raise AudienceError(
            loc + (extra[0],),
            f"unknown key {extra[0]!r} in an audience test",
            ", ".join((*_LEAF_KEYS, *_GROUP_KEYS)),
        )
    for key in ("attribute", "operator"):
        if key not in node:
            raise AudienceError(
                loc + (key,), f"an audience test needs an {key!r}", _allowed(key, types)
            )
    attribute = node["attribute"]
    kind = _attribute_type(attribute, loc + ("attribute",), types)
    operator = node["operator"]
    allowed = OPERATORS_BY_TYPE[kind]
    if operator not in allowed:
        known = isinstance(operator, str) and operator in ALL_OPERATORS
        raise AudienceError(
            loc + ("operator",),
            f"operator {operator!r} does not apply to {attribute!r}, which holds "
            f"{_type_words(kind)}"
            if known
            else f"{operator!r} is not an operator",
            ", ".join(allowed),
        )
    if operator in _PRESENCE:
        if "value" in node:
            raise AudienceError(
                loc + ("value",),
                f"operator {operator!r} takes no value, but {node['value']!r} is given",
                "no value here",
            )
        return Leaf(attribute, kind, operator)
    if "value" not in node:
        raise AudienceError(
            loc + ("value",),
            f"operator {operator!r} needs a value to compare {attribute!r} with",
            _value_words(kind, operator),
        )
    value = _check_value(node["value"], kind, operator, attribute, loc + ("value",))
    return Leaf(attribute, kind, operator, value)


def _attribute_type(
    attribute: object, loc: tuple[Any, ...], types: Mapping[str, str]
) -> AttributeType:
    if not isinstance(attribute, str):
        raise AudienceError(
            loc,
            f"an attribute is named by text, not {_kind(attribute)}",
            _allowed("attribute", types),
        )
    if attribute in STANDARD_FIELDS:
        return STANDARD_FIELDS[attribute]
    if attribute.startswith(CUSTOM_PREFIX):
        name = attribute[len(CUSTOM_PREFIX) :]
        if not ATTRIBUTE_NAME.fullmatch(name):
            raise AudienceError(
                loc,
                f"{name!r} is not a valid custom attribute name",
                "letters, digits, spaces, '_' and '-', not starting with a space "
                "or '-'",
            )
        if name not in types:
            raise AudienceError(
                loc,
                f"the workspace defines no custom attribute named {name!r}",
                _allowed("attribute", types),
            )
        kind = _WORKSPACE_TYPES.get(types[name], types[name])
        if kind not in OPERATORS_BY_TYPE:
            raise AudienceError(
                loc,
                f"custom attribute {name!r} has the unknown type {kind!r}",
                ", ".join(OPERATORS_BY_TYPE),
            )
        return kind  # type: ignore[return-value]
    if attribute in types:
        # the one spelling rule people trip on: say what to write instead
        raise AudienceError(
            loc,
            f"{attribute!r} is a custom attribute, and custom attributes are written "
            f"with their prefix: {CUSTOM_PREFIX}{attribute}",
            f"{CUSTOM_PREFIX}{attribute}",
        )
    raise AudienceError(
        loc,
        f"{attribute!r} is neither a standard contact field nor a custom attribute",
        _allowed("attribute", types),
    )


def _check_value(
    value: object, kind: str, operator: str, attribute: str, loc: tuple[Any, ...]
) -> Any:
    def refuse(problem: str) -> AudienceError:
        return AudienceError(loc, problem, _value_words(kind, operator))

    if kind == "string":
        if not isinstance(value, str):
            raise refuse(
                f"{attribute!r} holds text, so {operator!r} needs text, not "
                f"{_kind(value)}; write it in quotes"
            )
        if not value.strip():
            # `is ""` would be a hidden "has no value" test that blank text fails
            raise refuse(
                f"{operator!r} needs non-blank text, not {value!r}; to test for no "
                "value use 'is_unknown'"
            )
        return value.casefold()
    if kind == "boolean":
        if not isinstance(value, bool):
            raise refuse(f"{attribute!r} holds true or false, not {_kind(value)}")
        return value
    number = _number(value)
    if number is not None and abs(number) > sys.float_info.max:
        # beyond every float: no date, count or amount, and no comparison can use it
        raise refuse(f"{value!r} is too large a number")
    if operator in ("more_than_days_ago", "less_than_days_ago"):
        if number is None or number < 0:
            raise refuse(
                f"{operator!r} needs a number of days (zero or more), not {value!r}"
            )
        return number
    if kind == "integer" and not isinstance(number, int):
        raise refuse(f"{attribute!r} holds whole numbers, not {value!r}")
    if number is None:
        what = "a Unix time in seconds" if kind == "date" else "a number"
        raise refuse(f"{attribute!r} is compared with {what}, not {value!r}")
    return number


def _number(value: object) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return None


def _allowed(key: str, types: Mapping[str, str]) -> str:
    if key == "operator":
        return ", ".join(ALL_OPERATORS)
    return ", ".join(
        [*STANDARD_FIELDS, *(CUSTOM_PREFIX + name for name in sorted(types))]
    )


def _value_words(kind: str, operator: str) -> str:
    if operator in ("more_than_days_ago", "less_than_days_ago"):
        return "a number of days, zero or more"
    return {
        "string": "non-blank text",
        "integer": "a whole number",
        "float": "a number",
        "date": "a Unix time in seconds",
        "boolean": "true or false",
    }[kind]


def _type_words(kind: str) -> str:
    return {
        "string": "text",
        "integer": "whole numbers",
        "float": "numbers",
        "date": "dates",
        "boolean": "true or false",
    }[kind]


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


# -- compiling -------------------------------------------------------------------


def _getter(attribute: str) -> Callable[[View], Any]:
    if attribute.startswith(CUSTOM_PREFIX):
        name = attribute[len(CUSTOM_PREFIX) :]

        def custom(view: View) -> Any:
            if isinstance(view, Mapping):
                attrs = view.get("custom_attributes")
            else:
                attrs = getattr(view, "custom_attributes", None)
            return attrs.get(name) if isinstance(attrs, Mapping) else None

        return custom

    def standard(view: View) -> Any:
        if isinstance(view, Mapping):
            return view.get(attribute)
        return getattr(view, attribute, None)

    return standard


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _value_test(leaf: Leaf) -> Callable[[Any, float], bool]:
    """The positive test of one present value (not None) against the leaf."""
    op, q = leaf.operator, leaf.value
    if leaf.type == "string":

        def text(v: Any) -> str | None:
            return v.casefold() if isinstance(v, str) else None

        if op in ("is", "is_not"):
            return lambda v, now: text(v) == q
        if op in ("contains", "does_not_contain"):
            return lambda v, now: (t := text(v)) is not None and q in t
        if op == "starts_with":
            return lambda v, now: (t := text(v)) is not None and t.startswith(q)
        return lambda v, now: (t := text(v)) is not None and t.endswith(q)
    if leaf.type == "boolean":
        return lambda v, now: isinstance(v, bool) and v == q
    if op in ("is", "is_not"):
        return lambda v, now: _number(v) is not None and v == q
    if op == "greater_than":
        return lambda v, now: _number(v) is not None and v > q
    if op == "less_than":
        return lambda v, now: _number(v) is not None and v < q
    days = float(q) * _DAY  # float: a huge count of days is -inf, not an error
    if op == "more_than_days_ago":
        return lambda v, now: _number(v) is not None and v < now - days
    # "in the last N days": a date in the future is not "N days ago" at all
    return lambda v, now: _number(v) is not None and now - days < v <= now


def _compile(node: Node) -> Test:
    if isinstance(node, Group):
        tests = tuple(_compile(member) for member in node.members)
        if len(tests) == 1:
            return tests[0]
        if node.kind == "all_of":
            return lambda view, now: all(test(view, now) for test in tests)
        return lambda view, now: any(test(view, now) for test in tests)
    get = _getter(node.attribute)
    if node.operator == "has_any_value":
        return lambda view, now: _present(get(view))
    if node.operator == "is_unknown":
        return lambda view, now: not _present(get(view))
    positive = _value_test(node)
    if node.operator in NEGATIVE_OPERATORS:

        def negative(view: View, now: float) -> bool:
            v = get(view)
            return v is None or not positive(v, now)

        return negative

    def test(view: View, now: float) -> bool:
        v = get(view)
        return v is not None and positive(v, now)

    return test
