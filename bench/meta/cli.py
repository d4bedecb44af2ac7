"""``bench-meta``: how well does each metric agree with people?

Two steps::

    bench-meta prepare summeval summeval.jsonl.gz OUT/      # judgements + bench-score inputs
    bench-score OUT/summaries.jsonl --clusters OUT/clusters.jsonl 'metrics=[rouge]'
    bench-meta correlate OUT/judgements.jsonl OUT/summaries.scores.jsonl --out OUT/meta

``correlate`` joins judgements (:mod:`bench.meta.judgements`) to ``bench-score`` output rows by
``id`` and reports, per metric key and human dimension, the correlation at the system and
summary levels (and over all pairs with ``--levels global``), each with a bootstrap interval
(:mod:`bench.meta.stats`), paired permutation tests between metrics (``--compare A,B``),
balanced accuracy and ROC-AUC for binary dimensions, and published figures beside ours
(``--published``). It writes ``meta.md``, ``meta.tex``, ``meta.json`` and a scatter plot of the
system means per metric into ``--out``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from bench import __version__, agreement
from bench.data.io import read_bytes, read_jsonl_rows
from bench.errors import BenchError, run_reporting_errors
from bench.meta import judgements as jm
from bench.meta import stats

log = logging.getLogger(__name__)
PROG = "bench-meta"
LABELS = {"kendall_b": "Kendall τb", "kendall_c": "Kendall τc", "spearman": "Spearman ρ",
          "pearson": "Pearson r"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Table:
    """Systems x inputs matrices of every metric key and human dimension."""

    systems: list[str]
    inputs: list[str]
    metrics: dict[str, np.ndarray]
    human: dict[str, np.ndarray]
    splits: dict[str, np.ndarray]  # split name -> boolean mask over cells


def read_scores(path: Path) -> dict[str, dict[str, float]]:
    """``bench-score`` output: id -> numeric scores."""
    out: dict[str, dict[str, float]] = {}
    for line_no, row in read_jsonl_rows(path, "scores file"):
        where = f"{path} line {line_no}"
        if not isinstance(row.get("id"), str) or not isinstance(row.get("scores"), dict):
            raise BenchError(f"{where}: not a bench-score output row (needs 'id' and 'scores')")
        out[row["id"]] = {
            k: float(v) for k, v in row["scores"].items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        }  # fmt: skip
    return out


def build_table(
    judged: Sequence[jm.Judgement],
    scores: Mapping[str, Mapping[str, float]],
    metrics: Sequence[str] | None,
    dimensions: Sequence[str] | None,
) -> Table:
    """Join judgements and scores by id into matrices; every mismatch is a one-line error."""
    missing = [j.id for j in judged if j.id not in scores]
    if missing:
        raise BenchError(
            f"{len(missing)} of {len(judged)} judged summaries have no score row (first: "
            f"{missing[0]!r}); score the summaries file the judgements were prepared with"
        )
    systems = sorted({j.system for j in judged})
    inputs = sorted({j.input for j in judged})
    row = {s: i for i, s in enumerate(systems)}
    col = {s: i for i, s in enumerate(inputs)}
    available_metrics = sorted(set.intersection(*(set(scores[j.id]) for j in judged)))
    available_dims = sorted(set.intersection(*(set(j.scores) for j in judged)))
    metrics = list(metrics) if metrics else available_metrics
    dimensions = list(dimensions) if dimensions else available_dims
    for key in metrics:
        if key not in available_metrics:
            raise BenchError(f"unknown metric key {key!r}; scored for every summary: "
                             f"{', '.join(available_metrics) or 'none'}")  # fmt: skip
    for dim in dimensions:
        if dim not in available_dims:
            raise BenchError(f"unknown human dimension {dim!r}; judged for every summary: "
                             f"{', '.join(available_dims) or 'none'}")  # fmt: skip
    shape = (len(systems), len(inputs))
    mats = {k: np.full(shape, np.nan) for k in metrics}
    hums = {d: np.full(shape, np.nan) for d in dimensions}
    splits: dict[str, np.ndarray] = {}
    seen: dict[tuple[int, int], str] = {}
    for j in judged:
        cell = (row[j.system], col[j.input])
        if cell in seen:
            raise BenchError(f"judgements {seen[cell]!r} and {j.id!r} are both of system "
                             f"{j.system!r} on input {j.input!r}")  # fmt: skip
        seen[cell] = j.id
        for k in metrics:
            mats[k][cell] = scores[j.id][k]
        for d in dimensions:
            hums[d][cell] = j.scores[d]
        splits.setdefault(j.split, np.zeros(shape, dtype=bool))[cell] = True
    return Table(systems, inputs, mats, hums, splits)


def _fmt(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.4f}"


def _is_binary(values: np.ndarray) -> bool:
    present = values[~np.isnan(values)]
    return len(present) > 0 and set(np.unique(present)) <= {0.0, 1.0}


def correlations(table: Table, options: argparse.Namespace) -> list[dict[str, Any]]:
    """Every (level, coefficient, dimension, metric) correlation with its interval."""
    out = []
    total = len(options.levels) * len(options.coefficients) * len(table.human) * len(table.metrics)
    done = 0
    for level in options.levels:
        for coefficient in options.coefficients:
            for dim, human in table.human.items():
                for key, metric in table.metrics.items():
                    est = stats.bootstrap(metric, human, level, coefficient, options.resample,
                                          options.n_samples, options.seed)  # fmt: skip
                    entry = {"level": level, "coefficient": coefficient, "dimension": dim,
                             "metric": key, **est.as_dict()}  # fmt: skip
                    if level == "summary":
                        entry["inputs"] = stats.defined_inputs(metric, human, coefficient)
                    out.append(entry)
                    done += 1
                    if done % max(1, total // 10) == 0 or done == total:
                        log.info("correlations: %d/%d", done, total)
    return out


def paired_tests(table: Table, options: argparse.Namespace) -> list[dict[str, Any]]:
    """Permutation tests of metric A against B for every dimension and level (first coefficient)."""
    out = []
    for pair in options.compare:
        a, _, b = pair.partition(",")
        for key in (a, b):
            if key not in table.metrics:
                raise BenchError(f"--compare {pair}: {key!r} is not among the metrics")
        for level in options.levels:
            coefficient = options.coefficients[0]
            for dim, human in table.human.items():
                test = stats.permutation_test(
                    table.metrics[a], table.metrics[b], human, level, coefficient,
                    options.resample, options.n_samples, options.seed,
                )  # fmt: skip
                out.append({"a": a, "b": b, "level": level, "coefficient": coefficient,
                            "dimension": dim, **test.as_dict()})  # fmt: skip
    return out


def _nan(value: float | None) -> float:
    """NaN for a figure that is not defined (the tables print it as a dash)."""
    return float("nan") if value is None else value


def binary_figures(table: Table) -> list[dict[str, Any]]:
    """ROC-AUC and balanced accuracy (threshold chosen on a dev split) for binary dimensions."""
    out = []
    dev = next((s for s in ("dev", "valid", "validation") if s in table.splits), None)
    dev_names = [s for s in table.splits if s.endswith(("/dev", "/valid", "/validation"))]
    for dim, human in table.human.items():
        if not _is_binary(human):
            continue
        for key, metric in table.metrics.items():
            cells = ~(np.isnan(metric) | np.isnan(human))
            entry: dict[str, Any] = {"dimension": dim, "metric": key}
            positive = human[cells] == 1.0
            entry["auc"] = _nan(agreement.roc_auc(metric[cells], positive))
            for split_name, mask in table.splits.items():
                if split_name in (dev, *dev_names):
                    continue
                tune_name = dev or next(
                    (d for d in dev_names if d.split("/")[0] == split_name.split("/")[0]), None
                )
                tune = table.splits[tune_name] if tune_name else mask
                tune_cells = tune & cells
                threshold = _nan(
                    agreement.best_threshold(metric[tune_cells], human[tune_cells] == 1.0)
                )
                test_cells = mask & cells
                predicted = metric[test_cells] >= threshold
                entry.setdefault("balanced_accuracy", {})[split_name] = {
                    "value": _nan(agreement.balanced_accuracy(predicted, human[test_cells] == 1.0)),
                    "threshold": threshold,
                    "threshold_from": tune_name or f"{split_name} itself (no dev split)",
                }
            out.append(entry)
    return out


PUBLISHED_DIR = Path(__file__).resolve().parent / "data"


def load_published(path: Path | None) -> dict[str, Any] | None:
    """Published figures to print beside ours (JSON; see docs/meta.md for the shape).

    A bare name (``summeval_table2``) is a file shipped in ``bench/meta/data/``.
    """
    if path is None:
        return None
    if path.parent == Path(".") and not path.suffix and not path.exists():
        path = PUBLISHED_DIR / f"{path.name}.json"
    try:
        data = json.loads(read_bytes(path, "published figures file"))
        values = data["values"]
        data["level"], data["coefficient"], data["source"]  # noqa: B018  (required keys)
    except (ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"published figures file {path}: needs source, level, coefficient and "
                         f"values ({exc})") from None  # fmt: skip
    if not isinstance(values, dict):
        raise BenchError(f"published figures file {path}: 'values' must be an object")
    return data


def _published(pub: Mapping[str, Any] | None, entry: Mapping[str, Any]) -> float | None:
    if not pub or pub["level"] != entry["level"] or pub["coefficient"] != entry["coefficient"]:
        return None
    key = pub.get("metric_names", {}).get(entry["metric"], entry["metric"])
    value = pub["values"].get(key, {}).get(entry["dimension"])
    return None if value is None else float(value)


def render_markdown(
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    tests: Sequence[Mapping[str, Any]],
    binary: Sequence[Mapping[str, Any]],
    pub: Mapping[str, Any] | None,
    latex: bool = False,
) -> str:
    """Paper-style tables: per level and coefficient, metrics x dimensions with intervals."""
    dims = list(table.human)
    lines: list[str] = []
    for level in dict.fromkeys(r["level"] for r in rows):
        for coefficient in dict.fromkeys(r["coefficient"] for r in rows):
            cells = {(r["metric"], r["dimension"]): r for r in rows
                     if r["level"] == level and r["coefficient"] == coefficient}  # fmt: skip
            if not cells:
                continue
            title = f"{level}-level {LABELS[coefficient]}"
            published = any(_published(pub, r) is not None for r in cells.values())
            header = ["Metric", *dims] + ([f"{d} (published)" for d in dims] if published else [])
            body = []
            for key in table.metrics:
                row = [key]
                for d in dims:
                    r = cells[(key, d)]
                    row.append(f"{_fmt(r['value'])} [{_fmt(r['low'])}, {_fmt(r['high'])}]")
                if published:
                    for d in dims:
                        value = _published(pub, cells[(key, d)])
                        row.append("" if value is None else f"{value:.4f}")
                body.append(row)
            lines += _table(title, header, body, latex)
    if tests:
        body = [[t["a"], t["b"], t["level"], t["dimension"], f"{t['delta']:+.4f}",
                 f"{t['p_value']:.4f}"] for t in tests]  # fmt: skip
        lines += _table("paired permutation tests (A better than B)",
                        ["A", "B", "level", "dimension", "Δ", "p"], body, latex)  # fmt: skip
    if binary:
        body = []
        for b in binary:
            for split_name, ba in b.get("balanced_accuracy", {}).items():
                body.append([b["metric"], b["dimension"], _fmt(b["auc"]), split_name,
                             f"{100 * ba['value']:.1f}", f"{ba['threshold']:.4f}",
                             str(ba["threshold_from"])])  # fmt: skip
        lines += _table("binary labels", ["Metric", "label", "ROC-AUC", "split",
                        "balanced acc.", "threshold", "threshold from"], body, latex)  # fmt: skip
    return "\n".join(lines).rstrip() + "\n"


def _escape_tex(text: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("%", r"\%"), ("&", r"\&"),
                 ("#", r"\#"), ("τ", r"$\tau$"), ("ρ", r"$\rho$"), ("Δ", r"$\Delta$")):  # fmt: skip
        text = text.replace(a, b)
    return text


def _table(title: str, header: list[str], body: list[list[str]], latex: bool) -> list[str]:
    if latex:
        out = [
            f"% {_escape_tex(title)}",
            r"\begin{tabular}{l" + "r" * (len(header) - 1) + "}",
            r"\toprule",
            " & ".join(_escape_tex(h) for h in header) + r" \\",
            r"\midrule",
        ]
        out += [" & ".join(_escape_tex(c) for c in row) + r" \\" for row in body]
        return [*out, r"\bottomrule", r"\end{tabular}", ""]
    out = [f"**{title}**", "", "| " + " | ".join(header) + " |",
           "| " + " | ".join("---" for _ in header) + " |"]  # fmt: skip
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in body]
    return [*out, ""]


def scatter_plots(table: Table, out_dir: Path) -> list[Path]:
    """One PNG per metric: system means of the metric against each human dimension."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for key, metric in table.metrics.items():
        dims = list(table.human)
        fig, axes = plt.subplots(1, len(dims), figsize=(3.2 * len(dims), 3.0), squeeze=False)
        with np.errstate(all="ignore"):
            x = np.nanmean(metric, axis=1)
        for ax, dim in zip(axes[0], dims, strict=True):
            with np.errstate(all="ignore"):
                y = np.nanmean(table.human[dim], axis=1)
            ax.scatter(x, y, s=18)
            for name, xi, yi in zip(table.systems, x, y, strict=True):
                ax.annotate(name, (xi, yi), fontsize=6, xytext=(2, 2), textcoords="offset points")
            ax.set_xlabel(key)
            ax.set_ylabel(f"{dim} (system mean)")
        fig.tight_layout()
        path = out_dir / f"scatter_{key}.png"
        fig.savefig(path, dpi=120, metadata={"Software": None})
        plt.close(fig)
        paths.append(path)
    return paths


def _sha256(path: Path) -> str:
    return hashlib.sha256(read_bytes(path, "input file")).hexdigest()


def run_correlate(options: argparse.Namespace) -> str:
    """The ``correlate`` step: figures printed and written to ``--out``."""
    from bench.fileio import atomic_write_json, atomic_write_texts

    judged = jm.load(options.judgements, options.format, options.annotators)
    table = build_table(judged, read_scores(options.scores), options.metrics, options.dimensions)
    log.info("%d systems x %d inputs, %d metric keys, %d dimensions", len(table.systems),
             len(table.inputs), len(table.metrics), len(table.human))  # fmt: skip
    pub = load_published(options.published)
    rows = correlations(table, options)
    tests = paired_tests(table, options)
    binary = binary_figures(table)
    for r in rows:
        published = _published(pub, r)
        if published is not None:
            r["published"] = published
    text = render_markdown(table, rows, tests, binary, pub)
    note = (f"{len(table.systems)} systems, {len(table.inputs)} inputs; intervals: "
            f"{rows[0]['method'] if rows else 'none'}.")  # fmt: skip
    if pub:
        note += f" Published: {pub['source']}." + (f" {pub['note']}" if pub.get("note") else "")
    text += "\n" + note + "\n"
    if options.out is not None:
        options.out.mkdir(parents=True, exist_ok=True)
        record = {
            "mdsbench": __version__,
            "judgements": {"path": str(options.judgements), "format": options.format,
                           "sha256": _sha256(options.judgements)},
            "scores": {"path": str(options.scores), "sha256": _sha256(options.scores)},
            "systems": table.systems, "n_inputs": len(table.inputs),
            "settings": {"levels": options.levels, "coefficients": options.coefficients,
                         "resample": options.resample, "n_samples": options.n_samples,
                         "seed": options.seed},
            "correlations": rows, "paired_tests": tests, "binary": binary,
            **({"published": pub} if pub else {}),
        }  # fmt: skip
        atomic_write_texts({
            options.out / "meta.md": text,
            options.out / "meta.tex": render_markdown(table, rows, tests, binary, pub, True),
        })  # fmt: skip
        atomic_write_json(options.out / "meta.json", record)
        scatter_plots(table, options.out)
    return text


def run_prepare(options: argparse.Namespace) -> str:
    """The ``prepare`` step: judgements and bench-score inputs from another format."""
    from bench.fileio import atomic_write_jsonl

    if options.format != "summeval":
        raise BenchError(f"prepare knows the summeval format only, got {options.format!r}")
    judged = jm.read_summeval(options.source, options.annotators)
    summaries, clusters = jm.summeval_score_inputs(options.source)
    out: Path = options.out
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_jsonl(out / "judgements.jsonl", [
        {"id": j.id, "system": j.system, "input": j.input, "split": j.split,
         "scores": dict(j.scores)} for j in judged
    ])  # fmt: skip
    atomic_write_jsonl(out / "summaries.jsonl", summaries)
    atomic_write_jsonl(out / "clusters.jsonl", clusters)
    return (f"{len(judged)} judgements, {len(summaries)} summaries of {len(clusters)} inputs "
            f"written to {out}\n")  # fmt: skip


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``bench-meta``."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Correlation of metric scores with human judgements."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare", help="judgements and bench-score inputs from SummEval")
    prep.add_argument("format", choices=["summeval"])
    prep.add_argument("source", type=Path)
    prep.add_argument("out", type=Path)
    prep.add_argument("--annotators", choices=jm.ANNOTATORS, default="expert")
    cor = sub.add_parser("correlate", help="correlate bench-score output with judgements")
    cor.add_argument("judgements", type=Path)
    cor.add_argument("scores", type=Path, help="bench-score output (.scores.jsonl)")
    cor.add_argument("--format", choices=jm.FORMATS, default="jsonl")
    cor.add_argument("--annotators", choices=jm.ANNOTATORS, default="expert")
    cor.add_argument("--metrics", type=_csv, help="metric keys (default: all scored)")
    cor.add_argument("--dimensions", type=_csv, help="human dimensions (default: all)")
    cor.add_argument("--levels", type=_csv, default=["system", "summary"])
    cor.add_argument("--coefficients", type=_csv, default=["kendall_b", "spearman", "pearson"])
    cor.add_argument("--resample", choices=stats.RESAMPLING, default="both")
    cor.add_argument("--n-samples", type=int, default=1000)
    cor.add_argument("--seed", type=int, default=0)
    cor.add_argument("--compare", action="append", default=[], metavar="A,B",
                     help="paired permutation test: is metric A better than B?")  # fmt: skip
    cor.add_argument("--published", type=Path, help="published figures (JSON) to print beside")
    cor.add_argument("--out", type=Path, help="folder for meta.md/.tex/.json and plots")
    return parser


def _run(options: argparse.Namespace) -> str:
    if options.command == "prepare":
        return run_prepare(options)
    for level in options.levels:
        if level not in stats.LEVELS:
            raise BenchError(f"unknown level {level!r}; choose from {', '.join(stats.LEVELS)}")
    for coefficient in options.coefficients:
        if coefficient not in stats.COEFFICIENTS:
            raise BenchError(f"unknown coefficient {coefficient!r}; choose from "
                             f"{', '.join(stats.COEFFICIENTS)}")  # fmt: skip
    if options.n_samples < 1:
        raise BenchError(f"--n-samples must be at least 1, got {options.n_samples}")
    return run_correlate(options)


def run_cli(argv: Sequence[str]) -> int:
    """Parse, check and run; errors are one line and exit status 2."""
    options = build_parser().parse_args(argv)
    return run_reporting_errors(PROG, lambda: _run(options))


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of ``bench-meta``."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    sys.exit(run_cli(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
