"""What a grant sees, in statements whose nodes may have any label (traversal, search): the
visibility test and the masked name columns of graph/plan.LabelAccess (graph/authorise.py)."""
from __future__ import annotations

from graph.cypher.builder import CypherBuilder, quote
from graph.plan import LabelAccess


def visible_test(b: CypherBuilder, var: str, access: LabelAccess | None, calls: list[str],
                 in_value: bool = False) -> str | None:
    """A WHERE test (`in_value`: a Boolean value, as in a map): `var` has a label the grant reads
    and passes that label's filter. Relationship counts it needs go into `calls`. None: everything
    is visible."""
    if access is None:
        return None
    parts = []
    for label, where in access.visible:
        test = f"labels({var})[0] = {b.param(label)}"
        if where is not None:
            test = f"({test} AND {b.predicate(var, where, calls, in_value)})"
        parts.append(test)
    return "(" + " OR ".join(parts) + ")" if parts else "false"


def shown(b: CypherBuilder, var: str, prop_name: str, access: LabelAccess | None, calls: list[str]) -> str:
    """`var.prop` as the grant sees it, whichever label `var` has."""
    value = f"{var}.{quote(prop_name)}"
    if access is None:
        return value
    cases = []
    for label, masks in access.masks:
        mask = next((m for m in masks if m.prop.name == prop_name), None)
        if mask is not None:
            cases.append(f"WHEN labels({var})[0] = {b.param(label)} THEN {b.masked(var, value, mask, calls)}")
    return f"CASE {' '.join(cases)} ELSE {value} END" if cases else value


def node_fields(b: CypherBuilder, var: str, access: LabelAccess | None, calls: list[str]) -> str:
    """The columns a traversal row gives each node: label, uid, name, nameEn, source."""
    return (f"labels({var})[0] AS label, {var}.uid AS uid, {shown(b, var, 'name', access, calls)} AS name, "
            f"{shown(b, var, 'nameEn', access, calls)} AS nameEn, {var}.source AS source")
