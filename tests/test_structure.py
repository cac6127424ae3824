"""The house's arrows: assessments -> register -> portal, never back, and no two modules
that import each other (also from inside a function). Only the app factory
(portal/__init__.py) and the top-level CLI (portal/cli.py) put the packages together."""

import ast

from portal import PROJECT_ROOT

PACKAGES = ("portal", "register", "assessments")
COMPOSERS = {"portal", "portal.cli"}
LAYER = {"portal": 0, "register": 1, "assessments": 2}


def _module(path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path) -> set[str]:
    me = _module(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _edges() -> dict[str, set[str]]:
    files = [f for p in PACKAGES for f in (PROJECT_ROOT / p).rglob("*.py")]
    known = {_module(f) for f in files}
    return {_module(f): {m for m in _imports(f) if m in known} - {_module(f)} for f in files}


def test_imports_run_from_assessments_to_register_to_portal_only():
    upward = sorted(
        f"{a} -> {b}"
        for a, targets in _edges().items()
        for b in targets
        if a not in COMPOSERS and LAYER[b.split(".")[0]] > LAYER[a.split(".")[0]]
    )
    assert upward == []


def test_no_two_modules_import_each_other():
    edges = _edges()
    circles = sorted(
        {
            " <-> ".join(sorted((a, b)))
            for a, targets in edges.items()
            for b in targets
            if a in edges.get(b, set()) and not COMPOSERS & {a, b}
        }
    )
    assert circles == []
