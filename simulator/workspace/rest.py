"""The REST API handlers: contacts, data attributes, conversations, tags and `/me`.

Each handler takes the workspace and the admitted `Call` and returns the JSON payload
(or a `(status, payload)` pair), raising `ApiError` for whatever the real service
refuses.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .attributes import (
    CUSTOM_DATA_TYPES,
    check_attribute_name,
    check_custom_attributes,
    define_attribute,
)
from .errors import ApiError
from .fields import optional, required
from .search import FieldSpec, compile_query
from .serialize import (
    admin_json,
    contact_json,
    conversation_json,
    data_attribute_json,
    tag_json,
    version_at_least,
)
from .service import Call, Route, Workspace
from .state import Contact, Conversation, Tag

__all__ = ["ROUTES"]

LIST_DEFAULT, LIST_MAX = 10, 150
SEARCH_DEFAULT, SEARCH_MAX = 50, 150
CONVERSATION_DEFAULT, CONVERSATION_MAX = 20, 150

_DATE_TYPES = {"date": "date", "datetime": "date"}
_SEARCH_TYPES = {"options": "string", **_DATE_TYPES}

# Contact fields that search knows, beside `custom_attributes.*`
_CONTACT_SEARCH_FIELDS = {
    "id": FieldSpec("string"),
    "role": FieldSpec("string"),
    "name": FieldSpec("string"),
    "email": FieldSpec("string"),
    "email_domain": FieldSpec("string"),
    "phone": FieldSpec("string"),
    "external_id": FieldSpec("string"),
    "created_at": FieldSpec("date"),
    "updated_at": FieldSpec("date"),
    "signed_up_at": FieldSpec("date"),
    "last_seen_at": FieldSpec("date"),
    "owner_id": FieldSpec("integer"),
    "unsubscribed_from_emails": FieldSpec("boolean"),
    "tag_id": FieldSpec("string", many=True),
}

_CONVERSATION_SEARCH_FIELDS = {
    "id": FieldSpec("string"),
    "created_at": FieldSpec("date"),
    "updated_at": FieldSpec("date"),
    "state": FieldSpec("string"),
    "open": FieldSpec("boolean"),
    "read": FieldSpec("boolean"),
    "source.body": FieldSpec("string"),
    "contact_ids": FieldSpec("string", many=True),
    "tag_ids": FieldSpec("string", many=True),
}


# -- cursors -------------------------------------------------------------------------


def _encode_cursor(kind: str, seq: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{seq}".encode()).decode().rstrip("=")


def _decode_cursor(kind: str, cursor: object, field: str) -> int:
    if cursor is None:
        return 0
    if not isinstance(cursor, str):
        raise ApiError(
            400, "parameter_invalid", f"{field} must be a string", field=field
        )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        prefix, _, seq = base64.urlsafe_b64decode(padded).decode().partition(":")
        # Only the digits _encode_cursor writes: int() alone would also take a forged
        # "-5", " 5" or "5_0".
        if prefix != kind or not seq.isascii() or not seq.isdigit():
            raise ValueError(prefix)
        return int(seq)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ApiError(
            400,
            "parameter_invalid",
            f"{field} is not a cursor this endpoint issued",
            field=field,
        ) from None


def _page(items: list[Any], after: int, per_page: int, kind: str) -> dict[str, Any]:
    """One page of `items` (each with a `seq`) after the cursor's position."""
    # A write applied after a sync delay keeps the sequence number it was answered
    # with, so creation order is the sequence, not the order records were stored in.
    items = sorted(items, key=lambda item: item.seq)
    before = sum(1 for item in items if item.seq <= after)
    rest = [item for item in items if item.seq > after]
    chosen = rest[:per_page]
    total_pages = max(1, -(-len(items) // per_page))
    pages: dict[str, Any] = {
        "type": "pages",
        "page": before // per_page + 1,
        "per_page": per_page,
        "total_pages": total_pages,
    }
    if len(rest) > per_page:
        pages["next"] = {
            "per_page": per_page,
            "starting_after": _encode_cursor(kind, chosen[-1].seq),
        }
    return {"chosen": chosen, "pages": pages, "total": len(items)}


# -- contacts ------------------------------------------------------------------------


def _contact(ws: Workspace, call: Call, contact_id: str) -> Contact:
    contact = ws.state.contacts.get(contact_id)
    if contact is None:
        raise ApiError(404, "not_found", "User Not Found")
    if contact.merged_into is not None:
        if version_at_least(call.version, (2, 16)):
            raise ApiError(
                410,
                "contact_merged",
                "This contact has been merged. See the 'Link' header for the "
                "canonical contact.",
                headers={"Link": f'</contacts/{contact.merged_into}>; rel="canonical"'},
            )
        raise ApiError(404, "not_found", "User Not Found")
    return contact


def _conflict(contact: Contact) -> ApiError:
    return ApiError(
        409,
        "conflict",
        f"A contact matching those details already exists with id={contact.id}",
    )


def _contact_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The standard fields of a create or update body, type-checked."""
    values: dict[str, Any] = {}
    for name in ("role", "external_id", "email", "phone", "name", "avatar"):
        if name in body:
            values[name] = optional(body, name, str, nullable=name not in ("role",))
    for name in ("signed_up_at", "last_seen_at", "owner_id"):
        if name in body:
            values[name] = optional(body, name, int)
    if "unsubscribed_from_emails" in body:
        values["unsubscribed_from_emails"] = optional(
            body, "unsubscribed_from_emails", bool
        )
    role = values.get("role")
    if role is not None and role not in ("user", "lead"):
        raise ApiError(
            400,
            "parameter_invalid",
            f"role must be 'user' or 'lead', got {role!r}",
            field="role",
        )
    email = values.get("email")
    if email is not None and email != "" and "@" not in email:
        raise ApiError(
            400, "parameter_invalid", f"{email!r} is not a valid email", field="email"
        )
    if values.get("email") == "":
        values["email"] = None
    if values.get("external_id") == "":
        values["external_id"] = None
    return values


def _check_identity_clash(
    ws: Workspace,
    contact: Contact | None,
    role: str,
    external_id: str | None,
    email: str | None,
) -> None:
    if role != "user":
        return
    if external_id is not None:
        for other in ws.state.users_with_external_id(external_id):
            if other is not contact:
                raise _conflict(other)
    elif email is not None and contact is None:
        for other in ws.state.users_with_email(email):
            raise _conflict(other)


def _apply_fields(contact: Contact, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "unsubscribed_from_emails":
            contact.unsubscribed_from_emails = bool(value)
        elif name != "avatar":
            setattr(contact, name, value)


def _write_custom(ws: Workspace, contact: Contact, raw: Any) -> None:
    if raw is None:
        return
    accepted = check_custom_attributes(ws.state, raw)
    for name, value in accepted.items():
        if value is None:
            contact.custom_attributes.pop(name, None)
        else:
            contact.custom_attributes[name] = value


def create_contact(ws: Workspace, call: Call) -> Any:
    body = call.body()
    values = _contact_fields(body)
    custom = optional(body, "custom_attributes", dict)
    if not any(values.get(k) is not None for k in ("email", "external_id", "role")):
        raise ApiError(
            400,
            "parameter_not_found",
            "A contact needs at least one of email, external_id or role",
        )
    role = values.pop("role", None) or "user"
    if role == "lead" and values.get("external_id") is not None:
        raise ApiError(
            400,
            "parameter_invalid",
            "A lead cannot have an external_id",
            field="external_id",
        )
    _check_identity_clash(
        ws, None, role, values.get("external_id"), values.get("email")
    )
    check_custom_attributes(ws.state, custom or {})
    contact = new_contact(ws, role, call.now)
    _apply_fields(contact, values)
    _write_custom(ws, contact, custom)
    return contact_json(contact, ws.config.app_id, call.version)


def new_contact(ws: Workspace, role: str, now: int) -> Contact:
    contact_id, seq = ws.state.new_contact_id()
    contact = Contact(
        id=contact_id,
        seq=seq,
        role=role,
        created_at=now,
        updated_at=now,
        signed_up_at=now if role == "user" else None,
        searchable_at=now + ws.config.search_index_delay_seconds,
    )
    ws.state.add_contact(contact)
    return contact


def get_contact(ws: Workspace, call: Call) -> Any:
    contact = _contact(ws, call, call.params["contact_id"])
    return contact_json(contact, ws.config.app_id, call.version)


def update_contact(ws: Workspace, call: Call) -> Any:
    contact = _contact(ws, call, call.params["contact_id"])
    body = call.body()
    values = _contact_fields(body)
    custom = optional(body, "custom_attributes", dict)
    role = values.pop("role", None) or contact.role
    if contact.role == "user" and role == "lead":
        raise ApiError(
            400,
            "parameter_invalid",
            "A user cannot be converted to a lead",
            field="role",
        )
    external_id = values.get("external_id", contact.external_id)
    if role == "lead" and external_id is not None:
        raise ApiError(
            400,
            "parameter_invalid",
            "A lead cannot have an external_id",
            field="external_id",
        )
    _check_identity_clash(ws, contact, role, external_id, values.get("email"))
    if role == "user" and external_id is None:
        # Promoting a lead, changing the email or dropping the external_id must not
        # make the email-only duplicate that creating one is refused for.
        email = values.get("email", contact.email)
        identity_changed = (
            role != contact.role
            or contact.external_id is not None
            or (email or "").casefold() != (contact.email or "").casefold()
        )
        if email is not None and identity_changed:
            for other in ws.state.users_with_email(email):
                if other is not contact:
                    raise _conflict(other)
    check_custom_attributes(ws.state, custom or {})
    contact.role = role
    _apply_fields(contact, values)
    _write_custom(ws, contact, custom)
    contact.updated_at = call.now
    return contact_json(contact, ws.config.app_id, call.version)


def delete_contact(ws: Workspace, call: Call) -> Any:
    contact = _contact(ws, call, call.params["contact_id"])
    remove_contact(ws, contact)
    return {
        "type": "contact",
        "id": contact.id,
        "external_id": contact.external_id,
        "deleted": True,
    }


def remove_contact(ws: Workspace, contact: Contact) -> None:
    state = ws.state
    for conversation_id in [
        c.id for c in state.conversations.values() if c.contact_id == contact.id
    ]:
        del state.conversations[conversation_id]
    for mapping in (state.anonymous, state.push_tokens):
        for key in [k for k, v in mapping.items() if v == contact.id]:
            del mapping[key]
    # The contacts merged into this one live on only as part of it: they go with it,
    # rather than coming back (with stale tokens and anonymous ids) as contacts of
    # their own. merge_into keeps every one of them pointing at the end of its chain.
    for other in [c for c in state.contacts.values() if c.merged_into == contact.id]:
        state.discard_contact(other)
    state.discard_contact(contact)


def list_contacts(ws: Workspace, call: Call) -> Any:
    per_page = call.query_int("per_page", LIST_DEFAULT, LIST_MAX)
    after = _decode_cursor(
        "contacts", call.request.query.get("starting_after"), "starting_after"
    )
    page = _page(ws.state.live_contacts(), after, per_page, "contacts")
    return {
        "type": "list",
        "data": [
            contact_json(c, ws.config.app_id, call.version) for c in page["chosen"]
        ],
        "total_count": page["total"],
        "pages": page["pages"],
    }


def _contact_search_fields(ws: Workspace) -> dict[str, FieldSpec]:
    fields = dict(_CONTACT_SEARCH_FIELDS)
    for attribute in ws.state.attributes.values():
        if attribute.custom:
            kind = _SEARCH_TYPES.get(attribute.data_type, attribute.data_type)
            fields[attribute.full_name] = FieldSpec(kind)  # type: ignore[arg-type]
    return fields


_CONTACT_GETTERS: dict[str, Any] = {
    "id": lambda c: c.id,
    "role": lambda c: c.role,
    "name": lambda c: c.name,
    "email": lambda c: c.email,
    "email_domain": lambda c: c.email.partition("@")[2] if c.email else None,
    "phone": lambda c: c.phone,
    "external_id": lambda c: c.external_id,
    "created_at": lambda c: c.created_at,
    "updated_at": lambda c: c.updated_at,
    "signed_up_at": lambda c: c.signed_up_at,
    "last_seen_at": lambda c: c.last_seen_at,
    "owner_id": lambda c: c.owner_id,
    "unsubscribed_from_emails": lambda c: c.unsubscribed_from_emails,
    "tag_id": lambda c: c.tag_ids,
}


class _ContactView:
    """A contact as a search document, read field by field as the query asks.

    Search reads only the fields its filters name, so resolving them on demand is far
    cheaper than building a full document for every contact on every query.
    """

    __slots__ = ("contact",)

    def __init__(self, contact: Contact):
        self.contact = contact

    def get(self, name: str, default: Any = None) -> Any:
        getter = _CONTACT_GETTERS.get(name)
        if getter is not None:
            return getter(self.contact)
        if name.startswith("custom_attributes."):
            return self.contact.custom_attributes.get(name[18:], default)
        return default


def _search_request(call: Call, default: int) -> tuple[Any, int, Any]:
    body = call.body()
    if "query" not in body:
        raise ApiError(
            400, "parameter_not_found", "query is a required parameter", field="query"
        )
    pagination = optional(body, "pagination", dict) or {}
    per_page = pagination.get("per_page", default)
    if isinstance(per_page, bool) or not isinstance(per_page, int):
        raise ApiError(
            400,
            "parameter_invalid",
            "pagination.per_page must be an integer",
            field="pagination.per_page",
        )
    if not 1 <= per_page <= SEARCH_MAX:
        raise ApiError(
            400,
            "parameter_invalid",
            f"pagination.per_page must be between 1 and {SEARCH_MAX}, got {per_page}",
            field="pagination.per_page",
        )
    return body["query"], per_page, pagination.get("starting_after")


def _search_candidates(ws: Workspace, query: Any) -> list[Contact]:
    """The contacts a query can match at all, narrowed by an index where it pins one.

    A filter (or a member of a top-level AND group) that asks for `id`, `external_id`
    or `email` to equal a string can only match the contacts filed under that value;
    every other query scans the live contacts. The predicate still runs on each.
    """
    members = [query]
    if isinstance(query, dict) and query.get("operator") == "AND":
        members = query.get("value") or []
    for member in members:
        if not isinstance(member, dict) or member.get("operator") != "=":
            continue
        field_name, value = member.get("field"), member.get("value")
        if not isinstance(value, str):
            continue
        if field_name == "id":
            # `=` on a string ignores case, as the predicate does; ids are made in
            # lower case, so that is the one key they can be filed under
            contact = ws.state.contacts.get(value) or ws.state.contacts.get(
                value.lower()
            )
            live = contact is not None and contact.merged_into is None
            return [contact] if live and not contact.archived else []
        if field_name in ("external_id", "email"):
            return ws.state.contacts_with(field_name, value)
    return ws.state.live_contacts()


def search_contacts(ws: Workspace, call: Call) -> Any:
    query, per_page, cursor = _search_request(call, SEARCH_DEFAULT)
    predicate = compile_query(query, _contact_search_fields(ws))
    after = _decode_cursor("search", cursor, "pagination.starting_after")
    matches = [
        c
        for c in _search_candidates(ws, query)
        if c.searchable_at <= call.now and predicate(_ContactView(c))  # type: ignore[arg-type]
    ]
    page = _page(matches, after, per_page, "search")
    return {
        "type": "list",
        "data": [
            contact_json(c, ws.config.app_id, call.version) for c in page["chosen"]
        ],
        "total_count": page["total"],
        "pages": page["pages"],
    }


def merge_contacts(ws: Workspace, call: Call) -> Any:
    body = call.body()
    source = _contact(ws, call, required(body, "from", str))
    target = _contact(ws, call, required(body, "into", str))
    if source.role != "lead" or target.role != "user":
        raise ApiError(
            400,
            "invalid_merge",
            f"Only a lead can be merged into a user; got a {source.role} into a "
            f"{target.role}",
        )
    merge_into(ws, source, target, call.now)
    return contact_json(target, ws.config.app_id, call.version)


def merge_into(ws: Workspace, source: Contact, target: Contact, now: int) -> None:
    """Move everything `source` holds onto `target` and retire `source`."""
    for conversation in ws.state.conversations.values():
        if conversation.contact_id == source.id:
            conversation.contact_id = target.id
    for tag_id in source.tag_ids:
        if tag_id not in target.tag_ids:
            target.tag_ids.append(tag_id)
    for name, value in source.custom_attributes.items():
        target.custom_attributes.setdefault(name, value)
    for anonymous_id in source.anonymous_ids:
        ws.state.anonymous[anonymous_id] = target.id
        if anonymous_id not in target.anonymous_ids:
            target.anonymous_ids.append(anonymous_id)
    for token in source.push_tokens:
        ws.state.push_tokens[token] = target.id
        if token not in target.push_tokens:
            target.push_tokens.append(token)
    if target.email is None and source.email is not None:
        target.email = source.email
    # Whoever was merged into the source now belongs to the target too, so the Link
    # of a merged-away contact names the live one, not another merged-away one.
    for other in ws.state.contacts.values():
        if other.merged_into == source.id:
            other.merged_into = target.id
    source.merged_into = target.id
    target.updated_at = now


def find_by_external_id(ws: Workspace, call: Call) -> Any:
    external_id = call.params["external_id"]
    for contact in ws.state.users_with_external_id(external_id):
        return contact_json(contact, ws.config.app_id, call.version)
    raise ApiError(404, "not_found", "User Not Found")


def _set_archived(ws: Workspace, call: Call, archived: bool) -> Any:
    contact = ws.state.contacts.get(call.params["contact_id"])
    if contact is None or contact.merged_into is not None:
        raise ApiError(404, "not_found", "User Not Found")
    contact.archived = archived
    return {
        "type": "contact",
        "id": contact.id,
        "external_id": contact.external_id,
        "archived": archived,
    }


def archive_contact(ws: Workspace, call: Call) -> Any:
    return _set_archived(ws, call, True)


def unarchive_contact(ws: Workspace, call: Call) -> Any:
    return _set_archived(ws, call, False)


# -- tags ------------------------------------------------------------------------------


def _tag(ws: Workspace, tag_id: object) -> Tag:
    tag = ws.state.tags.get(str(tag_id))
    if tag is None:
        raise ApiError(404, "not_found", "Tag Not Found")
    return tag


def list_tags(ws: Workspace, call: Call) -> Any:
    return {"type": "list", "data": [tag_json(t) for t in ws.state.tags.values()]}


def create_tag(ws: Workspace, call: Call) -> Any:
    body = call.body()
    name = required(body, "name", str)
    if not name.strip():
        raise ApiError(400, "parameter_invalid", "name cannot be blank", field="name")
    if body.get("id") is not None:
        tag = _tag(ws, body["id"])
        # Names are what create is idempotent on; two tags of one name would make
        # creating that name answer whichever came first.
        for other in ws.state.tags.values():
            if other.name == name and other is not tag:
                raise ApiError(
                    400,
                    "parameter_invalid",
                    f"A tag named {name!r} already exists with id={other.id}",
                    field="name",
                )
        tag.name = name
        return tag_json(tag)
    for tag in ws.state.tags.values():
        if tag.name == name:
            return tag_json(tag)
    tag = Tag(id=ws.state.new_numeric_id("tag", 81_000), name=name)
    ws.state.tags[tag.id] = tag
    return tag_json(tag)


def _tag_id_from(body: dict[str, Any]) -> str:
    if "id" not in body:
        raise ApiError(
            400, "parameter_not_found", "id is a required parameter", field="id"
        )
    value = body["id"]
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ApiError(400, "parameter_invalid", "id must be a string", field="id")
    return str(value)


def list_contact_tags(ws: Workspace, call: Call) -> Any:
    contact = _contact(ws, call, call.params["contact_id"])
    return {
        "type": "list",
        "data": [tag_json(ws.state.tags[t]) for t in contact.tag_ids],
    }


def tag_contact(ws: Workspace, call: Call) -> Any:
    contact = _contact(ws, call, call.params["contact_id"])
    tag = _tag(ws, _tag_id_from(call.body()))
    if tag.id not in contact.tag_ids:
        contact.tag_ids.append(tag.id)
    return tag_json(tag)


def untag_contact(ws: Workspace, call: Call) -> Any:
    contact = _contact(ws, call, call.params["contact_id"])
    tag = _tag(ws, call.params["tag_id"])
    if tag.id in contact.tag_ids:
        contact.tag_ids.remove(tag.id)
    return tag_json(tag)


def _admin_from(ws: Workspace, body: dict[str, Any]) -> str:
    if "admin_id" not in body:
        raise ApiError(
            400,
            "parameter_not_found",
            "admin_id is a required parameter",
            field="admin_id",
        )
    admin_id = body["admin_id"]
    if isinstance(admin_id, bool) or not isinstance(admin_id, (str, int)):
        raise ApiError(
            400, "parameter_invalid", "admin_id must be a string", field="admin_id"
        )
    if str(admin_id) != ws.admin_id:
        raise ApiError(404, "not_found", "Admin Not Found")
    return str(admin_id)


def _conversation(ws: Workspace, conversation_id: str) -> Conversation:
    conversation = ws.state.conversations.get(conversation_id)
    if conversation is None:
        raise ApiError(404, "not_found", "Conversation Not Found")
    return conversation


def tag_conversation(ws: Workspace, call: Call) -> Any:
    conversation = _conversation(ws, call.params["conversation_id"])
    body = call.body()
    tag = _tag(ws, _tag_id_from(body))
    admin_id = _admin_from(ws, body)
    apply_conversation_tag(conversation, tag, call.now, admin_id)
    return tag_json(tag, conversation.tag_applied.get(tag.id))


def apply_conversation_tag(
    conversation: Conversation, tag: Tag, now: int, admin_id: str
) -> None:
    if tag.id not in conversation.tag_ids:
        conversation.tag_ids.append(tag.id)
        conversation.tag_applied[tag.id] = (now, admin_id)
        conversation.updated_at = now


def untag_conversation(ws: Workspace, call: Call) -> Any:
    conversation = _conversation(ws, call.params["conversation_id"])
    tag = ws.state.tags.get(call.params["tag_id"])
    if tag is None:
        # this one operation answers an unknown tag with its own code
        raise ApiError(
            404,
            "tag_not_found",
            f"Tag not found: there is no tag with id {call.params['tag_id']!r}",
        )
    _admin_from(ws, call.body())
    if tag.id in conversation.tag_ids:
        conversation.tag_ids.remove(tag.id)
        conversation.tag_applied.pop(tag.id, None)
    return tag_json(tag)


# -- conversations ---------------------------------------------------------------------


def start_conversation(
    ws: Workspace,
    contact: Contact,
    body: str,
    now: int,
    *,
    channel: str = "rest",
    identity_verified: bool = False,
) -> Conversation:
    """Open a contact-initiated conversation and tell the workspace's listeners."""
    state = ws.state
    seq = state.next_seq("conversation")
    conversation = Conversation(
        id=str(215_000_000_000 + seq),
        seq=seq,
        contact_id=contact.id,
        created_at=now,
        updated_at=now,
        body=body,
        message_id=str(403_900_000 + seq),
        channel=channel,
        identity_verified=identity_verified,
    )
    state.conversations[conversation.id] = conversation
    contact.last_seen_at = now
    ws.conversation_started(conversation)
    return conversation


def _required_in(parent: str, body: dict[str, Any], name: str, kind: type) -> Any:
    """A required field of a nested object, named in errors by its dotted path."""
    dotted = f"{parent}.{name}"
    return required({dotted: body[name]} if name in body else {}, dotted, kind)


def create_conversation(ws: Workspace, call: Call) -> Any:
    body = call.body()
    sender = required(body, "from", dict)
    text = required(body, "body", str)
    kind = _required_in("from", sender, "type", str)
    contact_id = _required_in("from", sender, "id", str)
    if kind not in ("user", "lead", "contact"):
        raise ApiError(
            400,
            "parameter_invalid",
            f"from.type must be user, lead or contact, got {kind!r}",
            field="from.type",
        )
    contact = ws.state.contacts.get(contact_id)
    if (
        contact is None
        or contact.merged_into is not None
        or (kind != "contact" and contact.role != kind)
    ):
        raise ApiError(404, "not_found", "User Not Found")
    conversation = start_conversation(ws, contact, text, call.now)
    return {
        "type": "user_message",
        "id": conversation.message_id,
        "created_at": conversation.created_at,
        "body": conversation.body,
        "message_type": "inapp",
        "conversation_id": conversation.id,
    }


def get_conversation(ws: Workspace, call: Call) -> Any:
    conversation = _conversation(ws, call.params["conversation_id"])
    return conversation_json(
        conversation, ws.state, with_parts=True, version=call.version
    )


def _conversation_list(
    ws: Workspace,
    call: Call,
    items: list[Conversation],
    after: int,
    per_page: int,
    kind: str,
) -> Any:
    page = _page(items, after, per_page, kind)
    return {
        "type": "conversation.list",
        "conversations": [
            conversation_json(c, ws.state, with_parts=False, version=call.version)
            for c in page["chosen"]
        ],
        "total_count": page["total"],
        "pages": page["pages"],
    }


def list_conversations(ws: Workspace, call: Call) -> Any:
    per_page = call.query_int("per_page", CONVERSATION_DEFAULT, CONVERSATION_MAX)
    after = _decode_cursor(
        "conversations", call.request.query.get("starting_after"), "starting_after"
    )
    items = list(ws.state.conversations.values())
    return _conversation_list(ws, call, items, after, per_page, "conversations")


def _conversation_document(conversation: Conversation) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": conversation.id,
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
        "state": conversation.state,
        "open": conversation.state == "open",
        "read": conversation.read,
        "source.body": conversation.body,
        "contact_ids": [conversation.contact_id],
        "tag_ids": conversation.tag_ids,
    }
    for name, value in conversation.custom_attributes.items():
        document[f"custom_attributes.{name}"] = value
    return document


def search_conversations(ws: Workspace, call: Call) -> Any:
    query, per_page, cursor = _search_request(call, CONVERSATION_DEFAULT)
    fields = dict(_CONVERSATION_SEARCH_FIELDS)
    for conversation in ws.state.conversations.values():
        for name, value in conversation.custom_attributes.items():
            kind = "boolean" if isinstance(value, bool) else "string"
            fields.setdefault(f"custom_attributes.{name}", FieldSpec(kind))
    predicate = compile_query(query, fields)
    after = _decode_cursor("conversation-search", cursor, "pagination.starting_after")
    matches = [
        c
        for c in ws.state.conversations.values()
        if predicate(_conversation_document(c))
    ]
    return _conversation_list(ws, call, matches, after, per_page, "conversation-search")


# -- data attributes ------------------------------------------------------------------


def list_data_attributes(ws: Workspace, call: Call) -> Any:
    query = call.request.query
    model = query.get("model", "contact")
    if model not in ("contact", "company", "conversation"):
        raise ApiError(
            400,
            "parameter_invalid",
            f"model must be contact, company or conversation, got {model!r}",
            field="model",
        )
    raw_flag = query.get("include_archived", "false")
    flag = raw_flag.lower()
    if flag not in ("true", "false"):
        raise ApiError(
            400,
            "parameter_invalid",
            f"include_archived must be true or false, got {raw_flag!r}",
            field="include_archived",
        )
    # This workspace keeps contact attributes only; the other models list none.
    attributes = list(ws.state.attributes.values()) if model == "contact" else []
    if flag == "false":
        attributes = [a for a in attributes if not a.archived]
    return {
        "type": "list",
        "data": [data_attribute_json(a, ws.admin_id) for a in attributes],
    }


def create_data_attribute(ws: Workspace, call: Call) -> Any:
    body = call.body()
    name = required(body, "name", str)
    model = required(body, "model", str)
    data_type = required(body, "data_type", str)
    description = optional(body, "description", str) or ""
    messenger_writable = optional(body, "messenger_writable", bool)
    if model != "contact":
        raise ApiError(
            400,
            "parameter_invalid",
            f"model {model!r} is not supported here; this workspace holds contact "
            "attributes only",
            field="model",
        )
    if data_type not in CUSTOM_DATA_TYPES:
        raise ApiError(
            400,
            "parameter_invalid",
            f"data_type must be one of {', '.join(CUSTOM_DATA_TYPES)}, got "
            f"{data_type!r}",
            field="data_type",
        )
    check_attribute_name(name)
    if name in ws.state.attributes:
        raise ApiError(
            400,
            "parameter_invalid",
            f"You already have '{name}' in your workspace",
            field="name",
        )
    options = _options(body, data_type)
    attribute = define_attribute(
        ws.state,
        name,
        data_type,
        now=call.now,
        description=description,
        options=options,
        messenger_writable=True if messenger_writable is None else messenger_writable,
    )
    return data_attribute_json(attribute, ws.admin_id)


def _options(body: dict[str, Any], data_type: str) -> list[str]:
    raw = optional(body, "options", list)
    if data_type != "options":
        if raw:
            raise ApiError(
                400,
                "parameter_invalid",
                "options are only allowed with data_type 'options'",
                field="options",
            )
        return []
    if raw is None or len(raw) < 2:
        raise ApiError(
            400,
            "parameter_invalid",
            "An options attribute needs at least two options",
            field="options",
        )
    values = []
    for item in raw:
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, str):
            raise ApiError(
                400,
                "parameter_invalid",
                "each option must be an object with a string 'value'",
                field="options",
            )
        values.append(value)
    return values


def update_data_attribute(ws: Workspace, call: Call) -> Any:
    raw_id = call.params["data_attribute_id"]
    attribute = next(
        (a for a in ws.state.attributes.values() if str(a.id) == raw_id), None
    )
    if attribute is None:
        raise ApiError(
            404,
            "field_not_found",
            f"We couldn't find a data attribute with id {raw_id!r} to update",
        )
    body = call.body()
    archived = optional(body, "archived", bool)
    description = optional(body, "description", str)
    messenger_writable = optional(body, "messenger_writable", bool)
    options = _options(body, attribute.data_type) if "options" in body else None
    if not attribute.custom:
        raise ApiError(
            400,
            "parameter_invalid",
            f"'{attribute.name}' is a standard attribute and cannot be changed",
        )
    if archived is not None:
        attribute.archived = archived
    if description is not None:
        attribute.description = description
    if messenger_writable is not None:
        attribute.messenger_writable = messenger_writable
    if options is not None:
        attribute.options = options
    attribute.updated_at = call.now
    return data_attribute_json(attribute, ws.admin_id)


# -- admin ---------------------------------------------------------------------------


def me(ws: Workspace, call: Call) -> Any:
    config = ws.config
    return admin_json(
        ws.admin_id,
        config.admin.name,
        config.admin.email,
        config.app_id,
        config.name,
        config.region,
        ws.created_at,
        config.identity_verification.mode != "off",
    )


ROUTES = [
    Route("GET", "/me", "me", me),
    Route("POST", "/contacts", "contacts.create", create_contact),
    Route("GET", "/contacts", "contacts.list", list_contacts),
    Route("POST", "/contacts/search", "contacts.search", search_contacts),
    Route("POST", "/contacts/merge", "contacts.merge", merge_contacts),
    Route(
        "GET",
        "/contacts/find_by_external_id/{external_id}",
        "contacts.find_by_external_id",
        find_by_external_id,
    ),
    Route("GET", "/contacts/{contact_id}", "contacts.get", get_contact),
    Route("PUT", "/contacts/{contact_id}", "contacts.update", update_contact),
    Route("DELETE", "/contacts/{contact_id}", "contacts.delete", delete_contact),
    Route(
        "POST", "/contacts/{contact_id}/archive", "contacts.archive", archive_contact
    ),
    Route(
        "POST",
        "/contacts/{contact_id}/unarchive",
        "contacts.unarchive",
        unarchive_contact,
    ),
    Route(
        "GET", "/contacts/{contact_id}/tags", "contacts.tags.list", list_contact_tags
    ),
    Route("POST", "/contacts/{contact_id}/tags", "contacts.tags.add", tag_contact),
    Route(
        "DELETE",
        "/contacts/{contact_id}/tags/{tag_id}",
        "contacts.tags.remove",
        untag_contact,
    ),
    Route("GET", "/data_attributes", "data_attributes.list", list_data_attributes),
    Route("POST", "/data_attributes", "data_attributes.create", create_data_attribute),
    Route(
        "PUT",
        "/data_attributes/{data_attribute_id}",
        "data_attributes.update",
        update_data_attribute,
    ),
    Route("POST", "/conversations", "conversations.create", create_conversation),
    Route("GET", "/conversations", "conversations.list", list_conversations),
    Route(
        "POST", "/conversations/search", "conversations.search", search_conversations
    ),
    Route(
        "GET", "/conversations/{conversation_id}", "conversations.get", get_conversation
    ),
    Route(
        "POST",
        "/conversations/{conversation_id}/tags",
        "conversations.tags.add",
        tag_conversation,
    ),
    Route(
        "DELETE",
        "/conversations/{conversation_id}/tags/{tag_id}",
        "conversations.tags.remove",
        untag_conversation,
    ),
    Route("GET", "/tags", "tags.list", list_tags),
    Route("POST", "/tags", "tags.create", create_tag),
]
