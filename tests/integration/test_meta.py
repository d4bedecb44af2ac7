"""bench-meta end to end: prepare SummEval, score with bench-score, correlate; bad input."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.meta.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
SUMMEVAL = ROOT.parent / "shared" / "human-judgements" / "summeval_12abstractive.jsonl.gz"


@pytest.fixture(scope="module")
def summeval_subset(tmp_path_factory):
    """The first 20 inputs of the SummEval file (240 summaries), as the file's own format."""
    if not SUMMEVAL.exists():
        pytest.skip("../shared/human-judgements is not beside the clone")
    with gzip.open(SUMMEVAL, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    keep = sorted({r["id"] for r in rows})[:20]
    path = tmp_path_factory.mktemp("summeval") / "subset.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows if r["id"] in keep)
    return path


def test_prepare_score_correlate_on_summeval(summeval_subset, tmp_path, capsys):
    out = tmp_path / "prep"
    assert run_cli(["prepare", "summeval", str(summeval_subset), str(out)]) == 0
    judged = [json.loads(line) for line in (out / "judgements.jsonl").read_text().splitlines()]
    assert len(judged) == 240 and len({j["system"] for j in judged}) == 12
    first = judged[0]
    assert set(first["scores"]) == {"coherence", "consistency", "fluency", "relevance"}
    clusters = [json.loads(line) for line in (out / "clusters.jsonl").read_text().splitlines()]
    assert len(clusters) == 20 and all(len(c["references"]) == 11 for c in clusters)

    subprocess.run(
        [sys.executable, "-m", "bench.score", str(out / "summaries.jsonl"), "--clusters",
         str(out / "clusters.jsonl"), "metrics=[rouge]"],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    scores = out / "summaries.scores.jsonl"
    args = ["correlate", str(out / "judgements.jsonl"), str(scores), "--metrics",
            "rouge1_f,rouge2_f", "--n-samples", "200", "--published", "summeval_table2",
            "--compare", "rouge1_f,rouge2_f", "--out", str(tmp_path / "meta")]  # fmt: skip
    capsys.readouterr()
    assert run_cli(args) == 0
    text = capsys.readouterr().out
    assert "**system-level Kendall τb**" in text and "**summary-level Spearman ρ**" in text
    assert "relevance (published)" in text and "0.4118" in text  # ROUGE-1 relevance, Table 2
    record = json.loads((tmp_path / "meta" / "meta.json").read_text())
    assert record["systems"] == sorted({j["system"] for j in judged})
    system = [r for r in record["correlations"] if r["level"] == "system"]
    assert all(-1 <= r["low"] <= r["value"] <= r["high"] <= 1 for r in system)
    assert {p.name for p in (tmp_path / "meta").iterdir()} >= {
        "meta.md",
        "meta.tex",
        "meta.json",
        "scatter_rouge1_f.png",
        "scatter_rouge2_f.png",
    }
    # same inputs and seed: the same figures
    assert run_cli([*args[:-1], str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "meta.json").read_text().replace(str(tmp_path / "again"), "") == (
        tmp_path / "meta" / "meta.json"
    ).read_text().replace(str(tmp_path / "meta"), "")


def _files(tmp_path: Path) -> tuple[Path, Path]:
    judged = tmp_path / "j.jsonl"
    scores = tmp_path / "s.jsonl"
    rows, score_rows = [], []
    for s, system in enumerate(["a", "b", "c"]):
        for i in range(4):
            rows.append(
                {
                    "id": f"{system}{i}",
                    "system": system,
                    "input": f"x{i}",
                    "faithful": float((s + i) % 2),
                    "split": "dev" if i < 2 else "test",
                }
            )
            score_rows.append({"id": f"{system}{i}", "cluster_id": f"x{i}",
                               "scores": {"m": s + i / 10, "n": float(i)}})  # fmt: skip
    judged.write_text("".join(json.dumps(r) + "\n" for r in rows))
    scores.write_text("".join(json.dumps(r) + "\n" for r in score_rows))
    return judged, scores


def test_binary_labels_get_auc_and_balanced_accuracy_with_a_dev_threshold(tmp_path, capsys):
    judged, scores = _files(tmp_path)
    assert run_cli(["correlate", str(judged), str(scores), "--n-samples", "20"]) == 0
    text = capsys.readouterr().out
    assert "**binary labels**" in text and "| m | faithful |" in text
    binary = text.split("**binary labels**")[1]
    rows = [line.split(" | ") for line in binary.splitlines() if line.startswith("| m ")]
    rows += [line.split(" | ") for line in binary.splitlines() if line.startswith("| n ")]
    # the threshold is chosen on the dev rows and applied to the test rows only
    assert [(r[3], r[6]) for r in rows] == [("test", "dev |"), ("test", "dev |")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda j, s: j.write_text('{"id": "a0", "system": "a", "m": 1}\n'), "'input' must be"),
        (lambda j, s: s.write_text('{"id": "zz", "scores": {"m": 1}}\n'), "have no score row"),
        (lambda j, s: j.write_text("not json\n"), "not valid JSON"),
        (lambda j, s: j.write_text('{"id": "a0", "system": "a", "input": "x", "m": NaN}\n'),
         "NaN is not valid JSON"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, change, message):
    judged, scores = _files(tmp_path)
    change(judged, scores)
    assert run_cli(["correlate", str(judged), str(scores), "--n-samples", "5"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bench-meta: error:") and message in err and err.count("\n") == 1


def test_unknown_options_are_refused(tmp_path, capsys):
    judged, scores = _files(tmp_path)
    for extra, message in ((["--metrics", "nope"], "unknown metric key 'nope'"),
                           (["--levels", "corpus"], "unknown level 'corpus'"),
                           (["--coefficients", "tau"], "unknown coefficient 'tau'")):  # fmt: skip
        assert run_cli(["correlate", str(judged), str(scores), *extra]) == 2
        assert message in capsys.readouterr().err
