"""Row-per-cluster datasets (our JSONL, Multi-News, WCEP) read through ``datasets``.

Every source here reads one table in which a row is one cluster, from local files
(``data_files``: JSONL, JSONL.gz or parquet) or from the Hugging Face Hub (``path`` +
``revision``), picks ``limit`` rows (the first ones, or a seeded sample), and turns each row into
a :class:`~bench.types.Cluster` with the same cleaning and sentence splitting as
:class:`~bench.data.clusters.LocalClusters`. Column names are configurable through ``fields``.
Local JSON lines are read directly and checked line by line, so that a bad line is reported as
``file:line``; parquet files and the Hub go through ``datasets``. :class:`JsonlClusters` is also
the reader of ``bench-score --clusters``. See ``docs/datasets.md``.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from bench.data.clusters import build_document, check_id, digest_cluster
from bench.data.io import parse_json_line
from bench.data.references import make_reference
from bench.errors import BenchError, check_bool
from bench.preprocess.clean import Cleaner
from bench.preprocess.text import splitter_signature
from bench.types import Cluster, Document

log = logging.getLogger(__name__)

EMPTY_DOCUMENT_RULES = ("error", "drop")
_JSON_SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz")
_PARQUET_SUFFIXES = (".parquet",)
_TRUE = ("1", "true", "yes", "on")


@dataclass(slots=True)
class RawCluster:
    """One cluster as read from a row, before cleaning: (id, title, text) triples."""

    cluster_id: str
    documents: list[tuple[str, str, str]]
    references: list[tuple[str, str, str]] = field(default_factory=list)
    where: str = ""


def select_indices(n: int, limit: int | None, seed: int | None) -> list[int]:
    """The first ``limit`` of ``n`` items, or ``limit`` drawn with ``seed``, in input order."""
    if limit is None or limit >= n:
        return list(range(n))
    if seed is None:
        return list(range(limit))
    import numpy as np

    rng = np.random.default_rng(seed)
    return sorted(int(i) for i in rng.choice(n, size=limit, replace=False))


def hub_offline() -> bool:
    """Whether the user asked ``datasets``/``huggingface_hub`` to stay offline."""
    return any(
        os.environ.get(var, "").strip().lower() in _TRUE
        for var in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE")
    )


def check_limit_seed(limit: int | None, seed: int | None, empty_documents: str = "error") -> None:
    """Validate the common ``limit``, ``seed`` and ``empty_documents`` options."""
    if empty_documents not in EMPTY_DOCUMENT_RULES:
        raise ValueError(
            f"dataset.empty_documents must be one of {EMPTY_DOCUMENT_RULES}, "
            f"got {empty_documents!r}"
        )
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"dataset.limit must be an integer >= 1 or null, got {limit!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"dataset.seed must be an integer >= 0 or null, got {seed!r}")


def merge_fields(
    defaults: Mapping[str, str | None], fields: Mapping[str, str | None] | None
) -> dict[str, str | None]:
    """Overlay the user's column names on the defaults; unknown keys are an error."""
    out = dict(defaults)
    for key, value in (fields or {}).items():
        if key not in defaults:
            raise ValueError(
                f"unknown dataset.fields key {key!r}; allowed: {', '.join(sorted(defaults))}"
            )
        if value is not None and not isinstance(value, str):
            raise ValueError(f"dataset.fields.{key} must be a column name or null, got {value!r}")
        out[key] = value
    return out


def _text(value: Any, where: str, name: str, required: bool = True) -> str:
    if value is None:
        if required:
            raise BenchError(f"{where}: missing field {name!r}")
        return ""
    if not isinstance(value, str):
        raise BenchError(f"{where}: field {name!r} must be a string, got {type(value).__name__}")
    return value


def _get(row: Mapping[str, Any], column: str | None) -> Any:
    return None if column is None else row.get(column)


def _iter_json_lines(path: Path) -> Any:
    """(line number, object) for every non-blank line; every error names the line."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
            for lineno, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                obj = parse_json_line(line, f"{path}:{lineno}")
                if not isinstance(obj, dict):
                    raise BenchError(
                        f"{path}:{lineno}: each line must be a JSON object, "
                        f"got {type(obj).__name__}"
                    )
                yield lineno, obj
    except UnicodeDecodeError as exc:
        raise BenchError(f"{path} is not valid UTF-8 (byte {exc.start})") from None
    except (OSError, EOFError) as exc:
        raise BenchError(f"cannot read {path}: {exc}") from None


class _JsonRows:
    """The rows of local JSON-lines files, read directly (already checked line by line).

    Only the selected rows are kept: the files are read again by :meth:`select`, so that a
    large file with a small ``limit`` does not hold every row in memory.
    """

    def __init__(self, files: Sequence[Path], n: int) -> None:
        self.files = files
        self.n = n

    def __len__(self) -> int:
        return self.n

    def select(self, indices: Sequence[int]) -> list[dict[str, Any]]:
        """The rows at ``indices`` (in input order), in the order given."""
        wanted = set(indices)
        rows: dict[int, dict[str, Any]] = {}
        i = 0
        for f in self.files:
            for _, obj in _iter_json_lines(f):
                if i in wanted:
                    rows[i] = obj
                i += 1
        return [rows[i] for i in indices]


class RowClusters:
    """Base of the row-per-cluster sources; subclasses say how a row becomes a cluster."""

    format: ClassVar[str] = ""
    default_fields: ClassVar[dict[str, str | None]] = {}
    hub_hint: ClassVar[str] = "test.parquet"

    def __init__(
        self,
        name: str,
        path: str | None = None,
        revision: str | None = None,
        data_files: str | Sequence[str] | None = None,
        split: str = "test",
        limit: int | None = None,
        seed: int | None = None,
        fields: Mapping[str, str | None] | None = None,
        empty_documents: str = "error",
        require_references: bool = True,
        cache_dir: str | None = None,
    ) -> None:
        """Validate the settings; nothing is read until :meth:`load`."""
        check_limit_seed(limit, seed, empty_documents)
        if not isinstance(split, str) or not split:
            raise ValueError(f"dataset.split must be a non-empty string, got {split!r}")
        if isinstance(data_files, str):
            data_files = [data_files]
        self.name = name
        self.path = path
        self.revision = revision
        self.data_files = [str(f) for f in data_files] if data_files else None
        self.split = split
        self.limit = limit
        self.seed = seed
        self.fields = merge_fields(self.default_fields, fields)
        self.empty_documents = empty_documents
        self.require_references = require_references
        self.cache_dir = cache_dir
        self._digest = ""
        self._dropped = 0

    # -- reading the table -------------------------------------------------------------------

    def _local_files(self) -> tuple[str, list[Path]]:
        """Expand globs, check that local files exist and share one format."""
        assert self.data_files is not None
        files: list[Path] = []
        for spec in self.data_files:
            if "://" in spec:
                raise BenchError(
                    f"dataset.data_files entry {spec!r} is a URL; use dataset.path for the Hub"
                )
            matches = sorted(glob.glob(spec)) if glob.has_magic(spec) else [spec]
            if not matches:
                raise BenchError(f"dataset.data_files pattern {spec!r} matches no file")
            for match in matches:
                if not Path(match).is_file():
                    what = "not a regular file" if Path(match).exists() else "not found"
                    raise BenchError(f"dataset file {what}: {match}")
                files.append(Path(match))
        kinds = set()
        for f in files:
            if f.name.endswith(_JSON_SUFFIXES):
                kinds.add("json")
            elif f.name.endswith(_PARQUET_SUFFIXES):
                kinds.add("parquet")
            else:
                raise BenchError(
                    f"dataset file {f} must end in .jsonl, .jsonl.gz, .json or .parquet"
                )
        if len(kinds) > 1:
            raise BenchError("dataset.data_files mixes JSON lines and parquet files")
        return kinds.pop(), files

    def _table(self) -> tuple[Any, Callable[[int], str]]:
        """The split as a ``datasets.Dataset`` and a function naming where row ``i`` came from."""
        if self.data_files:
            return self._local_table()
        if self.path:
            return self._hub_table()
        raise BenchError(
            f"dataset {self.name!r} needs local files or a Hub repo: set "
            f"dataset.data_files=/path/{self.hub_hint} or dataset.path=<owner/name>"
        )

    def _local_table(self) -> tuple[Any, Callable[[int], str]]:
        builder, files = self._local_files()
        places: list[str] = []
        if builder == "json":
            for f in files:
                for lineno, obj in _iter_json_lines(f):
                    where = f"{f}:{lineno}"
                    # Every line checked before any is used: errors name the line and field.
                    self._extract(obj, len(places), where)
                    places.append(where)
            if not places:
                raise BenchError(f"dataset {self.name!r}: {', '.join(map(str, files))} has no rows")
            # Plain Python: the rows are checked already, and importing ``datasets`` alone would
            # cost more than reading a few thousand lines.
            return _JsonRows(files, len(places)), places.__getitem__
        import pyarrow.parquet as pq

        for f in files:
            try:
                n = pq.read_metadata(f).num_rows
            except Exception as exc:  # pyarrow raises several unrelated types
                raise BenchError(f"{f} is not a readable parquet file: {exc}") from None
            places.extend(f"{f} row {k + 1}" for k in range(n))
        table = self._load_dataset(
            builder,
            data_files={self.split: [str(f) for f in files]},
            what=", ".join(map(str, files)),
        )
        if len(table) != len(places):
            log.warning("datasets read %d rows but the files hold %d", len(table), len(places))
            return table, lambda i: f"{files[0] if len(files) == 1 else 'data_files'} row {i + 1}"
        return table, places.__getitem__

    def _hub_table(self) -> tuple[Any, Callable[[int], str]]:
        at = f"{self.path}@{self.revision}" if self.revision else str(self.path)
        table = self._load_dataset(str(self.path), revision=self.revision, what=at)
        return table, lambda i: f"{at} {self.split} row {i + 1}"

    def _load_dataset(self, path: str, what: str, **kwargs: Any) -> Any:
        from datasets import config, load_dataset

        hub = self.data_files is None
        saved = config.HF_HUB_OFFLINE, config.HF_UPDATE_DOWNLOAD_COUNTS
        if not hub:
            # Local files: no network at all, not even the download-count ping that datasets
            # sends to the Hub for its packaged json/parquet builders.
            config.HF_HUB_OFFLINE, config.HF_UPDATE_DOWNLOAD_COUNTS = True, False
        try:
            return load_dataset(path, split=self.split, cache_dir=self.cache_dir, **kwargs)
        except Exception as exc:  # datasets wraps pyarrow, network and hub errors alike
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            if hub:
                reason = (
                    "offline (HF_DATASETS_OFFLINE/HF_HUB_OFFLINE is set)"
                    if hub_offline()
                    else f"{type(exc).__name__}: {first}"
                )
                raise BenchError(
                    f"cannot load {self.name!r} split {self.split!r} from the Hub ({what}): "
                    f"{reason}; download the files and pass "
                    f"dataset.data_files=/path/{self.hub_hint}"
                ) from exc
            raise BenchError(f"cannot read {what} with datasets: {first}") from exc
        finally:
            config.HF_HUB_OFFLINE, config.HF_UPDATE_DOWNLOAD_COUNTS = saved

    # -- rows to clusters --------------------------------------------------------------------

    def _extract(self, row: Mapping[str, Any], index: int, where: str) -> RawCluster:
        """Validate one row and pull out its documents and references."""
        raise NotImplementedError

    def _documents_required(self) -> bool:
        """Whether a cluster without documents is an error (always, but in jsonl on request)."""
        return True

    def _positional_id(self, index: int) -> str:
        return f"{self.split}-{index}"

    def _build(self, raw: RawCluster, cleaner: Cleaner) -> Cluster:
        docs: list[Document] = []
        for doc_id, title, text in raw.documents:
            doc = build_document(cleaner, doc_id, title, text, raw.where) if text.strip() else None
            if doc is None:
                if self.empty_documents == "drop":
                    self._dropped += 1
                    continue
                raise BenchError(
                    f"{raw.where}: document {doc_id!r} of cluster {raw.cluster_id!r} has no "
                    "text left after cleaning (dataset.empty_documents=drop skips such documents)"
                )
            docs.append(doc)
        if not docs and self._documents_required():
            raise BenchError(f"{raw.where}: cluster {raw.cluster_id!r} has no documents")
        refs = tuple(make_reference(r, a, t, raw.where) for r, a, t in raw.references)
        if self.require_references and not refs:
            raise BenchError(f"{raw.where}: cluster {raw.cluster_id!r} has no references")
        return Cluster(raw.cluster_id, tuple(docs), refs, {"source": raw.where})

    def load(self, cleaner: Cleaner) -> list[Cluster]:
        """Read the split, select clusters, clean and split them."""
        table, place = self._table()
        indices = select_indices(len(table), self.limit, self.seed)
        if not indices:
            raise BenchError(f"dataset {self.name!r} split {self.split!r} has no rows")
        self._dropped = 0
        digest = hashlib.sha256()
        out: list[Cluster] = []
        seen: set[str] = set()
        for index, row in zip(indices, table.select(indices), strict=True):
            raw = self._extract(row, index, place(index))
            if raw.cluster_id in seen:
                raise BenchError(f"{raw.where}: duplicate cluster id {raw.cluster_id!r}")
            seen.add(raw.cluster_id)
            cluster = self._build(raw, cleaner)
            digest_cluster(digest, cluster)
            out.append(cluster)
        self._digest = digest.hexdigest()[:16]
        if self._dropped:
            log.info("dropped %d empty documents", self._dropped)
        log.info("loaded %d of %d clusters from %s", len(out), len(table), self._source())
        return out

    def _source(self) -> str:
        if self.data_files:
            return ",".join(self.data_files)
        return f"{self.path}@{self.revision or 'default'}"

    def _extra_signature(self) -> dict[str, str]:
        return {}

    def signature(self) -> dict[str, str]:
        """Format, source, selection, field mapping, content digest and splitter."""
        return {
            "name": self.name,
            "format": self.format,
            "source": self._source(),
            "split": self.split,
            "limit": str(self.limit),
            "seed": str(self.seed),
            "fields": json.dumps(self.fields, sort_keys=True),
            "empty_documents": self.empty_documents,
            "dropped_documents": str(self._dropped),
            **self._extra_signature(),
            "content_sha256": self._digest or "unloaded",
            "splitter": splitter_signature(),
        }


class JsonlClusters(RowClusters):
    """Our documented JSON-lines format: one cluster per line (see ``docs/datasets.md``)."""

    format = "jsonl"
    default_fields: ClassVar[dict[str, str | None]] = {
        "cluster_id": "cluster_id",
        "documents": "documents",
        "doc_id": "doc_id",
        "title": "title",
        "text": "text",
        "references": "references",
        "ref_id": "ref_id",
        "author": "author",
        "ref_text": "text",
    }
    hub_hint = "test.jsonl"

    def __init__(
        self,
        path: str | Sequence[str] | None = None,
        name: str = "jsonl",
        require_documents: bool = True,
        strict_keys: bool = False,
        **kwargs: Any,
    ) -> None:
        """``path``: the local JSON-lines file(s) (a file, a glob or a list); see RowClusters.

        ``require_documents: false`` accepts clusters without documents (for metrics that
        read only references); ``strict_keys`` refuses keys of a row, document or reference
        that are not among ``fields`` (a misspelt ``document`` is then an error).
        """
        if path and kwargs.get("data_files"):
            raise ValueError("give the jsonl files as dataset.path or dataset.data_files, not both")
        if kwargs.get("revision"):
            raise ValueError("the jsonl format reads local files only; dataset.revision is unused")
        kwargs["data_files"] = path or kwargs.get("data_files")
        super().__init__(name, **kwargs)
        self.require_documents = check_bool(require_documents, "dataset.require_documents")
        self.strict_keys = check_bool(strict_keys, "dataset.strict_keys")
        for key in ("cluster_id", "documents", "doc_id", "text", "ref_id", "ref_text"):
            if self.fields[key] is None:
                raise ValueError(f"dataset.fields.{key} is required for the jsonl format")

    def _check_keys(self, obj: Mapping[str, Any], names: Sequence[str | None], where: str) -> None:
        if not self.strict_keys:
            return
        allowed = [n for n in names if n is not None]
        unknown = sorted(set(obj) - set(allowed))
        if unknown:
            raise BenchError(
                f"{where}: unknown key {unknown[0]!r}; allowed: "
                f"{', '.join(repr(k) for k in allowed)}"
            )

    def _extract(self, row: Mapping[str, Any], index: int, where: str) -> RawCluster:
        f = self.fields
        self._check_keys(row, (f["cluster_id"], f["documents"], f["references"]), where)
        cid_value = _get(row, f["cluster_id"])
        if isinstance(cid_value, int) and not isinstance(cid_value, bool):
            cid_value = str(cid_value)
        cid = _text(cid_value, where, str(f["cluster_id"]))
        try:
            check_id(cid, "cluster id")
        except BenchError as exc:
            raise BenchError(f"{where}: {exc}") from None
        documents = self._entries(
            self._list(row, f["documents"], where, required=self.require_documents),
            where, f["documents"], f["doc_id"], "doc_id", f["title"], f["text"],
        )  # fmt: skip
        if not documents and self.require_documents:
            raise BenchError(f"{where}: field {f['documents']!r} lists no documents")
        refs = self._entries(
            self._list(row, f["references"], where, required=False),
            where, f["references"], f["ref_id"], "ref_id", f["author"], f["ref_text"],
        )  # fmt: skip
        return RawCluster(cid, documents, refs, where)

    def _documents_required(self) -> bool:
        return self.require_documents

    def _table(self) -> tuple[Any, Callable[[int], str]]:
        if not self.data_files:
            raise BenchError(
                "the jsonl dataset needs its file: set dataset.path=/path/clusters.jsonl"
            )
        return super()._table()

    def _entries(
        self,
        items: Any,
        where: str,
        column: Any,
        id_field: Any,
        id_name: str,
        extra_field: Any,
        text_field: Any,
    ) -> list[tuple[str, str, str]]:
        """``(id, title or author, text)`` of each document or reference object of a row."""
        out: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        what = "document id" if id_name == "doc_id" else "reference id"
        for j, item in enumerate(items):
            at = f"{where} {column}[{j}]"
            if not isinstance(item, Mapping):
                raise BenchError(f"{at} must be an object, got {type(item).__name__}")
            self._check_keys(item, (id_field, extra_field, text_field), at)
            item_id = self._id(item, id_field, at, what)
            if item_id in seen:
                raise BenchError(f"{at}: duplicate {id_name} {item_id!r}")
            seen.add(item_id)
            extra = _text(_get(item, extra_field), at, str(extra_field), required=False)
            out.append((item_id, extra, _text(_get(item, text_field), at, str(text_field))))
        return out

    @staticmethod
    def _list(row: Mapping[str, Any], column: str | None, where: str, required: bool) -> list[Any]:
        value = _get(row, column)
        if value is None:
            if required:
                raise BenchError(f"{where}: missing field {column!r}")
            return []
        if not isinstance(value, list):
            raise BenchError(
                f"{where}: field {column!r} must be a list, got {type(value).__name__}"
            )
        return value

    @staticmethod
    def _id(obj: Mapping[str, Any], column: str | None, where: str, what: str) -> str:
        value = _text(_get(obj, column), where, str(column))
        try:
            return check_id(value, what)
        except BenchError as exc:
            raise BenchError(f"{where}: {exc}") from None


class _SummaryClusters(RowClusters):
    """Rows holding one reference ``summary`` string (Multi-News, WCEP)."""

    def _summary(self, row: Mapping[str, Any], where: str) -> list[tuple[str, str, str]]:
        column = self.fields["summary"]
        text = _text(_get(row, column), where, str(column)).strip()
        return [("summary", self.name, text)]

    def _cluster_id(self, row: Mapping[str, Any], index: int, where: str) -> str:
        column = self.fields["cluster_id"]
        if column is None:
            return self._positional_id(index)
        value = _get(row, column)
        if value is None:
            raise BenchError(f"{where}: missing field {column!r}")
        try:
            return check_id(str(value), "cluster id")
        except BenchError as exc:
            raise BenchError(f"{where}: {exc}") from None


class MultiNewsClusters(_SummaryClusters):
    """Multi-News (Fabbri et al., 2019): documents joined by ``|||||``, summary led by "– "."""

    format = "multi_news"
    default_fields: ClassVar[dict[str, str | None]] = {
        "cluster_id": None,
        "documents": "document",
        "summary": "summary",
    }

    def __init__(
        self,
        name: str = "multi_news",
        separator: str = "|||||",
        summary_prefix: str = "\u2013 ",
        newline_token: str | None = "NEWLINE_CHAR",
        **kwargs: Any,
    ) -> None:
        """``summary_prefix`` is stripped from each summary; ``newline_token`` becomes a newline."""
        if not separator:
            raise ValueError("dataset.separator must be a non-empty string")
        kwargs.setdefault("empty_documents", "drop")
        super().__init__(name, **kwargs)
        self.separator = separator
        self.summary_prefix = summary_prefix or ""
        self.newline_token = newline_token or None

    def _extract(self, row: Mapping[str, Any], index: int, where: str) -> RawCluster:
        column = self.fields["documents"]
        joined = _text(_get(row, column), where, str(column))
        if self.newline_token:
            joined = joined.replace(self.newline_token, "\n")
        # Positions stay stable when an empty segment is dropped later, so do the ids.
        docs = [
            (f"d{j + 1}", "", "\n".join(line.strip() for line in part.splitlines()))
            for j, part in enumerate(joined.split(self.separator))
        ]
        ((ref_id, author, text),) = self._summary(row, where)
        if self.summary_prefix and text.startswith(self.summary_prefix):
            text = text[len(self.summary_prefix) :].lstrip()
        return RawCluster(
            self._cluster_id(row, index, where), docs, [(ref_id, author, text)], where
        )

    def _extra_signature(self) -> dict[str, str]:
        return {
            "separator": self.separator,
            "summary_prefix": self.summary_prefix,
            "newline_token": str(self.newline_token),
        }


class WcepClusters(_SummaryClusters):
    """WCEP (Gholipour Ghalandari et al., 2020): a ``summary`` and a list of ``articles``."""

    format = "wcep"
    default_fields: ClassVar[dict[str, str | None]] = {
        "cluster_id": "id",
        "articles": "articles",
        "doc_id": None,
        "title": "title",
        "text": "text",
        "summary": "summary",
    }
    hub_hint = "test.jsonl.gz"

    def __init__(self, name: str = "wcep", max_articles: int | None = None, **kwargs: Any) -> None:
        """``max_articles`` keeps the first N articles of a cluster (WCEP-10: 10; null: all)."""
        if max_articles is not None and (
            isinstance(max_articles, bool) or not isinstance(max_articles, int) or max_articles < 1
        ):
            raise ValueError(
                f"dataset.max_articles must be an integer >= 1 or null, got {max_articles!r}"
            )
        kwargs.setdefault("empty_documents", "drop")
        super().__init__(name, **kwargs)
        self.max_articles = max_articles
        for key in ("articles", "text", "summary"):
            if self.fields[key] is None:
                raise ValueError(f"dataset.fields.{key} is required for the wcep format")

    def _extract(self, row: Mapping[str, Any], index: int, where: str) -> RawCluster:
        f = self.fields
        articles = _get(row, f["articles"])
        if articles is None:
            raise BenchError(f"{where}: missing field {f['articles']!r}")
        if not isinstance(articles, list):
            raise BenchError(
                f"{where}: field {f['articles']!r} must be a list, got {type(articles).__name__}"
            )
        docs: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for j, article in enumerate(articles[: self.max_articles]):
            at = f"{where} {f['articles']}[{j}]"
            if not isinstance(article, Mapping):
                raise BenchError(f"{at} must be an object, got {type(article).__name__}")
            if f["doc_id"] is None:
                doc_id = f"d{j + 1}"
            else:
                doc_id = JsonlClusters._id(article, f["doc_id"], at, "document id")
                if doc_id in seen:
                    raise BenchError(f"{at}: duplicate document id {doc_id!r}")
                seen.add(doc_id)
            title = _text(_get(article, f["title"]), at, str(f["title"]), required=False)
            docs.append((doc_id, title, _text(_get(article, f["text"]), at, str(f["text"]))))
        if not docs:
            raise BenchError(f"{where}: field {f['articles']!r} lists no articles")
        return RawCluster(
            self._cluster_id(row, index, where), docs, self._summary(row, where), where
        )

    def _extra_signature(self) -> dict[str, str]:
        return {"max_articles": str(self.max_articles)}
