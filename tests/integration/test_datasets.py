"""Dataset configs for real MDS test sets: jsonl, multi_news, wcep and duc, built in tmp_path."""

from __future__ import annotations

import gzip
import json

import pytest
from hydra.utils import instantiate

from bench.data.clusters import ClusterSource
from bench.data.duc import DucClusters, text_paragraphs
from bench.data.hub import JsonlClusters, MultiNewsClusters, WcepClusters, select_indices
from bench.errors import BenchError
from bench.fileio import read_jsonl
from bench.preprocess.clean import Cleaner
from bench.run import run
from bench.types import Cluster


def _doc(n: int, topic: str) -> str:
    return (
        f"The {topic} story number {n} begins with a full sentence. "
        f"Officials said the {topic} event drew a large crowd on Monday.\n"
        f"A second paragraph adds more detail about {topic} for readers."
    )


def _jsonl_rows(n: int = 3) -> list[dict]:
    return [
        {
            "cluster_id": f"c{i}",
            "documents": [
                {"doc_id": "a", "title": f"Title {i}", "text": _doc(1, f"topic{i}")},
                {"doc_id": "b", "text": _doc(2, f"topic{i}")},
            ],
            "references": [
                {"ref_id": "r1", "author": "ann", "text": f"Topic{i} drew a crowd. It was big."},
                {"ref_id": "r2", "text": f"A crowd came for topic{i} on Monday."},
            ],
        }
        for i in range(1, n + 1)
    ]


def _write_jsonl(path, rows, gz: bool = False) -> str:
    text = "".join(json.dumps(r) + "\n" for r in rows)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def _build(compose_run, *overrides):
    cfg = compose_run(*overrides)
    source = instantiate(cfg.dataset, _convert_="all")
    assert isinstance(source, ClusterSource)
    return source, source.load(Cleaner())


def _cache(tmp_path) -> str:
    return f"dataset.cache_dir={tmp_path / 'hf-cache'}"


# -- jsonl -------------------------------------------------------------------------------------


@pytest.fixture
def jsonl_file(tmp_path):
    return _write_jsonl(tmp_path / "clusters.jsonl", _jsonl_rows())


def test_jsonl_config_loads_typed_clusters(compose_run, tmp_path, jsonl_file):
    source, clusters = _build(
        compose_run, "dataset=jsonl", f"dataset.path={jsonl_file}", _cache(tmp_path)
    )
    assert [c.cluster_id for c in clusters] == ["c1", "c2", "c3"]
    c1 = clusters[0]
    assert isinstance(c1, Cluster)
    assert [d.doc_id for d in c1.documents] == ["a", "b"]
    assert c1.documents[0].title == "Title 1" and c1.documents[1].title == ""
    assert c1.documents[0].sentences == (
        "The topic1 story number 1 begins with a full sentence.",
        "Officials said the topic1 event drew a large crowd on Monday.",
        "A second paragraph adds more detail about topic1 for readers.",
    )
    assert c1.documents[0].text.count("\n") == 1  # two paragraphs
    assert [(r.ref_id, r.author) for r in c1.references] == [("r1", "ann"), ("r2", "")]
    assert c1.references[0].text == "Topic1 drew a crowd.\nIt was big."
    sig = source.signature()
    assert sig["format"] == "jsonl" and sig["content_sha256"] != "unloaded"
    assert sig["splitter"].startswith("pysbd")


def test_jsonl_digest_tracks_content(compose_run, tmp_path):
    rows = _jsonl_rows()
    a = _write_jsonl(tmp_path / "a.jsonl", rows)
    rows[2]["references"][0]["text"] = "Something else entirely happened."
    b = _write_jsonl(tmp_path / "b.jsonl", rows)
    sigs = [
        _build(compose_run, "dataset=jsonl", f"dataset.path={p}", _cache(tmp_path))[0].signature()
        for p in (a, a, b)
    ]
    assert sigs[0]["content_sha256"] == sigs[1]["content_sha256"] != sigs[2]["content_sha256"]


@pytest.mark.parametrize(
    ("limit", "seed", "expected"),
    [(2, None, ["c1", "c2"]), (None, None, ["c1", "c2", "c3", "c4", "c5"]), (9, 3, None)],
)
def test_limit_takes_the_first_clusters(compose_run, tmp_path, limit, seed, expected):
    path = _write_jsonl(tmp_path / "c.jsonl", _jsonl_rows(5))
    overrides = [f"dataset.limit={'null' if limit is None else limit}"]
    overrides.append(f"dataset.seed={'null' if seed is None else seed}")
    _, clusters = _build(
        compose_run, "dataset=jsonl", f"dataset.path={path}", _cache(tmp_path), *overrides
    )
    ids = [c.cluster_id for c in clusters]
    assert ids == (expected or ["c1", "c2", "c3", "c4", "c5"])


def test_seeded_sampling_is_reproducible_and_depends_on_the_seed(compose_run, tmp_path):
    path = _write_jsonl(tmp_path / "c.jsonl", _jsonl_rows(8))

    def ids(seed):
        _, clusters = _build(
            compose_run,
            "dataset=jsonl",
            f"dataset.path={path}",
            _cache(tmp_path),
            "dataset.limit=3",
            f"dataset.seed={seed}",
        )
        return [c.cluster_id for c in clusters]

    assert ids(0) == ids(0)
    assert len(set(ids(0))) == 3
    assert {tuple(ids(s)) for s in range(6)} != {tuple(ids(0))}
    assert ids(0) == [f"c{i + 1}" for i in select_indices(8, 3, 0)]
    assert ids(0) == sorted(ids(0), key=lambda c: int(c[1:]))  # input order kept


def test_jsonl_field_mapping(compose_run, tmp_path):
    rows = [
        {
            "id": r["cluster_id"],
            "docs": [{"name": d["doc_id"], "body": d["text"]} for d in r["documents"]],
            "summaries": [{"name": s["ref_id"], "summary": s["text"]} for s in r["references"]],
        }
        for r in _jsonl_rows(2)
    ]
    path = _write_jsonl(tmp_path / "renamed.jsonl", rows)
    mapping = {
        "cluster_id": "id",
        "documents": "docs",
        "doc_id": "name",
        "text": "body",
        "references": "summaries",
        "ref_id": "name",
        "ref_text": "summary",
    }
    fields = [f"dataset.fields.{k}={v}" for k, v in mapping.items()]
    source, clusters = _build(
        compose_run, "dataset=jsonl", f"dataset.path={path}", _cache(tmp_path), *fields
    )
    assert [c.cluster_id for c in clusters] == ["c1", "c2"]
    assert [d.doc_id for d in clusters[0].documents] == ["a", "b"]
    assert [r.ref_id for r in clusters[0].references] == ["r1", "r2"]
    assert json.loads(source.signature()["fields"])["documents"] == "docs"


def test_unknown_field_key_is_rejected():
    with pytest.raises(ValueError, match="unknown dataset.fields key 'body'.*allowed"):
        JsonlClusters(path="x.jsonl", fields={"body": "text"})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit": 0}, "dataset.limit must be an integer >= 1"),
        ({"seed": -1}, "dataset.seed must be an integer >= 0"),
        ({"empty_documents": "skip"}, "dataset.empty_documents must be one of"),
    ],
)
def test_invalid_options_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        JsonlClusters(path="x.jsonl", **kwargs)


def _bad(rows):
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


GOOD = _jsonl_rows(1)[0]


def _with(**changes):
    row = json.loads(json.dumps(GOOD))
    row.update(changes)
    return row


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_bad([GOOD, "{not json"]), r"bad\.jsonl:2: not valid JSON"),
        (_bad(["[1, 2]"]), r"bad\.jsonl:1: each line must be a JSON object"),
        (_bad([{"documents": GOOD["documents"]}]), r"bad\.jsonl:1: missing field 'cluster_id'"),
        (_bad([_with(cluster_id="../x")]), r"bad\.jsonl:1: invalid cluster id"),
        (_bad([_with(documents=[])]), r"bad\.jsonl:1: field 'documents' lists no documents"),
        (_bad([_with(documents="text")]), r"bad\.jsonl:1: field 'documents' must be a list"),
        (_bad([_with(documents=[{"doc_id": "a"}])]),
         r"bad\.jsonl:1 documents\[0\]: missing field 'text'"),
        (_bad([_with(documents=[{"doc_id": "a", "text": 5}])]),
         r"documents\[0\]: field 'text' must be a string, got int"),
        (_bad([_with(documents=[{"doc_id": "a", "text": "One. Two."}] * 2)]),
         r"documents\[1\]: duplicate doc_id 'a'"),
        (_bad([GOOD, GOOD]), r"bad\.jsonl:2: duplicate cluster id 'c1'"),
        (_bad([_with(references=[])]), r"bad\.jsonl:1: cluster 'c1' has no references"),
        (_bad([_with(references=[{"ref_id": "r", "text": "Short"}])]), "fewer than 2 words"),
        (_bad([_with(documents=[{"doc_id": "a", "text": "Show More\n\nClose"}])]),
         r"bad\.jsonl:1: document 'a' of cluster 'c1' has no text left after cleaning"),
        ("\n\n", "has no rows"),
        (b"\xff\xfe bad bytes", "not valid UTF-8"),
    ],
)  # fmt: skip
def test_malformed_jsonl_gives_a_one_line_error(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    source = JsonlClusters(path=str(path), cache_dir=str(tmp_path / "hf"))
    with pytest.raises(BenchError, match=message) as info:
        source.load(Cleaner())
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (["missing.jsonl"], "dataset file not found"),
        (["*.nothing.jsonl"], "matches no file"),
        (["clusters.txt"], "must end in .jsonl"),
    ],
)
def test_bad_data_files_are_reported(tmp_path, files, message):
    (tmp_path / "clusters.txt").write_text("x", encoding="utf-8")
    source = JsonlClusters(path=[str(tmp_path / f) for f in files])
    with pytest.raises(BenchError, match=message):
        source.load(Cleaner())


def test_jsonl_without_a_path_says_how_to_give_one(compose_run):
    with pytest.raises(BenchError, match=r"set dataset\.path="):
        JsonlClusters().load(Cleaner())


def test_end_to_end_run_on_the_jsonl_fixture(compose_run, tmp_path, jsonl_file):
    cfg = compose_run(
        "dataset=jsonl",
        f"dataset.path={jsonl_file}",
        _cache(tmp_path),
        "summarizer=lead",
        "metrics=[rouge]",
    )
    record = run(cfg, tmp_path / "out")
    rows = read_jsonl(tmp_path / "out" / "scores.jsonl")
    assert [r["cluster_id"] for r in rows] == ["c1", "c2", "c3"]
    assert all(0.0 < r["scores"]["rouge1_f"] <= 1.0 for r in rows)
    assert record["dataset_signature"]["format"] == "jsonl"


# -- multi_news --------------------------------------------------------------------------------

MULTI_NEWS = [
    {
        "document": f"{_doc(1, f'mn{i}')} |||||  Article two starts here. NEWLINE_CHAR "
        f"NEWLINE_CHAR Its second paragraph is about mn{i}. ||||| ",
        "summary": f"\u2013 The mn{i} summary says a crowd came. It was large.",
    }
    for i in range(3)
]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_multi_news_local_copy_splits_documents_and_strips_the_dash(compose_run, tmp_path, fmt):
    if fmt == "jsonl":
        path = _write_jsonl(tmp_path / "test.jsonl", MULTI_NEWS)
    else:
        from datasets import Dataset

        path = str(tmp_path / "test.parquet")
        Dataset.from_list(MULTI_NEWS).to_parquet(path)
    source, clusters = _build(
        compose_run, "dataset=multi_news", f"dataset.data_files={path}", _cache(tmp_path)
    )
    assert [c.cluster_id for c in clusters] == ["test-0", "test-1", "test-2"]
    c0 = clusters[0]
    # the empty segment after the trailing separator is dropped
    assert [d.doc_id for d in c0.documents] == ["d1", "d2"]
    assert c0.documents[0].sentences[0] == "The mn0 story number 1 begins with a full sentence."
    assert c0.documents[1].text == "Article two starts here.\nIts second paragraph is about mn0."
    (ref,) = c0.references
    assert ref.text == "The mn0 summary says a crowd came.\nIt was large."
    assert not ref.text.startswith(("\u2013", "-"))
    sig = source.signature()
    assert sig["dropped_documents"] == "3" and sig["summary_prefix"] == "\u2013 "
    assert sig["source"] == path


def test_multi_news_seeded_limit_keeps_row_ids(compose_run, tmp_path):
    rows = MULTI_NEWS * 3
    path = _write_jsonl(tmp_path / "test.jsonl", rows)
    _, clusters = _build(
        compose_run,
        "dataset=multi_news",
        f"dataset.data_files={path}",
        _cache(tmp_path),
        "dataset.limit=2",
        "dataset.seed=7",
    )
    assert [c.cluster_id for c in clusters] == [f"test-{i}" for i in select_indices(9, 2, 7)]


def test_multi_news_offline_hub_error_says_how_to_supply_files(compose_run, tmp_path):
    source = instantiate(
        compose_run("dataset=multi_news", _cache(tmp_path)).dataset, _convert_="all"
    )
    with pytest.raises(BenchError) as info:
        source.load(Cleaner())
    message = str(info.value)
    assert "\n" not in message
    assert "alexfabbri/multi_news@refs/convert/parquet" in message
    assert "offline" in message and "dataset.data_files=/path/test.parquet" in message


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"summary": "A real summary here."}, r"test\.jsonl:1: missing field 'document'"),
        ({"document": "Text. |||||", "summary": 3}, "field 'summary' must be a string"),
        (
            {"document": " ||||| ", "summary": "A real summary."},
            "cluster 'test-0' has no documents",
        ),
    ],
)
def test_malformed_multi_news_rows(tmp_path, row, message):
    path = _write_jsonl(tmp_path / "test.jsonl", [row])
    source = MultiNewsClusters(data_files=path, cache_dir=str(tmp_path / "hf"))
    with pytest.raises(BenchError, match=message) as info:
        source.load(Cleaner())
    assert "\n" not in str(info.value)


# -- wcep --------------------------------------------------------------------------------------

WCEP = [
    {
        "id": 100 + i,
        "summary": f"Event {i} happened in the capital. Many people watched it.",
        "articles": [
            {"title": f"Headline {i}-{j}", "text": _doc(j, f"event{i}"), "origin": "WCEP"}
            for j in range(4)
        ],
    }
    for i in range(3)
]


def test_wcep_release_format(compose_run, tmp_path):
    path = _write_jsonl(tmp_path / "test.jsonl.gz", WCEP, gz=True)
    source, clusters = _build(
        compose_run,
        "dataset=wcep",
        f"dataset.data_files={path}",
        _cache(tmp_path),
        "dataset.max_articles=3",
    )
    assert [c.cluster_id for c in clusters] == ["100", "101", "102"]
    c = clusters[0]
    assert [d.doc_id for d in c.documents] == ["d1", "d2", "d3"]
    assert c.documents[1].title == "Headline 0-1"
    assert c.references[0].text == "Event 0 happened in the capital.\nMany people watched it."
    assert source.signature()["max_articles"] == "3"


def test_wcep_field_mapping(compose_run, tmp_path):
    rows = [
        {"event": f"e{i}", "target": r["summary"],
         "docs": [{"headline": a["title"], "body": a["text"], "url_id": f"u{j}"}
                  for j, a in enumerate(r["articles"])]}
        for i, r in enumerate(WCEP)
    ]  # fmt: skip
    path = _write_jsonl(tmp_path / "wcep.jsonl", rows)
    mapping = {
        "cluster_id": "event",
        "summary": "target",
        "articles": "docs",
        "title": "headline",
        "text": "body",
        "doc_id": "url_id",
    }
    fields = [f"dataset.fields.{k}={v}" for k, v in mapping.items()]
    _, clusters = _build(
        compose_run,
        "dataset=wcep",
        f"dataset.data_files={path}",
        _cache(tmp_path),
        *fields,
        "dataset.limit=1",
    )
    (c,) = clusters
    assert c.cluster_id == "e0"
    assert [d.doc_id for d in c.documents] == ["u0", "u1", "u2", "u3"]
    assert c.documents[0].title == "Headline 0-0"


def test_wcep_without_files_or_repo_explains(compose_run):
    source = instantiate(compose_run("dataset=wcep").dataset, _convert_="all")
    with pytest.raises(BenchError, match=r"dataset\.data_files=/path/test\.jsonl\.gz"):
        source.load(Cleaner())


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"id": 1, "summary": "Two words."}, r"test\.jsonl:1: missing field 'articles'"),
        ({"id": 1, "summary": "Two words.", "articles": {}}, "field 'articles' must be a list"),
        ({"id": 1, "summary": "Two words.", "articles": []}, "lists no articles"),
        ({"id": 1, "summary": "Two words.", "articles": ["x"]},
         r"articles\[0\] must be an object"),
        ({"id": 1, "summary": "Two words.", "articles": [{"title": "t"}]},
         r"articles\[0\]: missing field 'text'"),
        ({"summary": "Two words.", "articles": [{"text": "A b."}]}, "missing field 'id'"),
    ],
)  # fmt: skip
def test_malformed_wcep_rows(tmp_path, row, message):
    path = _write_jsonl(tmp_path / "test.jsonl", [row])
    with pytest.raises(BenchError, match=message):
        WcepClusters(data_files=path, cache_dir=str(tmp_path / "hf")).load(Cleaner())


# -- duc ---------------------------------------------------------------------------------------

DOC_WITH_P = """<DOC>
<DOCNO> APW19981016.0240 </DOCNO>
<DOCTYPE> NEWS STORY </DOCTYPE>
<BODY>
<HEADLINE> Rain floods the valley </HEADLINE>
<TEXT>
<P>
   Heavy rain flooded the valley on Friday,
   officials said.
</P>
<P>
   Rescue teams reached the villages &amp; farms by boat.
</P>
</TEXT>
</BODY>
</DOC>
<DOC>
<DOCNO> APW19981016.0241 </DOCNO>
<TEXT>
<P>The river rose two metres overnight.</P>
</TEXT>
</DOC>
"""

DOC_WRAPPED = """<DOC>
<DOCNO>NYT19981017.0001</DOCNO>
<HEADLINE>Storm moves north</HEADLINE>
<TEXT>
\tThe storm moved north on Saturday and weakened
over the hills near the border.
\tForecasters expect clear skies by Monday, caf\xe9 owners said.
</TEXT>
</DOC>
"""


def _duc(tmp_path):
    docs, models = tmp_path / "docs", tmp_path / "models"
    (docs / "d30001t").mkdir(parents=True)
    (docs / "d30002t").mkdir(parents=True)
    (docs / "d30001t" / "APW19981016.0240").write_text(DOC_WITH_P, encoding="utf-8")
    (docs / "d30002t" / "NYT19981017.0001").write_bytes(DOC_WRAPPED.encode("latin-1"))
    models.mkdir()
    summaries = {
        "D30001.M.100.T.A": "Rain flooded the valley.\nRescuers used boats.\n",
        "D30001.M.100.T.B": "A valley flooded after heavy rain.\n",
        "D30001.M.200.T.A": "A longer summary of the flood in the valley.\n",
        "D30002.M.100.T.C": "A storm moved north and weakened.\n",
        "README": "not a summary",
    }
    for name, text in summaries.items():
        (models / name).write_text(text, encoding="utf-8")
    return docs, models


def test_duc_folders_load_documents_paragraphs_and_summaries(compose_run, tmp_path):
    docs, models = _duc(tmp_path)
    source, clusters = _build(
        compose_run,
        "dataset=duc",
        f"dataset.root={docs}",
        f"dataset.summaries_dir={models}",
        "dataset.summary_length=100",
    )
    assert [c.cluster_id for c in clusters] == ["d30001t", "d30002t"]
    c1, c2 = clusters
    assert [d.doc_id for d in c1.documents] == ["APW19981016.0240", "APW19981016.0241"]
    first = c1.documents[0]
    assert first.title == "Rain floods the valley"
    assert first.text.split("\n") == [
        "Heavy rain flooded the valley on Friday, officials said.",
        "Rescue teams reached the villages & farms by boat.",
    ]
    assert [(r.ref_id, r.author) for r in c1.references] == [
        ("D30001.M.100.T.A", "A"), ("D30001.M.100.T.B", "B"),
    ]  # fmt: skip
    assert c1.references[0].text == "Rain flooded the valley.\nRescuers used boats."
    (wrapped,) = c2.documents
    assert wrapped.text.split("\n") == [
        "The storm moved north on Saturday and weakened over the hills near the border.",
        "Forecasters expect clear skies by Monday, caf\u00e9 owners said.",
    ]
    assert [r.author for r in c2.references] == ["C"]
    sig = source.signature()
    assert sig["latin1_fallback"] == "d30002t/NYT19981017.0001"
    assert sig["summary_length"] == "100" and sig["content_sha256"] != "unloaded"


def test_duc_all_lengths_topics_and_limit(tmp_path):
    docs, models = _duc(tmp_path)
    (c1,) = DucClusters(str(docs), str(models), topics=["D30001T"]).load(Cleaner())
    assert len(c1.references) == 3
    (only,) = DucClusters(str(docs), str(models), limit=1).load(Cleaner())
    assert only.cluster_id == "d30001t"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<P>One two.</P><P>Three\nfour.</P>", ["One two.", "Three four."]),
        ("<p>Unclosed one.<p>Unclosed two.", ["Unclosed one.", "Unclosed two."]),
        ("Line one wraps\nhere.\n\nNext block.", ["Line one wraps here.", "Next block."]),
        ("  All lines\n  are indented.", ["All lines are indented."]),
        ("\tIndented starts\nwrap.\n\tSecond.", ["Indented starts wrap.", "Second."]),
    ],
)
def test_duc_text_paragraphs(text, expected):
    assert text_paragraphs(text) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"no sgml here", "no <DOC>...</DOC> element"),
        (b"<DOC><TEXT>Body text.</TEXT></DOC>", "no <DOCNO>"),
        (b"<DOC><DOCNO>X1</DOCNO></DOC>", r"\(X1\): no <TEXT>"),
        (b"<DOC><DOCNO>X1</DOCNO><TEXT>A b.</TEXT></DOC><DOC><DOCNO>X1</DOCNO><TEXT>C d.</TEXT>"
         b"</DOC>", "duplicate DOCNO 'X1'"),
        (b"", "is empty"),
        (b"\x00\x01", "binary file"),
        (b"<DOC><DOCNO>X1</DOCNO><TEXT>Show More</TEXT></DOC>", "no text left after cleaning"),
    ],
)  # fmt: skip
def test_malformed_duc_files(tmp_path, content, message):
    docs, models = _duc(tmp_path)
    (docs / "d30001t" / "BAD.0001").write_bytes(content)
    with pytest.raises(BenchError, match=message) as info:
        DucClusters(str(docs), str(models)).load(Cleaner())
    assert "\n" not in str(info.value)
    assert "BAD.0001" in str(info.value)


def test_duc_topic_without_summaries_is_an_error(tmp_path):
    docs, models = _duc(tmp_path)
    (models / "D30002.M.100.T.C").unlink()
    with pytest.raises(BenchError, match="no model summaries for topic 'd30002t'"):
        DucClusters(str(docs), str(models)).load(Cleaner())


def test_malformed_parquet_row_is_located(tmp_path):
    from datasets import Dataset

    path = tmp_path / "test.parquet"
    Dataset.from_list([{"document": "A sentence here. ||||| Another one here."}]).to_parquet(path)
    source = MultiNewsClusters(data_files=str(path), cache_dir=str(tmp_path / "hf"))
    with pytest.raises(BenchError, match=r"test\.parquet row 1: missing field 'summary'"):
        source.load(Cleaner())
