"""The embedded cluster on disk and the strict cluster loader."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from bench.data.clusters import LocalClusters
from bench.errors import BenchError
from bench.preprocess.clean import Cleaner
from bench.types import Cluster, Document, Reference
from tests.conftest import CLUSTER_DIR, REFERENCE_DIR, SHARED

MANIFEST = json.loads((CLUSTER_DIR / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.skipif(not (SHARED / "articles").is_dir(), reason="../shared/articles not present")
@pytest.mark.parametrize("doc", MANIFEST["documents"], ids=lambda d: d["doc_id"])
def test_articles_are_byte_identical_to_the_shared_copy(doc):
    assert (CLUSTER_DIR / doc["file"]).read_bytes() == (
        SHARED / "articles" / doc["file"]
    ).read_bytes()


@pytest.mark.parametrize("doc", MANIFEST["documents"], ids=lambda d: d["doc_id"])
def test_manifest_checksums_match_the_files(doc):
    assert hashlib.sha256((CLUSTER_DIR / doc["file"]).read_bytes()).hexdigest() == doc["sha256"]


def test_embedded_cluster_loads_into_typed_records(cluster):
    assert isinstance(cluster, Cluster)
    assert cluster.cluster_id == "mattis_pakistan_2017"
    assert [d.doc_id for d in cluster.documents] == [d["doc_id"] for d in MANIFEST["documents"]]
    for doc, entry in zip(cluster.documents, MANIFEST["documents"], strict=True):
        assert isinstance(doc, Document)
        assert doc.title == entry["headline"]
        assert doc.raw_text == (CLUSTER_DIR / entry["file"]).read_text(encoding="utf-8")
        assert doc.text == "\n".join(p for p in doc.text.split("\n"))
        assert len(doc.sentences) >= 9
        assert "Show More" not in doc.text and "Latest News" not in doc.text
    assert len(cluster.references) == 4
    assert all(isinstance(r, Reference) and r.author.startswith("ann-") for r in cluster.references)


def _make_cluster(root, cid="c1", files=None, manifest=None):
    folder = root / cid
    folder.mkdir(parents=True)
    files = files if files is not None else {"a.txt": b"A first sentence. A second one.\n"}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    docs = [{"doc_id": name.split(".")[0], "file": name} for name in files]
    text = manifest if manifest is not None else json.dumps({"cluster_id": cid, "documents": docs})
    (folder / "manifest.json").write_text(text, encoding="utf-8")
    return folder


def _refs(root, cid="c1", text="A reference summary.\n"):
    folder = root / "refs" / cid
    folder.mkdir(parents=True)
    (folder / "r.txt").write_text(text, encoding="utf-8")
    (folder / "manifest.json").write_text(
        json.dumps({"references": [{"ref_id": "r", "author": "x", "file": "r.txt"}]})
    )


def _load(root, **kw):
    return LocalClusters(str(root / "clusters"), str(root / "refs"), **kw).load(Cleaner())


def test_a_tiny_cluster_folder_loads(tmp_path):
    _make_cluster(tmp_path / "clusters")
    _refs(tmp_path)
    (c,) = _load(tmp_path)
    assert c.documents[0].sentences == ("A first sentence.", "A second one.")
    assert c.references[0].text == "A reference summary."


@pytest.mark.parametrize(
    ("files", "manifest", "message"),
    [
        ({"a.txt": b""}, None, "is empty"),
        ({"a.txt": b" \n\n\t"}, None, "is empty"),
        ({"a.txt": b"caf\xe9 au lait."}, None, "not valid UTF-8"),
        ({"a.txt": b"\x00\x01\x02binary"}, None, "binary file"),
        ({"a.txt": b"Fine."}, "{not json", "not valid JSON"),
        ({"a.txt": b"Fine."}, '{"cluster_id": "c1", "documents": []}', "has no documents"),
        ({"a.txt": b"Fine."}, '{"cluster_id": "c1"}', "missing 'documents'"),
        ({"a.txt": b"Fine."}, '{"cluster_id": "../../x", "documents": [{"doc_id": "a", '
                              '"file": "a.txt"}]}', "invalid cluster id"),
        ({"a.txt": b"Fine."}, '{"cluster_id": "c1", "documents": [{"doc_id": "a", "file": '
                              '"a.txt"}, {"doc_id": "a", "file": "a.txt"}]}', "duplicate doc_id"),
        ({"a.txt": b"Fine."}, '{"cluster_id": "c1", "documents": [{"doc_id": "a", "file": '
                              '"../../etc/passwd"}]}', "outside the folder"),
        ({"a.txt": b"Fine."}, '{"cluster_id": "c1", "documents": [{"doc_id": "a", "file": '
                              '"a.txt", "sha256": "00"}]}', "does not match its manifest sha256"),
        ({"a.txt": b"Show More\n\nClose\n"}, None, "no text left after cleaning"),
    ],
)  # fmt: skip
def test_bad_cluster_input_gives_a_clear_error(tmp_path, files, manifest, message):
    _make_cluster(tmp_path / "clusters", files=files, manifest=manifest)
    _refs(tmp_path)
    with pytest.raises(BenchError, match=message) as info:
        _load(tmp_path)
    assert "\n" not in str(info.value)


def test_missing_cluster_folder_is_an_error(tmp_path):
    with pytest.raises(BenchError, match="cluster folder not found"):
        _load(tmp_path)
    (tmp_path / "clusters").mkdir()
    with pytest.raises(BenchError, match="cluster folder not found"):
        _load(tmp_path, clusters=["nope"])


@pytest.mark.parametrize(
    ("ref_text", "message"),
    [
        (None, "no reference summaries"),
        ("", "is empty"),
        ("Word.", "fewer than 2 words"),
        (b"bad \xff bytes", "not valid UTF-8"),
    ],
)
def test_bad_references_give_a_clear_error(tmp_path, ref_text, message):
    _make_cluster(tmp_path / "clusters")
    if isinstance(ref_text, bytes):
        _refs(tmp_path)
        (tmp_path / "refs" / "c1" / "r.txt").write_bytes(ref_text)
    elif ref_text is not None:
        _refs(tmp_path, text=ref_text)
    with pytest.raises(BenchError, match=message):
        _load(tmp_path)


def test_duplicate_cluster_ids_are_an_error(tmp_path):
    manifest = json.dumps({"cluster_id": "same", "documents": [{"doc_id": "a", "file": "a.txt"}]})
    _make_cluster(tmp_path / "clusters", "one", manifest=manifest)
    _make_cluster(tmp_path / "clusters", "two", manifest=manifest)
    with pytest.raises(BenchError, match="duplicate cluster id 'same'"):
        LocalClusters(str(tmp_path / "clusters"), None).load(Cleaner())


def test_embedded_copy_can_be_loaded_from_elsewhere(tmp_path):
    shutil.copytree(CLUSTER_DIR, tmp_path / "clusters" / "mattis_pakistan_2017")
    source = LocalClusters(str(tmp_path / "clusters"), str(REFERENCE_DIR))
    (c,) = source.load(Cleaner())
    assert len(c.documents) == 5
    assert source.signature()["content_sha256"] != "unloaded"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"ref_id": "r", "author": "x", "file": "../../clusters/c1/a.txt"}, "outside"),
        ({"ref_id": 5, "author": "x", "file": "r.txt"}, "'ref_id' must be a non-empty string"),
        ({"ref_id": "r", "author": "x", "file": ["r.txt"]}, "'file' must be a non-empty string"),
        ({"ref_id": "r", "file": "r.txt"}, "missing 'author'"),
    ],
)
def test_malformed_reference_manifest_entries_are_rejected(tmp_path, entry, message):
    _make_cluster(tmp_path / "clusters")
    _refs(tmp_path)
    (tmp_path / "refs" / "c1" / "manifest.json").write_text(json.dumps({"references": [entry]}))
    with pytest.raises(BenchError, match=message):
        _load(tmp_path)


def test_references_are_nfc_normalised(tmp_path):
    _make_cluster(tmp_path / "clusters")
    _refs(tmp_path, text="Cafe\u0301 society.\n")
    (c,) = _load(tmp_path)
    assert c.references[0].text == "Caf\u00e9 society."


def test_content_digest_covers_references_and_document_boundaries(tmp_path):
    def digest(text_a, text_b, ref):
        root = tmp_path / str(len(list(tmp_path.iterdir())))
        _make_cluster(root / "clusters", files={"a.txt": text_a, "b.txt": text_b})
        _refs(root, text=ref)
        source = LocalClusters(str(root / "clusters"), str(root / "refs"))
        source.load(Cleaner())
        return source.signature()["content_sha256"]

    base = digest(b"One two. Three.", b"Four five.", "A reference summary.")
    assert digest(b"One two. Three.", b"Four five.", "A reference summary.") == base
    assert digest(b"One two. Three.", b"Four five.", "Another reference summary.") != base
    assert digest(b"One two.", b" Three.Four five.", "A reference summary.") != base


def test_a_single_cluster_id_may_be_given_as_a_string(tmp_path):
    _make_cluster(tmp_path / "clusters")
    _refs(tmp_path)
    (c,) = _load(tmp_path, clusters="c1")
    assert c.cluster_id == "c1"
