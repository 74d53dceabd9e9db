"""The Query type and the Strawberry schema with its guards."""
from __future__ import annotations

from functools import partial
from typing import Any, Optional

import strawberry
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, SchemaExtension, ValidationCache
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from graph.model import NODE_TYPES, NodeType
from resolvers.plans import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from resolvers.read import resolve_connection, resolve_node
from schema.execution import ShapedExecutionContext
from schema.guards import TextGuard
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
        description=f"{node_type.description} Paged with first (at most {MAX_PAGE_SIZE}, default {DEFAULT_PAGE_SIZE}) and after.",
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


# Built once, not per request: the validation cache is keyed by the rule classes, and
# strawberry's limiter extensions make new classes per instance, defeating the cache.
GUARD_RULES = [depth_rule(MAX_DEPTH, None, None), aliases_rule(30)]

# Answered to the client, not logged with a traceback (a timeout is logged as one line).
USER_ERROR_CODES = {"BAD_USER_INPUT", "NOT_FOUND", "CONFLICT", "TIMEOUT"}


class DangjianSchema(strawberry.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        # The client's own mistakes are answered, not logged with a traceback.
        unexpected = [e for e in errors if (e.extensions or {}).get("code") not in USER_ERROR_CODES
                      and e.original_error is not None]
        super().process_errors(unexpected, execution_context)


def _resolve_with_coerced_arguments(schema: strawberry.Schema) -> None:
    """Root connections take graphql-core's coerced arguments directly.

    Strawberry would first turn every `where` into input objects that the planner never
    reads (bench/run.py: translation 0.74 → 0.29 ms). Below the root, resolvers return
    whole shaped subtrees (resolvers/shaping.py), so field resolvers do not run at all.
    """
    query_type = schema._schema.query_type
    for node_type in NODE_TYPES:
        async def resolve(root: Any, info: Any, _node_type: NodeType = node_type, **args: Any) -> Any:
            return await resolve_connection(info, _node_type, args)

        query_type.fields[node_type.plural].resolve = resolve


def build_schema(dev_mode: bool = False) -> strawberry.Schema:
    types = GeneratedTypes()
    extensions: list[Any] = [
        partial(AddValidationRules, GUARD_RULES),
        TextGuard,
        partial(MaxTokensLimiter, max_token_count=5000),
        # Frontends send the same documents again and again: parse and validate each once.
        partial(ParserCache, maxsize=512),
        partial(ValidationCache, maxsize=512),
    ]
    if dev_mode:
        extensions.append(CypherInExtensions)
    schema = DangjianSchema(
        query=build_query_type(types),
        mutation=build_mutation_type(types),
        types=list(types.objects.values()),
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=False, default_resolver=lookup),
        execution_context_class=ShapedExecutionContext,
    )
    _resolve_with_coerced_arguments(schema)
    return schema
