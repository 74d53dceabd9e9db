"""Persisted queries: an allow-list of the documents the frontends send, by SHA-256.

The registry is a JSON object `{"<sha256 hex of the document>": "<document>"}`, built by
`dangjian persisted build FILE.graphql… --out registry.json` and named by
DANGJIAN_PERSISTED_QUERIES (read at start-up; an unreadable file, or an entry whose document
does not hash to its key, stops start-up).

A request names a registered document by Apollo's `extensions.persistedQuery` =
`{version: 1, sha256Hash}`, with or without the `query` text (GET and POST alike), or sends a
document whose hash is registered. In production with a registry nothing else runs:

    hash not registered, no query    PERSISTED_QUERY_NOT_FOUND (in any mode: Apollo clients then
                                     send the query with its hash)
    query not registered             PERSISTED_QUERY_NOT_ALLOWED (production with a registry)
    query does not match its hash    BAD_REQUEST

all request errors (no `data`). Outside production, or without a registry, unregistered
documents run as before.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, Mapping

from web.graphql_request import Refused

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_ALLOWED = "PERSISTED_QUERY_NOT_ALLOWED"
SETTING = "DANGJIAN_PERSISTED_QUERIES"
_HASH = re.compile(r"[0-9a-f]{64}")


def document_hash(document: str) -> str:
    """The SHA-256 of a document's UTF-8 text, in hex (as Apollo's persisted-query link sends)."""
    return hashlib.sha256(document.encode("utf-8", "surrogatepass")).hexdigest()


class PersistedQueries:
    """The registry (possibly empty) and whether only its documents may run."""

    def __init__(self, documents: Mapping[str, str] | None = None, enforce: bool = False) -> None:
        self.documents, self.enforce = dict(documents or {}), enforce

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "PersistedQueries":
        """The registry DANGJIAN_PERSISTED_QUERIES names (empty when unset), not yet enforced.
        Raises ValueError naming the setting for a file that cannot be used."""
        env = os.environ if env is None else env
        path = env.get(SETTING, "").strip()
        return cls(load(Path(path)) if path else {})

    def enforced(self, production: bool) -> "PersistedQueries":
        """Only registered documents run: in production, when there is a registry."""
        return PersistedQueries(self.documents, enforce=production and bool(self.documents))

    def apply(self, params: dict[str, Any]) -> dict[str, Any]:
        """The request's parameters with the registered document as `query` when it names one by
        hash. Raises Refused (a request error) as the module docstring tables."""
        extensions = params.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        query = params.get("query")
        if persisted is not None:
            wanted = _hash_of(persisted)
            if isinstance(query, str) and query:
                if document_hash(query) != wanted:
                    raise Refused("extensions.persistedQuery.sha256Hash is not the SHA-256 of the query")
            elif wanted in self.documents:
                return {**params, "query": self.documents[wanted]}
            else:
                raise Refused("PersistedQueryNotFound: no registered document has this sha256Hash", code=NOT_FOUND)
        if self.enforce and isinstance(query, str) and query and document_hash(query) not in self.documents:
            raise Refused("only registered operations run here: send one of the registry's documents, or its "
                          "sha256Hash in extensions.persistedQuery", code=NOT_ALLOWED)
        return params


def _hash_of(persisted: Any) -> str:
    if not isinstance(persisted, dict) or persisted.get("version") != 1 or not isinstance(
            persisted.get("sha256Hash"), str) or not _HASH.fullmatch(persisted["sha256Hash"].lower()):
        raise Refused("extensions.persistedQuery must be {version: 1, sha256Hash: <64 hex digits>}",
                      field="extensions.persistedQuery")
    return persisted["sha256Hash"].lower()


def load(path: Path) -> dict[str, str]:
    """A registry file, checked entry by entry. Raises ValueError naming the setting."""
    try:
        registry = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"{SETTING}: cannot read {path}: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{SETTING}: {path} is not UTF-8 JSON ({error})") from None
    if not isinstance(registry, dict):
        raise ValueError(f"{SETTING}: {path} must hold a JSON object of sha256 hex → document")
    for key, document in registry.items():
        if not isinstance(document, str) or not _HASH.fullmatch(key) or document_hash(document) != key:
            raise ValueError(f"{SETTING}: {path}: the entry {key[:16]!r}… is not a document under its SHA-256 "
                             "(rebuild it with dangjian persisted build)")
    return registry


def build(files: list[Path]) -> dict[str, str]:
    """The registry of `files`' documents: each file's text exactly as it is, and graphql-core's
    printed form of it (what Apollo's persisted-query link hashes). Raises ValueError naming the
    file for one that is not a valid document of this API's schema."""
    from graphql import parse, print_ast, validate, GraphQLError

    from schema.schema import build_schema

    schema = build_schema()._schema
    registry: dict[str, str] = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
            errors = validate(schema, parse(text))
        except OSError as error:
            raise ValueError(f"{path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise ValueError(f"{path}: not UTF-8") from None
        except GraphQLError as error:
            errors = [error]
        if errors:
            raise ValueError(f"{path}: {errors[0].message}")
        for document in (text, print_ast(parse(text))):
            registry[document_hash(document)] = document
    return registry
