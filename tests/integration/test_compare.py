"""bench-compare: the regression gate against the committed baseline, tolerances, paired tests."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.compare import main
from bench.errors import BenchError
from bench.fileio import atomic_write_json, atomic_write_jsonl, read_jsonl
from bench.metrics.base import LENGTH_INFO, MetricInfo, percent_keys
from bench.results.runrecord import system_label
from bench.results.tolerances import Rule, load_tolerances, parse_tolerances
from tests.conftest import ROOT
from tests.integration.test_configs import MODEL_FREE

BASELINE = ROOT / "results" / "baselines" / "model_free"
SYSTEMS = sorted(MODEL_FREE)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """A fresh model-free sweep, built once for the module."""
    out = tmp_path_factory.mktemp("sweep") / "model_free"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "sweep=model_free", f"hydra.sweep.dir={out}"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out


def _compare(capsys, *args: str | Path) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def _rows(markdown: str) -> dict[tuple[str, str], list[str]]:
    """Table rows by (system, metric), as lists of stripped cells."""
    rows = {}
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith(("| System", "| ---")):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0], cells[1]] = cells
    return rows


def _edit_run(path: Path, metric: str, delta: float) -> None:
    record = json.loads(path.read_text())
    record["scores"][metric]["mean"] += delta
    path.write_text(json.dumps(record))


# --- the gate on the committed baseline -------------------------------------------------------


def test_committed_baseline_holds_every_model_free_system():
    assert sorted(p.name for p in BASELINE.iterdir() if p.is_dir()) == list(SYSTEMS)
    for system in SYSTEMS:
        record = json.loads((BASELINE / system / "run.json").read_text())
        assert record["system"] == system
        assert system_label(record) == system
        (row,) = read_jsonl(BASELINE / system / "scores.jsonl")
        assert row["scores"]["rouge1_f"] == record["scores"]["rouge1_f"]["mean"]


def test_fresh_sweep_passes_against_the_committed_baseline(sweep, capsys):
    code, out, err = _compare(capsys, "--baseline", BASELINE, "--run", sweep)
    assert code == 0, out + err
    assert out.startswith("### bench-compare: PASS\n")
    rows = _rows(out)
    assert {system for system, _ in rows} == set(SYSTEMS)
    assert len(rows) == len(SYSTEMS) * 15  # 12 ROUGE values, fact, 2 lengths per system
    assert all(cells[-1] == "PASS" for cells in rows.values())
    assert rows["lead", "rouge1_f"][5] == "-0.005"
    assert rows["lead", "length_words"][5] == "±1"


def test_only_scores_count_not_paths_git_or_packages(sweep, tmp_path, capsys):
    baseline = tmp_path / "baseline"
    shutil.copytree(BASELINE, baseline)
    for path in baseline.glob("*/run.json"):
        record = json.loads(path.read_text())
        record.update(config={"paths": {"root": "/elsewhere"}}, git={"commit": "x", "dirty": True},
                      packages={"python": "0"})  # fmt: skip
        path.write_text(json.dumps(record))
    code, out, _ = _compare(capsys, "--baseline", baseline, "--run", sweep)
    assert code == 0, out


def test_a_metric_raised_in_the_baseline_beyond_tolerance_fails(sweep, tmp_path, capsys):
    baseline = tmp_path / "baseline"
    shutil.copytree(BASELINE, baseline)
    _edit_run(baseline / "lead" / "run.json", "rouge2_f", 0.01)  # the run now drops by 0.01
    _edit_run(baseline / "lead" / "run.json", "rouge1_f", 0.004)  # within tolerance 0.005
    code, out, _ = _compare(capsys, "--baseline", baseline, "--run", sweep)
    assert code == 1
    assert out.startswith("### bench-compare: FAIL\n")
    rows = _rows(out)
    assert rows["lead", "rouge2_f"][4] == "-0.0100"
    assert rows["lead", "rouge2_f"][-1] == "FAIL"
    assert rows["lead", "rouge1_f"][-1] == "PASS"
    assert [key for key, cells in rows.items() if cells[-1] == "FAIL"] == [("lead", "rouge2_f")]
    assert f"{len(SYSTEMS) * 15} comparison(s), 1 failed." in out


def test_a_rise_passes_but_lengths_fail_either_way(sweep, tmp_path, capsys):
    baseline = tmp_path / "baseline"
    shutil.copytree(BASELINE, baseline)
    _edit_run(baseline / "oracle" / "run.json", "rouge1_f", -0.2)  # the run improves
    _edit_run(baseline / "oracle" / "run.json", "length_words", -5.0)  # the run is longer
    code, out, _ = _compare(capsys, "--baseline", baseline, "--run", sweep)
    assert code == 1
    rows = _rows(out)
    assert rows["oracle", "rouge1_f"][-1] == "PASS"
    assert rows["oracle", "length_words"][-1] == "FAIL"


def test_a_system_missing_from_the_run_fails_with_its_own_row(sweep, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(sweep, run)
    shutil.rmtree(run / "summarizer=random")
    code, out, _ = _compare(capsys, "--baseline", BASELINE, "--run", run)
    assert code == 1
    rows = _rows(out)
    assert rows["random", "(all metrics)"][3] == "missing from run"
    assert rows["random", "(all metrics)"][-1] == "FAIL"
    assert all(cells[-1] == "PASS" for (system, _), cells in rows.items() if system != "random")


def test_other_clusters_fail_and_other_signatures_are_noted(sweep, tmp_path, capsys):
    baseline = tmp_path / "baseline"
    shutil.copytree(BASELINE / "lead", baseline / "lead")
    record = json.loads((baseline / "lead" / "run.json").read_text())
    record["n_clusters"] = 2
    record["signatures"]["rouge"] = "impl:other"
    (baseline / "lead" / "run.json").write_text(json.dumps(record))
    code, out, _ = _compare(capsys, "--baseline", baseline, "--run", sweep / "summarizer=lead")
    assert code == 1
    assert _rows(out)["lead", "n_clusters"][2:] == ["2", "1", "-1", "±0", "FAIL"]
    assert "- lead: signature of rouge differs from the baseline" in out


def test_a_baseline_file_compares_one_system(sweep, capsys):
    code, out, _ = _compare(capsys, "--baseline", BASELINE / "oracle" / "run.json", "--run", sweep)
    assert code == 0
    assert {system for system, _ in _rows(out)} == {"oracle"}
    assert (
        "Systems not in the baseline (not compared): "
        "centroid, lead, lexrank, mmr, random, sumbasic, textrank."
    ) in out


def test_a_metric_missing_from_the_run_fails(sweep, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(sweep / "summarizer=lead", run)
    record = json.loads((run / "run.json").read_text())
    del record["scores"]["rougeL_r"]
    (run / "run.json").write_text(json.dumps(record))
    code, out, _ = _compare(capsys, "--baseline", BASELINE / "lead", "--run", run)
    assert code == 1
    assert _rows(out)["lead", "rougeL_r"][3:] == ["missing from run", "-", "-0.01", "FAIL"]


# --- Markdown ---------------------------------------------------------------------------------


def test_markdown_table_shape_and_summary_file(sweep, tmp_path, capsys):
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n")
    for _ in range(2):
        code, out, _ = _compare(capsys, "--baseline", BASELINE, "--run", sweep,
                                "--summary", summary)  # fmt: skip
        assert code == 0
    lines = out.splitlines()
    table = [line for line in lines if line.startswith("|")]
    assert table[0].split("|")[1:-1] == [
        " System   ", " Metric           ", " Baseline ", "      Run ", "   Delta ", " Tolerance ",
        " Status ",
    ]  # fmt: skip
    assert set(table[1]) <= {"|", "-", ":", " "}
    assert all(line.count("|") == 8 for line in table)
    assert len({len(line) for line in table}) == 1  # aligned columns
    assert lines[0] == "### bench-compare: PASS"
    # the count follows the table after one blank line; notes (if any) come last
    end = lines.index(table[-1])
    n = len(SYSTEMS)
    assert lines[end + 1 : end + 3] == [
        "",
        f"{n} baseline system(s), {n * 15} comparison(s), 0 failed.",
    ]
    assert all(line.startswith("- ") for line in lines[end + 4 :])
    text = summary.read_text()
    assert text.startswith("earlier step\n### bench-compare: PASS")
    assert text.count("### bench-compare: PASS") == 2  # appended, not overwritten


def test_p_value_column_only_with_significance(sweep, capsys):
    code, out, _ = _compare(capsys, "--baseline", BASELINE, "--run", sweep, "--significance")
    assert code == 0
    header = next(line for line in out.splitlines() if line.startswith("| System"))
    assert "p-value" in header
    rows = _rows(out)
    # one cluster with four references, scored with multi_ref=max: the shown value is the best
    # reference's, not the mean over references, so no paired test over references applies
    assert rows["lead", "rouge1_f"][6] == "n/a"
    assert rows["lead", "length_words"][6] == "n/a"


# --- bad usage and input: exit 2, one line ----------------------------------------------------


def _garbled(tmp_path: Path) -> Path:
    bad = tmp_path / "garbled"
    shutil.copytree(BASELINE, bad)
    (bad / "lead" / "run.json").write_text('{"system": "lead", "scores": {')
    return bad


def _tolerances(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tolerances.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda t, s: ["--baseline", t / "nope", "--run", s], "baseline not found:"),
        (lambda t, s: ["--baseline", BASELINE, "--run", t / "nope"], "run not found:"),
        (lambda t, s: ["--baseline", t, "--run", s], "no run.json under baseline directory"),
        (lambda t, s: ["--baseline", _garbled(t), "--run", s],
         "lead/run.json: unreadable run.json (invalid JSON"),
        (lambda t, s: ["--baseline", BASELINE, "--run", s, "--tolerances", t / "x.yaml"],
         "tolerance file not found"),
        (lambda t, s: ["--baseline", BASELINE, "--run", s, "--tolerances",
                       _tolerances(t, "default: 0.01\nmetric: {rouge1_f: 0.1}\n")],
         "unknown key 'metric'; allowed: default, metrics, exclude"),
        (lambda t, s: ["--baseline", BASELINE, "--run", s, "--tolerances",
                       _tolerances(t, "default: 0.01\nmetrics: {rouge1_f: {tol: 1}}\n")],
         "metrics.rouge1_f: unknown key 'tol'"),
        (lambda t, s: ["--baseline", BASELINE, "--run", s, "--tolerances",
                       _tolerances(t, "default: 0.01\nmetrics: {rouge9_f: 0.1}\n")],
         "unknown metric 'rouge9_f'; known: fact_consistency, length_sentences"),
        (lambda t, s: ["--baseline", BASELINE, "--run", s, "--tolerances",
                       _tolerances(t, "default: -1\n")], "tolerance must be a number >= 0"),
        (lambda t, s: ["--baseline", BASELINE, "--run", s, "--tolerances",
                       _tolerances(t, "default: [1\n")], "invalid YAML"),
        (lambda t, s: ["--baseline", BASELINE / "lead", "--run", s / "summarizer=oracle"],
         "no matching systems: baseline system lead: no run with that name; runs: oracle"),
        (lambda t, s: ["--baseline", BASELINE, "--run", s, "--bogus"],
         "unrecognized arguments: --bogus"),
        (lambda t, s: ["--baseline", BASELINE], "the following arguments are required: --run"),
        (lambda t, s: ["--baseline", BASELINE, "--run", s, "--significance", "--alpha", "2"],
         "--alpha must be between 0 and 1"),
    ],
)  # fmt: skip
def test_bad_usage_or_input_exits_2_with_one_line(sweep, tmp_path, capsys, make_args, message):
    code, out, err = _compare(capsys, *make_args(tmp_path, sweep))
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("bench-compare: error: ")
    assert message in lines[0]


def test_console_script_reports_one_line_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "bench.compare", "--baseline", str(tmp_path / "none"),
         "--run", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"bench-compare: error: baseline not found: {tmp_path}/none"
    ]


def test_two_runs_with_one_label_are_an_error(sweep, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(sweep / "summarizer=lead", run / "a")
    shutil.copytree(sweep / "summarizer=lead", run / "b")
    code, _, err = _compare(capsys, "--baseline", BASELINE, "--run", run)
    assert code == 2
    assert "run: two runs are labelled 'lead' on one dataset" in err


# --- tolerances -------------------------------------------------------------------------------


def test_default_tolerance_file_rules():
    tol = load_tolerances(ROOT / "conf" / "compare" / "default.yaml")
    assert tol.source == "conf/compare/default.yaml"
    assert tol.rule("rouge2_f") == Rule(0.005)
    assert tol.rule("rougeLsum_p") == Rule(0.01)
    assert tol.rule("length_words") == Rule(1.0)  # direction: the declared one (none: both)
    assert tol.rule("length_words").directed(None) == Rule(1.0, "both")
    assert tol.rule("rouge2_f").directed(True) == Rule(0.005, "higher")
    assert tol.rule("bertscore_f") == tol.default


def test_exact_names_win_over_patterns_and_exclude_skips():
    tol = parse_tolerances({
        "default": 0.1,
        "metrics": {"rouge*": 0.02, "rouge2_f": {"tolerance": 0.001}, "ppl": {
            "tolerance": 0.5, "direction": "lower"}},
        "exclude": ["length_*"],
    })  # fmt: skip
    assert tol.rule("rouge2_f") == Rule(0.001)
    assert tol.rule("rouge1_f") == Rule(0.02)
    assert tol.rule("length_words") is None
    assert tol.rule("ppl").fails(0.6) and not tol.rule("ppl").fails(-3.0)
    assert tol.rule("ppl").directed(True) == Rule(0.5, "lower")  # the file's direction wins
    higher = Rule(0.0, "higher")
    assert higher.fails(-1e-9) and not higher.fails(0.0)
    tol.check_names({"rouge2_f", "ppl"})
    with pytest.raises(BenchError, match="unknown metric 'ppl'"):
        tol.check_names({"rouge2_f"})


def test_execution_only_overrides_do_not_change_the_label():
    record = {"system": "lead", "overrides": ["summarizer=lead", "resume=false", "budget=words250"]}
    assert system_label(record) == "lead (budget=words250)"


# --- significance on hand-made runs -----------------------------------------------------------


FAKE_ROUGE = MetricInfo("rouge", percent_keys(["rouge1_f"]))


def _fake_run(directory: Path, system: str, per_cluster: list[float], per_reference=None) -> None:
    """A run dir with rouge1_f (and a constant length) per cluster."""
    rows = [
        {"cluster_id": f"c{i:03d}", "summary": "", "scores": {"rouge1_f": v, "length_words": 100.0}}
        for i, v in enumerate(per_cluster)
    ]
    if per_reference is not None:
        rows[0]["per_reference"] = {ref: {"rouge1_f": v} for ref, v in per_reference.items()}
    mean = sum(per_cluster) / len(per_cluster)
    atomic_write_jsonl(directory / "scores.jsonl", rows)
    atomic_write_json(directory / "run.json", {
        "system": system, "overrides": [f"summarizer={system}"], "n_clusters": len(rows),
        "scores": {"rouge1_f": {"mean": mean, "low": None, "high": None, "method": "m"},
                   "length_words": {"mean": 100.0, "low": None, "high": None, "method": "m"}},
        "metric_info": {m.name: m.as_dict() for m in (FAKE_ROUGE, LENGTH_INFO)},
    })  # fmt: skip


@pytest.fixture
def many_clusters(tmp_path):
    rng = random.Random(7)
    base = [rng.uniform(0.3, 0.5) for _ in range(40)]
    _fake_run(tmp_path / "baseline" / "lead", "lead", base)
    return tmp_path, base


def test_significance_flags_a_small_consistent_drop(many_clusters, capsys):
    tmp_path, base = many_clusters
    # 0.003 lower on every cluster: inside the 0.005 tolerance, but every cluster agrees
    _fake_run(tmp_path / "run" / "lead", "lead", [v - 0.003 for v in base])
    args = ("--baseline", tmp_path / "baseline", "--run", tmp_path / "run")
    code, out, _ = _compare(capsys, *args)
    assert code == 0
    code, out, _ = _compare(capsys, *args, "--significance")
    assert code == 1
    cells = _rows(out)["lead", "rouge1_f"]
    assert cells[4] == "-0.0030"
    assert float(cells[6]) < 0.01
    assert cells[-1] == "FAIL"
    assert "paired approximate randomization test (n=1000, seed=0)" in out
    code, out, _ = _compare(capsys, *args, "--significance", "--test", "paired_bootstrap")
    assert code == 1


def test_significance_passes_an_identical_run_and_noise(many_clusters, capsys):
    tmp_path, base = many_clusters
    _fake_run(tmp_path / "same" / "lead", "lead", list(base))
    code, out, _ = _compare(capsys, "--baseline", tmp_path / "baseline", "--run",
                            tmp_path / "same", "--significance")  # fmt: skip
    assert code == 0
    assert _rows(out)["lead", "rouge1_f"][6] == "1.0000"
    # a drop of 0.003 on average, within tolerance, and clusters disagree: not significant
    noisy = [v - 0.033 if i % 2 else v + 0.027 for i, v in enumerate(base)]
    _fake_run(tmp_path / "noisy" / "lead", "lead", noisy)
    args = ("--baseline", tmp_path / "baseline", "--run", tmp_path / "noisy")
    assert _compare(capsys, *args)[0] == 0
    code, out, _ = _compare(capsys, *args, "--significance")
    assert code == 0
    assert float(_rows(out)["lead", "rouge1_f"][6]) > 0.05
    # beyond tolerance it fails with or without the test (tolerance OR significance)
    worse = [v - 0.035 if i % 2 else v + 0.02 for i, v in enumerate(base)]
    _fake_run(tmp_path / "worse" / "lead", "lead", worse)
    args = ("--baseline", tmp_path / "baseline", "--run", tmp_path / "worse")
    assert _compare(capsys, *args, "--significance")[0] == 1


def test_significance_pairs_references_of_a_single_cluster(tmp_path, capsys):
    refs = {f"r{i}": 0.3 + 0.01 * i for i in range(12)}
    mean = sum(refs.values()) / len(refs)  # shown value = mean over references (multi_ref=mean)
    _fake_run(tmp_path / "baseline" / "lead", "lead", [mean], refs)
    _fake_run(tmp_path / "run" / "lead", "lead", [mean - 0.002],
              {r: v - 0.002 for r, v in refs.items()})  # fmt: skip
    code, out, _ = _compare(capsys, "--baseline", tmp_path / "baseline", "--run", tmp_path / "run",
                            "--significance")  # fmt: skip
    assert code == 1
    assert _rows(out)["lead", "rouge1_f"][-1] == "FAIL"
    assert "Too few units" not in out


def test_significance_needs_the_same_clusters(many_clusters, capsys):
    tmp_path, base = many_clusters
    _fake_run(tmp_path / "run" / "lead", "lead", base[:-1])
    code, _, err = _compare(capsys, "--baseline", tmp_path / "baseline", "--run",
                            tmp_path / "run", "--significance")  # fmt: skip
    assert code == 2
    assert "scored on different clusters (only in baseline: c039; only in run: none)" in err


# --- writing a baseline -----------------------------------------------------------------------


def test_write_baseline_copies_byte_for_byte_and_removes_stale_runs(sweep, tmp_path, capsys):
    dest = tmp_path / "baseline"
    (dest / "stale").mkdir(parents=True)
    (dest / "stale" / "run.json").write_text("{}")
    (dest / "stale" / "scores.jsonl").write_text("")
    (dest / "README.md").write_text("kept")
    code, out, _ = _compare(
        capsys, "--write-baseline", "--prune", "--run", sweep, "--baseline", dest
    )
    assert code == 0
    assert sorted(p.name for p in dest.iterdir()) == ["README.md", *SYSTEMS]
    for system in SYSTEMS:
        assert sorted(p.name for p in (dest / system).iterdir()) == ["run.json", "scores.jsonl"]
        for file in ("run.json", "scores.jsonl"):
            src = sweep / f"summarizer={system}" / file
            assert (dest / system / file).read_bytes() == src.read_bytes()
    assert _compare(capsys, "--baseline", dest, "--run", sweep)[0] == 0


def test_references_do_not_test_a_value_that_is_not_their_mean(tmp_path, capsys):
    refs = {f"r{i}": 0.3 + 0.01 * i for i in range(12)}
    # shown value = best reference (multi_ref=max): a paired test of the means would test
    # something else, and here the means fall while the best reference rises
    _fake_run(tmp_path / "baseline" / "lead", "lead", [max(refs.values())], refs)
    worse = {r: v - 0.01 for r, v in refs.items()}
    worse["r11"] = 0.5
    _fake_run(tmp_path / "run" / "lead", "lead", [0.5], worse)
    code, out, _ = _compare(capsys, "--baseline", tmp_path / "baseline", "--run", tmp_path / "run",
                            "--significance")  # fmt: skip
    assert code == 0
    assert _rows(out)["lead", "rouge1_f"][6] == "n/a"


def test_a_nan_score_is_bad_input_for_the_gate(tmp_path, capsys):
    _fake_run(tmp_path / "baseline" / "lead", "lead", [0.4, 0.5])
    _fake_run(tmp_path / "run" / "lead", "lead", [float("nan"), 0.5])
    code, _, err = _compare(capsys, "--baseline", tmp_path / "baseline", "--run", tmp_path / "run")
    assert code == 2
    assert "rouge1_f.mean is nan, not a finite number" in err


def test_write_baseline_keeps_other_systems_unless_pruning(tmp_path, capsys):
    for system in ("lead", "oracle"):
        _fake_run(tmp_path / "sweep" / system, system, [0.4])
    dest = tmp_path / "baseline"
    assert (
        _compare(capsys, "--write-baseline", "--run", tmp_path / "sweep", "--baseline", dest)[0]
        == 0
    )
    _fake_run(tmp_path / "one" / "lead", "lead", [0.41])
    assert (
        _compare(capsys, "--write-baseline", "--run", tmp_path / "one", "--baseline", dest)[0] == 0
    )
    assert sorted(p.name for p in dest.iterdir()) == ["lead", "oracle"]
    args = ("--write-baseline", "--prune", "--run", tmp_path / "one", "--baseline", dest)
    assert _compare(capsys, *args)[0] == 0
    assert sorted(p.name for p in dest.iterdir()) == ["lead"]


def test_prune_without_write_baseline_is_a_usage_error(tmp_path, capsys):
    _fake_run(tmp_path / "b" / "lead", "lead", [0.4])
    code, _, err = _compare(
        capsys, "--prune", "--baseline", tmp_path / "b", "--run", tmp_path / "b"
    )
    assert code == 2
    assert "--prune goes with --write-baseline" in err
