"""The readiness family's verdicts: it passes the recommended configs and fails careless
ones, naming the findings, on every platform.

Each test runs `pytest features/readiness` with the run options a reviewer would pass,
in-process through pytester (a new interpreter would cost seconds of CPU), and reads
the failure report it prints.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = ("ios", "android", "web")
# the scenario every careless logout config must fail, on each platform
LOGOUT_SCENARIO = "test_a_customer_logs_out_and_then_asks_for_help"


def run_readiness(pytester: pytest.Pytester, *options: str) -> pytest.RunResult:
    # the repository's configuration still applies (the readiness folder is found
    # under ROOT); `-n 0`: one run in this process, whatever the addopts ask for
    return pytester.runpytest_inprocess(
        str(ROOT / "features" / "readiness"),
        "-p",
        "no:cacheprovider",
        "-n",
        "0",
        "-q",
        *options,
    )


def failure_sections(output: str) -> dict[str, str]:
    """Each failed test's report, by its name, from pytest's FAILURES section."""
    sections: dict[str, str] = {}
    parts = re.split(r"(?m)^_{3,} (\S+) _{3,}$", output)
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        sections[name] = body
    return sections


def test_recommended_configs_pass(pytester: pytest.Pytester) -> None:
    result = run_readiness(pytester)
    output = result.stdout.str()
    assert result.ret == 0, output[-4000:] + result.stderr.str()[-2000:]
    assert re.search(r"\b\d+ passed\b", output)
    assert not re.search(r"\b\d+ (failed|errors?|skipped|deselected)\b", output)


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
    pytester: pytest.Pytester, options: list[str], kind: str
) -> None:
    result = run_readiness(pytester, *options, "-k", LOGOUT_SCENARIO)
    output = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, output[-4000:]
    sections = failure_sections(output)
    for platform in PLATFORMS:
        name = f"{LOGOUT_SCENARIO}[{platform}]"
        assert name in sections, f"{name} did not fail:\n{output[-4000:]}"
        assert f"- {kind} (" in sections[name], sections[name][-3000:]
