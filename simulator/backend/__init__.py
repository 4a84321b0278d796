"""The app's own backend: the business truth the harness judges the workspace against.

It knows who is registered (generated with faker from a seed, so a run is
reproducible) and which app sessions are live. It signs identities for the Messenger
(an HMAC user hash or an HS256 JWT, with the per-platform secret) and answers one data
connector call, "is this session live for this user", over HTTP, which the procedure
guard asks before personal data is opened.
"""

from .service import (
    BACKEND_URL,
    AppSession,
    Backend,
    RegisteredUser,
    mount_backend,
)

__all__ = ["BACKEND_URL", "AppSession", "Backend", "RegisteredUser", "mount_backend"]
