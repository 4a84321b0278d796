"""`identity-harness review`: the pre-launch user status identification review.

It validates the configs and lints the workflow, checks the custom attributes, runs
the bundled readiness scenarios on every platform (pytest in this process, with the
step library's plugin), checks the Inbox sidebar against the truth, weighs the launch
checklist, and gives a verdict: ready (exit 0), or not ready (exit 1) with the
blocking findings first. A usage or config error is exit 2, before anything runs.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import pytest

from ..config import DEFAULT_WORKSPACE, PLATFORMS
from ..errors import HarnessError
from ..integrations import load_integration
from ..oracle import SEVERITIES
from ..rules.workflows import load_workflow
from .checks import Settings, attribute_problems, checklist, lint_problems
from .record import RECORD_PROPERTY

__all__ = ["ReviewOptions", "run_review", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
EXIT_READY, EXIT_NOT_READY, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl+C, as shells report it
_PYTEST_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")
REPORTS = ("review.json", "review.html", "junit.xml", "cucumber.json", "pytest.log")
BLOCKING = ("critical", "high")


def bundled_features() -> Path:
    """The feature files: the repository's `features/` in a checkout, else the copy
    the package carries when installed."""
    package = Path(__file__).resolve().parent.parent
    checkout = package.parent / "features"
    if (checkout / "readiness").is_dir():
        return checkout
    return package / "bundled_features"


@dataclass
class ReviewOptions:
    workspace: str = str(DEFAULT_WORKSPACE)
    workflow: str | None = None
    guard: str | None = None
    integration: str = "recommended"
    platforms: tuple[str, ...] = PLATFORMS
    target: str = "inprocess"
    out: Path | None = None
    workers: int = 0
    features: Path | None = None  # default: the bundled readiness features


@dataclass
class Collector:
    """A pytest plugin: gathers each scenario's record, and shows progress."""

    stream: IO[str]
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    total: int = 0
    done: int = 0
    failed: int = 0
    _last_shown: float = 0.0

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.total = max(self.total, len(ids))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == RECORD_PROPERTY and report.nodeid not in self.records:
                self.records[report.nodeid] = json.loads(value)
                self.done += 1
                self.failed += report.failed
                self.progress()

    def progress(self, final: bool = False) -> None:
        tty = self.stream.isatty()
        now = time.monotonic()
        if not final and not tty and now - self._last_shown < 2 and self.done != 1:
            return  # a log gets a line every two seconds, a terminal every scenario
        self._last_shown = now
        text = f"scenarios {self.done}/{self.total or '?'} ({self.failed} failed)"
        self.stream.write(f"\r{text}" if tty else f"{text}\n")
        if tty and final:
            self.stream.write("\n")
        self.stream.flush()


def _out_dir(options: ReviewOptions) -> Path:
    if options.out is not None:
        return options.out
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path("reports") / f"review-{stamp}"
    number = 1
    while folder.exists():  # two reviews started in the same second
        number += 1
        folder = Path("reports") / f"review-{stamp}-{number}"
    return folder


def _settings(options: ReviewOptions) -> Settings:
    """Load every config the review judges; a HarnessError names what is wrong."""
    from simulator.steps.context import RunSettings

    if not options.platforms:
        raise HarnessError(
            "--platforms names no platform (choose from: " + ", ".join(PLATFORMS) + ")"
        )
    options.platforms = tuple(dict.fromkeys(options.platforms))  # ios,ios is ios
    most = max(2, 2 * (os.cpu_count() or 1))
    if options.workers > most:
        raise HarnessError(
            f"--workers {options.workers} is more than this machine can use: at "
            f"most {most} here (0 runs in this process)"
        )
    run = RunSettings(
        workspace=options.workspace,
        workflow=options.workflow,
        guard=options.guard,
        integration=options.integration,
        platforms=options.platforms,
        target=options.target,
    )
    run.check()
    config = run.workspace_config()
    workflow_name = options.workflow or config.workflow
    return Settings(
        config=config,
        workflow=load_workflow(workflow_name) if workflow_name else None,
        integration=load_integration(options.integration),
        guard_override=options.guard,
    )


def run_review(options: ReviewOptions, *, stream: IO[str] = sys.stderr) -> int:
    started = time.perf_counter()
    try:
        settings = _settings(options)
        if options.workers and not _has_xdist():
            raise HarnessError(
                "--workers needs pytest-xdist: pip install 'pytest-xdist>=3.6'"
            )
    except HarnessError as error:
        stream.write(f"identity-harness review: {error}\n")
        return EXIT_USAGE
    out = _out_dir(options)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in REPORTS:  # an earlier run's reports must not outlive this one
            (out / name).unlink(missing_ok=True)
    except OSError as error:
        stream.write(
            f"identity-harness review: cannot write the reports to {str(out)!r}: "
            f"{error.strerror or error}\n"
        )
        return EXIT_USAGE
    stream.write(
        f"Reviewing {settings.config.name!r} ({options.workspace}) with the "
        f"{options.integration} integration on {', '.join(options.platforms)}\n"
    )
    lint = lint_problems(settings)
    attributes = attribute_problems(settings)
    collector, pytest_exit = _run_scenarios(options, out, stream)
    if pytest_exit == pytest.ExitCode.INTERRUPTED:
        stream.write("identity-harness review: interrupted; no verdict\n")
        (out / "junit.xml").unlink(missing_ok=True)
        return EXIT_INTERRUPTED
    if pytest_exit in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
        stream.write(
            "identity-harness review: the scenarios could not run; see "
            f"{out / 'pytest.log'}\n"
        )
        return EXIT_USAGE
    if collector.total and len(collector.records) < collector.total:
        # a scenario that never ran cannot pass for one that found nothing
        stream.write(
            f"identity-harness review: only {len(collector.records)} of "
            f"{collector.total} scenarios ran; no verdict (see {out / 'pytest.log'})\n"
        )
        return EXIT_USAGE
    document = build_document(
        options, settings, collector.records, lint, attributes, started
    )
    write_reports(document, out)
    stream.write(summary_table(document, out))
    return EXIT_READY if document["verdict"]["ready"] else EXIT_NOT_READY


def _has_xdist() -> bool:
    try:
        import xdist  # noqa: F401
    except ImportError:
        return False
    return True


def _run_scenarios(
    options: ReviewOptions, out: Path, stream: IO[str]
) -> tuple[Collector, int]:
    features = options.features or bundled_features() / "readiness"
    args = [
        str(features),
        "--rootdir",
        str(features.parent),
        "-c",
        os.devnull,  # the review's own settings, not those of the folder it runs in
        "--disable-plugin-autoload",
        "-p",
        "pytest_bdd.plugin",
        "-p",
        "simulator.steps.plugin",
        "-p",
        "no:cacheprovider",
        "-q",
        "--junitxml",
        str(out / "junit.xml"),
        "-o",
        "junit_suite_name=identity-harness-review",
        "--harness-record",
        "--harness-workspace",
        options.workspace,
        "--harness-integration",
        options.integration,
        "--harness-platforms",
        ",".join(options.platforms),
        "--harness-target",
        options.target,
    ]
    if options.workflow:
        args += ["--harness-workflow", options.workflow]
    if options.guard:
        args += ["--harness-guard", options.guard]
    if options.workers:
        args += ["-p", "xdist.plugin", "-n", str(options.workers)]
    collector = Collector(stream)
    log = io.StringIO()
    # the review runs its own pytest: options meant for a project's tests must not
    # leak in (a `-k` or `-x` there would quietly drop scenarios from the verdict)
    saved = {k: os.environ.pop(k) for k in _PYTEST_ENV if k in os.environ}
    try:
        with contextlib.redirect_stdout(log):
            code = pytest.main(args, plugins=[collector])
    finally:
        os.environ.update(saved)
    collector.progress(final=True)
    (out / "pytest.log").write_text(log.getvalue())
    return collector, int(code)


# -- the document ---------------------------------------------------------------------


def finding_id(record: dict[str, Any], kind: str) -> str:
    example = record.get("example") or {}
    extra = [f"{k}={v}" for k, v in sorted(example.items()) if k != "platform"]
    where = "/".join([record.get("platform") or "?", *extra])
    return f"{record['feature']['file']}::{record['scenario']['name']}[{where}]::{kind}"


def build_document(
    options: ReviewOptions,
    settings: Settings,
    records: dict[str, dict[str, Any]],
    lint: list[dict[str, str]],
    attributes: list[dict[str, Any]],
    started: float,
) -> dict[str, Any]:
    scenarios = sorted(
        records.values(),
        key=lambda r: (r["feature"]["file"], r["scenario"]["line"], r["id"]),
    )
    findings: list[dict[str, Any]] = []
    for record in scenarios:
        seen: dict[str, int] = {}
        for finding in record["findings"]:
            key = finding_id(record, finding["kind"])
            seen[key] = seen.get(key, 0) + 1
            findings.append(
                {
                    "id": key if seen[key] == 1 else f"{key}#{seen[key]}",
                    "scenario_id": record["id"],
                    "feature": record["feature"]["name"],
                    "scenario": record["scenario"]["name"],
                    "platform": record["platform"],
                    "kind": finding["kind"],
                    "severity": finding["severity"],
                    "event": finding["event"]["description"],
                    "message": finding["message"],
                }
            )
    findings.sort(key=lambda f: (SEVERITIES.index(f["severity"]), f["id"]))
    inbox_failures = [
        {"scenario_id": r["id"], "platform": r["platform"], **row}
        for r in scenarios
        for row in r["inbox"]
        if not row["ok"]
    ]
    items = checklist(settings, findings, len(inbox_failures), attributes, lint)
    # a failed check with no finding behind it (say, an earlier conversation still
    # listed after logout) blocks when the scenario guards against a serious harm
    failed_checks = [
        {
            "scenario_id": r["id"],
            "feature": r["feature"]["name"],
            "scenario": r["scenario"]["name"],
            "platform": r["platform"],
            "severity": r["severity"],
            "outcome": r["outcome"],
            "message": r["message"],
        }
        for r in scenarios
        if r["outcome"] in ("failed", "error") and not r["findings"]
    ]
    blocking = [f for f in findings if f["severity"] in BLOCKING]
    blocking_checks = [
        c for c in failed_checks if c["severity"] in BLOCKING or c["outcome"] == "error"
    ]
    ready = not blocking and not blocking_checks and bool(scenarios)
    by_severity = {s: sum(f["severity"] == s for f in findings) for s in SEVERITIES}
    status = "ready" if ready else "not_ready"
    if not scenarios:
        reason = "no scenario ran"
    elif ready:
        reason = "no critical or high finding on any platform"
    else:
        reason = (
            f"{len(blocking)} blocking finding{'s' if len(blocking) != 1 else ''}"
            + (
                f" and {len(blocking_checks)} failed check(s)"
                if blocking_checks
                else ""
            )
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "mobile-identity-harness", "version": _version()},
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 2),
        "inputs": {
            "workspace": options.workspace,
            "workspace_name": settings.config.name,
            "workflow": settings.workflow.name if settings.workflow else None,
            "guard": options.guard,
            "integration": settings.integration.name,
            "platforms": list(options.platforms),
            "target": options.target,
        },
        "verdict": {
            "ready": ready,
            "status": status,
            "reason": reason,
            "blocking": [f["id"] for f in blocking],
            "blocking_checks": [c["scenario_id"] for c in blocking_checks],
        },
        "counts": {
            "scenarios": len(scenarios),
            "passed": sum(r["outcome"] == "passed" for r in scenarios),
            "failed": sum(r["outcome"] in ("failed", "error") for r in scenarios),
            "findings": by_severity,
        },
        "checks": {
            "lint": lint,
            "attributes": attributes,
            "inbox": {"ok": not inbox_failures, "failures": inbox_failures},
            "checklist": items,
            "failed_checks": failed_checks,
        },
        "findings": findings,
        "matrix": matrix(scenarios, options.platforms),
        "scenarios": scenarios,
    }


def matrix(
    scenarios: list[dict[str, Any]], platforms: tuple[str, ...]
) -> list[dict[str, Any]]:
    """One row per lifecycle (a scenario of a feature), one cell per platform."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for record in scenarios:
        key = (record["feature"]["file"], record["scenario"]["name"])
        row = rows.setdefault(
            key,
            {
                "feature": record["feature"]["name"],
                "file": record["feature"]["file"],
                "scenario": record["scenario"]["name"],
                "severity": record["severity"],
                "cells": {p: None for p in platforms},
            },
        )
        row["cells"][record["platform"] or "?"] = {
            "scenario_id": record["id"],
            "outcome": record["outcome"],
            "path": record["path"],
            "guard": [
                ("allowed" if g["allowed"] else "blocked: " + ", ".join(g["reasons"]))
                for g in record["guard"]
            ],
            "findings": sorted({f["kind"] for f in record["findings"]}),
        }
    return list(rows.values())


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mobile-identity-harness")
    except PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "0"


# -- the reports ----------------------------------------------------------------------


def write_reports(document: dict[str, Any], out: Path) -> None:
    """Each report whole or not at all: written aside, then moved into place."""
    from .cucumber import cucumber_json
    from .html import render_html

    _write(out / "review.html", render_html(document))
    _write(
        out / "cucumber.json",
        json.dumps(cucumber_json(document["scenarios"]), indent=2),
    )
    # the machine-readable verdict last: whoever waits for it finds the rest there
    _write(out / "review.json", json.dumps(document, indent=2, sort_keys=True))


def _write(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def summary_table(document: dict[str, Any], out: Path) -> str:
    verdict = document["verdict"]
    lines = [
        "",
        f"{'READY' if verdict['ready'] else 'NOT READY'}: {verdict['reason']}",
        "",
        f"{'platform':<10}{'scenarios':>10}{'passed':>8}{'failed':>8}"
        + "".join(f"{s:>10}" for s in SEVERITIES),
    ]
    for platform in document["inputs"]["platforms"]:
        mine = [r for r in document["scenarios"] if r["platform"] == platform]
        kinds = [f for f in document["findings"] if f["platform"] == platform]
        lines.append(
            f"{platform:<10}{len(mine):>10}"
            f"{sum(r['outcome'] == 'passed' for r in mine):>8}"
            f"{sum(r['outcome'] != 'passed' for r in mine):>8}"
            + "".join(
                f"{sum(f['severity'] == s for f in kinds):>10}" for s in SEVERITIES
            )
        )
    items = document["checks"]["checklist"]
    lines += [
        "",
        f"launch checklist: {sum(i['ok'] for i in items)}/{len(items)} pass"
        + "".join(f"\n  [{'x' if i['ok'] else ' '}] {i['item']}" for i in items),
    ]
    for finding in document["findings"][:5]:
        if finding["severity"] in BLOCKING:
            lines.append(
                f"  blocking: {finding['kind']} ({finding['severity']}) on "
                f"{finding['platform']}: {finding['scenario']}"
            )
    lines += [
        "",
        f"reports in {out}: review.html, review.json, junit.xml, cucumber.json",
        f"review took {document['seconds']:.1f} s",
        "",
    ]
    return "\n".join(lines)
