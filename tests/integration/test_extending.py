"""Issue 14 item 5: plug-ins the Hydra way. The worked example of docs/extending.md (a summarizer
and a metric in a user's folder) is written from the page itself to a temporary folder outside
the repository and used with ``--config-dir`` or ``hydra.searchpath`` and nothing else: no
PYTHONPATH, no ``~summarizer.<key>``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.errors import BenchError
from bench.overrides import add_plugin_imports, check_group_choices, check_overrides
from bench.paths import CONF_DIR
from tests.conftest import ROOT

DOC = ROOT / "docs" / "extending.md"
_BLOCK = re.compile(r"```(?:python|yaml)\n# file: (?P<path>\S+)\n(?P<body>.*?)```", re.DOTALL)


def write_example_plugin(folder: Path) -> Path:
    """Write every ``# file:`` block of docs/extending.md under ``folder``; return ``folder``."""
    blocks = _BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert {path for path, _ in blocks} == {
        "my_plugins.py", "conf/summarizer/first_sentences.yaml", "conf/metrics/repetition.yaml"
    }  # fmt: skip
    for path, body in blocks:
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(body, encoding="utf-8")
    return folder


@pytest.fixture
def plugin(tmp_path) -> Path:
    folder = write_example_plugin(tmp_path / "my_project")
    assert ROOT not in folder.parents
    return folder


def _bench_run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The checkout's ``bench-run`` in ``folder``, its results in ``folder/results``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    script = Path(sys.executable).with_name("bench-run")
    return subprocess.run(
        [str(script), *args, f"paths.results_dir={folder / 'results'}"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _run_json(folder: Path) -> dict:
    (path,) = (folder / "results").glob("runs/*/*/run.json")
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_documented_commands_are_the_ones_tested():
    text = DOC.read_text(encoding="utf-8")
    for command in (
        "bench-run --config-dir conf summarizer=first_sentences",
        "bench-run -m --config-dir conf summarizer=lead,first_sentences",
        "bench-run 'hydra.searchpath=[file://conf]' summarizer=first_sentences",
    ):
        assert command in text, command


@pytest.mark.parametrize(
    "route",
    [["--config-dir", "conf"], ["-cd", "conf"], ["hydra.searchpath=[file://conf]"]],
    ids=["config-dir", "cd", "searchpath"],
)
def test_a_summarizer_plugin_runs_from_the_users_folder(plugin, route):
    proc = _bench_run(plugin, *route, "summarizer=first_sentences", "metrics=[rouge]")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| first_sentences" in proc.stdout
    record = _run_json(plugin)
    assert record["system"] == "first_sentences"
    # The chosen option replaces the default summarizer whole: nothing of lead's leaks in.
    assert record["config"]["summarizer"] == {
        "_target_": "my_plugins.FirstSentences", "name": "first_sentences", "per_document": 1
    }  # fmt: skip
    assert record["summarizer_signature"]["per_document"] == "1"


@pytest.mark.parametrize(
    "launcher",
    [[], pytest.param(["hydra/launcher=parallel"], marks=pytest.mark.slow, id="parallel")],
    ids=lambda a: "basic" if a == [] else None,
)
def test_a_sweep_mixes_built_in_and_plugin_summarizers(plugin, launcher):
    # The parallel launcher's worker processes import the plug-in through PYTHONPATH.
    sweep = plugin / "sweep"
    proc = _bench_run(plugin, "-m", "--config-dir", "conf", "summarizer=lead,first_sentences",
                      "metrics=[rouge]", f"hydra.sweep.dir={sweep}", *launcher)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    systems = {json.loads(p.read_text())["system"] for p in sweep.glob("*/run.json")}
    assert systems == {"lead", "first_sentences"}
    assert "first_sentences" in (sweep / "comparison.md").read_text()


def test_an_unknown_option_lists_the_users_options_too(plugin):
    proc = _bench_run(plugin, "--config-dir", "conf", "summarizer=first_sentence")
    assert proc.returncode == 2
    assert proc.stderr.startswith("bench-run: error: unknown summarizer 'first_sentence'; ")
    assert "first_sentences" in proc.stderr and "lead" in proc.stderr
    assert not (plugin / "results").exists()


def test_group_choices_see_config_dir_searchpath_and_packages(plugin, monkeypatch):
    monkeypatch.chdir(plugin)
    for route in (["--config-dir", "conf"], ["--config-dir=conf"],
                  [f"hydra.searchpath=[file://{plugin / 'conf'}]"],
                  ["hydra.searchpath=[file://conf]"]):  # fmt: skip
        check_group_choices([*route, "summarizer=first_sentences"], CONF_DIR)
        check_group_choices([*route, "-m", "metrics=[rouge,repetition]"], CONF_DIR)
        check_overrides([*route, "summarizer=first_sentences", "metrics=[repetition]"], CONF_DIR)
    # pkg:// search paths: the launcher plug-ins' own configs and any importable package.
    check_group_choices(["hydra/launcher=joblib"], CONF_DIR)
    package = plugin / "site" / "their_package"
    (package / "conf" / "summarizer").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "conf" / "__init__.py").write_text("")
    (package / "conf" / "summarizer" / "theirs.yaml").write_text("_target_: x.Y\n")
    monkeypatch.syspath_prepend(str(plugin / "site"))
    check_group_choices(["hydra.searchpath=[pkg://their_package.conf]", "summarizer=theirs"],
                        CONF_DIR)  # fmt: skip
    with pytest.raises(BenchError, match=r"unknown metrics 'repetition'; available: bertscore, "):
        check_group_choices(["metrics=[rouge,repetition]"], CONF_DIR)
    with pytest.raises(BenchError, match="config directory nowhere .--config-dir. is not a dir"):
        check_group_choices(["--config-dir", "nowhere", "summarizer=lead"], CONF_DIR)


def test_a_user_option_named_like_a_built_in_one_is_reported(plugin, caplog):
    (plugin / "conf" / "summarizer" / "lead.yaml").write_text("_target_: my_plugins.X\n")
    check_group_choices(["-cd", str(plugin / "conf"), "summarizer=lead"], CONF_DIR)
    assert "summarizer/lead.yaml is not used: mdsbench's own summarizer 'lead'" in caplog.text
    caplog.clear()
    check_group_choices(["-cd", str(plugin / "conf"), "summarizer=first_sentences"], CONF_DIR)
    assert not caplog.text


def test_the_folder_holding_a_config_dir_becomes_importable(plugin, monkeypatch):
    monkeypatch.chdir(plugin.parent)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("PYTHONPATH", "/already/there")
    assert add_plugin_imports(["-cd", "my_project/conf", "summarizer=lead"]) == [plugin]
    assert sys.path[-1] == str(plugin)
    assert os.environ["PYTHONPATH"] == f"/already/there{os.pathsep}{plugin}"
    assert add_plugin_imports(["-cd", "my_project/conf"]) == []  # once only
    assert add_plugin_imports(["hydra.searchpath=[pkg://x.conf]", "seed=1"]) == []


def test_the_metric_plugin_loads_and_keeps_the_metric_contract(plugin, monkeypatch, cluster):
    """Loading, instantiation and the contract; the end-to-end row is the next test."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from bench.core.build import instantiate, metric_nodes
    from bench.metrics.base import Metric, MetricInfo, MetricOutput

    monkeypatch.chdir(plugin)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "my_plugins", raising=False)
    args = [f"hydra.searchpath=[file://{plugin / 'conf'}]", "metrics=[rouge,repetition]"]
    check_group_choices(args, CONF_DIR)
    add_plugin_imports(args)
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = compose(config_name="run", overrides=args)
    finally:
        GlobalHydra.instance().clear()
    metric = instantiate(metric_nodes(cfg)["repetition"], "metric")
    assert isinstance(metric, Metric) and isinstance(metric.info, MetricInfo)
    assert metric.info.higher_is_better == {"repetition_bigrams": False}
    out = metric.score(["a b a b c", "one two", cluster.references[0].text], [cluster] * 3)
    assert isinstance(out, MetricOutput)
    assert [row["repetition_bigrams"] for row in out.scores[:2]] == [0.25, 0.0]
    assert 0.0 <= out.scores[2]["repetition_bigrams"] < 0.1
    json.dumps(metric.info.as_dict())  # recordable in run.json


def test_a_metric_plugin_appears_in_the_run_table_with_its_direction(plugin):
    proc = _bench_run(plugin, "--config-dir", "conf", "metrics=[rouge,repetition]")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Rep-2" in proc.stdout
    record = _run_json(plugin)
    assert record["metric_info"]["repetition"]["keys"]["repetition_bigrams"][
        "higher_is_better"
    ] is False  # fmt: skip
    assert "repetition_bigrams" in record["scores"]


def _tool(folder: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    script = Path(sys.executable).with_name(name)
    return subprocess.run([str(script), *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def test_a_metric_plugin_appears_in_bench_table_and_the_gate_by_its_direction(plugin):
    sweep = plugin / "results" / "sweep"
    proc = _bench_run(plugin, "-m", "--config-dir", "conf", "summarizer=random,first_sentences",
                      "metrics=[rouge,repetition]", f"hydra.sweep.dir={sweep}")  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = _tool(plugin, "bench-table", str(sweep))
    assert table.returncode == 0, table.stderr
    header, _, *rows = [line for line in table.stdout.splitlines() if line.startswith("|")]
    column = [c.strip() for c in header.split("|")].index("Rep-2")
    cells = [[c.strip() for c in row.split("|")][column] for row in rows]
    values = [float(c.strip("*").split()[0]) for c in cells]
    # lower is better: the bold cell is the minimum, not the maximum
    assert len(set(values)) == 2 and cells[values.index(min(values))].startswith("**")

    baseline = plugin / "baseline"
    wrote = _tool(plugin, "bench-compare", "--baseline", str(baseline), "--run", str(sweep),
                  "--write-baseline")  # fmt: skip
    assert wrote.returncode == 0, wrote.stderr
    gate = _tool(plugin, "bench-compare", "--baseline", str(baseline), "--run", str(sweep))
    assert gate.returncode == 0 and "repetition_bigrams" in gate.stdout, gate.stdout + gate.stderr
    # The baseline made 0.2 lower (better) in repetition: the same run now regressed on it; made
    # 0.2 higher (worse): the run improved, and the gate passes.
    record_path = baseline / "random" / "run.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    mean = record["scores"]["repetition_bigrams"]["mean"]
    for shift, expected in ((-0.2, 1), (+0.2, 0)):
        record["scores"]["repetition_bigrams"]["mean"] = mean + shift
        record_path.write_text(json.dumps(record), encoding="utf-8")
        gate = _tool(plugin, "bench-compare", "--baseline", str(baseline), "--run", str(sweep))
        assert gate.returncode == expected, gate.stdout + gate.stderr
        if expected:
            failed = [line for line in gate.stdout.splitlines() if "FAIL" in line.upper()]
            assert any("repetition_bigrams" in line for line in failed), gate.stdout
