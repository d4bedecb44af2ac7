"""Validity of the fact check against human labels: figures, the labelled-summaries loader, the
benchmark script, and (when ``../shared`` is there) the FRANK files."""

from __future__ import annotations

import gzip
import importlib.util
import json

import pytest

from bench.data.io import read_text
from bench.data.labels import LabelledSummary, groups, read_labelled
from bench.errors import BenchError
from bench.metrics.consistency.validity import validity
from tests.conftest import ROOT, SHARED

FRANK = SHARED / "factcheck-dev"


def _script():
    spec = importlib.util.spec_from_file_location(
        "fact_validity", ROOT / "benchmarks" / "fact_validity.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(label, types=(), source="s", split="valid"):
    return LabelledSummary("i", "c", "text", label, tuple(types), source, split)


def test_validity_by_hand():
    rows = [
        _row("error", ["EntE"]),
        _row("error", ["EntE", "OutE"]),
        _row("error", ["OutE"]),
        _row("faithful"),
        _row("faithful"),
    ]
    flagged = [True, True, False, True, False]
    v = validity(rows, flagged, [0.0, 0.0, 1.0, 0.5, 1.0])
    # recall 2/3, false alarms 1/2: balanced accuracy (2/3 + 1/2) / 2
    assert v.balanced_accuracy == pytest.approx(100 * (2 / 3 + 1 / 2) / 2)
    assert (v.error_recall.hits, v.error_recall.n) == (2, 3)
    assert (v.false_alarms.hits, v.false_alarms.n) == (1, 2)
    assert {k: (r.hits, r.n) for k, r in v.recall_by_type.items()} == {
        "EntE": (2, 2),
        "OutE": (1, 2),
    }
    # faithful 0.5 beats two errors (0.0, 0.0) and loses to 1.0; faithful 1.0 beats two, ties one
    assert v.roc_auc == pytest.approx(100 * (2 + 2.5) / 6)


def test_validity_of_a_constant_flag_is_chance():
    rows = [_row("error"), _row("faithful")]
    assert validity(rows, [True, True], [0.0, 0.0]).balanced_accuracy == 50.0


LINES = [
    {"id": "a", "cluster_id": "c1", "summary": "A bomb killed 14 people at a market, police said.",
     "label": "faithful", "error_types": [], "source": "news", "split": "valid", "model": "m1",
     "human_factuality": 1.0},
    {"id": "b", "cluster_id": "c1", "summary": "A bomb killed 15 people at a market, police said.",
     "label": "error", "error_types": ["CircE"], "source": "news", "split": "valid", "model": "m1",
     "human_factuality": 0.0},
    {"id": "c", "cluster_id": "c1", "summary": "police said the bomb exploded on tuesday .",
     "label": "faithful", "source": "news", "split": "test"},
    {"id": "d", "cluster_id": "c1", "summary": "ahmed karimzai planted the bomb .",
     "label": "error", "error_types": ["OutE"], "source": "news", "split": "test"},
]  # fmt: skip
CLUSTERS = [
    {"cluster_id": "c1", "documents": [{"doc_id": "a1", "text": (
        "A bomb exploded at a market on Tuesday, police said. "
        "The death toll rose to 14 on Wednesday.")}]},
]  # fmt: skip


def _write(path, rows, compress=False):
    text = "".join(json.dumps(r) + "\n" for r in rows)
    if compress:
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_read_labelled_plain_or_gzip(tmp_path, compress):
    rows = read_labelled(_write(tmp_path / "s.jsonl.gz", LINES, compress))
    assert [r.id for r in rows] == ["a", "b", "c", "d"]
    assert rows[1].error_types == ("CircE",) and rows[1].is_error
    assert rows[0].human_factuality == 1.0 and rows[2].human_factuality is None
    assert groups(rows) == {("news", "valid"): [0, 1], ("news", "test"): [2, 3]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"label": "disputed"}, "'label' must be one of faithful, error"),
        ({"error_types": "EntE"}, "'error_types' must be a list of strings"),
        ({"human_factuality": 2}, "'human_factuality' must be a number in"),
        ({"split": ""}, "'split' must be a non-empty string"),
    ],
)
def test_bad_labelled_rows_name_file_and_line(tmp_path, change, message):
    path = _write(tmp_path / "s.jsonl", [LINES[0], {**LINES[1], **change}])
    with pytest.raises(BenchError, match=rf"s\.jsonl line 2: {message}"):
        read_labelled(path)


def test_a_damaged_gzip_file_is_a_clear_error(tmp_path):
    path = tmp_path / "s.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"id": "a"}\n')[:12])
    with pytest.raises(BenchError, match="damaged gzip file"):
        read_text(path, "summaries file")


def test_benchmark_prints_figures_and_writes_both_records(tmp_path, capsys):
    summaries = _write(tmp_path / "s.jsonl.gz", LINES, compress=True)
    clusters = _write(tmp_path / "c.jsonl", CLUSTERS)
    out = tmp_path / "out" / "validity.json"
    code = _script().main(
        [str(summaries), "--clusters", str(clusters), "--output", str(out),
         "--tune", "min_coverage=0,0.9"]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    record = json.loads(out.read_text(encoding="utf-8"))
    assert out.with_suffix(".md").read_text(encoding="utf-8") == printed
    figures = {(f["source"], f["split"]): f for f in record["default"]["figures"]}
    # every planted error flagged, no false alarm: 100 on both splits
    assert figures["news", "valid"]["balanced_accuracy"] == 100.0
    assert figures["news", "test"]["balanced_accuracy"] == 100.0
    assert figures["news", "test"]["recall_by_type"] == {"OutE": [1, 1]}
    assert record["tuned"]["chosen"] == {"news": "0"}  # first of the best on valid
    assert record["default"]["cost"]["ms_per_summary"] > 0
    assert "| news | test |" in printed


def test_benchmark_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    summaries = _write(tmp_path / "s.jsonl", [{**LINES[0], "cluster_id": "nowhere"}])
    clusters = _write(tmp_path / "c.jsonl", CLUSTERS)
    out = tmp_path / "validity.json"
    assert _script().main([str(summaries), "--clusters", str(clusters), "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fact_validity: error: ") and "'nowhere'" in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists() and not out.with_suffix(".md").exists()


@pytest.mark.skipif(not FRANK.is_dir(), reason="../shared/factcheck-dev not present")
def test_frank_labels_read_with_their_published_counts():
    rows = read_labelled(FRANK / "frank.summaries.jsonl.gz")
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        counts[r.source, r.label] = counts.get((r.source, r.label), 0) + 1
    assert counts == {
        ("cnndm", "faithful"): 720,
        ("cnndm", "error"): 505,
        ("bbc", "faithful"): 78,
        ("bbc", "error"): 918,
    }
    assert {r.split for r in rows} == {"valid", "test"}


@pytest.mark.skipif(not FRANK.is_dir(), reason="../shared/factcheck-dev not present")
def test_frank_subset_scores_above_chance_on_cnndm_valid(tmp_path):
    """Forty CNN/DM validation clusters: the flag must beat chance (the full run is in README)."""
    text = read_text(FRANK / "frank.summaries.jsonl.gz", "summaries")
    rows = [json.loads(line) for line in text.split("\n") if line]
    valid = {r["cluster_id"] for r in rows if (r["source"], r["split"]) == ("cnndm", "valid")}
    keep = set(sorted(valid)[:40])
    summaries = _write(tmp_path / "s.jsonl", [r for r in rows if r["cluster_id"] in keep])
    lines = read_text(FRANK / "frank.clusters.jsonl.gz", "clusters").split("\n")
    chosen = [c for c in map(json.loads, filter(None, lines)) if c["cluster_id"] in keep]
    clusters = _write(tmp_path / "c.jsonl", chosen)
    record = _script().score(summaries, clusters, [])
    (fig,) = record["default"]["figures"]
    assert fig["balanced_accuracy"] > 55


def test_any_consistency_metric_with_a_threshold_from_valid(tmp_path, capsys):
    """``--metric nli_consistency`` (a tiny NLI model built here) and ``--threshold``."""
    from bench.testing import build_tiny_nli

    model = build_tiny_nli(
        tmp_path / "nli", [CLUSTERS[0]["documents"][0]["text"]] * 4, vocab_size=200
    )
    summaries = _write(tmp_path / "s.jsonl", LINES)
    clusters = _write(tmp_path / "c.jsonl", CLUSTERS)
    out = tmp_path / "v.json"
    args = [str(summaries), "--clusters", str(clusters), "--output", str(out),
            "--metric", "nli_consistency", "--threshold",
            f"metrics.nli_consistency.model={model}"]  # fmt: skip
    assert _script().main(args) == 0
    printed = capsys.readouterr().out
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["default"]["metric"] == "nli_consistency"
    assert record["default"]["score_key"] == "nli_consistency"
    assert record["default"]["metric_signature"]["model"] == str(model)
    assert "values" not in record["default"]  # the scores are used, not stored
    # the threshold is one of the valid rows' scores, and it separates them as well as any can
    (t,) = record["threshold"]["chosen"].values()
    figures = {f["split"]: f for f in record["threshold"]["figures"]}
    assert figures["valid"]["balanced_accuracy"] >= 50.0
    assert set(figures) == {"valid", "test"}
    assert f"| news | test | {t:.4g} |" in printed
    assert "Metric nli_consistency, default settings" in printed


def test_a_metric_that_is_no_consistency_check_is_a_clear_error(tmp_path, capsys):
    summaries = _write(tmp_path / "s.jsonl", LINES)
    clusters = _write(tmp_path / "c.jsonl", CLUSTERS)
    out = tmp_path / "v.json"
    args = [str(summaries), "--clusters", str(clusters), "--output", str(out), "--metric", "rouge"]
    assert _script().main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("fact_validity: error: metric 'rouge' is not a consistency check")
    assert len(err.strip().splitlines()) == 1 and not out.exists()


def test_surface_signals_and_their_fitted_combination(tmp_path, capsys):
    summaries = _write(tmp_path / "s.jsonl", LINES)
    clusters = _write(tmp_path / "c.jsonl", CLUSTERS)
    out = tmp_path / "v.json"
    assert _script().main([str(summaries), "--clusters", str(clusters), "--output", str(out),
                           "--signals"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    figures = {f["split"]: f for f in json.loads(out.read_text())["signals"]["figures"]}
    # test rows: "ahmed karimzai planted the bomb" has two words no article has, the faithful
    # row none; both are one sentence, so the words-in-no-article signal ranks them right
    assert figures["test"]["absent"] == 100.0
    # valid rows differ only in 14/15: one failing issue on the error row, nothing else
    assert figures["valid"]["failing"] == 100.0 and figures["valid"]["words"] == 50.0
    assert figures["valid"]["combined_balanced_accuracy"] == 100.0
    assert "| news | test | " in printed and "combined bal. acc." in printed
