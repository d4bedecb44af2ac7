"""bench-table: comparison tables (Markdown, CSV, LaTeX), significance marks, plots, CLI."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.errors import BenchError
from bench.metrics.base import LENGTH_INFO, MetricInfo, percent_keys
from bench.results.comparison import TableOptions, collect_runs, compare, select_columns
from bench.results.keys import KeyCatalog
from bench.results.plots import (
    plot_comparison,
    plot_length_tradeoff,
    tradeoff_groups,
)
from bench.results.render import latex_escape, render_csv, render_latex, render_markdown
from bench.results.runrecord import find_runs as load_runs
from bench.results.tables import build, main, parse_mapping, to_csv, to_markdown

ROOT = Path(__file__).resolve().parents[2]
KEYS = ("rouge1_f", "rouge2_f", "rougeL_f", "rougeLsum_f")
REFS = ("A", "B", "C", "D")
# A contract as a ROUGE-like metric declares it (bench.metrics.base): keys in percent, labelled.
TEST_ROUGE = MetricInfo(
    "rouge",
    percent_keys(
        [f"{t}_{v}" for t in ("rouge1", "rouge2", "rougeL", "rougeLsum") for v in "fpr"],
        {
            f"{t}_{v}": f"R-{t.removeprefix('rouge')} {dict(f='F1', p='P', r='R')[v]}"
            for t in ("rouge1", "rouge2", "rougeL", "rougeLsum")
            for v in "fpr"
        },
        default=False,
    )
    | percent_keys(KEYS, {k: f"R-{k.removeprefix('rouge').removesuffix('_f')} F1" for k in KEYS}),
)
METRIC_INFO = {m.name: m.as_dict() for m in (TEST_ROUGE, LENGTH_INFO)}


def _interval(values: list[float], n_clusters: int) -> dict:
    mean = sum(values) / len(values)
    method = f"bootstrap over {n_clusters} clusters (percentile, n=1000, seed=0)"
    return {"mean": mean, "low": mean - 0.02, "high": mean + 0.03, "method": method}


def write_run(
    directory: Path,
    system: str,
    clusters: dict[str, dict[str, float]],
    *,
    per_reference: dict[str, dict[str, float]] | None = None,
    overrides: list[str] | None = None,
    budget: str = "words=100",
    scores_jsonl: bool = True,
    metric_info: dict | None = METRIC_INFO,
) -> Path:
    """A run dir as bench-run writes it: run.json plus scores.jsonl (one row per cluster)."""
    directory.mkdir(parents=True, exist_ok=True)
    keys = sorted({k for v in clusters.values() for k in v})
    n = len(clusters)
    scores = {k: _interval([v[k] for v in clusters.values()], n) for k in keys}
    for key in keys:
        if key.startswith("length_"):
            scores[key].update(low=None, high=None, method="none")
    record = {
        "system": system,
        "overrides": overrides if overrides is not None else [f"summarizer={system}"],
        "n_clusters": n,
        "scores": scores,
        "signatures": {"rouge": f"impl:test|len:{budget}"},
        "budget": budget,
        "seed": 0,
        **({"metric_info": metric_info} if metric_info is not None else {}),
    }
    (directory / "run.json").write_text(json.dumps(record))
    if scores_jsonl:
        rows = []
        for cid, values in clusters.items():
            row = {"cluster_id": cid, "summary": "s", "scores": values}
            if per_reference is not None:
                row["per_reference"] = per_reference
            rows.append(row)
        (directory / "scores.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return directory


def _clusters(base: float, shift: float = 0.0, n: int = 12, words: float = 100.0) -> dict:
    """n clusters whose scores vary around ``base``; ``shift`` is added to every metric."""
    out = {}
    for i in range(n):
        v = base + 0.01 * ((i * 7) % 5) + shift
        out[f"c{i:02d}"] = {
            "rouge1_f": v,
            "rouge2_f": v / 2,
            "rougeL_f": v * 0.8,
            "rougeLsum_f": v * 0.9,
            "length_words": words,
        }
    return out


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    """lead; a clearly better system; a clearly worse one; a copy of lead under another name."""
    root = tmp_path / "sweep"
    write_run(root / "summarizer=lead", "lead", _clusters(0.40))
    write_run(root / "summarizer=oracle", "oracle", _clusters(0.40, shift=0.10))
    write_run(root / "summarizer=random", "random", _clusters(0.40, shift=-0.05))
    write_run(root / "summarizer=twin", "twin", _clusters(0.40))
    return root


def _cmp(root: Path, **options):
    runs = collect_runs([root])
    columns = options.pop("columns", None)
    labels = options.pop("labels", None)
    return compare(runs, TableOptions(columns=select_columns(runs, columns, labels), **options))


def _md_row(markdown: str, label: str) -> list[str]:
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == label:
            return cells
    raise AssertionError(f"no row {label!r} in\n{markdown}")


def _csv_rows(text: str) -> dict[str, dict[str, str]]:
    return {row["system"]: row for row in csv.DictReader(text.splitlines())}


def _tex_row(tex: str, label: str) -> list[str]:
    for line in tex.splitlines():
        if line.startswith(label + " &"):
            return [c.strip() for c in line.removesuffix("\\\\").split("&")]
    raise AssertionError(f"no row {label!r} in\n{tex}")


# --------------------------------------------------------------------------- formatting


def test_best_mean_per_metric_column_is_bold_and_lengths_never_are(sweep):
    cmp = _cmp(sweep)
    md = render_markdown(cmp)
    oracle, lead = _md_row(md, "oracle"), _md_row(md, "lead")
    assert all(cell.startswith("**") for cell in oracle[1:5])
    assert not any("**" in cell for cell in lead[1:])
    assert oracle[5] == "100.0"  # words: all equal, never bold
    tex = render_latex(cmp)
    assert _tex_row(tex, "oracle")[1].startswith(r"\textbf{51.83}")
    assert "textbf" not in _tex_row(tex, "lead")[1]
    assert "Best mean per metric column in bold." in md


def test_a_single_run_gets_no_bold(tmp_path):
    write_run(tmp_path / "r", "lead", _clusters(0.4))
    md = to_markdown(load_runs(tmp_path))
    assert "**" not in md and "in bold" not in md


@pytest.mark.parametrize(
    ("ci", "cell", "caption"),
    [
        ("bracket", "41.83 [39.83, 44.83]", "mean with 95% CI [low, high]"),
        ("pm", "41.83 ± 3.00", "mean ± half-width of the 95% CI"),
        ("none", "41.83", "mean (CIs not shown)"),
    ],
)
def test_ci_formats(sweep, ci, cell, caption):
    md = render_markdown(_cmp(sweep, ci=ci))
    assert _md_row(md, "lead")[1] == cell
    assert caption in md


def test_pm_half_width_is_the_larger_side_of_an_asymmetric_interval(sweep):
    # low = mean - 0.02, high = mean + 0.03: the half-width shown is 3.00, not 2.50
    tex = render_latex(_cmp(sweep, ci="pm"))
    assert _tex_row(tex, "lead")[1] == r"41.83 $\pm$ 3.00"


@pytest.mark.parametrize(
    ("percent", "cell"),
    [(True, "41.83 [39.83, 44.83]"), (False, "0.4183 [0.3983, 0.4483]")],
)
def test_percent_or_fractions(sweep, percent, cell):
    md = render_markdown(_cmp(sweep, percent=percent))
    assert _md_row(md, "lead")[1] == cell
    assert ("rouge in percent" in md) is percent


def test_columns_and_labels_are_selectable(sweep):
    cmp, _ = build([str(sweep), "--columns", "rouge2_f,length_words", "--labels", 'rouge2_f="R-2"'])
    header = render_markdown(cmp).splitlines()[0]
    assert [c.strip() for c in header.strip("|").split("|")] == ["System", "R-2", "Words"]
    csv_header = render_csv(cmp).splitlines()[0]
    assert csv_header.startswith("system,run_dir,rouge2_f,rouge2_f_low,rouge2_f_high,length_words")
    assert "System & R-2 & Words" in render_latex(cmp)


def test_default_labels_come_from_the_contracts_and_undeclared_keys_show_their_name():
    catalog = KeyCatalog.of_metrics([TEST_ROUGE])
    keys = ["rouge1_p", "rougeLsum_r", "length_sentences", "bertscore_f"]
    assert [catalog.label(k) for k in keys] == ["R-1 P", "R-Lsum R", "Sentences", "bertscore_f"]
    assert catalog.direction("bertscore_f") is None and catalog.scale("bertscore_f") == 1.0
    assert catalog.fmt(0.41234, "rouge1_f") == "41.23"
    assert catalog.fmt(0.41234, "rouge1_f", percent=False) == "0.4123"
    assert catalog.default_keys(["length_sentences", "rouge1_p", "rouge1_f", "length_words"]) == [
        "rouge1_f",
        "length_words",
    ]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("oracle,lead", ["oracle", "lead", "random", "twin"]),
        ("twin", ["twin", "lead", "oracle", "random"]),
        (None, ["lead", "oracle", "random", "twin"]),
    ],
)
def test_row_order(sweep, order, expected):
    cmp, _ = build([str(sweep), *(["--order", order] if order else [])])
    rows = render_markdown(cmp).split("\n\n")[0].splitlines()[2:]
    assert [r.strip("| ").split(" ")[0] for r in rows] == expected
    assert list(_csv_rows(render_csv(cmp))) == expected


def test_run_names_replace_labels_everywhere(sweep):
    cmp, _ = build([str(sweep), "--names", "oracle=Oracle (upper bound)", "--baseline", "oracle"])
    assert "| Oracle (upper bound) " in render_markdown(cmp)
    assert "Significance against Oracle (upper bound)" in render_markdown(cmp)
    assert "Oracle (upper bound)" in _csv_rows(render_csv(cmp))
    assert "Oracle (upper bound) &" in render_latex(cmp)


def test_labels_with_commas_and_equals_signs_parse():
    assert parse_mapping(['rouge1_f="R-1, F1",lead (budget=words100, seed=1)=Lead'], "x") == {
        "rouge1_f": "R-1, F1",
        "lead (budget=words100, seed=1)": "Lead",
    }


def test_legacy_csv_and_markdown_keep_their_shape(sweep):
    runs = load_runs(sweep)
    rows = list(csv.reader(to_csv(runs).splitlines()))
    assert rows[0][:5] == ["system", "run_dir", "rouge1_f", "rouge1_f_low", "rouge1_f_high"]
    assert rows[0][-1] == "ci_method"
    assert not any(h.endswith(("_p", "_sig")) or h == "significance" for h in rows[0][2:-1])
    assert rows[1][1] == "summarizer=lead"
    md = to_markdown(runs, [("rouge1_f", "R-1 F1")])
    assert md.startswith("| System | R-1 F1")


def test_runs_with_the_same_label_from_two_sweeps_are_told_apart(tmp_path):
    write_run(tmp_path / "a" / "summarizer=lead", "lead", _clusters(0.4))
    write_run(tmp_path / "b" / "summarizer=lead", "lead", _clusters(0.5))
    runs = collect_runs([tmp_path / "a", tmp_path / "b", tmp_path / "a" / "summarizer=lead"])
    assert [r.label for r in runs] == ["lead [a/summarizer=lead]", "lead [b/summarizer=lead]"]


def test_incomplete_runs_are_skipped(sweep):
    # incomplete: no run.json yet (it is moved in last), or a set still in its staging folder
    (sweep / "half").mkdir()
    (sweep / "half" / "scores.jsonl").write_text("")
    (sweep / "half" / ".staging~host~1").mkdir()
    (sweep / "half" / ".staging~host~1" / "run.json").write_text("{not json")
    assert [r.label for r in collect_runs([sweep])] == ["lead", "oracle", "random", "twin"]


@pytest.mark.parametrize("text", ["{not json", '{"system": "x"}', "[]"])
def test_a_broken_run_json_is_an_error_naming_it(sweep, text):
    (sweep / "broken").mkdir()
    (sweep / "broken" / "run.json").write_text(text)
    with pytest.raises(BenchError, match=r"broken/run\.json"):
        collect_runs([sweep])


# --------------------------------------------------------------------------- significance


@pytest.mark.parametrize("test", ["paired_bootstrap", "approximate_randomization"])
def test_significance_marks_better_and_worse_but_not_an_identical_system(sweep, test):
    cmp = _cmp(sweep, baseline="lead", test=test)
    md = render_markdown(cmp)
    assert all("†" in c for c in _md_row(md, "oracle")[1:5])
    assert all("‡" in c for c in _md_row(md, "random")[1:5])
    assert not any(m in c for c in _md_row(md, "twin")[1:] for m in "†‡")
    assert not any(m in c for c in _md_row(md, "lead")[1:] for m in "†‡")
    assert not any(m in _md_row(md, "oracle")[5] for m in "†‡")  # lengths are not tested
    tex = render_latex(cmp)
    assert all(r"$^\dagger$" in c for c in _tex_row(tex, "oracle")[1:5])
    assert all(r"$^\ddagger$" in c for c in _tex_row(tex, "random")[1:5])
    assert not any("dagger" in c for c in _tex_row(tex, "twin"))
    rows = _csv_rows(render_csv(cmp))
    for key in KEYS:
        assert float(rows["oracle"][f"{key}_p"]) < 0.05 and rows["oracle"][f"{key}_sig"] == "better"
        assert rows["random"][f"{key}_sig"] == "worse"
        assert float(rows["twin"][f"{key}_p"]) == 1.0 and rows["twin"][f"{key}_sig"] == "ns"
        assert rows["lead"][f"{key}_p"] == "" and rows["lead"][f"{key}_sig"] == ""
    assert "length_words_p" not in rows["lead"]
    assert rows["lead"]["significance"] == "baseline"


@pytest.mark.parametrize(
    ("test", "name"),
    [
        ("paired_bootstrap", "paired bootstrap"),
        ("approximate_randomization", "approximate randomization"),
    ],
)
def test_every_format_states_test_samples_seed_and_threshold(sweep, test, name):
    cmp = _cmp(sweep, baseline="lead", test=test, n_samples=500, seed=7, alpha=0.01)
    md, tex = render_markdown(cmp), render_latex(cmp)
    for text in (md, tex):
        assert f"two-sided {name} test, 500 samples, seed 7" in text
        assert "Paired over the 12 clusters." in text
    assert "† significantly better, ‡ significantly worse than lead at p < 0.01" in md
    assert r"$^\dagger$ significantly better, $^\ddagger$ significantly worse" in tex
    assert r"p \textless{} 0.01" in tex
    note = _csv_rows(render_csv(cmp))["oracle"]["significance"]
    assert note == (
        f"two-sided {test} vs lead; paired over the 12 clusters; samples=500; seed=7; alpha=0.01"
    )


def test_tests_are_seeded(sweep):
    a = render_csv(_cmp(sweep, baseline="lead", seed=3))
    b = render_csv(_cmp(sweep, baseline="lead", seed=3))
    assert a == b


def _single_cluster(root: Path, with_refs: dict[str, bool], rule: str = "mean") -> None:
    """One cluster, four references; oracle beats lead against every reference.

    ``rule`` says how the shown value combines the references: their mean (testable over
    references) or the best one (not).
    """
    for system, shift in (("lead", 0.0), ("oracle", 0.1), ("twin", 0.0)):
        values = [0.3 + 0.02 * i + shift for i in range(len(REFS))]
        per_ref = {ref: {k: v for k in KEYS} for ref, v in zip(REFS, values, strict=True)}
        shown = sum(values) / len(values) if rule == "mean" else max(values)
        cluster = {k: shown for k in KEYS} | {"length_words": 100.0}
        write_run(root / f"summarizer={system}", system, {"only": cluster},
                  per_reference=per_ref if with_refs[system] else None)  # fmt: skip


def test_a_single_cluster_is_paired_over_its_references(tmp_path):
    _single_cluster(tmp_path, {"lead": True, "oracle": True, "twin": True})
    cmp = _cmp(tmp_path, baseline="lead")
    md = render_markdown(cmp)
    assert "paired over the 4 references of the single cluster" in md.lower()
    assert "Caution: with only 4 units the paired bootstrap is anti-conservative" in md
    assert all("†" in c for c in _md_row(md, "oracle")[1:5])
    assert not any("†" in c or "‡" in c for c in _md_row(md, "twin"))
    assert "paired over the 4 references of the single cluster" in render_latex(cmp).lower()
    assert cmp.tests["oracle"].n_units == 4


def test_approximate_randomization_over_four_references_says_it_cannot_reach_alpha(tmp_path):
    _single_cluster(tmp_path, {"lead": True, "oracle": True, "twin": True})
    md = render_markdown(_cmp(tmp_path, baseline="lead", test="approximate_randomization"))
    assert "With 4 units approximate randomization cannot reach p < 0.05" in md
    assert not any("†" in c for c in _md_row(md, "oracle"))


@pytest.mark.parametrize(
    ("with_refs", "reason"),
    [
        ({"lead": True, "oracle": False, "twin": True},
         "oracle: a single cluster and no per-reference scores in its scores.jsonl"),
        ({"lead": False, "oracle": True, "twin": True},
         "oracle: a single cluster and no per-reference scores for the baseline"),
    ],
)  # fmt: skip
def test_missing_per_reference_scores_mean_not_tested_and_the_caption_says_why(
    tmp_path, with_refs, reason
):
    _single_cluster(tmp_path, with_refs)
    cmp = _cmp(tmp_path, baseline="lead")
    md = render_markdown(cmp)
    assert f"Not tested: {reason}" in md
    assert not any("†" in c for c in _md_row(md, "oracle"))
    assert "not tested: a single cluster" in _csv_rows(render_csv(cmp))["oracle"]["significance"]
    assert _csv_rows(render_csv(cmp))["oracle"]["rouge1_f_p"] == ""
    assert "Not tested: oracle: a single cluster" in render_latex(cmp)


def test_runs_over_different_clusters_or_without_scores_jsonl_are_not_tested(tmp_path):
    write_run(tmp_path / "lead", "lead", _clusters(0.4))
    write_run(tmp_path / "other", "other", _clusters(0.5, n=5))
    write_run(tmp_path / "bare", "bare", _clusters(0.5), scores_jsonl=False)
    md = render_markdown(_cmp(tmp_path, baseline="lead"))
    assert "bare: it has no scores.jsonl" in md
    assert "other: its clusters differ from the baseline's" in md


def test_baseline_may_be_named_by_run_label(tmp_path):
    for budget in ("words100", "words250"):
        write_run(tmp_path / budget, "lead", _clusters(0.4), budget=budget,
                  overrides=["summarizer=lead", f"budget={budget}"])  # fmt: skip
    cmp = _cmp(tmp_path, baseline="lead (budget=words100)")
    assert cmp.baseline is not None and cmp.baseline.label == "lead (budget=words100)"
    with pytest.raises(BenchError, match="ambiguous baseline 'lead' matches 2 runs"):
        _cmp(tmp_path, baseline="lead")


# --------------------------------------------------------------------------- LaTeX


def _balanced(tex: str) -> bool:
    depth = 0
    for token in re.findall(r"\\[{}]|[{}]", tex):
        if token in ("{", "}"):
            depth += 1 if token == "{" else -1
            if depth < 0:
                return False
    return depth == 0


def test_latex_is_a_booktabs_fragment_with_balanced_braces(sweep):
    tex = render_latex(_cmp(sweep, baseline="lead"))
    body = [line for line in tex.splitlines() if not line.startswith("%")]
    assert _balanced("\n".join(body))
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert tex.count(rule) == 1
    assert tex.index(r"\toprule") < tex.index(r"\midrule") < tex.index(r"\bottomrule")
    assert body[0] == r"\begin{table}[htbp]" and body[-1] == r"\end{table}"
    assert r"\begin{tabular}{lrrrrr}" in tex and r"\end{tabular}" in tex
    assert r"\documentclass" not in tex
    assert r"\caption{" in tex
    n_cols = 6
    for line in body:
        if line.endswith("\\\\"):
            assert line.count(" & ") == n_cols - 1


def test_latex_escapes_special_characters_in_labels(tmp_path):
    write_run(tmp_path / "r1", "my_sys", _clusters(0.4),
              overrides=["summarizer=my_sys", "x.y=50%&#$~^{}\\"])  # fmt: skip
    write_run(tmp_path / "r2", "lead", _clusters(0.3))
    runs = collect_runs([tmp_path])
    cols = select_columns(runs, ["rouge1_f"], {"rouge1_f": "R_1 & co"})
    tex = render_latex(compare(runs, TableOptions(columns=cols)))
    assert r"R\_1 \& co" in tex
    expected = r"my\_sys (x.y=50\%\&\#\$\textasciitilde{}\textasciicircum{}\{\}\textbackslash{})"
    assert expected in tex
    body = "\n".join(line for line in tex.splitlines() if not line.startswith("%"))
    assert _balanced(body)
    assert latex_escape("a<b|c") == r"a\textless{}b\textbar{}c"
    named = compare(runs, TableOptions(columns=cols, names={"lead": "[sic] lead"}))
    assert "\n{}[sic] lead & " in render_latex(named)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles(sweep, tmp_path):
    tex = render_latex(_cmp(sweep, baseline="lead", ci="pm"))
    doc = "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n"
    (tmp_path / "doc.tex").write_text(doc + tex + "\\end{document}\n")
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:]


# --------------------------------------------------------------------------- command line


def test_cli_writes_every_file_and_prints_the_markdown(sweep, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([str(sweep), "--baseline", "lead", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed == (out / "comparison.md").read_text()
    assert "| oracle" in printed and "†" in printed
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "comparison.csv", "comparison.md", "comparison.pdf", "comparison.png", "comparison.tex",
        "comparison_length.pdf", "comparison_length.png",
    ]  # fmt: skip
    assert all((out / n).stat().st_size > 0 for n in names)
    assert not any(p.name.startswith(".") for p in out.iterdir())  # no temporary files left


def test_cli_defaults_to_the_first_dir_and_accepts_run_dirs(sweep, tmp_path, capsys):
    other = write_run(tmp_path / "single", "extra", _clusters(0.45))
    assert main([str(sweep / "summarizer=lead"), str(other)]) == 0
    out = capsys.readouterr().out
    assert "| lead " in out and "| extra " in out and "| oracle" not in out
    assert (sweep / "summarizer=lead" / "comparison.md").is_file()


def test_outputs_are_byte_identical_across_reruns(sweep, tmp_path):
    for name in ("a", "b"):
        assert main([str(sweep), "--baseline", "lead", "--out", str(tmp_path / name)]) == 0
    for file in sorted(p.name for p in (tmp_path / "a").iterdir()):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{missing}"], "no such directory: "),
        (["{empty}"], "no complete runs (parseable run.json) found under "),
        (["{sweep}", "--columns", "rouge9_f"], "unknown column 'rouge9_f'; available: "),
        (["{sweep}", "--labels", "rouge9_f=X"], "label for unknown column 'rouge9_f'"),
        (["{sweep}", "--baseline", "nobody"], "unknown baseline 'nobody'; runs: "),
        (["{sweep}", "--order", "nobody"], "unknown run 'nobody' in --order"),
        (["{sweep}", "--ci", "stars"], "argument --ci: invalid choice: 'stars'"),
        (["{sweep}", "--samples", "0"], "--samples must be an integer from 1 to 1,000,000"),
        (["{sweep}", "--alpha", "1.5"], "--alpha must lie strictly between 0 and 1"),
        (["{sweep}", "--labels", "nolabel"], "--labels: expected KEY=LABEL"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(sweep, tmp_path, capsys, args, message):
    (tmp_path / "empty").mkdir()
    fill = {"missing": tmp_path / "nope", "empty": tmp_path / "empty", "sweep": sweep}
    argv = [a.format(**fill) for a in args]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"bench-table: error: {message}"), lines
    assert not (sweep / "comparison.md").exists()


def test_module_entry_point_reports_errors_in_one_line(tmp_path):
    bad = subprocess.run(
        [sys.executable, "-m", "bench.results.tables", str(tmp_path / "nope")],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr == f"bench-table: error: no such directory: {tmp_path / 'nope'}\n"


def test_the_table_imports_no_model_package(sweep, tmp_path):
    code = (
        "import sys\nfrom bench.results.tables import main\n"
        f"assert main([{str(sweep)!r}, '--baseline', 'lead', '--out', {str(tmp_path)!r}]) == 0\n"
        "print('HEAVY:' + ','.join(m for m in ('torch', 'transformers', 'sentence_transformers')"
        " if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "HEAVY:"


# --------------------------------------------------------------------------- plots


def test_plots_are_written_as_png_and_pdf(sweep, tmp_path):
    bars = plot_comparison(_cmp(sweep, percent=False, baseline="lead"), tmp_path / "bars")
    trade = plot_length_tradeoff(_cmp(sweep), tmp_path / "trade", "rouge2_f")
    assert [p.name for p in bars + trade] == ["bars.png", "bars.pdf", "trade.png", "trade.pdf"]
    for path in bars + trade:
        head = path.read_bytes()[:8]
        assert head.startswith(b"\x89PNG" if path.suffix == ".png" else b"%PDF")


def test_runs_of_one_system_that_differ_in_budget_form_one_line(tmp_path):
    for words in (50, 100, 250):
        overrides = ["summarizer=lead", f"budget.limit={words}"]
        clusters = _clusters(0.3, words=float(words))
        write_run(
            tmp_path / f"l{words}", "lead", clusters, budget=f"words={words}", overrides=overrides
        )
    write_run(tmp_path / "oracle", "oracle", _clusters(0.5))
    runs = collect_runs([tmp_path])
    groups = tradeoff_groups(runs)
    assert [(g, len(m)) for g, m in groups] == [("lead", 3), ("oracle", 1)]
    written = plot_length_tradeoff(compare(runs), tmp_path / "length")
    assert all(p.stat().st_size > 0 for p in written)


def test_plots_survive_runs_without_lengths_or_intervals(tmp_path):
    record = {"system": "x", "scores": {"rouge1_f": {"mean": 0.5, "low": None, "high": None,
                                                     "method": "none"}}}  # fmt: skip
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "run.json").write_text(json.dumps(record))
    cmp = compare(collect_runs([tmp_path]))
    assert len(plot_length_tradeoff(cmp, tmp_path / "t", "rouge1_f")) == 2
    assert len(plot_comparison(cmp, tmp_path / "b")) == 2


def test_references_are_not_paired_for_a_value_that_is_not_their_mean(tmp_path):
    _single_cluster(tmp_path, {"lead": True, "oracle": True, "twin": True}, rule="max")
    cmp = _cmp(tmp_path, baseline="lead")
    md = render_markdown(cmp)
    assert not any("†" in c or "‡" in c for c in _md_row(md, "oracle"))
    assert "need a mean over references, e.g. metrics.rouge.multi_ref=mean" in md


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r["scores"]["rouge1_f"].update(mean="x"), "rouge1_f.mean must be a number"),
        (lambda r: r["scores"].update(rouge1_f=5), "score 'rouge1_f' must be an object"),
        (lambda r: r.update(overrides=[1]), "'overrides' must be a list of strings"),
    ],
)
def test_a_malformed_run_json_is_a_one_line_error(tmp_path, capsys, mutate, message):
    run_dir = write_run(tmp_path / "r", "lead", {"c1": {"rouge1_f": 0.4}, "c2": {"rouge1_f": 0.5}})
    record = json.loads((run_dir / "run.json").read_text())
    mutate(record)
    (run_dir / "run.json").write_text(json.dumps(record))
    assert main([str(tmp_path), "--columns", "rouge1_f"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("bench-table: error:") and message in err[0]


def test_nan_is_refused_not_printed_or_bolded_as_best(tmp_path, capsys):
    write_run(tmp_path / "a", "lead", {"c1": {"rouge1_f": 0.4}, "c2": {"rouge1_f": 0.5}})
    b = write_run(tmp_path / "b", "oracle", {"c1": {"rouge1_f": 0.6}, "c2": {"rouge1_f": 0.7}})
    record = json.loads((b / "run.json").read_text())
    record["scores"]["rouge1_f"]["mean"] = float("nan")
    (b / "run.json").write_text(json.dumps(record))
    (c := tmp_path / "c").mkdir()
    write_run(c, "random", {"c1": {"rouge1_f": 0.3}, "c2": {"rouge1_f": 0.2}})
    assert main([str(tmp_path), "--columns", "rouge1_f", "--out", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "nan" not in captured.out
    assert f"{b / 'run.json'}: scores.rouge1_f.mean is nan, not a finite number" in captured.err
    assert not (tmp_path / "comparison.md").exists()
