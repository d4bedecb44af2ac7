"""Validity of a consistency check against human labels (FRANK shape), per source and split.

Reads a labelled-summaries file (``bench.data.labels``: ``{id, cluster_id, summary, label,
error_types, source, split, ...}``, JSON Lines, plain or gzip) and the clusters holding their
source articles (``bench-score --clusters`` shape), scores every summary with one consistency
metric (``--metric``: ``fact`` by default, or ``nli_consistency``, ``fact_nli``, any metric
with one score key and an ``*_issues`` details field; Hydra overrides may follow), and prints
per ``source`` and ``split``: balanced accuracy of the flag "has issues" (any unsupported or
contradicted claim) against ``label``, ROC-AUC of the score, recall per error type and the
false-alarm rate on faithful rows; also the scoring cost per summary. Tune on ``valid``,
report ``test``: ``--tune`` chooses a setting per source, ``--threshold`` a threshold on the
score per source (flag = score below it), both on the ``valid`` rows.

    .venv/bin/python benchmarks/fact_validity.py SUMMARIES.jsonl[.gz] --clusters CLUSTERS.jsonl[.gz]
        [--metric fact] [--tune min_coverage=0,0.5,0.7,0.9] [--threshold]
        [--output results/benchmarks/fact_validity.json] [OVERRIDE ...]

Writes the figures to ``--output`` (JSON) and the printed table beside it (``.md``). Bad input:
one line ``fact_validity: error: ...``, exit 2, nothing written.
"""

from __future__ import annotations

import argparse
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


def _figures(rows: list[Any], flagged: list[bool], values: list[float]) -> list[dict[str, Any]]:
    """Validity figures per (source, split)."""
    from bench.data.labels import groups
    from bench.metrics.consistency.validity import validity

    out = []
    for (source, split), members in sorted(groups(rows).items()):
        v = validity(
            [rows[i] for i in members], [flagged[i] for i in members], [values[i] for i in members]
        )
        out.append(
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
    return out


def _judged_by(metric: Any) -> tuple[str, str]:
    """The score key and the issues details field of a consistency metric (a clear error if not)."""
    from bench.errors import BenchError

    name = metric.info.name
    keys = list(metric.info.keys)
    issues = [f for f in metric.info.details if f.endswith("_issues")]
    if len(keys) != 1 or len(issues) != 1:
        raise BenchError(
            f"metric {name!r} is not a consistency check with one score and an *_issues field "
            f"(keys: {', '.join(keys)}; details: {', '.join(metric.info.details) or 'none'})"
        )
    return keys[0], issues[0]


def measure(
    rows: list[Any], clusters: list[Any], overrides: list[str], metric_name: str = "fact"
) -> dict[str, Any]:
    """Score every row with the metric under the overrides: figures, values, cost, signature."""
    from bench.core.build import build_metrics
    from bench.core.scoring import score_summaries
    from bench.errors import BenchError
    from bench.metrics.consistency.base import FAILING
    from bench.score import compose, summary_text

    cfg = compose([f"metrics=[{metric_name}]", *overrides])
    metrics = build_metrics(cfg)
    if list(metrics) != [metric_name]:
        raise BenchError(
            f"only the {metric_name} metric is measured here, got {', '.join(metrics)}"
        )
    key, issues = _judged_by(metrics[metric_name])
    texts = [summary_text(r.summary) for r in rows]
    t0 = time.perf_counter()
    scored = score_summaries(texts, clusters, metrics, "the clusters file")
    seconds = time.perf_counter() - t0
    failing = [sum(i["verdict"] in FAILING for i in d[issues]) for d in scored.details]
    flagged = [n > 0 for n in failing]
    values = [s[key] for s in scored.scores]
    return {
        "metric": metric_name,
        "score_key": key,
        "overrides": overrides,
        "figures": _figures(rows, flagged, values),
        "values": values,
        "failing": failing,
        "cost": {
            "score_s": round(seconds, 2),
            "ms_per_summary": round(1000 * seconds / max(1, len(rows)), 2),
        },
        "metric_signature": metrics[metric_name].signature(),
    }


def thresholded(rows: list[Any], values: list[float]) -> dict[str, Any]:
    """Flag = score below a threshold chosen per source on its ``valid`` rows (SummaC protocol).

    The threshold maximises balanced accuracy on the source's valid rows (the lowest on a tie,
    :func:`bench.agreement.best_threshold`) and is applied unchanged to its other splits.
    """
    from bench.agreement import best_threshold

    chosen: dict[str, float | None] = {}
    figures = []
    for source in sorted({r.source for r in rows}):
        valid = [i for i, r in enumerate(rows) if r.source == source and r.split == "valid"]
        t = best_threshold([values[i] for i in valid], [not rows[i].is_error for i in valid])
        chosen[source] = t
        if t is None:
            continue
        members = [i for i, r in enumerate(rows) if r.source == source]
        flagged = [values[i] < t for i in members]
        figures += _figures([rows[i] for i in members], flagged, [values[i] for i in members])
    return {"chosen": chosen, "figures": figures}


SIGNALS = {
    "failing": "failing issues",
    "absent": "words in no article",
    "words": "content words",
    "low_coverage": "1 - lowest coverage",
}


def _signals(rows: list[Any], clusters: list[Any], failing: list[int]) -> dict[str, list[float]]:
    """Per row, surface signals that grow with unfaithfulness (see :func:`signal_figures`)."""
    from bench.metrics.consistency.lexicon import stem
    from bench.metrics.consistency.sources import source_index
    from bench.metrics.consistency.tokens import content, normalize
    from bench.preprocess.text import split_sentences
    from bench.score import summary_text

    def content_words(text: str) -> list[str]:  # in order, repeats kept (as the checker reads)
        return [t for t in normalize(text) if content([t])]

    out: dict[str, list[float]] = {k: [] for k in SIGNALS}
    for row, cluster, n in zip(rows, clusters, failing, strict=True):
        index = source_index(cluster.documents)
        words = content_words(summary_text(row.summary))
        coverages = [
            c.value
            for sentence in split_sentences(summary_text(row.summary).split("\n"))
            if (c := index.stems.coverage(content_words(sentence))) is not None
        ]
        out["failing"].append(float(n))
        out["absent"].append(float(sum(stem(t) not in index.stems.all for t in words)))
        out["words"].append(float(len(words)))
        out["low_coverage"].append(1.0 - min(coverages, default=1.0))
    return out


def signal_figures(rows: list[Any], clusters: list[Any], failing: list[int]) -> dict[str, Any]:
    """How far surface signals go: ROC-AUC of each, and of their combination fitted on valid.

    The signals (:data:`SIGNALS`): the check's failing issues, the summary's content words that
    no article has (stemmed), its number of content words, and one minus the lowest coverage of
    a summary sentence by one article sentence (:mod:`bench.metrics.consistency.coverage`). Per
    source, a logistic regression (standardised signals, balanced class weights) is fitted on the
    ``valid`` rows only; its decision value is scored on every split, and thresholded at the
    value chosen on ``valid`` (:func:`bench.agreement.best_threshold`). A ceiling for what these
    lexical signals can tell, not a metric of the harness.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from bench.agreement import balanced_accuracy, best_threshold, roc_auc

    values = _signals(rows, clusters, failing)
    x = np.array([values[k] for k in SIGNALS]).T
    faithful = np.array([not r.is_error for r in rows])
    figures = []
    for source in sorted({r.source for r in rows}):
        valid = np.array([r.source == source and r.split == "valid" for r in rows])
        scaler = fit = t = None
        if len(set(faithful[valid])) == 2:
            scaler = StandardScaler().fit(x[valid])
            fit = LogisticRegression(class_weight="balanced").fit(
                scaler.transform(x[valid]), faithful[valid]
            )
            t = best_threshold(fit.decision_function(scaler.transform(x[valid])), faithful[valid])
        for split in sorted({r.split for r in rows if r.source == source}):
            at = np.array([r.source == source and r.split == split for r in rows])
            entry: dict[str, Any] = {"source": source, "split": split}
            for k in SIGNALS:
                auc = roc_auc(-np.asarray(values[k])[at], faithful[at])
                entry[k] = None if auc is None else 100 * auc
            if fit is not None:
                combined = fit.decision_function(scaler.transform(x[at]))
                auc = roc_auc(combined, faithful[at])
                ba = balanced_accuracy(combined >= t, faithful[at])
                entry["combined_auc"] = None if auc is None else 100 * auc
                entry["combined_balanced_accuracy"] = None if ba is None else 100 * ba
            figures.append(entry)
    return {"signals": SIGNALS, "figures": figures}


def _balanced(run: dict[str, Any], source: str, split: str) -> float:
    for f in run["figures"]:
        if f["source"] == source and f["split"] == split and f["balanced_accuracy"] is not None:
            return float(f["balanced_accuracy"])
    return float("-inf")


def score(
    summaries: Path,
    clusters_path: Path,
    overrides: list[str],
    tune: str | None = None,
    metric: str = "fact",
    threshold: bool = False,
    signals: bool = False,
) -> dict[str, Any]:
    """The figures with the given settings and, with ``tune``, with one setting chosen per source.

    ``tune`` is ``KEY=V1,V2,...`` (a key of the metric, e.g. ``min_coverage=0,0.5,0.9``):
    every value is scored, and for each source the value with the best balanced accuracy on its
    ``valid`` rows is kept (the first on a tie); its figures on every split are reported. This
    is the protocol of the SummaC and AggreFact benchmarks (a threshold per dataset, chosen on
    its validation split). With ``threshold``, the default run's scores are also thresholded per
    source (:func:`thresholded`); with ``signals``, the surface signals are measured too
    (:func:`signal_figures`).
    """
    from bench.core.build import instantiate
    from bench.data.labels import read_labelled
    from bench.errors import BenchError
    from bench.preprocess.clean import Cleaner
    from bench.score import compose, read_clusters

    rows = read_labelled(summaries)
    grid: list[str] = []
    runs: dict[str, dict[str, Any]] = {}
    if tune is not None:
        key, _, values = tune.partition("=")
        grid = [v.strip() for v in values.split(",") if v.strip()]
        if not key.strip() or not grid:
            raise BenchError(f"--tune must look like KEY=V1,V2,... got {tune!r}")
        key = key.strip()
        if not key.startswith(f"metrics.{metric}."):
            key = f"metrics.{metric}.{key}"
    cfg = compose([f"metrics=[{metric}]", *overrides])
    t0 = time.perf_counter()
    available = read_clusters(clusters_path, Cleaner(instantiate(cfg.cleaning, "cleaning")))
    load_s = time.perf_counter() - t0
    missing = sorted({r.cluster_id for r in rows} - set(available))
    if missing:
        raise BenchError(
            f"{summaries}: {len(missing)} cluster_id(s) not in {clusters_path}, e.g. {missing[0]!r}"
        )
    clusters = [available[r.cluster_id] for r in rows]
    record: dict[str, Any] = {
        "summaries": summaries.name,
        "clusters": clusters_path.name,
        "n_summaries": len(rows),
        "n_clusters": len({r.cluster_id for r in rows}),
        "load_s": round(load_s, 2),
        "default": measure(rows, clusters, overrides, metric),
        "python": platform.python_version(),
    }
    if grid:
        runs = {v: measure(rows, clusters, [*overrides, f"{key}={v}"], metric) for v in grid}
        chosen: dict[str, str] = {}
        figures = []
        for source in sorted({r.source for r in rows}):
            best = max(
                grid, key=lambda v, s=source: (_balanced(runs[v], s, "valid"), -grid.index(v))
            )
            chosen[source] = best
            figures += [f for f in runs[best]["figures"] if f["source"] == source]
        record["tuned"] = {
            "key": key,
            "grid": grid,
            "chosen": chosen,
            "figures": figures,
            "valid_balanced_accuracy": {
                v: {s: _balanced(runs[v], s, "valid") for s in chosen} for v in grid
            },
        }
    if threshold:
        record["threshold"] = thresholded(rows, record["default"]["values"])
    if signals:
        record["signals"] = signal_figures(rows, clusters, record["default"]["failing"])
    for run in (record["default"], *runs.values()):
        run.pop("values")
        run.pop("failing")
    return record


def _table(figures: list[dict[str, Any]], label: str | None = None) -> list[str]:
    head = "| source | split |" + (f" {label} |" if label is not None else "")
    lines = [
        head + " faithful | error | balanced acc. | ROC-AUC | error recall | false alarms |",
        "|---|---|" + ("---|" if label is not None else "") + "--:|--:|--:|--:|--:|--:|",
    ]
    for f in figures:
        recall, alarms = f["error_recall"], f["false_alarm_rate"]
        lines.append(
            f"| {f['source']} | {f['split']} |"
            + (f" {f.get('setting', '')} |" if label is not None else "")
            + f" {f['faithful']} | {f['error']} | {_pct(f['balanced_accuracy'])} "
            f"| {_pct(f['roc_auc'])} | {_pct(None if recall is None else 100 * recall)} "
            f"| {_pct(None if alarms is None else 100 * alarms)} |"
        )
    return lines


def _types(figures: list[dict[str, Any]]) -> list[str]:
    types = sorted({t for f in figures for t in f["recall_by_type"]})
    lines = ["| source | split | " + " | ".join(types) + " |", "|---|---|" + "--:|" * len(types)]
    for f in figures:
        cells = []
        for t in types:
            hits, n = f["recall_by_type"].get(t, [0, 0])
            cells.append(f"{100 * hits / n:.1f}" if n else "-")
        lines.append(f"| {f['source']} | {f['split']} | " + " | ".join(cells) + " |")
    return lines


def render(record: dict[str, Any]) -> str:
    """The figures as Markdown tables."""
    default = record["default"]
    settings = (
        " ".join(default["overrides"]) or f"conf/metrics/{default['metric']}.yaml as committed"
    )
    lines = [
        f"Fact check against human labels: {record['summaries']} "
        f"({record['n_summaries']} summaries of {record['n_clusters']} clusters)",
        "",
        f"Metric {default['metric']}, default settings ({settings}); "
        "flag = any unsupported or contradicted claim:",
        "",
        *_table(default["figures"]),
        "",
        "Recall (%) per error type (error rows of that type flagged):",
        "",
        *_types(default["figures"]),
    ]
    tuned = record.get("tuned")
    if tuned:
        figures = [{**f, "setting": tuned["chosen"][f["source"]]} for f in tuned["figures"]]
        lines += [
            "",
            f"`{tuned['key']}` chosen per source on its valid split from "
            f"{', '.join(tuned['grid'])} (SummaC / AggreFact protocol):",
            "",
            *_table(figures, label="setting"),
            "",
            "Recall (%) per error type, chosen settings:",
            "",
            *_types(figures),
        ]
    threshold = record.get("threshold")
    if threshold:
        chosen = threshold["chosen"]
        figures = [{**f, "setting": f"{chosen[f['source']]:.4g}"} for f in threshold["figures"]]
        lines += [
            "",
            f"Flag = `{default['score_key']}` below a threshold chosen per source on its valid "
            "split (SummaC / AggreFact protocol):",
            "",
            *_table(figures, label="threshold"),
        ]
        lines += [
            f"No threshold for {s}: its valid rows lack a class."
            for s, t in chosen.items()
            if t is None
        ]
    if record.get("signals"):
        names = record["signals"]["signals"]
        lines += [
            "",
            "ROC-AUC of surface signals (higher value = less faithful), and of their combination "
            "fitted on each source's valid split (logistic regression; balanced accuracy at the "
            "valid split's threshold):",
            "",
            "| source | split | "
            + " | ".join(names.values())
            + " | combined | combined bal. acc. |",
            "|---|---|" + "--:|" * (len(names) + 2),
        ]
        for f in record["signals"]["figures"]:
            cells = [_pct(f[k]) for k in names]
            cells += [_pct(f.get("combined_auc")), _pct(f.get("combined_balanced_accuracy"))]
            lines.append(f"| {f['source']} | {f['split']} | " + " | ".join(cells) + " |")
    cost = default["cost"]
    lines += [
        "",
        f"Cost (default settings): {cost['ms_per_summary']} ms per summary scored "
        f"({cost['score_s']} s in all; reading and splitting the articles {record['load_s']} s).",
        "Signature: " + "|".join(f"{k}:{v}" for k, v in default["metric_signature"].items()),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: score, print, write the JSON record and its Markdown table."""
    import logging

    from bench.errors import BenchError
    from bench.fileio import atomic_write_json, atomic_write_text

    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    parser.add_argument("summaries", type=Path, help="labelled summaries, JSON Lines (or .gz)")
    parser.add_argument(
        "--clusters", type=Path, required=True, help="clusters with the source articles"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON record")
    parser.add_argument(
        "--tune",
        metavar="KEY=V1,V2,...",
        help="also choose this fact setting per source on its valid split, e.g. "
        "min_coverage=0,0.5,0.7,0.9",
    )
    parser.add_argument(
        "--metric", default="fact", help="the consistency metric (default fact; e.g. fact_nli)"
    )
    parser.add_argument(
        "--threshold",
        action="store_true",
        help="also flag scores below a threshold chosen per source on its valid split",
    )
    parser.add_argument(
        "--signals",
        action="store_true",
        help="also measure surface signals and their combination fitted on valid (a ceiling)",
    )
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. metrics.fact.reach=6")
    args = parser.parse_intermixed_args(argv)
    logging.basicConfig(level=logging.WARNING, format=f"{PROG}: %(message)s")
    try:
        if args.output.suffix != ".json":
            raise BenchError(f"--output must end in .json, got {args.output}")
        record = score(
            args.summaries,
            args.clusters,
            list(args.overrides),
            args.tune,
            args.metric,
            args.threshold,
            args.signals,
        )
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
