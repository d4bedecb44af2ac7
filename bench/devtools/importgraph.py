"""The import graph of ``bench`` and the house rules it must keep (``docs/architecture.md``).

Rooms are the sub-packages (``bench.data``, ``bench.metrics``, ...) and the top-level modules.
Every import counts, including those inside functions: a lazy import is still a dependency.
The rules:

- **Floors.** Each room sits on a floor (:data:`FLOORS`); a module imports only from its own
  floor or the floors below. The command-line programs are on top; ``results`` never imports
  them.
- **No cycles** between modules.
- **No private names across rooms**: ``from bench.x import _name`` only inside the room of
  ``bench.x``.

Run ``python -m bench.devtools.importgraph`` to check the rules (exit 1 on a breach) and print the
room graph as a Mermaid diagram (``--mermaid``).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "bench"

#: Floors from the ground up; a room may import from its floor and the floors below.
FLOORS: tuple[tuple[str, ...], ...] = (
    ("types", "errors", "fileio", "envvars", "paths", "progress", "agreement", "devtools"),
    ("preprocess", "models", "memo"),
    ("data", "metrics", "summarizers", "budget", "perturb"),
    ("core",),
    ("results",),
    ("overrides", "testing"),
    ("run", "score", "compare", "meta", "report", "tracking"),
)


@dataclass(frozen=True, slots=True)
class Edge:
    """One import: ``source`` imports ``target`` (``names`` taken from it) at ``line``."""

    source: str
    target: str
    names: tuple[str, ...]
    line: int


def modules(root: Path) -> dict[str, Path]:
    """Every module of the package under ``root`` (the folder holding ``bench/``), by name."""
    found = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def edges(root: Path) -> Iterator[Edge]:
    """Every import of one ``bench`` module by another (function-level imports included)."""
    known = modules(root)
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == PACKAGE:
                        yield Edge(name, _owner(alias.name, known), (), node.lineno)
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(name, path.name == "__init__.py", node)
                if target.split(".")[0] != PACKAGE:
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in known:  # ``from bench.results import tables``: the submodule
                        yield Edge(name, sub, (), node.lineno)
                    else:
                        yield Edge(name, _owner(target, known), (alias.name,), node.lineno)


def _owner(name: str, known: Mapping[str, Path]) -> str:
    while name not in known and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def room(module: str) -> str:
    """The room of a module: ``bench.results.tables`` -> ``results``; ``bench`` -> ``bench``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def floor(room_name: str) -> int | None:
    """The floor of a room (0 = ground), ``None`` for the package itself."""
    for level, rooms in enumerate(FLOORS):
        if room_name in rooms:
            return level
    return None


def breaches(all_edges: Sequence[Edge]) -> list[str]:
    """Every broken house rule, one line each (empty when the house is in order)."""
    out = []
    for e in all_edges:
        if e.source == e.target:
            continue
        src, dst = room(e.source), room(e.target)
        if src == dst:
            continue
        low, high = floor(dst), floor(src)
        if dst != PACKAGE and (low is None or high is None):
            unplaced = src if high is None else dst
            out.append(f"{e.source}:{e.line}: room {unplaced!r} is on no floor (FLOORS)")
        elif dst != PACKAGE and low is not None and high is not None and low > high:
            out.append(f"{e.source}:{e.line}: imports {e.target} from a floor above ({dst})")
        private = [n for n in e.names if n.startswith("_") and not n.startswith("__")]
        if private:
            out.append(f"{e.source}:{e.line}: imports private {', '.join(private)} of {e.target}")
    out.extend(f"cycle: {' -> '.join(c)}" for c in cycles(all_edges))
    return list(dict.fromkeys(out))


def cycles(all_edges: Sequence[Edge]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each as a closed path."""
    graph: dict[str, set[str]] = {}
    for e in all_edges:
        if e.source != e.target and e.target != PACKAGE:
            graph.setdefault(e.source, set()).add(e.target)
            graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append([*sorted(group), sorted(group)[0]])

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def room_graph(all_edges: Sequence[Edge]) -> dict[tuple[str, str], int]:
    """Imports between rooms: (importer, imported) -> number of import statements."""
    counts: dict[tuple[str, str], int] = {}
    for e in all_edges:
        src, dst = room(e.source), room(e.target)
        if src != dst and dst != PACKAGE:
            counts[(src, dst)] = counts.get((src, dst), 0) + 1
    return counts


def compact(graph: Mapping[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    """The room graph without the ground floor (used by all) and without implied arrows.

    An arrow a -> b is dropped when b is reachable from a through other rooms (transitive
    reduction): what is left is the picture a newcomer reads in a minute.
    """
    ground = set(FLOORS[0])
    kept = {pair: n for pair, n in graph.items() if pair[1] not in ground and pair[0] not in ground}
    succ: dict[str, set[str]] = {}
    for a, b in kept:
        succ.setdefault(a, set()).add(b)

    def reachable(start: str, skip: tuple[str, str]) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            for nxt in succ.get(node, ()):
                if (node, nxt) != skip and nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    return {pair: n for pair, n in kept.items() if pair[1] not in reachable(pair[0], pair)}


def mermaid(all_edges: Sequence[Edge], reduce: bool = False) -> str:
    """The room graph as a Mermaid flowchart, floors as rows from the top floor down."""
    graph = room_graph(all_edges)
    if reduce:
        graph = compact(graph)
    present = sorted({r for pair in graph for r in pair})
    lines = ["flowchart TD"]
    for level in reversed(range(len(FLOORS))):
        rooms = [r for r in FLOORS[level] if r in present]
        if rooms:
            lines.append(f"  subgraph floor{level}[floor {level}]")
            lines.extend(f"    {r}" for r in rooms)
            lines.append("  end")
    lines.extend(f"  {a} --> {b}" for (a, b) in sorted(graph))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Check the house rules; print the breaches (exit 1) or the Mermaid room graph."""
    parser = argparse.ArgumentParser(prog="python -m bench.devtools.importgraph")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--mermaid", action="store_true", help="print the room graph")
    parser.add_argument("--compact", action="store_true",
                        help="without the ground floor and implied arrows")  # fmt: skip
    args = parser.parse_args(argv)
    found = list(edges(args.root))
    problems = breaches(found)
    for line in problems:
        print(line)
    if args.mermaid:
        print(mermaid(found, reduce=args.compact))
    n_modules = len(modules(args.root))
    print(f"{n_modules} modules, {len(found)} imports, {len(problems)} breaches", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
