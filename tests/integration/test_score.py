"""bench-score: scoring summaries produced elsewhere, in-process and through the entry point."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench.metrics.base import KeyInfo, MetricInfo, MetricOutput
from bench.metrics.consistency.base import Evidence, Issue, consistency_score
from bench.score import main, read_clusters, summary_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "score"
CLUSTERS = FIXTURES / "clusters.jsonl"
REFERENCES_ONLY = FIXTURES / "clusters_references_only.jsonl"
EMBEDDED = "mattis_pakistan_2017"
FAKE = "+metrics.fake._target_=tests.integration.test_score.FakeConsistency"
# run.yaml's default metrics change as metrics are added: most tests pin ROUGE.
ROUGE = "metrics=[rouge]"


class FakeConsistency:
    """Flags numbers no document of the cluster contains, and 'reportedly' as disputed."""

    name = "fake"
    info = MetricInfo(
        name="fake",
        keys={"fake_consistency": KeyInfo("fake_consistency", value_range=(0.0, 1.0))},
        needs_documents=True,
        details=("fake_issues",),
    )

    def score(self, summaries: Sequence[str], clusters: Sequence) -> MetricOutput:
        out, details = [], []
        for summary, cluster in zip(summaries, clusters, strict=True):
            source = " ".join(d.text for d in cluster.documents)
            sentences = [s for s in summary.split("\n") if s]
            found = []
            for sentence in sentences:
                for number in re.findall(r"\d+(?:\.\d+)?", sentence):
                    if not re.search(rf"(?<![\d.]){re.escape(number)}(?!\.?\d)", source):
                        evidence = tuple(
                            Evidence(d.doc_id, d.sentences[0]) for d in cluster.documents
                        )
                        found.append(
                            Issue(
                                sentence,
                                number,
                                "number",
                                "unsupported",
                                f"no document mentions {number}",
                                evidence,
                            )  # fmt: skip
                        )
                if "reportedly" in sentence:
                    evidence = tuple(Evidence(d.doc_id, d.sentences[-1]) for d in cluster.documents)
                    found.append(
                        Issue(
                            sentence,
                            "reportedly",
                            "quote",
                            "disputed",
                            "the documents disagree",
                            evidence,
                        )  # fmt: skip
                    )
            out.append({"fake_consistency": consistency_score(len(sentences), found)})
            details.append({"fake_issues": [i.as_dict() for i in found]})
        return MetricOutput(out, details)

    def signature(self) -> dict[str, str]:
        return {"name": "fake"}


def write_jsonl(path: Path, rows: Sequence) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def error_of(stderr: str) -> str:
    """The one error line of a failed command (the lines before it are progress logs)."""
    lines = stderr.splitlines()
    errors = [line for line in lines if line.startswith("bench-score: error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], stderr
    return errors[0]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


QUAKE_GOOD = "A magnitude 6.1 earthquake struck Arlen on Tuesday. Twelve people were injured."
QUAKE_WRONG_NUMBER = "A magnitude 7.0 earthquake struck Arlen on Tuesday."
QUAKE_DISPUTED = "The quake reportedly reached magnitude 6.3."
VOTE = "Brill's council approved the tram line by 7 votes to 2. Construction starts in March."


@pytest.fixture
def inputs(tmp_path) -> Path:
    """Three summaries of one cluster and one of another, interleaved, with extra keys."""
    return write_jsonl(
        tmp_path / "outputs.jsonl",
        [
            {"id": "q1", "cluster_id": "quake", "summary": QUAKE_GOOD, "note": "system A"},
            {"id": "v1", "cluster_id": "vote", "summary": VOTE},
            {"id": "q2", "cluster_id": "quake", "summary": QUAKE_WRONG_NUMBER, "span": "7.0"},
            {"id": "q3", "cluster_id": "quake", "summary": QUAKE_DISPUTED, "kind": "quote"},
        ],
    )


# --------------------------------------------------------------------------- output


def test_one_output_line_per_input_in_input_order(capsys, inputs, tmp_path):
    out = tmp_path / "scored.jsonl"
    status, stdout, _ = run(
        capsys, inputs, "--clusters", CLUSTERS, "--output", out, "metrics=[rouge]"
    )
    assert status == 0
    rows = read_rows(out)
    assert [r["id"] for r in rows] == ["q1", "v1", "q2", "q3"]
    assert [r["cluster_id"] for r in rows] == ["quake", "vote", "quake", "quake"]
    assert set(rows[0]) == {"id", "cluster_id", "note", "scores"}
    assert rows[0]["note"] == "system A"
    assert rows[2]["span"] == "7.0" and rows[3]["kind"] == "quote"
    assert set(rows[1]) == {"id", "cluster_id", "scores"}
    keys = {f"{t}_{v}" for t in ("rouge1", "rouge2", "rougeL", "rougeLsum") for v in "prf"}
    assert all(set(r["scores"]) == keys for r in rows)
    assert len({r["scores"]["rouge1_f"] for r in rows}) == 4


def test_each_summary_scored_against_its_own_cluster_as_given(capsys, inputs, tmp_path):
    from bench.metrics.rouge import Rouge
    from bench.preprocess.clean import Cleaner

    out = tmp_path / "scored.jsonl"
    assert main([str(inputs), "--clusters", str(CLUSTERS), "--output", str(out), ROUGE]) == 0
    clusters = read_clusters(CLUSTERS, Cleaner())
    expected = Rouge().score(
        [summary_text(s) for s in (QUAKE_GOOD, VOTE, QUAKE_WRONG_NUMBER, QUAKE_DISPUTED)],
        [clusters[c] for c in ("quake", "vote", "quake", "quake")],
    )
    assert [r["scores"] for r in read_rows(out)] == expected.scores
    # no budget: a 10-times repeated summary keeps all of its words
    assert summary_text(" ".join([QUAKE_GOOD] * 10)).count("\n") == 19


def test_scores_do_not_depend_on_input_order(capsys, inputs, tmp_path):
    rows = inputs.read_text(encoding="utf-8").splitlines()
    shuffled = write_jsonl(tmp_path / "shuffled.jsonl", rows[::-1])
    for path in (inputs, shuffled):
        assert main([str(path), "--clusters", str(CLUSTERS), "--quiet", ROUGE]) == 0
    by_id = [
        {r["id"]: r["scores"] for r in read_rows(p.with_suffix(".scores.jsonl"))}
        for p in (inputs, shuffled)
    ]
    assert by_id[0] == by_id[1]


def test_default_output_beside_input_and_table_printed(capsys, inputs):
    status, stdout, _ = run(capsys, inputs, "--clusters", CLUSTERS, ROUGE)
    assert status == 0
    assert (inputs.parent / "outputs.scores.jsonl").is_file()
    lines = stdout.splitlines()
    assert lines[0].startswith("| id | cluster | R-1 P | R-1 R | R-1 F1 |")
    rows = [line for line in lines if line.startswith("| ")]
    assert [r.split(" | ")[0] for r in rows[1:]] == [
        "| q1",
        "| v1",
        "| q2",
        "| q3",
        "| **mean** (4)",
    ]
    assert "2 clusters" in rows[-1]
    assert "rouge in percent." in stdout
    # ROUGE in percent, mean of the rows
    scores = [r["scores"]["rouge1_f"] for r in read_rows(inputs.with_suffix(".scores.jsonl"))]
    r1f = lines[0].split(" | ").index("R-1 F1")
    assert rows[1].split(" | ")[r1f] == f"{100 * scores[0]:.2f}"
    assert rows[-1].split(" | ")[r1f] == f"{100 * sum(scores) / 4:.2f}"


def test_quiet_prints_nothing(capsys, inputs):
    status, stdout, stderr = run(capsys, inputs, "--clusters", CLUSTERS, "--quiet", ROUGE)
    assert (status, stdout, stderr) == (0, "", "")


def test_default_metrics_are_those_of_run_yaml(capsys, inputs, compose_run):
    from bench.core.build import build_metrics

    expected = set()
    for metric in build_metrics(compose_run()).values():
        expected |= set(metric.info.keys)
    assert main([str(inputs), "--clusters", str(CLUSTERS), "--quiet"]) == 0
    rows = read_rows(inputs.with_suffix(".scores.jsonl"))
    assert all(set(r["scores"]) == expected for r in rows)


def test_embedded_cluster_is_the_default_dataset(capsys, tmp_path):
    path = write_jsonl(
        tmp_path / "mattis.jsonl",
        [
            {
                "id": "a",
                "cluster_id": EMBEDDED,
                "summary": "Jim Mattis visited Pakistan on Monday.",
            },
            {"id": "b", "cluster_id": EMBEDDED, "summary": "Mattis met army chief Qamar Bajwa."},
        ],
    )
    status, stdout, _ = run(capsys, path, ROUGE)
    assert status == 0
    rows = read_rows(path.with_suffix(".scores.jsonl"))
    assert [r["id"] for r in rows] == ["a", "b"]
    assert all(0 < r["scores"]["rouge1_p"] <= 1 for r in rows)
    assert "| a | mattis_pakistan_2017 |" in stdout


# --------------------------------------------------------------------------- input errors


def _line(**fields) -> str:
    row = {"id": "x", "cluster_id": "quake", "summary": "A quake hit Arlen."}
    row.update(fields)
    return json.dumps({k: v for k, v in row.items() if v is not ...})


MALFORMED = [
    pytest.param(['{"id": "a",'], 1, ": not valid JSON", id="not-json"),
    pytest.param(["[1, 2]"], 1, "must be a JSON object, got list", id="not-object"),
    pytest.param([_line(summary=...)], 1, "is missing 'summary'", id="missing-summary"),
    pytest.param([_line(id=...)], 1, "is missing 'id'", id="missing-id"),
    pytest.param([_line(cluster_id=...)], 1, "is missing 'cluster_id'", id="missing-cluster"),
    pytest.param([_line(id=3)], 1, "'id' must be a string, got int", id="id-int"),
    pytest.param([_line(summary=None)], 1, "'summary' must be a string, got NoneType", id="null"),
    pytest.param([_line(cluster_id=["quake"])], 1, "'cluster_id' must be a string", id="list"),
    pytest.param([_line(id=" ")], 1, "'id' must not be empty", id="empty-id"),
    pytest.param([_line(), "", _line()], 3, "duplicate id 'x' (first on line 1)", id="dup"),
    pytest.param(
        [_line(label="wrong")], 1, "label must be one of faithful, error, disputed", id="label"
    ),  # fmt: skip
    pytest.param([_line(label="error", kind=1)], 1, "'kind' must be a string", id="kind"),
    pytest.param([_line(scores={})], 1, "key 'scores' is reserved", id="reserved"),
    pytest.param(
        [_line(), _line(id="y", cluster_id="nope")],
        2,
        "unknown cluster_id 'nope' (not in --clusters",
        id="unknown-cluster",
    ),  # fmt: skip
]


@pytest.mark.parametrize(("lines", "line_no", "message"), MALFORMED)
def test_malformed_input_is_one_line_error_and_writes_nothing(
    capsys, tmp_path, lines, line_no, message
):
    path = write_jsonl(tmp_path / "in.jsonl", lines)
    out, report = tmp_path / "out.jsonl", tmp_path / "report.md"
    out.write_text("old\n", encoding="utf-8")
    status, stdout, stderr = run(
        capsys, path, "--clusters", CLUSTERS, "--output", out, "--explain", report
    )
    assert status == 2
    assert stdout == ""
    assert error_of(stderr).startswith(f"bench-score: error: {path} line {line_no}")
    assert message in error_of(stderr)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert not report.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "summaries file not found"),
        (b"", "is empty"),
        (b"\n \n", "is empty"),
        (b"\xff\xfe", "is not valid UTF-8"),
    ],
)
def test_unreadable_input_file(capsys, tmp_path, content, message):
    path = tmp_path / "in.jsonl"
    if content is not None:
        path.write_bytes(content)
    status, _, stderr = run(capsys, path, "--clusters", CLUSTERS)
    assert status == 2 and message in error_of(stderr)
    assert not (tmp_path / "in.scores.jsonl").exists()


def test_unknown_cluster_of_the_dataset(capsys, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [_line(cluster_id="quake")])
    status, _, stderr = run(capsys, path)
    assert status == 2
    assert error_of(stderr) == (
        f"bench-score: error: {path} line 1: unknown cluster_id 'quake' "
        f"(not in dataset '{EMBEDDED}', which has '{EMBEDDED}')"
    )
    assert not (tmp_path / "in.scores.jsonl").exists()


# --------------------------------------------------------------------------- clusters file


def test_clusters_without_documents_for_reference_metrics(capsys, inputs, tmp_path):
    with_docs, without = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for clusters, out in ((CLUSTERS, with_docs), (REFERENCES_ONLY, without)):
        assert main([str(inputs), "--clusters", str(clusters), "--output", str(out), ROUGE]) == 0
    assert read_rows(with_docs) == read_rows(without)
    capsys.readouterr()


def test_metric_that_needs_documents_refuses_clusters_without(capsys, inputs):
    status, _, stderr = run(capsys, inputs, "--clusters", REFERENCES_ONLY, ROUGE, FAKE)
    assert status == 2
    assert error_of(stderr) == (
        "bench-score: error: metric 'fake' needs source documents, but --clusters "
        f"{REFERENCES_ONLY} has none for cluster(s) 'quake', 'vote'"
    )
    assert not inputs.with_suffix(".scores.jsonl").exists()


def test_reference_metric_refuses_clusters_without_references(capsys, inputs, tmp_path):
    rows = read_rows(CLUSTERS)
    no_refs = write_jsonl(tmp_path / "c.jsonl", [{**rows[0], "references": []}, rows[1]])
    status, _, stderr = run(capsys, inputs, "--clusters", no_refs, "metrics=[rouge]")
    assert status == 2
    assert "metric 'rouge' needs reference summaries, but --clusters" in error_of(stderr)
    assert error_of(stderr).endswith("has none for cluster(s) 'quake'")
    # without ROUGE the same file is fine
    status, _, _ = run(capsys, inputs, "--clusters", no_refs, "metrics=[]", FAKE)
    assert status == 0


def test_clusters_file_documents_are_cleaned_and_split():
    from bench.preprocess.clean import Cleaner

    clusters = read_clusters(CLUSTERS, Cleaner())
    assert list(clusters) == ["quake", "vote"]
    quake = clusters["quake"]
    assert [d.doc_id for d in quake.documents] == ["quake_a", "quake_b"]
    assert quake.documents[0].title == "Earthquake hits Arlen"
    assert (
        quake.documents[1].sentences[-1] == "The national seismic agency put the magnitude at 6.3."
    )
    assert [r.ref_id for r in quake.references] == ["r1", "r2"]
    assert quake.references[0].sentences == [
        "A magnitude 6.1 earthquake struck Arlen on Tuesday.",
        "Twelve people were injured and two bridges were closed.",
    ]
    assert read_clusters(REFERENCES_ONLY, Cleaner())["vote"].documents == ()


_DOC = {"doc_id": "d1", "text": "A quake hit Arlen on Tuesday."}
_REF = {"ref_id": "r1", "text": "A quake hit Arlen."}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"documents": [_DOC]}, "missing field 'cluster_id'"),
        ({"cluster_id": "a b"}, "invalid cluster id 'a b'"),
        ({"cluster_id": "c", "document": [_DOC]}, "unknown key 'document'"),
        ({"cluster_id": "c", "documents": _DOC}, "'documents' must be a list, got dict"),
        (
            {"cluster_id": "c", "documents": [{"doc_id": "d1"}]},
            "documents[0]: missing field 'text'",
        ),
        ({"cluster_id": "c", "documents": [_DOC, _DOC]}, "documents[1]: duplicate doc_id 'd1'"),
        (
            {"cluster_id": "c", "documents": [{**_DOC, "text": "Latest news"}]},
            "document 'd1' of cluster 'c' has no text left after cleaning",
        ),  # fmt: skip
        (
            {"cluster_id": "c", "references": [{"ref_id": "r1", "text": "Quake."}]},
            "reference 'r1' has fewer than 2 words",
        ),  # fmt: skip
        ({"cluster_id": "c", "references": [_REF, _REF]}, "duplicate ref_id 'r1'"),
        ({"cluster_id": "c", "references": [{**_REF, "text": 5}]}, "'text' must be a string"),
    ],
)
def test_malformed_clusters_file(capsys, tmp_path, row, message):
    path = write_jsonl(tmp_path / "in.jsonl", [_line(cluster_id="c")])
    clusters = write_jsonl(tmp_path / "c.jsonl", [{"cluster_id": "ok"}, row])
    status, _, stderr = run(capsys, path, "--clusters", clusters)
    assert status == 2
    # The reader of dataset=jsonl: errors name the file and line as there.
    assert error_of(stderr).startswith(f"bench-score: error: {clusters}:2")
    assert message in error_of(stderr)
    assert not (tmp_path / "in.scores.jsonl").exists()


# --------------------------------------------------------------------------- consistency details


def test_fake_metric_selected_by_override_leaves_issue_details(capsys, inputs, tmp_path):
    out = tmp_path / "scored.jsonl"
    status, stdout, _ = run(
        capsys, inputs, "--clusters", CLUSTERS, "--output", out, "metrics=[rouge]", FAKE
    )
    assert status == 0
    rows = read_rows(out)
    assert all("rouge1_f" in r["scores"] and "fake_consistency" in r["scores"] for r in rows)
    assert [r["scores"]["fake_consistency"] for r in rows] == [1.0, 1.0, 0.0, 1.0]
    assert [len(r["fake_issues"]) for r in rows] == [0, 0, 1, 1]
    issue = rows[2]["fake_issues"][0]
    assert issue == {
        "sentence": QUAKE_WRONG_NUMBER,
        "span": "7.0",
        "kind": "number",
        "verdict": "unsupported",
        "reason": "no document mentions 7.0",
        "documents": [
            {
                "doc_id": "quake_a",
                "says": "A magnitude 6.1 earthquake struck the coastal town "
                "of Arlen on Tuesday morning.",
            },  # fmt: skip
            {
                "doc_id": "quake_b",
                "says": "The earthquake hit Arlen shortly after 9 a.m. on Tuesday.",
            },
        ],
    }
    assert "fake_consistency" in stdout.splitlines()[0]


def test_explain_report_marks_flagged_spans(capsys, tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "clean", "cluster_id": "quake", "summary": QUAKE_GOOD},
            {
                "id": "mixed",
                "cluster_id": "quake",
                "label": "error",
                "kind": "number",
                "summary": f"{QUAKE_WRONG_NUMBER} {QUAKE_DISPUTED} Twelve people were injured.",
            },
            {"id": "empty", "cluster_id": "vote", "summary": ""},
        ],  # fmt: skip
    )
    report = tmp_path / "report.md"
    status, _, _ = run(
        capsys, path, "--clusters", CLUSTERS, "--explain", report, "metrics=[]", FAKE
    )
    assert status == 0
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# bench-score report\n")
    assert "Issues from `fake_issues`" in text
    clean = text.split("## clean\n")[1].split("## mixed")[0]
    assert "1. A magnitude 6.1 earthquake struck Arlen on Tuesday. — *no issues*" in clean
    assert "2. Twelve people were injured. — *no issues*" in clean
    mixed = text.split("## mixed\n")[1].split("## empty")[0]
    assert "cluster `quake`, label: error, kind: number" in mixed
    assert "Scores: fake_consistency 0.6667" in mixed
    assert "1. A magnitude **~~7.0~~**[1] earthquake struck Arlen on Tuesday.\n" in mixed
    assert "2. The quake **reportedly**[2] reached magnitude 6.3.\n" in mixed
    assert "3. Twelve people were injured. — *no issues*" in mixed
    assert "- [1] **number, unsupported** (fake) “7.0”: no document mentions 7.0\n" in mixed
    assert "  - `quake_a` says: “A magnitude 6.1 earthquake struck the coastal town" in mixed
    assert "- [2] **quote, disputed** (fake) “reportedly”: the documents disagree\n" in mixed
    assert "  - `quake_b` says: “The national seismic agency put the magnitude at 6.3.”" in mixed
    assert "*(empty summary)*" in text.split("## empty\n")[1]


def test_explain_marks_overlapping_and_unplaced_issues():
    from bench.score import _marked, render_report

    issue = {"verdict": "unsupported", "kind": "number", "reason": "r", "documents": []}
    spans = ["6.1 earthquake", "earthquake", "not there", "Arlen"]
    marks = [(n, {**issue, "span": span}) for n, span in enumerate(spans, start=1)]
    marks[3][1]["verdict"] = "disputed"
    assert _marked("A 6.1 earthquake hit Arlen.", marks) == (
        "A **~~6.1 earthquake~~**[1][2] hit **Arlen**[4]. [3]"
    )
    row = {"id": "a_b", "cluster_id": "c", "scores": {},
           "x_issues": [{**issue, "sentence": "Not in the summary.", "span": "x"}]}  # fmt: skip
    from bench.results.keys import KeyCatalog

    text = render_report(
        [row], ["One *starred* sentence."], Path("in.jsonl"), ["x"], KeyCatalog.of_metrics([])
    )
    assert "## a\\_b" in text
    assert "1. One \\*starred\\* sentence. — *no issues*" in text
    assert "Flag [1] on text not among these sentences: “Not in the summary.”" in text


def test_fact_metric_issues_report_and_figures(capsys, tmp_path):
    rows = [
        {"id": "ok", "label": "faithful", "summary": QUAKE_GOOD},
        {"id": "num", "label": "error", "kind": "number",
         "summary": "A magnitude 7.0 earthquake struck Arlen on Tuesday."},
        {"id": "place", "label": "error", "kind": "entity",
         "summary": "An earthquake struck Bellmore on Tuesday."},
    ]  # fmt: skip
    path = write_jsonl(tmp_path / "in.jsonl", [{**r, "cluster_id": "quake"} for r in rows])
    report, figures = tmp_path / "report.md", tmp_path / "figures.json"
    status, stdout, _ = run(
        capsys, path, "--clusters", CLUSTERS, "--explain", report, "--figures", figures,
        "metrics=[fact]",
    )  # fmt: skip
    assert status == 0
    out = read_rows(path.with_suffix(".scores.jsonl"))
    assert [r["scores"]["fact_consistency"] for r in out] == [1.0, 0.0, 0.0]
    assert out[0]["fact_issues"] == []
    assert [(i["kind"], i["verdict"]) for i in out[1]["fact_issues"]] == [("number", "unsupported")]
    assert [(i["kind"], i["span"]) for i in out[2]["fact_issues"]] == [("entity", "Bellmore")]
    text = report.read_text(encoding="utf-8")
    assert "Issues from `fact_issues`" in text
    assert "1. An earthquake struck **~~Bellmore~~**[1] on Tuesday." in text
    assert "- [1] **entity, unsupported** (fact) “Bellmore”" in text
    assert "2. Twelve people were injured. — *no issues*" in text
    result = json.loads(figures.read_text(encoding="utf-8"))
    assert result["error_recall"] == {"n": 2, "hits": 2, "rate": 1.0}
    assert result["false_alarm_rate"] == {"n": 1, "hits": 0, "rate": 0.0}
    assert "| faithful | false alarms (any issue) | 0/1 | 0.0% |" in stdout


# --------------------------------------------------------------------------- labelled figures


LABELLED = [
    {"id": "f1", "label": "faithful", "summary": QUAKE_GOOD},
    {"id": "f2", "label": "faithful", "summary": QUAKE_DISPUTED},  # disputed flag: a false alarm
    {"id": "e1", "label": "error", "kind": "number", "summary": QUAKE_WRONG_NUMBER},
    {"id": "e2", "label": "error", "kind": "number", "summary": "Twenty people were injured."},
    {"id": "e3", "label": "error", "kind": "entity", "summary": "The quake struck Bellmore."},
    {
        "id": "e4",
        "label": "error",
        "kind": "number",
        "summary": "The magnitude was reportedly 6.8.",
    },  # fmt: skip
    {"id": "d1", "label": "disputed", "kind": "number", "summary": QUAKE_DISPUTED},
    {"id": "d2", "label": "disputed", "kind": "number", "summary": "The magnitude was 6.4."},
    {"id": "u1", "summary": QUAKE_WRONG_NUMBER},  # unlabelled rows are left out
]


def test_labelled_figures_arithmetic(capsys, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [{**r, "cluster_id": "quake"} for r in LABELLED])
    figures_path = tmp_path / "figures.json"
    status, stdout, _ = run(
        capsys, path, "--clusters", CLUSTERS, "--figures", figures_path, "metrics=[]", FAKE
    )
    assert status == 0
    figures = json.loads(figures_path.read_text(encoding="utf-8"))
    assert figures["rows"] == {"faithful": 2, "error": 4, "disputed": 2}
    assert figures["issues_from"] == ["fake_issues"]
    # e1 and e4 carry an unsupported number; e2 (a number in words) and e3 go unnoticed
    assert figures["error_recall"] == {"n": 4, "hits": 2, "rate": 0.5}
    assert figures["error_recall_by_kind"] == {
        "entity": {"n": 1, "hits": 0, "rate": 0.0},
        "number": {"n": 3, "hits": 2, "rate": pytest.approx(2 / 3)},
    }
    assert figures["disputed_marked"] == {"n": 2, "hits": 1, "rate": 0.5}
    assert figures["false_alarm_rate"] == {"n": 2, "hits": 1, "rate": 0.5}
    assert figures["metric_signatures"] == {"fake": {"name": "fake"}}
    assert "| error, kind entity | recall (unsupported or contradicted) | 0/1 | 0.0% |" in stdout
    assert "| error, kind number | recall (unsupported or contradicted) | 2/3 | 66.7% |" in stdout
    assert "| error, all | recall (unsupported or contradicted) | 2/4 | 50.0% |" in stdout
    assert "| disputed | marked disputed | 1/2 | 50.0% |" in stdout
    assert "| faithful | false alarms (any issue) | 1/2 | 50.0% |" in stdout
    # the figures follow the score table
    assert stdout.index("| **mean** (9)") < stdout.index("Detection on labelled rows")


def test_figures_need_labels_and_an_issue_metric(capsys, inputs, tmp_path):
    figures = tmp_path / "figures.json"
    status, _, stderr = run(capsys, inputs, "--clusters", CLUSTERS, "--figures", figures)
    assert status == 2 and "--figures needs labelled rows" in error_of(stderr)
    labelled = write_jsonl(tmp_path / "l.jsonl", [{**LABELLED[0], "cluster_id": "quake"}])
    status, _, stderr = run(capsys, labelled, "--clusters", CLUSTERS, "--figures", figures, ROUGE)
    assert status == 2 and "--figures needs a metric that reports issues" in error_of(stderr)
    assert not figures.exists() and not labelled.with_suffix(".scores.jsonl").exists()
    # without --figures the labelled rows are scored, with a warning instead of figures
    status, stdout, stderr = run(capsys, labelled, "--clusters", CLUSTERS, ROUGE)
    assert status == 0 and "no detection figures" in stderr and "Detection" not in stdout


# --------------------------------------------------------------------------- usage and config


def test_refuses_to_overwrite_the_input(capsys, inputs, tmp_path):
    before = inputs.read_bytes()
    for option in ("--output", "--explain", "--figures"):
        status, _, stderr = run(capsys, inputs, "--clusters", CLUSTERS, option, inputs)
        assert status == 2
        assert (
            stderr
            == f"bench-score: error: refusing to overwrite the input {inputs} with {option}\n"
        )
    status, _, stderr = run(capsys, inputs, "--clusters", CLUSTERS, "--output", CLUSTERS)
    assert status == 2 and "refusing to overwrite the clusters file" in error_of(stderr)
    out = tmp_path / "o.jsonl"
    status, _, stderr = run(
        capsys, inputs, "--clusters", CLUSTERS, "--output", out, "--explain", out
    )
    assert status == 2 and "--output and --explain name the same file" in error_of(stderr)
    assert inputs.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outputs.jsonl"]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("metrics=[nope]", "unknown metrics 'nope'; available: "),
        ("dataset=nope", "unknown dataset 'nope'; available: duc, jsonl, local"),
        ("no_such_key=1", "Could not override 'no_such_key'"),
        ("metrics=[]", "no metrics selected"),
        ("metrics.rouge.multi_ref=best", "invalid metric 'rouge' configuration"),
        ("metrics=[rouge,rouge155]", "metrics 'rouge' and 'rouge155' both produce 'rouge1_p'"),
    ],
)
def test_configuration_errors(capsys, inputs, override, message):
    status, _, stderr = run(capsys, inputs, "--clusters", CLUSTERS, override)
    assert status == 2
    assert message in error_of(stderr)
    assert not inputs.with_suffix(".scores.jsonl").exists()


def test_ignored_groups_are_reported(capsys, inputs):
    status, _, stderr = run(capsys, inputs, "--clusters", CLUSTERS, ROUGE, "budget=words250")
    assert status == 0 and "ignored by bench-score (no summarizer runs): budget" in stderr


def test_unknown_option_is_a_one_line_error(capsys, inputs):
    status, _, stderr = run(capsys, inputs, "--nope")
    assert status == 2 and stderr == "bench-score: error: unrecognized arguments: --nope\n"


def test_entry_point(tmp_path):
    script = Path(sys.executable).parent / "bench-score"
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [{"id": "a", "cluster_id": "vote", "summary": VOTE, "label": "faithful"}],
    )
    done = subprocess.run(
        [str(script), str(path), "--clusters", str(CLUSTERS), "metrics=[rouge]"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "| a | vote |" in done.stdout
    (row,) = read_rows(path.with_suffix(".scores.jsonl"))
    assert row["label"] == "faithful" and 0 < row["scores"]["rouge1_f"] <= 1
    bad = subprocess.run(
        [str(script), str(path), "--clusters", str(CLUSTERS), "metrics=[nope]"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert error_of(bad.stderr).startswith("bench-score: error: unknown metrics 'nope'")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "a\\ud800", "cluster_id": "c", "summary": "S."}', "not valid Unicode"),
        ('{"id": "a", "cluster_id": "c", "summary": "S.", "x": NaN}', "NaN is not valid JSON"),
        ("[" * 100000 + "]" * 100000, "nested too deeply"),
    ],
)
def test_lines_that_parse_but_cannot_be_written_back_are_refused(tmp_path, line, message):
    from bench.data.io import parse_json_line
    from bench.errors import BenchError

    with pytest.raises(BenchError, match=message):
        parse_json_line(line, "f:1")


def test_clusters_file_documents_get_the_same_size_limit_as_datasets(tmp_path):
    from bench.errors import BenchError
    from bench.preprocess.clean import Cleaner, CleaningConfig

    entry = {"doc_id": "d1", "text": "Mattis visited Islamabad on Monday. " * 3}
    path = write_jsonl(tmp_path / "clusters.jsonl", [{"cluster_id": "c", "documents": [entry]}])
    cleaner = Cleaner(CleaningConfig(max_document_chars=20))
    with pytest.raises(BenchError, match=r"'d1' \(.*clusters.jsonl:1\) has 108 characters"):
        read_clusters(path, cleaner)
    (doc,) = read_clusters(path, Cleaner())["c"].documents
    assert doc.sentences == ("Mattis visited Islamabad on Monday.",) * 3
    assert doc.raw_text == entry["text"]
