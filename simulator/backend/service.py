"""Registered users, app sessions, identity signing and the data connector endpoint."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import jwt
import respx
from faker import Faker

from ..clock import Clock
from ..config import PLATFORMS
from ..errors import HarnessError
from ..workspace.identity import user_hash

__all__ = [
    "AppSession",
    "BACKEND_URL",
    "Backend",
    "RegisteredUser",
    "USER_SESSION_PATH",
    "mount_backend",
]

# The app's backend lives at a made-up host; only the respx router answers it.
BACKEND_URL = "https://backend.harness.example"
TIERS = ("basic", "silver", "gold")
# the data connector's person-level question: any live session for this user id?
USER_SESSION_PATH = "/data-connector/user-session"


# Building a Faker binds every provider's methods (about 7 ms, more than the rest of a
# world), so one is built per process and shared. Each backend lends it its own seeded
# `random.Random` for the length of a draw, which is what `seed_instance` would have
# given a Faker of its own: its people depend on its seed alone.
_faker: Faker | None = None
_faker_lock = threading.Lock()


@contextmanager
def _faker_drawing_from(source: random.Random) -> Iterator[Faker]:
    global _faker
    with _faker_lock:
        if _faker is None:
            _faker = Faker()
        shared = _faker
        previous = shared.random
        shared.random = source
        try:
            yield shared
        finally:
            shared.random = previous


class UnknownUser(HarnessError):
    """A scenario named a user the backend never registered."""


@dataclass(frozen=True, slots=True)
class RegisteredUser:
    alias: str
    user_id: str
    member_id: str
    email: str
    name: str
    tier: str


@dataclass(slots=True)
class AppSession:
    id: str
    user_id: str
    platform: str
    device_id: str
    started_at: float
    expires_at: float
    revoked_at: float | None = None

    def live_at(self, now: float) -> bool:
        return self.revoked_at is None and now < self.expires_at


class Backend:
    """The truth about people and their sessions, for one simulated world."""

    def __init__(
        self,
        clock: Clock,
        *,
        seed: int,
        identity_secrets: dict[str, str],
        session_ttl: float = 30 * 24 * 3600,
        on_sign: Callable[[str], None] | None = None,
    ):
        self.clock = clock
        self.seed = seed
        self.session_ttl = session_ttl
        self._secrets = dict(identity_secrets)
        # told every signature handed out, so that the trace can keep it out
        self._on_sign = on_sign
        # what Faker().seed_instance(seed) seeds: random.Random(), then .seed(seed)
        self._random = random.Random(seed)
        self.users: dict[str, RegisteredUser] = {}
        self.sessions: dict[str, AppSession] = {}
        self._session_counter = 0

    # -- people -----------------------------------------------------------------

    def register(self, alias: str, tier: str | None = None) -> RegisteredUser:
        """Register a person under a scenario alias; one alias is one person."""
        if alias in self.users:
            return self.users[alias]
        number = len(self.users) + 1
        with _faker_drawing_from(self._random) as fake:
            user = RegisteredUser(
                alias=alias,
                user_id=f"usr_{fake.hexify('^^^^^^^^^^')}",
                member_id=f"M{fake.numerify('#######')}",
                # the alias keeps addresses unique even if faker repeats a name
                email=f"{alias.lower()}.{number}@{fake.domain_name()}",
                name=fake.name(),
                tier=tier or fake.random_element(TIERS),
            )
        self.users[alias] = user
        return user

    def user(self, alias: str) -> RegisteredUser:
        try:
            return self.users[alias]
        except KeyError:
            known = ", ".join(sorted(self.users)) or "none yet"
            raise UnknownUser(
                f"no registered user {alias!r} (registered: {known}); add a step "
                f"'Given a registered user \"{alias}\"' first"
            ) from None

    def by_user_id(self, user_id: str) -> RegisteredUser | None:
        return next((u for u in self.users.values() if u.user_id == user_id), None)

    # -- sessions ---------------------------------------------------------------

    def start_session(
        self, user: RegisteredUser, platform: str, device_id: str
    ) -> AppSession:
        self._session_counter += 1
        now = self.clock.now()
        session = AppSession(
            id=f"sess_{self.seed}_{self._session_counter}",
            user_id=user.user_id,
            platform=platform,
            device_id=device_id,
            started_at=now,
            expires_at=now + self.session_ttl,
        )
        self.sessions[session.id] = session
        return session

    def revoke(self, session_id: str) -> None:
        session = self.sessions.get(session_id)
        if session is not None and session.revoked_at is None:
            session.revoked_at = self.clock.now()

    def expire(self, session_id: str) -> None:
        """End a session as its lifetime running out would (the app is not told)."""
        session = self.sessions.get(session_id)
        if session is not None:
            session.expires_at = min(session.expires_at, self.clock.now())

    def is_live(self, session_id: str | None, user_id: str | None = None) -> bool:
        session = self.sessions.get(session_id or "")
        if session is None or not session.live_at(self.clock.now()):
            return False
        return user_id is None or session.user_id == user_id

    def has_live_session(self, user_id: str, platform: str | None = None) -> bool:
        """Whether the person has any live session (on `platform`, if one is named).

        A support guard knows who is writing but not which app session they hold, so
        it asks about the person rather than about one session.
        """
        now = self.clock.now()
        return any(
            s.user_id == user_id
            and (platform is None or s.platform == platform)
            and s.live_at(now)
            for s in self.sessions.values()
        )

    def live_session_on(self, device_id: str) -> AppSession | None:
        now = self.clock.now()
        live = [
            s
            for s in self.sessions.values()
            if s.device_id == device_id and s.live_at(now)
        ]
        return live[-1] if live else None

    # -- signing ----------------------------------------------------------------

    def user_hash(self, platform: str, user: RegisteredUser) -> str:
        return self._signed(
            user_hash(self._secrets[platform], user.user_id, user.email)
        )

    def user_jwt(
        self, platform: str, user: RegisteredUser, lifetime: float = 3600
    ) -> str:
        claims = {
            "user_id": user.user_id,
            "email": user.email,
            "exp": int(self.clock.now() + lifetime),
        }
        return self._signed(
            jwt.encode(claims, self._secrets[platform], algorithm="HS256")
        )

    def _signed(self, signature: str) -> str:
        if self._on_sign is not None:
            self._on_sign(signature)
        return signature

    # -- the data connector -------------------------------------------------------

    def connector_answer(self, request: httpx.Request) -> httpx.Response:
        session_id = request.url.params.get("session_id")
        user_id = request.url.params.get("user_id")
        if not session_id or not user_id:
            return httpx.Response(
                400, json={"error": "session_id and user_id are both required"}
            )
        live = self.is_live(session_id, user_id)
        return httpx.Response(
            200,
            content=json.dumps({"live": live, "session_id": session_id}).encode(),
            headers={"Content-Type": "application/json"},
        )

    def connector_user_answer(self, request: httpx.Request) -> httpx.Response:
        """Whether a person has any live session, by user id (and optional platform).

        A sibling of `connector_answer` rather than a relaxed form of it, so that a
        caller who means to ask about one session and forgets its id is still told
        so instead of getting an answer about every session the person holds.
        """
        user_id = request.url.params.get("user_id")
        platform = request.url.params.get("platform") or None
        if not user_id or not user_id.strip():
            return httpx.Response(400, json={"error": "user_id is required"})
        if platform is not None and platform not in PLATFORMS:
            return httpx.Response(
                400,
                json={"error": f"platform must be one of {', '.join(PLATFORMS)}"},
            )
        live = self.has_live_session(user_id, platform)
        return httpx.Response(
            200,
            content=json.dumps(
                {"live": live, "user_id": user_id, "platform": platform}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )


def mount_backend(backend: Backend, router: respx.MockRouter) -> respx.MockRouter:
    """Serve the data connector endpoint on `router` (the world's strict router)."""
    router.get(f"{BACKEND_URL}/data-connector/session").mock(
        side_effect=backend.connector_answer
    )
    router.get(f"{BACKEND_URL}{USER_SESSION_PATH}").mock(
        side_effect=backend.connector_user_answer
    )
    return router
