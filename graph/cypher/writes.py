"""Write plans rendered (graph/write_plan.py): each plan becomes ONE statement, so each write is atomic on
FalkorDB (which has no multi-statement transactions) as well as on Neo4j.

Guards come before any write and are counts, so a failed guard leaves zero rows and
nothing written; the caller reads zero rows as "changed concurrently". (FalkorDB 4.16
does not filter `OPTIONAL MATCH (d) WITH d WHERE d IS NULL`, so counts are used.)
"""
from __future__ import annotations

from typing import Any

from graph.cypher.builder import AUDIT_LABEL, CypherBuilder, quote
from graph.cypher.registry import renders
from graph.model import NODE_TYPES, Rel
from graph.plan import And, Compare, CompiledQuery, Projection
from graph.write_plan import Audit, Audited, CreateNode, DeleteNode, LinkChange, Precheck, UpdateNode


def _link(a: str, rel: Rel, b: str, edge: str = "") -> str:
    """The relationship between a node `a` of the written type and a target `b`."""
    edge_text = f"{edge}:{quote(rel.type)}"
    return f"({a})-[{edge_text}]->({b})" if rel.direction == "OUT" else f"({a})<-[{edge_text}]-({b})"


class _WriteBuilder(CypherBuilder):
    def __init__(self, dialect=None) -> None:
        super().__init__(dialect)
        self.carry: list[str] = []

    def with_carry(self, *extra: str) -> str:
        return "WITH " + ", ".join([*self.carry, *extra])

    def gather_targets(self, link: LinkChange, node_type, self_var: str | None) -> tuple[list[str], str]:
        """Collect the link's targets into a list variable; stop unless all exist and
        none is already taken by another node on a single-valued side."""
        t, targets = self.var("t"), self.var("targets")
        uids = self.param(list(link.uids))
        lines = [
            f"OPTIONAL MATCH ({t}:{quote(link.target.label)}) WHERE {t}.uid IN {uids}",
            f"{self.with_carry(f'collect(DISTINCT {t}) AS {targets}')} WHERE size({targets}) = {self.param(len(link.uids))}",
        ]
        self.carry.append(targets)
        if link.guard is not None:
            # Every target passes the grant's rule (graph/authorise.py), or nothing is written.
            g, passed, calls = self.var("g"), self.var("passed"), []
            test = self.predicate(g, link.guard, calls)
            lines += [" ".join([f"CALL {{ WITH {targets} UNWIND {targets} AS {g}", *calls,
                                f"WITH {g} WHERE {test} RETURN count({g}) AS {passed} }}"]),
                      f"{self.with_carry()} WHERE {passed} = size({targets})"]
        if link.reverse_single:
            # Lock the targets before asking whether another node holds them (see compile_update).
            lock = self.var("l")
            lines += [f"FOREACH ({lock} IN {targets} | SET {lock}.uid = {lock}.uid)", self.with_carry()]
            other, x, taken = self.var("o"), self.var("x"), self.var("taken")
            not_self = f" AND {other} <> {self_var}" if self_var else ""
            lines += [
                f"OPTIONAL MATCH {_link(f'{other}:{quote(node_type.label)}', link.rel, f'{x}:{quote(link.target.label)}')}"
                f" WHERE {x}.uid IN {uids}{not_self}",
                f"{self.with_carry(f'count({other}) AS {taken}')} WHERE {taken} = 0",
            ]
        return lines, targets

    def node_guard(self, guard, tests: list[str]) -> list[str]:
        """Lines that leave `n` only if it passes `guard` (the grant's rule) and `tests`; the
        relationship counts the rule needs come first."""
        calls: list[str] = []
        if guard is not None:
            tests = [*tests, self.predicate("n", guard, calls)]
        return ([f"WITH n {' '.join(calls)}"] if calls else []) + [f"WITH n WHERE {' AND '.join(tests) or 'true'}"]

    def audit(self, audit: Audit, audit_uid: str) -> str:
        return f"CREATE (audit:{AUDIT_LABEL}) SET audit += {self.param(audit.properties(audit_uid))}"

    def set_clause(self, var: str, props: dict[str, Any]) -> str:
        """One assignment per property: values only, never nulls (removals are REMOVE)."""
        assert all(v is not None for v in props.values()), "nulls are removed, not set"
        return "SET " + ", ".join(f"{var}.{quote(k)} = {self.param(v)}" for k, v in props.items())

    def change_node(self, connect, node_type, set_props: dict[str, Any], remove_props) -> tuple[list[str], list[str]]:
        """The clauses that gather each link's targets and set and remove `n`'s properties, and
        the targets' list names, in `connect`'s order; `n` is carried."""
        self.carry.append("n")
        lines, target_lists = [], []
        for link in connect:
            gathered, targets = self.gather_targets(link, node_type, "n")
            lines += gathered
            target_lists.append(targets)
        if set_props:
            lines.append(self.set_clause("n", set_props))
        # One REMOVE clause per property: FalkorDB 4.16 removes the wrong property when one clause
        # (REMOVE a, b; SET a = null, b = null; SET n += {a: null, b: null}) removes several: it
        # dropped isDemonstration when nameEn and isPilot were nulled. Separate clauses are exact
        # (300 random property sets and removals, none wrong).
        lines += [f"{self.with_carry()} REMOVE n.{quote(k)}" for k in remove_props]
        return lines, target_lists

    def create_linked(self, node_type, props: dict[str, Any], links) -> list[str]:
        """The clauses that gather each link's targets, CREATE `n` with `props` and link it to them."""
        lines, target_lists = [], []
        for link in links:
            gathered, targets = self.gather_targets(link, node_type, None)
            lines += gathered
            target_lists.append(targets)
        lines.append(f"CREATE (n:{quote(node_type.label)}) " + self.set_clause("n", props))
        for link, targets in zip(links, target_lists):
            lines.append(f"FOREACH (t IN {targets} | CREATE {_link('n', link.rel, 't')})")
        return lines

    def read_back(self, var: str, projection: Projection | None) -> list[str]:
        """Return the node as stored after the write, in the projection's column order, from
        the same statement (so the response is what the write left, not what was asked)."""
        if projection is None:
            return [f"RETURN {var}.uid AS uid"]
        calls: list[str] = []
        node = self.projection(var, projection, calls)
        return [f"WITH {var}", *calls, f"RETURN {node} AS node"]


def uid_owners(uid_param: str) -> str:
    """A subquery yielding the label of every node, of any type, that holds the uid
    (uids are unique across the whole graph; each label's own index answers its part)."""
    parts = [f"MATCH (x:{quote(t.label)}) WHERE x.uid = {uid_param} RETURN labels(x)[0] AS owner" for t in NODE_TYPES]
    return "CALL { " + " UNION ALL ".join(parts) + " }"


@renders(Audited)
def compile_audited(plan: Audited, dialect=None) -> CompiledQuery:
    """A mutation with the uid of its audit entry: create, update or delete."""
    renderer = {CreateNode: compile_create, UpdateNode: compile_update, DeleteNode: compile_delete}[type(plan.change)]
    return renderer(plan.change, plan.audit_uid, dialect)


def compile_create(plan: CreateNode, audit_uid: str, dialect=None) -> CompiledQuery:
    b = _WriteBuilder(dialect)
    lines = [uid_owners(b.param(plan.props["uid"])), "WITH count(owner) AS duplicates WHERE duplicates = 0"]
    b.carry.append("duplicates")
    lines += b.create_linked(plan.node_type, plan.props, plan.links)
    lines.append(b.audit(plan.audit, audit_uid))
    lines += b.read_back("n", plan.projection)
    return CompiledQuery("\n".join(lines), b.params)


def compile_update(plan: UpdateNode, audit_uid: str, dialect=None) -> CompiledQuery:
    b = _WriteBuilder(dialect)
    label = quote(plan.node_type.label)
    guards = [f"n.{quote(k)} IS NULL" if v is None else f"n.{quote(k)} = {b.param(v)}" for k, v in plan.expect.items()]
    # The guards are read after `SET n.uid = n.uid` has taken the node's write lock: Neo4j reads
    # committed data without locks, so six concurrent assigns of one demand all passed a guard
    # read before it (FalkorDB runs one write at a time). The lock waits for a concurrent
    # writer's commit, and the guard then sees what it wrote.
    # (A MATCH may not follow SET directly: the guard lines begin with WITH.)
    lines = [" ".join([f"MATCH (n:{label}) WHERE n.uid = {b.param(plan.uid)} SET n.uid = n.uid",
                       *b.node_guard(plan.guard, guards)])]
    changed, target_lists = b.change_node(plan.connect, plan.node_type, plan.set_props, plan.remove_props)
    lines += changed
    # After an updating clause, a MATCH must be introduced by WITH; DISTINCT folds the rows
    # an OPTIONAL MATCH + DELETE fanned out back to one.
    regroup = "WITH DISTINCT " + ", ".join(b.carry)
    for link, targets in zip(plan.connect, target_lists):
        if not link.rel.many:  # single-valued here: connecting replaces the old link
            old = b.var("old")
            lines += [regroup, f"OPTIONAL MATCH {_link('n', link.rel, f':{quote(link.target.label)}', old)} DELETE {old}"]
        lines.append(f"FOREACH (t IN {targets} | MERGE {_link('n', link.rel, 't')})")
    for link in plan.disconnect:
        edge, x = b.var("gone"), b.var("x")
        lines += [regroup, f"OPTIONAL MATCH {_link('n', link.rel, f'{x}:{quote(link.target.label)}', edge)}"
                  f" WHERE {x}.uid IN {b.param(list(link.uids))} DELETE {edge}"]
    if plan.connect or plan.disconnect:
        lines.append(regroup)
    lines.append(b.audit(plan.audit, audit_uid))
    lines += b.read_back("n", plan.projection)
    return CompiledQuery("\n".join(lines), b.params)


def relationship_keys(var: str) -> str:
    """Every relationship of `var` as a Relationship.key text (graph/write_plan.py): outgoing,
    then incoming; a loop is outgoing only (engines differ on listing it in both)."""
    other = "type(r) + '|' + labels(o)[0] + '|' + o.uid"
    return (f"[({var})-[r]->(o) | 'OUT|' + {other}] + "
            f"[({var})<-[r]-(o) WHERE o <> {var} | 'IN|' + {other}]")


def exact_node_guard(b: CypherBuilder, var: str, props: dict[str, Any]) -> str:
    """`var` has exactly these properties, no more (all values, no nulls)."""
    tests = [f"size(keys({var})) = {b.param(len(props))}"]
    tests += [f"{var}.{quote(k)} = {b.param(v)}" for k, v in props.items()]
    return " AND ".join(tests)


def compile_delete(plan: DeleteNode, audit_uid: str, dialect=None) -> CompiledQuery:
    b = _WriteBuilder(dialect)
    match = f"MATCH (n:{quote(plan.node_type.label)}) WHERE n.uid = {b.param(plan.uid)}"
    if plan.expect is None and plan.relationships is None and plan.guard is None:
        lines = [match, "OPTIONAL MATCH (n)-[r]-() WITH n, count(r) AS relationships"]
    else:
        # Checked after taking the node's write lock (see compile_update), so neither its
        # properties nor its relationships can change between this check and the delete: the
        # audit entry records exactly what the delete removed. The grant's rule (graph/authorise.py)
        # is read under the same lock.
        tests = [exact_node_guard(b, "n", plan.expect)] if plan.expect is not None else []
        lines = [" ".join([match + " SET n.uid = n.uid", *b.node_guard(plan.guard, tests)]),
                 f"WITH n, {relationship_keys('n')} AS rels"]
        if plan.relationships is not None:
            keys = b.param([r.key for r in plan.relationships])
            lines.append(f"WHERE size(rels) = {b.param(len(plan.relationships))} AND all(k IN rels WHERE k IN {keys})")
        lines.append("WITH n, size(rels) AS relationships")
    lines += ["DETACH DELETE n", b.audit(plan.audit, audit_uid), "RETURN relationships"]
    return CompiledQuery("\n".join(lines), b.params)


@renders(Precheck)
def compile_precheck(plan: Precheck, dialect=None) -> CompiledQuery:
    """One read for validation: the node as it is, which link targets exist, and which
    targets are already taken by another node on a single-valued side."""
    node_type, uid, links, exclude_self = plan.node_type, plan.uid, plan.links, plan.exclude_self
    b = CypherBuilder(dialect)
    label = quote(node_type.label)
    uid_param = b.param(uid)
    lines = [uid_owners(uid_param), "WITH collect(owner) AS owners",
             f"CALL {{ MATCH (n:{label}) WHERE n.uid = {uid_param} RETURN collect(n {{.*}}) AS current }}"]
    columns = ["owners", "current"]
    for i, link in enumerate(links):
        uids = b.param(list(link.uids))
        lines.append(f"CALL {{ MATCH (t:{quote(link.target.label)}) WHERE t.uid IN {uids} "
                     f"RETURN collect(t.uid) AS found{i} }}")
        # What the node is linked to already: all of a single-valued field (the link a
        # connect replaces), the given targets of a list field.
        among = f" AND l.uid IN {uids}" if link.rel.many else ""
        lines.append(f"CALL {{ MATCH {_link(f'm:{label}', link.rel, f'l:{quote(link.target.label)}')} "
                     f"WHERE m.uid = {uid_param}{among} RETURN collect(l.uid) AS linked{i} }}")
        columns += [f"found{i}", f"linked{i}"]
        if link.reverse_single:
            not_self = f" AND o.uid <> {b.param(uid)}" if exclude_self else ""
            lines.append(f"CALL {{ MATCH {_link(f'o:{label}', link.rel, f'x:{quote(link.target.label)}')} "
                         f"WHERE x.uid IN {uids}{not_self} RETURN collect([x.uid, o.uid]) AS taken{i} }}")
            columns.append(f"taken{i}")
    uid_test = Compare(node_type.prop("uid"), "eq", uid)
    for name, guard in plan.guards:  # the grant's rules (graph/authorise.py), for a precise refusal
        lines.append("CALL { " + " ".join(b.filtered_match("g", node_type, And((uid_test, guard))))
                     + f" RETURN count(g) AS guard_{name} }}")
        columns.append(f"guard_{name}")
    for i, link in enumerate(links):
        if link.guard is not None:
            among = Compare(link.target.prop("uid"), "in", tuple(link.uids))
            lines.append("CALL { " + " ".join(b.filtered_match("a", link.target, And((among, link.guard))))
                         + f" RETURN collect(a.uid) AS allowed{i} }}")
            columns.append(f"allowed{i}")
    if plan.relationships:
        # The same lists as relationship_keys, as [direction, type, label, uid].
        for name, direction, pattern, loops in (("outgoing", "OUT", f"(m:{label})-[r]->(o)", ""),
                                                ("incoming", "IN", f"(m:{label})<-[r]-(o)", " AND o <> m")):
            lines.append(f"CALL {{ MATCH {pattern} WHERE m.uid = {uid_param}{loops} "
                         f"RETURN collect([{b.param(direction)}, type(r), labels(o)[0], o.uid]) AS {name} }}")
            columns.append(name)
    lines.append("RETURN " + ", ".join(columns))
    return CompiledQuery("\n".join(lines), b.params)
