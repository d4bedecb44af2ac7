"""Human judgements of summaries: the JSONL format of ``bench-meta`` and loaders for others.

Our format, one line per judged summary::

    {"id": "...", "system": "M8", "input": "story-17", "split": "test"?,
     "scores": {"relevance": 4.33, "consistency": 5.0}}

(score fields may also sit at the top level: every number other than ``id``, ``system``,
``input`` and ``split`` is one). ``id`` joins a judgement to a ``bench-score`` output row.

Loaders: SummEval's annotation file (``model_annotations.aligned.paired.jsonl`` and the processed
copies of it: ``expert_annotations``/``turker_annotations`` per summary, averaged per dimension)
and FRANK-style labelled summaries (:mod:`bench.data.labels`: the binary ``faithful`` label, and
``human_factuality`` when present).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.data.io import read_jsonl_rows
from bench.errors import BenchError

FORMATS = ("jsonl", "summeval", "frank")
SUMMEVAL_DIMENSIONS = ("coherence", "consistency", "fluency", "relevance")
ANNOTATORS = ("expert", "turker")
_KEYS = ("id", "system", "input", "split")


@dataclass(frozen=True, slots=True)
class Judgement:
    """The human scores of one summary."""

    id: str
    system: str
    input: str
    scores: Mapping[str, float]
    split: str = "all"


def _text(row: Mapping[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise BenchError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BenchError(f"{where} must be a finite number, got {value!r}")
    return float(value)


def _check_unique(rows: Sequence[Judgement], path: Path) -> list[Judgement]:
    seen: set[str] = set()
    for row in rows:
        if row.id in seen:
            raise BenchError(f"{path}: duplicate judgement id {row.id!r}")
        seen.add(row.id)
    if not rows:
        raise BenchError(f"{path}: no judgements")
    return list(rows)


def read_judgements(path: Path) -> list[Judgement]:
    """Read our JSONL judgements (module docstring); every problem names the file and line."""
    out = []
    for line_no, row in read_jsonl_rows(path, "judgements file"):
        where = f"{path} line {line_no}"
        nested = row.get("scores")
        if nested is not None and not isinstance(nested, dict):
            raise BenchError(f"{where}: 'scores' must be an object, got {nested!r}")
        fields = nested if nested is not None else {
            k: v for k, v in row.items() if k not in _KEYS and not isinstance(v, str | list | dict)
        }  # fmt: skip
        scores = {str(k): _number(v, f"{where}: score {k!r}") for k, v in fields.items()}
        if not scores:
            raise BenchError(f"{where}: no score fields")
        split = row.get("split", "all")
        out.append(Judgement(
            _text(row, "id", where), _text(row, "system", where), _text(row, "input", where),
            scores, _text({"split": split}, "split", where),
        ))  # fmt: skip
    return _check_unique(out, path)


def summeval_id(row: Mapping[str, Any]) -> str:
    """The id of a SummEval summary: ``<story id>/<model id>``."""
    return f"{row['id']}/{row['model_id']}"


def read_summeval(path: Path, annotators: str = "expert") -> list[Judgement]:
    """SummEval annotations: per summary, the mean of the annotators' score per dimension."""
    if annotators not in ANNOTATORS:
        raise BenchError(f"unknown annotators {annotators!r}; choose from {', '.join(ANNOTATORS)}")
    field = f"{annotators}_annotations"
    out = []
    for line_no, row in read_jsonl_rows(path, "SummEval annotations file"):
        where = f"{path} line {line_no}"
        for key in ("id", "model_id", field):
            if key not in row:
                raise BenchError(f"{where}: missing {key!r} (not a SummEval annotations file?)")
        notes = row[field]
        if not isinstance(notes, list) or not notes:
            raise BenchError(f"{where}: {field!r} must be a non-empty list")
        scores = {}
        for dim in SUMMEVAL_DIMENSIONS:
            values = [_number(n.get(dim) if isinstance(n, dict) else None,
                              f"{where}: {field} {dim}") for n in notes]  # fmt: skip
            scores[dim] = sum(values) / len(values)
        out.append(Judgement(summeval_id(row), _text(row, "model_id", where),
                             _text(row, "id", where), scores))  # fmt: skip
    return _check_unique(out, path)


def read_frank(path: Path) -> list[Judgement]:
    """FRANK-style labelled summaries: ``faithful`` (1 or 0) and ``human_factuality`` if given."""
    from bench.data.labels import read_labelled

    out = []
    for row in read_labelled(path):
        scores = {"faithful": 0.0 if row.is_error else 1.0}
        if row.human_factuality is not None:
            scores["human_factuality"] = row.human_factuality
        system = row.model or "unknown"
        split = row.split if row.source == "all" else f"{row.source}/{row.split}"
        out.append(Judgement(row.id, system, row.cluster_id, scores, split))
    return _check_unique(out, path)


def load(path: Path, fmt: str = "jsonl", annotators: str = "expert") -> list[Judgement]:
    """Judgements from a file in one of :data:`FORMATS`."""
    if fmt == "jsonl":
        return read_judgements(path)
    if fmt == "summeval":
        return read_summeval(path, annotators)
    if fmt == "frank":
        return read_frank(path)
    raise BenchError(f"unknown judgements format {fmt!r}; choose from {', '.join(FORMATS)}")


def summeval_score_inputs(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``bench-score`` inputs for a SummEval file: summaries, and clusters (article + references).

    Each story becomes a cluster of one document (the article) with its references (the
    original highlight and the 10 crowd-written ones); each system's summary a scored row.
    """
    summaries: list[dict[str, Any]] = []
    clusters: dict[str, dict[str, Any]] = {}
    for line_no, row in read_jsonl_rows(path, "SummEval annotations file"):
        where = f"{path} line {line_no}"
        for key in ("id", "model_id", "text", "decoded", "references"):
            if key not in row:
                raise BenchError(f"{where}: missing {key!r} (not a SummEval annotations file?)")
        story = _text(row, "id", where)
        summaries.append({
            "id": summeval_id(row), "cluster_id": story, "summary": str(row["decoded"]),
            "system": str(row["model_id"]),
        })  # fmt: skip
        refs = row["references"]
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            raise BenchError(f"{where}: 'references' must be a list of strings")
        clusters.setdefault(story, {
            "cluster_id": story,
            "documents": [{"doc_id": "article", "text": _text(row, "text", where)}],
            "references": [{"ref_id": f"ref{i}", "text": r} for i, r in enumerate(refs)],
        })  # fmt: skip
    return summaries, list(clusters.values())
