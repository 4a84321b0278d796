"""The legacy Cucumber JSON report, built from the scenarios' records.

BDD dashboards read this format: a list of features, each with its elements
(scenarios) and their steps, each step with a result. It is written from the records
the process that runs the review collected, so it holds every scenario whether they
ran in this process or in xdist workers (pytest-bdd's own `--cucumberjson` writer
loses the workers' scenarios).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["cucumber_json"]

_STATUSES = {"passed", "failed", "skipped", "undefined", "pending"}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def _tags(names: list[str], line: int) -> list[dict[str, Any]]:
    return [{"name": f"@{name}", "line": line} for name in sorted(names)]


def cucumber_json(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    features: dict[str, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: (r["feature"]["file"], r["id"])):
        info = record["feature"]
        feature = features.setdefault(
            info["file"],
            {
                "uri": info["file"],
                "id": _slug(info["name"]),
                "keyword": info.get("keyword") or "Feature",
                "name": info["name"],
                "description": info.get("description") or "",
                "line": info["line"],
                "tags": _tags(info.get("tags") or [], info["line"]),
                "elements": [],
            },
        )
        scenario = record["scenario"]
        example = record.get("example") or {}
        suffix = "-".join(example.values())
        feature["elements"].append(
            {
                "id": f"{feature['id']};{_slug(scenario['name'])}"
                + (f";{_slug(suffix)}" if suffix else ""),
                "keyword": scenario.get("keyword") or "Scenario",
                "type": "scenario",
                "name": scenario["name"] + (f" [{suffix}]" if suffix else ""),
                "description": scenario.get("description") or "",
                "line": scenario["line"],
                "tags": _tags(record.get("tags") or [], scenario["line"]),
                "steps": [_step(step, record) for step in record["steps"]],
            }
        )
    return list(features.values())


def _step(step: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    status = step["status"] if step["status"] in _STATUSES else "failed"
    result: dict[str, Any] = {
        "status": status,
        "duration": int(step.get("seconds", 0.0) * 1e9),  # nanoseconds
    }
    if status == "failed":
        result["error_message"] = step.get("error") or record.get("message") or ""
    keyword = step["keyword"].strip()
    return {
        "keyword": f"{keyword} ",
        "name": step["name"],
        "line": step["line"],
        "match": {"location": f"{record['feature']['file']}:{step['line']}"},
        "result": result,
    }
