"""Plots of a comparison (PNG and PDF, written atomically, no timestamps in the files).

- :func:`comparison_figure`: grouped metric bars with their 95% confidence intervals, one panel
  per display scale (ROUGE in percent beside a 0-1 score: never one on the other's axis);
- :func:`length_figure`: the first metric against output length per system; runs of the same
  system that differ only in their length budget are joined by a line. Both axes start at
  zero and points sit at their measured values (no offsets): systems of equal length share an
  x position and are told apart by their labels.

Scales, labels and directions come from the comparison's key catalog (the metric contracts).
matplotlib is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.fileio import atomic_file
from bench.results.comparison import Comparison, ci_methods, context
from bench.results.identity import format_label, is_budget_setting
from bench.results.identity import record_identity as _identity
from bench.results.keys import LENGTH_KEY
from bench.results.runrecord import RunRecord

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


def _save(fig: Any, out_base: Path) -> list[Path]:
    try:
        return save_figure(fig, out_base)
    finally:
        _pyplot().close(fig)


def _error(score: Mapping[str, Any], factor: float) -> tuple[float, float]:
    """Whisker lengths below and above the mean; a percentile interval may exclude the mean."""
    mean, low, high = score["mean"], score.get("low"), score.get("high")
    lower = max((mean - low) * factor, 0.0) if low is not None else 0.0
    upper = max((high - mean) * factor, 0.0) if high is not None else 0.0
    return lower, upper


def _axis_label(cmp: Comparison, key: str, label: str = "score") -> str:
    """The y label of a key's axis: its unit when scaled or bounded."""
    info = cmp.catalog.info(key)
    factor = cmp.catalog.scale(key, cmp.options.percent)
    if factor == 100.0:
        return f"{label} (%)"
    if info.value_range is not None:
        low, high = (v * factor for v in info.value_range)
        return f"{label} ({low:g}-{high:g})"
    return label


def scale_panels(cmp: Comparison) -> list[list[tuple[str, str]]]:
    """The metric columns grouped by display scale and range: one panel each, in column order."""
    panels: dict[tuple[float, tuple[float, float] | None], list[tuple[str, str]]] = {}
    for key, label in cmp.columns:
        if cmp.catalog.direction(key) is None:
            continue
        info = cmp.catalog.info(key)
        scale = cmp.catalog.scale(key, cmp.options.percent)
        panels.setdefault((scale, info.value_range), []).append((key, label))
    return list(panels.values())


def _marks(cmp: Comparison) -> dict[tuple[int, str], str]:
    marks = {}
    for i, run in enumerate(cmp.runs):
        for key in cmp.metric_keys:
            mark = cmp.mark(run, key)
            if mark:
                marks[(i, key)] = "†" if mark > 0 else "‡"
    return marks


def comparison_figure(cmp: Comparison) -> Any:
    """Grouped bars (one group per metric, one bar per system) with CI whiskers, per scale."""
    plt = _pyplot()
    panels = scale_panels(cmp) or [[]]
    names = [cmp.name(r) for r in cmp.runs]
    marks = _marks(cmp)
    n_sys = len(cmp.runs)
    width = 0.8 / max(n_sys, 1)
    sizes = [max(len(p), 1) for p in panels]
    fig, axes = plt.subplots(
        1,
        len(panels),
        figsize=(1.6 + 1.5 * sum(sizes) + 0.6 * (len(panels) - 1), 3.8),
        dpi=120,
        squeeze=False,
        gridspec_kw={"width_ratios": sizes},
    )
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, columns in zip(axes[0], panels, strict=True):
        for i, run in enumerate(cmp.runs):
            xs, heights, lower, upper, tops = [], [], [], [], []
            for j, (key, _) in enumerate(columns):
                score = run.score(key)
                if score is None:
                    continue
                factor = cmp.catalog.scale(key, cmp.options.percent)
                xs.append(j + (i - (n_sys - 1) / 2) * width)
                heights.append(score["mean"] * factor)
                lo, up = _error(score, factor)
                lower.append(lo)
                upper.append(up)
                tops.append((xs[-1], heights[-1] + up, marks.get((i, key), "")))
            color = colors[i % len(colors)]
            ax.bar(xs, heights, width, yerr=[lower, upper], capsize=3, color=color, label=names[i])
            for x, top, mark in tops:
                if mark:
                    ax.annotate(mark, (x, top), ha="center", va="bottom", fontsize="small")
        ax.set_xticks(range(len(columns)), [label for _, label in columns])
        if columns:
            key = columns[0][0]
            ax.set_ylabel(_axis_label(cmp, key))
            bounds = cmp.catalog.info(key).value_range
            if bounds is not None and bounds[0] == 0.0:
                ax.set_ylim(bottom=0)
            ax.set_ylim(top=ax.get_ylim()[1] * 1.15)
    first = axes[0][0]
    first.legend(fontsize="small", frameon=False, ncol=max(min(n_sys, 4), 1), loc="upper left")
    fig.suptitle("95% CI: " + "; ".join(cmp.ci_methods()), fontsize="small")
    fig.tight_layout()
    return fig


def plot_comparison(cmp: Comparison, out_base: Path) -> list[Path]:
    """Write :func:`comparison_figure` as ``<out_base>.png`` and ``.pdf``."""
    return _save(comparison_figure(cmp), out_base)


def _budget_free_label(run: RunRecord) -> str:
    name, settings = _identity(run.record)
    return format_label(name, [s for s in settings if not is_budget_setting(s)] + context(run))


def tradeoff_groups(runs: Sequence[RunRecord]) -> list[tuple[str, list[int]]]:
    """Runs grouped by everything but their budget: ``(group label, run indices)``, in order.

    A group of runs with at least two different budgets is drawn as a line.
    """
    groups: dict[str, list[int]] = {}
    for i, run in enumerate(runs):
        groups.setdefault(_budget_free_label(run), []).append(i)
    return list(groups.items())


def length_figure(cmp: Comparison, key: str | None = None) -> Any:
    """Score of ``key`` (default: the first metric column) against mean output length."""
    plt = _pyplot()
    runs = cmp.runs
    key = key or cmp.metric_keys[0]
    label = dict(cmp.columns).get(key) or cmp.catalog.label(key)
    factor = cmp.catalog.scale(key, cmp.options.percent)
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    top_x, top_y, bottom_y = 0.0, 0.0, 0.0
    labels: list[tuple[float, float, str, str]] = []
    for g, (group, members) in enumerate(tradeoff_groups(runs)):
        points = []
        for i in members:
            length, score = runs[i].score(LENGTH_KEY), runs[i].score(key)
            if length is None or score is None:
                continue
            x, y = length["mean"], score["mean"] * factor
            points.append((x, y, _error(length, 1.0), _error(score, factor), i))
        if not points:
            continue
        points.sort(key=lambda p: p[:2])
        color = colors[g % len(colors)]
        budgets = {str(runs[p[4]].record.get("budget", "?")) for p in points}
        as_line = len(points) > 1 and len(budgets) > 1
        ax.errorbar(
            [p[0] for p in points],
            [p[1] for p in points],
            xerr=[[p[2][0] for p in points], [p[2][1] for p in points]],
            yerr=[[p[3][0] for p in points], [p[3][1] for p in points]],
            fmt="o-" if as_line else "o",
            color=color,
            capsize=3,
            label=group if as_line else None,
        )
        for x, y, ex, ey, i in points:
            top_x, top_y = max(top_x, x + ex[1]), max(top_y, y + ey[1])
            bottom_y = min(bottom_y, y - ey[0])
            text = str(runs[i].record.get("budget", "?")) if as_line else cmp.name(runs[i])
            labels.append((x, y, text, color))
    # Both axes from zero (or below, for negative values): equal lengths stay visibly equal and
    # score gaps keep their proportion.
    ax.set_xlim(0, max(top_x, 1.0) * 1.35)
    ax.set_ylim(bottom_y * 1.15, max(top_y, 1e-9) * 1.15)
    _label_points(ax, labels)
    length_label = cmp.catalog.label(LENGTH_KEY).lower()
    ax.set_xlabel(f"output length ({length_label}, mean)")
    ax.set_ylabel(_axis_label(cmp, key, label))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small", frameon=False, loc="lower right")
    ax.set_title("95% CI: " + "; ".join(ci_methods(runs, [key], cmp.catalog)), fontsize="small")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def label_positions(
    points: Sequence[tuple[float, float]], x_span: float, min_gap: float
) -> list[float]:
    """Label heights for points: at each point's own height, pushed apart where they would meet.

    Points closer than 2% of ``x_span`` in x share a column of labels, spaced at least
    ``min_gap`` apart; the points themselves stay where they are.
    """
    heights = [y for _, y in points]
    order = sorted(range(len(points)), key=lambda i: (points[i][0], points[i][1]))
    column: list[int] = []
    for i in [*order, None]:
        if i is not None and (not column or points[i][0] - points[column[0]][0] <= 0.02 * x_span):
            column.append(i)
            continue
        column.sort(key=lambda j: points[j][1])
        for prev, cur in zip(column, column[1:], strict=False):
            heights[cur] = max(points[cur][1], heights[prev] + min_gap)
        # Centre the column on its points so that labels do not all drift upwards.
        if column:
            shift = (sum(heights[j] for j in column) - sum(points[j][1] for j in column)) / len(
                column
            )
            for j in column:
                heights[j] -= shift
        column = [i] if i is not None else []
    return heights


def _label_points(ax: Any, labels: Sequence[tuple[float, float, str, str]]) -> None:
    """Write each point's label to its right, joined to it by a thin line when moved."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    heights = label_positions([(x, y) for x, y, _, _ in labels], x1 - x0, 0.05 * (y1 - y0))
    for (x, y, text, color), height in zip(labels, heights, strict=True):
        moved = abs(height - y) > 1e-9 * max(1.0, abs(y))
        ax.annotate(
            text,
            (x, y),
            xytext=(x + 0.04 * (x1 - x0), height),
            textcoords="data",
            va="center",
            fontsize="small",
            color=color,
            arrowprops={"arrowstyle": "-", "color": color, "lw": 0.6} if moved else None,
        )


def plot_length_tradeoff(cmp: Comparison, out_base: Path, key: str | None = None) -> list[Path]:
    """Write :func:`length_figure` as ``<out_base>.png`` and ``.pdf``."""
    return _save(length_figure(cmp, key), out_base)
