"""The review refuses what would make its verdict wrong: exit 2, one line, no report."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from simulator.review.diff import main_diff
from simulator.review.runner import ReviewOptions, run_review


def refused(options: ReviewOptions) -> str:
    stream = io.StringIO()
    assert run_review(options, stream=stream) == 2
    return stream.getvalue()


def test_no_platform_is_refused_before_anything_runs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    message = refused(ReviewOptions(platforms=(), out=out))
    assert "--platforms names no platform (choose from: ios, android, web)" in message
    assert not out.exists()


def test_more_workers_than_the_machine_can_use_are_refused(tmp_path: Path) -> None:
    assert "is more than this machine can use" in refused(
        ReviewOptions(workers=10_000, out=tmp_path / "out")
    )


def test_an_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    assert "cannot write the reports to" in refused(ReviewOptions(out=afile))
    assert afile.read_text() == "keep me"


def test_a_projects_pytest_options_do_not_reach_the_review(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a `-k` meant for a project's own tests would drop scenarios from the verdict
    monkeypatch.setenv("PYTEST_ADDOPTS", "-k first_open -x")
    out = tmp_path / "out"
    code = run_review(
        ReviewOptions(platforms=("ios",), integration="no-sdk-logout", out=out),
        stream=io.StringIO(),
    )
    document = json.loads((out / "review.json").read_text())
    assert code == 1
    assert document["counts"]["scenarios"] > 10
    assert {r["feature"]["file"] for r in document["scenarios"]} > {
        "readiness/first_open.feature"
    }


def test_diff_refuses_reviews_of_different_platforms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def write(name: str, platforms: list[str]) -> str:
        path = tmp_path / name
        path.write_text(
            json.dumps(
                {
                    "schema_version": 1,
                    "inputs": {"platforms": platforms},
                    "verdict": {"ready": True, "status": "ready"},
                    "findings": [],
                }
            )
        )
        return str(path)

    old, new = write("old.json", ["ios", "android", "web"]), write("new.json", ["ios"])
    assert main_diff(old, new) == 2
    assert "ran different platforms" in capsys.readouterr().err
