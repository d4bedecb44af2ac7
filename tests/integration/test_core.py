"""The scoring core: ``bench-score`` on ``bench-run``'s own summaries gives the same numbers.

For every dataset format ``bench-score`` can read (the embedded cluster, a local folder, JSON
lines, Multi-News, WCEP, DUC folders and a ``--clusters`` file), the embedded articles are
written in that format with their references written several sentences to a line; ``bench-run``
summarizes and scores them, and ``bench-score`` scores the summaries it wrote. Scores and
details must be identical: one reader per format, one reference normalisation and one scoring
loop.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest

from bench.core.build import build_metrics, check_keys
from bench.core.scoring import score_summaries
from bench.errors import BenchError
from bench.metrics.base import KeyInfo, MetricInfo, MetricOutput
from bench.run import RESERVED, run
from bench.score import main as bench_score

ROOT = Path(__file__).resolve().parents[2]
CLUSTER_DIR = ROOT / "data" / "clusters" / "mattis_pakistan_2017"
REFERENCE_DIR = ROOT / "reference_summaries"
CID = "mattis_pakistan_2017"


def _articles() -> list[dict[str, str]]:
    manifest = json.loads((CLUSTER_DIR / "manifest.json").read_text(encoding="utf-8"))
    return [
        {
            "doc_id": d["doc_id"],
            "title": d["headline"],
            "text": (CLUSTER_DIR / d["file"]).read_text(encoding="utf-8"),
        }
        for d in manifest["documents"]
    ]


def _references() -> list[dict[str, str]]:
    """The embedded references, two sentences to a line (the last line may hold one)."""
    manifest = json.loads((REFERENCE_DIR / CID / "manifest.json").read_text(encoding="utf-8"))
    out = []
    for entry in manifest["references"]:
        text = (REFERENCE_DIR / CID / entry["file"]).read_text(encoding="utf-8")
        sentences = [line.strip() for line in text.splitlines() if line.strip()]
        assert len(sentences) >= 4, "a reference of several sentences"
        lines = [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]
        out.append({"ref_id": entry["ref_id"], "author": entry["author"], "text": "\n".join(lines)})
    return out


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _local(tmp: Path) -> list[str]:
    root, refs = tmp / "clusters" / CID, tmp / "refs" / CID
    root.mkdir(parents=True)
    refs.mkdir(parents=True)
    docs = []
    for a in _articles():
        (root / f"{a['doc_id']}.txt").write_text(a["text"], encoding="utf-8")
        docs.append({"doc_id": a["doc_id"], "headline": a["title"], "file": f"{a['doc_id']}.txt"})
    (root / "manifest.json").write_text(json.dumps({"cluster_id": CID, "documents": docs}))
    entries = []
    for r in _references():
        (refs / f"{r['ref_id']}.txt").write_text(r["text"] + "\n", encoding="utf-8")
        entries.append({"ref_id": r["ref_id"], "author": r["author"], "file": f"{r['ref_id']}.txt"})
    (refs / "manifest.json").write_text(json.dumps({"references": entries}))
    return ["dataset=local", f"dataset.root={root.parent}", f"dataset.reference_dir={refs.parent}"]


def _cluster_row() -> dict[str, Any]:
    return {"cluster_id": CID, "documents": _articles(), "references": _references()}


def _jsonl_dataset(tmp: Path) -> list[str]:
    return ["dataset=jsonl", f"dataset.path={_jsonl(tmp / 'clusters.jsonl', [_cluster_row()])}"]


def _multi_news(tmp: Path) -> list[str]:
    row = {
        "document": " ||||| ".join(a["text"].replace("\n", "NEWLINE_CHAR") for a in _articles()),
        "summary": "\u2013 " + _references()[0]["text"],
    }
    return ["dataset=multi_news", f"dataset.data_files={_jsonl(tmp / 'mn.jsonl', [row])}"]


def _wcep(tmp: Path) -> list[str]:
    articles = [{"title": a["title"], "text": a["text"]} for a in _articles()]
    row = {"id": CID, "summary": _references()[0]["text"], "articles": articles}
    return ["dataset=wcep", f"dataset.data_files={_jsonl(tmp / 'wcep.jsonl', [row])}"]


def _duc(tmp: Path) -> list[str]:
    docs, models = tmp / "docs" / "d30001t", tmp / "models"
    docs.mkdir(parents=True)
    models.mkdir()
    for a in _articles():
        paragraphs = [p.strip() for p in a["text"].split("\n\n") if p.strip()]
        body = "\n".join(f"<P>\n{html.escape(p)}\n</P>" for p in paragraphs)
        (docs / a["doc_id"]).write_text(
            f"<DOC>\n<DOCNO> {a['doc_id']} </DOCNO>\n<HEADLINE>{html.escape(a['title'])}"
            f"</HEADLINE>\n<TEXT>\n{body}\n</TEXT>\n</DOC>\n",
            encoding="utf-8",
        )
    for r, assessor in zip(_references(), "ABCD", strict=False):
        (models / f"D30001.M.100.T.{assessor}").write_text(r["text"] + "\n", encoding="utf-8")
    return ["dataset=duc", f"dataset.root={docs.parent}", f"dataset.summaries_dir={models}"]


FORMATS = {
    "embedded": lambda tmp: [],
    "local": _local,
    "jsonl": _jsonl_dataset,
    "multi_news": _multi_news,
    "wcep": _wcep,
    "duc": _duc,
}


def _run_then_score(compose_run, tmp: Path, dataset: list[str], metrics: str, clusters=None):
    """bench-run's score rows, and bench-score's rows for the summaries bench-run wrote."""
    out = tmp / "run"
    run(compose_run(*dataset, "summarizer=lead", metrics, f"paths.results_dir={tmp}"), out)
    run_rows = [json.loads(x) for x in (out / "scores.jsonl").read_text().splitlines()]
    summaries = [json.loads(x) for x in (out / "summaries.jsonl").read_text().splitlines()]
    inputs = _jsonl(
        tmp / "inputs.jsonl",
        [{"id": s["cluster_id"], "cluster_id": s["cluster_id"], "summary": s["summary"]}
         for s in summaries],
    )  # fmt: skip
    scored = tmp / "scored.jsonl"
    where = ["--clusters", str(clusters)] if clusters else dataset
    assert bench_score([str(inputs), *where, metrics, "--output", str(scored), "--quiet"]) == 0
    score_rows = [json.loads(x) for x in scored.read_text().splitlines()]
    return run_rows, score_rows


def _assert_same(run_rows: list[dict], score_rows: list[dict]) -> None:
    assert [r["cluster_id"] for r in run_rows] == [r["cluster_id"] for r in score_rows]
    for ran, scored in zip(run_rows, score_rows, strict=True):
        lengths = {"length_words", "length_bytes", "length_sentences"}
        assert {k: v for k, v in ran["scores"].items() if k not in lengths} == scored["scores"]
        ran_details = {k: v for k, v in ran.items() if k not in RESERVED}
        scored_details = {
            k: v for k, v in scored.items() if k not in ("id", "cluster_id", "scores")
        }
        assert ran_details == scored_details


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_bench_score_equals_bench_run_on_its_own_summaries(compose_run, tmp_path, fmt):
    dataset = FORMATS[fmt](tmp_path)
    run_rows, score_rows = _run_then_score(compose_run, tmp_path, dataset, "metrics=[rouge,fact]")
    assert run_rows[0]["fact_claims"] and "fact_issues" in run_rows[0]  # details compared too
    _assert_same(run_rows, score_rows)


def test_bench_score_equals_bench_run_with_a_clusters_file_and_rouge155(compose_run, tmp_path):
    clusters = _jsonl(tmp_path / "clusters.jsonl", [_cluster_row()])
    dataset = ["dataset=jsonl", f"dataset.path={clusters}"]
    run_rows, score_rows = _run_then_score(
        compose_run, tmp_path, dataset, "metrics=[rouge155]", clusters=clusters
    )
    _assert_same(run_rows, score_rows)


def test_references_written_several_sentences_to_a_line_read_alike_in_every_format(
    compose_run, tmp_path
):
    """One normalisation: every reader stores the same reference as the same sentences."""
    from hydra.utils import instantiate

    from bench.preprocess.clean import Cleaner

    texts = {}
    for fmt in ("local", "jsonl", "multi_news", "wcep", "duc"):
        folder = tmp_path / fmt
        folder.mkdir()
        source = instantiate(compose_run(*FORMATS[fmt](folder)).dataset, _convert_="all")
        (cluster,) = source.load(Cleaner())
        texts[fmt] = cluster.references[0].text
    one_line_each = {
        line.strip() for line in (REFERENCE_DIR / CID / "ann-a_100w.txt").read_text().splitlines()
    }
    assert set(texts["local"].split("\n")) == one_line_each - {""}
    assert len(set(texts.values())) == 1, texts


class _Keys:
    """A metric declaring ``keys`` and ``details``; it writes what ``writes`` says."""

    def __init__(self, name, keys=("k",), details=(), writes=None, needs_references=False):
        self.info = MetricInfo(
            name, {k: KeyInfo(k) for k in keys}, needs_references=needs_references,
            details=tuple(details),
        )  # fmt: skip
        self.writes = writes

    def score(self, summaries, clusters):
        if self.writes is not None:
            return self.writes(summaries)
        return MetricOutput.of([{k: 0.5 for k in self.info.keys} for _ in summaries])

    def signature(self):
        return {"name": self.info.name}


def _clusters(n=1, refs=()):
    from bench.types import Cluster, Reference

    return [
        Cluster(f"c{i}", (), tuple(Reference(r, "x", f"{r} text") for r in refs)) for i in range(n)
    ]


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        ({"a": _Keys("a"), "b": _Keys("b")}, "metrics 'a' and 'b' both produce 'k'"),
        ({"a": _Keys("a"), "b": _Keys("b", ("x",), ("k",))}, "both produce 'k'"),
        ({"a": _Keys("a", ("summary",))}, "writes 'summary', a name the runner reserves"),
        ({"a": object()}, "declares no info"),
    ],
)
def test_key_ownership_is_checked_before_anything_runs(metrics, message):
    with pytest.raises(BenchError, match=message):
        check_keys(metrics, RESERVED)


@pytest.mark.parametrize(
    ("writes", "message"),
    [
        (lambda s: [{"k": 1.0} for _ in s], "returned list, not a bench.metrics.base.MetricOutput"),
        (lambda s: MetricOutput.of([{"k": 1.0}]), "returned scores for 1 of 2 summaries"),
        (lambda s: MetricOutput.of([{"k": 1.0, "q": 2.0} for _ in s]), "score 'q' that its info"),
        (lambda s: MetricOutput([{"k": 1.0} for _ in s], [{"d": 1} for _ in s]), "field 'd'"),
    ],
)
def test_a_metric_output_is_checked_against_its_info(writes, message):
    # two summaries of one cluster: a metric is called on whole clusters (progress chunks)
    with pytest.raises(BenchError, match=message):
        score_summaries(["a", "b"], _clusters(1) * 2, {"m": _Keys("m", writes=writes)}, "test")


def test_requirements_come_from_the_info():
    metric = _Keys("m", needs_references=True)
    with pytest.raises(BenchError, match="metric 'm' needs reference summaries, but src has none"):
        score_summaries(["a"], _clusters(1), {"m": metric}, "src")
    scored = score_summaries(["a"], _clusters(1, ("r1", "r2")), {"m": metric}, "src", views=True)
    assert scored.per_reference == {"r1": {"k": 0.5}, "r2": {"k": 0.5}}
    assert scored.loo == [{"k": [0.5, 0.5]}]
    assert score_summaries(["a"], _clusters(1, ("r1", "r2")), {"m": metric}, "src").loo == [{}]


def test_build_metrics_refuses_the_old_rouge_mode_with_a_pointer(compose_run):
    with pytest.raises(BenchError, match=r"select metrics=\[rouge155\]"):
        build_metrics(compose_run("metrics.rouge.mode=rouge155"))
