"""The Query type and the Strawberry schema with its guards."""
from __future__ import annotations

import logging
import uuid
from functools import partial
from typing import Any, Optional

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError, VariableDefinitionNode
from strawberry.extensions import (
    AddValidationRules, DisableIntrospection, MaxTokensLimiter, ParserCache, SchemaExtension, ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

import i18n
from i18n import Message
from graph.errors import DatabaseUnavailable
from graph import limits
from graph.model import NODE_TYPES, NodeType
from resolvers.errors import coded
from resolvers.plans import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from resolvers.read import resolve_connection, resolve_node
from schema.access import AnonymousWrites
from schema.execution import ShapedExecutionContext
from schema.cost import CostGuard
from schema.labels import LANGUAGE_SCALAR, Language
from schema.guards import TextGuard
from schema.operation_shape import OperationShapeRule
from schema.escalation import EscalationQuery
from schema.matching import matching_fields
from schema.mutations import build_mutation_type
from schema.research import ResearchQuery
from schema.review import ReviewQuery
from schema.statistics import StatisticsQuery, statistics_fields
from schema.types import GeneratedTypes, Node, lookup
from schema.visits import visit_fields



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
    namespace.update(visit_fields(types.wheres["Visit"]))
    namespace.update(matching_fields(types.wheres["Demand"]))
    return strawberry.type(type("Query", (ResearchQuery, StatisticsQuery, ReviewQuery, EscalationQuery), namespace))


class CypherInExtensions(SchemaExtension):
    """In development mode, each response's `extensions` shows the Cypher that ran."""

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        log = context.get("query_log") if isinstance(context, dict) else None
        if log is None:
            return {}
        return {"cypher": log.entries}


# Built once, not per request: the validation cache is keyed by the rule classes. Depth, alias
# and field-count limits in time linear in the document (schema/operation_shape.py).
GUARD_RULES = [OperationShapeRule]

LOG = logging.getLogger("dangjian")

# Codes for errors raised without one. Our own errors carry theirs (resolvers/errors.py:
# BAD_USER_INPUT, NOT_FOUND, CONFLICT, TIMEOUT); the HTTP layer adds BAD_REQUEST (web/).
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"  # also a variable value graphql-core cannot coerce
INTERNAL = "INTERNAL_SERVER_ERROR"
INTERNAL_MESSAGE = "Internal server error"
# The extension every answered error carries: its message in English, whatever the language the
# client asked for (Accept-Language), so programs can match on a stable text.
MESSAGE_EN = "messageEn"
# The database could not be reached (graph/errors.py DatabaseUnavailable, from any backend, read
# or write); its message names no socket or host. HTTP 503 (web/graphql_http.py).
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
# Logged where they happen, with more to say (resolvers/read.py logs the statement a timeout stopped;
# the backend logs an outage once, not per request).
LOGGED_ELSEWHERE = {"TIMEOUT", SERVICE_UNAVAILABLE}


def error_code(error: GraphQLError, executed: bool) -> str:
    """The code an error is answered with: its own if it was raised with one
    (resolvers/errors.py), else what stage made it. `executed`: graphql-core's execute ran."""
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    if isinstance(error, GraphQLSyntaxError):
        return PARSE_FAILED  # also the token and nesting limits, which the parser enforces
    original = error.original_error
    if isinstance(original, DatabaseUnavailable):
        return SERVICE_UNAVAILABLE
    raised = original is not None and not isinstance(original, GraphQLError)  # a Python exception
    if executed and error.path is None and (error.nodes or not raised):
        # Before the first field: graphql-core refused the variables (at a variable's definition,
        # or past its limits: nesting, error count).
        return BAD_USER_INPUT
    if not executed and raised and error.nodes and isinstance(original, (ValueError, TypeError)):
        # Validation coerces a literal with its scalar's parse_literal (schema/labels.py Language),
        # whose refusal is a ValueError: the client's literal, not our fault.
        return VALIDATION_FAILED
    if raised:
        return INTERNAL  # a bug, or the database failing
    if not executed:
        return VALIDATION_FAILED
    return INTERNAL  # graphql-core's own field errors (a null for a non-null field): the server's fault


def one_line(text: str, limit: int = 300) -> str:
    """`text` for a log line: control characters and lone surrogates escaped, cut at `limit`."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[:limit] + "…"


def report_internal(message: str, exception: BaseException | None, where: str = "") -> str:
    """Log an unexpected failure with its traceback at ERROR; returns the id the client is given."""
    error_id = uuid.uuid4().hex
    exc_info = (type(exception), exception, exception.__traceback__) if exception is not None else None
    LOG.error("internal error %s%s: %s", error_id, f" at {where}" if where else "", message, exc_info=exc_info)
    return error_id


def internal_error_extensions(error_id: str) -> dict[str, str]:
    return {"code": INTERNAL, "errorId": error_id}


class DangjianSchema(strawberry.Schema):
    # Dev mode (`serve --dev`): internal errors keep their own message; otherwise the client sees
    # INTERNAL_MESSAGE and an errorId, and only the log has the text (exception, engine message, paths).
    show_internal_errors = False

    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """Give each error its code, log it, mask internal ones, and say the others in the
        request's language (Accept-Language; English without one), English in `messageEn`.

        Strawberry calls this with every error of every stage (parse, validation, variables,
        execution; cached parse failures included, which no extension sees), and `errors` is the
        list the response is built from, so errors are replaced in place. A client's mistake is
        one INFO line; an internal error a traceback at ERROR under the errorId the client gets.
        """
        executed = execution_context is not None and execution_context.result is not None
        lang = self.language(execution_context)
        for index, error in enumerate(errors):
            code = error_code(error, executed)
            where = ".".join(map(str, error.path or []))
            if code == INTERNAL:
                error_id = report_internal(error.message, error.original_error, where)
                errors[index] = GraphQLError(
                    error.message if self.show_internal_errors else INTERNAL_MESSAGE,
                    nodes=error.nodes, source=error.source, positions=error.positions, path=error.path,
                    extensions=internal_error_extensions(error_id))
                continue
            if code not in LOGGED_ELSEWHERE:  # logged in English, whatever the client reads
                LOG.info("client error %s%s: %s", code, f" at {where}" if where else "", one_line(error.message))
            if (error.extensions or {}).get("code") != code:
                error.extensions = {**(error.extensions or {}), "code": code}
                if isinstance((error.nodes or [None])[0], VariableDefinitionNode):  # name the variable
                    error.extensions["field"] = "$" + error.nodes[0].variable.name.value
            say_in_language(error, lang)

    @staticmethod
    def language(execution_context: Any) -> str:
        """The language a request's errors are said in: its Accept-Language (i18n.negotiate), and
        English without one (or with none we speak), so a program that sends no header keeps
        matching the stable English text."""
        context = getattr(execution_context, "context", None)
        request = context.get("request") if isinstance(context, dict) else None
        headers = getattr(request, "headers", None)
        return i18n.error_language(headers.get("accept-language") if headers is not None else None)


def say_in_language(error: GraphQLError, lang: str) -> None:
    """An answered (not internal) error in `lang`, its English in `extensions.messageEn`. Ours
    (resolvers/errors.py CodedError) are translated from the catalogue; graphql-core's own
    (parse, validation, variable coercion) keep their English text, after a Chinese lead in zh-CN."""
    found = coded(error)  # a CodedError is said afresh: the same error may pass here twice
    english = found.say("en") if found is not None else (error.extensions or {}).get(MESSAGE_EN, error.message)
    if found is not None:
        error.message = found.say(lang)
    elif lang != "en" and (error.extensions or {}).get("code") in GRAPHQL_CORE_LEADS:
        # graphql-core's own text has no msgid: a Chinese reader gets a lead saying what kind of
        # mistake it is, then the English detail
        said = GRAPHQL_CORE_LEADS[error.extensions["code"]](english)
        error.message = said.say(lang) if said is not None else english
    error.extensions = {**(error.extensions or {}), MESSAGE_EN: english}


# What graphql-core found wrong, for the errors it words itself (parse, validation, variables).
GRAPHQL_CORE_LEADS = {
    PARSE_FAILED: lambda detail: Message("the document could not be parsed: {detail}", detail=detail),
    VALIDATION_FAILED: lambda detail: Message("the document is not valid against the schema: {detail}",
                                              detail=detail),
    BAD_USER_INPUT: lambda detail: Message("bad input: {detail}", detail=detail),
    # graph/errors.py DatabaseUnavailable.MESSAGE, the one text that error ever has
    SERVICE_UNAVAILABLE: lambda detail: Message("the database is unavailable; try again shortly")
    if detail == DatabaseUnavailable.MESSAGE else None,
}


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


def build_schema(dev_mode: bool = False, introspection: bool = True) -> strawberry.Schema:
    """The schema with its guards. `introspection` False refuses `__schema` and `__type`
    (GRAPHQL_VALIDATION_FAILED), as production does unless DANGJIAN_INTROSPECTION=1."""
    types = GeneratedTypes()
    extensions: list[Any] = [
        partial(AddValidationRules, GUARD_RULES),
        TextGuard,
        AnonymousWrites,  # before the cost: an anonymous write is refused whatever it costs
        CostGuard,
        partial(MaxTokensLimiter, max_token_count=limits.MAX_TOKENS),
        # Frontends send the same documents again and again: parse and validate each once.
        partial(ParserCache, maxsize=512),
        partial(ValidationCache, maxsize=512),
    ]
    if not introspection:
        extensions.insert(1, DisableIntrospection)
    if dev_mode:
        extensions.append(CypherInExtensions)
    schema = DangjianSchema(
        query=build_query_type(types),
        mutation=build_mutation_type(types),
        types=list(types.objects.values()),
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=False, default_resolver=lookup,
                                scalar_map={Language: LANGUAGE_SCALAR}),
        execution_context_class=ShapedExecutionContext,
    )
    schema.show_internal_errors = dev_mode
    _resolve_with_coerced_arguments(schema)
    return schema
