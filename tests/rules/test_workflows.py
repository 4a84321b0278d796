"""The bundled workflows route representative contacts, and a broken file says what
to fix, where."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.errors import ConfigError
from simulator.rules.workflows import (
    WORKFLOW_DIR,
    Workflow,
    known_workflows,
    load_workflow,
)
from simulator.workspace.state import Contact

NOW = 1_767_603_600


def person(role: str = "user", **attrs: Any) -> dict[str, Any]:
    """A contact as the REST API answers with it."""
    return {"type": "contact", "role": role, "custom_attributes": attrs}


LOGGED_IN = person(login_status="logged_in", user_id="u1", user_level="gold")
MEMBER_ONLY = person(login_status="logged_in", member_id="m1")
LOGGED_OUT = person(login_status="logged_out", user_id="u1", user_level="gold")
NO_ID = person(login_status="logged_in", user_id="  ")
LEAD = person("lead", login_status="anonymous")
SHARED_DEVICE = person(login_status="anonymous", user_level="gold")
UNSYNCED = person(user_id="u1")

ROUTES = {
    "contact-type-only": {
        "LOGGED_IN": "authenticated",
        "MEMBER_ONLY": "authenticated",
        "LOGGED_OUT": "authenticated",  # the mistake the lint flags
        "NO_ID": "authenticated",
        "LEAD": "anonymous",
        "SHARED_DEVICE": "authenticated",
        "UNSYNCED": "authenticated",
    },
    "recommended": {
        "LOGGED_IN": "authenticated",
        "MEMBER_ONLY": "authenticated",
        "LOGGED_OUT": "anonymous",
        "NO_ID": "anonymous",
        "LEAD": "anonymous",
        "SHARED_DEVICE": "anonymous",
        "UNSYNCED": "anonymous",
    },
    "tier-only": {
        "LOGGED_IN": "authenticated",
        "MEMBER_ONLY": "anonymous",
        "LOGGED_OUT": "authenticated",  # user_level outlives the session
        "NO_ID": "anonymous",
        "LEAD": "anonymous",
        "SHARED_DEVICE": "authenticated",
        "UNSYNCED": "anonymous",
    },
}


def test_exactly_the_three_workflows_are_bundled():
    assert known_workflows() == ["contact-type-only", "recommended", "tier-only"]


@pytest.mark.parametrize(
    ("workflow", "contact", "expected"),
    [
        (workflow, contact, expected)
        for workflow, routes in ROUTES.items()
        for contact, expected in routes.items()
    ],
)
def test_routing(workflow: str, contact: str, expected: str):
    assert load_workflow(workflow).route(globals()[contact], NOW) == expected


def test_routing_a_contact_record():
    contact = Contact(
        id="c1",
        seq=1,
        role="user",
        created_at=NOW,
        updated_at=NOW,
        custom_attributes={"login_status": "logged_in", "member_id": "m1"},
    )
    assert load_workflow("recommended").route(contact, NOW) == "authenticated"
    contact.custom_attributes["login_status"] = "logged_out"
    assert load_workflow("recommended").route(contact, NOW) == "anonymous"


def test_the_first_matching_path_wins():
    workflow = Workflow.model_validate(
        {
            "name": "ordered",
            "paths": [
                {
                    "name": "vip",
                    "audience": {
                        "attribute": "email",
                        "operator": "ends_with",
                        "value": "@vip.example",
                    },
                },
                {
                    "name": "users",
                    "audience": {
                        "attribute": "role",
                        "operator": "is",
                        "value": "user",
                    },
                },
            ],
            "fallback": "everyone-else",
        }
    )
    assert workflow.route({"role": "user", "email": "a@vip.example"}, NOW) == "vip"
    assert workflow.route({"role": "user", "email": "a@b.example"}, NOW) == "users"
    assert workflow.route({"role": "lead"}, NOW) == "everyone-else"
    assert workflow.path_names == ["vip", "users", "everyone-else"]


def test_loading_by_path_and_by_name_agree():
    assert load_workflow(WORKFLOW_DIR / "recommended.yaml") == load_workflow(
        "recommended"
    )


# -- a broken file ---------------------------------------------------------------------

GOOD_PATH = """\
  - name: authenticated
    audience:
      attribute: role
      operator: is
      value: user
"""


def write(tmp_path: Path, text: str, stem: str = "broken") -> Path:
    path = tmp_path / f"{stem}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_workflow(path)
    return caught.value


def test_an_unknown_name_lists_the_bundled_ones():
    error = refusal(Path("no-such-workflow"))
    assert "no workflow named 'no-such-workflow'" in str(error)
    assert error.allowed == "contact-type-only, recommended, tier-only"


def test_an_operator_that_does_not_fit_names_file_line_key_and_operators(tmp_path):
    path = write(
        tmp_path,
        "name: broken\npaths:\n"
        "  - name: authenticated\n"
        "    audience:\n"
        "      all_of:\n"
        "        - attribute: role\n"
        "          operator: is\n"
        "          value: user\n"
        "        - attribute: custom_attributes.last_login_at\n"
        "          operator: contains\n"
        "          value: '2026'\n"
        "fallback: anonymous\n",
    )
    error = refusal(path)
    assert error.path == str(path)
    assert error.line == 10
    assert error.key == "paths[0].audience.all_of[1].operator"
    assert "'contains'" in error.problem and "dates" in error.problem
    assert error.allowed.startswith("greater_than, less_than, more_than_days_ago")


def test_a_bare_custom_attribute_says_how_to_spell_it(tmp_path):
    path = write(
        tmp_path,
        "name: broken\npaths:\n"
        "  - name: authenticated\n"
        "    audience: {attribute: login_status, operator: is, value: logged_in}\n"
        "fallback: anonymous\n",
    )
    error = refusal(path)
    assert error.key == "paths[0].audience.attribute"
    assert error.line == 4
    assert error.allowed == "custom_attributes.login_status"


def test_an_unknown_attribute_lists_the_attributes(tmp_path):
    path = write(
        tmp_path,
        "name: broken\npaths:\n"
        "  - name: authenticated\n"
        "    audience:\n"
        "      attribute: custom_attributes.loggedin\n"
        "      operator: has_any_value\n"
        "fallback: anonymous\n",
    )
    error = refusal(path)
    assert error.line == 5
    assert "no custom attribute named 'loggedin'" in error.problem
    assert "custom_attributes.login_status" in error.allowed
    assert "external_id" in error.allowed


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        (
            f"name: broken\npaths:\n{GOOD_PATH}{GOOD_PATH}fallback: anonymous\n",
            "paths[1].name",
            "named twice",
        ),
        (
            f"name: broken\npaths:\n{GOOD_PATH}fallback: authenticated\n",
            "fallback",
            "also the name of paths[0]",
        ),
        (f"name: broken\npaths:\n{GOOD_PATH}", "fallback", "required"),
        ("name: broken\npaths: []\nfallback: anonymous\n", "paths", "at least 1"),
        (
            f"name: broken\npaths:\n{GOOD_PATH}    when: always\nfallback: x\n",
            "paths[0].when",
            "unknown key 'when'",
        ),
        (
            f"name: broken\npaths:\n{GOOD_PATH}fallback: Anonymous Users\n",
            "fallback",
            "pattern",
        ),
        (
            "name: broken\npaths:\n  - name: authenticated\n    audience:\n"
            "      all_of: []\nfallback: anonymous\n",
            "paths[0].audience.all_of",
            "an empty list",
        ),
    ],
)
def test_schema_errors_name_the_key(tmp_path, text, key, words):
    error = refusal(write(tmp_path, text))
    assert error.key == key
    assert words in error.problem
    # a missing key has no line of its own to point at
    assert (error.line is None) == (words == "required")


def test_the_name_must_match_the_file(tmp_path):
    error = refusal(
        write(tmp_path, f"name: other\npaths:\n{GOOD_PATH}fallback: anonymous\n")
    )
    assert error.key == "name" and error.allowed == "broken"
