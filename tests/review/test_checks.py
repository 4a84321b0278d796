"""The review's static checks: the custom attributes and the launch checklist."""

from __future__ import annotations

from simulator.config import AttributeDefinition, load_workspace_config
from simulator.integrations import load_integration
from simulator.review.checks import (
    Settings,
    attribute_problems,
    checklist,
    lint_problems,
)
from simulator.rules.workflows import load_workflow


def settings(**changes: object) -> Settings:
    base = {
        "config": load_workspace_config(),
        "workflow": load_workflow("recommended"),
        "integration": load_integration("recommended"),
        "guard_override": None,
    }
    base.update(changes)
    return Settings(**base)  # type: ignore[arg-type]


def test_the_careful_defaults_have_no_attribute_problem() -> None:
    assert attribute_problems(settings()) == []
    assert lint_problems(settings()) == []


def test_an_undefined_attribute_is_named_with_who_uses_it() -> None:
    config = load_workspace_config()
    without = config.model_copy(
        update={
            "custom_attributes": [
                a for a in config.custom_attributes if a.name != "login_status"
            ]
        }
    )
    problems = attribute_problems(settings(config=without))
    users = {p["by"] for p in problems if p["attribute"] == "login_status"}
    assert "integration recommended (on_login)" in users
    assert "workflow recommended (authenticated)" in users
    assert any(u.startswith("guard recommended") for u in users)
    assert all("does not define" in p["problem"] for p in problems)


def test_a_date_written_into_a_string_attribute_is_a_type_problem() -> None:
    config = load_workspace_config()
    retyped = [
        AttributeDefinition(name=a.name, data_type="string")
        if a.name == "last_login_at"
        else a
        for a in config.custom_attributes
    ]
    problems = attribute_problems(
        settings(config=config.model_copy(update={"custom_attributes": retyped}))
    )
    assert problems
    assert all(p["attribute"] == "last_login_at" for p in problems)
    assert "as a date, but the workspace defines it as string" in problems[0]["problem"]


def test_the_checklist_passes_the_careful_setup_with_nothing_found() -> None:
    items = checklist(settings(), [], 0, [], [])
    assert [i["ok"] for i in items] == [True] * 7


def test_the_checklist_names_what_a_careless_setup_lacks() -> None:
    careless = settings(
        workflow=load_workflow("contact-type-only"),
        integration=load_integration("no-sdk-logout"),
        guard_override="status-only",
    )
    findings = [{"kind": "data_leak", "platform": "ios"}]
    items = {
        i["id"]: i
        for i in checklist(careless, findings, 2, [], lint_problems(careless))
    }
    assert not items["routes_on_status"]["ok"]
    assert "lint" in items["routes_on_status"]["evidence"]
    assert not items["procedures_revalidate"]["ok"]
    assert "session_live" in items["procedures_revalidate"]["evidence"]
    assert "1 data_leak finding (ios)" in items["procedures_revalidate"]["evidence"]
    assert not items["logout_resets"]["ok"]
    assert "does not reset the SDK" in items["logout_resets"]["evidence"]
    assert not items["inbox_fields"]["ok"]
    assert items["verification_on"]["ok"]
