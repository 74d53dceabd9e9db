"""The Mutation type, generated from the model: create, update, delete, connect and
disconnect for every writable type, and the demand workflow."""
from __future__ import annotations

import enum
from typing import Any, Optional

import strawberry
from strawberry.types import Info

from graph.model import TYPES, WRITABLE_TYPES, NodeType, is_managed
from resolvers.demands import assign_demand, raise_demand, resolve_demand
from resolvers.selection import SelectionReader
from resolvers.writes import change_links, create_node, delete_node, update_node
from schema.escalation import escalation_fields
from schema.inputs import value_type
from schema.matching import plan_action_project_fields
from schema.types import GeneratedTypes
from schema.undo import undo_fields


@strawberry.type(description="What a delete removed.")
class DeleteResult:
    uid: str
    deleted: bool
    relationshipsDeleted: int


def _args(info: Info) -> dict[str, Any]:
    """Arguments as plain data, with only the fields the client gave (null kept as None)."""
    reader = SelectionReader(info)
    return reader.root(info).args


def _input_class(name: str, annotations: dict[str, Any], description: str) -> type:
    namespace = {key: strawberry.UNSET for key in annotations}
    return strawberry.input(type(name, (), {"__annotations__": annotations, **namespace}), description=description)


def create_input(t: NodeType, name: str | None = None) -> type:
    ann: dict[str, Any] = {}
    for prop in t.stored_props:
        if prop.managed:
            continue
        python_type = value_type(prop)
        ann[prop.name] = python_type if prop.required and prop.name != "source" else Optional[python_type]
    for rel in t.rels:
        if not is_managed(t, rel):
            ann[rel.name] = Optional[list[str]] if rel.many else Optional[str]
    if t.name == "Demand":
        ann["community"] = str  # a demand is always raised somewhere
    return _input_class(name or f"{t.name}CreateInput", ann,
                        f"A new {t.name}; relationship fields take the uids of the nodes to link. "
                        "source defaults to IMPORTED.")


def update_input(t: NodeType) -> type:
    ann = {p.name: Optional[value_type(p)] for p in t.stored_props if not p.managed and p.name != "uid"}
    return _input_class(f"{t.name}UpdateInput", ann,
                        f"Fields of a {t.name} to change; null removes an optional field.")


def relationship_enum(t: NodeType) -> type:
    names = [r.name for r in t.rels if not is_managed(t, r)]
    return strawberry.enum(enum.Enum(f"{t.name}Relationship", {n: n for n in names}),
                           description=f"Relationships of {t.name} that connect/disconnect can change.")


def _fields_for(types: GeneratedTypes, t: NodeType) -> dict[str, Any]:
    node = types.objects[t.name]
    create_in, update_in, rel_enum = create_input(t), update_input(t), relationship_enum(t)

    async def create(info: Info, input: Any) -> Any:
        return await create_node(info, t, _args(info)["input"])

    async def update(info: Info, uid: str, input: Any) -> Any:
        return await update_node(info, t, uid, _args(info)["input"])

    async def delete(info: Info, uid: str) -> DeleteResult:
        return DeleteResult(**await delete_node(info, t, uid))

    async def connect(info: Info, uid: str, relationship: Any, targets: list[str]) -> Any:
        return await change_links(info, t, uid, _args(info)["relationship"], targets, adding=True)

    async def disconnect(info: Info, uid: str, relationship: Any, targets: list[str]) -> Any:
        return await change_links(info, t, uid, _args(info)["relationship"], targets, adding=False)

    create.__annotations__.update(input=create_in, info=Info, uid=str, **{"return": node})
    update.__annotations__.update(input=update_in, info=Info, uid=str, **{"return": node})
    connect.__annotations__.update(relationship=rel_enum, info=Info, uid=str, targets=list[str], **{"return": node})
    disconnect.__annotations__.update(relationship=rel_enum, info=Info, uid=str, targets=list[str], **{"return": node})
    fields = {
        f"update{t.name}": strawberry.field(resolver=update, description=f"Change fields of a {t.name}."),
        f"delete{t.name}": strawberry.field(resolver=delete, description=f"Delete a {t.name} and its relationships."),
        f"connect{t.name}": strawberry.field(
            resolver=connect, description=f"Link a {t.name} to nodes by uid; a single-valued link is replaced."),
        f"disconnect{t.name}": strawberry.field(resolver=disconnect, description=f"Unlink a {t.name} from nodes by uid."),
    }
    if t.name != "Demand":  # demands are created by raiseDemand
        fields[f"create{t.name}"] = strawberry.field(resolver=create, description=f"Create a {t.name}.")
    return fields


def _demand_workflow(types: GeneratedTypes) -> dict[str, Any]:
    demand = types.objects["Demand"]
    raise_in = create_input(TYPES["Demand"], "RaiseDemandInput")

    async def raise_(info: Info, input: Any) -> Any:
        return await raise_demand(info, _args(info)["input"])

    async def assign(info: Info, uid: str, organisation: Optional[str] = None,
                     department: Optional[str] = None) -> Any:
        return await assign_demand(info, uid, organisation, department)

    async def resolve(info: Info, uid: str, organisation: Optional[str] = None,
                      department: Optional[str] = None) -> Any:
        return await resolve_demand(info, uid, organisation, department)

    raise_.__annotations__.update(input=raise_in, info=Info, **{"return": demand})
    assign.__annotations__["return"] = demand
    resolve.__annotations__["return"] = demand
    return {
        "raiseDemand": strawberry.field(resolver=raise_, description="Record a demand raised in a community: RAISED."),
        "assignDemand": strawberry.field(
            resolver=assign, description="RAISED → ASSIGNED, to one organisation or department."),
        "resolveDemand": strawberry.field(
            resolver=resolve, description="ASSIGNED → RESOLVED, by one organisation or department."),
    }


def build_mutation_type(types: GeneratedTypes) -> type:
    namespace: dict[str, Any] = {}
    for t in WRITABLE_TYPES:
        namespace.update(_fields_for(types, t))
    namespace.update(_demand_workflow(types))
    namespace.update(escalation_fields(types))
    namespace.update(plan_action_project_fields(types))
    namespace.update(undo_fields(types))
    return strawberry.type(type("Mutation", (), dict(sorted(namespace.items()))))
