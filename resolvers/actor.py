"""Who is writing: the actor recorded in every audit entry."""
from __future__ import annotations

from typing import Any

from resolvers.values import check_text

DEFAULT_ACTOR = "anonymous"


def actor_of(context: Any) -> str:
    request = context.get("request") if isinstance(context, dict) else None
    actor = (request.headers.get("x-actor") if request is not None else None) or DEFAULT_ACTOR
    check_text(actor, "X-Actor")
    return actor[:200]
