"""Plots of a comparison (PNG and PDF, written atomically, no timestamps in the files).

- :func:`plot_comparison`: grouped metric bars with their 95% confidence intervals;
- :func:`plot_length_tradeoff`: one metric against output length per system; runs of the same
  system that differ only in their length budget are joined by a line.

matplotlib is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.results.records import atomic_file
from bench.results.tables import (
    DEFAULT_COLUMNS,
    RunSummary,
    ci_methods,
    column_label,
    is_length,
    scale,
)

# Fixed metadata: no creation date or software version, so reruns give identical files.
_METADATA = {".png": {"Software": None}, ".pdf": {"CreationDate": None}}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, out_base: Path) -> list[Path]:
    """Save ``fig`` as ``<out_base>.png`` and ``.pdf``, each through a temporary file."""
    written = []
    for suffix, meta in _METADATA.items():
        path = out_base.with_name(out_base.name + suffix)
        with atomic_file(path, "wb") as fh:
            fig.savefig(fh, format=suffix[1:], metadata=meta)
        written.append(path)
    return written


def _unit(keys: Sequence[str], percent: bool) -> str:
    return " (%)" if keys and all(scale(k, percent) == 100.0 for k in keys) else ""


def _error(score: Mapping[str, Any], factor: float) -> tuple[float, float]:
    """Whisker lengths below and above the mean; a percentile interval may exclude the mean."""
    mean, low, high = score["mean"], score.get("low"), score.get("high")
    lower = max((mean - low) * factor, 0.0) if low is not None else 0.0
    upper = max((high - mean) * factor, 0.0) if high is not None else 0.0
    return lower, upper


def plot_comparison(
    runs: Sequence[RunSummary],
    out_base: Path,
    columns: Sequence[tuple[str, str]] = DEFAULT_COLUMNS,
    *,
    percent: bool = True,
    names: Sequence[str] | None = None,
    marks: Mapping[tuple[int, str], str] | None = None,
) -> list[Path]:
    """Grouped bars (one group per metric, one bar per system) with CI whiskers.

    Args:
        runs: the runs, one bar each per metric.
        out_base: output path without suffix; ``.png`` and ``.pdf`` are written.
        columns: ``(key, label)`` pairs; length columns are left out.
        percent: ROUGE in percent.
        names: display names of the runs (default: their labels).
        marks: text put above a bar, keyed by (run index, key), e.g. significance marks.

    Returns:
        The PNG and PDF paths.
    """
    plt = _pyplot()
    names = list(names) if names is not None else [r.label for r in runs]
    marks = marks or {}
    metric_cols = [(k, label) for k, label in columns if not is_length(k)]
    n_sys = len(runs)
    width = 0.8 / max(n_sys, 1)
    fig, ax = plt.subplots(figsize=(1.6 + 1.5 * max(len(metric_cols), 1), 3.6), dpi=120)
    for i, run in enumerate(runs):
        xs, heights, lower, upper, tops = [], [], [], [], []
        for j, (key, _) in enumerate(metric_cols):
            score = run.score(key)
            if score is None:
                continue
            factor = scale(key, percent)
            xs.append(j + (i - (n_sys - 1) / 2) * width)
            heights.append(score["mean"] * factor)
            lo, up = _error(score, factor)
            lower.append(lo)
            upper.append(up)
            tops.append((xs[-1], heights[-1] + up, marks.get((i, key), "")))
        ax.bar(xs, heights, width, yerr=[lower, upper], capsize=3, label=names[i])
        for x, top, mark in tops:
            if mark:
                ax.annotate(mark, (x, top), ha="center", va="bottom", fontsize="small")
    ax.set_xticks(range(len(metric_cols)), [label for _, label in metric_cols])
    ax.set_ylabel("score" + _unit([k for k, _ in metric_cols], percent))
    ax.set_ylim(bottom=0, top=ax.get_ylim()[1] * 1.12)
    ax.legend(fontsize="small", frameon=False, ncol=max(min(n_sys, 4), 1), loc="upper center")
    ax.set_title("95% CI: " + "; ".join(ci_methods(runs, columns)), fontsize="small")
    fig.tight_layout()
    try:
        return save_figure(fig, out_base)
    finally:
        plt.close(fig)


def _budget_free_label(run: RunSummary) -> str:
    extra = [
        o
        for o in run.record.get("overrides", [])
        if not o.startswith(("summarizer=", "sweep=", "paths.", "hydra.", "budget"))
    ]
    return f"{run.system} ({', '.join(extra)})" if extra else run.system


def tradeoff_groups(runs: Sequence[RunSummary]) -> list[tuple[str, list[int]]]:
    """Runs grouped by everything but their budget: ``(group label, run indices)``, in order.

    A group of runs with at least two different budgets is drawn as a line.
    """
    groups: dict[str, list[int]] = {}
    for i, run in enumerate(runs):
        groups.setdefault(_budget_free_label(run), []).append(i)
    return list(groups.items())


def plot_length_tradeoff(
    runs: Sequence[RunSummary],
    out_base: Path,
    metric: tuple[str, str] = DEFAULT_COLUMNS[0],
    *,
    percent: bool = True,
    names: Sequence[str] | None = None,
) -> list[Path]:
    """Score against mean output length in words, each with its CI, one point per run.

    Runs of one system that differ in budget form a line ordered by length, each point
    annotated with its budget; a lone run is labelled in the legend by its display name.

    Args:
        runs: the runs.
        out_base: output path without suffix; ``.png`` and ``.pdf`` are written.
        metric: ``(key, label)`` of the y axis.
        percent: ROUGE in percent.
        names: display names of the runs (default: their labels).

    Returns:
        The PNG and PDF paths.
    """
    plt = _pyplot()
    names = list(names) if names is not None else [r.label for r in runs]
    key, label = metric
    factor = scale(key, percent)
    from matplotlib.transforms import offset_copy

    fig, ax = plt.subplots(figsize=(6.0, 4.0), dpi=120)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    drawn = []
    for g, (group, members) in enumerate(tradeoff_groups(runs)):
        points = []
        for i in members:
            length, score = runs[i].score("length_words"), runs[i].score(key)
            if length is None or score is None:
                continue
            x, y = length["mean"], score["mean"] * factor
            points.append((x, y, _error(length, 1.0), _error(score, factor), i))
        if points:
            drawn.append((colors[g % len(colors)], group, sorted(points, key=lambda p: p[:2])))
    # Systems at the same length (one budget for all) are moved apart by a few points.
    xs = [round(p[0], 6) for _, _, points in drawn for p in points]
    dodge = 5.0 if len(xs) != len(set(xs)) else 0.0
    for d, (color, group, points) in enumerate(drawn):
        budgets = {str(runs[p[4]].record.get("budget", "?")) for p in points}
        as_line = len(points) > 1 and len(budgets) > 1
        dx = (d - (len(drawn) - 1) / 2) * dodge
        shift = offset_copy(ax.transData, fig=fig, x=dx, y=0.0, units="points")
        ax.errorbar(
            [p[0] for p in points],
            [p[1] for p in points],
            xerr=[[p[2][0] for p in points], [p[2][1] for p in points]],
            yerr=[[p[3][0] for p in points], [p[3][1] for p in points]],
            fmt="o-" if as_line else "o",
            color=color,
            capsize=3,
            transform=shift,
            label=group if len(points) > 1 else names[points[0][4]],
        )
        # Artists drawn through an offset transform do not widen the axes by themselves.
        ax.update_datalim(
            [(x - ex[0], y - ey[0]) for x, y, ex, ey, _ in points]
            + [(x + ex[1], y + ey[1]) for x, y, ex, ey, _ in points]
        )
        if as_line:
            for x, y, _, _, i in points:
                budget = str(runs[i].record.get("budget", "?"))
                ax.annotate(
                    budget,
                    (x, y),
                    xytext=(5 + dx, 5),
                    textcoords="offset points",
                    fontsize="x-small",
                    color=color,
                )
    ax.autoscale_view()
    ax.set_xlabel(f"output length ({column_label('length_words').lower()}, mean)")
    ax.set_ylabel(label + _unit([key], percent))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small", frameon=False)
    ax.set_title("95% CI: " + "; ".join(ci_methods(runs, [metric])), fontsize="small")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    try:
        return save_figure(fig, out_base)
    finally:
        plt.close(fig)
