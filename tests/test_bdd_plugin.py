"""The step library as a plugin: a team's own feature files, outside this repository.

Each test writes feature files into a temporary folder (no pyproject, no conftest:
only what `pip install` gives a team) and runs pytest on them: in a subprocess, the
way a team's CI would, where that is the point, and in-process with `pytester`
where only the outcome matters.
"""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from simulator.steps.library import CATALOGUE, reference_markdown
from simulator.steps.plugin import closest_steps

from simulator.cli import main

from .subprocess_pytest import run_pytest, share_bytecode_cache

LOGOUT_FEATURE = """\
    @spec
    Feature: A team's own logout check

      @high
      Scenario Outline: a signed-out person is not routed as a user
        Given the workspace uses the "contact-type-only" workflow
        And a registered user "ann"
        And the app uses the "no-sdk-logout" integration
        When "ann" logs in
        And the person logs out
        And the person starts a conversation
        Then the conversation is routed to the "<path>" path

        Examples:
          | platform | path          |
          | ios      | authenticated |
          | android  | authenticated |
          | web      | anonymous     |
    """

UNDEFINED_FEATURE = """\
    Feature: A typo

      Scenario: logging in, misspelt
        Given a registered user "ann"
        And the app runs on "ios"
        When "ann" signs into the app
        Then the harness reports no findings
    """


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def outcomes(junit: Path) -> dict[str, str]:
    """Each test case's outcome, from a JUnit XML report."""
    result = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        kinds = {child.tag for child in case}
        result[name] = (
            "failed"
            if kinds & {"failure", "error"}
            else "skipped"
            if "skipped" in kinds
            else "passed"
        )
    return result


# -- a team's own folder ---------------------------------------------------------------


def test_a_team_folder_runs_with_the_installed_plugin_and_names_undefined_steps(
    tmp_path: Path,
) -> None:
    write(tmp_path, "our_features/logout.feature", LOGOUT_FEATURE)
    write(tmp_path, "our_features/typo.feature", UNDEFINED_FEATURE)
    result = run_pytest(tmp_path, "our_features", "-rA")
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    # iOS and Android keep the stale user; so does the web page whose logout
    # never shuts the Messenger down, so the row expecting "anonymous" fails
    assert "2 failed, 2 passed" in out
    assert "test_a_signedout_person_is_not_routed_as_a_user[web-anonymous]" in out
    assert "went down the authenticated path, not 'anonymous'" in out
    # the undefined step: where it is, and what was probably meant
    assert "Undefined step at our_features/typo.feature:6" in out
    assert 'When "ann" signs into the app' in out
    hints = out.split("The closest known steps are:")[1].splitlines()[1:4]
    assert hints[0].strip() == 'When "<alias>" logs in'
    assert "_execute_scenario" not in out  # no traceback through pytest-bdd


def test_marks_select_platform_and_severity(pytester: pytest.Pytester) -> None:
    pytester.makefile(".feature", logout=textwrap.dedent(LOGOUT_FEATURE))
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--collect-only", "-q", "-m", "android and high"
    )
    result.stdout.fnmatch_lines(["*[[]android-authenticated[]]", "*1/3 tests*"])


def test_the_platforms_option_keeps_only_those_platforms(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".feature", logout=textwrap.dedent(LOGOUT_FEATURE))
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--harness-platforms", "ios,web"
    )
    result.assert_outcomes(passed=1, failed=1, deselected=1)


def test_a_wrong_option_is_a_usage_error_naming_the_choices(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".feature", logout=textwrap.dedent(LOGOUT_FEATURE))
    result = pytester.runpytest_inprocess("--harness-integration", "carefull")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown integration 'carefull'; choose from:*"])
    broken = pytester.makefile(
        ".yaml", broken="name: x\napp_id: abcd1234\nregion: mars\n"
    )
    result = pytester.runpytest_inprocess("--harness-workspace", str(broken))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*broken.yaml*region*"])


def test_the_loopback_target_runs_the_same_scenarios(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".feature", logout=textwrap.dedent(LOGOUT_FEATURE))
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--harness-target", "loopback"
    )
    result.assert_outcomes(passed=2, failed=1)


def test_parallel_runs_give_the_serial_results(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    share_bytecode_cache(monkeypatch)  # the workers are fresh interpreters
    pytester.makefile(".feature", logout=textwrap.dedent(LOGOUT_FEATURE))
    pytester.makefile(
        ".feature",
        stale=textwrap.dedent(
            """\
            Feature: Stale sessions

              Scenario Outline: the contact still says logged in after the session ends
                Given a registered user "ann"
                And the app uses the "no-sdk-logout" integration
                When "ann" logs in
                And the app session expires
                And the person starts a conversation
                Then the harness reports a "stale_status" finding

                Examples:
                  | platform |
                  | ios      |
                  | android  |
                  | web      |
            """
        ),
    )
    common = ("-p", "no:cacheprovider")
    serial = pytester.runpytest_inprocess(*common, "--junitxml", "serial.xml")
    parallel = pytester.runpytest_inprocess(
        *common, "-n", "2", "--junitxml", "parallel.xml"
    )
    assert serial.ret == parallel.ret == pytest.ExitCode.TESTS_FAILED
    by_serial = outcomes(pytester.path / "serial.xml")
    assert by_serial == outcomes(pytester.path / "parallel.xml")
    assert len(by_serial) == 6 and list(by_serial.values()).count("failed") == 1


# -- the listing and the hints, in-process ---------------------------------------------


def test_the_stable_core_phrasings_exist_exactly() -> None:
    lines = {line for doc in CATALOGUE for line in doc.lines()}
    core = [
        'Given the workspace uses the "<workflow>" workflow',
        'Given procedures are guarded by the "<guard>" guard',
        "Given identity verification is off",
        'Given identity verification is enforced with "<method>"',
        'Given a registered user "<alias>"',
        'Given a registered "<tier>" user "<alias>"',
        'Given the app runs on "<platform>" with the "<integration>" integration',
        'Given the SDK behaves like "<profile>"',
        "When the person opens the app without logging in",
        'When "<alias>" logs in',
        "When the person logs out",
        "When the person logs out without resetting the Messenger",
        'When the person switches to "<alias>"',
        "When the app is killed and relaunched",
        "When the app is reinstalled",
        "When <n> hours pass",
        "When <n> days pass",
        "When the app session expires",
        "When the network drops Messenger requests",
        "When the network is restored",
        "When the person starts a conversation",
        'When the agent runs the "<procedure>" procedure',
        'Then the conversation is routed to the "<path>" path',
        'Then the "<procedure>" procedure is allowed',
        'Then the "<procedure>" procedure is blocked because "<reason>"',
        'Then the harness reports a "<kind>" finding',
        "Then the harness reports no findings",
        'Then the contact\'s "<attribute>" is "<value>"',
        'Then the contact has no "<attribute>"',
        'Then the Messenger shows the conversations of "<alias>"',
        "Then the Messenger shows no earlier conversations",
        'Then the Inbox sidebar shows "<field>" as "<value>"',
        'Then the SDK call fails with error "<code>"',
    ]
    assert [line for line in core if line not in lines] == []


def test_every_step_has_a_description_and_the_listing_shows_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["steps"]) == 0
    out = capsys.readouterr().out
    for doc in CATALOGUE:
        assert doc.description and doc.description.endswith(".")
        assert doc.lines()[0] in out
        assert doc.description in out
    assert main(["steps", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == len(CATALOGUE)
    assert {"keywords", "text", "parameters", "description"} <= set(listed[0])


@pytest.mark.parametrize(
    ("keyword", "text", "expected"),
    [
        ("When", 'the person switches account to "bob"', 'the person switches to "'),
        ("Then", 'the harness reports the "data_leak" finding', "reports a"),
        ("Given", "identity verification is disabled", "identity verification is"),
        ("When", "3 weeks pass", "<n>"),
    ],
)
def test_the_closest_step_comes_first(keyword: str, text: str, expected: str) -> None:
    assert expected in closest_steps(keyword, text)[0]


def test_the_guide_lists_the_steps_as_the_library_has_them() -> None:
    guide = (Path(__file__).parent.parent / "docs" / "writing-features.md").read_text()
    block = guide.split("<!-- steps:begin -->")[1].split("<!-- steps:end -->")[0]
    generated = block.split("-->", 1)[1].strip()
    assert generated == reference_markdown().strip(), (
        "docs/writing-features.md is out of date: paste the output of "
        "`identity-harness steps --format markdown` between its steps markers"
    )


# -- misuse: each fails with a message that says what to fix ------------------------

MISUSES = {
    "unknown platform": (
        """\
        Feature: F
          Scenario Outline: S
            Given a registered user "ann"
            When "ann" logs in

            Examples:
              | platform |
              | windows  |
        """,
        "the Examples row names platform 'windows'; choose from: ios, android, web",
    ),
    "two platforms": (
        """\
        Feature: F
          Scenario Outline: S
            Given the app runs on "web"

            Examples:
              | platform |
              | ios      |
        """,
        "the Examples row already put it on 'ios'",
    ),
    "unknown attribute": (
        """\
        Feature: F
          Scenario: S
            Given a registered user "ann"
            And the app runs on "ios"
            When "ann" logs in
            Then the contact has no "externalid"
        """,
        "a contact has no attribute 'externalid'; its fields are",
    ),
    "time backwards": (
        """\
        Feature: F
          Scenario: S
            Given the app runs on "ios"
            When -5 minutes pass
        """,
        "time only moves forward: -5 minutes cannot pass",
    ),
    "profile of another platform": (
        """\
        Feature: F
          Scenario: S
            Given the app runs on "ios"
            And the SDK behaves like "android-legacy"
        """,
        "android-legacy",
    ),
    "a data table": (
        """\
        Feature: F
          Scenario: S
            Given the app runs on "ios"
            When the person opens the app without logging in
              | unexpected |
        """,
        "this step takes no a data table",
    ),
    "a guard too late": (
        """\
        Feature: F
          Scenario: S
            Given the app runs on "ios"
            When the person starts a conversation
            And the agent runs the "order_history" procedure
            Given procedures are guarded by the "none" guard
        """,
        "cannot change the guard now",
    ),
    "an unknown user field": (
        """\
        Feature: F
          Scenario: S
            Given a registered user "ann"
            And the app runs on "ios"
            When "ann" logs in
            Then the contact's "user_id" is "{ann.password}"
        """,
        "cannot fill {ann.password}",
    ),
}


@pytest.mark.parametrize("case", list(MISUSES))
def test_a_misused_step_fails_with_what_to_fix(
    pytester: pytest.Pytester, case: str
) -> None:
    feature, message = MISUSES[case]
    pytester.makefile(".feature", case=textwrap.dedent(feature))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:warnings")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert message in out
    assert "Traceback" not in out and "_pytest" not in out


def test_two_scenarios_of_one_name_are_a_collection_error(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(
        ".feature",
        twice=textwrap.dedent(
            """\
            Feature: F
              Scenario: same
                Given a registered user "ann"

              Scenario: same
                Given a registered user "bob"
            """
        ),
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*twice.feature:5: the scenario name 'same'*line 2*"])


def test_empty_and_broken_feature_files(pytester: pytest.Pytester) -> None:
    pytester.makefile(".feature", empty="")
    pytester.makefile(".feature", header="Feature: nothing yet\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    pytester.makefile(
        ".feature", broken="Feature: F\n  Scenario: S\n    Given x\nFeature: again\n"
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        ["*broken.feature: this feature file cannot be read: FeatureError: Multiple*"]
    )


def test_a_short_secret_stops_the_run_naming_its_variable_only(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_IDENTITY_SECRET_IOS", "SEKRETios1111")
    pytester.makefile(".feature", logout=textwrap.dedent(LOGOUT_FEATURE))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "$HARNESS_IDENTITY_SECRET_IOS" in err and "at least 32 bytes" in err
    assert "SEKRET" not in err + result.stdout.str()
