"""The mock workspace: state, rules, the REST API, the Messenger side, two transports.

from simulator.workspace import Workspace, mount

workspace = Workspace(tokens=["tok"])
with mount(workspace):
    httpx.get("https://api.intercom.io/me", headers={"Authorization": "Bearer tok"})
"""

from .errors import ApiError
from .faults import Fault, FaultPlan, RequestDropped
from .identity import IdentityVerifier, user_hash
from .service import EXCHANGE_OBSERVERS, ApiRequest, ApiResponse, Route, Workspace
from .transport import BASE_URLS, LoopbackServer, asgi_app, mount

__all__ = [
    "ApiError",
    "ApiRequest",
    "ApiResponse",
    "BASE_URLS",
    "EXCHANGE_OBSERVERS",
    "Fault",
    "FaultPlan",
    "IdentityVerifier",
    "LoopbackServer",
    "RequestDropped",
    "Route",
    "Workspace",
    "asgi_app",
    "mount",
    "user_hash",
]
