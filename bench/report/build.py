"""Gather a sweep (or any runs) into a :class:`~bench.report.model.Report`.

The comparison table comes from the same comparison as ``bench-table`` (columns, labels, scale,
bold best and significance marks from the metric contract), the plots are the sweep's own PNGs,
the summaries and fact issues come from each run's ``scores.jsonl``, and the documents and
references are loaded again through the run's recorded dataset and cleaning config.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.errors import BenchError
from bench.report.model import (
    Cell,
    ClusterView,
    Column,
    DocumentView,
    IssueView,
    ReferenceView,
    Report,
    Row,
    SystemSummary,
)
from bench.results.comparison import Comparison, TableOptions, collect_runs, compare
from bench.results.render import caption_text, cell_parts
from bench.results.runrecord import RunRecord, read_score_rows
from bench.types import Cluster

log = logging.getLogger(__name__)

PLOTS = ("comparison.png", "comparison_length.png")
ISSUE_SUFFIX = "_issues"


def _table(cmp: Comparison) -> tuple[tuple[Column, ...], tuple[Row, ...]]:
    columns = tuple(Column(key, label) for key, label in cmp.columns)
    rows = []
    for run in cmp.runs:
        cells = {}
        for key in cmp.keys:
            parts = cell_parts(cmp, run, key)
            if parts is None:
                continue
            mean, text, best, mark, interval = parts
            cells[key] = Cell(mean, text, interval, best, mark)
        rows.append(Row(run.label, cmp.name(run), cells))
    return columns, tuple(rows)


def _plots(folder: Path) -> tuple[tuple[str, str], ...]:
    out = []
    for name in PLOTS:
        path = folder / name
        if path.is_file():
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            out.append((name, f"data:image/png;base64,{data}"))
    return tuple(out)


def run_clusters(run: RunRecord) -> dict[str, Cluster]:
    """The clusters of a run, loaded again through its recorded dataset and cleaning config."""
    from omegaconf import OmegaConf

    from bench.core.build import instantiate
    from bench.memo import load_clusters
    from bench.preprocess.clean import Cleaner, CleaningConfig

    config = run.record.get("config") or {}
    if "dataset" not in config or "cleaning" not in config:
        raise BenchError(f"{run.path}: run.json records no dataset/cleaning config to load from")
    source = instantiate(OmegaConf.create(config["dataset"]), "dataset")
    cleaning = instantiate(OmegaConf.create(config["cleaning"]), "cleaning")
    if not isinstance(cleaning, CleaningConfig):
        raise BenchError(f"{run.path}: the recorded cleaning config is not a CleaningConfig")
    return {c.cluster_id: c for c in load_clusters(source, Cleaner(cleaning))}


def _issues(row: dict[str, Any], sentences: Sequence[str]) -> tuple[IssueView, ...]:
    out = []
    for key, value in row.items():
        if not key.endswith(ISSUE_SUFFIX) or not isinstance(value, list):
            continue
        for issue in value:
            if not isinstance(issue, dict):
                continue
            index = issue.get("sentence_index")
            if not isinstance(index, int):
                text = issue.get("sentence", "")
                index = sentences.index(text) if text in sentences else -1
            out.append(IssueView(
                index, str(issue.get("span", "")), str(issue.get("kind", "")),
                str(issue.get("verdict", "")), str(issue.get("reason", "")),
                tuple({"doc_id": str(d.get("doc_id", "")), "says": str(d.get("says", ""))}
                      for d in issue.get("documents", []) if isinstance(d, dict)),
            ))  # fmt: skip
    return tuple(out)


def _clusters(cmp: Comparison, max_clusters: int) -> tuple[ClusterView, ...]:
    loaded: dict[str, dict[str, Cluster]] = {}
    by_cluster: dict[str, list[SystemSummary]] = {}
    order: list[str] = []
    sources: dict[str, dict[str, Cluster]] = {}
    for run in cmp.runs:
        key = repr(sorted((run.record.get("dataset_signature") or {}).items()))
        if key not in loaded:
            loaded[key] = run_clusters(run)
        for row in read_score_rows(run):
            cid = str(row["cluster_id"])
            if cid not in by_cluster:
                if len(order) >= max_clusters:
                    continue
                order.append(cid)
                by_cluster[cid] = []
            sentences = tuple(s for s in str(row.get("summary", "")).split("\n") if s.strip())
            scores = tuple(
                (label, cmp.fmt(row["scores"][k], k))
                for k, label in cmp.columns
                if isinstance(row.get("scores", {}).get(k), int | float)
            )
            by_cluster[cid].append(
                SystemSummary(cmp.name(run), sentences, scores, _issues(row, list(sentences)))
            )
            sources.setdefault(cid, loaded[key])
    views = []
    for cid in order:
        cluster = sources[cid].get(cid)
        docs = refs = ()
        if cluster is not None:
            docs = tuple(DocumentView(d.doc_id, d.title or "", tuple(d.sentences))
                         for d in cluster.documents)  # fmt: skip
            refs = tuple(ReferenceView(r.ref_id, r.text) for r in cluster.references)
        views.append(ClusterView(cid, docs, refs, tuple(by_cluster[cid])))
    return tuple(views)


def _provenance(runs: Sequence[RunRecord]) -> tuple[tuple[str, dict[str, Any]], ...]:
    keep = ("system", "system_label", "mdsbench", "overrides", "signatures", "summarizer_signature",
            "dataset_signature", "budget", "cleaning", "seed", "git", "packages")  # fmt: skip
    return tuple((run.label, {k: run.record[k] for k in keep if k in run.record}) for run in runs)


def build_report(
    folders: Sequence[Path], options: TableOptions | None = None, max_clusters: int = 50
) -> Report:
    """The report of every run under ``folders`` (a sweep folder, or runs and sweeps)."""
    runs = collect_runs(list(folders))
    cmp = compare(runs, options)
    columns, rows = _table(cmp)
    counts = sorted({str(r.record.get("n_clusters")) for r in runs})
    title = f"mdsbench report: {', '.join(f.name for f in folders)}"
    subtitle = f"{len(runs)} systems; clusters per run: {', '.join(counts)}"
    return Report(
        title=title,
        subtitle=subtitle,
        columns=columns,
        rows=rows,
        caption=tuple(caption_text(cmp)),
        plots=_plots(folders[0]) if len(folders) == 1 else (),
        clusters=_clusters(cmp, max_clusters),
        provenance=_provenance(runs),
    )
