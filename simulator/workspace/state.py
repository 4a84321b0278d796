"""What one workspace holds: contacts, attribute definitions, conversations and tags.

These are plain records. The rules that guard them live in the handlers; the shapes the
API answers with live in `serialize`. Ids are drawn from per-workspace counters so that
two runs with the same inputs produce the same ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Contact",
    "Conversation",
    "ConversationPart",
    "DataAttribute",
    "Tag",
    "WorkspaceState",
]


# Contact fields the identity index follows
_INDEXED = frozenset({"external_id", "email", "merged_into"})


class ContactIndex:
    """Contacts by external_id and by email (both case-folded), for O(1) lookups.

    Contacts keep it current themselves: assigning an indexed field re-files the
    contact, so no handler can forget to.
    """

    def __init__(self) -> None:
        self.by_external_id: dict[str, dict[str, Contact]] = {}
        self.by_email: dict[str, dict[str, Contact]] = {}

    def link(self, contact: Contact) -> None:
        if contact.merged_into is not None:
            return
        if contact.external_id is not None:
            key = contact.external_id.casefold()
            self.by_external_id.setdefault(key, {})[contact.id] = contact
        if contact.email is not None:
            self.by_email.setdefault(contact.email.casefold(), {})[contact.id] = contact

    def unlink(self, contact: Contact) -> None:
        for table, value in (
            (self.by_external_id, contact.external_id),
            (self.by_email, contact.email),
        ):
            if value is not None:
                bucket = table.get(value.casefold())
                if bucket is not None:
                    bucket.pop(contact.id, None)
                    if not bucket:
                        del table[value.casefold()]


@dataclass(slots=True)
class Contact:
    id: str
    seq: int
    role: str
    created_at: int
    updated_at: int
    external_id: str | None = None
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    avatar: str | None = None
    language_override: str | None = None
    owner_id: int | None = None
    signed_up_at: int | None = None
    last_seen_at: int | None = None
    unsubscribed_from_emails: bool = False
    custom_attributes: dict[str, Any] = field(default_factory=dict)
    tag_ids: list[str] = field(default_factory=list)
    # platform fields the Messenger fills in (ios_last_seen_at, android_device, ...)
    platform_fields: dict[str, Any] = field(default_factory=dict)
    archived: bool = False
    merged_into: str | None = None
    # the anonymous ids of the devices whose activity this contact holds
    anonymous_ids: list[str] = field(default_factory=list)
    push_tokens: list[str] = field(default_factory=list)
    # search sees a contact only once the index has caught up with it
    searchable_at: int = 0
    index: ContactIndex | None = field(default=None, repr=False, compare=False)

    def __setattr__(self, name: str, value: Any) -> None:
        index = getattr(self, "index", None) if name in _INDEXED else None
        if index is not None:
            index.unlink(self)
        object.__setattr__(self, name, value)
        if index is not None:
            index.link(self)


@dataclass(slots=True)
class ConversationPart:
    id: str
    part_type: str
    body: str | None
    created_at: int
    author_type: str
    author_id: str


@dataclass(slots=True)
class Conversation:
    id: str
    seq: int
    contact_id: str
    created_at: int
    updated_at: int
    body: str
    message_id: str
    state: str = "open"
    read: bool = False
    tag_ids: list[str] = field(default_factory=list)
    tag_applied: dict[str, tuple[int, str]] = field(default_factory=dict)
    custom_attributes: dict[str, Any] = field(default_factory=dict)
    parts: list[ConversationPart] = field(default_factory=list)
    # how the conversation was started: "rest" or a Messenger platform
    channel: str = "rest"
    # whether the Messenger request that started it carried a valid hash or JWT
    identity_verified: bool = False


@dataclass(slots=True)
class DataAttribute:
    id: int
    name: str
    data_type: str
    created_at: int
    updated_at: int
    model: str = "contact"
    description: str = ""
    options: list[str] = field(default_factory=list)
    messenger_writable: bool = True
    archived: bool = False
    custom: bool = True
    api_writable: bool = True
    label: str = ""

    @property
    def full_name(self) -> str:
        return f"custom_attributes.{self.name}" if self.custom else self.name


@dataclass(slots=True)
class Tag:
    id: str
    name: str


@dataclass
class WorkspaceState:
    """Every record of one workspace, and the counters its ids come from."""

    seed: str
    contacts: dict[str, Contact] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    attributes: dict[str, DataAttribute] = field(default_factory=dict)
    tags: dict[str, Tag] = field(default_factory=dict)
    # anonymous id of a device -> the contact that holds its activity
    anonymous: dict[str, str] = field(default_factory=dict)
    # push token -> the contact it delivers to
    push_tokens: dict[str, str] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    index: ContactIndex = field(default_factory=ContactIndex)

    def add_contact(self, contact: Contact) -> None:
        self.contacts[contact.id] = contact
        contact.index = self.index
        self.index.link(contact)

    def discard_contact(self, contact: Contact) -> None:
        self.index.unlink(contact)
        contact.index = None
        del self.contacts[contact.id]

    def next_seq(self, kind: str) -> int:
        value = self.counters.get(kind, 0) + 1
        self.counters[kind] = value
        return value

    def new_contact_id(self) -> tuple[str, int]:
        seq = self.next_seq("contact")
        # 24 hex digits, the shape of the real service's contact ids
        digest = hashlib.sha256(f"{self.seed}:contact:{seq}".encode()).hexdigest()
        return digest[:24], seq

    def new_numeric_id(self, kind: str, base: int) -> str:
        return str(base + self.next_seq(kind))

    def live_contacts(self) -> list[Contact]:
        """Contacts that are neither merged away nor archived, in creation order."""
        return [
            c
            for c in self.contacts.values()
            if c.merged_into is None and not c.archived
        ]

    def users_with_external_id(self, external_id: str) -> list[Contact]:
        bucket = self.index.by_external_id.get(external_id.casefold(), {})
        return sorted(
            (
                c
                for c in bucket.values()
                if c.role == "user" and c.external_id == external_id
            ),
            key=lambda c: c.seq,
        )

    def users_with_email(self, email: str) -> list[Contact]:
        bucket = self.index.by_email.get(email.casefold(), {})
        return sorted(
            (c for c in bucket.values() if c.role == "user"), key=lambda c: c.seq
        )

    def contacts_with(self, field_name: str, value: str) -> list[Contact]:
        """Live contacts whose external_id or email equals `value`, ignoring case."""
        table = (
            self.index.by_external_id
            if field_name == "external_id"
            else self.index.by_email
        )
        bucket = table.get(value.casefold(), {})
        return sorted(
            (c for c in bucket.values() if not c.archived), key=lambda c: c.seq
        )
