"""The undo mutations: undoAuditEntry(id) and undoImport(batchId), and what they return
(resolvers/undo.py does the work)."""
from __future__ import annotations

from typing import Any, Optional

import strawberry
from strawberry.types import Info

from graph.model import AUDIT_ENTRY
from resolvers.ids import to_global_id
from resolvers.read import resolve_node
from resolvers.undo import UndoOutcome, undo_audit_entry, undo_import
from schema.types import GeneratedTypes, Node


def _result(outcome: UndoOutcome) -> dict[str, Any]:
    return {
        "entryUid": outcome.entry_uid, "undoneUid": outcome.undone_uid, "action": outcome.action,
        "targetType": outcome.target_type, "targetUid": outcome.target_uid, "nodeUid": outcome.node_uid,
        "nodesCreated": outcome.nodes_created, "nodesDeleted": outcome.nodes_deleted,
        "nodesRestored": outcome.nodes_restored, "relationshipsCreated": outcome.relationships_created,
        "relationshipsDeleted": outcome.relationships_deleted,
    }


def undo_result_type(types: GeneratedTypes) -> type:
    audit_entry = types.objects[AUDIT_ENTRY.name]

    async def entry(root: strawberry.Parent[Any], info: Info) -> Any:
        return await resolve_node(info, to_global_id(AUDIT_ENTRY.name, root["entryUid"]))

    async def undone(root: strawberry.Parent[Any], info: Info) -> Any:
        return await resolve_node(info, to_global_id(AUDIT_ENTRY.name, root["undoneUid"]))

    async def node(root: strawberry.Parent[Any], info: Info) -> Optional[Node]:
        if root["nodeUid"] is None:
            return None
        return await resolve_node(info, to_global_id(root["targetType"], root["nodeUid"]))

    entry.__annotations__["return"] = audit_entry
    undone.__annotations__["return"] = audit_entry
    counts = {
        "nodesCreated": "Nodes the undo created again (a deleted node restored).",
        "nodesDeleted": "Nodes the undo deleted (a created or imported node).",
        "nodesRestored": "Nodes whose earlier values the undo put back.",
        "relationshipsCreated": "Relationships the undo made again.",
        "relationshipsDeleted": "Relationships the undo removed.",
    }
    namespace: dict[str, Any] = {
        "__annotations__": {"action": str, "targetType": str, "targetUid": Optional[str], **{k: int for k in counts}},
        "entry": strawberry.field(resolver=entry, description="The undo's own audit entry (action undo), as stored."),
        "undone": strawberry.field(resolver=undone, description="The entry it undid."),
        "action": strawberry.field(description="What the undo did: create, update or delete (of the entry's node), "
                                               "or import (a batch undone)."),
        "targetType": strawberry.field(description="The type written, or Import."),
        "targetUid": strawberry.field(description="The node written; null for an import."),
        "node": strawberry.field(resolver=node, description="The node as stored now; null when the undo deleted "
                                                            "it, and for an import."),
        **{k: strawberry.field(description=d) for k, d in counts.items()},
    }
    return strawberry.type(type("UndoResult", (), namespace), description="What an undo did.")


def undo_fields(types: GeneratedTypes) -> dict[str, Any]:
    result = undo_result_type(types)

    async def undo_entry(info: Info, id: strawberry.ID) -> Any:
        return _result(await undo_audit_entry(info, id))

    async def undo_batch(info: Info, batchId: str) -> Any:
        return _result(await undo_import(info, batchId))

    undo_entry.__annotations__["return"] = result
    undo_batch.__annotations__["return"] = result
    return {
        "undoAuditEntry": strawberry.field(
            resolver=undo_entry,
            description="Admins: reverse the write an audit entry records (id: its global id, or its uid). "
                        "CONFLICT when later writes conflict or it is undone already; an undo of an undo redoes. "
                        "An import's entry undoes its whole batch."),
        "undoImport": strawberry.field(
            resolver=undo_batch,
            description="Admins: reverse a committed import batch: delete the nodes it created, put back the "
                        "values it overwrote, remove the links it made. CONFLICT when later writes changed them."),
    }
