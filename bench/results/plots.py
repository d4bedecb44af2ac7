"""Plots of a comparison: metric bars with their 95% confidence intervals (PNG and PDF)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench.results.tables import DEFAULT_COLUMNS, RunSummary, ci_methods


def plot_comparison(
    runs: Sequence[RunSummary],
    out_base: Path,
    columns: Sequence[tuple[str, str]] = DEFAULT_COLUMNS,
) -> list[Path]:
    """Grouped bars (one group per metric, one bar per system) with CI whiskers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metric_cols = [(k, label) for k, label in columns if not k.startswith("length_")]
    n_sys = len(runs)
    width = 0.8 / max(n_sys, 1)
    fig, ax = plt.subplots(figsize=(1.6 + 1.5 * len(metric_cols), 3.6), dpi=120)
    for i, run in enumerate(runs):
        xs, heights, lower, upper = [], [], [], []
        for j, (key, _) in enumerate(metric_cols):
            score = run.record["scores"].get(key)
            if score is None:
                continue
            mean = score["mean"] * 100
            xs.append(j + (i - (n_sys - 1) / 2) * width)
            heights.append(mean)
            # A percentile interval need not contain the mean: whiskers never go negative.
            lower.append(max(mean - score["low"] * 100, 0.0) if score["low"] is not None else 0.0)
            upper.append(max(score["high"] * 100 - mean, 0.0) if score["high"] is not None else 0.0)
        ax.bar(xs, heights, width, yerr=[lower, upper], capsize=3, label=run.label)
    ax.set_xticks(range(len(metric_cols)), [label for _, label in metric_cols])
    ax.set_ylabel("score (%)")
    ax.set_ylim(bottom=0, top=ax.get_ylim()[1] * 1.12)
    ax.legend(fontsize="small", frameon=False, ncol=max(n_sys, 1), loc="upper center")
    ax.set_title("95% CI: " + "; ".join(ci_methods(runs, columns)), fontsize="small")
    fig.tight_layout()
    written = []
    for suffix, meta in ((".png", {"Software": None}), (".pdf", {"CreationDate": None})):
        path = out_base.with_suffix(suffix)
        tmp = path.with_name(f".{path.name}.tmp{suffix}")
        fig.savefig(tmp, metadata=meta)
        tmp.replace(path)
        written.append(path)
    plt.close(fig)
    return written
