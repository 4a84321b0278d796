"""SDK behaviour profiles: which generation of a platform's SDK a scenario runs.

A profile is data (`fixtures/sdk_profiles/<name>.yaml`) naming how the SDK answers the
calls whose behaviour changed between generations. The defaults per platform are the
current generations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from ..config import FIXTURES, Strict, known_names, load_named
from ..errors import ConfigError

__all__ = ["DEFAULT_PROFILES", "SdkProfile", "known_profiles", "load_profile"]

PROFILE_DIR = FIXTURES / "sdk_profiles"
DEFAULT_PROFILES = {"ios": "ios-current", "android": "android-current", "web": "web"}


class SdkProfile(Strict):
    name: str
    platform: Literal["ios", "android", "web"]
    description: str = ""
    # logging in a different identified user while one is registered
    second_identified_login: Literal["switch", "error_3002"] = "switch"
    # logging in the same identifiers again
    same_identified_login: Literal["noop", "error_3002"] = "noop"
    # an unidentified login while an identified user is registered
    unidentified_while_identified: Literal["error_3002", "hang", "keep_user"] = (
        "error_3002"
    )
    # older Android: a login of another user *with attributes* writes them onto the
    # current user and reports success
    login_attributes_onto_current_user: bool = False
    # on a switch, fields the new login did not give are kept from the old identity
    keeps_unspecified_fields_on_switch: bool = False
    # soft: the identity lingers in memory and the push token is only removed at a
    # hard reset, `soft_reset_seconds` later; hard: both go at once
    logout: Literal["soft_reset", "hard_reset"] = "hard_reset"
    soft_reset_seconds: float = Field(3600, ge=0)
    # what fetching the logged-in attributes of an unidentified user returns as user_id
    unidentified_fetch_user_id: Literal["anonymous_id", "nil"] = "nil"
    # web cookie lifetimes, in days
    session_cookie_days: float = Field(7, gt=0)
    anonymous_cookie_days: float = Field(270, gt=0)
    device_cookie_days: float = Field(270, gt=0)


def known_profiles() -> list[str]:
    return known_names(PROFILE_DIR)


def load_profile(name_or_path: str, platform: str | None = None) -> SdkProfile:
    """A bundled profile by name, or a profile file by path; `platform` must match."""
    profile = load_named(SdkProfile, PROFILE_DIR, name_or_path, "SDK profile")
    if platform is not None and profile.platform != platform:
        fitting = [
            name
            for name in known_profiles()
            if load_named(SdkProfile, PROFILE_DIR, name, "SDK profile").platform
            == platform
        ]
        where = Path(name_or_path)
        if not where.suffix:
            where = PROFILE_DIR / f"{name_or_path}.yaml"
        raise ConfigError(
            str(where),
            "platform",
            f"profile {profile.name!r} is for {profile.platform}, not {platform}",
            ", ".join(fitting),
        )
    return profile
