"""The readiness family's verdicts: it passes the recommended configs and fails careless
ones, naming the findings, on every platform.

Each test runs `pytest features/readiness` in a subprocess with the run options a
reviewer would pass, and reads the failure report it prints.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = ("ios", "android", "web")
# the scenario every careless logout config must fail, on each platform
LOGOUT_SCENARIO = "test_a_customer_logs_out_and_then_asks_for_help"


def run_readiness(*options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "features/readiness",
            "-p",
            "no:cacheprovider",
            "-q",
            *options,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def failure_sections(output: str) -> dict[str, str]:
    """Each failed test's report, by its name, from pytest's FAILURES section."""
    sections: dict[str, str] = {}
    parts = re.split(r"(?m)^_{3,} (\S+) _{3,}$", output)
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        sections[name] = body
    return sections


def test_recommended_configs_pass() -> None:
    result = run_readiness()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", result.stdout)


@pytest.mark.parametrize(
    ("options", "kind"),
    [
        (
            [
                "--harness-workflow",
                "contact-type-only",
                "--harness-integration",
                "no-sdk-logout",
            ],
            "misroute_authenticated",
        ),
        (
            [
                "--harness-guard",
                "status-only",
                "--harness-integration",
                "silent-logout",
            ],
            "data_leak",
        ),
    ],
    ids=["contact-type-only+no-sdk-logout", "status-only+silent-logout"],
)
def test_careless_configs_fail_naming_the_finding(
    options: list[str], kind: str
) -> None:
    result = run_readiness(*options, "-k", LOGOUT_SCENARIO)
    assert result.returncode != 0, result.stdout[-4000:]
    sections = failure_sections(result.stdout)
    for platform in PLATFORMS:
        name = f"{LOGOUT_SCENARIO}[{platform}]"
        assert name in sections, f"{name} did not fail:\n{result.stdout[-4000:]}"
        assert f"- {kind} (" in sections[name], sections[name][-3000:]
