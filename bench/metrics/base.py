"""The metric contract: what a metric declares (``MetricInfo``) and returns (``MetricOutput``).

A metric is any object with an ``info``, a batched ``score()`` and a ``signature()``
(:class:`Metric`). Everything outside the metric (the scoring core, run.json, tables, plots,
the regression gate) learns a metric's keys, directions, ranges, labels and display scale from
its ``info`` as recorded in run.json (``metric_info``), never from its name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from bench.types import Cluster

#: How a metric combines several references of one cluster.
MULTI_REFERENCE = ("max", "mean", "pooled", "jackknife", "none")


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """One value a metric writes per cluster.

    Attributes:
        label: The table header (``"R-1 F1"``).
        higher_is_better: Its direction; ``None`` for a statistic without one (a length, a
            density): never bold, never tested, never gated by direction.
        value_range: The closed range of its values, ``None`` when unbounded. Bounds the
            bootstrap intervals and is checked on every value.
        scale: The display factor (100 shows a 0..1 value in percent).
        digits: Decimals shown after scaling.
        default: Whether it is a column of the default tables (else selectable by key).
    """

    label: str
    higher_is_better: bool | None = True
    value_range: tuple[float, float] | None = None
    scale: float = 1.0
    digits: int = 4
    default: bool = True

    def as_dict(self) -> dict[str, Any]:
        """The JSON form recorded in run.json."""
        return {
            "label": self.label,
            "higher_is_better": self.higher_is_better,
            "value_range": None if self.value_range is None else list(self.value_range),
            "scale": self.scale,
            "digits": self.digits,
            "default": self.default,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KeyInfo:
        """Read the JSON form back (run.json's ``metric_info``)."""
        bounds = data.get("value_range")
        return cls(
            label=str(data["label"]),
            higher_is_better=data.get("higher_is_better"),
            value_range=None if bounds is None else (float(bounds[0]), float(bounds[1])),
            scale=float(data.get("scale", 1.0)),
            digits=int(data.get("digits", 4)),
            default=bool(data.get("default", True)),
        )


@dataclass(frozen=True, slots=True)
class MetricInfo:
    """Everything a metric declares about itself, the ``evaluate``-style ``info``.

    Attributes:
        name: The metric's name (the key of ``metrics`` in the config).
        keys: Every key ``score()`` writes, in display order, with its :class:`KeyInfo`.
        needs_references: It compares against reference summaries (a cluster without them is an
            error; with one cluster the runner adds per-reference and leave-one-out views).
        needs_documents: It reads the cluster's source documents.
        multi_reference: How several references combine (:data:`MULTI_REFERENCE`).
        details: Names of the non-numeric per-cluster fields it returns (e.g. ``fact_issues``).
        description: One line for ``--help`` pages, reports and docs.
    """

    name: str
    keys: Mapping[str, KeyInfo]
    needs_references: bool = False
    needs_documents: bool = False
    multi_reference: str = "none"
    details: tuple[str, ...] = ()
    description: str = ""
    citation: str = field(default="")

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError(f"metric {self.name!r} declares no keys")
        if self.multi_reference not in MULTI_REFERENCE:
            raise ValueError(
                f"metric {self.name!r}: multi_reference {self.multi_reference!r} is not one of "
                f"{', '.join(MULTI_REFERENCE)}"
            )

    @property
    def higher_is_better(self) -> dict[str, bool | None]:
        """Key -> direction."""
        return {key: k.higher_is_better for key, k in self.keys.items()}

    def as_dict(self) -> dict[str, Any]:
        """The JSON form recorded in run.json (``metric_info``)."""
        return {
            "name": self.name,
            "keys": {key: k.as_dict() for key, k in self.keys.items()},
            "needs_references": self.needs_references,
            "needs_documents": self.needs_documents,
            "multi_reference": self.multi_reference,
            "details": list(self.details),
            "description": self.description,
            "citation": self.citation,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MetricInfo:
        """Read the JSON form back."""
        return cls(
            name=str(data["name"]),
            keys={str(k): KeyInfo.from_dict(v) for k, v in data["keys"].items()},
            needs_references=bool(data.get("needs_references", False)),
            needs_documents=bool(data.get("needs_documents", False)),
            multi_reference=str(data.get("multi_reference", "none")),
            details=tuple(data.get("details", ())),
            description=str(data.get("description", "")),
            citation=str(data.get("citation", "")),
        )


def percent_keys(
    names: Sequence[str], labels: Mapping[str, str] | None = None, **kwargs: Any
) -> dict[str, KeyInfo]:
    """Keys of 0..1 values shown in percent with 2 decimals (ROUGE-style)."""
    labels = labels or {}
    return {
        name: KeyInfo(
            labels.get(name, name), value_range=(0.0, 1.0), scale=100.0, digits=2, **kwargs
        )
        for name in names
    }


#: The budget's length keys (written for every run by the budget, not by a metric).
LENGTH_INFO = MetricInfo(
    name="length",
    keys={
        "length_words": KeyInfo("Words", higher_is_better=None, digits=1),
        "length_bytes": KeyInfo("Bytes", higher_is_better=None, digits=1),
        "length_sentences": KeyInfo("Sentences", higher_is_better=None, digits=1, default=False),
    },
    description="Length of the summary after the budget cut.",
)


@dataclass(frozen=True, slots=True)
class MetricOutput:
    """What ``score()`` returns: per cluster, in order, its values and its details."""

    scores: list[dict[str, float]]
    details: list[dict[str, Any]]

    @classmethod
    def of(
        cls, scores: list[dict[str, float]], details: list[dict[str, Any]] | None = None
    ) -> MetricOutput:
        """Scores with empty details when the metric has none."""
        return cls(scores, [{} for _ in scores] if details is None else details)


@runtime_checkable
class Metric(Protocol):
    """Batched: every summary with its cluster in, one :class:`MetricOutput` out.

    Keys are ``<metric>_<variant>`` and stable, all declared in ``info.keys``. Aggregation and
    intervals live in :mod:`bench.results.aggregate`, not here.
    """

    info: MetricInfo

    def score(self, summaries: Sequence[str], clusters: Sequence[Cluster]) -> MetricOutput:
        """Values and details per cluster, in order."""
        ...

    def signature(self) -> dict[str, str]:
        """Everything that determines the values."""
        ...
