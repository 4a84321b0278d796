"""The JSON shapes the workspace answers with, per API version.

The 2.14 description is the default shape. From 2.16 on, `owner_id` is a string and a
conversation has the 2.16 priority scale and 0 for no assignee; the other version
differences (a merged-away contact answered with a 410) are rules, and live in the
handlers.
"""

from __future__ import annotations

from typing import Any

from .state import Contact, Conversation, DataAttribute, Tag, WorkspaceState

__all__ = [
    "admin_json",
    "contact_json",
    "conversation_json",
    "data_attribute_json",
    "tag_json",
]

_PLATFORM_FIELDS = (
    "browser",
    "browser_version",
    "browser_language",
    "os",
    "android_app_name",
    "android_app_version",
    "android_device",
    "android_os_version",
    "android_sdk_version",
    "android_last_seen_at",
    "ios_app_name",
    "ios_app_version",
    "ios_device",
    "ios_os_version",
    "ios_sdk_version",
    "ios_last_seen_at",
)


def version_at_least(version: str, wanted: tuple[int, int]) -> bool:
    major, minor = (int(part) for part in version.split("."))
    return (major, minor) >= wanted


def contact_json(contact: Contact, workspace_id: str, version: str) -> dict[str, Any]:
    owner: Any = contact.owner_id
    if owner is not None and version_at_least(version, (2, 16)):
        owner = str(owner)
    url = f"/contacts/{contact.id}"
    body: dict[str, Any] = {
        "type": "contact",
        "id": contact.id,
        "workspace_id": workspace_id,
        "external_id": contact.external_id,
        "role": contact.role,
        # The description types email as a plain string; a contact without one is
        # answered with an empty string rather than null.
        "email": contact.email or "",
        "email_domain": contact.email.partition("@")[2] if contact.email else "",
        "phone": contact.phone,
        "name": contact.name,
        "avatar": None,
        "owner_id": owner,
        "social_profiles": {"type": "list", "data": []},
        "has_hard_bounced": False,
        "marked_email_as_spam": False,
        "unsubscribed_from_emails": contact.unsubscribed_from_emails,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
        "signed_up_at": contact.signed_up_at,
        "last_seen_at": contact.last_seen_at,
        "last_replied_at": None,
        "last_contacted_at": None,
        "last_email_opened_at": None,
        "last_email_clicked_at": None,
        "language_override": contact.language_override,
        "location": {"type": "location", "country": None, "region": None, "city": None},
        "custom_attributes": dict(contact.custom_attributes),
        "tags": {
            "type": "list",
            "data": [
                {"type": "tag", "id": tag_id, "url": f"/tags/{tag_id}"}
                for tag_id in contact.tag_ids
            ],
            "url": f"{url}/tags",
            "total_count": len(contact.tag_ids),
            "has_more": False,
        },
        "notes": {
            "type": "list",
            "data": [],
            "url": f"{url}/notes",
            "total_count": 0,
            "has_more": False,
        },
        "companies": {
            "type": "list",
            "data": [],
            "url": f"{url}/companies",
            "total_count": 0,
            "has_more": False,
        },
        "enabled_push_messaging": bool(contact.push_tokens) or None,
    }
    for name in _PLATFORM_FIELDS:
        body[name] = contact.platform_fields.get(name)
    return body


def contact_reference(contact: Contact) -> dict[str, Any]:
    return {"type": "contact", "id": contact.id, "external_id": contact.external_id}


def tag_json(tag: Tag, applied: tuple[int, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "tag", "id": tag.id, "name": tag.name}
    if applied is not None:
        at, admin_id = applied
        body["applied_at"] = at
        body["applied_by"] = {"type": "admin", "id": admin_id}
    return body


def data_attribute_json(attribute: DataAttribute, admin_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "data_attribute",
        "id": attribute.id,
        "model": attribute.model,
        "name": attribute.name,
        "full_name": attribute.full_name,
        "label": attribute.label,
        "description": attribute.description,
        "data_type": (
            "string" if attribute.data_type == "options" else attribute.data_type
        ),
        "api_writable": attribute.api_writable,
        "messenger_writable": attribute.messenger_writable,
        "ui_writable": True,
        "custom": attribute.custom,
        "archived": attribute.archived,
        "created_at": attribute.created_at,
        "updated_at": attribute.updated_at,
    }
    if attribute.data_type == "datetime":
        body["data_type"] = "date"
    if attribute.options:
        body["options"] = list(attribute.options)
    if attribute.custom:
        body["admin_id"] = admin_id
    return body


def conversation_json(
    conversation: Conversation,
    state: WorkspaceState,
    *,
    with_parts: bool,
    version: str = "2.14",
) -> dict[str, Any]:
    later = version_at_least(version, (2, 16))
    contact = state.contacts[conversation.contact_id]
    author: dict[str, Any] = {
        "type": contact.role,
        "id": contact.id,
        "name": contact.name,
    }
    # An author's email must be an email address, which the empty string is not; 2.14
    # does not let it be null either, so there an author without one has no key.
    if contact.email or later:
        author["email"] = contact.email or None
    body: dict[str, Any] = {
        "type": "conversation",
        "id": conversation.id,
        "title": None,
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
        "waiting_since": conversation.created_at,
        "snoozed_until": None,
        "open": conversation.state == "open",
        "state": conversation.state,
        "read": conversation.read,
        "priority": "none" if later else "not_priority",
        # 2.16 answers 0 for no assignee, where 2.14 answers null
        "admin_assignee_id": 0 if later else None,
        "team_assignee_id": 0 if later else None,
        "tags": {
            "type": "tag.list",
            "tags": [
                tag_json(state.tags[tag_id], conversation.tag_applied.get(tag_id))
                for tag_id in conversation.tag_ids
            ],
        },
        "source": {
            "type": "conversation",
            "id": conversation.message_id,
            "delivered_as": "customer_initiated",
            "subject": "",
            "body": conversation.body,
            "author": author,
            "attachments": [],
            "url": None,
            "redacted": False,
        },
        "contacts": {"type": "contact.list", "contacts": [contact_reference(contact)]},
        "teammates": {"type": "admin.list", "teammates": []},
        "custom_attributes": dict(conversation.custom_attributes),
        "first_contact_reply": {
            "created_at": conversation.created_at,
            "type": "conversation",
            "url": None,
        },
        "linked_objects": {
            "type": "list",
            "total_count": 0,
            "has_more": False,
            "data": [],
        },
        "ai_agent_participated": False,
    }
    if with_parts:
        body["conversation_parts"] = {
            "type": "conversation_part.list",
            "conversation_parts": [
                {
                    "type": "conversation_part",
                    "id": part.id,
                    "part_type": part.part_type,
                    "body": part.body,
                    "created_at": part.created_at,
                    "updated_at": part.created_at,
                    "notified_at": part.created_at,
                    # `assigned_to` is left out: the description's reference schema is
                    # not nullable (a `nullable` beside a $ref has no effect in OAS 3.0)
                    "author": {
                        "type": part.author_type,
                        "id": part.author_id,
                        "name": None,
                    },
                    "attachments": [],
                    "external_id": None,
                    "redacted": False,
                }
                for part in conversation.parts
            ],
            "total_count": len(conversation.parts),
        }
    return body


def admin_json(
    admin_id: str,
    name: str,
    email: str,
    app_id: str,
    app_name: str,
    region: str,
    created_at: int,
    identity_verification: bool,
) -> dict[str, Any]:
    return {
        "type": "admin",
        "id": admin_id,
        "name": name,
        "email": email,
        "job_title": "",
        "away_mode_enabled": False,
        "away_mode_reassign": False,
        "has_inbox_seat": True,
        "team_ids": [],
        "avatar": {"type": "avatar", "image_url": None},
        "email_verified": True,
        "app": {
            "type": "app",
            "id_code": app_id,
            "name": app_name,
            "region": {"us": "US", "eu": "Europe", "au": "Australia"}[region],
            "timezone": "UTC",
            "created_at": created_at,
            "identity_verification": identity_verification,
        },
    }
