"""The house rules of the import graph (bench.devtools.importgraph): the checker, then the house."""

from __future__ import annotations

from pathlib import Path

from bench.devtools.importgraph import breaches, edges, main, mermaid

ROOT = Path(__file__).resolve().parents[2]


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "bench" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_checker_finds_a_cycle_a_back_arrow_and_a_private_import(tmp_path):
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "run.py": "from bench.results.tables import render\n_prune = 1\n",
            "results/__init__.py": "",
            "results/tables.py": "def render():\n    from bench.run import _prune\n",
            "data/__init__.py": "",
            "data/a.py": "from . import b\n",
            "data/b.py": "import bench.data.a\n",
        },
    )
    found = breaches(list(edges(root)))
    assert "bench.results.tables:2: imports bench.run from a floor above (run)" in found
    assert "bench.results.tables:2: imports private _prune of bench.run" in found
    assert "cycle: bench.data.a -> bench.data.b -> bench.data.a" in found
    assert any(line.startswith("cycle: bench.results.tables -> bench.run") for line in found)


def test_the_checker_passes_a_house_in_order(tmp_path):
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "run.py": "from bench.results.tables import render\n",
            "results/__init__.py": "",
            "results/tables.py": "from bench.results._util import x\nfrom bench.types import T\n",
            "results/_util.py": "x = 1\n",
            "types.py": "T = int\n",
        },
    )
    found = list(edges(root))
    assert breaches(found) == []
    assert "run --> results" in mermaid(found) and "results --> types" in mermaid(found)


def test_a_room_on_no_floor_is_reported(tmp_path):
    root = _package(
        tmp_path, {"__init__.py": "", "attic.py": "import bench.types\n", "types.py": ""}
    )
    assert breaches(list(edges(root))) == ["bench.attic:1: room 'attic' is on no floor (FLOORS)"]


def test_the_house_keeps_its_rules(capsys):
    assert main(["--root", str(ROOT)]) == 0, capsys.readouterr().out


def test_the_compact_picture_drops_the_ground_floor_and_implied_arrows():
    from bench.devtools.importgraph import compact

    graph = {("run", "core"): 1, ("core", "metrics"): 2, ("run", "metrics"): 1,
             ("run", "errors"): 5, ("metrics", "types"): 3}  # fmt: skip
    assert compact(graph) == {("run", "core"): 1, ("core", "metrics"): 2}
