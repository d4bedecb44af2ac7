"""Validity of the fact check on summaries with human labels (FRANK shape), per source and split.

Reads a labelled-summaries file (``bench.data.labels``: ``{id, cluster_id, summary, label,
error_types, source, split, ...}``, JSON Lines, plain or gzip) and the clusters holding their
source articles (``bench-score --clusters`` shape), scores every summary with the ``fact``
metric of ``conf/metrics/fact.yaml`` (Hydra overrides may follow), and prints per ``source`` and
``split``: balanced accuracy of the flag "has fact issues" (any unsupported or contradicted
claim) against ``label``, ROC-AUC of ``fact_consistency``, recall per error type and the
false-alarm rate on faithful rows; also the scoring cost per summary. Tune on ``valid``,
report ``test``.

    .venv/bin/python benchmarks/fact_validity.py SUMMARIES.jsonl[.gz] --clusters CLUSTERS.jsonl[.gz]
        [--output results/benchmarks/fact_validity.json] [OVERRIDE ...]

Writes the figures to ``--output`` (JSON) and the printed table beside it (``.md``). Bad input:
one line ``fact_validity: error: ...``, exit 2, nothing written.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROG = "fact_validity"
DEFAULT_OUTPUT = ROOT / "results" / "benchmarks" / "fact_validity.json"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _rate(rate: Any) -> str:
    return "-" if rate.rate is None else f"{100 * rate.rate:.1f} ({rate.hits}/{rate.n})"


def score(summaries: Path, clusters_path: Path, overrides: list[str]) -> dict[str, Any]:
    """Score every labelled summary; return the figures per (source, split) and the costs."""
    from bench.data.labels import groups, read_labelled
    from bench.errors import BenchError
    from bench.metrics.consistency.base import FAILING
    from bench.metrics.consistency.validity import validity
    from bench.preprocess.clean import Cleaner
    from bench.run import _instantiate, _metric_nodes
    from bench.score import compose, read_clusters, score_batch, summary_text

    rows = read_labelled(summaries)
    cfg = compose(["metrics=[fact]", *overrides])
    nodes = _metric_nodes(cfg)
    if list(nodes) != ["fact"]:
        raise BenchError(f"only the fact metric is measured here, got {', '.join(nodes)}")
    metric = _instantiate(nodes["fact"], "metric 'fact'")
    t0 = time.perf_counter()
    available = read_clusters(clusters_path, Cleaner(_instantiate(cfg.cleaning, "cleaning")))
    load_s = time.perf_counter() - t0
    missing = sorted({r.cluster_id for r in rows} - set(available))
    if missing:
        raise BenchError(
            f"{summaries}: {len(missing)} cluster_id(s) not in {clusters_path}, e.g. {missing[0]!r}"
        )
    clusters = [available[r.cluster_id] for r in rows]
    texts = [summary_text(r.summary) for r in rows]
    t0 = time.perf_counter()
    scores, details = score_batch(texts, clusters, {"fact": metric})
    score_s = time.perf_counter() - t0
    flagged = [any(i["verdict"] in FAILING for i in d["fact_issues"]) for d in details]
    values = [s["fact_consistency"] for s in scores]
    figures = []
    for (source, split), members in sorted(groups(rows).items()):
        v = validity(
            [rows[i] for i in members], [flagged[i] for i in members], [values[i] for i in members]
        )
        figures.append(
            {
                "source": source,
                "split": split,
                "faithful": v.n_faithful,
                "error": v.n_error,
                "balanced_accuracy": v.balanced_accuracy,
                "roc_auc": v.roc_auc,
                "error_recall": v.error_recall.rate,
                "false_alarm_rate": v.false_alarms.rate,
                "false_alarms": [v.false_alarms.hits, v.false_alarms.n],
                "recall_by_type": {k: [r.hits, r.n] for k, r in v.recall_by_type.items()},
            }
        )
    return {
        "summaries": summaries.name,
        "clusters": clusters_path.name,
        "n_summaries": len(rows),
        "n_clusters": len({r.cluster_id for r in rows}),
        "figures": figures,
        "cost": {
            "load_s": round(load_s, 2),
            "score_s": round(score_s, 2),
            "ms_per_summary": round(1000 * score_s / max(1, len(rows)), 2),
        },
        "overrides": overrides,
        "metric_signature": metric.signature(),
        "python": platform.python_version(),
    }


def render(record: dict[str, Any]) -> str:
    """The figures as Markdown tables."""
    types = sorted({t for f in record["figures"] for t in f["recall_by_type"]})
    lines = [
        f"Fact check against human labels: {record['summaries']} "
        f"({record['n_summaries']} summaries of {record['n_clusters']} clusters)",
        "",
        "| source | split | faithful | error | balanced acc. | ROC-AUC | error recall "
        "| false alarms |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for f in record["figures"]:
        lines.append(
            f"| {f['source']} | {f['split']} | {f['faithful']} | {f['error']} "
            f"| {_pct(f['balanced_accuracy'])} | {_pct(f['roc_auc'])} "
            f"| {_pct(None if f['error_recall'] is None else 100 * f['error_recall'])} "
            f"| {_pct(None if f['false_alarm_rate'] is None else 100 * f['false_alarm_rate'])} |"
        )
    lines += ["", "Recall (%) per error type (error rows of that type flagged):", ""]
    lines.append("| source | split | " + " | ".join(types) + " |")
    lines.append("|---|---|" + "--:|" * len(types))
    for f in record["figures"]:
        cells = []
        for t in types:
            hits, n = f["recall_by_type"].get(t, [0, 0])
            cells.append(f"{100 * hits / n:.1f}" if n else "-")
        lines.append(f"| {f['source']} | {f['split']} | " + " | ".join(cells) + " |")
    cost = record["cost"]
    lines += [
        "",
        f"Cost: {cost['ms_per_summary']} ms per summary scored ({cost['score_s']} s in all; "
        f"reading and splitting the articles {cost['load_s']} s).",
        "Signature: " + "|".join(f"{k}:{v}" for k, v in record["metric_signature"].items()),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: score, print, write the JSON record and its Markdown table."""
    import logging

    from bench.errors import BenchError
    from bench.results.records import atomic_write_json, atomic_write_text

    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    parser.add_argument("summaries", type=Path, help="labelled summaries, JSON Lines (or .gz)")
    parser.add_argument(
        "--clusters", type=Path, required=True, help="clusters with the source articles"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON record")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. metrics.fact.reach=6")
    args = parser.parse_intermixed_args(argv)
    logging.basicConfig(level=logging.WARNING, format=f"{PROG}: %(message)s")
    try:
        if args.output.suffix != ".json":
            raise BenchError(f"--output must end in .json, got {args.output}")
        record = score(args.summaries, args.clusters, list(args.overrides))
    except BenchError as exc:
        print(f"{PROG}: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    text = render(record)
    print(text, end="")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(args.output, record)
    atomic_write_text(args.output.with_suffix(".md"), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
