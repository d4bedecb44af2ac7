"""Score a batch of summaries with every metric: the one scoring loop of the project.

``bench-run`` (one summary per cluster) and ``bench-score`` (any number of summaries per cluster)
both call :func:`score_summaries`. Every metric is called once on the whole batch and returns a
:class:`~bench.metrics.base.MetricOutput`, checked against its declared
:class:`~bench.metrics.base.MetricInfo`: one value and one details row per summary, every score
key declared, every details field declared and owned by one metric. With a single summary, a
metric that compares against references is also scored against each reference alone
(``per_reference``, which pairs systems in significance tests) and with each reference left out
in turn (``loo``, the jackknife interval).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bench.core.build import check_keys, metric_info
from bench.errors import BenchError
from bench.metrics.base import Metric, MetricOutput
from bench.progress import Progress
from bench.types import Cluster

log = logging.getLogger(__name__)

_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Scored:
    """Everything the metrics gave for a batch, in the order of the summaries.

    Attributes:
        scores: Per summary, every metric's values.
        details: Per summary, every metric's non-numeric fields (e.g. ``fact_issues``).
        loo: Per summary, key -> the values with each reference left out (one summary only).
        per_reference: Reference id -> key -> the value against that reference alone.
        seconds: Metric -> wall-clock seconds it took.
    """

    scores: list[dict[str, float]]
    details: list[dict[str, Any]]
    loo: list[dict[str, list[float]]]
    per_reference: dict[str, dict[str, float]]
    seconds: dict[str, float]


def ids_text(ids: Sequence[str]) -> str:
    """The first few ids quoted, and how many more there are."""
    shown = ", ".join(repr(i) for i in list(ids)[:_SHOWN])
    return shown + (f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else "")


def check_requirements(
    metrics: Mapping[str, Metric], clusters: Sequence[Cluster], source: str
) -> None:
    """Every cluster has what every metric's ``info`` says it needs (documents, references)."""
    for name, metric in metrics.items():
        info = metric_info(name, metric)
        needs = (
            (info.needs_documents, lambda c: c.documents, "source documents"),
            (info.needs_references, lambda c: c.references, "reference summaries"),
        )
        for needed, has, what in needs:
            if not needed:
                continue
            lacking = list(dict.fromkeys(c.cluster_id for c in clusters if not has(c)))
            if lacking:
                raise BenchError(
                    f"metric {name!r} needs {what}, but {source} has none for cluster(s) "
                    f"{ids_text(lacking)}"
                )


def key_bounds(metrics: Mapping[str, Metric]) -> dict[str, tuple[float, float]]:
    """Key -> its declared value range, for every bounded key of every metric."""
    return {
        key: k.value_range
        for name, metric in metrics.items()
        for key, k in metric_info(name, metric).keys.items()
        if k.value_range is not None
    }


def run_metric(
    name: str, metric: Metric, texts: Sequence[str], clusters: Sequence[Cluster]
) -> MetricOutput:
    """One metric on one batch, its output checked against its ``info``."""
    info = metric_info(name, metric)
    try:
        out = metric.score(texts, clusters)
    except ValueError as exc:
        raise BenchError(f"metric {name!r}: {exc}") from exc
    if not isinstance(out, MetricOutput):
        raise BenchError(
            f"metric {name!r} returned {type(out).__name__}, not a bench.metrics.base.MetricOutput"
        )
    for what, rows in (("scores", out.scores), ("details", out.details)):
        if len(rows) != len(texts):
            raise BenchError(
                f"metric {name!r} returned {what} for {len(rows)} of {len(texts)} summaries"
            )
    for what, rows, declared in (
        ("score", out.scores, info.keys),
        ("details field", out.details, info.details),
    ):
        undeclared = sorted({key for row in rows for key in row} - set(declared))
        if undeclared:
            raise BenchError(
                f"metric {name!r} wrote the {what} {undeclared[0]!r} that its info does not declare"
            )
    return out


def reference_views(
    name: str, metric: Metric, text: str, cluster: Cluster
) -> tuple[dict[str, dict[str, float]], dict[str, list[float]]]:
    """Scores against each single reference, and with each reference left out in turn."""
    refs = cluster.references
    per_ref = {
        r.ref_id: run_metric(name, metric, [text], [replace(cluster, references=(r,))]).scores[0]
        for r in refs
    }
    loo: dict[str, list[float]] = {}
    if len(refs) >= 2:
        for i in range(len(refs)):
            subset = replace(cluster, references=refs[:i] + refs[i + 1 :])
            for key, value in run_metric(name, metric, [text], [subset]).scores[0].items():
                loo.setdefault(key, []).append(value)
    return per_ref, loo


CHUNKS = 20  # a metric is called on about this many parts of a batch, for its progress bar


def cluster_chunks(clusters: Sequence[Cluster], n_chunks: int = CHUNKS) -> list[tuple[int, int]]:
    """``(start, end)`` parts of a batch ordered by cluster, each holding whole clusters."""
    starts = [
        i for i, c in enumerate(clusters) if i == 0 or c.cluster_id != clusters[i - 1].cluster_id
    ]
    per_chunk = max(1, -(-len(starts) // n_chunks))
    bounds = starts[::per_chunk] + [len(clusters)]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]


def _run_in_chunks(
    name: str, metric: Metric, texts: Sequence[str], clusters: Sequence[Cluster]
) -> MetricOutput:
    """The metric on whole clusters at a time, showing its progress; one output for the batch."""
    scores: list[dict[str, float]] = []
    details: list[dict[str, Any]] = []
    with Progress(len(texts), f"scoring {name}", "summary", "summaries") as progress:
        for a, b in cluster_chunks(clusters):
            out = run_metric(name, metric, texts[a:b], clusters[a:b])
            scores += out.scores
            details += out.details
            progress.update(b - a)
    return MetricOutput(scores, details)


def score_summaries(
    texts: Sequence[str],
    clusters: Sequence[Cluster],
    metrics: Mapping[str, Metric],
    source: str,
    reserved: Collection[str] = (),
    views: bool = False,
) -> Scored:
    """Scores and details of every summary, each metric called once on the whole batch.

    Args:
        texts: The summaries as the metrics score them (one sentence per line).
        clusters: The cluster of each summary (several summaries may share one).
        metrics: The metrics by name, in the order they run.
        source: Where the clusters come from, for errors (``dataset 'duc2004'``).
        reserved: Names of the caller's output rows that no metric may write.
        views: With a single summary, add the per-reference and leave-one-out views of every
            metric that needs references.

    The batch is ordered by cluster (first appearance, stable) so that a metric sees the
    summaries of one cluster together; results come back in the given order.
    """
    if len(texts) != len(clusters):
        raise ValueError(f"{len(texts)} summaries for {len(clusters)} clusters")
    check_keys(metrics, reserved)
    check_requirements(metrics, clusters, source)
    first: dict[str, int] = {}
    for c in clusters:
        first.setdefault(c.cluster_id, len(first))
    order = sorted(range(len(texts)), key=lambda i: first[clusters[i].cluster_id])
    batch_texts = [texts[i] for i in order]
    batch_clusters = [clusters[i] for i in order]
    scores: list[dict[str, float]] = [{} for _ in texts]
    details: list[dict[str, Any]] = [{} for _ in texts]
    loo: list[dict[str, list[float]]] = [{} for _ in texts]
    per_reference: dict[str, dict[str, float]] = {}
    seconds: dict[str, float] = {}
    for step, (name, metric) in enumerate(metrics.items(), start=1):
        log.info("scoring %d summaries with %s (%d/%d)", len(texts), name, step, len(metrics))
        started = time.time()
        out = _run_in_chunks(name, metric, batch_texts, batch_clusters)
        for j, i in enumerate(order):
            scores[i].update(out.scores[j])
            details[i].update(out.details[j])
        if views and len(texts) == 1 and metric_info(name, metric).needs_references:
            by_ref, metric_loo = reference_views(name, metric, texts[0], clusters[0])
            loo[0].update(metric_loo)
            for ref_id, values in by_ref.items():
                per_reference.setdefault(ref_id, {}).update(values)
        seconds[name] = round(time.time() - started, 3)
        log.info("%s done in %.1fs", name, seconds[name])
    return Scored(scores, details, loo, per_reference, seconds)
