"""The msgids of the errors and reasons in the code, found by reading its source: the reason
argument of every resolvers/errors.py call, of graph/errors.Forbidden and seed Problems, and every
i18n.Message(...). tests/test_i18n.py checks that each is in the catalogue, and that no reason is an
f-string (a formatted text cannot be translated)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("resolvers", "schema", "graph", "web", "seed")
# The position of the reason among a call's positional arguments.
REASON_AT = {"bad_input": 1, "not_found": 1, "conflict": 1, "timeout": 0, "forbidden": 1, "Forbidden": 1,
             "Message": 0, "message": 0, "Problem": 3, "refuse": 0, "problem": 2,
             "EncodingProblem": 1, "ReportError": 1, "ExportError": 1}


def _name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    # Writer.refuse(rule, reason, ...) is not undo's refuse(reason); its reasons are Messages
    return func.attr if isinstance(func, ast.Attribute) and func.attr != "refuse" else None


def reasons() -> list[tuple[str, int, ast.expr]]:
    """(file, line, reason expression) of every call above that gives a reason."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and _name(node) in REASON_AT and len(node.args) > REASON_AT[_name(node)]:
                    found.append((str(path.relative_to(ROOT)), node.lineno, node.args[REASON_AT[_name(node)]]))
    return found


def msgids() -> dict[str, str]:
    """Each literal msgid → where it is first used ("file:line")."""
    found: dict[str, str] = {}
    for where, line, reason in reasons():
        if isinstance(reason, ast.Constant) and isinstance(reason.value, str):
            found.setdefault(reason.value, f"{where}:{line}")
    return found


def formatted() -> list[str]:
    """Where a reason is an f-string or a concatenation: text the catalogue cannot hold."""
    return [f"{where}:{line}" for where, line, reason in reasons()
            if isinstance(reason, (ast.JoinedStr, ast.BinOp))]
