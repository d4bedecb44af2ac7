"""Renderers of a comparison: Markdown for reading, CSV for tools, LaTeX for papers.

Each draws a :class:`bench.results.comparison.Comparison` (values formatted by the keys'
declared scale and decimals, the best mean per column in bold by its declared direction,
significance marks against the baseline) with a caption saying how the numbers were obtained.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.results.comparison import Comparison, TableOptions, ci_methods
from bench.results.pairing import RunTest
from bench.results.runrecord import RunRecord

# Below this many paired units the caption cautions that bootstrap p-values come out too small.
FEW_UNITS = 10
_TEST_NAMES = {
    "paired_bootstrap": "paired bootstrap",
    "approximate_randomization": "approximate randomization",
}


def latex_escape(text: str) -> str:
    """``text`` with the LaTeX special characters escaped, for text mode."""
    return "".join(_TEX.get(c, c) for c in text)


_TEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "±": r"\ensuremath{\pm}",
}


@dataclass(frozen=True, slots=True)
class _Style:
    bold: Callable[[str], str]
    better: str
    worse: str
    pm: str
    text: Callable[[str], str]
    missing: str


_MD = _Style(lambda s: f"**{s}**", "†", "‡", "±", lambda s: s.replace("|", "\\|"), "-")
_PLAIN = _Style(lambda s: s, "†", "‡", "±", lambda s: s, "-")
_TEX_STYLE = _Style(
    lambda s: f"\\textbf{{{s}}}", r"$^\dagger$", r"$^\ddagger$", r"$\pm$", latex_escape, "--"
)


def cell_parts(
    cmp: Comparison, run: RunRecord, key: str, style: _Style | None = None
) -> tuple[float, str, bool, str, str] | None:
    """One table cell in parts: (mean, mean as shown, best?, mark, interval), None if absent.

    The one place a cell is decided, for every renderer (Markdown, LaTeX, CSV notes, the HTML
    report): ``mark`` is the style's better/worse sign, ``interval`` the CI as the options say.
    """
    style = style or _MD
    score = run.score(key)
    if score is None:
        return None
    mean = cmp.fmt(score["mean"], key)
    mark = {1: style.better, -1: style.worse, 0: ""}[cmp.mark(run, key)]
    low, high = score.get("low"), score.get("high")
    interval = ""
    if cmp.options.ci != "none" and low is not None and high is not None:
        if cmp.options.ci == "bracket":
            interval = f"[{cmp.fmt(low, key)}, {cmp.fmt(high, key)}]"
        else:
            half = max(score["mean"] - low, high - score["mean"], 0.0)
            interval = f"{style.pm} {cmp.fmt(half, key)}"
    return float(score["mean"]), mean, mean == cmp.best(key), mark, interval


def _cell(cmp: Comparison, run: RunRecord, key: str, style: _Style) -> str:
    parts = cell_parts(cmp, run, key, style)
    if parts is None:
        return style.missing
    _, mean, best, mark, interval = parts
    head = (style.bold(mean) if best else mean) + mark
    return f"{head} {interval}" if interval else head


def caption_text(cmp: Comparison) -> list[str]:
    """The caption as plain sentences (CI, significance, signatures), for the HTML report."""
    return [*_sentences(cmp, _PLAIN), *(f"Signature: {s}" for s in _signatures(cmp.runs))]


def _rows(cmp: Comparison, style: _Style) -> list[list[str]]:
    rows = [["System", *[style.text(label) for _, label in cmp.columns]]]
    for r in cmp.runs:
        rows.append([style.text(cmp.name(r)), *[_cell(cmp, r, k, style) for k in cmp.keys]])
    return rows


def _sentences(cmp: Comparison, style: _Style) -> list[str]:
    """The caption, one sentence group per item, formatted with ``style``."""
    o, t = cmp.options, style.text
    keys = cmp.keys
    half = " half-width of the 95% CI (the larger of mean - low and high - mean)"
    ci = {
        "bracket": t("mean with 95% CI [low, high]"),
        "pm": t("mean ") + style.pm + t(half),
        "none": t("mean (CIs not shown)"),
    }[o.ci]
    percent = cmp.catalog.percent_note(keys, o.percent)
    n = ", ".join(sorted({str(r.record.get("n_clusters")) for r in cmp.runs}))
    first = (t(f"{percent}; ") if percent else "") + ci + t(f"; clusters: {n}.")
    if any(cmp.best(k) is not None for k in keys):
        first += t(" Best mean per metric column in bold.")
    out = [first]
    methods = cmp.ci_methods()
    if methods:
        out.append(t(f"CI: {'; '.join(methods)}."))
    if cmp.baseline is not None:
        out.append(_significance_text(cmp, style))
    return out


def _significance_text(cmp: Comparison, style: _Style) -> str:
    o, t = cmp.options, style.text
    base = cmp.name(cmp.baseline) if cmp.baseline is not None else "?"
    test = f"two-sided {_TEST_NAMES[o.test]} test, {o.n_samples} samples, seed {o.seed}"
    worse = f" significantly worse than {base} at p < {o.alpha:g}"
    text = (
        t(f"Significance against {base}: {test}; ")
        + style.better
        + t(" significantly better, ")
        + style.worse
        + t(f"{worse} (no correction for multiple comparisons).")
    )
    if not cmp.metric_keys:
        return text + t(" No metric column selected: nothing tested.")
    tested = [(r, cmp.tests[r.label]) for r in cmp.runs if r.label in cmp.tests]
    if not tested:
        return text + t(" No other run to test.")
    by_units: dict[str, list[str]] = {}
    for run, test in tested:
        if test.tested:
            by_units.setdefault(test.units, []).append(cmp.name(run))
    if len(by_units) == 1:
        text += t(f" Paired over {next(iter(by_units))}")
        if "references" in next(iter(by_units)):
            text += t(" (scores against each single reference)")
        text += t(".")
    elif by_units:
        groups = [f"{units} ({', '.join(names)})" for units, names in by_units.items()]
        text += t(f" Paired over {'; '.join(groups)}.")
    untested = [f"{cmp.name(r)}: {test.reason}" for r, test in tested if not test.tested]
    if untested:
        text += t(f" Not tested: {'; '.join(untested)}.")
    text += t(_few_units_note(o, [x.n_units for _, x in tested if x.tested]))
    return text


def _few_units_note(o: TableOptions, sizes: Sequence[int]) -> str:
    """A caution when there are too few units for the chosen test to mean much."""
    if o.test == "approximate_randomization":
        small = sorted({n for n in sizes if 2.0 ** (1 - n) > o.alpha})
        if small:
            return (
                f" With {' or '.join(map(str, small))} units approximate randomization cannot "
                f"reach p < {o.alpha:g} (smallest p about 2^(1-n))."
            )
        return ""
    small = sorted({n for n in sizes if n < FEW_UNITS})
    if not small:
        return ""
    return (
        f" Caution: with only {' or '.join(map(str, small))} units the paired bootstrap is "
        "anti-conservative (differences that all share a sign give a small p)."
    )


def _signatures(runs: Sequence[RunRecord]) -> list[str]:
    return sorted({str(v) for r in runs for v in r.record.get("signatures", {}).values()})


def _md_caption(cmp: Comparison) -> str:
    lines = _sentences(cmp, _MD)
    lines += [f"Signature: `{s}`" for s in _signatures(cmp.runs)]
    return "\n".join(lines)


def render_markdown(cmp: Comparison) -> str:
    """A Markdown table with its caption (CI, significance, signatures) below."""
    rows = _rows(cmp, _MD)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(rows[0]), "| " + " | ".join("-" * w for w in widths) + " |"]
    out += [line(r) for r in rows[1:]]
    return "\n".join(out) + "\n\n" + _md_caption(cmp) + "\n"


def render_latex(cmp: Comparison, label: str = "tab:comparison") -> str:
    """A booktabs table fragment (``table`` with ``tabular`` and caption); needs booktabs."""
    rows = _rows(cmp, _TEX_STYLE)
    spec = "l" + "r" * (len(rows[0]) - 1)
    out = ["% Generated by bench-table; needs \\usepackage{booktabs}."]
    out += [f"% Signature: {s}" for s in _signatures(cmp.runs)]
    out += ["\\begin{table}[htbp]", "\\centering", f"\\begin{{tabular}}{{{spec}}}", "\\toprule"]
    out.append(" & ".join(rows[0]) + " \\\\")
    out.append("\\midrule")
    for row in rows[1:]:
        # A row opening with "[" would be read as the optional argument of the "\\" before it.
        first = "{}" + row[0] if row[0].startswith("[") else row[0]
        out.append(" & ".join([first, *row[1:]]) + " \\\\")
    out += ["\\bottomrule", "\\end{tabular}"]
    out.append("\\caption{" + " ".join(_sentences(cmp, _TEX_STYLE)) + "}")
    out += [f"\\label{{{label}}}", "\\end{table}"]
    return "\n".join(out) + "\n"


def _run_dirs(runs: Sequence[RunRecord]) -> list[str]:
    if len(runs) < 2:
        return [r.path.name for r in runs]
    paths = [str(r.path.resolve()) for r in runs]
    base = os.path.commonpath(paths)
    return [Path(os.path.relpath(p, base)).as_posix() for p in paths]


def render_csv(cmp: Comparison) -> str:
    """CSV with raw (unscaled) mean, low and high per column, for further processing.

    With a baseline, each metric column is followed by its p-value and ``better``, ``worse``,
    ``ns`` (not significant) or empty, and a ``significance`` column describes the test.
    """
    tested = cmp.baseline is not None
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    header = ["system", "run_dir"]
    tested_keys = set(cmp.metric_keys)
    for key in cmp.keys:
        header += [key, f"{key}_low", f"{key}_high"]
        if tested and key in tested_keys:
            header += [f"{key}_p", f"{key}_sig"]
    if tested:
        header.append("significance")
    header.append("ci_method")
    writer.writerow(header)
    for r, run_dir in zip(cmp.runs, _run_dirs(cmp.runs), strict=True):
        test = cmp.tests.get(r.label)
        row: list[Any] = [cmp.name(r), run_dir]
        for key in cmp.keys:
            s = r.scores.get(key) or {}
            row += [s.get("mean", ""), s.get("low", ""), s.get("high", "")]
            if tested and key in tested_keys:
                result = test.results.get(key) if test is not None else None
                if result is None:
                    row += ["", ""]
                else:
                    sig = {1: "better", -1: "worse", 0: "ns"}[cmp.mark(r, key)]
                    row += [result.p_value, sig]
        if tested:
            row.append(_csv_note(cmp, r, test))
        row.append("; ".join(ci_methods([r], cmp.keys, cmp.catalog)))
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def _csv_note(cmp: Comparison, run: RunRecord, test: RunTest | None) -> str:
    o = cmp.options
    if test is None:
        return "baseline"
    if not test.tested:
        return f"not tested: {test.reason}"
    base = cmp.name(cmp.baseline) if cmp.baseline is not None else "?"
    return (
        f"two-sided {o.test} vs {base}; paired over {test.units}; samples={o.n_samples}; "
        f"seed={o.seed}; alpha={o.alpha:g}"
    )
