"""Comparison tables of runs: Markdown for reading, CSV for tools."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rouge1_f", "R-1 F1"),
    ("rouge2_f", "R-2 F1"),
    ("rougeL_f", "R-L F1"),
    ("rougeLsum_f", "R-Lsum F1"),
    ("length_words", "Words"),
)
_PERCENT = ("rouge",)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """The parts of a run.json a table needs."""

    label: str
    path: Path
    record: dict[str, Any]

    @classmethod
    def of(cls, record: dict[str, Any], path: Path) -> RunSummary:
        """Wrap one run record."""
        return cls(_label(record), path, record)


def load_runs(directory: Path) -> list[RunSummary]:
    """Every complete run (a parseable run.json) under ``directory``, in path order."""
    runs = []
    for path in sorted(directory.rglob("run.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if not isinstance(record, dict) or "scores" not in record:
            continue
        runs.append(RunSummary.of(record, path.parent))
    return runs


def _label(record: dict[str, Any]) -> str:
    extra = [
        o
        for o in record.get("overrides", [])
        if not o.startswith(("summarizer=", "sweep=", "paths.", "hydra."))
    ]
    name = str(record.get("system", "?"))
    return f"{name} ({', '.join(extra)})" if extra else name


def _scale(key: str) -> float:
    return 100.0 if key.startswith(_PERCENT) else 1.0


def _cell(score: dict[str, Any] | None, key: str) -> str:
    if score is None:
        return "-"
    s = _scale(key)
    digits = 2 if s == 100.0 else 1
    mean = f"{score['mean'] * s:.{digits}f}"
    if score.get("low") is None:
        return mean
    return f"{mean} [{score['low'] * s:.{digits}f}, {score['high'] * s:.{digits}f}]"


def table_rows(
    runs: Sequence[RunSummary], columns: Sequence[tuple[str, str]] = DEFAULT_COLUMNS
) -> list[list[str]]:
    """Header plus one formatted row per run."""
    rows = [["System", *[label for _, label in columns]]]
    for r in runs:
        scores = r.record["scores"]
        rows.append([r.label, *[_cell(scores.get(k), k) for k, _ in columns]])
    return rows


def ci_methods(
    runs: Sequence[RunSummary], columns: Sequence[tuple[str, str]] = DEFAULT_COLUMNS
) -> list[str]:
    """The distinct CI methods of the metric (non-length) columns."""
    keys = [k for k, _ in columns if not k.startswith("length_")]
    return sorted(
        {r.record["scores"][k]["method"] for r in runs for k in keys if k in r.record["scores"]}
    )


def caption(
    runs: Sequence[RunSummary], columns: Sequence[tuple[str, str]] = DEFAULT_COLUMNS
) -> str:
    """How the numbers were obtained: CI method of the metric columns, signatures."""
    methods = ci_methods(runs, columns)
    sigs = sorted({v for r in runs for v in r.record.get("signatures", {}).values()})
    n = sorted({str(r.record.get("n_clusters")) for r in runs})
    lines = [
        f"ROUGE in percent; mean with 95% CI [low, high]; clusters: {', '.join(n)}.",
        f"CI: {'; '.join(methods)}.",
    ]
    lines += [f"Signature: `{s}`" for s in sigs]
    return "\n".join(lines)


def to_markdown(
    runs: Sequence[RunSummary], columns: Sequence[tuple[str, str]] = DEFAULT_COLUMNS
) -> str:
    """A Markdown table with its caption below."""
    rows = table_rows(runs, columns)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(rows[0]), "| " + " | ".join("-" * w for w in widths) + " |"]
    out += [line(r) for r in rows[1:]]
    return "\n".join(out) + "\n\n" + caption(runs, columns) + "\n"


def to_csv(runs: Sequence[RunSummary], columns: Sequence[tuple[str, str]] = DEFAULT_COLUMNS) -> str:
    """CSV with raw (unscaled) mean, low and high per column, for further processing."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    header = ["system", "run_dir"]
    for key, _ in columns:
        header += [key, f"{key}_low", f"{key}_high"]
    header.append("ci_method")
    writer.writerow(header)
    for r in runs:
        row: list[Any] = [r.label, r.path.name]
        for key, _ in columns:
            s = r.record["scores"].get(key) or {}
            row += [s.get("mean", ""), s.get("low", ""), s.get("high", "")]
        row.append("; ".join(ci_methods([r], columns)))
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()
