"""The review's static checks, and the launch checklist that weighs them with the runs.

- the workflow lint (`simulator.rules.lint`);
- the custom attribute check: every attribute the integration writes, the workflow
  tests, the guards read and the Inbox sidebar shows is defined in the workspace, with
  a type that fits;
- the launch checklist: seven items, each passed only when the configs are right and
  the scenarios that exercise it found nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import WorkspaceConfig
from ..integrations import Integration, Step
from ..rules.guards import Guard, load_guard, load_procedure
from ..rules.lint import lint_workflow
from ..rules.predicates import CUSTOM_PREFIX
from ..rules.workflows import Workflow

__all__ = ["Settings", "attribute_problems", "checklist", "lint_problems"]

# the attributes each guard check reads, and the type it reads them as
CHECK_READS: dict[str, list[tuple[str, str]]] = {
    "logged_in": [("login_status", "string")],
    "user_id_present": [("user_id", "string"), ("member_id", "string")],
    "fresh_login": [("last_login_at", "date")],
    "account_match": [("user_id", "string")],
    "platform_match": [("platform", "string")],
}
# a written value's type, by what the integration writes
_PYTHON_TYPES = {bool: "boolean", int: "integer", float: "float", str: "string"}
# which defined types take a value of a given written type
_FITS = {
    "string": {"string", "options"},
    "date": {"date"},
    "integer": {"integer", "float"},
    "float": {"float"},
    "boolean": {"boolean"},
}


@dataclass(frozen=True)
class Settings:
    """What the review judges: the configs, as loaded."""

    config: WorkspaceConfig
    workflow: Workflow | None
    integration: Integration
    guard_override: str | None


# -- the lint -------------------------------------------------------------------------


def lint_problems(settings: Settings) -> list[dict[str, str]]:
    if settings.workflow is None:
        return [
            {
                "code": "no_workflow",
                "path": "",
                "message": "the workspace routes no conversation: it names no workflow",
            }
        ]
    return [
        {"code": f.code, "path": f.path, "message": f.message}
        for f in lint_workflow(settings.workflow)
    ]


# -- the custom attributes ------------------------------------------------------------


def _steps(integration: Integration, moment: str) -> list[Step]:
    """A moment's steps with every `run` expanded (the integration has no loops)."""
    out: list[Step] = []
    for step in getattr(integration, moment):
        if step.do == "run" and step.moment is not None:
            out += _steps(integration, step.moment)
        else:
            out.append(step)
    return out


def _written_type(value: Any) -> str | None:
    if value is None:
        return None  # clearing fits any type
    if isinstance(value, str) and value.strip() == "{now}":
        return "date"
    return _PYTHON_TYPES.get(type(value))


def _guards(settings: Settings) -> list[Guard]:
    names = {settings.guard_override} if settings.guard_override else set()
    if not names:
        names = {load_procedure(p).guard for p in settings.config.procedures}
    return [load_guard(name) for name in sorted(names)]


def attribute_uses(settings: Settings) -> list[dict[str, Any]]:
    """Every use of a custom attribute: who uses it, how, and as which type."""
    uses: list[dict[str, Any]] = []
    for moment in ("on_open", "on_login", "on_logout", "on_switch"):
        for step in _steps(settings.integration, moment):
            for name, value in step.attributes.items():
                uses.append(
                    {
                        "attribute": name,
                        "type": _written_type(value),
                        "by": f"integration {settings.integration.name} ({moment})",
                        "use": "writes",
                    }
                )
    if settings.workflow is not None:
        from ..rules.lint import _leaves

        for path in settings.workflow.paths:
            for leaf in _leaves(path.compiled.tree):
                if leaf.attribute.startswith(CUSTOM_PREFIX):
                    uses.append(
                        {
                            "attribute": leaf.attribute[len(CUSTOM_PREFIX) :],
                            "type": leaf.type,
                            "by": f"workflow {settings.workflow.name} ({path.name})",
                            "use": "tests",
                        }
                    )
    for guard in _guards(settings):
        for check in guard.checks:
            for name, kind in CHECK_READS.get(check.code, []):
                uses.append(
                    {
                        "attribute": name,
                        "type": kind,
                        "by": f"guard {guard.name} ({check.code})",
                        "use": "reads",
                    }
                )
    for field in settings.config.inbox_sidebar:
        uses.append(
            {"attribute": field, "type": None, "by": "Inbox sidebar", "use": "shows"}
        )
    return uses


def attribute_problems(settings: Settings) -> list[dict[str, Any]]:
    """Each use of an undefined attribute, or of one defined with a type that does
    not take what is written or tested."""
    defined = {a.name: a.data_type for a in settings.config.custom_attributes}
    standard = {"name", "email", "phone", "external_id", "role"}
    problems: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for use in attribute_uses(settings):
        name, by = use["attribute"], use["by"]
        if (name, by) in seen or name in standard:
            continue
        seen.add((name, by))
        if name not in defined:
            problems.append(
                {
                    **use,
                    "problem": f"{by} {use['use']} {name!r}, which the workspace does "
                    "not define",
                }
            )
        elif use["type"] is not None and defined[name] not in _FITS.get(
            use["type"], {use["type"]}
        ):
            problems.append(
                {
                    **use,
                    "problem": f"{by} {use['use']} {name!r} as a {use['type']}, but "
                    f"the workspace defines it as {defined[name]}",
                }
            )
    return problems


# -- the launch checklist --------------------------------------------------------------


def _item(key: str, text: str, failures: list[str], evidence: str) -> dict[str, Any]:
    return {
        "id": key,
        "item": text,
        "ok": not failures,
        "evidence": "; ".join(failures) if failures else evidence,
    }


def _kinds(findings: list[dict[str, Any]], *kinds: str) -> list[str]:
    found = [f for f in findings if f["kind"] in kinds]
    if not found:
        return []
    platforms = sorted({f["platform"] for f in found})
    return [
        f"{len(found)} {'/'.join(kinds)} finding{'s' if len(found) != 1 else ''} "
        f"({', '.join(platforms)})"
    ]


def _moment_does(integration: Integration, moment: str) -> list[str]:
    return [s.do for s in _steps(integration, moment)]


def _writes(integration: Integration, moment: str, attribute: str) -> bool:
    return any(attribute in s.attributes for s in _steps(integration, moment))


def checklist(
    settings: Settings,
    findings: list[dict[str, Any]],
    inbox_failures: int,
    attribute_issues: list[dict[str, Any]],
    lint: list[dict[str, str]],
) -> list[dict[str, Any]]:
    integration, config = settings.integration, settings.config
    items = []

    failures = [
        f"the {integration.name} integration never writes login_status at {moment}"
        for moment in ("on_login", "on_logout")
        if not _writes(integration, moment, "login_status")
    ] + _kinds(findings, "stale_status", "misroute_anonymous")
    items.append(
        _item(
            "status_synced",
            "Real status synced from the app",
            failures,
            "login_status is written at login and logout, and no scenario found it "
            "stale",
        )
    )

    failures = [f"lint {p['code']}: {p['message']}" for p in lint]
    failures += _kinds(findings, "misroute_authenticated")
    items.append(
        _item(
            "routes_on_status",
            "Workflow routes on status, not role",
            failures,
            f"the {settings.workflow.name if settings.workflow else '?'} workflow's "
            "authenticated path tests the live status and an account id",
        )
    )

    failures = []
    for guard in _guards(settings):
        codes = {c.code for c in guard.checks}
        missing = [c for c in ("logged_in", "session_live") if c not in codes]
        if missing:
            failures.append(f"guard {guard.name} does not check {', '.join(missing)}")
    failures += _kinds(findings, "data_leak")
    items.append(
        _item(
            "procedures_revalidate",
            "Procedures re-validate",
            failures,
            "every personal procedure checks the status and asks the backend whether "
            "the session is live",
        )
    )

    does = _moment_does(integration, "on_logout")
    failures = [
        f"the {integration.name} integration's logout does not {what}"
        for step, what in (("reset", "reset the SDK"), ("clear_caches", "clear caches"))
        if step not in does
    ] + _kinds(findings, "residual_identity")
    items.append(
        _item(
            "logout_resets",
            "Logout resets the SDK and clears caches",
            failures,
            "the logout resets the SDK and clears the app's caches",
        )
    )

    switch = _moment_does(integration, "on_switch")
    login = switch.index("login_identified") if "login_identified" in switch else 0
    failures = (
        []
        if "reset" in switch[:login]
        else [f"the {integration.name} integration switches without a reset first"]
    )
    failures += _kinds(findings, "identity_mismatch")
    items.append(
        _item(
            "switch_clears",
            "Account switch clears the previous identity",
            failures,
            "a switch resets the SDK before the next user logs in",
        )
    )

    verification = config.identity_verification
    failures = []
    if verification.mode != "enforced":
        failures.append(f"identity verification is {verification.mode}")
    if integration.verification == "none":
        failures.append(f"the {integration.name} integration signs no identity")
    failures += _kinds(findings, "unverified_identity")
    items.append(
        _item(
            "verification_on",
            "Identity verification on",
            failures,
            f"enforced with {verification.method}, and the app signs every login",
        )
    )

    sidebar = set(config.inbox_sidebar)
    failures = [
        f"the Inbox sidebar shows none of {' or '.join(group)}"
        for group in (
            ("login_status_text",),
            ("user_id", "member_id"),
            ("user_level", "tier"),
            ("platform",),
            ("last_login_at",),
        )
        if not sidebar & set(group)
    ]
    if inbox_failures:
        failures.append(f"{inbox_failures} Inbox sidebar field(s) disagreed with truth")
    failures += [p["problem"] for p in attribute_issues if p["use"] == "shows"]
    items.append(
        _item(
            "inbox_fields",
            "Inbox shows the key fields",
            failures,
            "the sidebar shows the status text, the ids, the tier, the platform "
            "and the login time, and each matched the truth",
        )
    )
    return items
