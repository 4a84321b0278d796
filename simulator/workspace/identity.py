"""Identity verification of Messenger requests: HMAC user hashes and HS256 JWTs.

The app's backend signs each identified person with a secret that differs per platform.
The workspace recomputes the signature and, depending on the mode, refuses identified
requests that lack it or carry a wrong one. Unidentified requests are exempt: there is
no one to verify.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass

import jwt

from .errors import ApiError

__all__ = [
    "IdentityCheck",
    "IdentityVerifier",
    "PLACEHOLDER_IDS",
    "is_placeholder",
    "user_hash",
]

# Values an app sometimes sends where it has no id; none of them identifies anyone.
PLACEHOLDER_IDS = frozenset({"", "null", "undefined", "0", "anonymous", "none"})


def is_placeholder(value: str) -> bool:
    return value.strip().lower() in PLACEHOLDER_IDS


def user_hash(secret: str, user_id: str | None, email: str | None) -> str:
    """The HMAC-SHA256 the app's backend computes: of the user_id, else of the email."""
    subject = user_id if user_id else (email or "")
    return hmac.new(secret.encode(), subject.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class IdentityCheck:
    """What the verifier concluded about one identified request."""

    verified: bool
    user_id: str | None
    email: str | None


class IdentityVerifier:
    def __init__(self, mode: str, method: str, secrets: dict[str, str]):
        self.mode = mode
        self.method = method
        self._secrets = dict(secrets)

    def check(
        self,
        platform: str,
        *,
        user_id: str | None,
        email: str | None,
        user_hash_value: str | None,
        token: str | None,
        now: float,
    ) -> IdentityCheck:
        """Verify an identified request; raise the platform's rejection when refused."""
        if self.mode == "off":
            return IdentityCheck(False, user_id, email)
        if self.method == "jwt":
            return self._check_jwt(platform, user_id, email, token, now)
        return self._check_hmac(platform, user_id, email, user_hash_value)

    def _check_hmac(self, platform, user_id, email, given) -> IdentityCheck:
        if given is None:
            if self.mode == "enforced":
                raise self._rejection(platform, "hmac", "No user hash was supplied")
            return IdentityCheck(False, user_id, email)
        expected = user_hash(self._secret(platform, "hmac"), user_id, email)
        # compare bytes: compare_digest refuses str with non-ASCII characters
        if not hmac.compare_digest(expected.encode(), str(given).encode()):
            raise self._rejection(
                platform, "hmac", "The user hash does not match the user"
            )
        return IdentityCheck(True, user_id, email)

    def _check_jwt(self, platform, user_id, email, token, now) -> IdentityCheck:
        if token is None:
            if self.mode == "enforced":
                raise self._rejection(platform, "jwt", "No JWT was supplied")
            return IdentityCheck(False, user_id, email)
        secret = self._secret(platform, "jwt")
        try:
            # PyJWT would judge exp, nbf and iat by the wall clock; the workspace's
            # clock is the one that counts, so they are checked below.
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "require": ["user_id"],
                },
            )
        except jwt.MissingRequiredClaimError:
            raise self._rejection(
                platform, "jwt", "The JWT has no user_id claim"
            ) from None
        except jwt.InvalidTokenError as exc:
            raise self._rejection(
                platform, "jwt", f"The JWT is not valid ({exc})"
            ) from None
        times = {name: claims.get(name) for name in ("exp", "nbf", "iat")}
        for name, value in times.items():
            # PyJWT reads NaN and Infinity; a NaN exp compares false with every time,
            # so it would never expire
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (isinstance(value, float) and not math.isfinite(value))
            ):
                raise self._rejection(
                    platform,
                    "jwt",
                    f"The JWT's {name} claim is not a number: {value!r}",
                )
        if times["exp"] is not None and times["exp"] <= now:
            raise self._rejection(platform, "jwt", "The JWT has expired")
        for name in ("nbf", "iat"):
            if times[name] is not None and times[name] > now:
                raise self._rejection(
                    platform, "jwt", f"The JWT is not valid yet ({name})"
                )
        raw = claims["user_id"]
        named = isinstance(raw, str) or (
            isinstance(raw, int) and not isinstance(raw, bool)
        )
        if not named or is_placeholder(str(raw)):
            raise self._rejection(
                platform, "jwt", "The JWT's user_id claim does not name a user"
            )
        claimed = str(raw)
        if user_id is not None and user_id != claimed:
            raise self._rejection(
                platform, "jwt", "The JWT's user_id is not the user being logged in"
            )
        return IdentityCheck(True, claimed, claims.get("email", email))

    def _secret(self, platform: str, method: str) -> str:
        secret = self._secrets.get(platform)
        if not secret:
            raise self._rejection(
                platform, method, f"No identity secret is set for {platform!r}"
            )
        return secret

    @staticmethod
    def _rejection(platform: str, method: str, message: str) -> ApiError:
        # The web Messenger refuses to boot with a 403; the mobile SDKs see a 401 for
        # a bad hash and a 400 for a missing or invalid JWT.
        if platform == "web":
            return ApiError(
                403, "forbidden", f"Identity verification failed: {message}"
            )
        if method == "jwt":
            return ApiError(400, "invalid_jwt", message)
        return ApiError(401, "hmac_mismatch", message)
