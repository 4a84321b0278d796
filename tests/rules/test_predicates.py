"""Audience predicates: each operator per type, missing and blank values, the clock,
the checks that refuse a bad audience, and agreement with the workspace search."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import HarnessError
from simulator.rules.predicates import (
    ALL_OPERATORS,
    OPERATORS_BY_TYPE,
    AudienceError,
    compile_audience,
    evaluate,
)
from simulator.workspace.search import FieldSpec, compile_query
from simulator.workspace.state import Contact
from tests.conftest import examples

NOW = 1_767_603_600
DAY = 86400
TYPES = {
    "login_status": "string",
    "user_id": "string",
    "visits": "integer",
    "score": "float",
    "vip": "boolean",
    "last_login_at": "date",
    "plan": "options",
}


def leaf(attribute: str, operator: str, value: Any = ...) -> dict[str, Any]:
    leaf: dict[str, Any] = {"attribute": attribute, "operator": operator}
    if value is not ...:
        leaf["value"] = value
    return leaf


def matches(audience: dict[str, Any], view: Any, now: float = NOW) -> bool:
    return compile_audience(audience, TYPES).matches(view, now)


def custom(**attrs: Any) -> dict[str, Any]:
    return {"role": "user", "custom_attributes": attrs}


# -- strings ------------------------------------------------------------------------

STRING_CASES = [
    ("is", "logged_in", "logged_in", True),
    ("is", "logged_in", "LOGGED_IN", True),  # text compares without case
    ("is", "logged_in", "logged_out", False),
    ("is_not", "logged_in", "logged_out", True),
    ("is_not", "logged_in", "Logged_In", False),
    ("contains", "log", "logged_in", True),
    ("contains", "xyz", "logged_in", False),
    ("does_not_contain", "out", "logged_in", True),
    ("does_not_contain", "IN", "logged_in", False),
    ("starts_with", "LOGGED", "logged_in", True),
    ("starts_with", "in", "logged_in", False),
    ("ends_with", "_in", "logged_in", True),
    ("ends_with", "logged", "logged_in", False),
]


@pytest.mark.parametrize(("operator", "value", "stored", "expected"), STRING_CASES)
def test_string_operators(operator: str, value: str, stored: str, expected: bool):
    audience = leaf("custom_attributes.login_status", operator, value)
    assert matches(audience, custom(login_status=stored)) is expected


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("is", False),
        ("contains", False),
        ("starts_with", False),
        ("ends_with", False),
        ("is_not", True),
        ("does_not_contain", True),
    ],
)
def test_an_unknown_attribute_fails_positive_and_passes_negative(operator, expected):
    audience = leaf("custom_attributes.login_status", operator, "logged_in")
    assert matches(audience, custom()) is expected
    assert matches(audience, custom(login_status=None)) is expected
    assert matches(audience, {}) is expected  # no custom_attributes at all


@pytest.mark.parametrize("blank", [None, "", " ", "\t\n"])
def test_blank_text_counts_as_no_value_for_presence(blank):
    view = custom(user_id=blank)
    assert not matches(leaf("custom_attributes.user_id", "has_any_value"), view)
    assert matches(leaf("custom_attributes.user_id", "is_unknown"), view)


def test_any_text_counts_as_a_value():
    view = custom(user_id=" u1 ")
    assert matches(leaf("custom_attributes.user_id", "has_any_value"), view)
    assert not matches(leaf("custom_attributes.user_id", "is_unknown"), view)


def test_presence_works_on_every_type():
    for name, value in [("visits", 0), ("score", 0.0), ("vip", False)]:
        attribute = f"custom_attributes.{name}"
        assert matches(leaf(attribute, "has_any_value"), custom(**{name: value}))
        assert matches(leaf(attribute, "is_unknown"), custom())


# -- numbers, booleans ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "operator", "value", "stored", "expected"),
    [
        ("visits", "is", 3, 3, True),
        ("visits", "is", 3, 4, False),
        ("visits", "is_not", 3, 4, True),
        ("visits", "greater_than", 3, 4, True),
        ("visits", "greater_than", 3, 3, False),
        ("visits", "less_than", 3, 2, True),
        ("visits", "less_than", 3, 3, False),
        ("score", "greater_than", 0.5, 0.75, True),
        ("score", "less_than", 1, 0.5, True),
        ("score", "is", 2, 2.0, True),
        ("visits", "greater_than", 3, "10", False),  # text is not a number
        ("visits", "greater_than", 0, True, False),  # nor is a boolean
        ("visits", "is_not", 3, "3", True),
        ("vip", "is", True, True, True),
        ("vip", "is", True, False, False),
        ("vip", "is", False, 0, False),  # 0 is not false
        ("vip", "is_not", True, False, True),
    ],
)
def test_number_and_boolean_operators(attribute, operator, value, stored, expected):
    audience = leaf(f"custom_attributes.{attribute}", operator, value)
    assert matches(audience, custom(**{attribute: stored})) is expected


@pytest.mark.parametrize("operator", ["is", "greater_than", "less_than"])
def test_unknown_numbers_fail_comparisons(operator):
    assert not matches(leaf("custom_attributes.visits", operator, 1), custom())
    assert matches(leaf("custom_attributes.visits", "is_not", 1), custom())


# -- dates and the clock ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "days", "age_days", "expected"),
    [
        ("more_than_days_ago", 7, 8, True),
        ("more_than_days_ago", 7, 6, False),
        ("more_than_days_ago", 0, 0.5, True),
        ("less_than_days_ago", 7, 6, True),
        ("less_than_days_ago", 7, 8, False),
        ("less_than_days_ago", 7, 0, True),
        ("less_than_days_ago", 7, -1, False),  # a future date is not "days ago"
        ("more_than_days_ago", 7, -1, False),
    ],
)
def test_days_ago_counts_back_from_now(operator, days, age_days, expected):
    audience = leaf("custom_attributes.last_login_at", operator, days)
    view = custom(last_login_at=NOW - age_days * DAY)
    assert matches(audience, view, now=NOW) is expected


def test_days_ago_moves_with_the_simulated_clock():
    audience = compile_audience(leaf("last_seen_at", "less_than_days_ago", 3), TYPES)
    view = {"role": "user", "last_seen_at": NOW}
    assert audience.matches(view, NOW + 2 * DAY)
    assert not audience.matches(view, NOW + 4 * DAY)


def test_absolute_date_comparisons():
    assert matches(leaf("created_at", "greater_than", NOW - 1), {"created_at": NOW})
    assert not matches(leaf("created_at", "less_than", NOW), {"created_at": NOW})
    assert not matches(leaf("created_at", "less_than", NOW), {})
    # a date written as text matches no comparison, but is still a value
    view = custom(last_login_at="2026-01-01")
    assert not matches(leaf("custom_attributes.last_login_at", "less_than", NOW), view)
    assert matches(leaf("custom_attributes.last_login_at", "has_any_value"), view)


# -- groups and views ------------------------------------------------------------------


def test_groups_nest():
    audience = {
        "all_of": [
            leaf("role", "is", "user"),
            {
                "any_of": [
                    leaf("custom_attributes.user_id", "has_any_value"),
                    leaf("email", "ends_with", "@example.com"),
                ]
            },
        ]
    }
    assert matches(audience, {"role": "user", "email": "a@example.com"})
    assert matches(audience, custom(user_id="u1"))
    assert not matches(audience, {"role": "lead", "email": "a@example.com"})
    assert not matches(audience, {"role": "user", "email": "a@other.org"})
    assert matches({"any_of": [leaf("role", "is", "lead")]}, {"role": "lead"})


def test_a_contact_record_is_a_view_too():
    contact = Contact(
        id="c1",
        seq=1,
        role="user",
        created_at=NOW,
        updated_at=NOW,
        external_id="u1",
        custom_attributes={"login_status": "logged_in"},
    )
    audience = {
        "all_of": [
            leaf("role", "is", "user"),
            leaf("external_id", "has_any_value"),
            leaf("custom_attributes.login_status", "is", "logged_in"),
            leaf("name", "is_unknown"),
        ]
    }
    assert evaluate(compile_audience(audience, TYPES), contact, NOW)
    contact.custom_attributes["login_status"] = "logged_out"
    assert not evaluate(compile_audience(audience, TYPES), contact, NOW)


def test_evaluate_takes_a_raw_audience_against_the_default_workspace():
    audience = leaf("custom_attributes.login_status", "is", "logged_in")
    assert evaluate(audience, custom(login_status="logged_in"), NOW)


def test_options_attributes_are_text():
    audience = leaf("custom_attributes.plan", "starts_with", "pro")
    assert matches(audience, custom(plan="Pro annual"))


# -- refusals --------------------------------------------------------------------------


def refusal(audience: object) -> AudienceError:
    with pytest.raises(AudienceError) as caught:
        compile_audience(audience, TYPES)
    assert isinstance(caught.value, HarnessError)
    return caught.value


@pytest.mark.parametrize(
    ("kind", "attribute", "bad"),
    [
        ("string", "role", "greater_than"),
        ("string", "email", "more_than_days_ago"),
        ("integer", "custom_attributes.visits", "contains"),
        ("float", "custom_attributes.score", "starts_with"),
        ("boolean", "custom_attributes.vip", "greater_than"),
        ("date", "created_at", "is"),
        ("date", "custom_attributes.last_login_at", "contains"),
    ],
)
def test_an_operator_that_does_not_fit_the_type_is_refused(kind, attribute, bad):
    error = refusal(leaf(attribute, bad, 1))
    assert error.loc == ("operator",)
    assert repr(bad) in str(error) and repr(attribute) in str(error)
    assert error.allowed == ", ".join(OPERATORS_BY_TYPE[kind])


def test_every_operator_fits_some_type():
    assert set(ALL_OPERATORS) == {
        op for ops in OPERATORS_BY_TYPE.values() for op in ops
    }
    error = refusal(leaf("role", "equals", "user"))
    assert "'equals' is not an operator" in str(error)


@pytest.mark.parametrize(
    ("audience", "loc", "words"),
    [
        (leaf("role", "is", 3), ("value",), "needs text, not the number 3"),
        (leaf("role", "is", ""), ("value",), "is_unknown"),
        (leaf("role", "is", "  "), ("value",), "non-blank"),
        (leaf("role", "is"), ("value",), "needs a value"),
        (leaf("role", "has_any_value", "x"), ("value",), "takes no value"),
        (leaf("custom_attributes.visits", "is", 1.5), ("value",), "whole numbers"),
        (leaf("custom_attributes.visits", "is", True), ("value",), "whole numbers"),
        (leaf("custom_attributes.score", "is", "1"), ("value",), "a number"),
        (leaf("custom_attributes.vip", "is", "true"), ("value",), "true or false"),
        (leaf("created_at", "less_than", "today"), ("value",), "Unix time"),
        (
            leaf("last_seen_at", "more_than_days_ago", -1),
            ("value",),
            "number of days",
        ),
        (leaf("login_status", "is", "x"), ("attribute",), "custom_attributes."),
        (leaf("phone_number", "is", "x"), ("attribute",), "'phone_number'"),
        (leaf("custom_attributes.nope", "is", "x"), ("attribute",), "'nope'"),
        (leaf("custom_attributes. bad", "is", "x"), ("attribute",), "not a valid"),
        (leaf(7, "is", "x"), ("attribute",), "not the number 7"),
        ({"operator": "is", "value": "x"}, ("attribute",), "needs an 'attribute'"),
        ({"attribute": "role", "value": "x"}, ("operator",), "needs an 'operator'"),
        ({**leaf("role", "is", "x"), "op": 1}, ("op",), "unknown key 'op'"),
        ({"all_of": []}, ("all_of",), "an empty list"),
        ({"any_of": "role"}, ("any_of",), "non-empty list"),
        ({"all_of": [leaf("role", "is", "x")], "x": 1}, ("x",), "also has the key"),
        ({"all_of": [["role"]]}, ("all_of", 0), "not a list"),
        ("role is user", (), "mapping"),
        (
            {"any_of": [leaf("role", "is", "x"), {"all_of": [leaf("role", "is")]}]},
            ("any_of", 1, "all_of", 0, "value"),
            "needs a value",
        ),
    ],
)
def test_a_bad_audience_is_refused_at_the_key(audience, loc, words):
    error = refusal(audience)
    assert error.loc == loc
    assert words in str(error)
    assert error.allowed


def test_the_attribute_refusal_lists_the_attributes():
    error = refusal(leaf("nope", "is", "x"))
    assert "role" in error.allowed and "custom_attributes.login_status" in error.allowed


# -- agreement with the workspace search -----------------------------------------------

STRING_ATTRIBUTES = ("role", "email", "custom_attributes.login_status")
SEARCH_FIELDS = {name: FieldSpec("string") for name in STRING_ATTRIBUTES}
SEARCH_OPERATORS = {
    "is": "=",
    "is_not": "!=",
    "contains": "~",
    "does_not_contain": "!~",
    "starts_with": "^",
    "ends_with": "$",
    "has_any_value": "!=",  # with null
    "is_unknown": "=",  # with null
}
# A small alphabet so that tests and values often overlap; "ß" casefolds to "ss" in
# both languages alike.
ALPHABET = "aAbß_ "
# Audience texts must be non-blank (an audience refuses blank text).
query_text = st.text(ALPHABET, min_size=1, max_size=3).filter(str.strip)
# The two languages differ on whitespace-only text: an audience counts it as no value,
# the search as a value. Contacts here hold no such text, so the comparison is about
# the operators themselves; the difference has its own test above.
stored_text = st.text(ALPHABET, max_size=4).filter(lambda s: s == "" or s.strip())


@st.composite
def leaves(draw: st.DrawFn) -> dict[str, Any]:
    attribute = draw(st.sampled_from(STRING_ATTRIBUTES))
    operator = draw(st.sampled_from(sorted(SEARCH_OPERATORS)))
    if operator in ("has_any_value", "is_unknown"):
        return leaf(attribute, operator)
    return leaf(attribute, operator, draw(query_text))


def groups(members: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    return st.builds(
        lambda kind, items: {kind: items},
        st.sampled_from(["all_of", "any_of"]),
        st.lists(members, min_size=1, max_size=4),
    )


# the search allows two levels of nested groups, so audiences stay within them
audiences = st.one_of(leaves(), groups(st.one_of(leaves(), groups(leaves()))))
contacts = st.dictionaries(st.sampled_from(STRING_ATTRIBUTES), st.none() | stored_text)


def to_query(node: dict[str, Any]) -> dict[str, Any]:
    for kind, combinator in (("all_of", "AND"), ("any_of", "OR")):
        if kind in node:
            return {"operator": combinator, "value": [to_query(m) for m in node[kind]]}
    return {
        "field": node["attribute"],
        "operator": SEARCH_OPERATORS[node["operator"]],
        "value": node.get("value"),
    }


def to_view(values: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {"custom_attributes": {}}
    for name, value in values.items():
        if name.startswith("custom_attributes."):
            view["custom_attributes"][name.removeprefix("custom_attributes.")] = value
        else:
            view[name] = value
    return view


@settings(max_examples=examples(100), deadline=None)
@given(audience=audiences, people=st.lists(contacts, min_size=1, max_size=5))
def test_audiences_agree_with_the_search_language(audience, people):
    compiled = compile_audience(audience, TYPES)
    search = compile_query(to_query(audience), SEARCH_FIELDS)
    for values in people:
        # a search document is flat, named by the same dotted names
        assert compiled.matches(to_view(values), NOW) == search(values), values
