"""The search query language of `POST /contacts/search` and `/conversations/search`.

A query is a tree of JSON objects. A leaf is a *filter*,
``{"field": name, "operator": op, "value": v}``, which tests one field of a record;
an inner node is a *group*, ``{"operator": "AND" | "OR", "value": [node, ...]}``,
which combines its members. Either kind may stand at the top.

Which operators a filter may use depends on the type of its field: strings take
equality, membership (``IN``/``NIN``), containment (``~``/``!~``) and prefix/suffix
(``^``/``$``), all case-insensitive; numbers take equality, membership and ordering;
dates (Unix seconds) take ``=``, ``<`` and ``>`` compared by UTC calendar day;
booleans take ``=`` and ``!=``. ``= null`` asks for records without a value and
``!= null`` for records with one. On list-valued fields a positive operator asks
whether any element matches and a negative one whether none does.

`compile_query` checks the whole query once, raising `ApiError` 400
``parameter_invalid`` for the first problem it finds, and returns a predicate over
*search documents*: flat mappings from field name to value (a list for list-valued
fields), where a missing key or ``None`` means the record has no value.
"""

from __future__ import annotations

import difflib
import math
import operator as _op
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

from simulator.workspace.errors import ApiError
from simulator.workspace.fields import json_type

__all__ = ["FieldSpec", "FieldType", "compile_query"]

FieldType = Literal["string", "integer", "float", "boolean", "date"]
Predicate = Callable[[Mapping[str, object]], bool]

_DAY = 86400
_GROUP_OPERATORS = ("AND", "OR")
_FILTER_KEYS = frozenset({"field", "operator", "value"})
_GROUP_KEYS = frozenset({"operator", "value"})
_NUMERIC_OPERATORS = ("=", "!=", "IN", "NIN", "<", "<=", ">", ">=")
_ALLOWED_OPERATORS: dict[str, tuple[str, ...]] = {
    "string": ("=", "!=", "IN", "NIN", "~", "!~", "^", "$"),
    "integer": _NUMERIC_OPERATORS,
    "float": _NUMERIC_OPERATORS,
    "date": ("=", "<", ">"),
    "boolean": ("=", "!="),
}
# Each negative operator is evaluated as "no value matches the positive one", which
# is what makes a record without a value satisfy it.
_NEGATED = {"!=": "=", "NIN": "IN", "!~": "~"}
_LIST_OPERATORS = frozenset({"IN", "NIN"})
_NULLABLE_OPERATORS = frozenset({"=", "!="})
_ORDERING = {"<": _op.lt, "<=": _op.le, ">": _op.gt, ">=": _op.ge}
# Bounded exponent: "1e999999999" would otherwise make int() build a billion digits.
_NUMERIC_STRING = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?")
_MAX_SUGGESTIONS = 10


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one searchable field is typed, and whether documents hold a list of it."""

    type: FieldType
    many: bool = False

    def __post_init__(self) -> None:
        if self.type not in _ALLOWED_OPERATORS:
            raise ValueError(f"unknown search field type {self.type!r}")


def compile_query(
    query: object,
    fields: Mapping[str, FieldSpec],
    *,
    max_filters: int = 15,
    max_depth: int = 2,
) -> Predicate:
    """Validate `query` against `fields` and return a predicate over documents."""
    return _Compiler(fields, max_filters, max_depth).node(query, 0)


def _invalid(message: str, field: str | None = "query") -> ApiError:
    return ApiError(400, "parameter_invalid", message, field=field)


class _Compiler:
    def __init__(
        self, fields: Mapping[str, FieldSpec], max_filters: int, max_depth: int
    ) -> None:
        self.fields = fields
        self.max_filters = max_filters
        self.max_depth = max_depth

    def node(self, node: object, depth: int) -> Predicate:
        if not isinstance(node, Mapping):
            raise _invalid(
                "Each query node must be an object (a filter or a group), "
                f"got {json_type(node)}."
            )
        if "field" in node:
            return self.filter(node)
        return self.group(node, depth + 1)

    def group(self, node: Mapping[str, object], depth: int) -> Predicate:
        extra = sorted(map(str, node.keys() - _GROUP_KEYS))
        if extra:
            raise _invalid(
                "A group takes only the keys 'operator' and 'value' (a filter also "
                f"takes 'field'); unknown key(s): {', '.join(extra)}."
            )
        if "operator" not in node:
            raise _invalid("A query node is missing the required key 'operator'.")
        combinator = node["operator"]
        if combinator not in _GROUP_OPERATORS:
            raise _invalid(
                f"A group's operator must be 'AND' or 'OR', got {combinator!r}; "
                "a filter needs a 'field' key."
            )
        if depth > self.max_depth:
            raise _invalid(
                f"Groups are nested {depth} levels deep; at most {self.max_depth} "
                "levels of nested groups are allowed."
            )
        members = node.get("value")
        if not isinstance(members, list) or not members:
            given = "an empty list" if members == [] else json_type(members)
            raise _invalid(
                f"The value of an {combinator} group must be a non-empty list of "
                f"filters or groups, got {given}."
            )
        if len(members) > self.max_filters:
            raise _invalid(
                f"An {combinator} group has {len(members)} members; at most "
                f"{self.max_filters} filters or groups are allowed in one group."
            )
        preds = tuple(self.node(member, depth) for member in members)
        if len(preds) == 1:
            return preds[0]
        if combinator == "AND":

            def all_of(doc: Mapping[str, object]) -> bool:
                for pred in preds:
                    if not pred(doc):
                        return False
                return True

            return all_of

        def any_of(doc: Mapping[str, object]) -> bool:
            for pred in preds:
                if pred(doc):
                    return True
            return False

        return any_of

    def filter(self, node: Mapping[str, object]) -> Predicate:
        extra = sorted(map(str, node.keys() - _FILTER_KEYS))
        if extra:
            raise _invalid(
                "A filter takes only the keys 'field', 'operator' and 'value'; "
                f"unknown key(s): {', '.join(extra)}."
            )
        missing = [key for key in ("operator", "value") if key not in node]
        if missing:
            raise _invalid(
                f"A filter is missing the required key(s): {', '.join(missing)}."
            )
        name = node["field"]
        if not isinstance(name, str):
            raise _invalid(
                f"A filter's 'field' must be a string, got {json_type(name)}."
            )
        spec = self.fields.get(name)
        if spec is None:
            raise _invalid(
                f"'{name}' is not a searchable field; known fields include: "
                f"{', '.join(self._suggestions(name))}.",
                field=name,
            )
        op = node["operator"]
        allowed = _ALLOWED_OPERATORS[spec.type]
        if not isinstance(op, str) or op not in allowed:
            raise _invalid(
                f"Operator {op!r} is not allowed for field '{name}' of type "
                f"{spec.type}; allowed operators are: {' '.join(allowed)}.",
                field=name,
            )
        value = node["value"]
        if op in _LIST_OPERATORS:
            if not isinstance(value, list) or not value:
                raise _invalid(
                    f"Operator {op} on field '{name}' takes a non-empty list of "
                    f"values, got {json_type(value)}.",
                    field=name,
                )
            converted: object = tuple(
                self._scalar(name, spec, op, item) for item in value
            )
        elif value is None:
            if op not in _NULLABLE_OPERATORS:
                raise _invalid(
                    f"Operator {op} on field '{name}' cannot take null; only = and "
                    "!= accept null.",
                    field=name,
                )
            has_value = _has_value(name, spec)
            if op == "=":
                return lambda doc: not has_value(doc)
            return has_value
        else:
            converted = self._scalar(name, spec, op, value)

        positive = _NEGATED.get(op, op)
        test = _element_test(spec.type, positive, converted)
        matches = _any_element(name, spec, test)
        if op not in _NEGATED:
            return matches
        return lambda doc: not matches(doc)

    def _suggestions(self, name: str) -> list[str]:
        known = sorted(self.fields)
        close = difflib.get_close_matches(name, known, n=_MAX_SUGGESTIONS)
        rest = [field for field in known if field not in close]
        return (close + rest)[:_MAX_SUGGESTIONS]

    def _scalar(self, name: str, spec: FieldSpec, op: str, value: object) -> object:
        def refuse(expected: str) -> ApiError:
            return _invalid(
                f"Field '{name}' is of type {spec.type}, so operator {op} needs "
                f"{expected}; got {json_type(value)} {value!r}.",
                field=name,
            )

        if spec.type == "string":
            if not isinstance(value, str):
                raise refuse("a string value")
            return value.casefold()
        if spec.type == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise refuse("true or false")
        number = _as_decimal(value)
        if spec.type == "integer":
            if number is None or number != number.to_integral_value():
                raise refuse("an integer (or a string holding one)")
            return int(number)
        if spec.type == "float":
            result = float(number) if number is not None else math.nan
            if not math.isfinite(result):
                raise refuse("a finite number (or a string holding one)")
            return result
        if number is None:
            raise refuse("a Unix timestamp in seconds (or a string holding one)")
        return int((number / _DAY).to_integral_value(rounding=ROUND_FLOOR))


def _as_decimal(value: object) -> Decimal | None:
    # Decimal keeps "1306054154" and 2**60 exact, where a float would round them.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(value) if math.isfinite(value) else None
    if isinstance(value, str) and _NUMERIC_STRING.fullmatch(value):
        return Decimal(value)
    return None


def _element_test(kind: str, op: str, q: object) -> Callable[[object], bool]:
    """A test of one present (non-None) document value against a positive operator."""
    if kind == "string":
        if op == "=":
            return lambda v: v.casefold() == q  # type: ignore[attr-defined]
        if op == "IN":
            wanted = frozenset(q)
            return lambda v: v.casefold() in wanted  # type: ignore[attr-defined]
        if op == "~":
            return lambda v: q in v.casefold()  # type: ignore[attr-defined,operator]
        if op == "^":
            return lambda v: v.casefold().startswith(q)  # type: ignore[attr-defined]
        return lambda v: v.casefold().endswith(q)  # type: ignore[attr-defined]
    if kind == "date":
        compare = _op.eq if op == "=" else _ORDERING[op]
        return lambda v: compare(v // _DAY, q)  # type: ignore[operator]
    if op == "IN":
        wanted_values = frozenset(q)  # type: ignore[arg-type]
        return lambda v: v in wanted_values
    if op == "=":
        return lambda v: v == q
    compare = _ORDERING[op]
    return lambda v: compare(v, q)


def _any_element(
    name: str, spec: FieldSpec, test: Callable[[object], bool]
) -> Predicate:
    if spec.many:

        def any_matches(doc: Mapping[str, object]) -> bool:
            values = doc.get(name)
            if not values:
                return False
            for v in values:  # type: ignore[attr-defined]
                if v is not None and test(v):
                    return True
            return False

        return any_matches

    def matches(doc: Mapping[str, object]) -> bool:
        v = doc.get(name)
        return v is not None and test(v)

    return matches


def _has_value(name: str, spec: FieldSpec) -> Predicate:
    # An empty string is how many records store "never set", so it counts as absent.
    def present(v: object) -> bool:
        return v is not None and not (spec.type == "string" and v == "")

    if spec.many:

        def any_present(doc: Mapping[str, object]) -> bool:
            values = doc.get(name)
            if not values:
                return False
            return any(present(v) for v in values)  # type: ignore[attr-defined]

        return any_present
    return lambda doc: present(doc.get(name))
