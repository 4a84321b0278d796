"""The app's backend: registered people, app sessions, signing, the data connector."""

from __future__ import annotations

from dataclasses import astuple

import httpx
import jwt
import pytest
from faker import Faker

from simulator.backend import BACKEND_URL, Backend
from simulator.backend.service import UnknownUser
from simulator.clock import SimulatedClock
from simulator.config import PLATFORMS, load_workspace_config
from simulator.errors import HarnessError
from simulator.workspace import user_hash
from simulator.world import World
from tests.conftest import TLS

# at least 32 bytes: PyJWT warns (and the suite makes warnings errors) below that
SECRETS = {p: f"{p}-secret-of-the-harness-tests-0123456789" for p in PLATFORMS}
ALIASES = ("ann", "bob", "cat", "dan")
CONNECTOR = f"{BACKEND_URL}/data-connector/session"
MESSENGER = "/messenger/v1"


def backend(seed: int, **kwargs) -> Backend:
    return Backend(SimulatedClock(), seed=seed, identity_secrets=SECRETS, **kwargs)


def people(seed: int) -> list[tuple]:
    registry = backend(seed)
    return [astuple(registry.register(alias)) for alias in ALIASES]


# -- registered people ------------------------------------------------------------


def test_the_same_seed_registers_the_same_people() -> None:
    first, second = people(42), people(42)
    assert first == second
    # every field is part of the promise, not just the ids
    for user in first:
        alias, user_id, member_id, email, name, tier = user
        assert user_id.startswith("usr_") and len(user_id) == 14
        assert member_id.startswith("M") and member_id[1:].isdigit()
        assert email.startswith(f"{alias}.") and "@" in email
        assert name
        assert tier in ("basic", "silver", "gold")


def test_different_seeds_register_different_people() -> None:
    first, second = people(42), people(43)
    # the alias is the scenario's own name; everything generated differs
    for one, other in zip(first, second, strict=True):
        assert one[0] == other[0]
        assert one[1] != other[1]
        assert one[2] != other[2]
        assert one[3] != other[3]


def test_backends_drawn_in_turn_register_whom_each_would_alone() -> None:
    # the backends share one Faker; each draws from its own seeded Random
    alone = {seed: people(seed) for seed in (42, 43)}
    first, second = backend(42), backend(43)
    mixed: dict[int, list[tuple]] = {42: [], 43: []}
    for alias in ALIASES:
        mixed[42].append(astuple(first.register(alias)))
        mixed[43].append(astuple(second.register(alias)))
    assert mixed == alone


def test_people_are_what_a_faker_seeded_alike_draws() -> None:
    fake = Faker()
    fake.seed_instance(42)
    expected = []
    for number, alias in enumerate(ALIASES, start=1):
        user_id = f"usr_{fake.hexify('^^^^^^^^^^')}"
        member_id = f"M{fake.numerify('#######')}"
        email = f"{alias}.{number}@{fake.domain_name()}"
        name = fake.name()
        tier = fake.random_element(("basic", "silver", "gold"))
        expected.append((alias, user_id, member_id, email, name, tier))
    assert people(42) == expected


def test_people_are_distinct_within_a_world() -> None:
    registered = people(7)
    assert len({user[1] for user in registered}) == len(ALIASES)
    assert len({user[2] for user in registered}) == len(ALIASES)
    assert len({user[3] for user in registered}) == len(ALIASES)


def test_an_alias_registered_twice_is_the_same_person() -> None:
    registry = backend(3)
    ann = registry.register("ann")
    registry.register("bob")
    assert registry.register("ann") is ann
    assert registry.register("ann", tier="gold") is ann
    assert registry.user("ann") is ann
    assert registry.by_user_id(ann.user_id) is ann
    assert len(registry.users) == 2


def test_a_tier_can_be_chosen() -> None:
    registry = backend(3)
    assert registry.register("ann", tier="silver").tier == "silver"


def test_an_unknown_alias_names_the_known_ones_and_the_step_to_add() -> None:
    registry = backend(3)
    registry.register("bob")
    registry.register("ann")
    with pytest.raises(UnknownUser) as info:
        registry.user("zed")
    message = str(info.value)
    assert isinstance(info.value, HarnessError)
    assert "'zed'" in message
    assert "ann, bob" in message
    assert 'Given a registered user "zed"' in message


def test_an_unknown_alias_with_nobody_registered_says_so() -> None:
    with pytest.raises(UnknownUser, match="none yet"):
        backend(3).user("ann")


def test_an_unknown_user_id_is_nobody() -> None:
    registry = backend(3)
    registry.register("ann")
    assert registry.by_user_id("usr_nobody") is None


# -- sessions ---------------------------------------------------------------------


def test_a_started_session_is_live_for_its_user_only() -> None:
    registry = backend(5)
    ann, bob = registry.register("ann"), registry.register("bob")
    session = registry.start_session(ann, "ios", "ios-1")
    assert session.started_at == registry.clock.now()
    assert registry.is_live(session.id)
    assert registry.is_live(session.id, ann.user_id)
    assert not registry.is_live(session.id, bob.user_id)
    assert not registry.is_live("sess_unknown")
    assert not registry.is_live(None)
    assert registry.live_session_on("ios-1") is session
    assert registry.live_session_on("android-1") is None


def test_session_ids_are_reproducible_and_distinct() -> None:
    first, second = backend(5), backend(5)
    ids = []
    for registry in (first, second):
        ann = registry.register("ann")
        ids.append([registry.start_session(ann, "web", "web-1").id for _ in range(3)])
    assert ids[0] == ids[1]
    assert len(set(ids[0])) == 3


def test_a_revoked_session_is_not_live() -> None:
    registry = backend(5)
    ann = registry.register("ann")
    session = registry.start_session(ann, "android", "android-1")
    registry.clock.advance(60)
    registry.revoke(session.id)
    assert session.revoked_at == registry.clock.now()
    assert not registry.is_live(session.id, ann.user_id)
    assert registry.live_session_on("android-1") is None
    # revoking again keeps the first revocation's time
    registry.clock.advance(60)
    registry.revoke(session.id)
    assert session.revoked_at == registry.clock.now() - 60
    registry.revoke("sess_unknown")  # nothing to revoke is no error


def test_an_expired_session_is_not_live() -> None:
    registry = backend(5)
    ann = registry.register("ann")
    session = registry.start_session(ann, "ios", "ios-1")
    other = registry.start_session(ann, "web", "web-1")
    registry.expire(session.id)
    assert not registry.is_live(session.id)
    assert session.revoked_at is None  # it ran out; nobody revoked it
    assert registry.is_live(other.id)
    registry.expire("sess_unknown")


def test_a_session_ends_when_its_ttl_runs_out_on_the_simulated_clock() -> None:
    registry = backend(5, session_ttl=3600)
    ann = registry.register("ann")
    session = registry.start_session(ann, "ios", "ios-1")
    assert session.expires_at == session.started_at + 3600
    registry.clock.advance(3599)
    assert registry.is_live(session.id, ann.user_id)
    registry.clock.advance(1)
    assert not registry.is_live(session.id, ann.user_id)
    assert registry.live_session_on("ios-1") is None


def test_the_default_ttl_is_thirty_days() -> None:
    registry = backend(5)
    ann = registry.register("ann")
    session = registry.start_session(ann, "ios", "ios-1")
    registry.clock.advance(30 * 86400 - 1)
    assert registry.is_live(session.id)
    registry.clock.advance(1)
    assert not registry.is_live(session.id)


def test_the_latest_live_session_on_a_device_is_the_one_it_has() -> None:
    registry = backend(5)
    ann, bob = registry.register("ann"), registry.register("bob")
    registry.start_session(ann, "ios", "ios-1")
    latest = registry.start_session(bob, "ios", "ios-1")
    assert registry.live_session_on("ios-1") is latest


# -- the data connector, over HTTP ------------------------------------------------


def ask(client: httpx.Client, **params: str) -> httpx.Response:
    return client.get(CONNECTOR, params=params)


def test_the_data_connector_says_a_session_is_live(world: World) -> None:
    ann = world.backend.register("ann")
    session = world.backend.start_session(ann, "ios", "ios-1")
    response = ask(world.messenger_client, session_id=session.id, user_id=ann.user_id)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["live"] is True


def test_the_data_connector_answers_any_client_inside_the_world(world: World) -> None:
    ann = world.backend.register("ann")
    session = world.backend.start_session(ann, "web", "web-1")
    with httpx.Client(verify=TLS) as client:
        response = ask(client, session_id=session.id, user_id=ann.user_id)
    assert response.json()["live"] is True


@pytest.mark.parametrize("how", ["revoked", "expired", "ttl", "other_user", "unknown"])
def test_the_data_connector_says_a_session_is_not_live(world: World, how) -> None:
    ann, bob = world.backend.register("ann"), world.backend.register("bob")
    session = world.backend.start_session(ann, "android", "android-1")
    session_id, user_id = session.id, ann.user_id
    if how == "revoked":
        world.backend.revoke(session.id)
    elif how == "expired":
        world.backend.expire(session.id)
    elif how == "ttl":
        world.advance(world.backend.session_ttl)
    elif how == "other_user":
        user_id = bob.user_id
    else:
        session_id = "sess_never_started"
    response = ask(world.messenger_client, session_id=session_id, user_id=user_id)
    assert response.status_code == 200
    assert response.json()["live"] is False


@pytest.mark.parametrize(
    "params",
    [{}, {"session_id": "sess_1"}, {"user_id": "usr_1"}, {"session_id": ""}],
    ids=["none", "no_user_id", "no_session_id", "empty"],
)
def test_the_data_connector_needs_both_params(world: World, params) -> None:
    response = ask(world.messenger_client, **params)
    assert response.status_code == 400
    assert "session_id" in response.json()["error"]
    assert "user_id" in response.json()["error"]


def test_the_data_connector_follows_the_simulated_clock(world: World) -> None:
    ann = world.backend.register("ann")
    session = world.backend.start_session(ann, "ios", "ios-1")
    world.advance(world.backend.session_ttl - 1)
    assert ask(
        world.messenger_client, session_id=session.id, user_id=ann.user_id
    ).json()["live"]
    world.advance(1)
    assert not ask(
        world.messenger_client, session_id=session.id, user_id=ann.user_id
    ).json()["live"]


# -- signing, judged by the workspace ------------------------------------------------


def register_identified(
    world: World, platform: str, user, **signature: str
) -> httpx.Response:
    return world.messenger_client.post(
        f"{MESSENGER}/users/identified",
        json={
            "device_id": f"{platform}-probe",
            "user_id": user.user_id,
            "email": user.email,
            **signature,
        },
        headers={
            "X-Intercom-App-Id": world.config.app_id,
            "X-Intercom-Platform": platform,
        },
    )


@pytest.mark.parametrize("platform", ["ios", "android", "web"])
def test_the_user_hash_it_signs_is_accepted_by_the_workspace(
    world: World, platform
) -> None:
    ann = world.backend.register("ann")
    signature = world.backend.user_hash(platform, ann)
    assert signature == user_hash(
        world.identity_secrets[platform], ann.user_id, ann.email
    )
    response = register_identified(world, platform, ann, user_hash=signature)
    assert response.status_code == 200
    assert response.json()["identity_verified"] is True
    assert response.json()["user_id"] == ann.user_id


@pytest.mark.parametrize("platform", ["ios", "android", "web"])
def test_a_hash_for_another_platform_is_refused(world: World, platform) -> None:
    ann = world.backend.register("ann")
    other = "web" if platform != "web" else "ios"
    response = register_identified(
        world, platform, ann, user_hash=world.backend.user_hash(other, ann)
    )
    assert response.status_code in (401, 403)


def jwt_world(seed: int) -> World:
    config = load_workspace_config()
    verification = config.identity_verification.model_copy(update={"method": "jwt"})
    return World(
        seed=seed,
        workspace_config=config.model_copy(
            update={"identity_verification": verification}
        ),
    )


@pytest.mark.parametrize("platform", ["ios", "android", "web"])
def test_the_jwt_it_signs_is_accepted_by_the_workspace(platform) -> None:
    with jwt_world(11) as world:
        ann = world.backend.register("ann")
        token = world.backend.user_jwt(platform, ann, lifetime=600)
        claims = jwt.decode(
            token,
            world.identity_secrets[platform],
            algorithms=["HS256"],
            options={"verify_exp": False},
        )
        assert claims == {
            "user_id": ann.user_id,
            "email": ann.email,
            "exp": int(world.clock.now() + 600),
        }
        response = register_identified(world, platform, ann, jwt=token)
        assert response.status_code == 200
        assert response.json()["identity_verified"] is True


def test_a_jwt_past_its_lifetime_on_the_simulated_clock_is_refused() -> None:
    with jwt_world(11) as world:
        ann = world.backend.register("ann")
        token = world.backend.user_jwt("ios", ann, lifetime=60)
        world.advance(61)
        response = register_identified(world, "ios", ann, jwt=token)
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "invalid_jwt"


def test_every_signature_is_reported_to_whoever_keeps_it_out_of_sight() -> None:
    signed: list[str] = []
    registry = backend(9, on_sign=signed.append)
    ann = registry.register("ann")
    digest = registry.user_hash("ios", ann)
    token = registry.user_jwt("web", ann)
    assert signed == [digest, token]
