"""Compare two readiness reviews: which findings are new, which are fixed.

The command (wired in `simulator/cli.py`):

    identity-harness diff OLD NEW [--format text|json] [--verbose] [--fail-on SEVERITY]

OLD and NEW are `review.json` files written by `identity-harness review`. Findings are
matched by their `id`, which stays the same across runs for the same problem. The
command prints the new, fixed and unchanged findings (text, or JSON with `--format
json`; `--verbose` lists the unchanged ones too instead of only counting them) and
exits with

    0  no new finding at or above --fail-on (default high: critical and high fail)
    1  at least one such new finding (a regression)
    2  a file cannot be read or is not a review document (one line on stderr)

so a CI job can fail only on what a change made worse, not on what was already there.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.errors import HarnessError
from simulator.workspace.fields import json_type

__all__ = [
    "SEVERITIES",
    "SUPPORTED_SCHEMA_VERSIONS",
    "ReviewDiff",
    "ReviewFileError",
    "diff_reviews",
    "format_json",
    "format_text",
    "load_review",
    "main_diff",
    "regressions",
]

# most severe first; the position is the sort key
SEVERITIES = ("critical", "high", "medium", "low")
SUPPORTED_SCHEMA_VERSIONS = (1,)
PLATFORMS = ("ios", "android", "web")
FINDING_KEYS = (
    "id",
    "scenario_id",
    "feature",
    "scenario",
    "platform",
    "kind",
    "severity",
    "event",
    "message",
)
# what `regressions()` counts: a new finding that blocks readiness
BLOCKING = "high"


class ReviewFileError(HarnessError):
    """A review file cannot be read or is not a review document.

    The message names the file and what is wrong with it.
    """

    def __init__(self, path: str | Path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass(frozen=True)
class ReviewDiff:
    """The findings of a new review against an old one, matched by `id`.

    `new` are in the new review only, `fixed` in the old one only, `unchanged` in
    both (as the new review words them). Each list is sorted by severity, most
    severe first, then by id.
    """

    new: list[dict[str, Any]]
    fixed: list[dict[str, Any]]
    unchanged: list[dict[str, Any]]


def load_review(path: str | Path) -> dict[str, Any]:
    """Read a `review.json` and check that it is a review document we understand."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReviewFileError(path, "no such file") from None
    except IsADirectoryError:
        raise ReviewFileError(path, "is a directory, not a review.json") from None
    except UnicodeDecodeError as error:
        raise ReviewFileError(path, f"not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise ReviewFileError(path, f"cannot be read ({error.strerror})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReviewFileError(
            path,
            f"not JSON: {error.msg} at line {error.lineno} column {error.colno}",
        ) from None
    if not isinstance(document, dict):
        raise ReviewFileError(
            path,
            f"not a review document: a JSON object is expected, not "
            f"{json_type(document)}",
        )
    if "schema_version" not in document:
        raise ReviewFileError(
            path, "not a review document: missing key 'schema_version'"
        )
    version = document["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise ReviewFileError(
            path,
            f"schema_version must be an integer, not {json_type(version)} "
            f"{json.dumps(version)}",
        )
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        supported = ", ".join(str(v) for v in SUPPORTED_SCHEMA_VERSIONS)
        raise ReviewFileError(
            path,
            f"unsupported schema_version {version} (this harness reads {supported})",
        )
    if "findings" not in document:
        raise ReviewFileError(path, "not a review document: missing key 'findings'")
    findings = document["findings"]
    if not isinstance(findings, list):
        raise ReviewFileError(
            path, f"findings must be a list, not {json_type(findings)}"
        )
    seen: set[str] = set()
    for index, finding in enumerate(findings):
        _check_finding(path, index, finding)
        if finding["id"] in seen:
            raise ReviewFileError(
                path, f"findings[{index}]: duplicate id {finding['id']!r}"
            )
        seen.add(finding["id"])
    return document


def _check_finding(path: str | Path, index: int, finding: object) -> None:
    where = f"findings[{index}]"
    if not isinstance(finding, dict):
        raise ReviewFileError(
            path, f"{where} must be an object, not {json_type(finding)}"
        )
    missing = [key for key in FINDING_KEYS if key not in finding]
    if missing:
        keys = ", ".join(repr(key) for key in missing)
        plural = "s" if len(missing) > 1 else ""
        raise ReviewFileError(path, f"{where}: missing key{plural} {keys}")
    for key in FINDING_KEYS:
        if not isinstance(finding[key], str):
            raise ReviewFileError(
                path,
                f"{where}.{key} must be a string, not {json_type(finding[key])}",
            )
    if not finding["id"]:
        raise ReviewFileError(path, f"{where}.id is empty")
    if finding["severity"] not in SEVERITIES:
        raise ReviewFileError(
            path,
            f"{where}.severity {finding['severity']!r} is not one of "
            f"{', '.join(SEVERITIES)}",
        )
    if finding["platform"] not in PLATFORMS:
        raise ReviewFileError(
            path,
            f"{where}.platform {finding['platform']!r} is not one of "
            f"{', '.join(PLATFORMS)}",
        )


def _ordered(findings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(findings, key=lambda f: (SEVERITIES.index(f["severity"]), f["id"]))


def diff_reviews(old: dict[str, Any], new: dict[str, Any]) -> ReviewDiff:
    """Match the findings of two review documents by `id`."""
    old_by_id = {f["id"]: f for f in old["findings"]}
    new_by_id = {f["id"]: f for f in new["findings"]}
    return ReviewDiff(
        new=_ordered(f for i, f in new_by_id.items() if i not in old_by_id),
        fixed=_ordered(f for i, f in old_by_id.items() if i not in new_by_id),
        unchanged=_ordered(f for i, f in new_by_id.items() if i in old_by_id),
    )


def _at_or_above(diff: ReviewDiff, severity: str) -> list[dict[str, Any]]:
    if severity not in SEVERITIES:
        raise ValueError(f"severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    limit = SEVERITIES.index(severity)
    return [f for f in diff.new if SEVERITIES.index(f["severity"]) <= limit]


def regressions(diff: ReviewDiff) -> list[dict[str, Any]]:
    """The new findings that block readiness: severity critical or high."""
    return _at_or_above(diff, BLOCKING)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _line(finding: dict[str, Any]) -> str:
    return (
        f"  [{finding['severity']}] {finding['kind']} on {finding['platform']}: "
        f"{finding['scenario']} ({finding['feature']})"
    )


def format_text(
    diff: ReviewDiff,
    old_path: str | Path,
    new_path: str | Path,
    *,
    verbose: bool = False,
) -> str:
    """A summary for a person: a headline, then new, fixed and unchanged findings."""
    blocking = len(regressions(diff))
    headline = (
        f"{_plural(len(diff.new), 'new finding')} ({blocking} blocking), "
        f"{len(diff.fixed)} fixed, {len(diff.unchanged)} unchanged"
    )
    lines = [headline, f"  old: {old_path}", f"  new: {new_path}"]
    for title, findings in (("New", diff.new), ("Fixed", diff.fixed)):
        lines += ["", f"{title} ({len(findings)})"]
        lines += [_line(f) for f in findings] or ["  none"]
    lines += ["", f"Unchanged ({len(diff.unchanged)})"]
    if verbose:
        lines += [_line(f) for f in diff.unchanged] or ["  none"]
    elif diff.unchanged:
        lines.append("  (listed with --verbose)")
    else:
        lines.append("  none")
    return "\n".join(lines) + "\n"


def format_json(diff: ReviewDiff) -> str:
    """The diff as JSON: the three lists of findings and the count of regressions."""
    document = {
        "new": diff.new,
        "fixed": diff.fixed,
        "unchanged": diff.unchanged,
        "regressions": len(regressions(diff)),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main_diff(
    old_path: str,
    new_path: str,
    *,
    output_format: str = "text",
    verbose: bool = False,
    fail_on: str = "high",
) -> int:
    """Run `identity-harness diff`: print the diff, return the exit code (0, 1 or 2)."""
    if output_format not in ("text", "json"):
        return _refuse(f"--format must be text or json, not {output_format!r}")
    if fail_on not in SEVERITIES:
        return _refuse(
            f"--fail-on must be one of {', '.join(SEVERITIES)}, not {fail_on!r}"
        )
    try:
        old = load_review(old_path)
        new = load_review(new_path)
    except ReviewFileError as error:
        return _refuse(str(error))
    ran = [_platforms(review) for review in (old, new)]
    if None not in ran and ran[0] != ran[1]:
        # a finding on a platform one review did not run is not fixed, only unseen
        return _refuse(
            f"the reviews ran different platforms ({', '.join(ran[0] or [])} in "
            f"{old_path}; {', '.join(ran[1] or [])} in {new_path}): compare reviews "
            "of the same platforms"
        )
    diff = diff_reviews(old, new)
    if output_format == "json":
        sys.stdout.write(format_json(diff))
    else:
        sys.stdout.write(format_text(diff, old_path, new_path, verbose=verbose))
    sys.stdout.flush()
    return 1 if _at_or_above(diff, fail_on) else 0


def _platforms(review: dict[str, Any]) -> list[str] | None:
    platforms = (review.get("inputs") or {}).get("platforms")
    if not isinstance(platforms, list):
        return None  # a document without its inputs: nothing to compare
    return sorted(str(p) for p in platforms)


def _refuse(message: str) -> int:
    print(f"identity-harness diff: {message}", file=sys.stderr)
    return 2
