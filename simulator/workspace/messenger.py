"""The Messenger side of the workspace: the endpoints the simulated SDKs call.

This is the harness's own protocol, not Intercom's private one; it carries what the
real SDKs send and is documented in `docs/messenger-protocol.md`. Every request names
the app (`X-Intercom-App-Id`) and the platform (`X-Intercom-Platform`), and its JSON
body names the device and the identity the SDK holds: an `anonymous_id` made on the
device, and for an identified person a `user_id` and/or `email` with the `user_hash`
or `jwt` that verifies them.
"""

from __future__ import annotations

from typing import Any

from .attributes import check_custom_attributes
from .errors import ApiError
from .fields import optional, required
from .identity import PLACEHOLDER_IDS, IdentityCheck, is_placeholder
from .rest import merge_into, new_contact, start_conversation
from .service import Call, Route, Workspace
from .state import Contact

__all__ = ["ROUTES", "PLACEHOLDER_IDS"]

# Standard fields the Messenger may write, with their JSON types
_STANDARD = {
    "name": str,
    "email": str,
    "phone": str,
    "language_override": str,
    "signed_up_at": int,
}
_DEVICE_FIELDS = ("app_name", "app_version", "device", "os_version", "sdk_version")


def _identifier(body: dict[str, Any], name: str) -> str | None:
    value = optional(body, name, str)
    if value is None or is_placeholder(value):
        return None
    return value


class _Identity:
    """Who a Messenger request speaks for, after verification."""

    def __init__(self, call: Call, ws: Workspace):
        body = call.body()
        self.device_id = required(body, "device_id", str)
        self.anonymous_id = _identifier(body, "anonymous_id")
        self.user_id = _identifier(body, "user_id")
        self.email = _identifier(body, "email")
        if self.email is not None and "@" not in self.email:
            # the same rule as an email written through REST or as an attribute
            raise ApiError(
                400,
                "parameter_invalid",
                f"{self.email!r} is not a valid email",
                field="email",
            )
        self.check: IdentityCheck | None = None
        if self.identified:
            self.check = ws.verifier.check(
                call.platform or "",
                user_id=self.user_id,
                email=self.email,
                user_hash_value=optional(body, "user_hash", str),
                token=optional(body, "jwt", str),
                # as of arrival: a write applied after a sync delay was verified then
                now=call.received_at,
            )
            if self.check.user_id is not None:
                self.user_id = self.check.user_id

    @property
    def identified(self) -> bool:
        return self.user_id is not None or self.email is not None

    @property
    def verified(self) -> bool:
        return bool(self.check and self.check.verified)


def _find_user(ws: Workspace, identity: _Identity) -> Contact | None:
    if identity.user_id is not None:
        found = ws.state.users_with_external_id(identity.user_id)
        return found[0] if found else None
    matches = ws.state.users_with_email(identity.email or "")
    if len(matches) > 1:
        raise ApiError(
            409,
            "conflict",
            f"Multiple users match the email {identity.email!r} "
            f"(ids {', '.join(c.id for c in matches)}); identify by user_id",
        )
    return matches[0] if matches else None


def _anonymous_contact(ws: Workspace, anonymous_id: str | None) -> Contact | None:
    if anonymous_id is None:
        return None
    contact_id = ws.state.anonymous.get(anonymous_id)
    return ws.state.contacts.get(contact_id) if contact_id else None


def _unsigned_contact(ws: Workspace, anonymous_id: str | None) -> Contact | None:
    """The contact an *unidentified* request may speak for through its anonymous id.

    A device's anonymous id stays filed under the user its activity was merged into.
    With identity verification on, a request that carries only that id proves nothing
    about the user, so it may not act as them: it is treated as a device with no
    contact yet. With verification off nothing is proven anyway, and the id still
    reaches the user, as it would in a workspace that never turned verification on.
    """
    contact = _anonymous_contact(ws, anonymous_id)
    identified = contact is not None and (
        contact.external_id is not None or contact.email is not None
    )
    if identified and ws.verifier.mode != "off" and contact.role == "user":
        return None
    return contact


def _resolve(ws: Workspace, identity: _Identity) -> Contact | None:
    """The contact an already registered identity speaks for."""
    if identity.identified:
        contact = _find_user(ws, identity)
        if contact is None:
            raise ApiError(
                404,
                "not_found",
                "User Not Found: log the user in before sending their activity",
            )
        return contact
    contact = _unsigned_contact(ws, identity.anonymous_id)
    if contact is None and identity.anonymous_id is None:
        raise ApiError(
            400,
            "parameter_not_found",
            "An unidentified request needs an anonymous_id",
            field="anonymous_id",
        )
    return contact


def _new_anonymous(ws: Workspace, call: Call, anonymous_id: str) -> Contact:
    """The contact of a device nobody has identified yet.

    On mobile it is a user with no ids; on the web a visitor becomes a lead.
    """
    if call.platform == "web":
        contact = new_contact(ws, "lead", call.now)
    else:
        contact = new_contact(ws, "user", call.now)
        contact.signed_up_at = None
    contact.anonymous_ids.append(anonymous_id)
    ws.state.anonymous[anonymous_id] = contact.id
    return contact


def _seen(contact: Contact, call: Call) -> None:
    now = call.now
    contact.last_seen_at = now
    platform = call.platform
    if platform in ("ios", "android"):
        contact.platform_fields[f"{platform}_last_seen_at"] = now
        device = call.body().get("device")
        if isinstance(device, dict):
            for name in _DEVICE_FIELDS:
                value = device.get(name)
                if isinstance(value, str):
                    contact.platform_fields[f"{platform}_{name}"] = value
    elif platform == "web":
        contact.platform_fields.setdefault("browser", "Chrome")


def _attributes(ws: Workspace, call: Call) -> tuple[dict[str, Any], dict[str, Any]]:
    """The standard and custom attributes of a body, validated, not yet applied."""
    raw = optional(call.body(), "attributes", dict) or {}
    standard: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "custom_attributes":
            continue
        kind = _STANDARD.get(name)
        where = f"attributes.{name}"
        if kind is None:
            raise ApiError(
                400,
                "parameter_invalid",
                f"{where} cannot be written from the Messenger (allowed: "
                f"{', '.join(sorted(_STANDARD))}, custom_attributes)",
                field=where,
            )
        # read under its full path so that a 400 names attributes.<name>
        standard[name] = optional({where: value}, where, kind)
    email = standard.get("email")
    if email == "":
        standard["email"] = None
    elif email is not None and "@" not in email:
        raise ApiError(
            400,
            "parameter_invalid",
            f"{email!r} is not a valid email",
            field="attributes.email",
        )
    custom_raw = raw.get("custom_attributes")
    custom = check_custom_attributes(
        ws.state,
        {} if custom_raw is None else custom_raw,
        messenger=True,
        field_prefix="attributes.custom_attributes",
    )
    return standard, custom


def _apply(
    contact: Contact, standard: dict[str, Any], custom: dict[str, Any], now: int
) -> None:
    for name, value in standard.items():
        setattr(contact, name, value)
    for name, value in custom.items():
        if value is None:
            contact.custom_attributes.pop(name, None)
        else:
            contact.custom_attributes[name] = value
    contact.updated_at = now


def _user_json(contact: Contact | None, identity: _Identity) -> dict[str, Any]:
    return {
        "type": "messenger.user",
        "contact_id": contact.id if contact else None,
        "role": contact.role if contact else "visitor",
        "anonymous_id": identity.anonymous_id,
        "user_id": contact.external_id if contact else None,
        "email": contact.email if contact else None,
        "identity_verified": identity.verified,
        "custom_attributes": dict(contact.custom_attributes) if contact else {},
    }


def register_unidentified(ws: Workspace, call: Call) -> Any:
    identity = _Identity(call, ws)
    if identity.identified:
        raise ApiError(
            400,
            "parameter_invalid",
            "An unidentified registration cannot carry a user_id or email",
        )
    if identity.anonymous_id is None:
        raise ApiError(
            400,
            "parameter_not_found",
            "anonymous_id is a required parameter",
            field="anonymous_id",
        )
    standard, custom = _attributes(ws, call)
    contact = _unsigned_contact(ws, identity.anonymous_id)
    # On the web an unidentified person is a visitor, with no contact until it writes
    if contact is None and call.platform != "web":
        contact = _new_anonymous(ws, call, identity.anonymous_id)
    if contact is not None:
        _apply(contact, standard, custom, call.now)
        _seen(contact, call)
    return _user_json(contact, identity)


def register_identified(ws: Workspace, call: Call) -> Any:
    identity = _Identity(call, ws)
    if not identity.identified:
        raise ApiError(
            400,
            "parameter_not_found",
            "An identified registration needs a user_id or an email",
            field="user_id",
        )
    standard, custom = _attributes(ws, call)
    state = ws.state
    user = _find_user(ws, identity)
    anonymous = _anonymous_contact(ws, identity.anonymous_id)
    # The device's anonymous activity only moves if it belongs to no one yet.
    unclaimed = (
        anonymous
        if anonymous is not None
        and (
            anonymous.role == "lead"
            or (anonymous.external_id is None and anonymous.email is None)
        )
        else None
    )
    if user is None and unclaimed is not None:
        user = unclaimed
        user.role = "user"
        user.signed_up_at = user.signed_up_at or call.now
    elif user is None:
        user = new_contact(ws, "user", call.now)
    elif unclaimed is not None and unclaimed is not user:
        merge_into(ws, unclaimed, user, call.now)
    if identity.user_id is not None:
        user.external_id = identity.user_id
    if identity.email is not None:
        user.email = identity.email
        # leads that share the email are merged in when their user logs in
        for lead in [
            c
            for c in state.contacts.values()
            if c.role == "lead"
            and c.merged_into is None
            and c.email is not None
            and c.email.casefold() == identity.email.casefold()
        ]:
            merge_into(ws, lead, user, call.now)
    if identity.anonymous_id is not None:
        state.anonymous[identity.anonymous_id] = user.id
        if identity.anonymous_id not in user.anonymous_ids:
            user.anonymous_ids.append(identity.anonymous_id)
    _apply(user, standard, custom, call.now)
    _seen(user, call)
    return _user_json(user, identity)


def update_user(ws: Workspace, call: Call) -> Any:
    identity = _Identity(call, ws)
    standard, custom = _attributes(ws, call)
    contact = _resolve(ws, identity)
    if contact is None:
        # A web visitor's attributes have no contact to land on until it writes.
        return _user_json(None, identity)
    _apply(contact, standard, custom, call.now)
    _seen(contact, call)
    return _user_json(contact, identity)


def ping(ws: Workspace, call: Call) -> Any:
    identity = _Identity(call, ws)
    contact = _resolve(ws, identity)
    if contact is not None:
        _seen(contact, call)
    return _user_json(contact, identity)


def create_conversation(ws: Workspace, call: Call) -> Any:
    identity = _Identity(call, ws)
    text = required(call.body(), "body", str)
    contact = _resolve(ws, identity)
    if contact is None:
        assert identity.anonymous_id is not None
        contact = _new_anonymous(ws, call, identity.anonymous_id)
    _seen(contact, call)
    conversation = start_conversation(
        ws,
        contact,
        text,
        call.now,
        channel=call.platform or "rest",
        identity_verified=identity.verified,
    )
    return {
        "type": "conversation",
        "id": conversation.id,
        "contact_id": contact.id,
        "created_at": conversation.created_at,
        "identity_verified": conversation.identity_verified,
    }


def fetch_conversations(ws: Workspace, call: Call) -> Any:
    identity = _Identity(call, ws)
    contact = _resolve(ws, identity)
    conversations = (
        []
        if contact is None
        else [c for c in ws.state.conversations.values() if c.contact_id == contact.id]
    )
    return {
        "type": "conversation.list",
        "contact_id": contact.id if contact else None,
        "conversations": [
            {
                "id": c.id,
                "created_at": c.created_at,
                "body": c.body,
                "contact_id": c.contact_id,
            }
            for c in conversations
        ],
    }


def register_push_token(ws: Workspace, call: Call) -> Any:
    identity = _Identity(call, ws)
    token = required(call.body(), "token", str)
    contact = _resolve(ws, identity)
    if contact is None:
        raise ApiError(
            404, "not_found", "User Not Found: a visitor cannot receive pushes"
        )
    previous = ws.state.push_tokens.get(token)
    if previous is not None and previous in ws.state.contacts:
        holder = ws.state.contacts[previous]
        if token in holder.push_tokens:
            holder.push_tokens.remove(token)
    ws.state.push_tokens[token] = contact.id
    if token not in contact.push_tokens:
        contact.push_tokens.append(token)
    return {"type": "push_token", "token": token, "contact_id": contact.id}


def remove_push_token(ws: Workspace, call: Call) -> Any:
    token = call.params["token"]
    contact_id = ws.state.push_tokens.pop(token, None)
    if contact_id is None:
        raise ApiError(404, "not_found", "Push Token Not Found")
    contact = ws.state.contacts.get(contact_id)
    if contact is not None and token in contact.push_tokens:
        contact.push_tokens.remove(token)
    return {"type": "push_token", "token": token, "removed": True}


_PREFIX = "/messenger/v1"

ROUTES = [
    Route(
        "POST",
        f"{_PREFIX}/users/unidentified",
        "messenger.register_unidentified",
        register_unidentified,
        "messenger",
    ),
    Route(
        "POST",
        f"{_PREFIX}/users/identified",
        "messenger.register_identified",
        register_identified,
        "messenger",
    ),
    Route(
        "POST",
        f"{_PREFIX}/users/update",
        "messenger.update_user",
        update_user,
        "messenger",
    ),
    Route("POST", f"{_PREFIX}/ping", "messenger.ping", ping, "messenger"),
    Route(
        "POST",
        f"{_PREFIX}/conversations",
        "messenger.create_conversation",
        create_conversation,
        "messenger",
    ),
    Route(
        "POST",
        f"{_PREFIX}/conversations/fetch",
        "messenger.fetch_conversations",
        fetch_conversations,
        "messenger",
    ),
    Route(
        "POST",
        f"{_PREFIX}/push_tokens",
        "messenger.register_push_token",
        register_push_token,
        "messenger",
    ),
    Route(
        "DELETE",
        f"{_PREFIX}/push_tokens/{{token}}",
        "messenger.remove_push_token",
        remove_push_token,
        "messenger",
    ),
]
