"""Tables, plots and the gate read the metric contract (metric_info) of run.json, not key names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.errors import BenchError
from bench.metrics.base import LENGTH_INFO, KeyInfo, MetricInfo, percent_keys
from bench.results.comparison import collect_runs, compare
from bench.results.gate import load_side, run_gate
from bench.results.identity import is_path_setting, system_identity
from bench.results.plots import comparison_figure, label_positions, length_figure, scale_panels
from bench.results.render import render_csv, render_markdown
from bench.results.runrecord import SCHEMA, check_run_record, write_results
from bench.results.tolerances import parse_tolerances

OVERLAP = MetricInfo("overlap", percent_keys(["overlap_f"], {"overlap_f": "Overlap"}))
ERRORS = MetricInfo(
    "errors",
    {
        "error_rate": KeyInfo("Err", higher_is_better=False, value_range=(0.0, 1.0)),
        "error_count": KeyInfo("Count", higher_is_better=False, digits=1, default=False),
    },
)
SUPPORT = MetricInfo("support", {"support": KeyInfo("Support", value_range=(0.0, 1.0))})


def _write(root: Path, system: str, values: dict[str, float], *, infos=(OVERLAP, ERRORS),
           overrides=None, dataset="d1", metric_info=True, n: int = 12) -> Path:  # fmt: skip
    """A run folder with ``n`` clusters whose values vary around ``values``."""
    directory = root / system
    rows = []
    for i in range(n):
        wobble = 0.01 * ((i * 7) % 5)
        rows.append(
            {"cluster_id": f"c{i:02d}", "summary": "s",
             "scores": {k: v + wobble for k, v in values.items()} | {"length_words": 100.0}}
        )  # fmt: skip
    means = {
        k: sum(r["scores"][k] for r in rows) / n for k in (*values, "length_words")
    }  # fmt: skip
    record = {
        **system_identity(system, overrides or [f"summarizer={system}"]),
        "overrides": overrides or [f"summarizer={system}"],
        "n_clusters": n,
        "dataset_signature": {"name": dataset, "content_sha256": f"sha-{dataset}"},
        "scores": {
            k: {"mean": m, "low": m - 0.01, "high": m + 0.01, "method": "bootstrap"}
            for k, m in means.items()
        },
    }
    if metric_info:
        record["metric_info"] = {i.name: i.as_dict() for i in (LENGTH_INFO, *infos)}
    directory.mkdir(parents=True)
    write_results(directory, record, [], rows)
    return directory


def _row(markdown: str, label: str) -> list[str]:
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == label:
            return cells
    raise AssertionError(f"no row {label!r}")


@pytest.fixture
def runs(tmp_path):
    _write(tmp_path, "a", {"overlap_f": 0.40, "error_rate": 0.30, "error_count": 3.0})
    _write(tmp_path, "b", {"overlap_f": 0.45, "error_rate": 0.10, "error_count": 1.0})
    _write(tmp_path, "c", {"overlap_f": 0.30, "error_rate": 0.50, "error_count": 5.0})
    return tmp_path


def test_a_new_metric_shows_up_with_its_label_scale_and_digits(runs):
    md = render_markdown(compare(collect_runs([runs])))
    header = [c.strip() for c in md.splitlines()[0].strip("|").split("|")]
    # default keys only (error_count is not a default column), lengths last
    assert header == ["System", "Overlap", "Err", "Words"]
    assert _row(md, "a")[1].startswith("41.83 [")  # percent, 2 decimals
    assert _row(md, "a")[2].startswith("0.3183 [")  # unscaled, 4 decimals
    assert "overlap in percent" in md


def test_bold_is_the_minimum_where_lower_is_better_and_none_without_a_direction(runs):
    md = render_markdown(compare(collect_runs([runs])))
    assert _row(md, "b")[1].startswith("**46.83**")  # higher is better: max
    assert _row(md, "b")[2].startswith("**0.1183**")  # lower is better: min
    assert not _row(md, "c")[2].startswith("**")
    assert not any("**" in _row(md, r)[3] for r in "abc")  # words: no direction


def test_significance_marks_follow_the_declared_direction(runs):
    cmp = compare(collect_runs([runs]), options=None)
    from bench.results.comparison import TableOptions

    cmp = compare(collect_runs([runs]), TableOptions(baseline="a"))
    assert cmp.mark(cmp.runs[1], "error_rate") == 1  # b has fewer errors: better
    assert cmp.mark(cmp.runs[2], "error_rate") == -1
    assert "error_rate_p" in render_csv(cmp) and "length_words_p" not in render_csv(cmp)


def test_gate_respects_a_lower_is_better_direction(tmp_path):
    base = _write(tmp_path / "base", "sys", {"overlap_f": 0.4, "error_rate": 0.2})
    worse = _write(tmp_path / "worse", "sys", {"overlap_f": 0.4, "error_rate": 0.3})
    better = _write(tmp_path / "better", "sys", {"overlap_f": 0.4, "error_rate": 0.1})
    tol = parse_tolerances({"default": 0.01})
    baseline = load_side(base, "baseline")
    failed = run_gate(baseline, load_side(worse, "run"), tol).failed
    assert [(r.metric, r.tolerance) for r in failed] == [("error_rate", "+0.01")]
    assert not run_gate(baseline, load_side(better, "run"), tol).failed
    # the tolerance file may override the declared direction
    flipped = parse_tolerances({"default": 0.01, "metrics": {"error_rate": {
        "tolerance": 0.01, "direction": "higher"}}})  # fmt: skip
    assert [r.metric for r in run_gate(baseline, load_side(better, "run"), flipped).failed] == [
        "error_rate"
    ]


def test_records_without_metric_info_show_keys_by_name_and_need_a_direction_to_gate(tmp_path):
    base = _write(tmp_path / "base", "sys", {"overlap_f": 0.4}, metric_info=False)
    run = _write(tmp_path / "run", "sys", {"overlap_f": 0.4}, metric_info=False)
    md = render_markdown(compare(collect_runs([tmp_path / "base"])))
    assert [c.strip() for c in md.splitlines()[0].split("|")[1:4]] == [
        "System",
        "overlap_f",
        "Words",
    ]
    assert "**" not in md
    tol = parse_tolerances({"default": 0.01})
    with pytest.raises(BenchError, match="no direction known for overlap_f"):
        run_gate(load_side(base, "baseline"), load_side(run, "run"), tol)
    given = parse_tolerances({"default": {"tolerance": 0.01, "direction": "higher"}})
    assert not run_gate(load_side(base, "baseline"), load_side(run, "run"), given).failed
    # a run that declares the key settles the direction for an older baseline
    new = _write(tmp_path / "new", "sys", {"overlap_f": 0.4}, infos=(OVERLAP,))
    assert not run_gate(load_side(base, "baseline"), load_side(new, "run"), tol).failed


def test_gate_says_why_a_baseline_system_is_missing(tmp_path):
    base = tmp_path / "base"
    _write(base, "lead", {"overlap_f": 0.4})
    _write(base, "oracle", {"overlap_f": 0.5})
    run = tmp_path / "run"
    _write(run, "lead", {"overlap_f": 0.4})
    _write(run, "oracle", {"overlap_f": 0.5}, dataset="d2")
    result = run_gate(load_side(base, "b"), load_side(run, "r"), parse_tolerances({"default": 0}))
    assert [(r.system, r.run) for r in result.failed] == [("oracle", "missing from run")]
    assert any(
        "baseline system oracle: same name, other dataset signature" in n for n in result.notes
    )
    with pytest.raises(BenchError, match="baseline system oracle: no run with that name; runs: x"):
        only = tmp_path / "only"
        _write(only, "x", {"overlap_f": 0.5})
        run_gate(load_side(base / "oracle", "b"), load_side(only, "r"), parse_tolerances(
            {"default": 0}))  # fmt: skip


def test_run_records_are_versioned_and_checked(tmp_path):
    directory = _write(tmp_path, "a", {"overlap_f": 0.4})
    record = json.loads((directory / "run.json").read_text())
    assert record["schema"] == SCHEMA
    assert record["key_order"][:2] == ["length_words", "length_bytes"]
    with pytest.raises(BenchError, match="schema 99 is newer"):
        check_run_record(record | {"schema": 99}, directory / "run.json")
    with pytest.raises(BenchError, match="'metric_info.x' must be a metric contract"):
        check_run_record(record | {"metric_info": {"x": {"keys": {}}}}, directory / "run.json")


def test_system_identity_leaves_out_paths_dataset_seed_and_metrics():
    overrides = [
        "summarizer=precomputed", "summarizer.path=/tmp/x", "summarizer.name=my_system",
        "dataset=tiny", "seed=3", "metrics=[rouge,fact]", "budget=words250",
        "summarizer.k=5", "+summarizer.cache_dir=cache", "packing.model_dir=./models",
    ]  # fmt: skip
    ident = system_identity("my_system", overrides)
    assert ident["system_settings"] == ["budget=words250", "summarizer.k=5"]
    assert ident["system_label"] == "my_system (budget=words250, summarizer.k=5)"
    assert system_identity("my_system", overrides[:3])["system_label"] == "my_system"
    assert is_path_setting("summarizer.model", "~/models/bart")
    assert not is_path_setting("summarizer.model", "facebook/bart-large-cnn")


# --------------------------------------------------------------------------- plots


def test_comparison_plot_has_one_panel_per_scale(runs):
    _write(runs, "d", {"overlap_f": 0.4, "error_rate": 0.3, "support": 0.9},
           infos=(OVERLAP, ERRORS, SUPPORT))  # fmt: skip
    cmp = compare(collect_runs([runs]))
    panels = scale_panels(cmp)
    assert [[k for k, _ in p] for p in panels] == [["overlap_f"], ["error_rate", "support"]]
    fig = comparison_figure(cmp)
    try:
        axes = fig.get_axes()
        assert len(axes) == 2
        assert axes[0].get_ylabel() == "score (%)" and axes[1].get_ylabel() == "score (0-1)"
        assert axes[1].get_ylim()[1] < 2.0  # the 0-1 scores get their own axis, not 0-100
        assert [t.get_text() for t in axes[1].get_xticklabels()] == ["Err", "Support"]
    finally:
        fig.clf()


def test_length_plot_starts_at_zero_without_offsets(runs):
    cmp = compare(collect_runs([runs]))
    fig = length_figure(cmp)
    try:
        (ax,) = fig.get_axes()
        assert ax.get_xlim()[0] == 0.0 and ax.get_ylim()[0] == 0.0
        assert ax.get_xlim()[1] > 100.0
        # every point at its measured length: all three systems at exactly 100 words
        points = [line for line in ax.get_lines() if line.get_marker() == "o"]
        xs = {round(float(x), 9) for line in points for x in line.get_xdata()}
        assert xs == {100.0}
        labels = sorted(t.get_text() for t in ax.texts)
        assert labels == ["a", "b", "c"]
    finally:
        fig.clf()


def test_labels_of_points_at_one_length_are_spread_apart():
    heights = label_positions([(100.0, 40.0), (100.0, 40.5), (100.0, 41.0), (50.0, 40.0)], 100, 2)
    column = sorted(heights[:3])
    assert column[1] - column[0] >= 2 - 1e-9 and column[2] - column[1] >= 2 - 1e-9
    assert heights[3] == 40.0  # alone in its column: at its own height
