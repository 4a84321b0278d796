"""The oracle: judges one moment of a scenario against the truth, and says what broke.

The truth is the app's own live session (`World.truth`): someone is authenticated
only while the app holds a session the backend still counts as live. The oracle
compares that with what the workspace recorded for the conversation the device just
started (its `workflow_path`, the contact it landed on, that contact's attributes,
whether the request was identity-verified), with what the SDK still holds, and with
the outcome of a personal procedure's guard, and returns one `Finding` per problem:

    with World(seed=7) as world:
        ann = world.backend.register("ann")
        phone = world.device("ios", integration="silent-logout")
        world.act(phone, phone.open)
        world.act(phone, phone.login, ann)
        world.act(phone, phone.logout)
        world.act(phone, phone.start_conversation)
        findings = judge(world, phone, guard="status-only")

Each finding names the app event that caused it: the latest app event of the device
before the one that started the conversation (a logout, a switch, a login), since the
conversation itself is only where the damage shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .app import SimulatedApp
from .errors import HarnessError
from .rules.guards import (
    PLACEHOLDER_IDS,
    Guard,
    GuardOutcome,
    Procedure,
    load_procedure,
    run_procedure,
)
from .workspace.routing import PATH_ATTRIBUTE
from .world import World

__all__ = [
    "KINDS",
    "Assessment",
    "JudgeError",
    "SEVERITIES",
    "EventRef",
    "Finding",
    "Oracle",
    "assess",
    "judge",
    "last_conversation_id",
]

SEVERITIES = ("critical", "high", "medium", "low")
# every finding kind and its severity, most severe first
KINDS: dict[str, str] = {
    "data_leak": "critical",
    "identity_mismatch": "critical",
    "misroute_authenticated": "high",
    "residual_identity": "high",
    "unverified_identity": "high",
    "stale_status": "medium",
    "misroute_anonymous": "low",
    "over_block": "low",
}
AUTHENTICATED = "authenticated"
ANONYMOUS = "anonymous"
# app events that only show the Messenger: where a problem shows, not what caused it
_MESSENGER_EVENTS = frozenset({"start_conversation", "present_messenger"})


class JudgeError(HarnessError, ValueError):
    """There is no conversation to judge: none was started, or it is gone."""


@dataclass(frozen=True)
class EventRef:
    """The app event a finding traces back to: its trace seq and what it was."""

    seq: int | None
    event: str
    description: str

    def __str__(self) -> str:
        where = f"trace seq {self.seq}" if self.seq is not None else "no trace seq"
        return f"{self.description} ({where})"


@dataclass(frozen=True)
class Finding:
    kind: str
    severity: str
    device: str
    event: EventRef
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # a finding with a made-up kind or severity would sort and report wrongly
        if self.kind not in KINDS:
            raise ValueError(f"unknown finding kind {self.kind!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}")


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text if text and text.casefold() not in PLACEHOLDER_IDS else None


def _article(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


class Oracle:
    """Judges the moment just after `app` started conversation `conversation_id`."""

    def __init__(
        self,
        world: World,
        app: SimulatedApp,
        conversation_id: str,
        outcome: GuardOutcome | None = None,
        *,
        procedure: Procedure | None = None,
    ):
        self.world = world
        self.app = app
        self.conversation_id = conversation_id
        self.outcome = outcome
        self.procedure = procedure
        self.truth = world.truth(app)
        self.sdk = world.sdk_view(app)
        conversation = world.workspace.state.conversations.get(conversation_id)
        if conversation is None:
            raise JudgeError(f"the workspace has no conversation {conversation_id!r}")
        self.conversation = conversation
        # the contact as the REST API shows it, as an agent or a guard would read it
        self.contact = world.contact(conversation.contact_id) or {}
        self.attrs: dict[str, Any] = self.contact.get("custom_attributes") or {}
        self.event = self._cause()

    # -- the facts -------------------------------------------------------------------

    @property
    def live(self) -> bool:
        return bool(self.truth["logged_in"])

    @property
    def session_user(self) -> str | None:
        return self.truth["user_id"] if self.live else None

    @property
    def contact_user(self) -> str | None:
        return _text(self.contact.get("external_id"))

    @property
    def path(self) -> str | None:
        return self.conversation.custom_attributes.get(PATH_ATTRIBUTE)

    @property
    def own_contact(self) -> bool:
        """The live session's user is the user of the contact the conversation is on."""
        return self.session_user is not None and self.contact_user == self.session_user

    @property
    def personal(self) -> bool:
        # without a named procedure the bundled personal procedures are assumed live,
        # as the default workspace runs them
        return self.procedure is None or self.procedure.personal_data

    def _cause(self) -> EventRef:
        events = [
            r
            for r in self.world.trace.of_kind("app_event")
            if r.data.get("device") == self.app.device_id
        ]
        if not events:
            return EventRef(None, "none", "no app event of this device")
        start = len(events) - 1
        # the conversation was started by the device's latest Messenger event
        while start >= 0 and events[start].data.get("event") not in _MESSENGER_EVENTS:
            start -= 1
        before = events[start - 1] if start > 0 else events[-1]
        name = before.data.get("event", "?")
        alias = before.data.get("alias")
        return EventRef(before.seq, name, f"{name} {alias}" if alias else name)

    def _context(self) -> str:
        who = (
            f"the app says {self.truth['alias']} ({self.session_user}) is logged in"
            if self.live
            else "the app says nobody is logged in"
            + (" (its session has ended)" if self.truth["app_session"] else "")
        )
        contact = (
            f"conversation {self.conversation_id} landed on contact "
            f"{self.contact.get('id')} (external_id {self.contact_user or 'none'}, "
            f"login_status {self.attrs.get('login_status') or 'unset'}, user_id "
            f"attribute {_text(self.attrs.get('user_id')) or 'unset'}) down the "
            f"{self.path or 'unrouted'} path"
        )
        sdk = (
            f"the SDK holds identified user {self.sdk['user_id']}"
            if self.sdk["identity"] == "identified"
            else f"the SDK holds {_article(self.sdk['identity'])} identity"
        )
        return f"{who}; {contact}; {sdk}"

    def _evidence(self, **extra: Any) -> dict[str, Any]:
        return {
            "truth": dict(self.truth),
            "conversation_id": self.conversation_id,
            "workflow_path": self.path,
            "identity_verified": self.conversation.identity_verified,
            "channel": self.conversation.channel,
            "contact_id": self.contact.get("id"),
            "external_id": self.contact.get("external_id"),
            "custom_attributes": dict(self.attrs),
            "sdk": dict(self.sdk),
            "guard": (
                {"allowed": self.outcome.allowed, "reasons": list(self.outcome.reasons)}
                if self.outcome is not None
                else None
            ),
            **extra,
        }

    def _finding(self, kind: str, lead: str, **extra: Any) -> Finding:
        return Finding(
            kind=kind,
            severity=KINDS[kind],
            device=self.app.device_id,
            event=self.event,
            message=f"{lead}: {self._context()} (after {self.event}).",
            evidence=self._evidence(**extra),
        )

    # -- the judgement -----------------------------------------------------------------

    def findings(self) -> list[Finding]:
        found: list[Finding] = []
        outcome = self.outcome
        ran = outcome is not None and self.personal
        if ran and outcome.allowed and not self.own_contact:
            found.append(
                self._finding(
                    "data_leak",
                    "A personal procedure was allowed for someone not authenticated "
                    "as this contact's user",
                )
            )
        if (
            self.session_user is not None
            and self.contact_user is not None
            and self.contact_user != self.session_user
        ):
            found.append(
                self._finding(
                    "identity_mismatch",
                    "The conversation landed on another user's contact",
                )
            )
        if self.path == AUTHENTICATED and not self.live:
            found.append(
                self._finding(
                    "misroute_authenticated",
                    "The conversation went down the authenticated path with no live "
                    "session",
                )
            )
        elif self.path == AUTHENTICATED and self.contact_user is None:
            # the session is live, but the conversation sits on a contact that is
            # no registered user (a failed login left the person anonymous, and the
            # app wrote the status onto that contact anyway)
            found.append(
                self._finding(
                    "misroute_authenticated",
                    "The conversation went down the authenticated path on a contact "
                    "that is not the logged-in user's",
                )
            )
        residual = self._residual()
        if residual:
            found.append(
                self._finding(
                    "residual_identity",
                    "The device still carries a previous user's identity ("
                    + "; ".join(residual)
                    + ")",
                    residual=residual,
                )
            )
        mode = self.world.config.identity_verification.mode
        if (
            self.personal
            and self.contact_user is not None
            and (mode != "enforced" or not self.conversation.identity_verified)
        ):
            found.append(
                self._finding(
                    "unverified_identity",
                    f"An identified contact wrote without verified identity "
                    f"(verification {mode}, request verified: "
                    f"{self.conversation.identity_verified}) while personal procedures "
                    "are live",
                    verification_mode=mode,
                )
            )
        if self.attrs.get("login_status") == "logged_in" and not self.live:
            found.append(
                self._finding(
                    "stale_status",
                    "The contact still says login_status = logged_in after the app "
                    "session ended",
                )
            )
        if self.path == ANONYMOUS and self.live:
            found.append(
                self._finding(
                    "misroute_anonymous",
                    "A genuinely logged-in person went down the anonymous path",
                )
            )
        if ran and not outcome.allowed and self.own_contact:
            found.append(
                self._finding(
                    "over_block",
                    "A genuine user on their own contact was denied a personal "
                    f"procedure (reasons: {', '.join(outcome.reasons) or 'none'})",
                )
            )
        return found

    def _residual(self) -> list[str]:
        """What of a previous user the device still shows, when nobody is logged in."""
        if self.live:
            return []
        reasons: list[str] = []
        if self.sdk["identity"] == "identified":
            reasons.append(f"the SDK is still identified as {self.sdk['user_id']}")
        current = self.sdk["contact_id"]
        cached = self.app.sdk.state.get("conversations") or []
        foreign = sorted(
            {
                str(c.get("id"))
                for c in cached
                if c.get("contact_id") and c.get("contact_id") != current
            }
        )
        if foreign:
            reasons.append(
                "the Messenger shows conversations of another contact: "
                + ", ".join(foreign)
            )
        # an anonymous contact carrying someone's ids is their data on a stranger
        if self.contact_user is None:
            claimed = [
                name
                for name in ("user_id", "member_id")
                if _text(self.attrs.get(name)) is not None
            ]
            if claimed:
                reasons.append(
                    "the anonymous contact still carries " + ", ".join(claimed)
                )
        return reasons


# -- the convenience ---------------------------------------------------------------


def last_conversation_id(world: World, app: SimulatedApp) -> str | None:
    """The last conversation the device started: the SDK's, else the workspace's."""
    cached = app.sdk.state.get("conversations") or []
    if cached and cached[-1].get("id"):
        return str(cached[-1]["id"])
    contact_id = world.sdk_view(app)["contact_id"]
    mine = [
        c
        for c in world.workspace.state.conversations.values()
        if contact_id and c.contact_id == contact_id
    ]
    return max(mine, key=lambda c: c.seq).id if mine else None


@dataclass(frozen=True)
class Assessment:
    """What an agent's procedure run on a device's last conversation came to."""

    conversation_id: str
    procedure: str
    outcome: GuardOutcome
    findings: list[Finding]


def judge(
    world: World,
    app: SimulatedApp,
    *,
    procedure: str | Procedure = "order_history",
    guard: str | Guard | None = None,
) -> list[Finding]:
    """Judge the device's last conversation, running `procedure` on it first.

    Starts nothing: a scenario that never started a conversation is an error.
    """
    return assess(world, app, procedure=procedure, guard=guard).findings


def assess(
    world: World,
    app: SimulatedApp,
    *,
    procedure: str | Procedure = "order_history",
    guard: str | Guard | None = None,
) -> Assessment:
    """Run `procedure` behind its guard (or `guard`) on the device's last
    conversation, and judge the outcome against the truth."""
    conversation_id = last_conversation_id(world, app)
    if conversation_id is None:
        raise JudgeError(f"{app.device_id} has started no conversation to judge")
    state = world.workspace.state
    conversation = state.conversations.get(conversation_id)
    if conversation is None:
        # the SDK still lists it, but the workspace deleted it (with its contact)
        raise JudgeError(
            f"{app.device_id}'s last conversation {conversation_id!r} is gone from "
            "the workspace (was its contact deleted?); there is no conversation to "
            "judge"
        )
    if not isinstance(procedure, Procedure):
        procedure = load_procedure(procedure)
    contact = state.contacts.get(conversation.contact_id)
    # the world's router answers the backend's host, so this client stays in-process
    with world.connector() as connector:
        outcome = run_procedure(
            procedure,
            guard if guard is not None else procedure.guard,
            contact,
            conversation,
            now=world.clock.now(),
            connector=connector,
        )
    findings = Oracle(
        world, app, conversation_id, outcome, procedure=procedure
    ).findings()
    return Assessment(conversation_id, procedure.name, outcome, findings)
