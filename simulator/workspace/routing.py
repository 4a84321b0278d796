"""Routing a conversation as it starts, down the path of the workspace's workflow.

A workspace with a workflow (the config's `workflow`, or a `Workflow` given to the
`Workspace`) evaluates it on the contact as it stands when a conversation starts, at
the clock's now, and writes the chosen path on the conversation twice, as an Intercom
Workflow's branch would leave it for the Inbox and the API:

- the tag `path:<path>` (created if the workspace has no such tag yet), applied by the
  workspace's admin;
- the conversation custom attribute `workflow_path` = `<path>`.

Both read back through the REST API: `GET /conversations/{id}` shows them, and
`POST /conversations/search` finds them by `tag_ids` or
`custom_attributes.workflow_path`. What happens to the contact afterwards (a logout, a
new id) does not move a conversation that has already been routed.
"""

from __future__ import annotations

from ..config import WorkspaceConfig
from ..rules.workflows import Workflow, load_workflow
from .rest import apply_conversation_tag
from .service import Workspace
from .state import Conversation, Tag

__all__ = [
    "PATH_ATTRIBUTE",
    "TAG_PREFIX",
    "WorkflowRouter",
    "configured_workflow",
    "path_tag_name",
]

TAG_PREFIX = "path:"
PATH_ATTRIBUTE = "workflow_path"
# tag ids start here, as `POST /tags` numbers them
_TAG_ID_BASE = 81_000


def path_tag_name(path: str) -> str:
    return f"{TAG_PREFIX}{path}"


def configured_workflow(
    config: WorkspaceConfig, given: Workflow | None = None
) -> Workflow | None:
    """The workflow a workspace routes with: the one given, else the config's."""
    if given is not None:
        return given
    if config.workflow is None:
        return None
    return load_workflow(config.workflow)


class WorkflowRouter:
    """A conversation listener that routes each new conversation down one path."""

    def __init__(self, workflow: Workflow):
        self.workflow = workflow

    def __call__(self, ws: Workspace, conversation: Conversation) -> None:
        contact = ws.state.contacts.get(conversation.contact_id)
        if contact is None:  # not reachable through the API; route nothing
            return
        now = ws.clock.now()
        path = self.workflow.route(contact, now)
        conversation.custom_attributes[PATH_ATTRIBUTE] = path
        tag = _tag_named(ws, path_tag_name(path))
        apply_conversation_tag(conversation, tag, int(now), ws.admin_id)


def _tag_named(ws: Workspace, name: str) -> Tag:
    for tag in ws.state.tags.values():
        if tag.name == name:
            return tag
    # A conversation applied late (a sync delay) is routed with the id counters as
    # they were when it arrived, so an id may have gone to a tag made since.
    tag_id = ws.state.new_numeric_id("tag", _TAG_ID_BASE)
    while tag_id in ws.state.tags:
        tag_id = ws.state.new_numeric_id("tag", _TAG_ID_BASE)
    tag = Tag(id=tag_id, name=name)
    ws.state.tags[tag.id] = tag
    return tag
