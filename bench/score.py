"""``bench-score``: score summaries produced elsewhere, without running a summarizer.

``INPUT.jsonl`` holds one summary per line, ``{"id", "cluster_id", "summary"}``; several
summaries may share a cluster, and any other keys (``label``, ``kind``, ``span``, ``note``, ...)
are copied to the output. The clusters come from the dataset config (``conf/run.yaml`` composed
with the Hydra overrides given, the embedded cluster by default) or from ``--clusters FILE``,
lines of ``{"cluster_id", "documents": [{"doc_id", "text"}], "references": [{"ref_id",
"text"}]}``. Of run.yaml only the ``dataset``, ``cleaning`` and ``metrics`` groups apply.

Summaries are scored as given: no length budget, only split into one sentence per line as
``bench-run`` does before scoring (rougeLsum and the consistency checks work per line). Each
metric scores the whole input in one batch, one cluster per summary. The output has one line per
input line, in order: ``{"id", "cluster_id", <extra keys>, "scores": {...}, <details>}``, where
the details are what the metrics leave per summary (e.g. ``fact_issues``).

``--explain`` writes a Markdown report marking the flagged spans of every summary sentence, from
every details key ending in ``_issues``. Rows labelled ``faithful``, ``error`` or ``disputed``
(with a ``kind``) give detection figures: recall of errors per kind, the share of disputed rows
marked disputed and the false-alarm rate on faithful rows.

Every error is one line, ``bench-score: error: ...``, exit status 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.core.build import build_metrics, instantiate
from bench.core.scoring import ids_text, score_summaries
from bench.data.hub import JsonlClusters
from bench.data.summaries import LABELS, ScoreInput, read_inputs
from bench.errors import ArgumentParser, BenchError
from bench.metrics.consistency.base import FAILING
from bench.overrides import add_plugin_imports, check_group_choices
from bench.paths import CONF_DIR
from bench.preprocess.text import collapse_ws, split_sentences
from bench.results.keys import KeyCatalog
from bench.run import user_error
from bench.types import Cluster

# Named, not __name__, so `python -m bench.score` logs like the entry point.
log = logging.getLogger("bench.score")

PROG = "bench-score"
# Fields of an output line that no metric may write.
RESERVED_OUTPUT = ("id", "cluster_id", "scores")
ISSUES_SUFFIX = "_issues"
IGNORED_GROUPS = ("summarizer", "packing", "budget", "perturb", "stats", "sweep")
NO_KIND = "unspecified"
_MD_SPECIAL = re.compile(r"([\\`*_~\[\]<>|#])")


# --------------------------------------------------------------------------- reading


def read_clusters(path: Path, cleaner: Any) -> dict[str, Cluster]:
    """The clusters of a ``--clusters`` file, read by the ``jsonl`` dataset reader.

    Documents and references may be absent or empty (a metric that needs them says so); keys
    other than the documented ones are refused, so that a misspelt key is not ignored.
    """
    source = JsonlClusters(
        path=str(path), name="clusters", require_documents=False, require_references=False,
        strict_keys=True,
    )  # fmt: skip
    return {c.cluster_id: c for c in source.load(cleaner)}


def summary_text(summary: str) -> str:
    """The text metrics score: the summary's sentences, one per line (as bench-run scores)."""
    return "\n".join(collapse_ws(s) for s in split_sentences(summary.split("\n")))


# --------------------------------------------------------------------------- scoring


def output_rows(
    inputs: Sequence[ScoreInput],
    scores: Sequence[dict[str, float]],
    details: Sequence[dict[str, Any]],
    path: Path,
) -> list[dict[str, Any]]:
    """The output lines: id, cluster_id, the extra input keys, scores, details."""
    rows = []
    for inp, values, extra in zip(inputs, scores, details, strict=True):
        for key in extra:
            if key in inp.extra:
                raise BenchError(
                    f"{path} line {inp.line_no}: key {key!r} clashes with the details a metric "
                    "writes; rename it"
                )
        rows.append(
            {"id": inp.id, "cluster_id": inp.cluster_id, **inp.extra, "scores": values, **extra}
        )
    return rows


def issues(row: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(details key, issue)`` for every issue in the row's ``*_issues`` lists."""
    out: list[tuple[str, dict[str, Any]]] = []
    for key in sorted(k for k in row if k.endswith(ISSUES_SUFFIX)):
        found = row[key]
        if not isinstance(found, list) or not all(isinstance(i, dict) for i in found):
            raise BenchError(f"details {key!r} must be a list of issue objects")
        out.extend((key, issue) for issue in found)
    return out


def issue_keys(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every ``*_issues`` details key the rows carry."""
    return sorted({k for r in rows for k in r if k.endswith(ISSUES_SUFFIX)})


# --------------------------------------------------------------------------- figures


def _rate(hits: int, n: int) -> dict[str, Any]:
    return {"n": n, "hits": hits, "rate": hits / n if n else None}


def detection_figures(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Detection figures of the labelled rows, or None when no row has a ``label``.

    An ``error`` row is detected when some issue fails it (unsupported or contradicted); a
    ``disputed`` row when some issue is disputed; a ``faithful`` row is a false alarm when it has
    any issue at all.
    """
    labelled = [r for r in rows if r.get("label") in LABELS]
    if not labelled:
        return None
    verdicts = [(r, {i.get("verdict") for _, i in issues(r)}) for r in labelled]
    errors = [(r, bool(v & FAILING)) for r, v in verdicts if r["label"] == "error"]
    by_kind: dict[str, list[bool]] = {}
    for row, hit in errors:
        by_kind.setdefault(str(row.get("kind") or NO_KIND), []).append(hit)
    disputed = [("disputed" in v) for r, v in verdicts if r["label"] == "disputed"]
    faithful = [bool(v) for r, v in verdicts if r["label"] == "faithful"]
    return {
        "rows": {label: sum(r["label"] == label for r in labelled) for label in LABELS},
        "issues_from": issue_keys(rows),
        "error_recall": _rate(sum(hit for _, hit in errors), len(errors)),
        "error_recall_by_kind": {k: _rate(sum(v), len(v)) for k, v in sorted(by_kind.items())},
        "disputed_marked": _rate(sum(disputed), len(disputed)),
        "false_alarm_rate": _rate(sum(faithful), len(faithful)),
    }


def render_figures(figures: Mapping[str, Any]) -> str:
    """The detection figures as a Markdown table."""
    lines = [
        "Detection on labelled rows (issues from "
        + (", ".join(f"`{k}`" for k in figures["issues_from"]) or "no metric")
        + "):",
        "",
        "| Rows | Figure | Hits | Rate |",
        "|---|---|--:|--:|",
    ]
    entries = [
        (f"error, kind {kind}", "recall (unsupported or contradicted)", fig)
        for kind, fig in figures["error_recall_by_kind"].items()
    ]
    if len(entries) > 1:
        entries.append(
            ("error, all", "recall (unsupported or contradicted)", figures["error_recall"])
        )
    entries.append(("disputed", "marked disputed", figures["disputed_marked"]))
    entries.append(("faithful", "false alarms (any issue)", figures["false_alarm_rate"]))
    for rows, what, fig in entries:
        if fig["n"]:
            lines.append(
                f"| {rows} | {what} | {fig['hits']}/{fig['n']} | {100 * fig['rate']:.1f}% |"
            )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- rendering


def _md(text: str) -> str:
    """Escape Markdown syntax so the text shows as written."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _code(text: str) -> str:
    """A Markdown code span showing ``text`` verbatim."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _cell(text: str) -> str:
    """A table cell: one line, pipes escaped; kept readable as plain text."""
    return " ".join(text.split()).replace("|", "\\|")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _value(value: Any, key: str, catalog: KeyCatalog) -> str:
    return catalog.fmt(value, key) if _is_number(value) else "–"


def score_keys(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every score key, in the order the metrics produced them."""
    return list(dict.fromkeys(k for r in rows for k in r["scores"]))


def render_table(rows: Sequence[Mapping[str, Any]], catalog: KeyCatalog) -> str:
    """One row per summary (id, cluster, every score) and a mean row, as Markdown."""
    keys = score_keys(rows)
    lines = [
        "| " + " | ".join(["id", "cluster", *(catalog.label(k) for k in keys)]) + " |",
        "|" + "---|---|" + "--:|" * len(keys),
    ]
    for row in rows:
        cells = [_cell(row["id"]), _cell(row["cluster_id"])]
        cells += [_value(row["scores"].get(k), k, catalog) for k in keys]
        lines.append("| " + " | ".join(cells) + " |")
    means = []
    for key in keys:
        numbers = [v for r in rows if _is_number(v := r["scores"].get(key))]
        means.append(_value(math.fsum(numbers) / len(numbers), key, catalog) if numbers else "–")
    n_clusters = len({r["cluster_id"] for r in rows})
    lines.append(
        "| "
        + " | ".join(
            [f"**mean** ({len(rows)})", f"{n_clusters} cluster{'s' * (n_clusters != 1)}", *means]
        )
        + " |"
    )
    note = catalog.percent_note(keys)
    return "\n".join(lines) + "\n" + (f"\n{note}.\n" if note else "")


def _locate(issue: Mapping[str, Any], sentences: Sequence[str]) -> int | None:
    """Index of the summary sentence an issue belongs to, or None."""
    index = issue.get("sentence_index")
    if isinstance(index, int) and 0 <= index < len(sentences):
        return index
    target = issue.get("sentence")
    if not isinstance(target, str) or not target.strip():
        return None
    target = collapse_ws(target)
    for test in (lambda s: s == target, lambda s: target in s or s in target):
        for i, sentence in enumerate(sentences):
            if test(sentence):
                return i
    return None


def _marked(sentence: str, marks: Sequence[tuple[int, Mapping[str, Any]]]) -> str:
    """The sentence with each flagged span marked and followed by its note number(s)."""
    spans: list[list[Any]] = []  # [start, end, numbers, failing]
    loose: list[int] = []
    for number, issue in marks:
        span = issue.get("span")
        span = span.strip() if isinstance(span, str) else ""
        start = sentence.find(span) if span else -1
        if start < 0:
            loose.append(number)
            continue
        spans.append([start, start + len(span), [number], issue.get("verdict") in FAILING])
    spans.sort(key=lambda s: (s[0], -s[1]))
    merged: list[list[Any]] = []
    for span in spans:
        if merged and span[0] < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], span[1])
            last[2] += span[2]
            last[3] = last[3] or span[3]
        else:
            merged.append(span)
    out: list[str] = []
    pos = 0
    for start, end, numbers, failing in merged:
        inner = _md(sentence[start:end])
        out += [_md(sentence[pos:start]), f"**~~{inner}~~**" if failing else f"**{inner}**"]
        out.append("".join(f"[{n}]" for n in numbers))
        pos = end
    out.append(_md(sentence[pos:]))
    if loose:
        out.append(" " + "".join(f"[{n}]" for n in loose))
    return "".join(out)


def _note(number: int, key: str, issue: Mapping[str, Any]) -> list[str]:
    metric = key.removesuffix(ISSUES_SUFFIX)
    kind, verdict = issue.get("kind", "?"), issue.get("verdict", "?")
    line = f"- [{number}] **{_md(str(kind))}, {_md(str(verdict))}** ({_md(metric)})"
    span = issue.get("span")
    if isinstance(span, str) and span.strip():
        line += f" “{_md(span.strip())}”"
    reason = issue.get("reason")
    if reason:
        line += f": {_md(' '.join(str(reason).split()))}"
    out = [line]
    documents = issue.get("documents") or []
    for doc in documents if isinstance(documents, list) else []:
        if isinstance(doc, dict):
            says = " ".join(str(doc.get("says", "")).split())
            out.append(f"  - {_code(str(doc.get('doc_id', '?')))} says: “{_md(says)}”")
    return out


def render_report(
    rows: Sequence[Mapping[str, Any]],
    texts: Sequence[str],
    input_path: Path,
    metrics: Sequence[str],
    catalog: KeyCatalog,
) -> str:
    """The Markdown report: every summary sentence with its flagged spans and their notes."""
    keys = issue_keys(rows)
    out = [
        "# bench-score report",
        "",
        f"{len(rows)} summaries from {_code(str(input_path))}, metrics: {', '.join(metrics)}. "
        + (
            f"Issues from {', '.join(f'`{k}`' for k in keys)}: **~~span~~** fails the sentence "
            "(unsupported or contradicted), **span** is disputed among the documents."
            if keys
            else "No selected metric reports issues (a `*_issues` details key)."
        ),
    ]
    for row, text in zip(rows, texts, strict=True):
        out += ["", f"## {_md(row['id'])}", ""]
        about = [f"cluster {_code(row['cluster_id'])}"]
        about += [f"{k}: {_md(str(row[k]))}" for k in ("label", "kind") if k in row]
        out.append(", ".join(about))
        scores = ", ".join(
            f"{catalog.label(k)} {_value(v, k, catalog)}" for k, v in row["scores"].items()
        )
        out += ["", f"Scores: {scores}" if scores else "Scores: none", ""]
        sentences = text.split("\n") if text else []
        found = issues(row)
        placed: dict[int, list[tuple[int, Mapping[str, Any]]]] = {}
        elsewhere: list[int] = []
        for number, (_, issue) in enumerate(found, start=1):
            index = _locate(issue, sentences)
            if index is None:
                elsewhere.append(number)
            else:
                placed.setdefault(index, []).append((number, issue))
        if not sentences:
            out.append("*(empty summary)*")
        for i, sentence in enumerate(sentences):
            if i in placed:
                out.append(f"{i + 1}. {_marked(sentence, placed[i])}")
            else:
                out.append(f"{i + 1}. {_md(sentence)} — *no issues*")
        for number in elsewhere:
            issue = found[number - 1][1]
            out += ["", f"Flag [{number}] on text not among these sentences: "
                    f"“{_md(' '.join(str(issue.get('sentence', '')).split()))}”"]  # fmt: skip
        if found:
            out.append("")
            for number, (key, issue) in enumerate(found, start=1):
                out += _note(number, key, issue)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    """The ``bench-score`` argument parser."""
    parser = ArgumentParser(
        prog=PROG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Score summaries produced elsewhere (JSONL lines {id, cluster_id, summary}, extra\n"
            "keys copied) with the metrics of conf/run.yaml, without running a summarizer.\n"
            "Summaries are scored as given: no length budget."
        ),
        epilog=(
            "Hydra overrides are composed with conf/run.yaml. Only the dataset, cleaning and\n"
            "metrics groups are used; summarizer, packing, budget, perturb, stats and sweep are\n"
            "ignored. Examples:\n"
            "  bench-score outputs.jsonl 'metrics=[rouge,fact]'\n"
            "  bench-score outputs.jsonl dataset=local dataset.root=/data/clusters\n"
            "  bench-score outputs.jsonl --clusters clusters.jsonl --explain report.md\n"
            "--clusters lines: {cluster_id, documents: [{doc_id, text, title?}],\n"
            "references: [{ref_id, text, author?}]} (reference text: one sentence per line);\n"
            "documents may be left out when no selected metric reads them, references when\n"
            "none compares against them.\n"
            "Rows with a label (faithful|error|disputed) and a kind also get detection figures:\n"
            "error recall per kind, disputed rows marked disputed, false alarms on faithful rows."
        ),
    )
    parser.add_argument("input", type=Path, metavar="INPUT.jsonl", help="summaries to score")
    parser.add_argument(
        "overrides", nargs="*", metavar="OVERRIDE", help="Hydra overrides, e.g. 'metrics=[rouge]'"
    )
    parser.add_argument(
        "--output", type=Path, metavar="OUT.jsonl",
        help="per-summary scores and details (default: INPUT with suffix .scores.jsonl)",
    )  # fmt: skip
    parser.add_argument(
        "--explain", type=Path, metavar="REPORT.md",
        help="write a Markdown report of the flagged spans of every summary",
    )  # fmt: skip
    parser.add_argument(
        "--clusters", type=Path, metavar="CLUSTERS.jsonl",
        help="read the clusters from this file instead of the dataset config",
    )  # fmt: skip
    parser.add_argument(
        "--figures", type=Path, metavar="FIGURES.json",
        help="write the detection figures of labelled rows (label: faithful|error|disputed)",
    )  # fmt: skip
    parser.add_argument(
        "--quiet", action="store_true", help="print nothing but warnings and errors"
    )
    return parser


def default_output(input_path: Path) -> Path:
    """``outputs.jsonl`` -> ``outputs.scores.jsonl``."""
    return input_path.with_suffix(".scores.jsonl")


def _same(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def check_outputs(inputs: Mapping[str, Path], outputs: Mapping[str, Path]) -> None:
    """Never write over an input file, a directory, or one output with another."""
    named = list(outputs.items())
    for i, (option, path) in enumerate(named):
        if path.is_dir():
            raise BenchError(f"{option} {path} is a directory")
        # Checked before any scoring, so a bad --explain/--figures path writes nothing at all.
        parent = path.parent if str(path.parent) else Path(".")
        if parent.exists() and not parent.is_dir():
            raise BenchError(f"{option} {path}: {parent} is not a directory")
        for what, source in inputs.items():
            if _same(path, source):
                raise BenchError(f"refusing to overwrite the {what} {source} with {option}")
        for other, other_path in named[:i]:
            if _same(path, other_path):
                raise BenchError(f"{other} and {option} name the same file {path}")


def compose(overrides: Sequence[str]) -> Any:
    """``conf/run.yaml`` composed with the overrides, as bench-run would."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    check_group_choices(overrides, CONF_DIR)
    add_plugin_imports(overrides)
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3", job_name=PROG):
        return hydra_compose(config_name="run", overrides=list(overrides))


def _override_groups(overrides: Sequence[str]) -> set[str]:
    return {o.split("=", 1)[0].lstrip("+~").split(".")[0].split("@")[0] for o in overrides}


def run_cli(argv: Sequence[str]) -> int:
    """Parse ``argv``, score, write the files, print the table; return the exit status.

    Raises:
        BenchError: on bad usage, input or configuration (nothing is written then).
    """
    from bench.envvars import env_values, redact_env, redact_logs
    from bench.fileio import atomic_write_texts, dumps, jsonl_text
    from bench.preprocess.clean import Cleaner, CleaningConfig

    args = build_parser().parse_intermixed_args(list(argv))
    if args.quiet:
        logging.getLogger("bench").setLevel(logging.WARNING)
    out_path: Path = args.output or default_output(args.input)
    sources = {"input": args.input, **({"clusters file": args.clusters} if args.clusters else {})}
    targets = {"--output": out_path}
    targets.update(
        {k: v for k, v in (("--explain", args.explain), ("--figures", args.figures)) if v}
    )
    check_outputs(sources, targets)
    groups = _override_groups(args.overrides)
    ignored = sorted(groups & set(IGNORED_GROUPS))
    if ignored:
        log.warning("ignored by bench-score (no summarizer runs): %s", ", ".join(ignored))
    if args.clusters and "dataset" in groups:
        log.warning("--clusters given: the dataset overrides are ignored")

    inputs = read_inputs(args.input)
    log.info("read %d summaries from %s", len(inputs), args.input)
    if args.figures and not any(i.label for i in inputs):
        raise BenchError(
            f"--figures needs labelled rows ('label': {', '.join(LABELS)}); {args.input} has none"
        )
    cfg = compose(args.overrides)
    redact_logs(cfg)
    cleaning = instantiate(cfg.cleaning, "cleaning")
    if not isinstance(cleaning, CleaningConfig):
        raise BenchError("cleaning config must build a bench.preprocess.clean.CleaningConfig")
    metrics = build_metrics(cfg, RESERVED_OUTPUT)
    if args.clusters:
        available = read_clusters(args.clusters, Cleaner(cleaning))
        source = f"--clusters {args.clusters}"
    else:
        loaded = instantiate(cfg.dataset, "dataset").load(Cleaner(cleaning))
        available = {c.cluster_id: c for c in loaded}
        source = f"dataset {cfg.dataset.get('name', '?')!r}"
    for inp in inputs:
        if inp.cluster_id not in available:
            raise BenchError(
                f"{args.input} line {inp.line_no}: unknown cluster_id {inp.cluster_id!r} "
                f"(not in {source}, which has {ids_text(list(available))})"
            )
    clusters = [available[i.cluster_id] for i in inputs]

    texts = [summary_text(i.summary) for i in inputs]
    scored = score_summaries(texts, clusters, metrics, source, RESERVED_OUTPUT)
    rows = output_rows(inputs, scored.scores, scored.details, args.input)
    figures = detection_figures(rows)
    if figures is not None and not figures["issues_from"]:
        if args.figures:
            raise BenchError(
                "--figures needs a metric that reports issues (a *_issues details key), "
                "e.g. metrics=[fact]"
            )
        log.warning("labelled rows, but no selected metric reports issues: no detection figures")
        figures = None
    catalog = KeyCatalog.of_metrics(m.info for m in metrics.values())
    report = None
    if args.explain:
        report = render_report(rows, texts, args.input, list(metrics), catalog)
    for name, metric in metrics.items():
        log.info(
            "%s signature: %s", name, "|".join(f"{k}:{v}" for k, v in metric.signature().items())
        )

    outputs = {out_path: jsonl_text(rows)}
    if report is not None:
        outputs[args.explain] = report
    if args.figures and figures is not None:
        signatures = {name: m.signature() for name, m in metrics.items()}
        outputs[args.figures] = dumps({**figures, "metric_signatures": signatures})
    # One unit: an --explain or --figures path that cannot be written fails before the scores
    # file is written. Values from the environment appear as configured (bench.envvars).
    atomic_write_texts(redact_env(outputs, env_values(cfg)))
    for path in outputs:
        log.info("wrote %s", path)
    if not args.quiet:
        text = render_table(rows, catalog)
        if figures is not None:
            text += "\n" + render_figures(figures)
        print(text, end="", flush=True)
    return 0


@contextlib.contextmanager
def _logging() -> Iterator[None]:
    """Progress on stderr for the duration of one command (restored afterwards)."""
    logger = logging.getLogger("bench")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{PROG}: %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point: exit 0, or 2 on a usage, input or configuration error."""
    from hydra.errors import HydraException

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        with _logging():
            return run_cli(argv)
    except OSError as exc:
        message = f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)
    except Exception as exc:
        found = user_error(exc)
        if found is None and isinstance(exc, HydraException):
            found = str(exc).split("\n")[0]
        if found is None:
            raise
        message = found
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
