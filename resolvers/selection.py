"""Read a GraphQL selection: fields by response key, with coerced arguments.

Fragments are flattened, @skip/@include honoured, and fields that share a response
key are merged, as GraphQL execution itself does.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode, FragmentSpreadNode, GraphQLIncludeDirective, GraphQLObjectType, GraphQLSkipDirective,
    InlineFragmentNode, get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values


@dataclass
class SelectedField:
    key: str
    name: str
    args: dict[str, Any]
    nodes: list[FieldNode] = field(default_factory=list)


class SelectionReader:
    def __init__(self, info: Any) -> None:
        raw = getattr(info, "_raw_info", info)
        self.schema = raw.schema
        self.fragments = raw.fragments
        variables = raw.variable_values
        # Strawberry's executor hands resolvers the plain coerced dict.
        self.variables = variables if hasattr(variables, "coerced") else VariableValues({}, dict(variables or {}))
        # Planning and shaping both walk the selection; collect (and coerce) each level once.
        # Entries keep their parent alive, so its id() cannot be reused by another field.
        self._children: dict[tuple[int, str], tuple[SelectedField, dict[str, SelectedField]]] = {}

    def root(self, info: Any, coerced_args: dict[str, Any] | None = None) -> SelectedField:
        """The field being resolved; pass the arguments graphql-core already coerced, if at hand."""
        raw = getattr(info, "_raw_info", info)
        if coerced_args is None:
            definition = raw.parent_type.fields[raw.field_name]
            coerced_args = get_argument_values(definition, raw.field_nodes[0], self.variables)
        return SelectedField(raw.path.key, raw.field_name, plain(coerced_args), list(raw.field_nodes))

    def children(self, parent: SelectedField, type_name: str) -> dict[str, SelectedField]:
        """The sub-fields of `parent` that apply to the object type `type_name`."""
        cached = self._children.get((id(parent), type_name))
        if cached is not None:
            return cached[1]
        object_type = self.schema.type_map[type_name]
        assert isinstance(object_type, GraphQLObjectType)
        fields: dict[str, SelectedField] = {}
        visited: set[str] = set()
        for node in parent.nodes:
            if node.selection_set is not None:
                self._collect(object_type, node.selection_set.selections, fields, visited)
        self._children[(id(parent), type_name)] = (parent, fields)
        return fields

    def _collect(self, object_type: GraphQLObjectType, selections: Any, into: dict[str, SelectedField],
                 visited: set[str]) -> None:
        """CollectFields, as the spec writes it: each fragment is spread once per level
        (`visited`), so `...F ...F` costs what `...F` costs; re-expanding every spread made
        `F1 { ...F0 ...F0 } … F30` cost 2^30 (issue 10)."""
        for selection in selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                name = selection.name.value
                key = selection.alias.value if selection.alias else name
                if key not in into:
                    definition = object_type.fields.get(name)
                    args = plain(get_argument_values(definition, selection, self.variables)) if definition else {}
                    into[key] = SelectedField(key, name, args)
                into[key].nodes.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition, object_type):
                    self._collect(object_type, selection.selection_set.selections, into, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self._applies(fragment.type_condition, object_type):
                    self._collect(object_type, fragment.selection_set.selections, into, visited)

    def _applies(self, condition: Any, object_type: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        named = self.schema.type_map.get(condition.name.value)
        if named is object_type:
            return True
        return named is not None and self.schema.is_sub_type(named, object_type)

    def _included(self, selection: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, selection, self.variables)
        if skip and skip.get("if"):
            return False
        include = get_directive_values(GraphQLIncludeDirective, selection, self.variables)
        return not (include and not include.get("if"))


def plain(value: Any) -> Any:
    """Coerced argument values as plain data: enum members become their names."""
    if isinstance(value, dict):
        return {("in" if k == "in_" else k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def named_type_name(schema: Any, parent_type: str, field_name: str) -> str:
    return get_named_type(schema.type_map[parent_type].fields[field_name].type).name
