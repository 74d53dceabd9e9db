"""The Query type and the Strawberry schema with its guards."""
from __future__ import annotations

from functools import partial
from typing import Any, Optional

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from graph.model import NODE_TYPES, NodeType
from resolvers.read import resolve_connection, resolve_node
from schema.mutations import build_mutation_type
from schema.research import ResearchQuery
from schema.statistics import StatisticsQuery, statistics_fields
from schema.types import GeneratedTypes, Node, lookup

MAX_DEPTH = 10


def _root_field(types: GeneratedTypes, node_type: NodeType) -> Any:
    async def resolve(info: Info, where=None, sort=None, first=None, after=None) -> Any:
        return await resolve_connection(info, node_type)

    resolve.__annotations__ = {
        "info": Info,
        "where": Optional[types.wheres[node_type.name]],
        "sort": Optional[list[types.sorts[node_type.name]]],
        "first": Optional[int],
        "after": Optional[str],
        "return": types.connections[node_type.name],
    }
    return strawberry.field(
        resolver=resolve,
        description=f"{node_type.description} Paged with first (at most 500, default 100) and after.",
    )


def build_query_type(types: GeneratedTypes) -> type:
    async def node(info: Info, id: strawberry.ID) -> Optional[Node]:
        return await resolve_node(info, id)

    namespace: dict[str, Any] = {
        t.plural: _root_field(types, t) for t in NODE_TYPES
    }
    namespace["node"] = strawberry.field(resolver=node, description="Any node by its global id.")
    namespace.update(statistics_fields(types.wheres["Zone"], types.wheres["Demand"]))
    return strawberry.type(type("Query", (ResearchQuery, StatisticsQuery), namespace))


class CypherInExtensions(SchemaExtension):
    """In development mode, each response's `extensions` shows the Cypher that ran."""

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        log = context.get("query_log") if isinstance(context, dict) else None
        if log is None:
            return {}
        return {"cypher": log.entries}


USER_ERROR_CODES = {"BAD_USER_INPUT", "NOT_FOUND", "CONFLICT"}


class DangjianSchema(strawberry.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        # The client's own mistakes are answered, not logged with a traceback.
        unexpected = [e for e in errors if (e.extensions or {}).get("code") not in USER_ERROR_CODES
                      and e.original_error is not None]
        super().process_errors(unexpected, execution_context)


def build_schema(dev_mode: bool = False) -> strawberry.Schema:
    types = GeneratedTypes()
    extensions: list[Any] = [
        partial(QueryDepthLimiter, max_depth=MAX_DEPTH),
        partial(MaxAliasesLimiter, max_alias_count=30),
        partial(MaxTokensLimiter, max_token_count=5000),
    ]
    if dev_mode:
        extensions.append(CypherInExtensions)
    return DangjianSchema(
        query=build_query_type(types),
        mutation=build_mutation_type(types),
        types=list(types.objects.values()),
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=False, default_resolver=lookup),
    )
