"""The house has one way down: imports follow the layers, and no module imports itself in a circle.

Every module under cafe/ is parsed with `ast`; every import counts, including imports inside
functions (a function-level import used to dodge a circle is still a circle) and relative imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "cafe"

# Rooms that are plain data in, plain data out: no web framework, no sockets, no database.
PURE_ROOMS = (
    "cafe.plans",
    "cafe.seating",
    "cafe.golfer",
    "cafe.synthesis",
    "cafe.briefing",
    "cafe.safety",
    "cafe.disclosure",
    "cafe.rounds",
)
# What a pure room may not import: the web and socket frameworks, the database layer, and the
# layers above it.
NOT_PURE = (
    "flask",
    "flask_socketio",
    "flask_babel",
    "flask_wtf",
    "socketio",
    "engineio",
    "sqlite3",
    "sqlite_utils",
    "cafe.db",
    "cafe.queries",
    "cafe.migrations",
    "cafe.actions",
    "cafe.live",
    "cafe.web",
    "cafe.cli",
    "cafe.sockets",
)
# (importer, what it may not import): actions write, commit and publish events; they never call into
# a page or a Socket.IO namespace (a namespace that must hear of a change subscribes to its event:
# cafe/broadcast.py). The pages and namespaces never import the command line.
FORBIDDEN = (
    ("cafe.actions", ("cafe.live", "cafe.web", "cafe.cli")),
    ("cafe.live", ("cafe.cli",)),
    ("cafe.web", ("cafe.cli",)),
    *((room, NOT_PURE) for room in PURE_ROOMS),
)
MAX_LINES = 450


def module_name(path: Path) -> str:
    """Return the dotted name of a module file under the repository root."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def within(name: str, prefix: str) -> bool:
    """Return whether a dotted name is the prefix or inside it."""
    return name == prefix or name.startswith(prefix + ".")


def resolve(importer: str, node: ast.ImportFrom) -> str:
    """Return the absolute module a `from ... import` names (relative levels resolved)."""
    if not node.level:
        return node.module or ""
    is_package = MODULES[importer].name == "__init__.py"
    base = importer.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def parse(name: str) -> ast.Module:
    """Return the syntax tree of a module."""
    return ast.parse(MODULES[name].read_text(), filename=str(MODULES[name]))


def root_names() -> dict[str, str]:
    """Return the names the package root binds at its top level by importing them: name -> module.

    Python imports the root before any module under it, so `from cafe import socketio` depends on
    the module socketio comes from, not on everything the root's functions import.
    """
    found = {}
    for node in parse("cafe").body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cafe."):
            found.update({alias.asname or alias.name: node.module for alias in node.names})
    return found


ROOT_NAMES = root_names()


def imports_of(name: str) -> set[str]:
    """Return every module `name` imports anywhere in its body (the cafe ones as modules)."""
    found: set[str] = set()
    for node in ast.walk(parse(name)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = resolve(name, node)
            for alias in node.names:
                # `from cafe import queries` imports the module cafe.queries.
                submodule = f"{source}.{alias.name}"
                if submodule in MODULES:
                    found.add(submodule)
                elif source == "cafe" and alias.name in ROOT_NAMES:
                    found.add(ROOT_NAMES[alias.name])
                else:
                    found.add(source)
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def test_the_analysis_sees_the_imports():
    # Guards the test itself: a module-level, a function-level and a relative import are all seen.
    assert "cafe.queries" in GRAPH["cafe.live.safeguarding"]
    assert "cafe.web.blueprints" in GRAPH["cafe"]  # inside create_app
    assert "cafe.synthesis.cluster" in GRAPH["cafe.synthesis"]  # `from .cluster import ...`
    assert "cafe.sockets" in GRAPH["cafe.live.wall"]  # `from cafe.sockets import socketio`
    assert ROOT_NAMES["socketio"] == "cafe.sockets"  # `from cafe import socketio` means this
    assert len(MODULES) > 50


def test_imports_go_one_way_down():
    wrong = sorted(
        f"{importer} imports {target}"
        for importer, targets in GRAPH.items()
        for room, banned in FORBIDDEN
        if within(importer, room)
        for target in targets
        if any(within(target, b) for b in banned)
    )
    assert not wrong, "\n".join(wrong)


def cycles() -> list[list[str]]:
    """Return the strongly connected groups of more than one module (Tarjan), and self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(GRAPH[node] & MODULES.keys()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in GRAPH[node]:
                found.append(sorted(group))

    for name in sorted(GRAPH):
        if name not in index:
            visit(name)
    return found


def test_no_import_circles():
    circles = cycles()
    assert not circles, "\n".join(" <-> ".join(group) for group in circles)


def test_no_module_is_too_long():
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, long


def test_no_catch_all_modules():
    assert not [n for n in MODULES if n.rsplit(".", 1)[-1] in ("utils", "helpers", "misc")]
