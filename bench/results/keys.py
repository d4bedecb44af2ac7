"""Score keys as shown: labels, display scale, decimals, direction and default columns.

Everything is read from the metric contracts recorded with the runs (run.json's
``metric_info``, :class:`bench.metrics.base.MetricInfo`); nothing here names a metric's keys.
The budget's length keys are declared by :data:`bench.metrics.base.LENGTH_INFO` and always
known. A key no run declares (a run.json written before ``metric_info`` existed) is shown by its
name, unscaled with 4 decimals, without a direction: never bold, never tested, and the gate
asks the tolerance file for its direction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bench.metrics.base import LENGTH_INFO, KeyInfo, MetricInfo

if TYPE_CHECKING:
    from bench.results.runrecord import RunRecord

#: The length key the length plot puts on its x axis (declared by the budget).
LENGTH_KEY = next(iter(LENGTH_INFO.keys))


def undeclared(key: str) -> KeyInfo:
    """The contract assumed for a key no run declares: its name, no direction, no scale."""
    return KeyInfo(key, higher_is_better=None, scale=1.0, digits=4, default=True)


@dataclass(frozen=True, slots=True)
class KeyCatalog:
    """The declared contract of every key of a set of runs, in display order.

    Attributes:
        infos: Key -> its :class:`KeyInfo`, keys with a direction first (metrics in the order
            they were selected, each in its declared order), then the others.
        owners: Key -> the name of the metric that declared it.
    """

    infos: Mapping[str, KeyInfo] = field(default_factory=dict)
    owners: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of_metrics(cls, metrics: Iterable[MetricInfo]) -> KeyCatalog:
        """The catalog of metric contracts (the budget's lengths always included).

        Where two contracts declare one key, the first wins.
        """
        return cls._of((k, info, m.name) for m in metrics for k, info in m.keys.items())

    @classmethod
    def of_runs(cls, runs: Iterable[RunRecord]) -> KeyCatalog:
        """The catalog of every contract recorded by ``runs`` (first run first)."""
        return cls._of(item for run in runs for item in run.declared_keys())

    @classmethod
    def _of(cls, items: Iterable[tuple[str, KeyInfo, str]]) -> KeyCatalog:
        infos: dict[str, KeyInfo] = {}
        owners: dict[str, str] = {}
        lengths = ((k, info, LENGTH_INFO.name) for k, info in LENGTH_INFO.keys.items())
        for key, info, owner in (*items, *lengths):
            if key not in infos:
                infos[key], owners[key] = info, owner
        ordered = sorted(infos, key=lambda k: infos[k].higher_is_better is None)
        return cls({k: infos[k] for k in ordered}, {k: owners[k] for k in ordered})

    def declared(self, key: str) -> bool:
        """Whether some contract declares ``key``."""
        return key in self.infos

    def info(self, key: str) -> KeyInfo:
        """The contract of ``key`` (:func:`undeclared` when none declares it)."""
        return self.infos.get(key) or undeclared(key)

    def label(self, key: str) -> str:
        """The default column header of ``key``."""
        return self.info(key).label

    def direction(self, key: str) -> bool | None:
        """True when higher is better, False when lower is, None without a direction."""
        return self.info(key).higher_is_better

    def scale(self, key: str, percent: bool = True) -> float:
        """The display factor of ``key`` (its declared scale, or 1 with ``percent`` off)."""
        return self.info(key).scale if percent else 1.0

    def digits(self, key: str, percent: bool = True) -> int:
        """Decimals shown; unscaled, a scaled key shows as many significant places as scaled."""
        info = self.info(key)
        if percent or info.scale <= 1.0:
            return info.digits
        return info.digits + round(math.log10(info.scale))

    def fmt(self, value: float, key: str, percent: bool = True) -> str:
        """``value`` of ``key`` as shown in tables."""
        return f"{value * self.scale(key, percent):.{self.digits(key, percent)}f}"

    def default_keys(self, available: Iterable[str]) -> list[str]:
        """The default columns among ``available``, in display order.

        Declared defaults with a direction, then undeclared keys (by name), then declared
        defaults without a direction (lengths).
        """
        have = set(available)
        keys = [k for k, info in self.infos.items() if info.default and k in have]
        directed = [k for k in keys if self.direction(k) is not None]
        rest = [k for k in keys if self.direction(k) is None]
        return directed + sorted(k for k in have if k not in self.infos) + rest

    def percent_note(self, keys: Sequence[str], percent: bool = True) -> str:
        """``rouge in percent`` for the metrics of ``keys`` shown in percent; empty if none."""
        names = [self.owners.get(k, k) for k in keys if self.scale(k, percent) == 100.0]
        return f"{', '.join(dict.fromkeys(names))} in percent" if names else ""
