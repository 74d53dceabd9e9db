"""Who is asking, and what their grant allows: a role, and optionally the towns it is limited to.

A `Grant` is made once per request by the web layer (web/auth.py: a JWT, an API key, or the
open grant of `--dev` and of a server without production mode) and travels in the GraphQL
context as `context["grant"]`. graph/authorise.py turns it into filters, masks and guards on
the query and write plans; nothing else decides what a grant may see or change.

Roles, from least to most (docs/security.md):
- viewer: reads everything but the audit trail; personal fields masked (graph/model.py
  `Prop.personal`); statistics with small-cell suppression.
- researcher: as a viewer, but personal fields are shown within the grant's towns (everywhere
  when the grant has none).
- editor: a researcher who also writes, within the grant's towns.
- admin: everything, including imports, undo, tokens and the audit trail.
"""
from __future__ import annotations

from dataclasses import dataclass

ROLES = ("viewer", "researcher", "editor", "admin")
VIEWER, RESEARCHER, EDITOR, ADMIN = ROLES


@dataclass(frozen=True)
class Grant:
    """What one request may do.

    - role: one of ROLES.
    - name: who is asking, as a person reads it (李研究员); the actor of every write it makes.
      None for the open grant, whose writes are recorded under the X-Actor header.
    - towns: uids of the towns the grant is limited to; empty for the whole district.
    - reads_scoped: with towns, reads see only nodes that belong to them (and nodes that belong
      to no town: the district, its departments); the default. False (a key made with
      --read-whole-district, a JWT with dangjian_reads "district"): reads are district-wide, with
      personal fields shown only within the towns.
    - subject: a stable key for rate limits and logs ("key:<id>", "jwt:<issuer>|<sub>", "anonymous").
    - authenticated: False for the anonymous public reader and the open grant.
    """

    role: str
    name: str | None = None
    towns: tuple[str, ...] = ()
    reads_scoped: bool = True
    subject: str = "anonymous"
    authenticated: bool = True

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; roles are {', '.join(ROLES)}")

    def at_least(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def scoped(self) -> bool:
        """Limited to some towns (writes and personal fields always are; reads when `reads_scoped`)."""
        return bool(self.towns)

    @property
    def is_open(self) -> bool:
        """The grant of a server not in production mode: everything, as before authentication."""
        return self is OPEN or (self.role == ADMIN and not self.authenticated and not self.towns)


# Dev mode and servers without production mode: today's open behaviour.
OPEN = Grant(ADMIN, name=None, subject="open", authenticated=False)
# Production with DANGJIAN_PUBLIC_READ=1: an anonymous reader.
PUBLIC_READER = Grant(VIEWER, name="anonymous", subject="anonymous", authenticated=False)


def grant_of(context: object) -> Grant:
    """The request's grant (`context["grant"]`); the open grant when none was set (tests and
    tools that build a context by hand)."""
    grant = context.get("grant") if isinstance(context, dict) else None
    return grant if isinstance(grant, Grant) else OPEN


def grant_of_state(state: object) -> Grant:
    """The grant the authentication middleware (web/auth.py) put on a request's `state`; the
    open grant when none did (an app built without the middleware)."""
    grant = getattr(state, "grant", None)
    return grant if isinstance(grant, Grant) else OPEN
