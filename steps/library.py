"""The step definitions: each phrasing, what it does, and its one-line description.

Every step is declared with `phrase`, which registers it with pytest-bdd for its
keywords and records it in `CATALOGUE`, from which the step reference, the
`identity-harness steps` listing and the closest-match hints of an undefined step
are all made. A step's first docstring line is its description.

Actions (`When`) also work as `Given`, so a scenario may set the scene with them:
`Given "ann" logs in`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pytest_bdd import given, parsers, then, when
from pytest_bdd import step as any_keyword

from simulator.backend.service import TIERS
from simulator.integrations import known_integrations
from simulator.oracle import KINDS
from simulator.rules.guards import CHECKS, known_guards, known_procedures
from simulator.rules.workflows import known_workflows
from simulator.sdk.profiles import known_profiles, load_profile
from simulator.workspace.routing import configured_workflow

from .context import (
    PLATFORMS,
    VERIFICATION_METHODS,
    ScenarioContext,
    StepUsageError,
    choose,
    describe_findings,
)

__all__ = ["CATALOGUE", "StepDoc"]

_DECORATORS = {"given": given, "when": when, "then": then}


@dataclass(frozen=True)
class StepDoc:
    keywords: tuple[str, ...]
    phrase: str  # the parse pattern, e.g. '"{alias}" logs in'
    description: str
    module: str
    name: str

    @property
    def text(self) -> str:
        """The phrase as a feature file shows it, parameters in angle brackets."""
        return re.sub(r"\{(\w+)(?::[^}]*)?\}", r"<\1>", self.phrase)

    @property
    def parameters(self) -> list[str]:
        return re.findall(r"\{(\w+)(?::[^}]*)?\}", self.phrase)

    def lines(self) -> list[str]:
        return [f"{keyword.capitalize()} {self.text}" for keyword in self.keywords]


CATALOGUE: list[StepDoc] = []


def phrase(
    text: str, *keywords: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a step for `keywords` (default: its module's section) under `text`."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        doc = (func.__doc__ or "").strip().splitlines()
        if not doc:
            raise TypeError(f"step {func.__name__} needs a one-line docstring")
        # stacklevel 2: pytest-bdd puts the step's fixture in this module, the
        # caller of `decorate`, where the plugin finds it
        if len(keywords) > 1:
            # one definition for every keyword: pytest-bdd looks each step up
            # among all definitions, so fewer of them make every step cheaper
            any_keyword(parsers.parse(text), stacklevel=2)(func)
        else:
            _DECORATORS[keywords[0]](parsers.parse(text), stacklevel=2)(func)
        CATALOGUE.append(
            StepDoc(tuple(keywords), text, doc[0], func.__module__, func.__name__)
        )
        return func

    return decorate


def _fill(harness: ScenarioContext, expected: str) -> str:
    """Expand `{alias.field}` in an expected value with the registered user's data."""

    def value(match: re.Match[str]) -> str:
        alias, name = match.group(1), match.group(2)
        user = harness.user(alias)
        return str(getattr(user, name))

    filled = re.sub(
        r"\{([^.{}]+)\.(user_id|member_id|email|name|tier)\}", value, expected
    )
    unknown = re.search(r"\{[^{}]+\.[^{}]+\}", filled)
    if unknown:
        raise StepUsageError(
            f"cannot fill {unknown.group(0)} in {expected!r}: write {{alias.field}} "
            "with a registered alias and one of user_id, member_id, email, name, tier"
        )
    return filled


def _duration(n: int, unit: str) -> int:
    if n < 0:
        raise StepUsageError(f"time only moves forward: {n} {unit} cannot pass")
    return n


def _shown(value: Any) -> str | None:
    """A contact field as text, as an agent reads it; None when it holds nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- Given: the workspace --------------------------------------------------------------


@phrase('the workspace uses the "{workflow}" workflow', "given")
def use_workflow(harness: ScenarioContext, workflow: str) -> None:
    """Route new conversations with a bundled workflow (overrides the run's)."""
    harness.configure("the workflow")
    harness.workflow = choose("workflow", workflow, known_workflows())


@phrase('procedures are guarded by the "{guard}" guard', "given")
def use_guard(harness: ScenarioContext, guard: str) -> None:
    """Run every procedure behind a bundled guard instead of its own."""
    if harness.assessments:
        raise StepUsageError(
            "cannot change the guard now: a procedure already ran behind the old "
            "one. Put this Given before the first procedure."
        )
    harness.guard = choose("guard", guard, known_guards())


@phrase("identity verification is off", "given")
def verification_off(harness: ScenarioContext) -> None:
    """The workspace accepts identities without a user hash or JWT."""
    harness.configure("identity verification")
    harness.verification = ("off", "hmac")


@phrase('identity verification is enforced with "{method}"', "given")
def verification_enforced(harness: ScenarioContext, method: str) -> None:
    """The workspace requires a user hash (hmac) or a JWT; the app signs likewise."""
    harness.configure("identity verification")
    harness.verification = ("enforced", choose("method", method, VERIFICATION_METHODS))


@phrase('identity verification is optional with "{method}"', "given")
def verification_optional(harness: ScenarioContext, method: str) -> None:
    """The workspace checks a user hash or JWT when one comes, and takes none too."""
    harness.configure("identity verification")
    harness.verification = ("optional", choose("method", method, VERIFICATION_METHODS))


@phrase("the app does not sign identities", "given")
def app_does_not_sign(harness: ScenarioContext) -> None:
    """The app logs users in without a user hash or JWT."""
    harness.configure("how the app signs")
    harness.signing = "none"


@phrase('the app signs identities with "{method}"', "given")
def app_signs_with(harness: ScenarioContext, method: str) -> None:
    """The app signs each login with a user hash (hmac) or a JWT."""
    harness.configure("how the app signs")
    harness.signing = choose("method", method, VERIFICATION_METHODS)


# -- Given: the people -----------------------------------------------------------------


@phrase('a registered user "{alias}"', "given")
def registered_user(harness: ScenarioContext, alias: str) -> None:
    """A user of the app's backend, with faker data, on a random tier."""
    harness.add_user(alias)


@phrase('a registered "{tier}" user "{alias}"', "given")
def registered_tier_user(harness: ScenarioContext, tier: str, alias: str) -> None:
    """A user of the app's backend on the given tier (basic, silver or gold)."""
    harness.add_user(alias, choose("tier", tier, TIERS))


# -- Given: the app --------------------------------------------------------------------


@phrase('the app runs on "{platform}" with the "{integration}" integration', "given")
def app_runs_on_with(harness: ScenarioContext, platform: str, integration: str) -> None:
    """The platform of the app and the integration that drives its SDK."""
    harness.set_platform(platform)
    harness.integration = choose("integration", integration, known_integrations())


@phrase('the app runs on "{platform}"', "given")
def app_runs_on(harness: ScenarioContext, platform: str) -> None:
    """The platform of the app; the integration stays the run's."""
    harness.set_platform(platform)


@phrase('the app uses the "{integration}" integration', "given")
def app_uses(harness: ScenarioContext, integration: str) -> None:
    """The integration that drives the SDK; the platform stays the scenario's."""
    harness.configure("the app's integration")
    harness.integration = choose("integration", integration, known_integrations())


@phrase('the SDK behaves like "{profile}"', "given")
def sdk_profile(harness: ScenarioContext, profile: str) -> None:
    """The SDK's version-specific behaviour, from a bundled profile."""
    harness.configure("the SDK profile")
    choose("SDK profile", profile, known_profiles())
    if harness.platform is not None:
        load_profile(
            profile, harness.platform
        )  # a profile of another platform is refused
    harness.profile = profile


# -- When: the lifecycle ---------------------------------------------------------------


@phrase("the person opens the app without logging in", "given", "when")
def open_app(harness: ScenarioContext) -> None:
    """The app starts and the person stays anonymous."""
    harness.act("open", identity_change=True)


@phrase('"{alias}" logs in', "given", "when")
def log_in(harness: ScenarioContext, alias: str) -> None:
    """The registered user logs in to the app (the app opens first if it has not)."""
    harness.act("login", harness.user(alias), identity_change=True)


@phrase("the person logs out", "given", "when")
def log_out(harness: ScenarioContext) -> None:
    """The app signs the person out, doing what its integration does at logout."""
    harness.act("logout", identity_change=True)


@phrase("the person logs out without resetting the Messenger", "given", "when")
def log_out_without_reset(harness: ScenarioContext) -> None:
    """The app signs the person out but never resets the SDK."""
    harness.act("logout", identity_change=True, reset=False)


@phrase('the person switches to "{alias}"', "given", "when")
def switch_to(harness: ScenarioContext, alias: str) -> None:
    """Another registered user logs in on the same device (the integration's switch)."""
    harness.act("switch_to", harness.user(alias), identity_change=True)


@phrase("the app is killed and relaunched", "given", "when")
def kill_and_relaunch(harness: ScenarioContext) -> None:
    """The OS kills the app; it starts again from what it and the SDK persisted."""
    harness.act("kill_and_relaunch")


@phrase("the app is reinstalled", "given", "when")
def reinstall(harness: ScenarioContext) -> None:
    """The app is deleted and installed again: its data and the SDK's are gone."""
    harness.act("reinstall", identity_change=True)


@phrase("the app's data is cleared", "given", "when")
def clear_data(harness: ScenarioContext) -> None:
    """The person clears the app's storage; it starts as a fresh install."""
    harness.act("clear_app_data", identity_change=True)


@phrase("{n:d} minutes pass", "given", "when")
def minutes_pass(harness: ScenarioContext, n: int) -> None:
    """The simulated clock moves on (nothing sleeps)."""
    harness.world.advance(_duration(n, "minutes") * 60)


@phrase("{n:d} hours pass", "given", "when")
def hours_pass(harness: ScenarioContext, n: int) -> None:
    """The simulated clock moves on (nothing sleeps)."""
    harness.world.advance(_duration(n, "hours") * 3600)


@phrase("{n:d} days pass", "given", "when")
def days_pass(harness: ScenarioContext, n: int) -> None:
    """The simulated clock moves on (nothing sleeps)."""
    harness.world.advance(_duration(n, "days") * 86400)


@phrase("the app session expires", "given", "when")
def session_expires(harness: ScenarioContext) -> None:
    """The backend ends the app's session without telling the app."""
    harness.world.expire_session(harness.app)


@phrase("the network drops Messenger requests", "given", "when")
def network_down(harness: ScenarioContext) -> None:
    """Every Messenger request from now on is lost before it reaches the workspace."""
    harness.world.network_down()


@phrase("the network is restored", "given", "when")
def network_up(harness: ScenarioContext) -> None:
    """Messenger requests reach the workspace again."""
    harness.world.network_up()


@phrase("the person starts a conversation", "given", "when")
def start_conversation(harness: ScenarioContext) -> None:
    """The person writes a first message in the Messenger; the workflow routes it."""
    harness.act("start_conversation")


@phrase("the person opens the Messenger", "given", "when")
def open_messenger(harness: ScenarioContext) -> None:
    """The Messenger opens and lists the conversations the SDK fetches."""
    harness.act("present_messenger")


@phrase("the app registers for push notifications", "given", "when")
def register_push(harness: ScenarioContext) -> None:
    """The app hands the device's push token to the SDK."""
    harness.act("register_push_token", _push_token(harness))


@phrase('the agent runs the "{procedure}" procedure', "given", "when")
def run_procedure(harness: ScenarioContext, procedure: str) -> None:
    """The AI agent runs a procedure on the last conversation, behind its guard."""
    harness.assess(procedure)


def _push_token(harness: ScenarioContext) -> str:
    return f"push-{harness.app.device_id}"


# -- Then: routing and guards ----------------------------------------------------------


@phrase('the conversation is routed to the "{path}" path', "then")
def routed_to(harness: ScenarioContext, path: str) -> None:
    """The workflow sent the last conversation down that path."""
    workflow = configured_workflow(harness.world.config)
    if workflow is not None:
        paths = [p.name for p in workflow.paths] + [workflow.fallback]
        choose(f"path of the {workflow.name!r} workflow", path, paths)
    conversation_id = harness.conversation_id()
    response = harness.world.rest.get(f"/conversations/{conversation_id}")
    response.raise_for_status()
    taken = (response.json().get("custom_attributes") or {}).get("workflow_path")
    assert taken == path, (
        f"conversation {conversation_id} went down the {taken or 'no'} path, not "
        f"{path!r}"
    )


@phrase('the "{procedure}" procedure is allowed', "then")
def procedure_allowed(harness: ScenarioContext, procedure: str) -> None:
    """The procedure's guard let it run."""
    outcome = harness.assessment(procedure).outcome
    assert outcome.allowed, (
        f"the {procedure!r} procedure was blocked because "
        f"{', '.join(outcome.reasons) or 'of no reason given'}"
    )


@phrase('the "{procedure}" procedure is blocked because "{reason}"', "then")
def procedure_blocked_because(
    harness: ScenarioContext, procedure: str, reason: str
) -> None:
    """The guard blocked the procedure, with that reason among its reasons."""
    choose("reason", reason, list(CHECKS.values()))
    outcome = harness.assessment(procedure).outcome
    assert not outcome.allowed, f"the {procedure!r} procedure was allowed"
    assert reason in outcome.reasons, (
        f"the {procedure!r} procedure was blocked because "
        f"{', '.join(outcome.reasons)}, not {reason!r}"
    )


@phrase('the "{procedure}" procedure is blocked', "then")
def procedure_blocked(harness: ScenarioContext, procedure: str) -> None:
    """The guard blocked the procedure, for any reason."""
    outcome = harness.assessment(procedure).outcome
    assert not outcome.allowed, f"the {procedure!r} procedure was allowed"


# -- Then: the oracle's judgement ------------------------------------------------------


@phrase('the harness reports a "{kind}" finding', "then")
def reports_finding(harness: ScenarioContext, kind: str) -> None:
    """That kind is among the oracle's findings."""
    choose("finding kind", kind, list(KINDS))
    findings = harness.findings()
    assert any(f.kind == kind for f in findings), (
        f"no {kind} finding; the harness found "
        + (("\n" + describe_findings(findings)) if findings else "nothing")
    )


@phrase('the harness reports no "{kind}" finding', "then")
def reports_no_finding_of(harness: ScenarioContext, kind: str) -> None:
    """That kind is not among the oracle's findings (others may be)."""
    choose("finding kind", kind, list(KINDS))
    found = [f for f in harness.findings() if f.kind == kind]
    assert not found, f"the harness found:\n{describe_findings(found)}"


@phrase("the harness reports no findings", "then")
def reports_nothing(harness: ScenarioContext) -> None:
    """The oracle found no problem at all."""
    findings = harness.findings()
    assert not findings, (
        f"the harness found {len(findings)} problem"
        f"{'s' if len(findings) != 1 else ''}:\n{describe_findings(findings)}"
    )


# -- Then: the contact -----------------------------------------------------------------


def _current_contact(harness: ScenarioContext) -> dict[str, Any]:
    """The contact the device's SDK speaks for, else the last conversation's."""
    contact = harness.world.contact_for(harness.app)
    if contact is None:
        conversation_id = last_conversation_or_none(harness)
        if conversation_id is not None:
            record = harness.world.workspace.state.conversations.get(conversation_id)
            contact = harness.world.contact(record.contact_id) if record else None
    if contact is None:
        raise StepUsageError(
            "the device speaks for no contact yet: the SDK holds no identity and no "
            "conversation was started"
        )
    return contact


def last_conversation_or_none(harness: ScenarioContext) -> str | None:
    try:
        return harness.conversation_id()
    except StepUsageError:
        return None


def _field(harness: ScenarioContext, contact: dict[str, Any], attribute: str) -> Any:
    """A contact's field or custom attribute; a name the contact cannot have is a
    mistake in the scenario, not an empty value."""
    custom = contact.get("custom_attributes") or {}
    attribute = attribute.removeprefix("custom_attributes.")  # as workflows write it
    if attribute in custom:
        return custom[attribute]
    standard = sorted(
        k for k, v in contact.items() if not isinstance(v, dict | list) and k != "type"
    )
    if attribute in standard:
        return contact[attribute]
    defined = [a.name for a in harness.world.config.custom_attributes]
    if attribute in defined:
        return None
    raise StepUsageError(
        f"a contact has no attribute {attribute!r}; its fields are "
        f"{', '.join(standard)}, and the workspace defines the custom attributes "
        f"{', '.join(defined) or '(none)'}"
    )


def _user_contact(harness: ScenarioContext, alias: str) -> dict[str, Any]:
    user = harness.user(alias)
    found = harness.world.users_with_external_id(user.user_id)
    if not found:
        raise AssertionError(f"the workspace has no user contact for {alias!r}")
    return found[0]


@phrase('the contact\'s "{attribute}" is "{value}"', "then")
def contact_attribute_is(harness: ScenarioContext, attribute: str, value: str) -> None:
    """A field of the contact the device speaks for (or its last conversation's)."""
    contact = _current_contact(harness)
    actual = _shown(_field(harness, contact, attribute))
    expected = _fill(harness, value)
    assert actual == expected, (
        f"contact {contact['id']} has {attribute} = {actual!r}, not {expected!r}"
    )


@phrase('the contact has no "{attribute}"', "then")
def contact_lacks(harness: ScenarioContext, attribute: str) -> None:
    """That field of the contact is unset or empty."""
    contact = _current_contact(harness)
    actual = _shown(_field(harness, contact, attribute))
    assert actual is None, f"contact {contact['id']} has {attribute} = {actual!r}"


@phrase('the contact is a "{role}"', "then")
def contact_role(harness: ScenarioContext, role: str) -> None:
    """The contact type the workspace shows: user or lead."""
    choose("contact role", role, ["user", "lead"])
    contact = _current_contact(harness)
    assert contact["role"] == role, f"contact {contact['id']} is a {contact['role']}"


@phrase('"{alias}"\'s contact\'s "{attribute}" is "{value}"', "then")
def user_contact_attribute_is(
    harness: ScenarioContext, alias: str, attribute: str, value: str
) -> None:
    """A field of the registered user's own contact, wherever the device is now."""
    contact = _user_contact(harness, alias)
    actual = _shown(_field(harness, contact, attribute))
    expected = _fill(harness, value)
    assert actual == expected, (
        f"{alias}'s contact {contact['id']} has {attribute} = {actual!r}, not "
        f"{expected!r}"
    )


@phrase('the Inbox sidebar shows "{field}" as "{value}"', "then")
def sidebar_shows(harness: ScenarioContext, field: str, value: str) -> None:
    """What an agent reads in the Inbox sidebar of the last conversation's contact."""
    sidebar = harness.world.config.inbox_sidebar
    choose("Inbox sidebar field", field, sidebar)
    conversation_id = harness.conversation_id()
    record = harness.world.workspace.state.conversations[conversation_id]
    contact = harness.world.contact(record.contact_id) or {}
    actual = _shown(_field(harness, contact, field)) or ""
    expected = _fill(harness, value)
    assert actual == expected, (
        f"the Inbox sidebar shows {field} as {actual!r}, not {expected!r}"
    )


@phrase('the Inbox sidebar shows no "{field}"', "then")
def sidebar_shows_nothing(harness: ScenarioContext, field: str) -> None:
    """That Inbox sidebar field of the last conversation's contact is empty."""
    choose("Inbox sidebar field", field, harness.world.config.inbox_sidebar)
    record = harness.world.workspace.state.conversations[harness.conversation_id()]
    contact = harness.world.contact(record.contact_id) or {}
    actual = _shown(_field(harness, contact, field))
    assert actual is None, f"the Inbox sidebar shows {field} as {actual!r}"


@phrase('the Inbox no longer shows "{alias}" as logged in', "then")
def inbox_not_logged_in(harness: ScenarioContext, alias: str) -> None:
    """The registered user's own contact no longer says login_status is logged_in."""
    contact = _user_contact(harness, alias)
    status = _field(harness, contact, "login_status")
    assert status != "logged_in", (
        f"{alias}'s contact {contact['id']} still says login_status = logged_in"
    )


# -- Then: the Messenger and the SDK ---------------------------------------------------


def _messenger_list(harness: ScenarioContext) -> list[str]:
    """Open the Messenger and read the conversation ids it lists."""
    outcome = harness.act("present_messenger")
    codes = [f.error.code for f in outcome.failures() if f.error is not None]
    if codes:
        raise AssertionError(
            f"the Messenger could not load its conversations: {', '.join(codes)}"
        )
    return list(harness.world.sdk_view(harness.app)["cached_conversations"])


def _owner(harness: ScenarioContext, conversation_id: str) -> str:
    state = harness.world.workspace.state
    record = state.conversations.get(conversation_id)
    contact = state.contacts.get(record.contact_id) if record else None
    if contact is None:
        return "nobody"
    alias = harness.alias_of(contact.external_id) if contact.external_id else None
    return alias or f"{contact.role} {contact.id}"


@phrase('the Messenger shows the conversations of "{alias}"', "then")
def messenger_shows_of(harness: ScenarioContext, alias: str) -> None:
    """Opening the Messenger lists conversations, all of them that user's."""
    harness.user(alias)
    shown = _messenger_list(harness)
    owners = {c: _owner(harness, c) for c in shown}
    assert shown, "the Messenger lists no conversations"
    others = {c: o for c, o in owners.items() if o != alias}
    assert not others, (
        f"the Messenger lists conversations that are not {alias}'s: "
        + ", ".join(f"{c} ({o})" for c, o in others.items())
    )


@phrase("the Messenger shows no earlier conversations", "then")
def messenger_shows_none_earlier(harness: ScenarioContext) -> None:
    """Opening the Messenger lists none from before the last login, logout or switch."""
    shown = _messenger_list(harness)
    earlier = [c for c in shown if c in harness.earlier]
    assert not earlier, "the Messenger still lists earlier conversations: " + ", ".join(
        f"{c} ({_owner(harness, c)})" for c in earlier
    )


@phrase('the SDK call fails with error "{code}"', "then")
def sdk_call_fails(harness: ScenarioContext, code: str) -> None:
    """A call the last app event made failed with that SDK error code."""
    outcome = harness.outcome
    if outcome is None:
        raise StepUsageError("no app event has run yet")
    failures = outcome.failures()
    codes = [f.error.code for f in failures if f.error is not None]
    assert code in codes, f"no SDK call of {outcome.event} failed with {code!r}; " + (
        f"they failed with {', '.join(codes)}" if codes else "every call succeeded"
    )


@phrase("the SDK calls succeed", "then")
def sdk_calls_succeed(harness: ScenarioContext) -> None:
    """Every call the last app event made succeeded."""
    outcome = harness.outcome
    if outcome is None:
        raise StepUsageError("no app event has run yet")
    failures = [f.error.code for f in outcome.failures() if f.error is not None]
    assert not failures, f"{outcome.event} saw SDK errors: {', '.join(failures)}"


@phrase("the app is left waiting for an SDK callback", "then")
def sdk_call_stalls(harness: ScenarioContext) -> None:
    """The last app event waited on an SDK callback that never fired."""
    outcome = harness.outcome
    if outcome is None:
        raise StepUsageError("no app event has run yet")
    assert outcome.stalled, f"{outcome.event} got every callback it waited for"


@phrase("the SDK holds no identity", "then")
def sdk_holds_none(harness: ScenarioContext) -> None:
    """The SDK is not identified as any user (anonymous or nothing)."""
    view = harness.world.sdk_view(harness.app)
    assert view["identity"] != "identified", (
        f"the SDK is still identified as {view['user_id']}"
    )


@phrase('the SDK holds the identity of "{alias}"', "then")
def sdk_holds(harness: ScenarioContext, alias: str) -> None:
    """The SDK is identified as that registered user."""
    user = harness.user(alias)
    view = harness.world.sdk_view(harness.app)
    assert view["identity"] == "identified" and view["user_id"] == user.user_id, (
        f"the SDK holds no user's identity (it is {view['identity']})"
    )


@phrase('the push token is registered to "{alias}"', "then")
def push_registered_to(harness: ScenarioContext, alias: str) -> None:
    """The workspace sends this device's pushes to that user's contact."""
    user = harness.user(alias)
    state = harness.world.workspace.state
    contact_id = state.push_tokens.get(_push_token(harness))
    contact = state.contacts.get(contact_id) if contact_id else None
    assert contact is not None and contact.external_id == user.user_id, (
        f"the push token is registered to {_token_owner(harness)}, not {alias}"
    )


@phrase("the push token is registered to nobody", "then")
def push_registered_to_nobody(harness: ScenarioContext) -> None:
    """The workspace holds this device's push token for no identified user."""
    owner = _token_owner(harness)
    assert owner in ("nobody", "an anonymous contact"), (
        f"the push token is registered to {owner}"
    )


def _token_owner(harness: ScenarioContext) -> str:
    state = harness.world.workspace.state
    contact_id = state.push_tokens.get(_push_token(harness))
    contact = state.contacts.get(contact_id) if contact_id else None
    if contact is None:
        return "nobody"
    if contact.external_id is None:
        return "an anonymous contact"
    return harness.alias_of(contact.external_id) or f"user {contact.external_id}"


# what a parameter may be, for the listing and the reference; the steps check these
CHOICES: dict[str, Callable[[], list[str]]] = {
    "workflow": known_workflows,
    "guard": known_guards,
    "integration": known_integrations,
    "profile": known_profiles,
    "procedure": known_procedures,
    "platform": lambda: list(PLATFORMS),
    "method": lambda: list(VERIFICATION_METHODS),
    "tier": lambda: list(TIERS),
    "kind": lambda: list(KINDS),
    "reason": lambda: list(CHECKS.values()),
    "role": lambda: ["user", "lead"],
}


def reference_markdown() -> str:
    """The step reference, in Markdown, grouped by the keyword each step reads best
    under; `docs/writing-features.md` holds a copy that a test keeps in step."""
    groups = {
        "Given: the setup": [d for d in CATALOGUE if d.keywords == ("given",)],
        "When: what the person and the world do (also usable as Given)": [
            d for d in CATALOGUE if "when" in d.keywords
        ],
        "Then: what must hold": [d for d in CATALOGUE if d.keywords == ("then",)],
    }
    lines: list[str] = []
    for title, docs in groups.items():
        lines += [f"#### {title}", ""]
        for doc in docs:
            keyword = "When" if "when" in doc.keywords else doc.keywords[0].title()
            lines.append(f"- `{keyword} {doc.text}`: {doc.description}")
        lines.append("")
    lines += ["#### Parameter values", ""]
    used = {p for doc in CATALOGUE for p in doc.parameters}
    for name, values in CHOICES.items():
        if name in used:
            lines.append(f"- `<{name}>`: {', '.join(values())}")
    lines += [
        "- `<attribute>`: a contact field (`role`, `email`, `external_id`, `name`, "
        "...) or a custom attribute the workspace defines (`login_status`; the "
        "`custom_attributes.` prefix may be left out)",
        "- `<path>`: a path of the workspace's workflow (the bundled ones have "
        "`authenticated` and `anonymous`)",
        "- `<field>`: a field of the workspace's `inbox_sidebar`",
        "- `<code>`: an SDK error code, which differs by platform (for a refused "
        "user hash: `401` on iOS, `1001` on Android, `403` on the web)",
        "- `<alias>`: any name given to `a registered user`",
        "- `<n>`: a whole number",
        "- `<value>`: text; `{alias.user_id}`, `{alias.member_id}`, "
        "`{alias.email}`, `{alias.name}` and `{alias.tier}` are replaced by that "
        "user's data",
    ]
    return "\n".join(lines) + "\n"
