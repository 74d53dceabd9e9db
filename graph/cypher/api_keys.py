"""API key plans rendered (graph/api_keys.py): every value a parameter, property names from the
fixed PROPERTIES list, one `SET k.p = $p` per stored value (no map, no nulls)."""
from __future__ import annotations

from graph.api_keys import LABEL, PROPERTIES, ApiKeyById, CreateApiKey, ListApiKeys, RevokeApiKey
from graph.cypher.builder import quote
from graph.cypher.registry import renders
from graph.plan import CompiledQuery

_KEY = quote(LABEL)
_LISTED = [p for p in PROPERTIES if p != "secretHash"]


@renders(CreateApiKey)
def create_api_key(plan: CreateApiKey, dialect=None) -> CompiledQuery:
    values = dict(plan.properties)
    unknown = set(values) - set(PROPERTIES)
    if unknown or "id" not in values:
        raise ValueError(f"an API key's properties are {', '.join(PROPERTIES)} (with id), got {sorted(values)}")
    sets = ", ".join(f"k.{quote(name)} = $p{index}" for index, name in enumerate(values))
    params = {f"p{index}": value for index, value in enumerate(values.values())}
    # A count, not OPTIONAL MATCH … WHERE … IS NULL (FalkorDB does not filter on that): a second
    # key with the same id is never created, and the caller tries another id.
    text = (f"OPTIONAL MATCH (other:{_KEY} {{id: $p0}}) WITH count(other) AS taken WHERE taken = 0 "
            f"CREATE (k:{_KEY}) SET {sets} RETURN count(k) AS created")
    return CompiledQuery(text, params)


@renders(ApiKeyById)
def api_key_by_id(plan: ApiKeyById, dialect=None) -> CompiledQuery:
    return CompiledQuery(f"MATCH (k:{_KEY} {{id: $id}}) RETURN k {{.*}} AS key", {"id": plan.id})


@renders(ListApiKeys)
def list_api_keys(plan: ListApiKeys, dialect=None) -> CompiledQuery:
    columns = ", ".join(f"k.{quote(name)} AS {quote(name)}" for name in _LISTED)
    return CompiledQuery(f"MATCH (k:{_KEY}) RETURN {columns} ORDER BY k.created, k.id")


@renders(RevokeApiKey)
def revoke_api_key(plan: RevokeApiKey, dialect=None) -> CompiledQuery:
    return CompiledQuery(f"MATCH (k:{_KEY} {{id: $id}}) WITH k, k.revoked IS NULL AS newly "
                         "SET k.revoked = coalesce(k.revoked, $at) "
                         "RETURN k.revoked AS revoked, newly", {"id": plan.id, "at": plan.at})
