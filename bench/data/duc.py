"""DUC-style clusters: a folder per topic of TREC SGML files, plus a folder of model summaries.

Layout (as distributed by NIST for DUC 2001-2007, e.g. DUC 2004 tasks 1 and 2)::

    <root>/d30001t/APW19981016.0240        <DOC><DOCNO> ... </DOCNO> ... <TEXT> ... </TEXT></DOC>
    <root>/d30001t/NYT19981016.0357        (a file may hold several <DOC> elements)
    <summaries_dir>/D30001.M.100.T.A       model (human) summary: <topic>.M.<length>.<x>.<assessor>

A summary belongs to a topic when its first dot-separated part equals the topic folder name, or
the folder name without its trailing selector letter (``d30001t`` -> ``d30001``), ignoring case.
The last-but-one parts are the length in words and the assessor letter; the assessor becomes the
reference's author and the file name its id. Paragraphs are the ``<P>`` elements when there are
any, else blank-line or indentation separated blocks with hard-wrapped lines rejoined. Files are
read as UTF-8, falling back to latin-1 (DUC predates UTF-8); every fallback is listed in the
signature. See ``docs/datasets.md``.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.data.clusters import build_document, check_id, digest_cluster, document_features
from bench.data.hub import check_limit_seed, merge_fields, select_indices
from bench.data.io import read_bytes
from bench.data.references import make_reference
from bench.errors import BenchError
from bench.preprocess.clean import Cleaner
from bench.preprocess.text import collapse_ws, splitter_signature
from bench.types import Cluster, Document, Reference

log = logging.getLogger(__name__)

DEFAULT_FIELDS: dict[str, str | None] = {"doc_id": "DOCNO", "title": "HEADLINE", "text": "TEXT"}
_DOC_RE = re.compile(r"<DOC>(.*?)</DOC>", re.IGNORECASE | re.DOTALL)
_P_RE = re.compile(r"<P\b[^>]*>(.*?)(?=</P>|<P\b|\Z)", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<[^>]+>")
_TOPIC_LETTER_RE = re.compile(r"^([a-z]*\d+)[a-z]$")


def _element(body: str, tag: str) -> list[str]:
    pattern = rf"<{re.escape(tag)}\b[^>]*>(.*?)</{re.escape(tag)}\s*>"
    return re.findall(pattern, body, re.IGNORECASE | re.DOTALL)


def text_paragraphs(text: str) -> list[str]:
    """The paragraphs of a ``<TEXT>`` body, each collapsed to one line."""
    if re.search(r"<P\b", text, re.IGNORECASE):
        parts = _P_RE.findall(text)
    else:
        lines = _TAG_RE.sub(" ", text).splitlines()
        content = [line for line in lines if line.strip()]
        indented = [line[:1].isspace() for line in content]
        # Indentation marks paragraph starts only when some lines are indented and some not;
        # otherwise blank lines are the only paragraph breaks.
        by_indent = any(indented) and not all(indented)
        parts, current = [], []
        for line in lines:
            if not line.strip() or (by_indent and line[:1].isspace() and current):
                if current:
                    parts.append(" ".join(current))
                current = [line] if line.strip() else []
            else:
                current.append(line)
        if current:
            parts.append(" ".join(current))
    out = [collapse_ws(html.unescape(_TAG_RE.sub(" ", p))) for p in parts]
    return [p for p in out if p]


def read_fallback(path: Path, what: str) -> tuple[str, str]:
    """Text of ``path`` and the encoding used: UTF-8, else latin-1."""
    data = read_bytes(path, what)
    if b"\x00" in data:
        raise BenchError(f"{what} {path} is a binary file (contains NUL bytes), not text")
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "latin-1"
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise BenchError(f"{what} {path} is empty")
    return text, encoding


def parse_trec(text: str, where: str, fields: Mapping[str, str | None]) -> list[dict[str, str]]:
    """Every ``<DOC>`` of one file as ``{"doc_id", "title", "raw_text"}``."""
    bodies = _DOC_RE.findall(text)
    if not bodies:
        raise BenchError(f"{where}: no <DOC>...</DOC> element")
    out = []
    for k, body in enumerate(bodies, start=1):
        at = f"{where} <DOC> #{k}"
        ids = _element(body, str(fields["doc_id"]))
        if not ids or not collapse_ws(ids[0]):
            raise BenchError(f"{at}: no <{fields['doc_id']}>")
        try:
            doc_id = check_id(collapse_ws(ids[0]), "document id")
        except BenchError as exc:
            raise BenchError(f"{at}: {exc}") from None
        title = ""
        if fields["title"]:
            titles = _element(body, fields["title"])
            title = collapse_ws(html.unescape(_TAG_RE.sub(" ", titles[0]))) if titles else ""
        texts = _element(body, str(fields["text"]))
        if not texts:
            raise BenchError(f"{at} ({doc_id}): no <{fields['text']}>")
        paragraphs = [p for t in texts for p in text_paragraphs(t)]
        out.append({"doc_id": doc_id, "title": title, "raw_text": "\n".join(paragraphs)})
    return out


def topic_keys(folder_name: str) -> set[str]:
    """Names a summary may use for a topic folder: itself, and without the selector letter."""
    key = folder_name.lower()
    match = _TOPIC_LETTER_RE.match(key)
    return {key, match.group(1)} if match else {key}


class DucClusters:
    """DUC/TREC topic folders under ``root`` with model summaries in ``summaries_dir``."""

    def __init__(
        self,
        root: str,
        summaries_dir: str | None = None,
        name: str = "duc",
        split: str = "test",
        topics: Sequence[str] | None = None,
        limit: int | None = None,
        seed: int | None = None,
        fields: Mapping[str, str | None] | None = None,
        summary_length: int | None = None,
        empty_documents: str = "error",
        require_references: bool = True,
    ) -> None:
        """Validate the settings; nothing is read until :meth:`load`."""
        check_limit_seed(limit, seed, empty_documents)
        if summary_length is not None and (
            isinstance(summary_length, bool) or not isinstance(summary_length, int)
        ):
            raise ValueError(
                f"dataset.summary_length must be an integer or null, got {summary_length!r}"
            )
        self.fields = merge_fields(DEFAULT_FIELDS, fields)
        for key in ("doc_id", "text"):
            if not self.fields[key]:
                raise ValueError(f"dataset.fields.{key} is required for the duc format")
        if isinstance(topics, str):
            topics = [topics]
        self.name = name
        self.root = Path(root)
        self.summaries_dir = Path(summaries_dir) if summaries_dir else None
        self.split = split
        self.topics = list(topics) if topics else None
        self.limit = limit
        self.seed = seed
        self.summary_length = summary_length
        self.empty_documents = empty_documents
        self.require_references = require_references
        self._digest = ""
        self._latin1: list[str] = []
        self._dropped = 0

    def _topic_dirs(self) -> list[Path]:
        if not self.root.is_dir():
            raise BenchError(f"DUC document folder not found: {self.root}")
        dirs = sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
        if self.topics is not None:
            by_key = {p.name.lower(): p for p in dirs}
            missing = [t for t in self.topics if t.lower() not in by_key]
            if missing:
                raise BenchError(
                    f"DUC topic folder(s) not found under {self.root}: {', '.join(missing)}"
                )
            dirs = [by_key[t.lower()] for t in self.topics]
        if not dirs:
            raise BenchError(f"no topic folders under {self.root}")
        return [dirs[i] for i in select_indices(len(dirs), self.limit, self.seed)]

    def _read(self, path: Path, what: str) -> str:
        text, encoding = read_fallback(path, what)
        if encoding != "utf-8":
            base = self.root if path.is_relative_to(self.root) else self.summaries_dir
            self._latin1.append(str(path.relative_to(base)) if base else str(path))
        return text

    def _summary_index(self) -> dict[str, list[Path]]:
        """Model summary files keyed by their (lower-cased) topic part."""
        if self.summaries_dir is None:
            return {}
        if not self.summaries_dir.is_dir():
            raise BenchError(f"DUC summary folder not found: {self.summaries_dir}")
        index: dict[str, list[Path]] = {}
        for path in sorted(p for p in self.summaries_dir.rglob("*") if p.is_file()):
            parts = path.name.split(".")
            if len(parts) < 5 or parts[1].upper() != "M" or not parts[2].isdigit():
                log.debug("not a DUC model summary name, skipped: %s", path)
                continue
            if self.summary_length is not None and int(parts[2]) != self.summary_length:
                continue
            index.setdefault(parts[0].lower(), []).append(path)
        return index

    def _references(self, cid: str, files: list[Path]) -> tuple[Reference, ...]:
        refs: list[Reference] = []
        for path in files:
            text = self._read(path, f"model summary of {cid!r}")
            lines = [_TAG_RE.sub(" ", line) for line in html.unescape(text).splitlines()]
            ref_id = check_id(path.name, "reference id")
            refs.append(
                make_reference(ref_id, path.name.split(".")[4], "\n".join(lines), str(path))
            )
        return tuple(refs)

    def load(self, cleaner: Cleaner) -> list[Cluster]:
        """Read every selected topic into typed records."""
        from datasets import Dataset

        self._latin1, self._dropped = [], 0
        summaries = self._summary_index()
        rows: list[dict[str, Any]] = []
        topic_ids: list[tuple[str, Path]] = []
        for folder in self._topic_dirs():
            cid = check_id(folder.name, "cluster id")
            topic_ids.append((cid, folder))
            files = sorted(
                p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
            )
            if not files:
                raise BenchError(f"DUC topic folder {folder} holds no files")
            seen: set[str] = set()
            for path in files:
                for doc in parse_trec(self._read(path, "DUC document"), str(path), self.fields):
                    if doc["doc_id"] in seen:
                        raise BenchError(
                            f"{path}: duplicate {self.fields['doc_id']} "
                            f"{doc['doc_id']!r} in topic {cid!r}"
                        )
                    seen.add(doc["doc_id"])
                    rows.append({"cluster_id": cid, "file": str(path), **doc})
        table = Dataset.from_list(rows, features=document_features("file"))
        by_cluster: dict[str, list[Document]] = {cid: [] for cid, _ in topic_ids}
        for row in table:
            doc = build_document(cleaner, row["doc_id"], row["title"], row["raw_text"], row["file"])
            if doc is None:
                if self.empty_documents == "drop":
                    self._dropped += 1
                    continue
                raise BenchError(
                    f"{row['file']}: document {row['doc_id']!r} of topic "
                    f"{row['cluster_id']!r} has no text left after cleaning"
                )
            by_cluster[row["cluster_id"]].append(doc)
        digest = hashlib.sha256()
        out = []
        for cid, folder in topic_ids:
            files = sorted({p for key in topic_keys(cid) for p in summaries.get(key, [])})
            if self.require_references and not files:
                where = self.summaries_dir or "dataset.summaries_dir (unset)"
                raise BenchError(f"no model summaries for topic {cid!r} in {where}")
            if not by_cluster[cid]:
                raise BenchError(f"DUC topic {cid!r} ({folder}) has no documents")
            cluster = Cluster(
                cid, tuple(by_cluster[cid]), self._references(cid, files), {"source": str(folder)}
            )
            digest_cluster(digest, cluster)
            out.append(cluster)
        self._digest = digest.hexdigest()[:16]
        if self._latin1:
            log.warning("%d DUC files were not UTF-8 and were read as latin-1", len(self._latin1))
        log.info("loaded %d DUC topics, %d documents from %s", len(out), len(rows), self.root)
        return out

    def signature(self) -> dict[str, str]:
        """Selection, summary filter, encoding fallbacks, content digest and splitter."""
        return {
            "name": self.name,
            "format": "duc",
            "split": self.split,
            "topics": ",".join(self.topics) if self.topics else "all",
            "limit": str(self.limit),
            "seed": str(self.seed),
            "fields": json.dumps(self.fields, sort_keys=True),
            "summary_length": str(self.summary_length),
            "empty_documents": self.empty_documents,
            "dropped_documents": str(self._dropped),
            "latin1_fallback": ",".join(sorted(self._latin1)) or "none",
            "content_sha256": self._digest or "unloaded",
            "splitter": splitter_signature(),
        }
