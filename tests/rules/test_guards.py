"""Procedure guards: each check and its reason code, the shipped guards and
procedures, a broken file's error, and the data connector check inside a world."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from simulator.backend.service import BACKEND_URL, USER_SESSION_PATH
from simulator.errors import ConfigError
from simulator.rules.guards import (
    CHECKS,
    Guard,
    Procedure,
    known_guards,
    known_procedures,
    load_guard,
    load_procedure,
    run_procedure,
)
from simulator.workspace.state import Contact, Conversation
from simulator.world import World
from tests.conftest import TLS

NOW = 1_767_603_600
HOUR = 3600
USER_ID = "usr_0123456789"


# a custom attribute the contact does not have at all
MISSING = object()


def contact(**changes: Any) -> Contact:
    """A contact that passes every check; `changes` set fields or custom attributes."""
    attrs: dict[str, Any] = {
        "login_status": "logged_in",
        "user_id": USER_ID,
        "member_id": "M1234567",
        "platform": "ios",
        "last_login_at": NOW - HOUR,
    }
    fields: dict[str, Any] = {"role": "user", "external_id": USER_ID}
    for key, value in changes.items():
        (fields if key in ("role", "external_id") else attrs)[key] = value
    attrs = {key: value for key, value in attrs.items() if value is not MISSING}
    return Contact(
        id="c1", seq=1, created_at=0, updated_at=0, custom_attributes=attrs, **fields
    )


def conversation(channel: str = "ios", verified: bool = True) -> Conversation:
    return Conversation(
        id="1",
        seq=1,
        contact_id="c1",
        created_at=NOW,
        updated_at=NOW,
        body="Where is my order?",
        message_id="m1",
        channel=channel,
        identity_verified=verified,
    )


class FakeConnector:
    """Stands in for the data connector and remembers what it was asked."""

    def __init__(self, live: bool = True):
        self.live = live
        self.asked: list[tuple[str, str | None]] = []

    def __call__(self, user_id: str, platform: str | None) -> bool:
        self.asked.append((user_id, platform))
        return self.live


def guard(*checks: Any) -> Guard:
    return Guard.model_validate({"name": "test", "checks": list(checks)})


def procedure(personal: bool = True) -> Procedure:
    return Procedure(
        name="test", personal_data=personal, guard="recommended", handoff="a human"
    )


def reasons(
    checks: list[Any],
    person: Contact | None = None,
    talk: Conversation | None = None,
    live: bool = True,
) -> list[str]:
    outcome = run_procedure(
        procedure(),
        guard(*checks),
        person or contact(),
        talk or conversation(),
        now=NOW,
        connector=FakeConnector(live),
    )
    assert outcome.allowed == (not outcome.reasons)
    return outcome.reasons


# -- each check --------------------------------------------------------------------

FAILING: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "logged_in": [
        ("logged_out", {"login_status": "logged_out"}),
        ("anonymous", {"login_status": "anonymous"}),
        ("missing", {"login_status": MISSING}),
    ],
    "user_id_present": [
        (f"placeholder_{word or 'blank'}", {"user_id": word, "member_id": word})
        for word in ("", "   ", "null", "undefined", "0", "anonymous", "NULL")
    ]
    + [
        ("none", {"user_id": None, "member_id": None}),
        ("zero_number", {"user_id": 0, "member_id": MISSING}),
        ("missing", {"user_id": MISSING, "member_id": MISSING}),
    ],
    "role_user": [("lead", {"role": "lead"})],
    "fresh_login": [
        ("old", {"last_login_at": NOW - 25 * HOUR}),
        ("missing", {"last_login_at": MISSING}),
        ("text", {"last_login_at": "yesterday"}),
        ("future", {"last_login_at": NOW + HOUR}),
    ],
    "account_match": [
        ("other_person", {"user_id": "usr_someone_else"}),
        ("no_external_id", {"external_id": None}),
        ("no_user_id", {"user_id": MISSING}),
    ],
    "platform_match": [
        ("other_platform", {"platform": "android"}),
        ("missing", {"platform": MISSING}),
    ],
}


@pytest.mark.parametrize("code", list(CHECKS))
def test_each_check_passes_for_a_signed_in_verified_person(code: str) -> None:
    assert reasons([code]) == []


@pytest.mark.parametrize(
    ("code", "change"),
    [(code, change) for code, cases in FAILING.items() for _, change in cases],
    ids=[f"{code}-{label}" for code, cases in FAILING.items() for label, _ in cases],
)
def test_a_failing_check_gives_its_reason_code(code: str, change: dict) -> None:
    assert reasons([code], contact(**change)) == [CHECKS[code]]


def test_user_id_present_takes_the_member_id_alone() -> None:
    assert reasons(["user_id_present"], contact(user_id="null")) == []
    assert reasons(["user_id_present"], contact(member_id=MISSING)) == []


def test_fresh_login_follows_max_age_hours() -> None:
    two_hours_ago = contact(last_login_at=NOW - 2 * HOUR)
    assert reasons([{"fresh_login": {"max_age_hours": 3}}], two_hours_ago) == []
    assert reasons([{"fresh_login": {"max_age_hours": 1}}], two_hours_ago) == [
        "stale_login"
    ]
    # the default is a day
    assert reasons(["fresh_login"], contact(last_login_at=NOW - 24 * HOUR)) == []


def test_identity_verified_reads_the_conversation() -> None:
    assert reasons(["identity_verified"], talk=conversation(verified=False)) == [
        "identity_not_verified"
    ]


def test_platform_match_reads_the_conversation_channel() -> None:
    assert reasons(["platform_match"], talk=conversation("web")) == [
        "platform_mismatch"
    ]
    assert (
        reasons(["platform_match"], contact(platform="web"), conversation("web")) == []
    )


def test_session_live_asks_the_connector_about_the_person_and_platform() -> None:
    connector = FakeConnector(live=False)
    outcome = run_procedure(
        procedure(),
        guard("session_live"),
        contact(),
        conversation("android"),
        now=NOW,
        connector=connector,
    )
    assert outcome.reasons == ["session_not_live"]
    assert connector.asked == [(USER_ID, "android")]


def test_session_live_without_an_id_fails_without_asking() -> None:
    connector = FakeConnector(live=True)
    person = contact(external_id=None, user_id="anonymous")
    outcome = run_procedure(
        procedure(),
        guard("session_live"),
        person,
        conversation(),
        now=NOW,
        connector=connector,
    )
    assert outcome.reasons == ["session_not_live"]
    assert connector.asked == []


def test_checks_read_rest_shaped_mappings_too() -> None:
    person = {"role": "user", "external_id": USER_ID, "custom_attributes": {}}
    talk = {"channel": "ios", "identity_verified": True}
    outcome = run_procedure(
        procedure(),
        guard("role_user", "identity_verified", "logged_in"),
        person,
        talk,
        now=NOW,
        connector=FakeConnector(),
    )
    assert outcome.reasons == ["not_logged_in"]


# -- the outcome -------------------------------------------------------------------


def test_every_failing_reason_is_reported_in_check_order() -> None:
    person = contact(
        login_status="logged_out",
        role="lead",
        user_id="usr_other",
        platform="web",
    )
    talk = conversation(verified=False)
    got = reasons(list(reversed(CHECKS)), person, talk, live=False)
    assert got == [
        "platform_mismatch",
        "account_mismatch",
        "session_not_live",
        "identity_not_verified",
        "not_a_user",
        "not_logged_in",
    ]


def test_a_blocked_procedure_hands_off_and_an_allowed_one_does_not() -> None:
    shipped = load_procedure("order_history")
    blocked = run_procedure(
        shipped,
        "recommended",
        contact(login_status="logged_out"),
        conversation(),
        now=NOW,
        connector=FakeConnector(),
    )
    assert not blocked.allowed
    assert blocked.handoff == shipped.handoff
    allowed = run_procedure(
        shipped,
        "recommended",
        contact(),
        conversation(),
        now=NOW,
        connector=FakeConnector(),
    )
    assert allowed.allowed and allowed.reasons == [] and allowed.handoff is None


def test_a_procedure_without_personal_data_is_always_allowed() -> None:
    connector = FakeConnector(live=False)
    outcome = run_procedure(
        procedure(personal=False),
        load_guard("recommended"),
        contact(login_status="logged_out", role="lead"),
        conversation(verified=False),
        now=NOW,
        connector=connector,
    )
    assert outcome.allowed and outcome.reasons == [] and outcome.handoff is None
    assert connector.asked == []  # not even the backend is asked


# -- the shipped files -------------------------------------------------------------


def test_the_shipped_guards_are_composed_as_documented() -> None:
    assert known_guards() == ["none", "recommended", "status-only"]
    assert load_guard("recommended").codes == list(CHECKS)
    assert load_guard("recommended").checks[3].max_age_hours == 24
    assert load_guard("status-only").codes == ["logged_in"]
    assert load_guard("none").codes == []


def test_the_none_guard_allows_anyone() -> None:
    outcome = run_procedure(
        procedure(),
        "none",
        contact(login_status="logged_out", role="lead"),
        conversation(verified=False),
        now=NOW,
        connector=FakeConnector(live=False),
    )
    assert outcome.allowed


@pytest.mark.parametrize(
    "name", ["order_history", "membership_benefits", "service_progress"]
)
def test_the_shipped_procedures_are_personal_and_guarded(name: str) -> None:
    assert name in known_procedures()
    shipped = load_procedure(name)
    assert shipped.personal_data is True
    assert shipped.guard == "recommended"
    assert shipped.handoff.strip()


# -- broken files ------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "key", "line", "allowed"),
    [
        ("checks:\n  - logged_in\n  - magic\n", "checks[1]", 4, "session_live"),
        (
            "checks:\n  - fresh_login: {max_age: 3}\n",
            "checks[0].fresh_login.max_age",
            3,
            "max_age_hours",
        ),
        (
            "checks:\n  - fresh_login: {max_age_hours: 0}\n",
            "checks[0].fresh_login.max_age_hours",
            3,
            "above zero",
        ),
        (
            "checks:\n  - logged_in: {hours: 1}\n",
            "checks[0].logged_in.hours",
            3,
            "no parameters",
        ),
        ("checks:\n  - logged_in\n  - logged_in\n", "checks[1]", 4, "once"),
        ("checks: logged_in\n", "checks", 2, "a list"),
        ("checks:\n  - [logged_in]\n", "checks[0]", 3, "fresh_login"),
        ("checks: []\nextra: 1\n", "extra", 3, "checks"),
    ],
    ids=[
        "unknown_check",
        "unknown_param",
        "bad_param",
        "param_on_plain_check",
        "twice",
        "not_a_list",
        "not_a_check",
        "unknown_key",
    ],
)
def test_a_broken_guard_says_where_and_what_is_allowed(
    tmp_path: Path, text: str, key: str, line: int, allowed: str
) -> None:
    path = write(tmp_path, "broken", "name: broken\n" + text)
    with pytest.raises(ConfigError) as caught:
        load_guard(path)
    error = caught.value
    assert (error.path, error.key, error.line) == (str(path), key, line)
    assert allowed in (error.allowed or "")


def test_an_unknown_check_lists_every_known_one(tmp_path: Path) -> None:
    path = write(tmp_path, "g", "name: g\nchecks: [magic]\n")
    with pytest.raises(ConfigError) as caught:
        load_guard(path)
    assert caught.value.allowed == ", ".join(CHECKS)


PROCEDURE = "name: p\npersonal_data: true\nguard: recommended\nhandoff: a human\n"


@pytest.mark.parametrize(
    ("old", "new", "key", "line", "allowed"),
    [
        ("guard: recommended", "guard: nobody", "guard", 3, "status-only"),
        ("personal_data: true", "personal_data: yes", "personal_data", 2, None),
        ("handoff: a human", "handoff: '  '", "handoff", 4, None),
        ("handoff: a human", "handoff: a human\ncolour: red", "colour", 5, "handoff"),
    ],
    ids=["unknown_guard", "not_a_boolean", "blank_handoff", "unknown_key"],
)
def test_a_broken_procedure_says_where_and_what_is_allowed(
    tmp_path: Path, old: str, new: str, key: str, line: int, allowed: str | None
) -> None:
    path = write(tmp_path, "p", PROCEDURE.replace(old, new))
    with pytest.raises(ConfigError) as caught:
        load_procedure(path)
    error = caught.value
    assert (error.path, error.key, error.line) == (str(path), key, line)
    if allowed is not None:
        assert allowed in (error.allowed or "")


def test_a_missing_handoff_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "p", PROCEDURE.replace("handoff: a human\n", ""))
    with pytest.raises(ConfigError) as caught:
        load_procedure(path)
    assert caught.value.key == "handoff"


@pytest.mark.parametrize("loader", [load_guard, load_procedure])
def test_an_unknown_name_lists_the_known_ones(loader) -> None:
    with pytest.raises(ConfigError) as caught:
        loader("no_such_thing")
    known = known_guards() if loader is load_guard else known_procedures()
    assert caught.value.allowed == ", ".join(known)


# -- the data connector, person-level ----------------------------------------------

USER_SESSION = f"{BACKEND_URL}{USER_SESSION_PATH}"


def test_the_user_level_connector_answers_by_user_and_platform(world: World) -> None:
    ann = world.backend.register("ann")
    world.backend.start_session(ann, "ios", "ios-1")
    with httpx.Client(verify=TLS) as client:

        def live(**params: str) -> bool:
            response = client.get(USER_SESSION, params=params)
            assert response.status_code == 200
            return response.json()["live"]

        assert live(user_id=ann.user_id)
        assert live(user_id=ann.user_id, platform="ios")
        assert not live(user_id=ann.user_id, platform="web")
        assert not live(user_id="usr_nobody")
        # the session form is unchanged beside it
        session_id = next(iter(world.backend.sessions))
        answer = client.get(
            f"{BACKEND_URL}/data-connector/session",
            params={"session_id": session_id, "user_id": ann.user_id},
        )
        assert answer.json()["live"] is True


@pytest.mark.parametrize(
    "params", [{}, {"user_id": " "}, {"user_id": "usr_1", "platform": "desktop"}]
)
def test_the_user_level_connector_refuses_a_bad_question(world: World, params) -> None:
    with httpx.Client(verify=TLS) as client:
        response = client.get(USER_SESSION, params=params)
    assert response.status_code == 400
    assert response.json()["error"]


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500),
        httpx.Response(200, text="live"),
        httpx.Response(200, json={"live": "yes"}),
    ],
    ids=["server_error", "not_json", "not_a_boolean"],
)
def test_an_unusable_connector_answer_fails_closed(world: World, answer) -> None:
    ann = world.backend.register("ann")
    world.backend.start_session(ann, "ios", "ios-1")
    person = contact(external_id=ann.user_id, user_id=ann.user_id)
    with httpx.Client(verify=TLS) as client:

        def ask() -> list[str]:
            return run_procedure(
                procedure(),
                guard("session_live"),
                person,
                conversation(),
                now=NOW,
                connector=client,
            ).reasons

        assert ask() == []  # the real connector says live
        world.router.get(USER_SESSION).mock(return_value=answer)
        assert ask() == ["session_not_live"]


# -- inside a world ----------------------------------------------------------------


def started(world: World, integration: str, *, logout: bool = False):
    """Log a person in on iOS (and out, if asked), then start a conversation; the
    device, and the workspace's contact and conversation for it."""
    ann = world.backend.register("ann")
    app = world.device("ios", integration=integration)
    world.act(app, app.login, ann)
    if logout:
        world.act(app, app.logout)
    world.act(app, app.start_conversation)
    state = world.workspace.state
    (talk,) = state.conversations.values()
    return app, state.contacts[talk.contact_id], talk


def judge(world: World, guard_name: str, person: Contact, talk: Conversation):
    with httpx.Client(verify=TLS) as client:
        return run_procedure(
            load_procedure("order_history"),
            guard_name,
            person,
            talk,
            now=world.clock.now(),
            connector=client,
        )


def test_a_signed_in_person_passes_until_their_session_expires() -> None:
    with World(seed=1) as world:
        app, person, talk = started(world, "recommended")
        assert judge(world, "recommended", person, talk).allowed
        world.expire_session(app)
        outcome = judge(world, "recommended", person, talk)
    assert not outcome.allowed
    assert outcome.reasons == ["session_not_live"]
    assert outcome.handoff == load_procedure("order_history").handoff


def test_a_logout_without_sdk_reset_is_blocked_by_status_and_session() -> None:
    with World(seed=1) as world:
        _, person, talk = started(world, "no-sdk-logout", logout=True)
        recommended = judge(world, "recommended", person, talk)
        status_only = judge(world, "status-only", person, talk)
    assert recommended.reasons == ["not_logged_in", "session_not_live"]
    # the status written on sign-out is enough for the status-only guard here
    assert status_only.reasons == ["not_logged_in"]


def test_a_silent_logout_fools_status_only_but_not_recommended() -> None:
    with World(seed=1) as world:
        _, person, talk = started(world, "silent-logout", logout=True)
        assert person.custom_attributes["login_status"] == "logged_in"
        recommended = judge(world, "recommended", person, talk)
        status_only = judge(world, "status-only", person, talk)
    assert status_only.allowed  # a signed-out person's data would be opened
    assert not recommended.allowed
    assert recommended.reasons == ["session_not_live"]
