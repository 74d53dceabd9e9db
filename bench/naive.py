"""The common Python practice, for comparison: a Strawberry resolver per field, each
running its own query (the N+1 pattern), with filters applied in Python. Bench only."""

from typing import Any, Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from graph.plan import CompiledQuery


async def rows(info: Info, cypher: str, **params: Any) -> list[dict[str, Any]]:
    return await info.context["backend"].read(CompiledQuery(cypher, params))


async def related(info: Info, label: str, uid: str, pattern: str, target: str, limit: int | None = None) -> list[dict]:
    cut = " LIMIT $limit" if limit is not None else ""
    found = await rows(info, f"MATCH (n:{label} {{uid: $uid}}){pattern}(m:{target}) RETURN m {{.*}} AS m{cut}",
                       uid=uid, limit=limit)
    return [r["m"] for r in found]


def make(cls, props: dict) -> Any:
    return cls(**{k: props.get(k) for k in cls.__annotations__ if not k.startswith("_")}, _props=props)


@strawberry.type
class Town:
    uid: str
    name: str
    nameEn: Optional[str]
    _props: strawberry.Private[dict]


@strawberry.type
class Enterprise:
    uid: str
    name: str
    _props: strawberry.Private[dict]


@strawberry.type
class Department:
    uid: str
    name: str
    nameEn: Optional[str]
    _props: strawberry.Private[dict]


@strawberry.type
class Community:
    uid: str
    name: str
    kind: str
    _props: strawberry.Private[dict]

    @strawberry.field
    async def town(self, info: Info) -> Optional[Town]:
        found = await related(info, "Community", self.uid, "-[:IN_TOWN]->", "Town")
        return make(Town, found[0]) if found else None


@strawberry.type
class Member:
    uid: str
    name: str
    nameEn: Optional[str]
    source: str
    _props: strawberry.Private[dict]

    @strawberry.field
    async def enterprises(self, info: Info) -> list[Enterprise]:
        return [make(Enterprise, p) for p in await related(info, "Member", self.uid, "-[:RUNS]->", "Enterprise")]

    @strawberry.field
    async def secretaryOf(self, info: Info) -> list["Organisation"]:
        return [make(Organisation, p) for p in await related(info, "Member", self.uid, "-[:SECRETARY_OF]->",
                                                             "Organisation")]


@strawberry.type
class Organisation:
    uid: str
    name: str
    kind: str
    source: str
    _props: strawberry.Private[dict]

    @strawberry.field
    async def community(self, info: Info) -> Optional[Community]:
        found = await related(info, "Organisation", self.uid, "-[:BASED_IN]->", "Community")
        return make(Community, found[0]) if found else None

    @strawberry.field
    async def members(self, info: Info, first: Optional[int] = None) -> list[Member]:
        return [make(Member, p) for p in await related(info, "Organisation", self.uid, "<-[:MEMBER_OF]-", "Member",
                                                       first)]


@strawberry.type
class Zone:
    uid: str
    name: str
    nameEn: Optional[str]
    _props: strawberry.Private[dict]

    @strawberry.field
    async def town(self, info: Info) -> Optional[Town]:
        found = await related(info, "Zone", self.uid, "-[:IN_TOWN]->", "Town")
        return make(Town, found[0]) if found else None

    @strawberry.field
    async def lead(self, info: Info) -> Optional[Organisation]:
        found = await related(info, "Zone", self.uid, "<-[:LEADS]-", "Organisation")
        return make(Organisation, found[0]) if found else None

    @strawberry.field
    async def externalOrganisations(self, info: Info) -> list[Organisation]:
        return [make(Organisation, p) for p in await related(info, "Zone", self.uid, "<-[:SERVES]-", "Organisation")]


@strawberry.type
class Grid:
    uid: str
    name: str
    _props: strawberry.Private[dict]

    @strawberry.field
    async def departments(self, info: Info) -> list[Department]:
        return [make(Department, p) for p in await related(info, "Grid", self.uid, "<-[:SUNK_TO]-", "Department")]


@strawberry.type
class PageInfo:
    hasNextPage: bool
    endCursor: Optional[str]


def connection(node_cls):
    @strawberry.type(name=f"{node_cls.__name__}Edge")
    class Edge:
        cursor: str
        node: node_cls

    @strawberry.type(name=f"{node_cls.__name__}Connection")
    class Connection:
        totalCount: int
        pageInfo: PageInfo
        nodes: list[node_cls]
        edges: list[Edge]

    def build(all_nodes: list[dict], first: int, after: Optional[str]) -> Connection:
        start = int(after) if after else 0
        page = all_nodes[start:start + first]
        made = [make(node_cls, p) for p in page]
        return Connection(totalCount=len(all_nodes), nodes=made,
                          edges=[Edge(cursor=str(start + i + 1), node=n) for i, n in enumerate(made)],
                          pageInfo=PageInfo(hasNextPage=start + first < len(all_nodes),
                                            endCursor=str(start + len(page)) if page else None))

    return Connection, build


ZoneConnection, zone_page = connection(Zone)
MemberConnection, member_page = connection(Member)
CommunityConnection, community_page = connection(Community)
GridConnection, grid_page = connection(Grid)


async def _town_name(info: Info, label: str, uid: str, rel: str = "-[:IN_TOWN]->") -> Optional[str]:
    found = await related(info, label, uid, rel, "Town")
    return found[0].get("nameEn") if found else None


def _sorted(nodes: list[dict], sort: Optional[JSON]) -> list[dict]:
    key = next(iter(sort[0])) if sort else "uid"
    return sorted(nodes, key=lambda n: (n.get(key) is None, n.get(key), n["uid"]))


@strawberry.type
class EntityQuery:
    @strawberry.field
    async def zones(self, info: Info, where: Optional[JSON] = None, sort: Optional[JSON] = None,
                    first: int = 100, after: Optional[str] = None) -> ZoneConnection:
        where = where or {}
        found = [r["z"] for r in await rows(info, "MATCH (z:Zone) RETURN z {.*} AS z")]
        if "nameEn" in where:
            found = [z for z in found if z.get("nameEn") == where["nameEn"]["eq"]]
        if "town" in where:  # a query per zone, as a resolver-per-field filter does
            wanted = where["town"]["nameEn"]["eq"]
            found = [z for z in found if await _town_name(info, "Zone", z["uid"]) == wanted]
        return zone_page(_sorted(found, sort), first, after)

    @strawberry.field
    async def members(self, info: Info, where: Optional[JSON] = None, first: int = 100) -> MemberConnection:
        found = [r["m"] for r in await rows(info, "MATCH (m:Member) RETURN m {.*} AS m")]
        if where and where.get("isEntrepreneur", {}).get("eq"):
            runs = {r["uid"] for r in await rows(info, "MATCH (m:Member)-[:RUNS]->(:Enterprise) RETURN DISTINCT m.uid AS uid")}
            found = [m for m in found if m["uid"] in runs]
        if where and "secretaryOf" in where:
            kept = []
            for m in found:
                for org in await related(info, "Member", m["uid"], "-[:SECRETARY_OF]->", "Organisation"):
                    community = await related(info, "Organisation", org["uid"], "-[:BASED_IN]->", "Community")
                    if community and community[0].get("kind") == "VILLAGE" and \
                            await _town_name(info, "Community", community[0]["uid"]) == "Nanzhuang":
                        kept.append(m)
                        break
            found = kept
        return member_page(_sorted(found, None), first, None)

    @strawberry.field
    async def communities(self, info: Info, where: Optional[JSON] = None) -> CommunityConnection:
        found = [r["c"] for r in await rows(info, "MATCH (c:Community) RETURN c {.*} AS c")]
        found = [c for c in found if c.get("kind") == "VILLAGE" and
                 await _town_name(info, "Community", c["uid"]) == "Nanzhuang"]
        return community_page(found, 100, None)

    @strawberry.field
    async def grids(self, info: Info, first: int = 100, sort: Optional[JSON] = None) -> GridConnection:
        found = [r["g"] for r in await rows(info, "MATCH (g:Grid) RETURN g {.*} AS g")]
        return grid_page(_sorted(found, sort), first, None)

