"""What one scenario knows while its steps run, and the run's settings it starts from.

A scenario's `Given` steps only record choices (the workflow, the guard, identity
verification, the users, the platform, the integration, the SDK profile). The world
is built when the first step needs it, usually the first `When`, from those choices
laid over the run's settings. A `Given` that would change the workspace after that
is refused, because the workspace it configures is already running.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from simulator.app import SimulatedApp, StepOutcome
from simulator.backend import RegisteredUser
from simulator.config import (
    DEFAULT_WORKSPACE,
    PLATFORMS,
    WorkspaceConfig,
    load_workspace_config,
)
from simulator.errors import ConfigError, HarnessError
from simulator.integrations import Integration, known_integrations, load_integration
from simulator.oracle import Assessment, Finding, Oracle, last_conversation_id
from simulator.rules.guards import known_guards, known_procedures, load_guard
from simulator.rules.workflows import known_workflows, load_workflow
from simulator.world import TARGETS, World

__all__ = [
    "PLATFORMS",
    "RunSettings",
    "ScenarioContext",
    "StepUsageError",
    "choose",
]

# PyJWT refuses HMAC keys shorter than this (RFC 7518, section 3.2)
MIN_SECRET_LENGTH = 32
VERIFICATION_METHODS = ("hmac", "jwt")


class StepUsageError(HarnessError, AssertionError):
    """A step used wrongly: an unknown name, or a step out of order.

    An AssertionError, so pytest reports it as the scenario's failure with the
    message alone.
    """


def choose(kind: str, value: str, allowed: list[str] | tuple[str, ...]) -> str:
    """`value` if it is one of `allowed`, else a StepUsageError naming the choices."""
    if value not in allowed:
        raise StepUsageError(
            f"unknown {kind} {value!r}; choose from: {', '.join(allowed)}"
        )
    return value


def check_secrets(config: WorkspaceConfig) -> None:
    """Refuse a verification secret too short to sign a JWT with, naming its
    environment variable, never its value."""
    secret_env = config.identity_verification.secret_env
    for platform, secret in config.identity_verification.resolve_secrets().items():
        if len(secret.encode()) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"${secret_env.get(platform, '?')}",
                "",
                f"the {platform} identity verification secret is "
                f"{len(secret.encode())} bytes long",
                f"a secret of at least {MIN_SECRET_LENGTH} bytes",
            )


@dataclass(frozen=True)
class RunSettings:
    """The run's choices, from the pytest command line, that scenarios start from."""

    workspace: str | None = None  # a workspace file; None is the bundled default
    workflow: str | None = None  # overrides the workspace's workflow
    guard: str | None = None  # overrides every procedure's guard
    integration: str = "recommended"
    platforms: tuple[str, ...] = PLATFORMS
    target: str = "inprocess"
    seed: int | None = None

    def __post_init__(self) -> None:
        choose("target", self.target, TARGETS)
        for platform in self.platforms:
            choose("platform", platform, PLATFORMS)
        if self.workflow is not None and not Path(self.workflow).suffix:
            choose("workflow", self.workflow, known_workflows())
        if self.guard is not None and not Path(self.guard).suffix:
            choose("guard", self.guard, known_guards())
        if not Path(self.integration).suffix:
            choose("integration", self.integration, known_integrations())

    def workspace_config(self) -> WorkspaceConfig:
        return load_workspace_config(self.workspace)

    def check(self) -> None:
        """Load every file the settings name, and the secrets, so that a broken
        one stops the run before its first scenario (a HarnessError says which)."""
        config = self.workspace_config()
        for workflow in (self.workflow, config.workflow):
            if workflow is not None:
                load_workflow(workflow)
        if self.guard is not None:
            load_guard(self.guard)
        load_integration(self.integration)
        check_secrets(config)

    @property
    def bundled(self) -> RunSettings:
        """The bundled defaults with this run's platforms, target and seed: what
        `@spec` scenarios start from, so that they pin the simulator's behaviour
        whatever config the run judges."""
        return RunSettings(platforms=self.platforms, target=self.target, seed=self.seed)

    def describe(self) -> str:
        return (
            f"workspace {self.workspace or DEFAULT_WORKSPACE}, workflow "
            f"{self.workflow or '(the workspace’s)'}, guard "
            f"{self.guard or '(each procedure’s)'}, integration {self.integration}, "
            f"target {self.target}"
        )


@dataclass
class ScenarioContext:
    settings: RunSettings
    scenario_id: str
    platform: str | None = None
    example_platform: bool = False  # the platform came from the Examples row
    # the choices the Given steps make; None keeps the run's
    workflow: str | None = None
    guard: str | None = None
    verification: tuple[str, str] | None = None  # (mode, method)
    signing: str | None = None  # hmac | jwt | none: how the app signs identities
    integration: str | None = None
    profile: str | None = None
    users: list[tuple[str, str | None]] = field(default_factory=list)
    # what the When steps did
    outcome: StepOutcome | None = None
    assessments: list[Assessment] = field(default_factory=list)
    # conversations that existed at the device's last change of identity
    earlier: frozenset[str] = frozenset()
    _world: World | None = field(default=None, repr=False)
    _app: SimulatedApp | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"ScenarioContext({self.scenario_id!r}, platform={self.platform!r})"

    # -- the seed ----------------------------------------------------------------

    @property
    def seed(self) -> int:
        """The run's seed if it names one, else one fixed by the scenario's id, so
        that a scenario replays the same whether it runs alone, serially or in a
        parallel worker."""
        if self.settings.seed is not None:
            return self.settings.seed
        return zlib.crc32(self.scenario_id.encode())

    def protected(self) -> list[str]:
        """The values no output may show: secrets, user hashes, JWTs."""
        return list(self._world.trace.protected) if self._world else []

    # -- choices, before the world runs --------------------------------------------

    def configure(self, what: str) -> None:
        """Refuse a change to the workspace or the app once they run."""
        if self._world is not None:
            raise StepUsageError(
                f"cannot set {what} now: the workspace and the app are already "
                "running. Put the Given steps that configure them before the first "
                "step that acts (a When, or a Given such as `3 days pass`)."
            )

    def set_platform(self, platform: str) -> None:
        """The app's platform, from a Given; it must agree with the Examples row."""
        self.configure("the app's platform")
        choose("platform", platform, PLATFORMS)
        if self.platform is not None and self.platform != platform:
            source = "the Examples row" if self.example_platform else "an earlier step"
            raise StepUsageError(
                f"the app cannot run on {platform!r}: {source} already put it on "
                f"{self.platform!r}"
            )
        self.platform = platform

    def add_user(self, alias: str, tier: str | None = None) -> None:
        if any(known == alias for known, _ in self.users):
            raise StepUsageError(f"the user {alias!r} is registered twice")
        self.users.append((alias, tier))
        if self._world is not None:
            self._world.backend.register(alias, tier)

    def user(self, alias: str) -> RegisteredUser:
        if not any(known == alias for known, _ in self.users):
            known = ", ".join(a for a, _ in self.users) or "none yet"
            raise StepUsageError(
                f"no registered user {alias!r} (registered: {known}); add "
                f'`Given a registered user "{alias}"`'
            )
        return self.world.backend.user(alias)

    def alias_of(self, user_id: str | None) -> str | None:
        for alias, _ in self.users:
            if self.world.backend.user(alias).user_id == user_id:
                return alias
        return None

    # -- the world, built on first use ------------------------------------------------

    @property
    def started(self) -> bool:
        return self._world is not None

    @property
    def world(self) -> World:
        if self._world is None:
            world = World(
                seed=self.seed,
                workspace_config=self._workspace_config(),
                target=self.settings.target,
            )
            world.__enter__()
            self._world = world
            for alias, tier in self.users:
                world.backend.register(alias, tier)
        return self._world

    @property
    def has_app(self) -> bool:
        """Whether the scenario's app exists yet (asking for `app` would make it)."""
        return self._app is not None

    @property
    def app(self) -> SimulatedApp:
        if self._app is None:
            if self.platform is None:
                raise StepUsageError(
                    "no platform for the app: add a `platform` column to the "
                    'Examples, or `Given the app runs on "<ios|android|web>" with the '
                    '"<integration>" integration`'
                )
            self._app = self.world.device(
                self.platform,
                integration=self._integration(),
                profile=self.profile,
            )
        return self._app

    def close(self) -> None:
        if self._world is not None:
            self._world.__exit__(None, None, None)

    def _workspace_config(self) -> WorkspaceConfig:
        config = self.settings.workspace_config()
        update: dict[str, Any] = {}
        workflow = self.workflow or self.settings.workflow
        if workflow is not None:
            update["workflow"] = workflow
        if self.verification is not None:
            mode, method = self.verification
            update["identity_verification"] = config.identity_verification.model_copy(
                update={"mode": mode, "method": method}
            )
        return config.model_copy(update=update) if update else config

    def _integration(self) -> Integration:
        integration = load_integration(self.integration or self.settings.integration)
        signing = self.signing
        if signing is None and self.verification is not None:
            # the app signs the way the workspace verifies, unless told otherwise
            signing = self.verification[1]
        if signing is not None and signing != integration.verification:
            integration = integration.model_copy(update={"verification": signing})
        return integration

    def describe(self) -> str:
        """The configs this scenario ran with: its Givens over the run's settings."""
        config = self._workspace_config()
        verification = config.identity_verification
        return (
            f"workspace {self.settings.workspace or DEFAULT_WORKSPACE}, workflow "
            f"{config.workflow or '(none)'}, guard "
            f"{self.guard_name or '(each procedure’s)'}, integration "
            f"{self.integration or self.settings.integration}, SDK profile "
            f"{self.profile or '(the platform’s)'}, identity verification "
            f"{verification.mode} ({verification.method}), target "
            f"{self.settings.target}"
        )

    @property
    def guard_name(self) -> str | None:
        return self.guard or self.settings.guard

    # -- acting -----------------------------------------------------------------------

    def act(
        self, event: str, *args: Any, identity_change: bool = False, **options: Any
    ) -> StepOutcome:
        """Run one app event through the world; an identity change (a login, a
        logout, a switch) marks every conversation so far as earlier."""
        if self.outcome is None and event != "open":
            # a person uses an app they have opened: open it first, as a phone does
            self.outcome = self.world.act(self.app, self.app.open)
        app = self.app
        if identity_change:
            self.earlier = frozenset(self.world.workspace.state.conversations)
        self.outcome = self.world.act(
            app, partial(getattr(app, event), **options), *args
        )
        return self.outcome

    def assess(self, procedure: str) -> Assessment:
        from simulator.oracle import JudgeError, assess

        choose("procedure", procedure, known_procedures())
        try:
            assessment = assess(
                self.world, self.app, procedure=procedure, guard=self.guard_name
            )
        except JudgeError as error:
            raise StepUsageError(
                f"cannot run the {procedure!r} procedure: {error}; add `When the "
                "person starts a conversation` before it"
            ) from None
        self.assessments.append(assessment)
        return assessment

    def assessment(self, procedure: str) -> Assessment:
        choose("procedure", procedure, known_procedures())
        for assessment in reversed(self.assessments):
            if assessment.procedure == procedure:
                return assessment
        raise StepUsageError(
            f"the {procedure!r} procedure has not run; add `When the agent runs the "
            f'"{procedure}" procedure` before this step'
        )

    # -- judging ----------------------------------------------------------------------

    def conversation_id(self) -> str:
        conversation_id = (
            last_conversation_id(self.world, self.app) if self.has_app else None
        )
        if conversation_id is None:
            if self.outcome is not None and self.outcome.event == "start_conversation":
                codes = [f.error.code for f in self.outcome.failures() if f.error]
                raise AssertionError(
                    "the person could not start a conversation: the SDK failed with "
                    + (", ".join(codes) or "no error")
                )
            raise StepUsageError(
                "the scenario has started no conversation; add `When the person "
                "starts a conversation` before this step"
            )
        return conversation_id

    def findings(self) -> list[Finding]:
        """Every finding of the procedures run, or, when none ran, of the last
        conversation's routing judged now."""
        if self.assessments:
            found: list[Finding] = []
            seen: set[tuple[str, str]] = set()
            for assessment in self.assessments:
                for finding in assessment.findings:
                    key = (finding.kind, finding.message)
                    if key not in seen:
                        seen.add(key)
                        found.append(finding)
            return found
        return Oracle(self.world, self.app, self.conversation_id()).findings()


def describe_findings(findings: list[Finding]) -> str:
    return "\n".join(
        f"  - {f.kind} ({f.severity}) after {f.event}: {f.message}" for f in findings
    )
