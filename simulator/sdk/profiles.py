"""SDK behaviour profiles: which generation of a platform's SDK a scenario runs.

A profile is data (`fixtures/sdk_profiles/<name>.yaml`) naming how the SDK answers the
calls whose behaviour changed between generations. The defaults per platform are the
current generations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from ..config import FIXTURES, Strict, load_cached
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
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def _load(path: Path) -> SdkProfile:
    return load_cached(SdkProfile, path)


def load_profile(name_or_path: str, platform: str | None = None) -> SdkProfile:
    """A bundled profile by name, or a profile file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILE_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            raise ConfigError(
                str(path),
                "",
                f"no SDK profile named {name_or_path!r}",
                ", ".join(known_profiles()),
            )
    profile = _load(path.resolve())
    if profile.name != path.stem:
        raise ConfigError(
            str(path),
            "name",
            f"the profile is named {profile.name!r} but its file is {path.name}",
            path.stem,
        )
    if platform is not None and profile.platform != platform:
        raise ConfigError(
            str(path),
            "platform",
            f"profile {profile.name!r} is for {profile.platform}, not {platform}",
            ", ".join(
                n
                for n in known_profiles()
                if _load((PROFILE_DIR / f"{n}.yaml").resolve()).platform == platform
            ),
        )
    return profile
