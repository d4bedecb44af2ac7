"""Summaries produced elsewhere, read from a JSONL file of ``{"cluster_id", "summary"}`` rows.

Scores of outside systems then go through exactly the same budget, metrics and statistics as
ours. Every cluster of the dataset must have one summary and every row must name a cluster of the
dataset; anything else is an error naming the ids, never a silent skip.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from bench import __version__
from bench.budget import Budget
from bench.data.io import read_text, require_keys
from bench.errors import BenchError
from bench.preprocess.text import iter_sentences
from bench.types import Cluster

_SHOWN = 5


def _ids(ids: Sequence[str]) -> str:
    shown = ", ".join(repr(i) for i in sorted(ids)[:_SHOWN])
    return shown + (f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else "")


class Precomputed:
    """Reads one summary per cluster from ``path`` (JSON Lines, UTF-8)."""

    def __init__(
        self, budget: Budget, path: str, name: str = "precomputed", allow_extra: bool = False
    ) -> None:
        """Read and check the file now, so a bad file fails before any scoring.

        ``allow_extra`` accepts rows for clusters the run does not include (a file for a whole
        corpus scored on a subset); by default they are an error, since they usually mean the
        file belongs to another dataset.
        """
        self.allow_extra = bool(allow_extra)
        if not isinstance(path, str) or not path.strip():
            raise BenchError("summarizer=precomputed needs summarizer.path=<file.jsonl>")
        self.name = name
        self.budget = budget
        self.path = Path(path).expanduser()
        text = read_text(self.path, "precomputed summaries file")
        self.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.summaries: dict[str, str] = {}
        for line_no, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            where = f"{self.path} line {line_no}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BenchError(f"{where} is not valid JSON: {exc.msg}") from None
            require_keys(row, ("cluster_id", "summary"), where)
            cid, summary = row["cluster_id"], row["summary"]
            if not isinstance(cid, str) or not isinstance(summary, str):
                raise BenchError(f"{where}: cluster_id and summary must be strings")
            if cid in self.summaries:
                raise BenchError(f"{where}: duplicate cluster_id {cid!r}")
            self.summaries[cid] = summary

    def summarize(self, clusters: Sequence[Cluster]) -> list[str]:
        """The stored summary of each cluster, one sentence per line."""
        wanted = [c.cluster_id for c in clusters]
        missing = [c for c in wanted if c not in self.summaries]
        if missing:
            raise BenchError(f"{self.path} has no summary for cluster(s) {_ids(missing)}")
        unknown = sorted(set(self.summaries) - set(wanted))
        if unknown and not self.allow_extra:
            raise BenchError(
                f"{self.path} has summaries for cluster(s) not in the dataset: {_ids(unknown)} "
                "(summarizer.allow_extra=true to score a subset)"
            )
        return [self._within_budget(self.summaries[c]) for c in wanted]

    def _within_budget(self, summary: str) -> str:
        """The summary one sentence per line, split only until it is over the budget.

        The runner cuts it to the budget anyway; one sentence past the limit keeps the cut's
        ``truncated`` flag, and a megabyte-long summary line is not split in full.
        """
        sentences: list[str] = []
        for sentence in iter_sentences(summary.split("\n")):
            sentences.append(sentence)
            if self.budget.size(sentences) > self.budget.limit:
                break
        return "\n".join(sentences)

    def signature(self) -> dict[str, str]:
        """The file's content hash (not its path) and the budget."""
        return {
            "name": self.name,
            "impl": f"mdsbench-{__version__}",
            "method": "precomputed",
            "file_sha256": self.sha256,
            "budget": self.budget.signature(),
        }
