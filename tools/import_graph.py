"""actionrec's import graph, read from the modules' own `import` statements (nothing is imported).

    python tools/import_graph.py            # layers, loops, rule violations, function-local imports
    python tools/import_graph.py --edges    # every file -> file edge

An edge goes from a file to the file its import names: `from actionrec.models.tsn import TSN` ->
`models/tsn.py`, `from actionrec.models import TSN` -> `models/__init__.py`, `from .loader import x`
-> the sibling. `tests/test_architecture.py` checks the rules below on every run.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "actionrec"

# (importer folder, imported module prefix, why it is forbidden)
RULES = [
    ("checkpoints/", "actionrec.models", "checkpoints/ is model-blind: families convert their own layouts"),
    ("models/", "actionrec.config", "models know nothing of config files or MMAction2's dialect"),
    ("models/", "actionrec.download", "models never download: builders construct, then load via checkpoints/"),
    ("data/", "actionrec.models", "the data pipeline does not depend on models"),
    ("data/", "actionrec.engine", "the data pipeline does not depend on the engine"),
]


@dataclass(frozen=True)
class Import:
    source: str  # file, relative to actionrec/
    target: str  # file, relative to actionrec/
    module: str  # dotted name as written (resolved)
    line: int
    local: bool  # inside a function
    comment: str  # the source line's trailing comment, if any


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_file(name: str) -> str | None:
    """'actionrec.models.tsn' -> 'models/tsn.py' (or a package's __init__.py); None if not a module."""
    parts = name.split(".")[1:]
    if not parts:
        return "__init__.py"
    rel = Path(*parts)
    for candidate in (PACKAGE / rel.with_suffix(".py"), PACKAGE / rel / "__init__.py"):
        if candidate.is_file():
            return str(candidate.relative_to(PACKAGE))
    return None


def library_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "configs" not in p.relative_to(PACKAGE).parts)


def _local_nodes(tree: ast.AST) -> set[int]:
    """ids of import nodes that sit inside a function body."""
    local: set[int] = set()
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            local.update(id(n) for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom)))
    return local


def imports_of(path: Path) -> list[Import]:
    source_text = path.read_text()
    lines = source_text.splitlines()
    tree = ast.parse(source_text)
    local = _local_nodes(tree)
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from actionrec import zoo` / `from actionrec.models import uniformerv2` name submodules
            names = [f"{base}.{a.name}" if module_file(f"{base}.{a.name}") else base for a in node.names]
        else:
            continue
        comment = lines[node.lineno - 1].partition("#")[2].strip()
        for name in dict.fromkeys(names):
            if name.split(".")[0] != "actionrec":
                continue
            target = module_file(name)
            if target is not None:
                rel = str(path.relative_to(PACKAGE))
                found.append(Import(rel, target, name, node.lineno, id(node) in local, comment))
    return found


def graph() -> list[Import]:
    return [imp for path in library_files() for imp in imports_of(path)]


def cycles(edges: list[Import]) -> list[list[str]]:
    """Strongly connected components with more than one file (Tarjan), each a loop of imports."""
    adjacency: dict[str, set[str]] = {}
    for e in edges:
        if e.source != e.target:
            adjacency.setdefault(e.source, set()).add(e.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(adjacency.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(adjacency):
        if v not in index:
            visit(v)
    return found


def violations(edges: list[Import]) -> list[str]:
    out = []
    for e in edges:
        for folder, prefix, why in RULES:
            if e.source.startswith(folder) and (e.module == prefix or e.module.startswith(prefix + ".")):
                out.append(f"{e.source}:{e.line} imports {e.module}: {why}")
    return out


def unexplained_local_imports(edges: list[Import]) -> list[str]:
    """Function-local imports of actionrec modules outside commands/ and cli.py without a comment saying why."""
    return [
        f"{e.source}:{e.line} imports {e.module} inside a function"
        for e in edges
        if e.local and not e.source.startswith("commands/") and e.source != "cli.py" and not e.comment
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edges", action="store_true", help="print every edge")
    args = parser.parse_args()
    edges = graph()
    if args.edges:
        for e in sorted(edges, key=lambda e: (e.source, e.line)):
            print(f"{e.source}:{e.line} -> {e.target}{'  (in a function)' if e.local else ''}")
    local = [e for e in edges if e.local]
    print(f"{len(library_files())} files, {len(edges)} imports of actionrec modules, {len(local)} inside functions")
    loops = cycles(edges)
    print(f"import loops: {len(loops)}")
    for loop in loops:
        print("  " + " <-> ".join(loop))
    bad = violations(edges)
    print(f"layer rule violations: {len(bad)}")
    for line in bad:
        print("  " + line)
    unexplained = unexplained_local_imports(edges)
    print(f"function-local imports without a reason (outside commands/): {len(unexplained)}")
    for line in unexplained:
        print("  " + line)
    return 1 if loops or bad or unexplained else 0


if __name__ == "__main__":
    raise SystemExit(main())
