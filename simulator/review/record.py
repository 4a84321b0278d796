"""One scenario's record: what it did and what the harness found, as plain data.

The step library builds a record at the end of each scenario when the run asks for
records (`--harness-record`), and hands it to pytest as a user property, so that it
travels from an xdist worker to the process that writes the reports. Nothing in a
record may hold a secret: the trace redacts what it is told to protect, and the
record, once serialised, is scrubbed of every protected value once more.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..oracle import SEVERITIES, Finding
from ..workspace.routing import PATH_ATTRIBUTE

if TYPE_CHECKING:
    from simulator.steps.context import ScenarioContext

    from ..trace import TraceRecord

__all__ = [
    "RECORD_PROPERTY",
    "build_record",
    "diverged",
    "finding_dict",
    "inbox_rows",
    "timeline_entries",
]

RECORD_PROPERTY = "identity_harness_record"
FAMILIES = ("spec", "readiness")


def build_record(
    *,
    nodeid: str,
    feature: dict[str, Any],
    scenario: dict[str, Any],
    example: dict[str, str],
    tags: list[str],
    outcome: str,
    seconds: float,
    message: str | None,
    steps: list[dict[str, Any]],
    context: ScenarioContext | None,
) -> str:
    """The record of one scenario instance, as JSON text."""
    severity = next((t for t in SEVERITIES if t in tags), None)
    family = next((t for t in FAMILIES if t in tags), None)
    record: dict[str, Any] = {
        "id": nodeid,
        "feature": feature,
        "scenario": scenario,
        "example": example,
        "tags": sorted(tags),
        "family": family,
        "severity": severity,
        "platform": context.platform if context else example.get("platform"),
        "outcome": outcome,
        "seconds": round(seconds, 4),
        "message": message,
        "steps": steps,
        "seed": context.seed if context else None,
        "configs": context.describe() if context else None,
        "path": None,
        "conversation_id": None,
        "guard": [],
        "findings": [],
        "truth": None,
        "workspace": None,
        "timeline": [],
        "diverged_at": None,
        "inbox": [],
    }
    if context is not None and context.started:
        record.update(_judgement(context))
    text = json.dumps(record, sort_keys=True, default=str)
    for value in context.protected() if context else []:
        text = text.replace(value, "[redacted]")
    return text


def _judgement(context: ScenarioContext) -> dict[str, Any]:
    world = context.world
    out: dict[str, Any] = {}
    entries = timeline_entries(world.trace.records)
    out["timeline"] = entries
    out["diverged_at"] = next((e["seq"] for e in entries if e.get("diverged")), None)
    snapshots = [r for r in world.trace.records if r.kind == "snapshot"]
    if snapshots:
        out["truth"] = snapshots[-1].data.get("truth")
        out["workspace"] = snapshots[-1].data.get("workspace")
    out["guard"] = [
        {
            "procedure": a.procedure,
            "allowed": a.outcome.allowed,
            "reasons": list(a.outcome.reasons),
            "conversation_id": a.conversation_id,
        }
        for a in context.assessments
    ]
    conversation_id = None
    if context.has_app:
        from ..oracle import last_conversation_id

        conversation_id = last_conversation_id(world, context.app)
    if conversation_id is not None:
        conversation = world.workspace.state.conversations.get(conversation_id)
        if conversation is not None:
            out["conversation_id"] = conversation_id
            out["path"] = conversation.custom_attributes.get(PATH_ATTRIBUTE)
            out["inbox"] = inbox_rows(context, conversation.contact_id)
        try:
            out["findings"] = [finding_dict(f) for f in context.findings()]
        except AssertionError:
            pass  # no conversation to judge after all
    return out


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "kind": finding.kind,
        "severity": finding.severity,
        "device": finding.device,
        "event": {
            "seq": finding.event.seq,
            "name": finding.event.event,
            "description": finding.event.description,
        },
        "message": finding.message,
        "evidence": finding.evidence,
    }


# -- the timeline ----------------------------------------------------------------------


def timeline_entries(records: list[TraceRecord]) -> list[dict[str, Any]]:
    """App events, SDK calls and results, notes and snapshots, in order, with the
    simulated time since the scenario began; a snapshot where the workspace no
    longer agrees with the truth is marked `diverged`."""
    entries: list[dict[str, Any]] = []
    start = records[0].at if records else 0.0
    for record in records:
        data = record.data
        entry: dict[str, Any] = {
            "seq": record.seq,
            "at": round(record.at - start, 3),
            "elapsed": elapsed(record.at - start),
            "kind": record.kind,
        }
        if record.kind == "app_event":
            who = f" {data['alias']}" if data.get("alias") else ""
            entry["text"] = f"app: {data.get('event')}{who}"
        elif record.kind == "sdk_call":
            entry["text"] = f"sdk: {data.get('call')}"
        elif record.kind == "sdk_result":
            result = data.get("result") or {}
            if result.get("ok", True):
                continue  # a call that succeeded says nothing its call did not
            entry["text"] = f"sdk: {data.get('call')} failed with {result.get('code')}"
        elif record.kind == "note":
            entry["text"] = f"note: {data.get('text')}"
        elif record.kind == "snapshot":
            truth, view = data.get("truth") or {}, data.get("workspace")
            entry["text"] = snapshot_text(truth, view)
            entry["truth"] = truth
            entry["workspace"] = view
            entry["diverged"] = diverged(truth, view)
        else:
            continue  # HTTP lines: the SDK call already says what happened
        entries.append(entry)
    return entries


def elapsed(seconds: float) -> str:
    """Simulated time since the scenario began, compactly: +0s, +2h, +7d 1h."""
    left = int(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count}{unit}")
    return "+" + (" ".join(parts) or "0s")


def snapshot_text(truth: dict[str, Any], view: dict[str, Any] | None) -> str:
    who = (
        f"logged in as {truth.get('alias')}"
        if truth.get("logged_in")
        else "nobody logged in"
    )
    if not view:
        return f"truth: {who}; workspace: no contact"
    attrs = view.get("custom_attributes") or {}
    contact = f"{view.get('role')} {view.get('external_id') or '(no external_id)'}"
    status = attrs.get("login_status") or "unset"
    return f"truth: {who}; workspace: {contact}, login_status {status}"


def diverged(truth: dict[str, Any], view: dict[str, Any] | None) -> bool:
    """Whether the workspace's view of the device disagrees with the app's truth."""
    attrs = (view or {}).get("custom_attributes") or {}
    external_id = (view or {}).get("external_id")
    if truth.get("logged_in"):
        return view is None or external_id != truth.get("user_id")
    return bool(external_id) or attrs.get("login_status") == "logged_in"


# -- the Inbox sidebar ----------------------------------------------------------------


def inbox_rows(
    context: ScenarioContext, contact_id: str | None
) -> list[dict[str, Any]]:
    """Each Inbox sidebar field of the conversation's contact, beside what the truth
    says it should show."""
    world = context.world
    contact = world.contact(contact_id) or {}
    attrs = contact.get("custom_attributes") or {}
    truth = world.truth(context.app)
    user = world.backend.user(truth["alias"]) if truth.get("alias") else None
    rows = []
    for field in world.config.inbox_sidebar:
        shown = attrs.get(field, contact.get(field))
        shown = None if shown in ("", None) else shown
        rows.append(_row(field, shown, truth, user, context.app.platform))
    return rows


def _row(field: str, shown: Any, truth: dict[str, Any], user: Any, platform: str):
    """A logged-in person's sidebar must show each field, matching the truth; an
    anonymous one's may leave a field empty, but must not claim a login or show
    someone's ids."""
    live = bool(truth.get("logged_in"))
    expected: Any
    if field == "login_status_text":
        says_in = shown is not None and _says_logged_in(str(shown))
        ok = says_in if live else not says_in
        expected = "says logged in" if live else "empty, or says not logged in"
    elif field in ("user_id", "member_id"):
        expected = getattr(user, field) if live and user else None
        ok = shown == expected
    elif field in ("tier", "user_level"):
        expected = user.tier if live and user else "anything (segmentation only)"
        ok = shown == user.tier if live and user else True
    elif field == "platform":
        expected = platform if live else f"empty or {platform}"
        ok = shown == platform or (not live and shown is None)
    elif field == "last_login_at":
        expected = "a time" if live else "anything"
        ok = shown is not None if live else True
    else:
        expected = "present"
        ok = shown is not None
    return {"field": field, "shown": shown, "expected": expected, "ok": bool(ok)}


def _says_logged_in(text: str) -> bool:
    lowered = text.casefold()
    return "logged in" in lowered and "not logged in" not in lowered
