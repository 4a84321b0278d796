"""Identity verification of Messenger requests, per mode and method."""

from __future__ import annotations

import contextlib
import string
from collections.abc import Iterator

import httpx
import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.clock import SimulatedClock
from simulator.config import IdentityVerificationConfig, WorkspaceConfig
from simulator.workspace import Workspace, mount, user_hash
from simulator.workspace.messenger import PLACEHOLDER_IDS
from tests.conftest import SECRETS, TLS, TOKEN, US, MessengerClient, examples

MOBILE = ["ios", "android"]
PLATFORMS = ["ios", "android", "web"]
# PyJWT warns about HMAC keys under 32 bytes, and warnings fail this suite
JWT_SECRETS = {p: f"{p}-jwt-secret-".ljust(40, p[0]) for p in PLATFORMS}


class Harness:
    def __init__(self, workspace: Workspace, client: httpx.Client):
        self.workspace = workspace
        self.client = client

    @property
    def clock(self) -> SimulatedClock:
        return self.workspace.clock  # type: ignore[return-value]

    def device(self, platform: str = "ios", device: str = "d-1") -> MessengerClient:
        app_id = self.workspace.config.app_id
        return MessengerClient(self.client, app_id, platform, device)


def _client() -> httpx.Client:
    return httpx.Client(
        verify=TLS, base_url=US, headers={"Authorization": f"Bearer {TOKEN}"}
    )


@contextlib.contextmanager
def _harness(
    mode: str, method: str, secrets: dict[str, str], client: httpx.Client
) -> Iterator[Harness]:
    config = WorkspaceConfig(
        identity_verification=IdentityVerificationConfig(mode=mode, method=method)
    )
    workspace = Workspace(
        config, clock=SimulatedClock(), tokens=[TOKEN], identity_secrets=secrets
    )
    with mount(workspace):
        yield Harness(workspace, client)


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    # one client for the module: making one costs far more than a request
    with _client() as shared:
        yield shared


@pytest.fixture
def build(client: httpx.Client) -> Iterator:
    with contextlib.ExitStack() as stack:

        def make(mode: str, method: str = "hmac") -> Harness:
            secrets = JWT_SECRETS if method == "jwt" else SECRETS
            return stack.enter_context(_harness(mode, method, secrets, client))

        yield make


def _error(response: httpx.Response) -> dict:
    body = response.json()
    assert body["type"] == "error.list"
    return body["errors"][0]


def _login(device: MessengerClient, **identity) -> httpx.Response:
    return device.post("users/identified", anonymous_id="anon-1", **identity)


def _token(claims: dict, platform: str = "ios", secret: str | None = None) -> str:
    return jwt.encode(claims, secret or JWT_SECRETS[platform], algorithm="HS256")


# -- hmac, enforced ---------------------------------------------------------------


@pytest.mark.parametrize("platform", MOBILE)
def test_enforced_hmac_refuses_a_missing_hash_on_mobile_with_401(build, platform):
    harness = build("enforced")
    refused = _login(harness.device(platform), user_id="u-1")
    assert refused.status_code == 401
    assert _error(refused)["code"] == "hmac_mismatch"
    assert harness.workspace.state.contacts == {}


def test_enforced_hmac_refuses_a_missing_hash_on_the_web_with_403(build):
    harness = build("enforced")
    refused = _login(harness.device("web"), user_id="u-1")
    assert refused.status_code == 403
    assert _error(refused)["code"] == "forbidden"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_enforced_hmac_accepts_the_right_hash(build, platform):
    harness = build("enforced")
    device = harness.device(platform)
    accepted = _login(device, **device.signed("u-1"))
    assert accepted.status_code == 200
    assert accepted.json()["identity_verified"] is True


@pytest.mark.parametrize("platform", PLATFORMS)
def test_enforced_hmac_refuses_a_wrong_hash(build, platform):
    harness = build("enforced")
    device = harness.device(platform)
    wrong = user_hash(SECRETS[platform], "someone-else", None)
    refused = _login(device, user_id="u-1", user_hash=wrong)
    assert refused.status_code == (403 if platform == "web" else 401)
    assert harness.workspace.state.contacts == {}


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("signer", PLATFORMS)
def test_a_hash_made_with_another_platforms_secret_is_refused(build, platform, signer):
    harness = build("enforced")
    hashed = user_hash(SECRETS[signer], "u-1", None)
    answer = _login(harness.device(platform), user_id="u-1", user_hash=hashed)
    if signer == platform:
        assert answer.status_code == 200
    else:
        assert answer.status_code == (403 if platform == "web" else 401)


def test_the_user_id_is_what_is_signed_when_both_ids_are_sent(build):
    harness = build("enforced")
    device = harness.device("ios")
    by_email = user_hash(SECRETS["ios"], None, "ann@example.com")
    refused = _login(device, user_id="u-1", email="ann@example.com", user_hash=by_email)
    assert refused.status_code == 401
    by_id = user_hash(SECRETS["ios"], "u-1", None)
    accepted = _login(device, user_id="u-1", email="ann@example.com", user_hash=by_id)
    assert accepted.status_code == 200
    assert accepted.json()["user_id"] == "u-1"
    assert accepted.json()["email"] == "ann@example.com"


def test_an_email_only_identity_is_verified_by_a_hash_of_the_email(build):
    harness = build("enforced")
    device = harness.device("android")
    accepted = _login(device, **device.signed(email="ann@example.com"))
    assert accepted.status_code == 200
    assert accepted.json()["identity_verified"] is True
    assert accepted.json()["email"] == "ann@example.com"
    refused = _login(
        device,
        email="ann@example.com",
        user_hash=user_hash(SECRETS["android"], None, "bob@example.com"),
    )
    assert refused.status_code == 401


@pytest.mark.parametrize("platform", PLATFORMS)
def test_unidentified_requests_need_no_hash(build, platform):
    harness = build("enforced")
    device = harness.device(platform)
    assert device.post("users/unidentified", anonymous_id="a-1").status_code == 200
    started = device.post("conversations", anonymous_id="a-1", body="Hi")
    assert started.status_code == 200
    assert started.json()["identity_verified"] is False


def test_every_identified_endpoint_checks_the_hash(build):
    harness = build("enforced")
    device = harness.device("ios")
    assert _login(device, **device.signed("u-1")).status_code == 200
    bad = {"anonymous_id": "anon-1", "user_id": "u-1", "user_hash": "0" * 64}
    for path, extra in [
        ("users/update", {"attributes": {"name": "Mallory"}}),
        ("ping", {}),
        ("conversations", {"body": "Hi"}),
        ("conversations/fetch", {}),
        ("push_tokens", {"token": "tok"}),
    ]:
        refused = device.post(path, **bad, **extra)
        assert refused.status_code == 401, path
    assert harness.workspace.state.conversations == {}
    assert harness.workspace.state.push_tokens == {}


def test_an_email_shared_by_several_users_is_a_409_conflict(workspace, api, messenger):
    for external_id in ("a-1", "a-2"):
        created = api.post(
            "/contacts",
            json={
                "email": "shared@example.com",
                "external_id": external_id,
            },
        )
        assert created.status_code == 200, created.text
    device = messenger("ios")
    refused = _login(device, **device.signed(email="shared@example.com"))
    assert refused.status_code == 409
    assert _error(refused)["code"] == "conflict"
    # the user_id still tells them apart
    accepted = _login(
        device, **device.signed(user_id="a-2", email="shared@example.com")
    )
    assert accepted.status_code == 200


# -- hmac, optional and off -----------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_optional_hmac_accepts_a_missing_hash_unverified(build, platform):
    harness = build("optional")
    device = harness.device(platform)
    accepted = _login(device, user_id="u-1")
    assert accepted.status_code == 200
    assert accepted.json()["identity_verified"] is False
    started = device.post(
        "conversations", anonymous_id="anon-1", user_id="u-1", body="Hi"
    )
    conversation = harness.workspace.state.conversations[started.json()["id"]]
    assert conversation.identity_verified is False


@pytest.mark.parametrize("platform", PLATFORMS)
def test_optional_hmac_refuses_a_wrong_hash(build, platform):
    harness = build("optional")
    refused = _login(harness.device(platform), user_id="u-1", user_hash="f" * 64)
    assert refused.status_code == (403 if platform == "web" else 401)


def test_optional_hmac_marks_a_right_hash_verified(build):
    harness = build("optional")
    device = harness.device("ios")
    accepted = _login(device, **device.signed("u-1"))
    assert accepted.json()["identity_verified"] is True


@pytest.mark.parametrize("method", ["hmac", "jwt"])
@pytest.mark.parametrize("proof", [{}, {"user_hash": "nonsense"}, {"jwt": "nonsense"}])
def test_with_verification_off_anything_is_accepted_unverified(build, method, proof):
    harness = build("off", method)
    accepted = _login(harness.device("ios"), user_id="u-1", **proof)
    assert accepted.status_code == 200
    assert accepted.json()["identity_verified"] is False


# -- jwt ------------------------------------------------------------------------


def test_a_valid_jwt_verifies_the_user_and_their_conversation(build):
    harness = build("enforced", "jwt")
    device = harness.device("ios")
    now = harness.clock.now()
    token = _token({"user_id": "u-1", "exp": int(now) + 3600})
    accepted = _login(device, user_id="u-1", jwt=token)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["identity_verified"] is True
    started = device.post(
        "conversations", anonymous_id="anon-1", user_id="u-1", jwt=token, body="Hi"
    )
    assert started.status_code == 200
    assert started.json()["identity_verified"] is True
    conversation = harness.workspace.state.conversations[started.json()["id"]]
    assert conversation.identity_verified is True


def test_the_jwt_supplies_the_user_id_when_only_an_email_is_sent(build):
    harness = build("enforced", "jwt")
    token = _token({"user_id": "u-1"})
    accepted = _login(harness.device("ios"), email="ann@example.com", jwt=token)
    assert accepted.status_code == 200
    assert accepted.json()["user_id"] == "u-1"


@pytest.mark.parametrize("platform", MOBILE)
def test_a_missing_jwt_is_400_invalid_jwt_on_mobile(build, platform):
    harness = build("enforced", "jwt")
    refused = _login(harness.device(platform), user_id="u-1")
    assert refused.status_code == 400
    assert _error(refused)["code"] == "invalid_jwt"


def test_a_missing_jwt_is_403_on_the_web(build):
    harness = build("enforced", "jwt")
    refused = _login(harness.device("web"), user_id="u-1")
    assert refused.status_code == 403


def test_optional_jwt_accepts_a_missing_token_unverified(build):
    harness = build("optional", "jwt")
    accepted = _login(harness.device("ios"), user_id="u-1")
    assert accepted.status_code == 200
    assert accepted.json()["identity_verified"] is False


@pytest.mark.parametrize(
    "claims",
    [
        {"email": "ann@example.com"},
        {"user_id": None},
        {"user_id": ""},
        {"user_id": "null"},
        {"user_id": {"id": "u-1"}},
    ],
    ids=["absent", "null", "empty", "placeholder", "object"],
)
def test_a_jwt_without_a_usable_user_id_claim_is_refused(build, claims):
    harness = build("enforced", "jwt")
    token = _token(claims)
    refused = _login(harness.device("ios"), email="ann@example.com", jwt=token)
    assert refused.status_code == 400
    assert _error(refused)["code"] == "invalid_jwt"
    assert harness.workspace.state.contacts == {}


def test_a_jwt_signed_with_a_wrong_secret_is_refused(build):
    harness = build("enforced", "jwt")
    for secret in ("x" * 40, JWT_SECRETS["android"]):
        token = _token({"user_id": "u-1"}, secret=secret)
        refused = _login(harness.device("ios"), user_id="u-1", jwt=token)
        assert refused.status_code == 400
        assert _error(refused)["code"] == "invalid_jwt"


def test_a_jwt_that_is_not_hs256_is_refused(build):
    harness = build("enforced", "jwt")
    unsigned = jwt.encode({"user_id": "u-1"}, None, algorithm="none")
    refused = _login(harness.device("ios"), user_id="u-1", jwt=unsigned)
    assert refused.status_code == 400


def test_jwt_expiry_is_judged_by_the_workspace_clock(build):
    harness = build("enforced", "jwt")
    device = harness.device("android")
    now = int(harness.clock.now())
    expired = _token({"user_id": "u-1", "exp": now - 1}, "android")
    assert _login(device, user_id="u-1", jwt=expired).status_code == 400

    token = _token({"user_id": "u-1", "exp": now + 60}, "android")
    assert _login(device, user_id="u-1", jwt=token).status_code == 200
    harness.clock.advance(59)
    assert _login(device, user_id="u-1", jwt=token).status_code == 200
    harness.clock.advance(1)
    refused = _login(device, user_id="u-1", jwt=token)
    assert refused.status_code == 400
    assert _error(refused)["code"] == "invalid_jwt"


def test_a_jwt_valid_by_the_wall_clock_is_expired_by_the_workspace_clock(build):
    harness = build("enforced", "jwt")
    harness.clock.advance(100 * 365 * 86_400)
    # exp far beyond the wall clock but behind the simulated one
    token = _token({"user_id": "u-1", "exp": int(harness.clock.now()) - 3600})
    assert _login(harness.device("ios"), user_id="u-1", jwt=token).status_code == 400


def test_jwt_iat_and_nbf_are_judged_by_the_workspace_clock(build):
    harness = build("enforced", "jwt")
    device = harness.device("ios")
    # a century ahead of the wall clock: issued "now" must still be valid
    harness.clock.advance(100 * 365 * 86_400)
    now = int(harness.clock.now())
    issued_now = _token({"user_id": "u-1", "iat": now, "nbf": now, "exp": now + 60})
    accepted = _login(device, user_id="u-1", jwt=issued_now)
    assert accepted.status_code == 200, accepted.text

    not_yet = _token({"user_id": "u-1", "nbf": now + 3600})
    assert _login(device, user_id="u-1", jwt=not_yet).status_code == 400
    harness.clock.advance(3600)
    assert _login(device, user_id="u-1", jwt=not_yet).status_code == 200


def test_a_jwt_in_the_workspaces_future_by_nbf_is_refused_whatever_the_wall_clock(
    build,
):
    harness = build("enforced", "jwt")
    now = int(harness.clock.now())
    token = _token({"user_id": "u-1", "nbf": now + 60})
    refused = _login(harness.device("ios"), user_id="u-1", jwt=token)
    assert refused.status_code == 400


def test_a_jwt_for_another_user_id_is_refused(build):
    harness = build("enforced", "jwt")
    token = _token({"user_id": "u-2"})
    refused = _login(harness.device("ios"), user_id="u-1", jwt=token)
    assert refused.status_code == 400
    assert _error(refused)["code"] == "invalid_jwt"
    web_token = _token({"user_id": "u-2"}, "web")
    assert _login(harness.device("web"), user_id="u-1", jwt=web_token).status_code == (
        403
    )


# -- property -------------------------------------------------------------------

_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40
).filter(lambda s: s.strip().lower() not in PLACEHOLDER_IDS)
_EMAILS = st.builds(
    "{}@{}.example".format,
    st.text(string.ascii_lowercase + string.digits + "._+-", min_size=1, max_size=20),
    st.text(string.ascii_lowercase, min_size=1, max_size=12),
)


@st.composite
def _identities(draw) -> tuple[str | None, str | None]:
    kind = draw(st.sampled_from(["user_id", "email", "both"]))
    user_id = draw(_TEXT) if kind != "email" else None
    email = draw(_EMAILS) if kind != "user_id" else None
    return user_id, email


@st.composite
def _one_char_changed(draw, value: str) -> str:
    index = draw(st.integers(0, len(value) - 1))
    replacement = draw(
        st.characters(blacklist_categories=("Cs",)).filter(lambda c: c != value[index])
    )
    return value[:index] + replacement + value[index + 1 :]


@settings(max_examples=examples(100), deadline=None)
@given(identity=_identities(), platform=st.sampled_from(PLATFORMS), data=st.data())
def test_only_the_exact_hash_of_the_platforms_secret_is_accepted(
    client, identity, platform, data
):
    user_id, email = identity
    ids = {k: v for k, v in (("user_id", user_id), ("email", email)) if v is not None}
    right = user_hash(SECRETS[platform], user_id, email)
    changed = data.draw(_one_char_changed(right), label="changed")
    with _harness("enforced", "hmac", SECRETS, client) as harness:
        device = harness.device(platform)
        refused = _login(device, **ids, user_hash=changed)
        assert refused.status_code == (403 if platform == "web" else 401)
        accepted = _login(device, **ids, user_hash=right)
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["identity_verified"] is True
