"""Summaries handed in for scoring: the input file of ``bench-score`` (JSON Lines).

One summary per line: ``{"id", "cluster_id", "summary", ...}``; extra keys (``label``, ``kind``,
``note``, ...) are kept and copied to the output. Read by ``bench-score`` and by the loaders of
labelled summaries (:mod:`bench.data.labels`), so a file one rejects the other rejects with the
same message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.data.io import json_lines, parse_json_line, read_text, require_keys
from bench.errors import BenchError

LABELS = ("faithful", "error", "disputed")
# Keys of an output line that an input line may not bring along as an extra key.
RESERVED = ("scores",)


@dataclass(frozen=True, slots=True)
class ScoreInput:
    """One line of the input file."""

    line_no: int
    id: str
    cluster_id: str
    summary: str
    extra: Mapping[str, Any]

    @property
    def label(self) -> str | None:
        """The ``label`` of a labelled row (faithful, error or disputed), else None."""
        return self.extra.get("label")


def _string(row: Mapping[str, Any], key: str, where: str, empty: bool = False) -> str:
    value = row[key]
    if not isinstance(value, str):
        raise BenchError(f"{where}: {key!r} must be a string, got {type(value).__name__}")
    if not empty and not value.strip():
        raise BenchError(f"{where}: {key!r} must not be empty")
    return value


def read_inputs(path: Path) -> list[ScoreInput]:
    """Read and check the summaries file: every problem names the file and line."""
    text = read_text(path, "summaries file")
    inputs: list[ScoreInput] = []
    first_line: dict[str, int] = {}
    for line_no, line in json_lines(text):
        where = f"{path} line {line_no}"
        row = require_keys(parse_json_line(line, where), ("id", "cluster_id", "summary"), where)
        sid = _string(row, "id", where)
        cid = _string(row, "cluster_id", where)
        summary = _string(row, "summary", where, empty=True)
        if sid in first_line:
            raise BenchError(f"{where}: duplicate id {sid!r} (first on line {first_line[sid]})")
        first_line[sid] = line_no
        extra = {k: v for k, v in row.items() if k not in ("id", "cluster_id", "summary")}
        for key in RESERVED:
            if key in extra:
                raise BenchError(f"{where}: key {key!r} is reserved for the output")
        if "label" in extra and extra["label"] not in LABELS:
            raise BenchError(
                f"{where}: label must be one of {', '.join(LABELS)}, got {extra['label']!r}"
            )
        if "kind" in extra and not isinstance(extra["kind"], str | None):
            raise BenchError(f"{where}: 'kind' must be a string or null, got {extra['kind']!r}")
        inputs.append(ScoreInput(line_no, sid, cid, summary, extra))
    return inputs
