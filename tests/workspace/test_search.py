"""Tests for the search query language compiled by `simulator.workspace.search`."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from simulator.workspace.errors import ApiError
from simulator.workspace.search import FieldSpec, compile_query
from tests.conftest import examples

DAY = 86400
# 2011-05-22 08:22:34 UTC, the timestamp used in the official docs' example.
T = 1306054154
T_DAY_START = T - T % DAY

FIELDS: dict[str, FieldSpec] = {
    "email": FieldSpec("string"),
    "name": FieldSpec("string"),
    "role": FieldSpec("string"),
    "custom_attributes.login_status": FieldSpec("string"),
    "age": FieldSpec("integer"),
    "score": FieldSpec("float"),
    "unsubscribed": FieldSpec("boolean"),
    "created_at": FieldSpec("date"),
    "tag_ids": FieldSpec("string", many=True),
    "contact_ids": FieldSpec("integer", many=True),
}


def flt(field: str, op: str, value: object) -> dict[str, object]:
    return {"field": field, "operator": op, "value": value}


def group(op: str, *members: object) -> dict[str, object]:
    return {"operator": op, "value": list(members)}


def matches(query: object, doc: Mapping[str, object]) -> bool:
    return compile_query(query, FIELDS)(doc)


def rejected(query: object, **limits: int) -> ApiError:
    with pytest.raises(ApiError) as info:
        compile_query(query, FIELDS, **limits)
    err = info.value
    assert (err.status, err.code) == (400, "parameter_invalid")
    assert err.message.endswith(".")
    return err


# --- strings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "stored", "expected"),
    [
        ("=", "Ann@Example.com", "ann@example.COM", True),
        ("=", "ann@example.com", "ann@example.org", False),
        ("=", "STRASSE", "straße", True),
        ("!=", "ANN", "ann", False),
        ("!=", "ann", "bob", True),
        ("IN", ["bob", "ANN"], "Ann", True),
        ("IN", ["bob", "carl"], "Ann", False),
        ("NIN", ["bob", "ANN"], "Ann", False),
        ("NIN", ["bob", "carl"], "Ann", True),
        ("~", "EXAMPLE", "ann@example.com", True),
        ("~", "intercom", "ann@example.com", False),
        ("!~", "EXAMPLE", "ann@example.com", False),
        ("!~", "intercom", "ann@example.com", True),
        ("^", "ANN@", "ann@example.com", True),
        ("^", "example", "ann@example.com", False),
        ("$", ".COM", "ann@example.com", True),
        ("$", "ann", "ann@example.com", False),
    ],
)
def test_string_operators(op: str, value: object, stored: str, expected: bool) -> None:
    assert matches(flt("email", op, value), {"email": stored}) is expected


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        ("=", False),
        ("IN", False),
        ("~", False),
        ("^", False),
        ("$", False),
        ("!=", True),
        ("NIN", True),
        ("!~", True),
    ],
)
def test_string_operators_on_a_document_without_the_field(
    op: str, expected: bool
) -> None:
    value: object = ["ann"] if op in ("IN", "NIN") else "ann"
    query = flt("email", op, value)
    assert matches(query, {}) is expected
    assert matches(query, {"email": None}) is expected


def test_empty_string_is_a_present_value_for_non_null_comparisons() -> None:
    assert matches(flt("email", "=", ""), {"email": ""})
    assert not matches(flt("email", "=", ""), {})
    assert matches(flt("email", "!=", "ann"), {"email": ""})


def test_dotted_custom_attribute_field_names() -> None:
    query = flt("custom_attributes.login_status", "=", "Active")
    assert matches(query, {"custom_attributes.login_status": "active"})
    assert not matches(query, {"custom_attributes.login_status": "locked"})


# --- numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "stored", "expected"),
    [
        ("=", 30, 30, True),
        ("=", "30", 30, True),
        ("=", 30.0, 30, True),
        ("=", 31, 30, False),
        ("!=", 31, 30, True),
        ("!=", "30", 30, False),
        ("IN", [1, "30"], 30, True),
        ("IN", [1, 2], 30, False),
        ("NIN", [1, 2], 30, True),
        ("NIN", [30], 30, False),
        ("<", 31, 30, True),
        ("<", 30, 30, False),
        ("<=", 30, 30, True),
        ("<=", 29, 30, False),
        (">", 29, 30, True),
        (">", 30, 30, False),
        (">=", "30", 30, True),
        (">=", 31, 30, False),
        ("=", "-7", -7, True),
        ("=", 2**62 + 1, 2**62 + 1, True),
        ("=", str(2**62 + 1), 2**62, False),
    ],
)
def test_integer_operators(op: str, value: object, stored: int, expected: bool) -> None:
    assert matches(flt("age", op, value), {"age": stored}) is expected


@pytest.mark.parametrize(
    ("op", "value", "stored", "expected"),
    [
        ("=", 2.5, 2.5, True),
        ("=", "2.5", 2.5, True),
        ("=", 2, 2.0, True),
        ("!=", 2.5, 2.25, True),
        ("IN", [1, "2.5"], 2.5, True),
        ("NIN", [1, "2.5"], 2.5, False),
        ("<", "2.5", 2.25, True),
        ("<=", 2.25, 2.25, True),
        (">", 1e-3, 0.0, False),
        (">=", "-1e2", -100.0, True),
        (">=", ".5", 0.25, False),
    ],
)
def test_float_operators(op: str, value: object, stored: float, expected: bool) -> None:
    assert matches(flt("score", op, value), {"score": stored}) is expected


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        ("=", False),
        ("IN", False),
        ("<", False),
        ("<=", False),
        (">", False),
        (">=", False),
        ("!=", True),
        ("NIN", True),
    ],
)
def test_number_operators_on_a_document_without_the_field(
    op: str, expected: bool
) -> None:
    value: object = [5] if op in ("IN", "NIN") else 5
    assert matches(flt("age", op, value), {"age": None}) is expected
    assert matches(flt("score", op, value), {}) is expected


def test_zero_is_a_value_not_an_absence() -> None:
    assert matches(flt("age", "=", 0), {"age": 0})
    assert not matches(flt("age", "=", None), {"age": 0})


# --- dates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "stored", "expected"),
    [
        ("=", T, True),
        ("=", T_DAY_START, True),
        ("=", T_DAY_START + DAY - 1, True),
        ("=", T_DAY_START - 1, False),
        ("=", T_DAY_START + DAY, False),
        (">", T + 60, False),
        (">", T_DAY_START + DAY - 1, False),
        (">", T_DAY_START + DAY, True),
        ("<", T - 60, False),
        ("<", T_DAY_START, False),
        ("<", T_DAY_START - 1, True),
    ],
)
def test_dates_compare_by_utc_day(op: str, stored: int, expected: bool) -> None:
    assert matches(flt("created_at", op, T), {"created_at": stored}) is expected


def test_date_value_given_as_numeric_string_like_the_docs_example() -> None:
    query = flt("created_at", ">", "1306054154")
    assert matches(query, {"created_at": T + DAY})
    assert not matches(query, {"created_at": T + 1})


def test_date_day_truncation_floors_before_the_epoch() -> None:
    # -1 is 1969-12-31, a different day from 0 even though int(-1 / DAY) == 0.
    assert not matches(flt("created_at", "=", -1), {"created_at": 0})
    assert matches(flt("created_at", "<", -1), {"created_at": -DAY - 1})
    assert matches(flt("created_at", "=", "-0.5"), {"created_at": -DAY})


def test_date_fractional_seconds_and_float_documents() -> None:
    assert matches(flt("created_at", "=", T + 0.5), {"created_at": float(T)})
    assert matches(flt("created_at", ">", T), {"created_at": T_DAY_START + DAY + 0.5})


def test_dates_without_a_value_never_match_comparisons() -> None:
    for op in ("=", "<", ">"):
        assert not matches(flt("created_at", op, T), {"created_at": None})


# --- booleans ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "stored", "expected"),
    [
        ("=", True, True, True),
        ("=", True, False, False),
        ("=", "true", True, True),
        ("=", "false", False, True),
        ("=", "FALSE", True, False),
        ("!=", True, False, True),
        ("!=", "true", True, False),
        ("=", False, None, False),
        ("!=", True, None, True),
    ],
)
def test_boolean_operators(
    op: str, value: object, stored: bool | None, expected: bool
) -> None:
    doc = {"unsubscribed": stored}
    assert matches(flt("unsubscribed", op, value), doc) is expected


# --- null ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "doc", "has_value"),
    [
        ("email", {}, False),
        ("email", {"email": None}, False),
        ("email", {"email": ""}, False),
        ("email", {"email": "a@b.c"}, True),
        ("age", {"age": None}, False),
        ("age", {"age": 0}, True),
        ("score", {"score": 0.0}, True),
        ("unsubscribed", {"unsubscribed": False}, True),
        ("created_at", {"created_at": 0}, True),
        ("created_at", {}, False),
        ("tag_ids", {"tag_ids": []}, False),
        ("tag_ids", {"tag_ids": None}, False),
        ("tag_ids", {}, False),
        ("tag_ids", {"tag_ids": [None, ""]}, False),
        ("tag_ids", {"tag_ids": ["7"]}, True),
        ("contact_ids", {"contact_ids": [0]}, True),
        ("contact_ids", {"contact_ids": []}, False),
    ],
)
def test_null_tests_for_presence(
    field: str, doc: dict[str, object], has_value: bool
) -> None:
    assert matches(flt(field, "=", None), doc) is not has_value
    if field != "created_at":
        assert matches(flt(field, "!=", None), doc) is has_value


@pytest.mark.parametrize("op", ["<", ">", "~", "^", "$", "!~", "<=", ">="])
def test_null_is_refused_by_other_operators(op: str) -> None:
    field = {"<": "created_at", ">": "created_at", "<=": "age", ">=": "score"}.get(
        op, "email"
    )
    err = rejected(flt(field, op, None))
    assert "null" in err.message
    assert err.field == field


def test_null_is_refused_inside_an_in_list() -> None:
    err = rejected(flt("email", "IN", ["a", None]))
    assert "null" in err.message


# --- many-valued fields --------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "stored", "expected"),
    [
        ("=", "VIP", ["lead", "vip"], True),
        ("=", "vip", ["lead"], False),
        ("=", "vip", [], False),
        ("!=", "vip", ["lead", "VIP"], False),
        ("!=", "vip", ["lead"], True),
        ("!=", "vip", [], True),
        ("IN", ["x", "lead"], ["lead", "vip"], True),
        ("IN", ["x"], ["lead", "vip"], False),
        ("NIN", ["x", "lead"], ["lead", "vip"], False),
        ("NIN", ["x"], ["lead", "vip"], True),
        ("~", "EA", ["lead", "vip"], True),
        ("!~", "EA", ["lead", "vip"], False),
        ("!~", "zz", ["lead", "vip"], True),
        ("^", "V", ["lead", "vip"], True),
        ("$", "d", ["vip", "lead"], True),
        ("$", "x", ["vip", "lead"], False),
        ("=", "vip", [None, "vip"], True),
        ("!=", "vip", None, True),
    ],
)
def test_many_valued_string_field(
    op: str, value: object, stored: list[str] | None, expected: bool
) -> None:
    assert matches(flt("tag_ids", op, value), {"tag_ids": stored}) is expected


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("=", 3, True),
        ("=", "4", False),
        ("!=", 3, False),
        ("<", 2, True),
        ("<", 1, False),
        (">", 8, True),
        (">=", 9, True),
        (">", 9, False),
        ("IN", [4, 9], True),
        ("NIN", [4, 5], True),
        ("NIN", [4, 1], False),
    ],
)
def test_many_valued_integer_field(op: str, value: object, expected: bool) -> None:
    doc = {"contact_ids": [1, 3, 9]}
    assert matches(flt("contact_ids", op, value), doc) is expected


# --- groups --------------------------------------------------------------------


def test_and_group_needs_every_member() -> None:
    query = group("AND", flt("role", "=", "user"), flt("age", ">", 18))
    assert matches(query, {"role": "user", "age": 30})
    assert not matches(query, {"role": "user", "age": 10})
    assert not matches(query, {"role": "lead", "age": 30})


def test_or_group_needs_any_member() -> None:
    query = group("OR", flt("role", "=", "user"), flt("age", ">", 18))
    assert matches(query, {"role": "lead", "age": 30})
    assert matches(query, {"role": "user", "age": 1})
    assert not matches(query, {"role": "lead", "age": 1})


def test_single_member_group_is_its_member() -> None:
    query = group("OR", flt("role", "=", "user"))
    assert matches(query, {"role": "USER"})
    assert not matches(query, {"role": "lead"})


def test_nested_groups_at_the_maximum_depth() -> None:
    query = group(
        "OR",
        group("AND", flt("role", "=", "user"), flt("age", ">=", 18)),
        group("AND", flt("role", "=", "lead"), flt("tag_ids", "=", "vip")),
    )
    assert matches(query, {"role": "user", "age": 18})
    assert matches(query, {"role": "lead", "tag_ids": ["vip"]})
    assert not matches(query, {"role": "lead", "age": 40, "tag_ids": []})
    assert not matches(query, {"role": "user", "age": 17, "tag_ids": ["vip"]})


def test_fifteen_members_are_allowed() -> None:
    query = group("OR", *(flt("age", "=", n) for n in range(15)))
    assert matches(query, {"age": 14})
    assert not matches(query, {"age": 15})


# --- errors --------------------------------------------------------------------


def test_unknown_field_names_the_field_and_suggests_the_closest_first() -> None:
    err = rejected(flt("emial", "=", "a"))
    assert err.field == "emial"
    assert "'emial'" in err.message
    listed = err.message.split(":", 1)[1]
    assert listed.strip().startswith("email")


def test_unknown_field_lists_at_most_ten_known_fields() -> None:
    fields = {f"attr_{n:02d}": FieldSpec("string") for n in range(30)}
    with pytest.raises(ApiError) as info:
        compile_query(flt("zzz", "=", "a"), fields)
    named = [name for name in fields if name in info.value.message]
    assert 1 <= len(named) <= 10


def test_unknown_field_suggestion_inside_a_group_for_a_dotted_name() -> None:
    query = group("AND", flt("custom_attributes.login_statu", "=", "x"))
    err = rejected(query)
    assert (
        err.message.split(":", 1)[1]
        .strip()
        .startswith("custom_attributes.login_status")
    )


@pytest.mark.parametrize(
    ("field", "op", "value"),
    [
        ("email", "<", "a"),
        ("email", ">=", "a"),
        ("age", "~", 1),
        ("age", "^", 1),
        ("score", "$", 1.0),
        ("created_at", "!=", T),
        ("created_at", "<=", T),
        ("created_at", ">=", T),
        ("created_at", "IN", [T]),
        ("unsubscribed", "IN", [True]),
        ("unsubscribed", "<", True),
        ("unsubscribed", "~", "t"),
        ("email", "LIKE", "a"),
        ("email", "in", ["a"]),
        ("email", "==", "a"),
    ],
)
def test_operator_not_allowed_for_type(field: str, op: str, value: object) -> None:
    err = rejected(flt(field, op, value))
    assert err.field == field
    assert repr(op) in err.message
    assert f"'{field}'" in err.message
    assert FIELDS[field].type in err.message
    assert "allowed operators" in err.message


def test_operator_error_lists_the_date_operators() -> None:
    err = rejected(flt("created_at", "!=", T))
    assert err.message.endswith("allowed operators are: = < >.")


def test_non_string_operator_is_refused() -> None:
    err = rejected(flt("email", 1, "a"))
    assert err.field == "email"


def test_three_levels_of_groups_is_too_deep() -> None:
    query = group("AND", group("OR", group("AND", flt("age", "=", 1))))
    err = rejected(query)
    assert "3" in err.message and "2" in err.message


def test_depth_limit_is_configurable() -> None:
    assert compile_query(flt("age", "=", 1), FIELDS, max_depth=0)({"age": 1})
    rejected(group("AND", flt("age", "=", 1)), max_depth=0)
    query = group("AND", group("OR", group("AND", flt("age", "=", 1))))
    assert compile_query(query, FIELDS, max_depth=3)({"age": 1})


def test_sixteen_members_are_too_many() -> None:
    err = rejected(group("OR", *(flt("age", "=", n) for n in range(16))))
    assert "16" in err.message and "15" in err.message


def test_member_limit_applies_to_nested_groups_and_is_configurable() -> None:
    inner = group("OR", *(flt("age", "=", n) for n in range(4)))
    rejected(group("AND", inner), max_filters=3)
    assert compile_query(group("AND", inner), FIELDS, max_filters=4)({"age": 3})


@pytest.mark.parametrize(
    "query",
    [
        None,
        "email = a",
        ["field", "email"],
        42,
        {},
        {"field": "email", "operator": "="},
        {"field": "email", "value": "a"},
        {"field": "email", "operator": "=", "value": "a", "extra": 1},
        {"field": 5, "operator": "=", "value": "a"},
        {"operator": "AND"},
        {"value": [{"field": "email", "operator": "=", "value": "a"}]},
        {"operator": "AND", "value": []},
        {"operator": "OR", "value": {"field": "email", "operator": "=", "value": "a"}},
        {"operator": "and", "value": [{"field": "age", "operator": "=", "value": 1}]},
        {"operator": "XOR", "value": [{"field": "age", "operator": "=", "value": 1}]},
        {
            "operator": "AND",
            "value": [{"field": "age", "operator": "=", "value": 1}],
            "field_x": 1,
        },
        {"operator": "AND", "value": ["age = 1"]},
        {"operator": "AND", "value": [None]},
        {"operator": "AND", "value": [{"operator": "OR", "value": []}]},
    ],
)
def test_malformed_nodes_are_refused(query: object) -> None:
    rejected(query)


@pytest.mark.parametrize(
    ("field", "op", "value"),
    [
        ("email", "=", 5),
        ("email", "~", True),
        ("email", "=", ["a"]),
        ("email", "=", {"a": 1}),
        ("email", "IN", ["a", 5]),
        ("age", "=", "thirty"),
        ("age", "=", "30.5"),
        ("age", "=", 30.5),
        ("age", "=", True),
        ("age", "IN", [1, False]),
        ("age", "=", ""),
        ("age", "=", " 30"),
        ("age", "=", "1e99999999"),
        ("age", "=", [30]),
        ("score", "=", "nan"),
        ("score", "=", float("nan")),
        ("score", "=", float("inf")),
        ("score", "=", "1e9999"),
        ("score", "<", False),
        ("created_at", ">", "yesterday"),
        ("created_at", ">", True),
        ("created_at", "=", [T]),
        ("unsubscribed", "=", 1),
        ("unsubscribed", "=", "yes"),
        ("unsubscribed", "=", [True]),
        ("tag_ids", "=", 7),
        ("contact_ids", "=", "seven"),
    ],
)
def test_bad_values_are_refused(field: str, op: str, value: object) -> None:
    err = rejected(flt(field, op, value))
    assert err.field == field
    assert f"'{field}'" in err.message


@pytest.mark.parametrize("value", ["a", 5, None, {"a": 1}, [], ("a",)])
def test_in_and_nin_need_a_non_empty_list(value: object) -> None:
    for op in ("IN", "NIN"):
        err = rejected(flt("email", op, value))
        assert "non-empty list" in err.message
        assert err.field == "email"


def test_errors_are_found_at_compile_time_even_in_later_members() -> None:
    query = group("OR", flt("age", "=", 1), flt("age", "=", "x"))
    rejected(query)


def test_field_spec_rejects_an_unknown_type() -> None:
    with pytest.raises(ValueError):
        FieldSpec("datetime")  # type: ignore[arg-type]


# --- property test against a reference interpreter ------------------------------

PROP_FIELDS: dict[str, FieldSpec] = {
    "name": FieldSpec("string"),
    "age": FieldSpec("integer"),
    "score": FieldSpec("float"),
    "active": FieldSpec("boolean"),
    "seen_at": FieldSpec("date"),
    "tags": FieldSpec("string", many=True),
    "ids": FieldSpec("integer", many=True),
}
OPS = {
    "string": ["=", "!=", "IN", "NIN", "~", "!~", "^", "$"],
    "integer": ["=", "!=", "IN", "NIN", "<", "<=", ">", ">="],
    "float": ["=", "!=", "IN", "NIN", "<", "<=", ">", ">="],
    "date": ["=", "<", ">"],
    "boolean": ["=", "!="],
}
STORED_TEXT = ["", "alice", "Alice", "ALICE@x.com", "bob", "Bob Smith", "straße", "a"]
QUERY_TEXT = ["", "alice", "ALICE", "a", "B", "bob", "smith", "SS", "strasse", ".COM"]
DATES = [-DAY - 1, -1, 0, DAY - 1, DAY, DAY + 1, 2 * DAY - 1, T, T + DAY]

stored_value = {
    "string": st.sampled_from(STORED_TEXT),
    "integer": st.integers(-3, 3),
    "float": st.sampled_from([-1.5, 0.0, 0.5, 2.0, 3.0]),
    "boolean": st.booleans(),
    "date": st.sampled_from(DATES),
}
query_value = {
    "string": st.sampled_from(QUERY_TEXT),
    "integer": st.integers(-3, 3).flatmap(lambda n: st.sampled_from([n, str(n)])),
    "float": st.sampled_from([-1.5, 0, 0.5, 2, 2.5]).flatmap(
        lambda x: st.sampled_from([x, str(x)])
    ),
    "boolean": st.sampled_from([True, False, "true", "false"]),
    "date": st.sampled_from(DATES).flatmap(lambda t: st.sampled_from([t, str(t)])),
}


def _document_value(spec: FieldSpec) -> st.SearchStrategy[object]:
    one = stored_value[spec.type]
    if spec.many:
        return st.none() | st.lists(st.none() | one, max_size=3)
    return st.none() | one


documents = st.fixed_dictionaries(
    {}, optional={name: _document_value(spec) for name, spec in PROP_FIELDS.items()}
)


@st.composite
def filters(draw: st.DrawFn) -> dict[str, object]:
    name = draw(st.sampled_from(sorted(PROP_FIELDS)))
    kind = PROP_FIELDS[name].type
    op = draw(st.sampled_from(OPS[kind]))
    value: object
    if op in ("IN", "NIN"):
        value = draw(st.lists(query_value[kind], min_size=1, max_size=3))
    elif op in ("=", "!=") and draw(st.integers(0, 4)) == 0:
        value = None
    else:
        value = draw(query_value[kind])
    return flt(name, op, value)


def groups_of(members: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.builds(
        lambda op, items: {"operator": op, "value": items},
        st.sampled_from(["AND", "OR"]),
        st.lists(members, min_size=1, max_size=4),
    )


shallow_groups = groups_of(filters())
queries = filters() | shallow_groups | groups_of(filters() | shallow_groups)


def _reference_element(kind: str, op: str, stored: object, wanted: object) -> bool:
    """Does one stored value satisfy `op` (taken in its positive sense)?"""

    def norm(x: object) -> object:
        # Normalise both sides the same way, from the raw JSON, on every call.
        if kind == "string":
            return str(x).casefold()
        if kind == "boolean":
            return x if isinstance(x, bool) else str(x).lower() == "true"
        if kind == "date":
            return int(x) // DAY  # type: ignore[call-overload]
        return float(x)  # type: ignore[arg-type]

    s = norm(stored)
    match op:
        case "=" | "!=":
            return s == norm(wanted)
        case "IN" | "NIN":
            return any(s == norm(w) for w in wanted)  # type: ignore[attr-defined]
        case "~" | "!~":
            return str(norm(wanted)) in str(s)
        case "^":
            return str(s).startswith(str(norm(wanted)))
        case "$":
            return str(s).endswith(str(norm(wanted)))
        case "<":
            return s < norm(wanted)  # type: ignore[operator]
        case "<=":
            return s <= norm(wanted)  # type: ignore[operator]
        case ">":
            return s > norm(wanted)  # type: ignore[operator]
        case ">=":
            return s >= norm(wanted)  # type: ignore[operator]
    raise AssertionError(op)


def reference(node: Mapping[str, object], doc: Mapping[str, object]) -> bool:
    if "field" not in node:
        outcomes = [reference(member, doc) for member in node["value"]]  # type: ignore
        return all(outcomes) if node["operator"] == "AND" else any(outcomes)
    name, op, wanted = node["field"], node["operator"], node["value"]
    spec = PROP_FIELDS[name]  # type: ignore[index]
    raw = doc.get(name)  # type: ignore[arg-type]
    stored = [v for v in (raw or [] if spec.many else [raw]) if v is not None]
    if wanted is None:
        present = [v for v in stored if v != ""]
        return not present if op == "=" else bool(present)
    kind = spec.type
    hits = [_reference_element(kind, op, v, wanted) for v in stored]  # type: ignore
    return not any(hits) if op in ("!=", "NIN", "!~") else any(hits)


@settings(max_examples=examples(200), deadline=None)
@given(query=queries, docs=st.lists(documents, min_size=1, max_size=5))
def test_compiled_predicate_agrees_with_reference_interpreter(
    query: dict[str, object], docs: list[dict[str, object]]
) -> None:
    predicate = compile_query(query, PROP_FIELDS)
    for doc in docs:
        assert predicate(doc) is reference(query, doc), doc


@settings(max_examples=examples(200), deadline=None)
@given(node=filters(), doc=documents)
def test_negative_operators_are_exact_complements(
    node: dict[str, object], doc: dict[str, object]
) -> None:
    complements = {"=": "!=", "!=": "=", "IN": "NIN", "NIN": "IN", "~": "!~", "!~": "~"}
    op, kind = node["operator"], PROP_FIELDS[node["field"]].type  # type: ignore[index]
    assume(op in complements and kind != "date")
    flipped = {**node, "operator": complements[op]}  # type: ignore[index]
    assert compile_query(node, PROP_FIELDS)(doc) is not compile_query(
        flipped, PROP_FIELDS
    )(doc)
