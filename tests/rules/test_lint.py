"""The workflow lint: the shipped mistakes are flagged, the recommended routing is
clean, and unreachable paths are found whichever way they come about."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.rules.lint import MAX_TRIALS, Finding, lint_workflow
from simulator.rules.workflows import Workflow, load_workflow


def leaf(attribute: str, operator: str, value: Any = ...) -> dict[str, Any]:
    node: dict[str, Any] = {"attribute": attribute, "operator": operator}
    if value is not ...:
        node["value"] = value
    return node


ROLE_USER = leaf("role", "is", "user")
LOGGED_IN = leaf("custom_attributes.login_status", "is", "logged_in")
HAS_USER_ID = leaf("custom_attributes.user_id", "has_any_value")
CAREFUL = {"all_of": [ROLE_USER, LOGGED_IN, HAS_USER_ID]}


def workflow(*paths: tuple[str, Any], fallback: str = "anonymous") -> Workflow:
    return Workflow.model_validate(
        {
            "name": "test",
            "paths": [{"name": n, "audience": a} for n, a in paths],
            "fallback": fallback,
        }
    )


def codes(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.code, f.path) for f in findings]


# -- the shipped workflows -------------------------------------------------------------


def test_recommended_is_clean():
    assert lint_workflow(load_workflow("recommended")) == []


def test_contact_type_only_is_flagged():
    findings = lint_workflow(load_workflow("contact-type-only"))
    assert codes(findings) == [("login-not-checked", "authenticated")]
    assert "logged out" in findings[0].message
    assert "login_status" in findings[0].message and "user_id" in findings[0].message


def test_tier_only_is_flagged_twice():
    findings = lint_workflow(load_workflow("tier-only"))
    assert codes(findings) == [
        ("login-not-checked", "authenticated"),
        ("segmentation-as-authentication", "authenticated"),
    ]
    assert "user_level" in findings[1].message
    assert str(findings[1]).startswith("authenticated: segmentation-as-authentication")


# -- what an authenticated path must test ----------------------------------------------


@pytest.mark.parametrize(
    "audience",
    [
        CAREFUL,
        {"all_of": [LOGGED_IN, leaf("external_id", "starts_with", "u")]},
        {
            "all_of": [
                LOGGED_IN,
                {
                    "any_of": [
                        HAS_USER_ID,
                        leaf("custom_attributes.member_id", "has_any_value"),
                    ]
                },
            ]
        },
        # segmentation beside a real login test is fine
        {"all_of": [*CAREFUL["all_of"], leaf("custom_attributes.tier", "is", "gold")]},
    ],
)
def test_an_audience_that_checks_login_and_an_id_passes(audience):
    assert lint_workflow(workflow(("authenticated", audience))) == []


@pytest.mark.parametrize(
    ("audience", "missing"),
    [
        ({"all_of": [ROLE_USER, HAS_USER_ID]}, "logged in"),
        ({"all_of": [ROLE_USER, LOGGED_IN]}, "linked to an account"),
        # only one branch of an any_of tests the login status
        ({"all_of": [HAS_USER_ID, {"any_of": [LOGGED_IN, ROLE_USER]}]}, "logged in"),
        # a negative test does not establish a login
        (
            {
                "all_of": [
                    HAS_USER_ID,
                    leaf("custom_attributes.login_status", "is_not", "logged_out"),
                ]
            },
            "logged in",
        ),
        (
            {"all_of": [LOGGED_IN, leaf("custom_attributes.user_id", "is_unknown")]},
            "linked to an account",
        ),
    ],
)
def test_an_audience_missing_a_check_is_flagged(audience, missing):
    findings = lint_workflow(workflow(("authenticated", audience)))
    assert codes(findings) == [("login-not-checked", "authenticated")]
    assert missing in findings[0].message


def test_only_the_authenticated_path_must_check_login():
    assert lint_workflow(workflow(("users", ROLE_USER))) == []


def test_segmentation_with_an_id_but_no_login_status_is_flagged():
    audience = {"all_of": [HAS_USER_ID, leaf("custom_attributes.tier", "is", "gold")]}
    assert codes(lint_workflow(workflow(("authenticated", audience)))) == [
        ("login-not-checked", "authenticated"),
        ("segmentation-as-authentication", "authenticated"),
    ]


# -- reachability ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "impossible",
    [
        {"all_of": [leaf("role", "is", "user"), leaf("role", "is", "lead")]},
        {"all_of": [leaf("role", "is", "user"), leaf("role", "is_not", "USER")]},
        {"all_of": [HAS_USER_ID, leaf("custom_attributes.user_id", "is_unknown")]},
        {"all_of": [leaf("role", "starts_with", "x"), leaf("role", "is", "user")]},
        {
            "all_of": [
                leaf("last_seen_at", "more_than_days_ago", 30),
                leaf("last_seen_at", "less_than_days_ago", 7),
            ]
        },
        {
            "all_of": [
                leaf("created_at", "greater_than", 2000),
                leaf("created_at", "less_than", 1000),
            ]
        },
        {
            "any_of": [
                {"all_of": [leaf("role", "is", "a"), leaf("role", "is", "b")]},
                {
                    "all_of": [
                        leaf("email", "is_unknown"),
                        leaf("email", "contains", "@"),
                    ]
                },
            ]
        },
    ],
)
def test_an_audience_that_can_never_hold_is_unreachable(impossible):
    findings = lint_workflow(workflow(("users", ROLE_USER), ("never", impossible)))
    assert codes(findings) == [("unreachable-path", "never")]
    assert "cannot all be true at once" in findings[0].message


@pytest.mark.parametrize(
    "possible",
    [
        {"all_of": [leaf("role", "contains", "us"), leaf("role", "contains", "er")]},
        {"all_of": [leaf("role", "starts_with", "a"), leaf("role", "ends_with", "b")]},
        {
            "all_of": [
                leaf("role", "starts_with", "a"),
                leaf("role", "contains", "m"),
                leaf("role", "ends_with", "b"),
            ]
        },
        {"all_of": [leaf("role", "is_not", "a"), leaf("role", "is_not", "b")]},
        {
            "all_of": [
                leaf("custom_attributes.user_id", "is_unknown"),
                leaf("custom_attributes.user_id", "is_not", "u1"),
            ]
        },
        {
            "all_of": [
                leaf("created_at", "greater_than", 1000),
                leaf("created_at", "less_than", 1001.5),
            ]
        },
        {
            "all_of": [
                leaf("last_seen_at", "more_than_days_ago", 7),
                leaf("last_seen_at", "less_than_days_ago", 30),
            ]
        },
    ],
)
def test_an_audience_that_can_hold_is_reachable(possible):
    assert lint_workflow(workflow(("maybe", possible))) == []


def test_an_identical_earlier_path_shadows_a_later_one():
    findings = lint_workflow(workflow(("first", ROLE_USER), ("second", ROLE_USER)))
    assert codes(findings) == [("unreachable-path", "second")]
    assert "an earlier path first ('first')" in findings[0].message


def test_an_always_true_path_shadows_everything_after_it():
    anyone = {"any_of": [HAS_USER_ID, leaf("custom_attributes.user_id", "is_unknown")]}
    findings = lint_workflow(workflow(("anyone", anyone), ("users", ROLE_USER)))
    assert codes(findings) == [
        ("unreachable-path", "users"),
        ("unreachable-fallback", "anonymous"),
    ]


def test_paths_that_together_cover_a_later_one_shadow_it():
    findings = lint_workflow(
        workflow(
            ("users", ROLE_USER),
            ("leads", leaf("role", "is_not", "user")),
            ("late", leaf("email", "has_any_value")),
        )
    )
    assert codes(findings) == [
        ("unreachable-path", "late"),
        ("unreachable-fallback", "anonymous"),
    ]
    assert "'users' or 'leads'" in findings[0].message


def test_a_narrower_later_path_after_a_broader_one_is_shadowed():
    findings = lint_workflow(workflow(("users", ROLE_USER), ("careful", CAREFUL)))
    assert ("unreachable-path", "careful") in codes(findings)


def test_a_broader_later_path_after_a_narrower_one_is_fine():
    assert lint_workflow(workflow(("careful", CAREFUL), ("users", ROLE_USER))) == []


def test_a_workflow_too_large_to_try_is_not_guessed_about():
    texts = [f"v{i}" for i in range(12)]
    many = {
        "any_of": [
            leaf(attribute, "is", text)
            for attribute in ("role", "email", "name", "external_id")
            for text in texts
        ]
    }
    never = {"all_of": [leaf("role", "is", "a"), leaf("role", "is", "b")]}
    # far more combinations than the lint tries, so it says nothing rather than guess
    assert (len(texts) * 4) ** 4 > MAX_TRIALS
    assert lint_workflow(workflow(("many", many), ("never", never))) == []


def test_a_date_tested_both_ways_is_not_guessed_about():
    mixed = {
        "all_of": [
            leaf("created_at", "greater_than", 2_000_000_000),
            leaf("created_at", "more_than_days_ago", 1),
        ]
    }
    assert lint_workflow(workflow(("mixed", mixed))) == []
