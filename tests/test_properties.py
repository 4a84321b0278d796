"""Properties of the careful integration over random app lifecycles, and determinism.

Hypothesis draws sequences of app events on one device with the `recommended`
integration. After every step the workspace must hold no duplicate user and no person
it did not verify, no unverified conversation may start on a user's contact, and a
device that signed someone out must not start its next conversation on that person's
contact.

Each example builds its own World (a function-scoped fixture would be shared by every
example); the world of the example that ran last is recorded on the test item, so a
failure names the seed to replay.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from simulator.app import SimulatedApp, StepOutcome
from simulator.backend import RegisteredUser
from simulator.integrations import load_integration
from simulator.trace import REDACTED
from simulator.world import World
from tests.conftest import examples

PLATFORMS = ["ios", "android", "web"]
ALIASES = ("ann", "bob", "cat")
LOGINS = {"ios": "loginUser", "android": "loginIdentifiedUser"}

PROPERTY_SETTINGS = settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

Event = tuple[Any, ...]

events = st.one_of(
    st.sampled_from(
        [
            ("open",),
            ("logout",),
            ("kill_and_relaunch",),
            ("start_conversation",),
            ("reinstall",),
            ("clear_app_data",),
        ]
    ),
    st.tuples(st.sampled_from(["login", "switch_to"]), st.sampled_from(ALIASES)),
    # an hour (Android's soft reset), a day, past the web session cookie's week,
    # past the app session's 30 days, or anything up to 40 days
    st.tuples(
        st.just("advance"),
        st.one_of(st.sampled_from([1, 24, 8 * 24, 31 * 24]), st.integers(1, 960)),
    ),
)
sequences = st.lists(events, max_size=12)
seeds = st.integers(min_value=0, max_value=2**31 - 1)


def play(
    world: World, app: SimulatedApp, users: dict[str, RegisteredUser], event: Event
) -> StepOutcome | None:
    name = event[0]
    if name == "advance":
        world.advance(event[1] * 3600)
        return None
    if name in ("login", "switch_to"):
        return world.act(app, getattr(app, name), users[event[1]])
    return world.act(app, getattr(app, name))


# -- the invariants -------------------------------------------------------------------


def no_duplicate_users(world: World) -> None:
    contacts = world.workspace.state.live_contacts()
    counts = Counter(c.external_id for c in contacts if c.role == "user")
    counts.pop(None, None)
    duplicated = {e: n for e, n in counts.items() if n > 1}
    assert not duplicated, f"live user contacts share an external_id: {duplicated}"


def only_verified_people(world: World, since: int) -> None:
    """Every identified registration the workspace accepted was signed for its user."""
    records = world.trace.records
    for record in records[since:]:
        data = record.data
        if not (
            record.kind == "http"
            and data["path"].endswith("/users/identified")
            and data["status"] == 200
        ):
            continue
        request, response = data["request"], data["response"]
        user_id = request["user_id"]
        assert request.get("user_hash") == REDACTED, "registered without a hash"
        assert response["identity_verified"] is True
        assert response["user_id"] == user_id
        # the app signed this very person before the SDK logged them in
        earlier = [
            r
            for r in records[: record.seq - 1]
            if r.kind == "sdk_call" and r.data["device"] == data["device"]
        ]
        if data["device"].startswith("web"):
            boot = next(
                r
                for r in reversed(earlier)
                if r.data["call"] == "boot" and r.data["args"]["settings"]
            )
            settings_ = boot.data["args"]["settings"]
            assert settings_["user_id"] == user_id
            assert settings_.get("user_hash") == REDACTED
        else:
            login = next(
                r
                for r in reversed(earlier)
                if r.data["call"] in LOGINS.values()
                and r.data["args"]["userId"] == user_id
            )
            assert any(
                r.data["call"] == "setUserHash" and r.seq < login.seq for r in earlier
            )
    # and the workspace holds nobody the backend did not register
    registered = {u.user_id: u.email for u in world.backend.users.values()}
    for contact in world.workspace.state.live_contacts():
        if contact.external_id is not None:
            assert contact.role == "user"
            assert registered.get(contact.external_id) == contact.email


def anonymous_conversations_stay_anonymous(world: World, started: list[str]) -> None:
    """A conversation nobody verified does not start on a user's contact.

    (A login may later take the device's anonymous contact, conversations and all,
    into the person's: that is the anonymous activity following its owner.)
    """
    for conversation_id in started:
        conversation = world.workspace.state.conversations[conversation_id]
        contact = world.workspace.state.contacts[conversation.contact_id]
        if not conversation.identity_verified:
            assert contact.external_id is None, (
                f"an unverified conversation {conversation.id} started on the "
                f"contact of {contact.external_id}"
            )


def check_sequence(world: World, platform: str, sequence: list[Event]) -> None:
    users = {alias: world.backend.register(alias) for alias in ALIASES}
    app = world.device(platform)
    signed_out: RegisteredUser | None = None
    for event in sequence:
        before = app.user
        known = set(world.workspace.state.conversations)
        mark = len(world.trace.records)
        play(world, app, users, event)
        after = app.user
        if after is not None:
            signed_out = None
        elif before is not None:
            # a logout, an expiry the app noticed, or a wipe of the app's data
            signed_out = before
        no_duplicate_users(world)
        only_verified_people(world, mark)
        started = [c for c in world.workspace.state.conversations if c not in known]
        anonymous_conversations_stay_anonymous(world, started)
        for conversation_id in started:
            conversation = world.workspace.state.conversations[conversation_id]
            contact = world.workspace.state.contacts[conversation.contact_id]
            if signed_out is not None:
                assert contact.external_id != signed_out.user_id, (
                    f"after {signed_out.alias} signed out, the next conversation "
                    "landed on their contact"
                )
            if after is None:
                assert contact.external_id is None
        if started:
            signed_out = None
    # the same, as the REST API's search reports it
    for user in users.values():
        assert len(world.users_with_external_id(user.user_id)) <= 1


@pytest.mark.parametrize("platform", PLATFORMS)
@PROPERTY_SETTINGS
@given(seed=seeds, sequence=sequences)
def test_recommended_keeps_identities_apart(
    request, platform: str, seed: int, sequence: list[Event]
) -> None:
    note(f"World(seed={seed}) on {platform}: {sequence}")
    with World(seed=seed, debug_trace=True) as world:
        request.node._harness_world = world
        check_sequence(world, platform, sequence)


# -- sequences found by hand --------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(
    "sequence",
    [
        # a wiped device must not draw its previous install's anonymous id again
        [("switch_to", "cat"), ("logout",), ("reinstall",), ("start_conversation",)],
        [
            ("switch_to", "bob"),
            ("start_conversation",),
            ("kill_and_relaunch",),
            ("logout",),
            ("start_conversation",),
        ],
        # an expired session noticed at the conversation itself
        [("open",), ("login", "ann"), ("advance", 31 * 24), ("start_conversation",)],
        [("login", "ann"), ("login", "bob"), ("logout",), ("start_conversation",)],
    ],
    ids=["reinstall", "relaunch", "expiry", "login-over"],
)
def test_sequences_that_once_mixed_people_up(
    request, platform: str, sequence: list[Event]
) -> None:
    with World(seed=1, debug_trace=True) as world:
        request.node._harness_world = world
        check_sequence(world, platform, sequence)


# -- determinism --------------------------------------------------------------------


def trace_of(
    seed: int,
    platform: str,
    sequence: list[Event],
    *,
    debug: bool = False,
    integration: Any = "recommended",
) -> str:
    with World(seed=seed, debug_trace=debug) as world:
        users = {alias: world.backend.register(alias) for alias in ALIASES}
        app = world.device(platform, integration=integration)
        for event in sequence:
            play(world, app, users, event)
        return world.trace.to_jsonl()


EVERY_EVENT: list[Event] = [
    ("open",),
    ("login", "ann"),
    ("start_conversation",),
    ("advance", 2),
    ("kill_and_relaunch",),
    ("switch_to", "bob"),
    ("logout",),
    ("start_conversation",),
    ("clear_app_data",),
    ("login", "cat"),
    ("advance", 31 * 24),
    ("open",),
    ("reinstall",),
    ("start_conversation",),
]


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=examples(10), deadline=None)
@given(seed=seeds, sequence=sequences)
def test_the_same_seed_and_events_give_the_same_trace(
    platform: str, seed: int, sequence: list[Event]
) -> None:
    assert trace_of(seed, platform, sequence) == trace_of(seed, platform, sequence)


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_scenario_replays_byte_for_byte(platform: str, debug: bool) -> None:
    first = trace_of(77, platform, EVERY_EVENT, debug=debug)
    assert first == trace_of(77, platform, EVERY_EVENT, debug=debug)
    assert first != trace_of(78, platform, EVERY_EVENT, debug=debug)
    if debug:
        assert '"request": ' in first and '"response": ' in first


def unsigned() -> Any:
    # the app forgets to sign: the enforcing workspace refuses its logins
    return load_integration("recommended").model_copy(update={"verification": "none"})


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_scenario_with_refusals_replays_byte_for_byte(platform: str) -> None:
    sequence = [("open",), ("login", "ann")]
    first = trace_of(5, platform, sequence, integration=unsigned())
    assert '"status": 40' in first
    assert first == trace_of(5, platform, sequence, integration=unsigned())


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_debug_scenario_with_refusals_replays_byte_for_byte(platform: str) -> None:
    sequence = [("open",), ("login", "ann")]
    first = trace_of(5, platform, sequence, debug=True, integration=unsigned())
    assert '"request_id"' in first
    assert first == trace_of(5, platform, sequence, debug=True, integration=unsigned())
