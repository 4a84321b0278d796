"""The review's HTML report: one self-contained page a support lead can read or print.

`render_html(document)` turns a review document (what `review.json` holds) into a
single HTML file: inline CSS, no script, nothing fetched from the network. Every
value from the document goes through Jinja2's autoescaping, since finding messages,
scenario names and Inbox fields carry user data.

The page, top to bottom: the verdict and the review's inputs; the blocking findings,
then the others; the lifecycle-by-platform matrix; the timeline of each scenario a
finding (or a failed check) points at, with the step where truth and workspace
diverged marked; the Inbox sidebar check; the launch checklist, the lint and
attribute problems and the failed checks.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

__all__ = ["render_html", "BLOCKING", "TEMPLATE"]

TEMPLATE = "review.html.j2"
BLOCKING = ("critical", "high")
SEVERITY_ORDER = ("critical", "high", "medium", "low")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("simulator.review", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(document: dict[str, Any]) -> str:
    """The review document as one self-contained HTML page."""
    template = _environment().get_template(TEMPLATE)
    return template.render(**_view(document))


# -- the view: the document, normalised and cross-linked for the template -------------


def _view(document: dict[str, Any]) -> dict[str, Any]:
    verdict = document.get("verdict") or {}
    inputs = document.get("inputs") or {}
    checks = document.get("checks") or {}
    inbox = checks.get("inbox") or {}
    records = [_record(r) for r in document.get("scenarios") or []]
    by_id = {r["id"]: r for r in records}
    findings = [_finding(f, i) for i, f in enumerate(document.get("findings") or [])]
    failed_checks = [_failed_check(c) for c in checks.get("failed_checks") or []]
    inbox_failures = [_inbox_failure(f) for f in inbox.get("failures") or []]

    # a timeline for each scenario that something on the page points at, numbered
    # in the document's order of scenarios
    wanted = {
        item["scenario_id"]
        for item in [*findings, *failed_checks, *inbox_failures]
        if item["scenario_id"] in by_id
    }
    timelines = []
    anchors: dict[str, str] = {}
    for record in records:
        if record["id"] in wanted:
            anchor = f"timeline-{len(timelines) + 1}"
            anchors[record["id"]] = anchor
            timelines.append(_timeline(record, anchor))
    for item in [*findings, *failed_checks, *inbox_failures]:
        item["timeline"] = anchors.get(item["scenario_id"])
    for timeline in timelines:
        timeline["findings"] = [
            f for f in findings if f["scenario_id"] == timeline["record"]["id"]
        ]
        _mark_finding_events(timeline)
    for finding in findings:
        record = by_id.get(finding["scenario_id"])
        finding["event_seq"] = _event_seq(record, finding) if record else None

    ready = bool(verdict.get("ready"))
    blocking_ids = set(verdict.get("blocking") or [])
    blocking = [
        f for f in findings if f["severity"] in BLOCKING or f["id"] in blocking_ids
    ]
    others = [f for f in findings if f not in blocking]
    platforms = _platforms(inputs, document.get("matrix") or [])
    checklist = [_checklist_item(i) for i in checks.get("checklist") or []]
    counts = document.get("counts") or {}
    by_severity = counts.get("findings") or {
        s: sum(f["severity"] == s for f in findings) for s in SEVERITY_ORDER
    }
    return {
        "ready": ready,
        "status_text": "READY" if ready else "NOT READY",
        "reason": verdict.get("reason") or "",
        "blocking_checks": list(verdict.get("blocking_checks") or []),
        "inputs": {
            "workspace": inputs.get("workspace"),
            "workspace_name": inputs.get("workspace_name"),
            "workflow": inputs.get("workflow"),
            "guard": inputs.get("guard"),
            "integration": inputs.get("integration"),
            "platforms": list(inputs.get("platforms") or platforms),
            "target": inputs.get("target"),
        },
        "generated_at": document.get("generated_at") or "",
        "seconds": document.get("seconds"),
        "tool": document.get("tool") or {},
        "schema_version": document.get("schema_version"),
        "counts": {
            "scenarios": counts.get("scenarios", len(records)),
            "passed": counts.get("passed"),
            "failed": counts.get("failed"),
            "findings": {s: by_severity.get(s, 0) for s in SEVERITY_ORDER},
        },
        "findings_total": len(findings),
        "blocking": blocking,
        "others": others,
        "platforms": platforms,
        "matrix": [
            _matrix_row(row, platforms, anchors) for row in document.get("matrix") or []
        ],
        "timelines": timelines,
        "inbox": {
            "ok": bool(inbox.get("ok", not inbox_failures)),
            "failures": inbox_failures,
        },
        "checklist": checklist,
        "checklist_passed": sum(i["ok"] for i in checklist),
        "lint": [_lint(p) for p in checks.get("lint") or []],
        "attributes": [_attribute(p) for p in checks.get("attributes") or []],
        "failed_checks": failed_checks,
    }


def _record(record: dict[str, Any]) -> dict[str, Any]:
    feature = record.get("feature") or {}
    scenario = record.get("scenario") or {}
    diverged_at = record.get("diverged_at")
    timeline = []
    for entry in record.get("timeline") or []:
        seq = entry.get("seq")
        timeline.append(
            {
                "seq": seq,
                "elapsed": entry.get("elapsed") or "",
                "kind": entry.get("kind") or "",
                "text": entry.get("text") or "",
                "is_snapshot": entry.get("kind") == "snapshot",
                "snapshot_diverged": bool(entry.get("diverged")),
                "diverged": diverged_at is not None and seq == diverged_at,
                "truth": entry.get("truth"),
                "workspace": entry.get("workspace"),
                "finding_kinds": [],
            }
        )
    return {
        "id": record.get("id") or "",
        "feature": feature.get("name") or "",
        "file": feature.get("file") or "",
        "scenario": scenario.get("name") or "",
        "line": scenario.get("line"),
        "platform": record.get("platform") or "",
        "severity": record.get("severity"),
        "outcome": record.get("outcome") or "",
        "message": record.get("message"),
        "configs": record.get("configs"),
        "seed": record.get("seed"),
        "path": record.get("path"),
        "conversation_id": record.get("conversation_id"),
        "guard": [
            {
                "procedure": g.get("procedure") or "",
                "allowed": bool(g.get("allowed")),
                "reasons": list(g.get("reasons") or []),
            }
            for g in record.get("guard") or []
        ],
        "raw_findings": list(record.get("findings") or []),
        "steps": [
            {
                "keyword": s.get("keyword") or "",
                "name": s.get("name") or "",
                "line": s.get("line"),
                "status": s.get("status") or "",
                "error": s.get("error"),
            }
            for s in record.get("steps") or []
        ],
        "truth": record.get("truth"),
        "workspace": record.get("workspace"),
        "diverged_at": diverged_at,
        "timeline": timeline,
        "inbox": [
            {
                "field": row.get("field") or "",
                "shown": row.get("shown"),
                "expected": row.get("expected"),
                "ok": bool(row.get("ok")),
            }
            for row in record.get("inbox") or []
        ],
    }


def _finding(finding: dict[str, Any], index: int) -> dict[str, Any]:
    return {
        "anchor": f"finding-{index + 1}",
        "id": finding.get("id") or "",
        "scenario_id": finding.get("scenario_id") or "",
        "feature": finding.get("feature") or "",
        "scenario": finding.get("scenario") or "",
        "platform": finding.get("platform") or "",
        "kind": finding.get("kind") or "",
        "severity": finding.get("severity") or "",
        "event": finding.get("event") or "",
        "message": finding.get("message") or "",
        "timeline": None,
        "event_seq": None,
    }


def _event_seq(record: dict[str, Any], finding: dict[str, Any]) -> int | None:
    """The trace seq of the event a finding blames, from the scenario's record."""
    for raw in record["raw_findings"]:
        if (
            raw.get("kind") == finding["kind"]
            and raw.get("message") == finding["message"]
        ):
            return (raw.get("event") or {}).get("seq")
    for raw in record["raw_findings"]:
        if raw.get("kind") == finding["kind"]:
            return (raw.get("event") or {}).get("seq")
    return None


def _mark_finding_events(timeline: dict[str, Any]) -> None:
    record = timeline["record"]
    seqs: dict[Any, list[str]] = {}
    for raw in record["raw_findings"]:
        seq = (raw.get("event") or {}).get("seq")
        if seq is not None:
            seqs.setdefault(seq, []).append(raw.get("kind") or "")
    for entry in record["timeline"]:
        entry["finding_kinds"] = sorted(set(seqs.get(entry["seq"], [])))


def _timeline(record: dict[str, Any], anchor: str) -> dict[str, Any]:
    return {
        "anchor": anchor,
        "record": record,
        "findings": [],
        "has_diverged_entry": any(e["diverged"] for e in record["timeline"]),
        "failed_inbox": [row for row in record["inbox"] if not row["ok"]],
    }


def _failed_check(check: dict[str, Any]) -> dict[str, Any]:
    return {
        "scenario_id": check.get("scenario_id") or "",
        "feature": check.get("feature") or "",
        "scenario": check.get("scenario") or "",
        "platform": check.get("platform") or "",
        "severity": check.get("severity"),
        "outcome": check.get("outcome") or "",
        "message": check.get("message"),
        "timeline": None,
    }


def _inbox_failure(failure: dict[str, Any]) -> dict[str, Any]:
    return {
        "scenario_id": failure.get("scenario_id") or "",
        "platform": failure.get("platform") or "",
        "field": failure.get("field") or "",
        "shown": failure.get("shown"),
        "expected": failure.get("expected"),
        "timeline": None,
    }


def _checklist_item(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item.get("id") or "",
        "item": item.get("item") or "",
        "ok": bool(item.get("ok")),
        "evidence": item.get("evidence") or "",
    }


def _lint(problem: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": problem.get("code") or "",
        "path": problem.get("path") or "",
        "message": problem.get("message") or "",
    }


def _attribute(problem: dict[str, Any]) -> dict[str, Any]:
    return {
        "attribute": problem.get("attribute") or "",
        "type": problem.get("type"),
        "by": problem.get("by") or "",
        "use": problem.get("use") or "",
        "problem": problem.get("problem") or "",
    }


def _platforms(inputs: dict[str, Any], matrix: list[dict[str, Any]]) -> list[str]:
    platforms = list(inputs.get("platforms") or [])
    for row in matrix:
        for platform in row.get("cells") or {}:
            if platform not in platforms:
                platforms.append(platform)
    return platforms


def _matrix_row(
    row: dict[str, Any], platforms: list[str], anchors: dict[str, str]
) -> dict[str, Any]:
    cells = row.get("cells") or {}
    out = []
    for platform in platforms:
        cell = cells.get(platform)
        if cell is None:
            out.append({"platform": platform, "ran": False})
            continue
        scenario_id = cell.get("scenario_id") or ""
        out.append(
            {
                "platform": platform,
                "ran": True,
                "outcome": cell.get("outcome") or "",
                "path": cell.get("path"),
                "guard": list(cell.get("guard") or []),
                "findings": list(cell.get("findings") or []),
                "timeline": anchors.get(scenario_id),
            }
        )
    return {
        "feature": row.get("feature") or "",
        "file": row.get("file") or "",
        "scenario": row.get("scenario") or "",
        "severity": row.get("severity"),
        "cells": out,
    }
