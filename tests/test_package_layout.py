"""The house rules of DESIGN.md, checked on the source: no import cycles, nothing imports upward,
`legal/` and `swedish/` stay libraries, and only `store/` and `index/` write to the database."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "policykb"

# Lowest first. A module may import its own layer's lower parts and any layer below it.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "config", "models", "data", "processes"),
    ("swedish",),
    ("legal",),
    ("extract",),
    ("annotate",),
    ("chunk",),
    ("store",),
    ("index",),
    ("query",),
    ("sources",),
    ("consult", "evaluate"),
    ("ingest",),
    ("__init__", "cli", "api"),
]


def _module_name(path: Path) -> str:
    if path.is_relative_to(SRC):
        parts = ["policykb", *path.relative_to(SRC).with_suffix("").parts]
    else:
        top = path.relative_to(ROOT).parts[0]
        parts = ["policykb", top, *path.relative_to(ROOT / top).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _files() -> list[Path]:
    return [p for d in (SRC, ROOT / "cli", ROOT / "api") for p in sorted(d.rglob("*.py"))]


def _imports(path: Path, module: str) -> set[str]:
    """Every policykb module this file imports, at any depth in the file (lazy imports count)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("policykb"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("policykb"):
                continue
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in _files()}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {m for m in _imports(path, name) if m in modules and m != name}
    return graph


def _layer(module: str) -> int:
    parts = module.split(".")
    key = parts[1] if len(parts) > 1 else "__init__"
    for i, names in enumerate(LAYERS):
        if key in names:
            return i
    raise AssertionError(f"{module} is in no layer of the house; add its package to LAYERS")


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _is_ancestor_package(a: str, b: str) -> bool:
    return b.startswith(a + ".")


def test_no_import_cycles():
    graph = _graph()
    # A package's __init__ re-exporting its own submodules is not a cycle of logic.
    pruned = {m: {d for d in deps if not _is_ancestor_package(m, d) and not _is_ancestor_package(d, m)}
              for m, deps in graph.items()}
    assert _cycles(pruned) == []


def test_nothing_imports_upward():
    upward = []
    for module, deps in _graph().items():
        for dep in deps:
            if _layer(dep) > _layer(module):
                upward.append(f"{module} -> {dep}")
    assert upward == []


def test_libraries_import_only_models_data_and_each_other():
    allowed_top = {"errors", "models", "data", "config", "swedish", "legal"}
    bad = []
    for module, deps in _graph().items():
        top = module.split(".")[1] if "." in module else ""
        if top not in ("swedish", "legal"):
            continue
        for dep in deps:
            dep_top = dep.split(".")[1] if "." in dep else "__init__"
            if dep_top not in allowed_top or (top == "swedish" and dep_top == "legal"):
                bad.append(f"{module} -> {dep}")
    assert bad == []


_WRITE = re.compile(r"\b(INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(VIRTUAL\s+)?TABLE|DROP\s+TABLE)\b", re.I)


def test_only_store_and_index_write_to_the_database():
    writers = []
    for path in _files():
        module = _module_name(path)
        if module.startswith(("policykb.store", "policykb.index")):
            continue
        if _WRITE.search(path.read_text()):
            writers.append(module)
    assert writers == []
