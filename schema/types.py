"""Object, input and connection types, generated from the graph model.

Per node type T this makes: T, TWhere, TListFilter (some/all/none/single), TSort
(one field per entry), TEdge and TConnection. Reads and mutations return subtrees that
resolvers/shaping.py already shaped, so these field resolvers (reading the projected
dicts by name) are only a fallback; the types matter for the schema they declare.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

import strawberry
from strawberry.types import Info

from graph.model import NODE_TYPES, NodeType, Prop, Rel
from graph.plan import REL_KEY_PREFIX
from resolvers.ids import to_global_id
from schema.inputs import SortDirection, filter_input, value_type


def lookup(obj: Any, name: str) -> Any:
    """The default resolver: projected results are dicts keyed by field name."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID

    @classmethod
    def resolve_type(cls, obj: Any, info: Any, abstract_type: Any) -> str:
        return obj["__typename"]


@strawberry.type(description="Relay page information.")
class PageInfo:
    hasNextPage: bool
    hasPreviousPage: bool
    startCursor: Optional[str]
    endCursor: Optional[str]


def _is_type_of(obj: Any, info: Any) -> bool:
    # Values are dicts shaped by the query plan for the field's declared type.
    return True


def _new_class(name: str, annotations: dict[str, Any], namespace: dict[str, Any] | None = None,
               bases: tuple[type, ...] = ()) -> type:
    return type(name, bases, {"__annotations__": annotations, **(namespace or {})})


class GeneratedTypes:
    """All generated classes, by GraphQL name."""

    def __init__(self) -> None:
        self.objects: dict[str, type] = {}
        self.wheres: dict[str, type] = {}
        self.list_filters: dict[str, type] = {}
        self.sorts: dict[str, type] = {}
        self.connections: dict[str, type] = {}
        self._build()

    def _build(self) -> None:
        # Every class exists before any annotation refers to it; decorating comes last.
        for t in NODE_TYPES:
            self.objects[t.name] = _new_class(t.name, {}, bases=(Node,))
            self.wheres[t.name] = _new_class(f"{t.name}Where", {})
            self.list_filters[t.name] = _new_class(f"{t.name}ListFilter", {})
            self.sorts[t.name] = _new_class(f"{t.name}Sort", {})
        for t in NODE_TYPES:
            self._fill_where(t)
            self._fill_list_filter(t)
            self._fill_sort(t)
        for t in NODE_TYPES:
            strawberry.input(self.wheres[t.name], description=f"Filters on {t.name}; all given fields must hold.")
            strawberry.input(self.list_filters[t.name],
                             description=f"Quantifiers over a list of related {t.name} nodes.")
            strawberry.input(self.sorts[t.name], one_of=True,
                             description=f"One sort key of {t.name}: exactly one field per entry.")
        for t in NODE_TYPES:
            self._fill_object(t)
        for t in NODE_TYPES:
            strawberry.type(self.objects[t.name], description=t.description)
            self.connections[t.name] = self._connection(t)

    def _fill_where(self, t: NodeType) -> None:
        cls = self.wheres[t.name]
        ann: dict[str, Any] = {}
        for prop in t.all_props:
            ann[prop.name] = Optional[filter_input(prop)]
        for rel in t.rels:
            ann[rel.name] = Optional[self.list_filters[rel.target] if rel.many else self.wheres[rel.target]]
        ann.update({"AND": Optional[list[cls]], "OR": Optional[list[cls]], "NOT": Optional[cls]})
        cls.__annotations__ = ann
        for key in ann:
            setattr(cls, key, strawberry.UNSET)

    def _fill_list_filter(self, t: NodeType) -> None:
        cls = self.list_filters[t.name]
        cls.__annotations__ = {q: Optional[self.wheres[t.name]] for q in ("some", "all", "none", "single")}
        for key in cls.__annotations__:
            setattr(cls, key, strawberry.UNSET)

    def _fill_sort(self, t: NodeType) -> None:
        cls = self.sorts[t.name]
        cls.__annotations__ = {p.name: Optional[SortDirection] for p in sortable_props(t)}
        for key in cls.__annotations__:
            setattr(cls, key, strawberry.UNSET)

    def _fill_object(self, t: NodeType) -> None:
        cls = self.objects[t.name]
        ann: dict[str, Any] = {}
        for prop in t.all_props:
            python_type = value_type(prop)
            ann[prop.name] = python_type if prop.required else Optional[python_type]
            if prop.description:
                setattr(cls, prop.name, strawberry.field(description=prop.description))
        cls.__annotations__ = ann
        cls.id = strawberry.field(resolver=_id_resolver(t.name), description="Global id, for `node(id:)`.")
        for rel in t.rels:
            setattr(cls, rel.name, self._rel_field(rel))
        cls.is_type_of = classmethod(lambda c, obj, info: True)

    def _rel_field(self, rel: Rel) -> Any:
        target = self.objects[rel.target]
        if rel.many:
            def resolve(root: Any, info: Info, where=None, sort=None, first=None) -> Any:
                return root.get(REL_KEY_PREFIX + info.path.key)

            resolve.__annotations__ = {
                "root": strawberry.Parent[Any], "info": Info,
                "where": Optional[self.wheres[rel.target]],
                "sort": Optional[list[self.sorts[rel.target]]],
                "first": Optional[int],
                "return": list[target],
            }
        else:
            def resolve(root: Any, info: Info) -> Any:
                return root.get(REL_KEY_PREFIX + info.path.key)

            resolve.__annotations__ = {"root": strawberry.Parent[Any], "info": Info, "return": Optional[target]}
        return strawberry.field(resolver=resolve, description=rel.description or None)

    def _connection(self, t: NodeType) -> type:
        node = self.objects[t.name]
        edge = strawberry.type(_new_class(f"{t.name}Edge", {"cursor": str, "node": node}),
                               description=f"A {t.name} and its cursor.")
        return strawberry.type(
            _new_class(f"{t.name}Connection", {
                "totalCount": int, "pageInfo": PageInfo, "edges": list[edge], "nodes": list[node],
            }),
            description=f"A page of {t.name} nodes.",
        )


def sortable_props(t: NodeType) -> tuple[Prop, ...]:
    return tuple(p for p in t.all_props if p.pattern is None and not p.many)


def _id_resolver(type_name: str):
    def resolve(root: strawberry.Parent[Any]) -> strawberry.ID:
        return strawberry.ID(to_global_id(type_name, root["uid"]))

    return resolve
