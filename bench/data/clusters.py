"""Cluster sources: folders of articles with a manifest, loaded through ``datasets``.

A cluster folder holds ``manifest.json``::

    {"cluster_id": "...", "documents": [{"doc_id", "headline", "file", "sha256"?}, ...]}

and the article files exactly as received. Documents are read strictly (UTF-8, non-empty,
checksum when the manifest gives one), gathered into a ``datasets.Dataset`` with explicit
features, cleaned and split, and returned as typed :class:`~bench.types.Cluster` records.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from bench.data.io import file_in_folder, id_value, read_json, read_text, require_keys
from bench.data.references import load_references
from bench.errors import BenchError, check_bool, check_int, check_str
from bench.preprocess.clean import Cleaner
from bench.preprocess.text import split_sentences, splitter_signature
from bench.types import Cluster, Document, Reference

log = logging.getLogger(__name__)

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def check_id(value: str, what: str) -> str:
    """Ids end up in file names: allow letters, digits, ``_ . -`` and no leading dot."""
    if not isinstance(value, str) or not _SAFE_ID.match(value):
        raise BenchError(
            f"invalid {what} {value!r}: use letters, digits, '_', '.', '-' (no leading dot, <= 128)"
        )
    return value


def digest_cluster(digest: Any, cluster: Cluster) -> None:
    """Feed every input that can change a score into ``digest``, with unambiguous framing."""
    import json

    record = {
        "cluster_id": cluster.cluster_id,
        "documents": [[d.doc_id, d.title, d.raw_text] for d in cluster.documents],
        "references": [[r.ref_id, r.author, r.text] for r in cluster.references],
    }
    digest.update(json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def build_document(
    cleaner: Cleaner, doc_id: str, title: str, raw_text: str, where: str = ""
) -> Document | None:
    """Clean and sentence-split one article; None when nothing is left after cleaning.

    ``where`` (a file, a line) names the article in errors.
    """
    limit = cleaner.config.max_document_chars
    if len(raw_text) > limit:
        raise BenchError(
            f"article {doc_id!r}{f' ({where})' if where else ''} has {len(raw_text):,} "
            f"characters, over the limit of {limit:,} (raise it with cleaning.max_document_chars=N)"
        )
    cleaned = cleaner.clean(raw_text, title)
    sentences = tuple(split_sentences(cleaned.paragraphs))
    if not sentences:
        return None
    return Document(
        doc_id=doc_id,
        title=title,
        raw_text=raw_text,
        text=cleaned.text,
        sentences=sentences,
        removed=cleaned.removed,
    )


@runtime_checkable
class ClusterSource(Protocol):
    """Anything that yields clusters."""

    name: str

    def load(self, cleaner: Cleaner) -> list[Cluster]:
        """Read, clean and split every cluster."""
        ...

    def signature(self) -> dict[str, str]:
        """What determines the loaded data."""
        ...


def document_features(*extra: str):  # type: ignore[no-untyped-def]
    """``datasets`` features of one document row (string columns), plus ``extra`` ones."""
    from datasets import Features, Value

    names = ("cluster_id", "doc_id", "title", "raw_text", *extra)
    return Features({name: Value("string") for name in names})


class LocalClusters:
    """Cluster folders under ``root``; ``clusters`` selects some (default: every folder)."""

    def __init__(
        self,
        root: str,
        reference_dir: str | None = None,
        clusters: Sequence[str] | None = None,
        name: str = "local",
        limit: int | None = None,
        require_references: bool = True,
    ) -> None:
        """Validate the settings; nothing is read until :meth:`load`."""
        if limit is not None:
            check_int(limit, "dataset.limit", minimum=1)
        self.name = name
        self.root = Path(check_str(root, "dataset.root"))
        self.reference_dir = Path(reference_dir) if reference_dir else None
        if isinstance(clusters, str):
            clusters = [clusters]
        if clusters is not None and not isinstance(clusters, list | tuple):
            raise ValueError(f"dataset.clusters must be a list of cluster ids, got {clusters!r}")
        self.clusters = [check_id(c, "cluster id") for c in clusters] if clusters else None
        self.limit = limit
        self.require_references = check_bool(require_references, "dataset.require_references")
        self._digest = ""

    def _cluster_dirs(self) -> list[Path]:
        if not self.root.is_dir():
            raise BenchError(f"cluster folder not found: {self.root}")
        if self.clusters is not None:
            dirs = [self.root / c for c in self.clusters]
            for d in dirs:
                if not d.is_dir():
                    raise BenchError(f"cluster folder not found: {d}")
        else:
            dirs = sorted(p for p in self.root.iterdir() if (p / "manifest.json").is_file())
            if not dirs:
                raise BenchError(f"no cluster folders (with manifest.json) under {self.root}")
        return dirs[: self.limit] if self.limit else dirs

    def _read_rows(self, folder: Path) -> list[dict[str, Any]]:
        path = folder / "manifest.json"
        manifest = require_keys(read_json(path, "cluster manifest"), ("documents",), str(path))
        cluster_id = check_id(
            id_value(manifest.get("cluster_id", folder.name), str(path), "cluster_id"), "cluster id"
        )
        docs = manifest["documents"]
        if not isinstance(docs, list) or not docs:
            raise BenchError(f"cluster {cluster_id!r} has no documents ({path})")
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        for i, doc in enumerate(docs):
            where = f"{path} document #{i + 1}"
            require_keys(doc, ("doc_id", "file"), where)
            doc_id = check_id(id_value(doc["doc_id"], where, "doc_id"), "document id")
            if doc_id in seen:
                raise BenchError(f"{where}: duplicate doc_id {doc_id!r}")
            seen.add(doc_id)
            file = file_in_folder(folder, doc["file"], where)
            text = read_text(file, "article")
            expected = doc.get("sha256")
            if expected:
                actual = hashlib.sha256(file.read_bytes()).hexdigest()
                if actual != expected:
                    raise BenchError(f"article {file} does not match its manifest sha256")
            rows.append(
                {
                    "cluster_id": cluster_id,
                    "doc_id": doc_id,
                    "title": str(doc.get("headline") or ""),
                    "raw_text": text,
                    "file": str(file),
                }
            )
        return rows

    def load(self, cleaner: Cleaner) -> list[Cluster]:
        """Read every selected cluster into typed records.

        Plain Python, not ``datasets``: a handful of folders, and importing ``datasets`` alone
        would cost more than a model-free run on the embedded cluster.
        """
        rows: list[dict[str, Any]] = []
        cluster_ids: list[str] = []
        for folder in self._cluster_dirs():
            folder_rows = self._read_rows(folder)
            cid = folder_rows[0]["cluster_id"]
            if cid in cluster_ids:
                raise BenchError(f"duplicate cluster id {cid!r} under {self.root}")
            cluster_ids.append(cid)
            rows.extend(folder_rows)
        digest = hashlib.sha256()
        by_cluster: dict[str, list[Document]] = {cid: [] for cid in cluster_ids}
        for row in rows:
            doc = build_document(cleaner, row["doc_id"], row["title"], row["raw_text"], row["file"])
            if doc is None:
                raise BenchError(
                    f"article {row['doc_id']!r} of cluster {row['cluster_id']!r} has no text "
                    "left after cleaning"
                )
            by_cluster[row["cluster_id"]].append(doc)
        out = []
        for cid in cluster_ids:
            refs: tuple[Reference, ...] = ()
            if self.reference_dir is not None and (
                self.require_references or (self.reference_dir / cid).is_dir()
            ):
                refs = load_references(self.reference_dir, cid)
            cluster = Cluster(cid, tuple(by_cluster[cid]), refs)
            digest_cluster(digest, cluster)
            out.append(cluster)
        self._digest = digest.hexdigest()[:16]
        log.info("loaded %d clusters, %d documents from %s", len(out), len(rows), self.root)
        return out

    def signature(self) -> dict[str, str]:
        """Dataset name, selection, content digest and splitter."""
        return {
            "name": self.name,
            "clusters": ",".join(self.clusters) if self.clusters else "all",
            "limit": str(self.limit),
            "content_sha256": self._digest or "unloaded",
            "splitter": splitter_signature(),
        }
