"""The pytest plugin: collects `.feature` files and runs them with the harness's steps.

Installed with the project (the `pytest11` entry point `identity_harness`), so any
repository that installs it can keep its own feature files and run them with
`pytest path/to/features`. It adds:

- collection of every `*.feature` file pytest meets (turn it off with the ini
  option `harness_collect_features = false` where a project binds its scenarios
  itself with pytest-bdd's `scenarios()`);
- the run's settings: `--harness-workspace`, `--harness-workflow`,
  `--harness-guard`, `--harness-integration`, `--harness-platforms`,
  `--harness-target` and `--harness-seed`;
- the markers of the catalogue's tags (platform, severity, family), and a platform
  marker on each Examples row from its `platform` column, so that
  `-m "android and critical"` selects what it says;
- the `harness` fixture every step works on, one per scenario;
- an undefined step's failure, naming the file, the line and the closest steps;
- on a failure, a report section with the seed and the scenario's timeline.
"""

from __future__ import annotations

import difflib
import functools
import re
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd.exceptions import NoScenariosFound, StepDefinitionNotFoundError
from pytest_bdd.scenario import scenario_wrapper_template_registry

from simulator.errors import HarnessError

from .context import PLATFORMS, RunSettings, ScenarioContext, StepUsageError

# the step definitions' fixtures live in the library module: register it too
pytest_plugins = ["simulator.steps.library"]

SETTINGS = pytest.StashKey[RunSettings]()
CONTEXT = pytest.StashKey[ScenarioContext]()
# the step running now (the feature, the step): the one to blame if the scenario fails
FAILED_STEP = pytest.StashKey[tuple[Any, Any]]()
# what a record of the scenario needs: its feature, its steps and how each went
SCENARIO_INFO = pytest.StashKey[dict[str, Any]]()
STEP_RESULTS = pytest.StashKey[list[dict[str, Any]]]()

MARKERS = {
    "ios": "the scenario runs the iOS app",
    "android": "the scenario runs the Android app",
    "web": "the scenario runs the Web app",
    "critical": "guards against one person's data reaching another",
    "high": "guards against a misroute or a lingering identity",
    "medium": "guards against stale data an agent could act on",
    "low": "guards against a poorer experience for a genuine user",
    "spec": "pins the behaviour of named configurations, whatever the run's config",
    "readiness": "judged by the oracle against the run's workspace and integration",
}
_RUNS_ON = re.compile(r'the app runs on "(\w+)"')


class UndefinedStepError(StepDefinitionNotFoundError):
    """A step in a feature file that no step definition matches."""


# -- options -------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("identity-harness", "identity harness scenarios")
    group.addoption(
        "--harness-workspace",
        metavar="FILE",
        help="workspace config the readiness scenarios run against (default: the "
        "bundled default workspace)",
    )
    group.addoption(
        "--harness-workflow",
        metavar="NAME",
        help="workflow that overrides the workspace's (a bundled name or a file)",
    )
    group.addoption(
        "--harness-guard",
        metavar="NAME",
        help="guard every procedure runs behind, instead of its own",
    )
    group.addoption(
        "--harness-integration",
        metavar="NAME",
        default="recommended",
        help="integration the apps use unless a scenario names one (default: "
        "recommended)",
    )
    group.addoption(
        "--harness-platforms",
        metavar="LIST",
        default=",".join(PLATFORMS),
        help="comma-separated platforms to run (default: ios,android,web)",
    )
    group.addoption(
        "--harness-target",
        metavar="TARGET",
        default="inprocess",
        help="where the mock workspace runs: inprocess (default) or loopback",
    )
    group.addoption(
        "--harness-seed",
        metavar="N",
        type=int,
        help="one seed for every scenario (default: a seed fixed by each "
        "scenario's id)",
    )
    group.addoption(
        "--harness-record",
        action="store_true",
        help="attach each scenario's record (steps, findings, timeline) to its "
        "report, for the readiness review's reports",
    )
    group.addoption(
        "--harness-tracebacks",
        action="store_true",
        help="show the Python traceback of a failed step, not only its message",
    )
    parser.addini(
        "harness_collect_features",
        "collect *.feature files and run them with the harness's steps",
        type="bool",
        default=True,
    )


def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    config.stash[SETTINGS] = _settings(config)


def _settings(config: pytest.Config) -> RunSettings:
    platforms = tuple(
        p.strip() for p in config.getoption("harness_platforms").split(",") if p.strip()
    )
    try:
        settings = RunSettings(
            workspace=config.getoption("harness_workspace"),
            workflow=config.getoption("harness_workflow"),
            guard=config.getoption("harness_guard"),
            integration=config.getoption("harness_integration"),
            platforms=platforms,
            target=config.getoption("harness_target"),
            seed=config.getoption("harness_seed"),
        )
        if not platforms:
            raise StepUsageError("--harness-platforms names no platform")
        # broken files and short secrets fail here, once, before any test
        settings.check()
    except HarnessError as error:
        raise pytest.UsageError(f"identity harness: {error}") from None
    return settings


# -- collecting feature files ---------------------------------------------------------


class FeatureFile(pytest.Module):
    """A `.feature` file, collected as a module holding one test per scenario."""

    def _getobj(self) -> types.ModuleType:
        text = self.path.read_text(encoding="utf-8")
        module = types.ModuleType(f"feature:{self.path.name}")
        if not text.strip():
            return module  # an empty file holds no scenario
        _refuse_duplicate_names(self.path, text)
        module.__file__ = str(self.path)
        module.__dict__["_feature_path"] = str(self.path)
        # pytest-bdd binds scenarios into its caller's module; compiling the call
        # under the feature's own path makes the feature's folder the base folder
        code = compile(
            "from pytest_bdd import scenarios as _bind\n_bind(_feature_path)\n",
            str(self.path),
            "exec",
        )
        try:
            exec(code, module.__dict__)
        except NoScenariosFound:
            return module  # a Feature without scenarios yet
        except Exception as error:  # pytest-bdd's parse errors have no common base
            raise self.CollectError(
                f"{self.path}: this feature file cannot be read: "
                f"{type(error).__name__}: {error}"
            ) from None
        return module


_SCENARIO_LINE = re.compile(
    r"^\s*(?:Scenario Outline|Scenario Template|Scenario|Example):\s*(.*?)\s*$"
)


def _refuse_duplicate_names(path: Path, text: str) -> None:
    """pytest-bdd keeps one scenario per name and file: a second one would be
    dropped without a word."""
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        found = _SCENARIO_LINE.match(line)
        if not found:
            continue
        name = found.group(1)
        if name in seen:
            raise pytest.Collector.CollectError(
                f"{path}:{number}: the scenario name {name!r} is already used at "
                f"line {seen[name]}; pytest-bdd would run only one of them. Give "
                "each scenario of a file its own name."
            )
        seen[name] = number


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Any:
    if file_path.suffix == ".feature" and parent.config.getini(
        "harness_collect_features"
    ):
        return FeatureFile.from_parent(parent, path=file_path)
    return None


def _example(item: pytest.Item) -> dict[str, str]:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return {}
    example = callspec.params.get("_pytest_bdd_example")
    return example if isinstance(example, dict) else {}


def item_platform(item: pytest.Item) -> str | None:
    """The platform a scenario runs on: from its Examples row, its Given or its tag."""
    platform = _example(item).get("platform")
    if platform:
        return platform
    template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
    if template is not None:
        for step in template.steps:
            found = _RUNS_ON.search(step.name)
            if found:
                return found.group(1)
    tagged = [p for p in PLATFORMS if item.get_closest_marker(p) is not None]
    return tagged[0] if len(tagged) == 1 else None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Mark each scenario with its platform, and keep only the run's platforms
    (before `-m` selects, so that platform markers take part)."""
    settings = config.stash[SETTINGS]
    kept, dropped = [], []
    for item in items:
        if isinstance(item.parent, FeatureFile) and isinstance(item, pytest.Function):
            # a failed step reports itself; pytest's own traceback (slow to build,
            # it parses every frame's source) would only be thrown away
            item.repr_failure = types.MethodType(_repr_scenario_failure, item)
        platform = item_platform(item)
        if platform in PLATFORMS and item.get_closest_marker(platform) is None:
            item.add_marker(platform)
        if platform in PLATFORMS and platform not in settings.platforms:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _repr_scenario_failure(item: pytest.Function, excinfo: Any) -> Any:
    """A scenario's failure: the step and what it found, not the traceback through
    pytest-bdd and pytest; a fault shows its traceback, without frames' arguments."""
    if excinfo.errisinstance(UndefinedStepError):
        return str(excinfo.value)  # the message says all there is
    running = item.stash.get(FAILED_STEP, None)
    if running is None or item.config.getoption("harness_tracebacks"):
        return pytest.Function.repr_failure(item, excinfo)
    feature, step = running
    shown = _shown_path(item.config, feature)
    failed = f"{shown}:{step.line_number}: {step.keyword} {step.name}"
    if excinfo.errisinstance((AssertionError, HarnessError)):
        message = str(excinfo.value)
        explained = message.find("\nassert ")  # pytest's rewritten comparison
        if explained >= 0:
            message = message[:explained]
        return f"{failed}\n{message}"
    return f"{failed}\n{excinfo.getrepr(style='native')}"


# -- the scenario's context ----------------------------------------------------------


@pytest.fixture
def harness(request: pytest.FixtureRequest) -> Iterator[ScenarioContext]:
    """The scenario's world, built on first use from its Givens and the run's
    settings; `@spec` scenarios start from the bundled defaults instead."""
    settings = request.config.stash[SETTINGS]
    if request.node.get_closest_marker("spec") is not None:
        settings = settings.bundled
    example: dict[str, str] = request.getfixturevalue("_pytest_bdd_example")
    # the seed comes from the file's name and the test's, not from where pytest
    # was started, so that a scenario replays the same from any folder
    node = request.node
    context = ScenarioContext(
        settings,
        f"{node.path.name}::{node.name}",
        platform=example.get("platform"),
        example_platform="platform" in example,
    )
    if context.platform is not None and context.platform not in PLATFORMS:
        raise StepUsageError(
            f"the Examples row names platform {context.platform!r}; choose from: "
            + ", ".join(PLATFORMS)
        )
    request.node.stash[CONTEXT] = context
    yield context
    context.close()


# -- undefined steps ------------------------------------------------------------------


def _shape(text: str) -> str:
    """A step's text with its values blanked, for comparing with the catalogue."""
    text = re.sub(r'"[^"]*"', '"…"', text)
    text = re.sub(r"\b\d+\b", "<n>", text)
    return text.casefold()


def closest_steps(keyword: str, text: str, limit: int = 3) -> list[str]:
    """The catalogue's lines nearest to a step's keyword and text."""
    from .library import CATALOGUE  # imported by pytest, as a plugin, first

    wanted = _shape(f"{keyword} {text}")
    candidates = {}
    for doc in CATALOGUE:
        # one line per step: under the keyword asked for when the step has it
        own = keyword.lower() if keyword.lower() in doc.keywords else doc.keywords[0]
        line = f"{own.capitalize()} {doc.text}"
        shape = re.sub(r'"<\w+>"', '"…"', line)
        shape = re.sub(r"<\w+>", "<n>", shape).casefold()
        candidates[line] = difflib.SequenceMatcher(None, wanted, shape).ratio()
    ranked = sorted(candidates, key=lambda line: -candidates[line])
    return ranked[:limit]


def _shown_path(config: pytest.Config, feature: Any) -> Path:
    """A feature file's path as the person running pytest knows it."""
    path = Path(feature.filename)
    try:
        return path.relative_to(config.rootpath)
    except ValueError:
        return path


def pytest_bdd_step_func_lookup_error(
    request: pytest.FixtureRequest,
    feature: Any,
    scenario: Any,
    step: Any,
    exception: Exception,
) -> None:
    shown = _shown_path(request.config, feature)
    result = _step_result(request, step)
    if result is not None:
        result["status"] = "undefined"
    keyword = step.type.capitalize()
    hints = "\n".join(f"    {line}" for line in closest_steps(keyword, step.name))
    raise UndefinedStepError(
        f"Undefined step at {shown}:{step.line_number} in scenario "
        f'"{scenario.name}":\n    {step.keyword} {step.name}\n'
        f"The closest known steps are:\n{hints}\n"
        "(`identity-harness steps` lists them all.)"
    )


# -- failure reports ------------------------------------------------------------------


def pytest_bdd_before_scenario(
    request: pytest.FixtureRequest, feature: Any, scenario: Any
) -> None:
    request.node.stash[SCENARIO_INFO] = {
        "feature": {
            "name": feature.name,
            "file": feature.rel_filename,
            "line": feature.line_number,
            "description": feature.description,
            "keyword": feature.keyword,
            "tags": sorted(feature.tags),
        },
        "scenario": {
            "name": scenario.name,
            "line": scenario.line_number,
            "description": scenario.description,
            "keyword": scenario.keyword,
            "tags": sorted(scenario.tags),
        },
    }
    request.node.stash[STEP_RESULTS] = [
        {
            "keyword": step.keyword,
            "name": step.name,
            "line": step.line_number,
            "status": "skipped",
            "seconds": 0.0,
        }
        for step in scenario.steps
    ]


def _step_result(request: pytest.FixtureRequest, step: Any) -> dict[str, Any] | None:
    for result in request.node.stash.get(STEP_RESULTS, []):
        if result["line"] == step.line_number and result["name"] == step.name:
            return result
    return None


def pytest_bdd_after_step(
    request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any
) -> None:
    result = _step_result(request, step)
    if result is not None:
        result["status"] = "passed"
        result["seconds"] = time.perf_counter() - result.pop("started", 0.0)


def pytest_bdd_step_error(
    request: pytest.FixtureRequest,
    feature: Any,
    scenario: Any,
    step: Any,
    step_func: Any,
    step_func_args: Any,
    exception: Exception,
) -> None:
    result = _step_result(request, step)
    if result is not None:
        result["status"] = "failed"
        result["seconds"] = time.perf_counter() - result.pop("started", 0.0)
        message = str(exception)
        explained = message.find("\nassert ")
        result["error"] = message[:explained] if explained >= 0 else message


@functools.cache
def _library_steps() -> frozenset[tuple[str, str]]:
    from .library import CATALOGUE  # imported by pytest, as a plugin, first

    return frozenset((doc.module, doc.name) for doc in CATALOGUE)


def pytest_bdd_before_step(
    request: pytest.FixtureRequest,
    feature: Any,
    scenario: Any,
    step: Any,
    step_func: Any,
) -> None:
    result = _step_result(request, step)
    if result is not None:
        result["started"] = time.perf_counter()
    request.node.stash[FAILED_STEP] = (feature, step)  # worded only if it fails
    if (step_func.__module__, step_func.__name__) in _library_steps() and (
        step.datatable is not None or step.docstring is not None
    ):
        what = "a data table" if step.datatable is not None else "a docstring"
        raise StepUsageError(f"this step takes no {what}; remove it")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    report = outcome.get_result()
    context = item.stash.get(CONTEXT, None)
    if context is not None and report.longrepr is not None:
        # whatever a traceback shows, no secret, user hash or JWT leaves the run
        text = str(report.longrepr)
        protected = context.protected()
        if any(value in text for value in protected):
            for value in protected:
                text = text.replace(value, "[redacted]")
            report.longrepr = text
    if item.config.getoption("harness_record") and SCENARIO_INFO in item.stash:
        if call.when == "call" or (call.when == "setup" and not report.passed):
            _attach_record(item, report, context)
    if context is None or report.passed or call.when != "call":
        return
    lines = [
        f"seed {context.seed} (replay with --harness-seed {context.seed}), "
        f"platform {context.platform or 'unset'}",
        f"configs: {context.describe()}",
    ]
    events = timeline(context) if context.started else []
    if events:
        lines.append("timeline:")
        lines += [f"  {line}" for line in events]
    report.sections.append(("identity harness", "\n".join(lines)))


def _attach_record(
    item: pytest.Item, report: pytest.TestReport, context: ScenarioContext | None
) -> None:
    from simulator.review.record import RECORD_PROPERTY, build_record

    info = item.stash[SCENARIO_INFO]
    outcome = "passed" if report.passed else "failed" if report.failed else "skipped"
    if report.when == "setup" and report.failed:
        outcome = "error"
    message = None if report.passed else str(report.longrepr)
    record = build_record(
        nodeid=item.nodeid,
        feature=info["feature"],
        scenario=info["scenario"],
        example=_example(item),
        tags=sorted({m.name for m in item.iter_markers()}),
        outcome=outcome,
        seconds=report.duration,
        message=message,
        steps=[
            {k: v for k, v in r.items() if k != "started"}
            for r in item.stash.get(STEP_RESULTS, [])
        ],
        context=context,
    )
    report.user_properties.append((RECORD_PROPERTY, record))


def timeline(context: ScenarioContext) -> list[str]:
    """The scenario's app events, failed SDK calls, notes and workspace views, in
    order; the first view where the workspace parts from the truth is marked."""
    from simulator.review.record import timeline_entries

    lines, marked = [], False
    for entry in timeline_entries(context.world.trace.records):
        if entry["kind"] == "sdk_call":
            continue
        mark = ""
        if entry.get("diverged") and not marked:
            mark, marked = "   <- the workspace parts from the truth here", True
        lines.append(f"#{entry['seq']} {entry['elapsed']} {entry['text']}{mark}")
    return lines
