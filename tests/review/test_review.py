"""`identity-harness review` end to end: the verdicts, the reports it writes, its
usage errors, a parallel run, and that no secret leaves it.

Each review runs in this process (`run_review`, as the CLI calls it) and the runs that
several tests read are shared per module, so the whole file costs a handful of
reviews.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from simulator import cli
from simulator.config import DEFAULT_WORKSPACE
from simulator.review.record import diverged
from simulator.review.runner import PLATFORMS
from simulator.review.schema import SCHEMA_PATH, load_schema
from tests.review.conftest import SECRETS, Review, review
from tests.subprocess_pytest import share_bytecode_cache

CUCUMBER_SCHEMA = Path(__file__).with_name("cucumber_json.schema.json")
REPORTS = ("review.json", "cucumber.json", "junit.xml", "pytest.log")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}")


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def assert_valid(document: Any, schema: dict[str, Any]) -> None:
    errors = sorted(validator(schema).iter_errors(document), key=lambda e: e.path)
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:300]}"
        for e in errors[:10]
    )


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> Review:
    """A guard that checks only the status, an app whose logout never says so."""
    return review(
        tmp_path_factory.mktemp("leaky") / "review",
        guard="status-only",
        integration="silent-logout",
    )


# -- the schema ------------------------------------------------------------------------


def test_the_schema_is_a_draft_2020_12_schema_shipped_in_the_package():
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("urn:")
    assert schema["additionalProperties"] is False
    assert SCHEMA_PATH.parent.name == "review" and SCHEMA_PATH.is_file()
    # it travels in the wheel as package data of simulator.review
    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert re.search(r'^"simulator\.review" = \[[^]]*"\*\.json"', text, re.M)
    cucumber = json.loads(CUCUMBER_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(cucumber)


def test_the_schema_refuses_what_a_review_never_writes(ready: Review):
    schema = load_schema()
    document = ready.document
    for broken in (
        {**document, "extra": 1},
        {**document, "schema_version": 2},
        {**document, "verdict": {**document["verdict"], "status": "maybe"}},
        {k: v for k, v in document.items() if k != "matrix"},
    ):
        assert list(validator(schema).iter_errors(broken))
    record = {**document["scenarios"][0], "outcome": "flaky"}
    assert list(validator(schema).iter_errors({**document, "scenarios": [record]}))


# -- a ready review --------------------------------------------------------------------


def test_the_bundled_recommended_configs_are_ready(ready: Review):
    assert ready.code == 0, ready.stream
    for name in REPORTS:
        assert (ready.out / name).is_file(), name
    document = ready.document
    assert document["verdict"]["ready"] is True
    assert document["verdict"]["status"] == "ready"
    assert document["counts"]["scenarios"] > 0
    assert document["counts"]["failed"] == 0
    assert_valid(document, load_schema())


def test_a_ready_reviews_junit_xml_has_a_passing_case_per_scenario(ready: Review):
    cases = ready.junit_cases()
    assert len(cases) == ready.document["counts"]["scenarios"]
    assert [c.name for c in cases if not c.is_passed] == []
    names = {(c.classname, c.name) for c in cases}
    assert len(names) == len(cases)  # one case per scenario and platform


def test_a_ready_reviews_cucumber_json_is_legacy_cucumber_json(ready: Review):
    cucumber = ready.cucumber
    assert_valid(cucumber, json.loads(CUCUMBER_SCHEMA.read_text(encoding="utf-8")))
    elements = [e for feature in cucumber for e in feature["elements"]]
    assert len(elements) == ready.document["counts"]["scenarios"]
    statuses = {s["result"]["status"] for e in elements for s in e["steps"]}
    assert statuses == {"passed"}


def test_the_summary_shows_progress_verdict_platforms_and_time(ready: Review):
    document = ready.document
    total = document["counts"]["scenarios"]
    text = ready.stream
    assert re.search(rf"^scenarios {total}/{total} \(0 failed\)$", text, re.M), text
    assert "READY: no critical or high finding on any platform" in text
    header = re.search(
        r"^platform\s+scenarios\s+passed\s+failed\s+critical", text, re.M
    )
    assert header, text
    for platform in PLATFORMS:
        mine = sum(r["platform"] == platform for r in document["scenarios"])
        assert re.search(rf"^{platform}\s+{mine}\s+{mine}\s+0\s", text, re.M), text
    assert re.search(r"^review took \d+\.\d s$", text, re.M), text


# -- not ready -------------------------------------------------------------------------


def test_routing_on_the_contact_type_without_an_sdk_logout_is_not_ready(
    not_ready: Review,
):
    assert not_ready.code == 1, not_ready.stream
    document = not_ready.document
    assert_valid(document, load_schema())
    assert document["verdict"]["status"] == "not_ready"
    assert document["verdict"]["blocking"]
    assert "NOT READY: " in not_ready.stream
    misroutes = [
        f for f in document["findings"] if f["kind"] == "misroute_authenticated"
    ]
    assert {f["platform"] for f in misroutes} == set(PLATFORMS)
    records = {r["id"]: r for r in document["scenarios"]}
    diverged_on = set()
    for finding in misroutes:
        record = records[finding["scenario_id"]]
        assert record["timeline"], finding["id"]
        marked = [e["seq"] for e in record["timeline"] if e.get("diverged")]
        if diverged(record["truth"], record["workspace"]):
            assert record["diverged_at"] is not None, finding["id"]
        if record["diverged_at"] is None:
            # a workflow that routes on the contact type misroutes an anonymous
            # person whose contact says so: nothing diverged, the routing is wrong
            assert not marked, finding["id"]
            assert record["workspace"]["role"] == "user", finding["id"]
        else:
            assert record["diverged_at"] == marked[0], finding["id"]
            diverged_on.add(finding["platform"])
    assert diverged_on == set(PLATFORMS)
    assert set(document["verdict"]["blocking"]) <= {
        f["id"] for f in document["findings"]
    }


def test_a_not_ready_reviews_reports_count_every_scenario(not_ready: Review):
    document = not_ready.document
    total = document["counts"]["scenarios"]
    cases = not_ready.junit_cases()
    assert len(cases) == total
    assert sum(not c.is_passed for c in cases) == document["counts"]["failed"] > 0
    cucumber = not_ready.cucumber
    assert_valid(cucumber, json.loads(CUCUMBER_SCHEMA.read_text(encoding="utf-8")))
    assert sum(len(f["elements"]) for f in cucumber) == total
    assert re.search(
        rf"^scenarios {total}/{total} \(\d+ failed\)$", not_ready.stream, re.M
    )


def test_the_html_report_names_the_misroute(not_ready: Review):
    page = not_ready.out / "review.html"
    if not page.exists():
        pytest.skip("the review writes no HTML report yet")
    assert "misroute_authenticated" in page.read_text(encoding="utf-8")


def test_a_status_only_guard_with_a_silent_logout_leaks_data_on_every_platform(
    leaky: Review,
):
    assert leaky.code == 1, leaky.stream
    document = leaky.document
    assert_valid(document, load_schema())
    leaks = [f for f in document["findings"] if f["kind"] == "data_leak"]
    assert {f["platform"] for f in leaks} == set(PLATFORMS)
    assert all(f["severity"] == "critical" for f in leaks)
    assert {f["id"] for f in leaks} <= set(document["verdict"]["blocking"])


# -- usage errors ----------------------------------------------------------------------


def _workspace_with(tmp_path: Path, old: str, new: str) -> Path:
    text = Path(DEFAULT_WORKSPACE).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ("mode: enforced", "mode: strict", "identity_verification.mode"),
        ("rate_limit:", "rate_limits:", "rate_limits"),
    ],
    ids=["bad-value", "unknown-key"],
)
def test_a_broken_workspace_file_is_a_usage_error_naming_file_and_key(
    tmp_path: Path, old: str, new: str, named: str
):
    workspace = _workspace_with(tmp_path, old, new)
    result = review(tmp_path / "out", workspace=str(workspace))
    assert result.code == 2
    assert str(workspace) in result.stream
    assert named in result.stream
    assert not (tmp_path / "out").exists()  # nothing ran


def test_an_unknown_integration_is_a_usage_error_naming_the_choices(tmp_path: Path):
    result = review(tmp_path / "out", integration="no-such-integration")
    assert result.code == 2
    assert "no-such-integration" in result.stream
    for choice in ("recommended", "no-sdk-logout", "silent-logout"):
        assert choice in result.stream
    assert not (tmp_path / "out").exists()


# -- a parallel run --------------------------------------------------------------------


def test_a_parallel_review_reports_what_a_serial_one_does(
    ready: Review, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    share_bytecode_cache(monkeypatch)
    parallel = review(tmp_path / "out", workers=2)
    assert parallel.code == ready.code == 0, parallel.stream
    serial, document = ready.document, parallel.document
    assert_valid(document, load_schema())
    assert {r["id"] for r in document["scenarios"]} == {
        r["id"] for r in serial["scenarios"]
    }
    assert document["counts"] == serial["counts"]
    assert len(parallel.junit_cases()) == len(ready.junit_cases())
    elements = [e["id"] for f in parallel.cucumber for e in f["elements"]]
    assert sorted(elements) == sorted(
        e["id"] for f in ready.cucumber for e in f["elements"]
    )


# -- secrets ---------------------------------------------------------------------------


def test_no_secret_user_hash_or_jwt_leaves_a_failing_review(not_ready: Review):
    assert not_ready.document["counts"]["failed"] > 0  # failure text was written
    texts = {"(stream)": not_ready.stream}
    for path in sorted(not_ready.out.rglob("*")):
        if path.is_file():
            texts[path.name] = path.read_text(encoding="utf-8", errors="replace")
    assert set(REPORTS) <= set(texts)
    subjects = set()
    for text in texts.values():
        subjects |= set(re.findall(r"usr_[0-9a-f]{10}", text))
        subjects |= set(re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", text))
    assert subjects  # the scan knows whose hashes to look for
    forbidden = {}
    for platform, secret in SECRETS.items():
        forbidden[f"{platform} secret"] = secret
        forbidden[f"{platform} secret, hex"] = secret.encode().hex()
        for subject in subjects:
            digest = hmac.new(secret.encode(), subject.encode(), hashlib.sha256)
            forbidden[f"{platform} user hash of {subject}"] = digest.hexdigest()
    for name, text in texts.items():
        leaks = [what for what, value in forbidden.items() if value in text]
        assert not leaks, f"{name} shows {leaks[:5]}"
        assert not JWT.search(text), f"{name} shows a JWT"


# -- diff ------------------------------------------------------------------------------


def test_diff_of_ready_then_not_ready_is_a_regression(
    ready: Review, not_ready: Review, capsys: pytest.CaptureFixture[str]
):
    old, new = str(ready.out / "review.json"), str(not_ready.out / "review.json")
    assert cli.main(["diff", old, new]) == 1
    assert cli.main(["diff", new, old]) == 0
    capsys.readouterr()
