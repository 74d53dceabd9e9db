"""Who may run an operation at all, before it costs anything: an anonymous reader may not write.

The anonymous reader (graph/grants.py PUBLIC_READER, production with DANGJIAN_PUBLIC_READ=1) gets
reads; a mutation from it is refused before execution with UNAUTHENTICATED, answered as HTTP 401
with `WWW-Authenticate: Bearer` (web/graphql_http.py): signing in is what it needs, not another
role. Everything that depends on the grant's role and towns is graph/authorise.py's.
"""
from __future__ import annotations

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from graph.grants import grant_of

UNAUTHENTICATED = "UNAUTHENTICATED"


class AnonymousWrites(SchemaExtension):
    """Refuses a mutation from an unauthenticated grant other than the open one."""

    def on_execute(self):
        context = self.execution_context
        if context.result is None and context.graphql_document is not None:
            grant = grant_of(context.context)
            if not grant.authenticated and not grant.is_open and _is_mutation(context):
                context.result = ExecutionResult(data=None, errors=[GraphQLError(
                    "writing needs a token: send Authorization: Bearer <token>",
                    extensions={"code": UNAUTHENTICATED})])
        yield


def _is_mutation(context) -> bool:
    try:
        return context.operation_type is OperationType.MUTATION
    except Exception:  # no such operation: graphql-core refuses it with its own error
        return False
