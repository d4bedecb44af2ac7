"""Summaries produced elsewhere, read from JSONL."""

from __future__ import annotations

import json

import pytest

from bench.budget import Budget
from bench.errors import BenchError
from bench.summarizers.precomputed import Precomputed
from bench.types import Cluster

A, B = Cluster("a", ()), Cluster("b", ())


def _file(tmp_path, *rows, raw=None):
    path = tmp_path / "outputs.jsonl"
    text = raw if raw is not None else "".join(json.dumps(r) + "\n" for r in rows)
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_summaries_come_back_in_cluster_order_one_sentence_per_line(tmp_path):
    path = _file(
        tmp_path,
        {"cluster_id": "b", "summary": "Second one. It has two sentences."},
        {"cluster_id": "a", "summary": "First.\nLine two."},
    )
    out = Precomputed(Budget(), path).summarize([A, B])
    assert out == ["First.\nLine two.", "Second one.\nIt has two sentences."]


def test_signature_hashes_the_content_not_the_path(tmp_path):
    row = {"cluster_id": "a", "summary": "S."}
    one = Precomputed(Budget(), _file(tmp_path, row)).signature()
    (tmp_path / "copy").mkdir()
    two = Precomputed(Budget(), _file(tmp_path / "copy", row)).signature()
    assert one == two
    changed = Precomputed(Budget(), _file(tmp_path, row | {"summary": "T."})).signature()
    assert changed["file_sha256"] != one["file_sha256"]


@pytest.mark.parametrize(
    ("rows", "clusters", "message"),
    [
        ([{"cluster_id": "a", "summary": "S."}], [A, B], r"no summary for cluster\(s\) 'b'"),
        (
            [{"cluster_id": "a", "summary": "S."}, {"cluster_id": "zz", "summary": "S."}],
            [A],
            "not in the dataset: 'zz'",
        ),
    ],
)
def test_missing_and_unknown_cluster_ids_are_errors(tmp_path, rows, clusters, message):
    with pytest.raises(BenchError, match=message):
        Precomputed(Budget(), _file(tmp_path, *rows)).summarize(clusters)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('{"cluster_id": "a", "summary": "S."}\n{oops\n', "line 2 is not valid JSON"),
        ('{"cluster_id": "a"}\n', "line 1 is missing 'summary'"),
        ('["a", "S."]\n', "line 1 must be a JSON object"),
        ('{"cluster_id": 3, "summary": "S."}\n', "must be strings"),
        ('{"cluster_id": "a", "summary": "S."}\n' * 2, "duplicate cluster_id 'a'"),
        ("", "is empty"),
    ],
)
def test_malformed_files_are_one_line_errors(tmp_path, raw, message):
    with pytest.raises(BenchError, match=message):
        Precomputed(Budget(), _file(tmp_path, raw=raw))


def test_missing_file_and_non_utf8_file_are_errors(tmp_path):
    with pytest.raises(BenchError, match="not found"):
        Precomputed(Budget(), str(tmp_path / "nope.jsonl"))
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes('{"cluster_id": "a", "summary": "caf\xe9"}\n'.encode("latin-1"))
    with pytest.raises(BenchError, match="not valid UTF-8"):
        Precomputed(Budget(), str(bad))


def test_rows_for_other_clusters_are_accepted_with_allow_extra(tmp_path):
    path = _file(
        tmp_path, {"cluster_id": "a", "summary": "S."}, {"cluster_id": "zz", "summary": "T."}
    )
    assert Precomputed(Budget(), path, allow_extra=True).summarize([A]) == ["S."]
