"""Sentence splitting on the hard cases of the embedded articles."""

from __future__ import annotations

import pytest

from bench.preprocess.text import count_words, split_sentences


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        pytest.param(
            "Inter-Services Intelligence Director General Lt. Gen. Naveed Mukhtar, Foreign "
            "Minister Khawaja Asif and National Security Adviser Lt Gen (retd) Naseer Khan Janjua "
            "were among those who attended the meeting.",
            1,
            id="lt-gen-and-retd",
        ),
        pytest.param(
            "In a blunt assessment early last week, Gen. John Nicholson, the top USA commander "
            "in Afghanistan, said there have been no changes.",
            1,
            id="gen-john-nicholson",
        ),
        pytest.param(
            'Mattis\' trip aims "to re-affirm the enduring U.S. commitment to partnerships" in '
            "the region, according to a press release by the U.S. Department of Defense.",
            1,
            id="u.s.",
        ),
        pytest.param(
            "His visit comes days after a court ordered the release of 26/11 Mumbai attack "
            "mastermind Hafiz Saeed. The US had last week directed Pakistan to arrest Saeed.",
            2,
            id="26/11",
        ),
        pytest.param(
            "Saeed heads the UN-listed terrorist group Jamaat-ud-Dawa and has a $10 million "
            "United States bounty on his head. He walked free on 24 November.",
            2,
            id="$10-million",
        ),
        pytest.param(
            'Earlier the American defence chief said: "We have heard from Pakistan leaders that '
            "they do not support terrorism. So I expect to see that sort of action reflected in "
            'their policies."',
            1,
            id="sentences-inside-quotes",
        ),
        pytest.param(
            '"Let it come," Major General Asif Ghafoor - the Pakistani military spokesman - had '
            'told reporters. "Even if it comes... Pakistan shall do whatever is best."',
            2,
            id="quote-then-quote",
        ),
    ],
)
def test_hard_cases_split_into_expected_sentences(paragraph, expected):
    sentences = split_sentences([paragraph])
    assert len(sentences) == expected, sentences
    assert " ".join(sentences).split() == paragraph.split()


def test_sentences_never_span_paragraphs():
    assert split_sentences(["First line without stop", "Second line."]) == [
        "First line without stop",
        "Second line.",
    ]


def test_count_words_uses_whitespace_tokens():
    assert count_words("U.S. $10 million, 26/11\nnext") == 5


def test_embedded_cluster_hard_cases_survive_splitting(cluster):
    sentences = [s for d in cluster.documents for s in d.sentences]
    for fragment in (
        "Lt. Gen. Naveed Mukhtar",
        "Gen. John Nicholson",
        "Lt Gen (retd) Naseer",
        "U.S. Ambassador David Hale",
        "26/11 Mumbai",
        "$10 million United States",
    ):
        assert any(fragment in s for s in sentences), fragment
    for s in sentences:
        assert not s.endswith(("Lt.", "Gen.", "U.S", "(retd")), s


@pytest.fixture
def store_path(tmp_path):
    """A split store in use for the test; memory memo cleared before and after."""
    from bench.preprocess import text

    path = tmp_path / "splits.sqlite"
    text._split_paragraph.cache_clear()
    text.use_split_store(path)
    yield path
    text.use_split_store(None)
    text._split_paragraph.cache_clear()


def _paragraphs(cluster):
    return [p for d in cluster.documents for p in d.text.split("\n") if p.strip()]


def test_the_store_returns_exactly_what_pysbd_returns(cluster, store_path):
    from bench.preprocess import text

    paragraphs = _paragraphs(cluster) + ['Lt. Gen. Naveed said "no." Then é ünïcode. Done…']
    fresh = [text._segment(p) for p in paragraphs]
    assert [text._split_paragraph(p) for p in paragraphs] == fresh  # misses, stored
    text.flush_split_store()
    text._split_paragraph.cache_clear()
    store = text.use_split_store(store_path)  # a later process, same file
    assert [text._split_paragraph(p) for p in paragraphs] == fresh
    assert (store.hits, store.misses) == (len(set(paragraphs)), 0)


def test_another_splitter_version_never_reads_the_entries(cluster, store_path, monkeypatch):
    from bench.preprocess import text

    paragraph = _paragraphs(cluster)[0]
    text._split_paragraph(paragraph)
    text.flush_split_store()
    text._split_paragraph.cache_clear()
    text.splitter_signature.cache_clear()
    monkeypatch.setattr(text, "version", lambda name: "9.9.9")
    try:
        store = text.use_split_store(store_path)
        text._split_paragraph(paragraph)
        assert (store.hits, store.misses) == (0, 1)
    finally:
        text.splitter_signature.cache_clear()


def test_a_damaged_store_is_switched_off_and_splitting_goes_on(cluster, tmp_path, caplog):
    from bench.preprocess import text

    path = tmp_path / "splits.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    text._split_paragraph.cache_clear()
    try:
        text.use_split_store(path)
        paragraph = _paragraphs(cluster)[0]
        assert text._split_paragraph(paragraph) == text._segment(paragraph)
        assert "sentence split store" in caplog.text
        assert text._STORE is None
    finally:
        text.use_split_store(None)
        text._split_paragraph.cache_clear()


def test_an_unusable_store_path_is_a_warning_not_an_error(cluster, tmp_path, caplog):
    from bench.preprocess import text

    blocker = tmp_path / "file"
    blocker.write_text("x")
    text._split_paragraph.cache_clear()
    try:
        text.use_split_store(blocker / "splits.sqlite")
        paragraph = _paragraphs(cluster)[0]
        assert text._split_paragraph(paragraph) == text._segment(paragraph)
        text.flush_split_store()
        assert "not written" in caplog.text
        assert text._STORE is None
    finally:
        text.use_split_store(None)
        text._split_paragraph.cache_clear()


def test_nothing_is_written_until_a_flush_and_a_dropped_store_writes_nothing(cluster, tmp_path):
    from bench.preprocess import text

    path = tmp_path / "splits.sqlite"
    text._split_paragraph.cache_clear()
    try:
        text.use_split_store(path)
        text._split_paragraph(_paragraphs(cluster)[0])
        assert not path.exists()  # a run that fails now leaves no cache file
        text.use_split_store(None)
        assert not path.exists()
    finally:
        text._split_paragraph.cache_clear()


@pytest.mark.parametrize("other_cleaning", [False, True])
def test_a_second_run_reads_its_clusters_or_splits_from_the_store(
    compose_run, tmp_path, other_cleaning
):
    """As another process would: the loaded clusters come from the store, or (when the
    cleaning settings differ, so the clusters are loaded again) every paragraph's split."""
    import json

    from bench.memo import clear_all
    from bench.preprocess import text
    from bench.run import run

    cfg = compose_run(f"paths.results_dir={tmp_path}", "metrics=[rouge]")
    counts = []
    for name in ("one", "two"):
        clear_all()
        text._split_paragraph.cache_clear()
        if name == "two" and other_cleaning:
            cfg.cleaning.max_document_chars += 1  # cannot change a result: the key changes
        run(cfg, tmp_path / name)
        counts.append(json.loads((tmp_path / name / "timing.json").read_text())["split_store"])
    text.use_split_store(None)
    assert counts[0]["misses"] > 50 and counts[0]["hits"] == 0
    if other_cleaning:
        assert counts[1] == {"hits": counts[0]["misses"], "misses": 0}
    else:
        assert counts[1] == {"hits": 0, "misses": 0}  # clusters as stored: nothing split
    files = ("scores.jsonl", "summaries.jsonl") + (() if other_cleaning else ("run.json",))
    for file in files:
        assert (tmp_path / "one" / file).read_bytes() == (tmp_path / "two" / file).read_bytes()
