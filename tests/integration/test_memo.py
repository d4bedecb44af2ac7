"""Work done once per sweep (bench.memo): the same clusters as a fresh load, never stale ones."""

from __future__ import annotations

import json
import logging

import pytest

from bench.data.hub import JsonlClusters
from bench.data.synthetic import main as synthesize
from bench.memo import clear_all, load_clusters
from bench.preprocess import text
from bench.preprocess.clean import Cleaner, CleaningConfig


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "clusters.jsonl"
    synthesize([str(path), "--clusters", "3", "--words", "60", "--documents", "2-3"])
    return path


@pytest.fixture
def store(tmp_path):
    yield text.use_split_store(tmp_path / "splits.sqlite")
    text.use_split_store(None)


def _source(path, tmp_path):
    return JsonlClusters(path=str(path), cache_dir=str(tmp_path / "hf"))


def test_kept_clusters_equal_a_fresh_load_and_leave_the_same_signature(data, tmp_path, store):
    first_source = _source(data, tmp_path)
    first = load_clusters(first_source, Cleaner())
    fresh = _source(data, tmp_path).load(Cleaner())
    for attempt in ("memory", "disk"):
        if attempt == "disk":
            text.flush_split_store()
            clear_all()  # as another process would start
        source = _source(data, tmp_path)
        assert source.signature()["content_sha256"] == "unloaded"
        again = load_clusters(source, Cleaner())
        assert again == fresh == first
        assert [c.meta for c in again] == [c.meta for c in fresh]
        assert source.signature() == first_source.signature()


def test_an_edited_file_or_other_cleaning_is_loaded_again(data, tmp_path, store):
    before = load_clusters(_source(data, tmp_path), Cleaner())
    text.flush_split_store()
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    rows[0]["documents"][0]["text"] += "\nA sentence added after the first load."
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    source = _source(data, tmp_path)
    after = load_clusters(source, Cleaner())
    assert after != before
    assert after == _source(data, tmp_path).load(Cleaner())
    assert after[0].documents[0].sentences[-1] == "A sentence added after the first load."
    assert source.signature()["content_sha256"] != "unloaded"
    off = load_clusters(_source(data, tmp_path), Cleaner(CleaningConfig(enabled=False)))
    assert off == _source(data, tmp_path).load(Cleaner(CleaningConfig(enabled=False)))


def test_a_damaged_stored_entry_is_never_used(data, tmp_path, store, caplog):
    import sqlite3

    expected = load_clusters(_source(data, tmp_path), Cleaner())
    text.flush_split_store()
    clear_all()
    db = sqlite3.connect(store.path)
    with db:
        db.execute(f"UPDATE {store.entries} SET value = replace(value, 'd1', 'dX')")
    db.close()
    with caplog.at_level(logging.WARNING):
        assert load_clusters(_source(data, tmp_path), Cleaner()) == expected
    assert "does not match its checksum" in caplog.text


def test_a_source_without_local_files_is_loaded_every_time(monkeypatch):
    calls = []

    class Hub:
        name, path, data_files = "hub", "owner/dataset", None

        def load(self, cleaner):
            calls.append(cleaner)
            return []

    for _ in range(2):
        assert load_clusters(Hub(), Cleaner()) == []
    assert len(calls) == 2


def test_a_rerun_after_an_edit_is_stale_and_recomputed(compose_run, data, tmp_path):
    from bench.run import completed_record, run

    cfg = compose_run(
        "dataset=jsonl", f"dataset.path={data}", f"dataset.cache_dir={tmp_path / 'hf'}",
        f"paths.results_dir={tmp_path}", "metrics=[rouge]",
    )  # fmt: skip
    first = run(cfg, tmp_path / "run")
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    rows[1]["documents"][0]["text"] = "A different article altogether.\nIt has two lines."
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    previous = completed_record(tmp_path / "run", cfg)
    assert previous == first
    second = run(cfg, tmp_path / "run", previous=previous)
    assert second is not previous
    old, new = first["dataset_signature"], second["dataset_signature"]
    assert old["content_sha256"] != new["content_sha256"]
