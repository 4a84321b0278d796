"""Simulated Messenger SDKs for iOS, Android and the web, with their quirks.

`base` holds the behaviour they share and `mobile` the calls iOS and Android name
alike; `ios`, `android` and `web` give it each platform's call names and error codes;
`profiles` picks the SDK generation; `network` delivers their calls in a reproducible
order; `storage` is what survives a kill.
"""

from .android import AndroidMessenger
from .base import MessengerSdk
from .ios import IOSMessenger
from .network import Network, Pending, SdkError, SdkResult
from .profiles import DEFAULT_PROFILES, SdkProfile, load_profile
from .storage import CookieJar, DeviceStorage
from .web import WebMessenger

__all__ = [
    "AndroidMessenger",
    "CookieJar",
    "DEFAULT_PROFILES",
    "DeviceStorage",
    "IOSMessenger",
    "MessengerSdk",
    "Network",
    "Pending",
    "SdkError",
    "SdkProfile",
    "SdkResult",
    "WebMessenger",
    "load_profile",
]
