"""Summaries with human factuality labels (the FRANK shape), for measuring consistency checks.

A labelled-summaries file is a ``bench-score`` input file (JSON Lines, plain or gzip) whose rows
also carry a ``label``::

    {"id", "cluster_id", "summary", "label": "faithful"|"error",
     "error_types": ["EntE", ...], "source": "cnndm", "split": "valid", "model": "bart",
     "human_factuality": 0.67}

``error_types`` (FRANK's categories: RelE, EntE, CircE, CorefE, LinkE, OutE, GramE, Other),
``source``, ``split``, ``model`` and ``human_factuality`` are optional; rows are grouped by
``source`` and ``split`` (``"all"`` when absent). Reading goes through
:func:`bench.data.summaries.read_inputs`, so a file that ``bench-score`` rejects is rejected here
with the same message; this module adds the checks of the label fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import BenchError

BINARY_LABELS = ("faithful", "error")
ALL = "all"


@dataclass(frozen=True, slots=True)
class LabelledSummary:
    """One human-labelled summary of one cluster."""

    id: str
    cluster_id: str
    summary: str
    label: str
    error_types: tuple[str, ...] = ()
    source: str = ALL
    split: str = ALL
    model: str = ""
    human_factuality: float | None = None

    @property
    def is_error(self) -> bool:
        """Whether annotators found a factual error in the summary."""
        return self.label == "error"


def _optional_str(extra: dict[str, Any], key: str, default: str, where: str) -> str:
    value = extra.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise BenchError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
    return value


def read_labelled(path: Path) -> list[LabelledSummary]:
    """Read a labelled-summaries file; every row needs ``label`` faithful or error.

    Raises:
        BenchError: naming the file and line of the first bad row.
    """
    from bench.data.summaries import read_inputs

    rows: list[LabelledSummary] = []
    for inp in read_inputs(path):
        where = f"{path} line {inp.line_no}"
        extra = dict(inp.extra)
        if extra.get("label") not in BINARY_LABELS:
            raise BenchError(
                f"{where}: 'label' must be one of {', '.join(BINARY_LABELS)}, "
                f"got {extra.get('label')!r}"
            )
        types = extra.get("error_types", [])
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise BenchError(f"{where}: 'error_types' must be a list of strings, got {types!r}")
        score = extra.get("human_factuality")
        if score is not None and (
            isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1
        ):
            raise BenchError(
                f"{where}: 'human_factuality' must be a number in [0, 1], got {score!r}"
            )
        model = extra.get("model", "")
        if not isinstance(model, str):
            raise BenchError(f"{where}: 'model' must be a string, got {model!r}")
        rows.append(
            LabelledSummary(
                id=inp.id,
                cluster_id=inp.cluster_id,
                summary=inp.summary,
                label=extra["label"],
                error_types=tuple(types),
                source=_optional_str(extra, "source", ALL, where),
                split=_optional_str(extra, "split", ALL, where),
                model=model,
                human_factuality=None if score is None else float(score),
            )
        )
    return rows


def groups(rows: Sequence[LabelledSummary]) -> dict[tuple[str, str], list[int]]:
    """Row positions per ``(source, split)``, in order of first appearance."""
    out: dict[tuple[str, str], list[int]] = {}
    for i, row in enumerate(rows):
        out.setdefault((row.source, row.split), []).append(i)
    return out
