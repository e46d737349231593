"""The package's structure, checked from its source: no import cycles, the engine stays apart, modules stay
small, nobody imports another module's private names, Streamlit stays in the widget modules, and the picture
in ``docs/architecture.md`` shows the imports that are really there."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nnviz"
#: Longest module allowed (the issue's "about 450 lines").
MAX_LINES = 450
#: The only nnviz modules that import Streamlit: the session's accessors and the playground's widgets.
STREAMLIT_MODULES = {
    "nnviz.playground.session",
    "nnviz.playground.sidebar",
    "nnviz.playground.view",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str) -> list[tuple[str, list[str], int]]:
    """Every import in a module, wherever it is (in functions, under ``if TYPE_CHECKING`` too):
    ``(module imported from, names taken, line)``, relative imports resolved."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            found.append((base, [alias.name for alias in node.names], node.lineno))
    return found


def targets(name: str) -> set[str]:
    """The nnviz modules a module imports (``from package import module`` counts as the module)."""
    out = set()
    for base, names, _ in imports(name):
        for candidate in [f"{base}.{n}" for n in names] + [base]:
            if candidate in MODULES:
                if candidate != name:
                    out.add(candidate)
                break
    return out


GRAPH = {name: targets(name) for name in MODULES}


def reexports_only(importer: str, imported: str) -> bool:
    """A package's ``__init__`` importing its own modules, or a module importing its parent package's
    face, is the package's public face, not a dependency between modules."""
    return MODULES[imported].name == "__init__.py" and importer.startswith(imported + ".")


def cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if reexports_only(v, w):
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    return found


def test_there_are_no_import_cycles():
    assert cycles() == []


def test_the_cycle_finder_finds_a_cycle():
    GRAPH["nnviz.core.errors"].add("nnviz.core.network")  # network imports errors (through layer)
    try:
        assert any("nnviz.core.errors" in c for c in cycles())
    finally:
        GRAPH["nnviz.core.errors"].discard("nnviz.core.network")


def test_the_engine_imports_only_numpy_sympy_the_standard_library_and_itself():
    allowed = set(sys.stdlib_module_names) | {"numpy", "sympy", "__future__"}
    for name in (n for n in MODULES if n.startswith("nnviz.core")):
        for base, _, line in imports(name):
            top = base.split(".")[0]
            if top == "nnviz":
                assert base.startswith("nnviz.core"), f"{name}:{line} imports {base}"
            else:
                assert top in allowed, f"{name}:{line} imports {base}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_longer_than_the_limit(name):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split it where it holds two ideas"


def test_no_module_imports_another_modules_private_names():
    for name in MODULES:
        for base, names, line in imports(name):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{name}:{line} imports {private} from {base}"


def test_no_module_reads_private_attributes_of_another_nnviz_module():
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        ours = set()  # every name an import from nnviz binds: `from nnviz.x import y`, `from . import y`
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("nnviz")):
                ours |= {a.asname or a.name for a in node.names}
            elif isinstance(node, ast.Import):
                ours |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name.startswith("nnviz")}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in ours
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                raise AssertionError(f"{name}:{node.lineno} reads {node.value.id}.{node.attr}")


def test_streamlit_is_imported_only_by_the_widget_modules():
    users = {
        name for name in MODULES if any(base.split(".")[0] == "streamlit" for base, _, _ in imports(name))
    }
    assert users == STREAMLIT_MODULES


# --- the picture in docs/architecture.md -----------------------------------------------------------

#: The parts of the picture: every nnviz module belongs to exactly one.
PARTS = {
    "core": "nnviz.core",
    "drawing": "nnviz.drawing",
    "playground": "nnviz.playground",
    "lessons": "nnviz.lessons",
    "articles": "nnviz.articles",
    "model_file": "nnviz.model_file",
    "export": "nnviz.export",
    "user_text": "nnviz.user_text",
}


def part_of(module: str) -> str | None:
    for part, prefix in PARTS.items():
        if module == prefix or module.startswith(prefix + "."):
            return part
    return None


def drawn_edges() -> set[tuple[str, str]]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    block = re.search(r"```mermaid\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no mermaid picture"
    return set(re.findall(r"^\s*(\w+)\s*-->\s*(\w+)\s*$", block.group(1), re.M))


def test_every_module_belongs_to_a_part_of_the_picture():
    assert [m for m in MODULES if m != "nnviz" and part_of(m) is None] == []


def test_the_picture_in_the_docs_shows_the_imports_between_parts():
    real = {
        (part_of(a), part_of(b))
        for a, bs in GRAPH.items()
        for b in bs
        if part_of(a) and part_of(b) and part_of(a) != part_of(b)
    }
    assert drawn_edges() == real
