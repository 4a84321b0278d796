"""`identity-harness diff`: compare two review documents by their findings' ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.errors import HarnessError
from simulator.review.diff import (
    ReviewDiff,
    ReviewFileError,
    diff_reviews,
    format_json,
    format_text,
    load_review,
    main_diff,
    regressions,
)

FEATURE = "readiness/logout.feature"


def finding(
    scenario: str,
    kind: str,
    severity: str = "high",
    platform: str = "ios",
    feature: str = FEATURE,
) -> dict[str, Any]:
    scenario_id = f"{feature}::{scenario}[{platform}]"
    return {
        "id": f"{scenario_id}::{kind}",
        "scenario_id": scenario_id,
        "feature": feature,
        "scenario": scenario,
        "platform": platform,
        "kind": kind,
        "severity": severity,
        "event": "conversation.created",
        "message": f"{kind} in {scenario}",
    }


def review(*findings: dict[str, Any]) -> dict[str, Any]:
    ready = not any(f.get("severity") in ("critical", "high") for f in findings)
    return {
        "schema_version": 1,
        "verdict": {"ready": ready, "status": "ready" if ready else "not_ready"},
        "findings": list(findings),
    }


def write(path: Path, document: Any) -> str:
    path.write_text(
        document if isinstance(document, str) else json.dumps(document),
        encoding="utf-8",
    )
    return str(path)


LOGOUT = finding("A customer logs out and then asks for help", "misroute_authenticated")
STALE = finding("A stale session asks for orders", "stale_attribute", "medium")
LEAK = finding("A guest opens order history", "personal_data_leak", "critical", "web")
TYPO = finding("A customer switches accounts", "sidebar_mismatch", "low", "android")
HIGH_B = finding("A customer logs in twice", "duplicate_contact", "high", "android")


def ids(findings: list[dict[str, Any]]) -> list[str]:
    return [f["id"] for f in findings]


# -- diff_reviews ---------------------------------------------------------------------


def test_matches_findings_by_id():
    diff = diff_reviews(review(LOGOUT, STALE, TYPO), review(STALE, LEAK, TYPO))
    assert ids(diff.new) == [LEAK["id"]]
    assert ids(diff.fixed) == [LOGOUT["id"]]
    assert ids(diff.unchanged) == [STALE["id"], TYPO["id"]]


def test_unchanged_is_matched_by_id_and_reported_as_the_new_review_words_it():
    reworded = dict(STALE, message="worded differently this run")
    diff = diff_reviews(review(STALE), review(reworded))
    assert diff.new == [] and diff.fixed == []
    assert diff.unchanged == [reworded]


def test_lists_are_sorted_by_severity_then_id():
    everything = [TYPO, STALE, HIGH_B, LOGOUT, LEAK]
    diff = diff_reviews(review(), review(*everything))
    assert [f["severity"] for f in diff.new] == [
        "critical",
        "high",
        "high",
        "medium",
        "low",
    ]
    assert ids(diff.new[1:3]) == sorted([HIGH_B["id"], LOGOUT["id"]])
    fixed = diff_reviews(review(*everything), review()).fixed
    assert ids(fixed) == ids(diff.new)


def test_identical_reviews_have_nothing_new_or_fixed():
    diff = diff_reviews(review(LOGOUT, LEAK), review(LEAK, LOGOUT))
    assert diff == ReviewDiff(new=[], fixed=[], unchanged=[LEAK, LOGOUT])


def test_the_diff_is_frozen():
    diff = diff_reviews(review(), review())
    with pytest.raises(AttributeError):
        diff.new = []  # type: ignore[misc]


def test_regressions_are_the_new_critical_and_high_findings():
    old = review(LOGOUT)
    diff = diff_reviews(old, review(LOGOUT, LEAK, HIGH_B, STALE, TYPO))
    assert ids(regressions(diff)) == [LEAK["id"], HIGH_B["id"]]
    # a blocking finding that was already there is no regression
    assert regressions(diff_reviews(old, review(LOGOUT))) == []


# -- formatting -----------------------------------------------------------------------


def test_text_names_each_new_finding_under_a_headline():
    diff = diff_reviews(review(LOGOUT, TYPO), review(LEAK, STALE, TYPO))
    text = format_text(diff, "old/review.json", "new/review.json")
    lines = text.splitlines()
    assert lines[0] == "2 new findings (1 blocking), 1 fixed, 1 unchanged"
    assert "old/review.json" in text and "new/review.json" in text
    new_section = text.split("New (2)")[1].split("Fixed (1)")[0]
    assert (
        "[critical] personal_data_leak on web: A guest opens order history "
        f"({FEATURE})" in new_section
    )
    assert "[medium] stale_attribute on ios: A stale session asks for orders" in (
        new_section
    )
    fixed_section = text.split("Fixed (1)")[1].split("Unchanged (1)")[0]
    assert "[high] misroute_authenticated on ios" in fixed_section
    # unchanged findings are only counted unless verbose
    unchanged_section = text.split("Unchanged (1)")[1]
    assert "sidebar_mismatch" not in unchanged_section
    verbose = format_text(diff, "a", "b", verbose=True)
    assert "[low] sidebar_mismatch on android" in verbose.split("Unchanged (1)")[1]


def test_text_headline_uses_the_singular_for_one():
    diff = diff_reviews(review(), review(LOGOUT))
    assert format_text(diff, "a", "b").startswith(
        "1 new finding (1 blocking), 0 fixed, 0 unchanged\n"
    )


def test_json_holds_the_three_lists_and_the_regression_count():
    diff = diff_reviews(review(LOGOUT, TYPO), review(LEAK, HIGH_B, STALE, TYPO))
    document = json.loads(format_json(diff))
    assert set(document) == {"new", "fixed", "unchanged", "regressions"}
    assert ids(document["new"]) == [LEAK["id"], HIGH_B["id"], STALE["id"]]
    assert ids(document["fixed"]) == [LOGOUT["id"]]
    assert ids(document["unchanged"]) == [TYPO["id"]]
    assert document["regressions"] == 2


# -- load_review ----------------------------------------------------------------------


def test_loads_a_review_document(tmp_path):
    document = review(LOGOUT, dict(STALE, extra="kept"))
    document["generated_at"] = "2025-01-01T00:00:00Z"
    assert load_review(write(tmp_path / "review.json", document)) == document


def test_review_file_error_is_a_harness_error():
    assert issubclass(ReviewFileError, HarnessError)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(
            '{"schema_version": 1,\n  "findings": [,]}', "not JSON", id="json"
        ),
        pytest.param("[]", "a JSON object is expected", id="not-object"),
        pytest.param('{"findings": []}', "missing key 'schema_version'", id="version"),
        pytest.param(
            '{"schema_version": 2, "findings": []}',
            "unsupported schema_version 2",
            id="future-version",
        ),
        pytest.param(
            '{"schema_version": "1", "findings": []}',
            "schema_version must be an integer",
            id="version-string",
        ),
        pytest.param('{"schema_version": 1}', "missing key 'findings'", id="findings"),
        pytest.param(
            '{"schema_version": 1, "findings": {}}',
            "findings must be a list",
            id="findings-object",
        ),
        pytest.param(
            '{"schema_version": 1, "findings": ["x"]}',
            "findings[0] must be an object",
            id="finding-string",
        ),
    ],
)
def test_refuses_what_is_not_a_review_document(tmp_path, content, problem):
    path = write(tmp_path / "review.json", content)
    with pytest.raises(ReviewFileError) as caught:
        load_review(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert problem in str(caught.value)


def test_bad_json_names_the_line_and_column(tmp_path):
    path = write(tmp_path / "review.json", '{"schema_version": 1,\n  "findings": [,]}')
    with pytest.raises(ReviewFileError, match=r"line 2 column 16"):
        load_review(path)


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere" / "review.json"
    with pytest.raises(ReviewFileError, match="no such file") as caught:
        load_review(path)
    assert str(path) in str(caught.value)


def test_a_directory_is_not_a_review(tmp_path):
    with pytest.raises(ReviewFileError, match="is a directory"):
        load_review(tmp_path)


def test_finding_without_id(tmp_path):
    nameless = {k: v for k, v in STALE.items() if k != "id"}
    path = write(tmp_path / "review.json", review(LOGOUT, nameless))
    with pytest.raises(ReviewFileError, match=r"findings\[1\]: missing key 'id'"):
        load_review(path)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"severity": "blocker"}, "findings[0].severity 'blocker' is not one of"),
        ({"platform": "desktop"}, "findings[0].platform 'desktop' is not one of"),
        ({"id": ""}, "findings[0].id is empty"),
        ({"kind": 3}, "findings[0].kind must be a string"),
    ],
)
def test_refuses_a_malformed_finding(tmp_path, change, problem):
    path = write(tmp_path / "review.json", review(dict(LOGOUT, **change)))
    with pytest.raises(ReviewFileError) as caught:
        load_review(path)
    assert problem in str(caught.value)


def test_refuses_two_findings_with_one_id(tmp_path):
    path = write(tmp_path / "review.json", review(LOGOUT, LOGOUT))
    with pytest.raises(ReviewFileError, match=r"findings\[1\]: duplicate id"):
        load_review(path)


# -- main_diff: output and exit codes -------------------------------------------------


def pair(tmp_path: Path, old: dict[str, Any], new: dict[str, Any]) -> tuple[str, str]:
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    return (
        write(tmp_path / "old" / "review.json", old),
        write(tmp_path / "new" / "review.json", new),
    )


def test_exit_0_when_nothing_blocking_is_new(tmp_path, capsys):
    old, new = pair(tmp_path, review(LOGOUT, LEAK), review(LEAK, STALE, TYPO))
    assert main_diff(old, new) == 0
    out, err = capsys.readouterr()
    assert out.startswith("2 new findings (0 blocking), 1 fixed, 1 unchanged")
    assert err == ""


def test_exit_1_on_a_new_blocking_finding(tmp_path, capsys):
    old, new = pair(tmp_path, review(STALE), review(STALE, LOGOUT))
    assert main_diff(old, new) == 1
    out, err = capsys.readouterr()
    assert "[high] misroute_authenticated on ios" in out
    assert err == ""


def test_a_blocking_finding_already_there_does_not_fail(tmp_path, capsys):
    old, new = pair(tmp_path, review(LOGOUT, LEAK), review(LOGOUT, LEAK))
    assert main_diff(old, new) == 0
    assert capsys.readouterr().out.startswith("0 new findings (0 blocking)")


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [("critical", 0), ("high", 0), ("medium", 1), ("low", 1)],
)
def test_fail_on_sets_the_threshold_for_a_new_medium(tmp_path, capsys, fail_on, code):
    old, new = pair(tmp_path, review(), review(STALE))
    assert main_diff(old, new, fail_on=fail_on) == code
    capsys.readouterr()


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [("critical", 0), ("high", 1), ("medium", 1), ("low", 1)],
)
def test_fail_on_sets_the_threshold_for_a_new_high(tmp_path, capsys, fail_on, code):
    old, new = pair(tmp_path, review(), review(LOGOUT))
    assert main_diff(old, new, fail_on=fail_on) == code
    capsys.readouterr()


def test_json_output(tmp_path, capsys):
    old, new = pair(tmp_path, review(TYPO), review(LEAK, TYPO))
    assert main_diff(old, new, output_format="json") == 1
    document = json.loads(capsys.readouterr().out)
    assert ids(document["new"]) == [LEAK["id"]]
    assert document["regressions"] == 1


def test_verbose_lists_the_unchanged(tmp_path, capsys):
    old, new = pair(tmp_path, review(TYPO), review(TYPO))
    main_diff(old, new)
    assert "sidebar_mismatch" not in capsys.readouterr().out
    main_diff(old, new, verbose=True)
    assert "[low] sidebar_mismatch on android" in capsys.readouterr().out


@pytest.mark.parametrize("broken", ["old", "new"])
def test_exit_2_when_a_file_is_missing(tmp_path, capsys, broken):
    old, new = pair(tmp_path, review(), review(LOGOUT))
    Path(old if broken == "old" else new).unlink()
    assert main_diff(old, new) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("identity-harness diff: ")
    assert err.count("\n") == 1
    assert (old if broken == "old" else new) in err and "no such file" in err


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not JSON"),
        ('{"schema_version": 7, "findings": []}', "unsupported schema_version 7"),
        (json.dumps(review({"kind": "x"})), "findings[0]: missing keys 'id'"),
    ],
)
def test_exit_2_when_a_file_is_not_a_review(tmp_path, capsys, content, problem):
    old, new = pair(tmp_path, review(), review())
    write(Path(new), content)
    assert main_diff(old, new) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"identity-harness diff: {new}: ")
    assert problem in err


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"fail_on": "blocker"}, "--fail-on must be one of critical, high"),
        ({"output_format": "xml"}, "--format must be text or json"),
    ],
)
def test_exit_2_on_a_bad_option(tmp_path, capsys, options, problem):
    old, new = pair(tmp_path, review(), review())
    assert main_diff(old, new, **options) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("identity-harness diff: ") and problem in err
