"""Typed run records: the one module that writes, reads and validates a run's result files.

A run folder holds ``summaries.jsonl`` (one row per cluster: the summary and its lengths),
``scores.jsonl`` (one row per cluster: ``cluster_id``, ``summary``, ``scores`` and a metric's
details; with a single cluster also ``per_reference``) and ``run.json`` (system-level scores with
intervals, the metric contract in ``metric_info``, the system identity, signatures and
provenance). ``run.json`` carries ``"schema": SCHEMA``; a record without it is schema 0 (written
before run records were versioned) and still read: its keys are then shown by name, without a
direction (see :mod:`bench.results.keys`).

Readers (bench-table, a sweep's table, bench-compare, the printed table of one run) go through
:func:`read_run` and :func:`find_runs`; per-unit scores through :func:`read_score_rows`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import BenchError
from bench.metrics.base import KeyInfo, MetricInfo

#: Version of the run.json layout written by this code (absent in older records: 0).
SCHEMA = 1
RUN_FILE = "run.json"
SCORES_FILE = "scores.jsonl"
SUMMARIES_FILE = "summaries.jsonl"
# Config keys that steer how a run is executed but cannot change its results: left out of the
# recorded config and of run labels.
EXECUTION_KEYS = ("resume", "tracking")


def is_execution_key(override_key: str) -> bool:
    """Whether an override's key (``resume``, ``+tracking``, ``tracking.uri``) is execution-only."""
    key = override_key.lstrip("+~")
    return any(key == k or key.startswith(f"{k}.") for k in EXECUTION_KEYS)


# The type of every run.json field a reader relies on (absent fields are not checked here).
_RUN_FIELDS: dict[str, tuple[type, ...]] = {
    "schema": (int,),
    "system": (str,),
    "system_label": (str,),
    "system_settings": (list,),
    "mdsbench": (str,),
    "overrides": (list,),
    "n_clusters": (int,),
    "seed": (int,),
    "scores": (dict,),
    "signatures": (dict,),
    "metric_signatures": (dict,),
    "metric_info": (dict,),
    "key_order": (list,),
    "summarizer_signature": (dict,),
    "dataset_signature": (dict,),
    "config": (dict,),
    "packages": (dict,),
    "budget": (str,),
    "cleaning": (str,),
}


def check_run_record(record: Any, path: Path) -> dict[str, Any]:
    """``record`` (a parsed run.json) if every field has the type readers expect.

    The one place run.json field types are checked on read (bench-table, bench-compare) and on
    write (bench-run); a mismatch is a ``BenchError`` naming the file and the field.
    """

    def bad(field: str, expected: str, value: Any) -> BenchError:
        shown = json.dumps(value)[:60] if _jsonable(value) else repr(value)[:60]
        return BenchError(f"{path}: {field!r} must be {expected}, got {shown}")

    if not isinstance(record, dict):
        shown = json.dumps(record)[:60] if _jsonable(record) else repr(record)[:60]
        raise BenchError(f"{path}: not a bench-run run.json (not a JSON object: {shown})")
    if not isinstance(record.get("scores"), dict):
        raise BenchError(f"{path}: not a bench-run run.json (no 'scores' mapping)")
    for name, types in _RUN_FIELDS.items():
        value = record.get(name)
        if name in record and (isinstance(value, bool) or not isinstance(value, types)):
            raise bad(name, f"a JSON {'object' if types == (dict,) else types[0].__name__}", value)
    if record.get("schema", 0) > SCHEMA:
        raise BenchError(
            f"{path}: run.json schema {record['schema']} is newer than this mdsbench reads "
            f"({SCHEMA}); update mdsbench"
        )
    for name in ("overrides", "system_settings"):
        if not all(isinstance(o, str) for o in record.get(name, [])):
            raise bad(name, "a list of strings", record[name])
    for key, sig in record.get("signatures", {}).items():
        if not isinstance(sig, str):
            raise bad(f"signatures.{key}", "a string", sig)
    for key, sig in record.get("metric_signatures", {}).items():
        if not isinstance(sig, dict):
            raise bad(f"metric_signatures.{key}", "a JSON object", sig)
    for name, info in record.get("metric_info", {}).items():
        try:
            MetricInfo.from_dict(info)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise bad(f"metric_info.{name}", "a metric contract (MetricInfo)", info) from exc
    check_scores(record["scores"], path)
    return record


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def check_scores(scores: Any, where: Path | str) -> None:
    """Refuse a run's ``scores`` unless each is an object of finite numbers (mean, low, high).

    The one check of score values, used where a run is written (bench-run), read for a table
    (bench-table, a sweep's table), gated (bench-compare) and resumed: NaN and inf are no
    scores, and shown as numbers they would rank, look measured or pass a gate.

    Raises:
        BenchError: naming ``where`` and the first bad score field.
    """
    if not isinstance(scores, dict):
        raise BenchError(f"{where}: not a bench-run run.json (no 'scores' mapping)")
    for key, score in scores.items():
        if not isinstance(score, dict):
            raise BenchError(f"{where}: score {key!r} must be an object with mean, low, high")
        for part in ("mean", "low", "high"):
            value = score.get(part)
            if value is None:  # not computed (e.g. no interval for one cluster)
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise BenchError(f"{where}: scores.{key}.{part} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise BenchError(f"{where}: scores.{key}.{part} is {value}, not a finite number")


# --------------------------------------------------------------------------- one run


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run as read from its folder: its run.json and the label it is shown under.

    Attributes:
        label: The display label (the system label; tables may add what tells runs apart).
        path: The run folder (holding run.json and scores.jsonl).
        record: The parsed, validated run.json.
    """

    label: str
    path: Path
    record: dict[str, Any]

    @classmethod
    def of(cls, record: dict[str, Any], path: Path) -> RunRecord:
        """Wrap one run record of the folder ``path``, labelled by its system identity."""
        return cls(system_label(record), path, record)

    @property
    def schema(self) -> int:
        """The record's schema version (0 before run records were versioned)."""
        return int(self.record.get("schema", 0))

    @property
    def system(self) -> str:
        """The summarizer name."""
        return str(self.record.get("system", "?"))

    @property
    def system_label(self) -> str:
        """The system identity: name plus the settings that are part of it."""
        return system_label(self.record)

    @property
    def dataset_signature(self) -> dict[str, Any]:
        """What the run was scored on (empty when not recorded)."""
        return dict(self.record.get("dataset_signature") or {})

    @property
    def n_clusters(self) -> int | None:
        """Number of clusters scored, if recorded."""
        n = self.record.get("n_clusters")
        return n if isinstance(n, int) and not isinstance(n, bool) else None

    @property
    def signatures(self) -> dict[str, str]:
        """Metric signature strings, if recorded."""
        return dict(self.record.get("signatures") or {})

    @property
    def metric_info(self) -> dict[str, MetricInfo]:
        """The metric contracts recorded with the run (empty for schema-0 records)."""
        return {
            name: MetricInfo.from_dict(info)
            for name, info in (self.record.get("metric_info") or {}).items()
        }

    def declared_keys(self) -> list[tuple[str, KeyInfo, str]]:
        """``(key, contract, metric name)`` of every declared key, in the recorded key order."""
        found = {k: (k, v, m.name) for m in self.metric_info.values() for k, v in m.keys.items()}
        order = [k for k in self.record.get("key_order", []) if k in found]
        return [found[k] for k in order] + [v for k, v in found.items() if k not in order]

    @property
    def scores(self) -> dict[str, dict[str, Any]]:
        """The system-level score entries by key."""
        return self.record["scores"]

    def score(self, key: str) -> dict[str, Any] | None:
        """The ``{"mean", "low", "high", "method"}`` entry of ``key``, if recorded."""
        score = self.scores.get(key)
        return score if isinstance(score, dict) and score.get("mean") is not None else None

    def mean(self, key: str) -> float | None:
        """The system-level mean of ``key``, if recorded."""
        score = self.score(key)
        return None if score is None else float(score["mean"])

    @property
    def run_file(self) -> Path:
        """The run.json file."""
        return self.path / RUN_FILE


def system_label(record: Mapping[str, Any]) -> str:
    """The system identity of a run record (recorded, or derived from its overrides)."""
    from bench.results.identity import format_label, record_identity

    label = record.get("system_label")
    if isinstance(label, str):
        return label
    return format_label(*record_identity(record))


def _reason(exc: Exception) -> str:
    """A short reason for a failed read or parse of a JSON file."""
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg}, line {exc.lineno}"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    return str(exc)


def read_run(path: Path) -> RunRecord:
    """Read and validate one run.json (``path`` is the file).

    Raises:
        BenchError: a run.json that cannot be read or parsed, or is not a valid run record.
    """
    from bench.data.io import read_bytes

    try:  # read_bytes refuses a FIFO or device named run.json instead of waiting on it
        record = json.loads(read_bytes(path, RUN_FILE).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BenchError(f"{path}: unreadable run.json ({_reason(exc)})") from None
    check_run_record(record, path)
    return RunRecord.of(record, path.parent)


def find_runs(root: Path) -> list[RunRecord]:
    """Every run (a run.json) under ``root`` or the one run.json ``root`` is, in path order.

    Raises:
        BenchError: an unusable run.json: a table or gate that left it out would look complete.
    """
    from bench.results.fileset import find_run_files

    files = [root] if root.is_file() else find_run_files(root)
    return [read_run(path) for path in files]


def write_results(
    directory: Path,
    record: Mapping[str, Any],
    summaries: Sequence[Mapping[str, Any]],
    scores: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """Write summaries.jsonl, scores.jsonl and run.json (last) into ``directory``.

    The record is stamped with :data:`SCHEMA` and validated as readers will check it, so a run
    can never write a record its own tables refuse.

    Returns:
        The record as written.
    """
    from bench.fileio import atomic_write_json, atomic_write_jsonl

    # JSON objects are written with sorted keys: the declared order of keys (the metrics in the
    # order they were selected) is kept as a list.
    order = [k for info in record.get("metric_info", {}).values() for k in info["keys"]]
    out = {"schema": SCHEMA, **record, "key_order": order}
    check_run_record(out, "computed run record")
    atomic_write_jsonl(directory / SUMMARIES_FILE, summaries)
    atomic_write_jsonl(directory / SCORES_FILE, scores)
    atomic_write_json(directory / RUN_FILE, out)
    return out


def read_score_rows(run: RunRecord) -> list[dict[str, Any]]:
    """The validated rows of a run's scores.jsonl: objects with a unique ``cluster_id``.

    Raises:
        BenchError: the file is missing, unreadable or malformed (the message says which).
    """
    from bench.fileio import read_jsonl

    path = run.path / SCORES_FILE
    if not path.is_file():
        raise BenchError(f"no {SCORES_FILE} ({path} not found)")
    try:
        rows = read_jsonl(path)
    except ValueError as exc:
        raise BenchError(f"an unreadable {SCORES_FILE} ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchError(f"an unreadable {SCORES_FILE} ({path}: {exc})") from None
    seen: set[str] = set()
    for no, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not isinstance(row.get("scores"), dict):
            raise BenchError(f"a malformed {SCORES_FILE} ({path} line {no}: no 'scores' object)")
        if "cluster_id" not in row:
            raise BenchError(f"a malformed {SCORES_FILE} ({path} line {no}: no 'cluster_id')")
        cid = str(row["cluster_id"])
        if cid in seen:
            raise BenchError(f"a malformed {SCORES_FILE} ({path}: cluster {cid!r} appears twice)")
        seen.add(cid)
    if not rows:
        raise BenchError(f"an empty {SCORES_FILE} ({path})")
    return rows


def numbers(values: Mapping[str, Any]) -> dict[str, float]:
    """The finite numeric entries of a scores mapping."""
    return {
        str(k): float(v)
        for k, v in values.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    }
