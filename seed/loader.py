"""Read and validate the seed graph in seed/data/*.yaml against graph/model.py.

Each YAML file has two optional top-level keys:

    nodes:          {Label: [ {uid: ..., name: ..., source: ..., <stored props>}, ... ]}
    relationships:  {TYPE:  [ [from uid, to uid], ... ]}   # in the model's OUT direction

Files are read in sorted name order and merged; relationships may point at nodes defined
in any file. Everything that graph/model.py can say about the data is checked here, so a
loader into FalkorDB/Neo4j can trust a SeedGraph without re-validating it.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from graph.model import ENUMS, NODE_TYPES, PYTHON_TYPES, TYPES, NodeType, relationship_endpoints, single_sides

DEFAULT_SEED_DIR: Path = Path(__file__).resolve().parent / "data"

# Lower-case slug with a prefix naming the kind of thing: town-zumiao, grid-001, ...
UID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")

_SCALAR_TYPES: dict[str, type] = PYTHON_TYPES


class SeedError(ValueError):
    """A seed file is malformed or disagrees with the graph model. The message names the file."""


Triple = tuple[str, str, str]


@dataclass
class SeedGraph:
    nodes: dict[str, list[dict]]
    relationships: dict[Triple, list[tuple[str, str]]]
    _labels: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def label_of(self, uid: str) -> str:
        """The label of the node with this uid; KeyError when there is none."""
        if not self._labels:
            self._labels = {n["uid"]: label for label, rows in self.nodes.items() for n in rows}
        return self._labels[uid]


# --------------------------------------------------------------------------- model-derived


def _prop_type(prop_type: str) -> Any:
    if prop_type in ENUMS:
        return Literal[ENUMS[prop_type]]
    return _SCALAR_TYPES[prop_type]


def _build_validators() -> dict[str, type[BaseModel]]:
    validators = {}
    for node_type in NODE_TYPES:
        fields: dict[str, Any] = {}
        for prop in node_type.stored_props:
            py_type = list[_prop_type(prop.type)] if prop.many else _prop_type(prop.type)
            fields[prop.name] = (py_type, ...) if prop.required else (py_type | None, None)
        # strict: YAML `yes`, `1` or an unquoted date must not slip into a Boolean or String.
        config = ConfigDict(extra="forbid", strict=True)
        validators[node_type.name] = create_model(f"Seed{node_type.name}", __config__=config, **fields)
    return validators


def _cardinalities() -> tuple[set[Triple], set[Triple]]:
    """Triples that are single-valued at their start node, and at their end node (graph/model.single_sides)."""
    triples = relationship_endpoints()
    return ({t for t in triples if single_sides(t)[0]}, {t for t in triples if single_sides(t)[1]})


_VALIDATORS = _build_validators()
_ENDPOINTS = relationship_endpoints()
_REL_TYPES = {t for _, t, _ in _ENDPOINTS}
_SINGLE_OUT, _SINGLE_IN = _cardinalities()


def _computed_props(node_type: NodeType) -> set[str]:
    return {p.name for p in node_type.all_props if p.pattern is not None}


# --------------------------------------------------------------------------- YAML


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML keeps the last one silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    keys = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in keys:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        keys.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load_yaml(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise SeedError(f"{path.name}: not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SeedError(f"{path.name}: top level must be a mapping with 'nodes' and/or 'relationships'")
    unknown = set(data) - {"nodes", "relationships"}
    if unknown:
        raise SeedError(f"{path.name}: unknown top-level key(s) {sorted(unknown)}; "
                        "expected 'nodes' and/or 'relationships'")
    return data


# --------------------------------------------------------------------------- nodes


def _describe_errors(exc: ValidationError, raw: dict, label: str) -> str:
    reasons = []
    for err in exc.errors():
        name = ".".join(str(part) for part in err["loc"])
        if err["type"] == "extra_forbidden":
            reasons.append(f"unknown property {name!r} for {label}")
        elif err["type"] == "missing":
            reasons.append(f"missing required property {name!r}")
        elif isinstance(raw.get(name), (_dt.date, _dt.datetime)):
            reasons.append(f"{name}: YAML read an unquoted date; quote it ('2015-03-01')")
        else:
            reasons.append(f"{name}: {err['msg']} (got {raw.get(name)!r})")
    return "; ".join(reasons)


def _read_nodes(path: Path, section: Any, graph: SeedGraph, origin: dict[str, str]) -> None:
    if not isinstance(section, dict):
        raise SeedError(f"{path.name}: 'nodes' must map a label to a list of nodes")
    for label, rows in section.items():
        if label not in TYPES:
            raise SeedError(f"{path.name}: unknown label {label!r}; known labels: {sorted(TYPES)}")
        if not isinstance(rows, list):
            raise SeedError(f"{path.name}: nodes.{label} must be a list")
        computed = _computed_props(TYPES[label])
        for index, raw in enumerate(rows):
            where = f"{path.name}: nodes.{label}[{index}]"
            if not isinstance(raw, dict):
                raise SeedError(f"{where}: a node must be a mapping of properties")
            uid = raw.get("uid")
            if isinstance(uid, str):
                where = f"{path.name}: {label} {uid!r}"
            bad = computed & set(raw)
            if bad:
                raise SeedError(f"{where}: {sorted(bad)} is computed from relationships "
                                "and must not be given in seed data")
            try:
                props = _VALIDATORS[label](**raw).model_dump(exclude_unset=True)
            except ValidationError as exc:
                raise SeedError(f"{where}: {_describe_errors(exc, raw, label)}") from None
            if not UID_PATTERN.match(props["uid"]):
                raise SeedError(f"{where}: uid must be a lower-case prefixed slug like 'town-zumiao'")
            if props["uid"] in origin:
                raise SeedError(f"{where}: duplicate uid {props['uid']!r}, "
                                f"already defined in {origin[props['uid']]}")
            origin[props["uid"]] = f"{path.name} ({label})"
            graph.nodes.setdefault(label, []).append(props)


# --------------------------------------------------------------------------- relationships


def _collect_rels(path: Path, section: Any, pending: list) -> None:
    if not isinstance(section, dict):
        raise SeedError(f"{path.name}: 'relationships' must map a relationship type to a list of rows")
    for rel_type, rows in section.items():
        if rel_type not in _REL_TYPES:
            raise SeedError(f"{path.name}: unknown relationship type {rel_type!r}")
        if not isinstance(rows, list):
            raise SeedError(f"{path.name}: relationships.{rel_type} must be a list of [from, to] rows")
        for index, row in enumerate(rows):
            if (not isinstance(row, (list, tuple)) or len(row) != 2
                    or not all(isinstance(uid, str) for uid in row)):
                raise SeedError(f"{path.name}: relationships.{rel_type}[{index}]: "
                                f"expected [from uid, to uid], got {row!r}")
            pending.append((path.name, rel_type, row[0], row[1]))


def _resolve_rels(graph: SeedGraph, pending: list) -> None:
    labels = {n["uid"]: label for label, rows in graph.nodes.items() for n in rows}
    seen: dict[tuple[Triple, str, str], str] = {}
    out_count: dict[tuple[Triple, str], list[tuple[str, str]]] = defaultdict(list)
    in_count: dict[tuple[Triple, str], list[tuple[str, str]]] = defaultdict(list)
    for file_name, rel_type, start, end in pending:
        edge = f"{rel_type} [{start}, {end}]"
        for uid in (start, end):
            if uid not in labels:
                raise SeedError(f"{file_name}: {edge}: no node has uid {uid!r}")
        triple = (labels[start], rel_type, labels[end])
        if triple not in _ENDPOINTS:
            allowed = sorted(f"{a}->{b}" for a, t, b in _ENDPOINTS if t == rel_type)
            raise SeedError(f"{file_name}: {edge}: {triple[0]}-[:{rel_type}]->{triple[2]} is not in "
                            f"the model; {rel_type} allows {', '.join(allowed)}")
        key = (triple, start, end)
        if key in seen:
            raise SeedError(f"{file_name}: {edge} is given twice (also in {seen[key]})")
        seen[key] = file_name
        out_count[(triple, start)].append((end, file_name))
        in_count[(triple, end)].append((start, file_name))
        graph.relationships.setdefault(triple, []).append((start, end))
    for (triple, uid), ends in out_count.items():
        if triple in _SINGLE_OUT and len(ends) > 1:
            raise SeedError(_cardinality_message(triple, uid, ends, outgoing=True))
    for (triple, uid), starts in in_count.items():
        if triple in _SINGLE_IN and len(starts) > 1:
            raise SeedError(_cardinality_message(triple, uid, starts, outgoing=False))


def _cardinality_message(triple: Triple, uid: str, others: list[tuple[str, str]], outgoing: bool) -> str:
    start, rel_type, end = triple
    listed = ", ".join(f"{other} ({file_name})" for other, file_name in others)
    if outgoing:
        what = f"{start} {uid!r} has {len(others)} outgoing {rel_type} to {end}"
    else:
        what = f"{end} {uid!r} has {len(others)} incoming {rel_type} from {start}"
    return f"{others[1][1]}: {what}, but the model allows one: {listed}"


# --------------------------------------------------------------------------- entry point


def read_seed(directory: Path = DEFAULT_SEED_DIR) -> SeedGraph:
    """Read every *.yaml in `directory` (sorted), merge and validate; raise SeedError on any problem."""
    directory = Path(directory)
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise SeedError(f"{directory}: no *.yaml seed files")
    graph = SeedGraph(nodes={}, relationships={})
    origin: dict[str, str] = {}
    pending: list[tuple[str, str, str, str]] = []
    for path in paths:
        data = _load_yaml(path)
        if data.get("nodes") is not None:
            _read_nodes(path, data["nodes"], graph, origin)
        if data.get("relationships") is not None:
            _collect_rels(path, data["relationships"], pending)
    # Relationships are resolved after all files so that any file may refer to any node.
    _resolve_rels(graph, pending)
    return graph
