"""Progress of long work: a bar with rate and ETA on a terminal, a log line per tenth elsewhere.

``Progress(total, "lexrank: summarizing")`` draws a tqdm bar on stderr when stderr is a
terminal, and otherwise (a file, a pipe, ``CI=true``, ``BENCH_PROGRESS=0``) logs one line at
every tenth of the work, so logs stay short. Sweeps say "job i of N" (:class:`JobCounter`).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from hydra.experimental.callback import Callback

log = logging.getLogger(__name__)

JOBS_VARIABLE = "BENCH_SWEEP_JOBS"


def bars_enabled() -> bool:
    """Whether to draw bars: stderr is a terminal, not under CI, not switched off."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return False
    if os.environ.get("BENCH_PROGRESS", "").lower() in ("0", "false", "no", "off"):
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """Counts done units of ``total``; a bar or a log line per tenth (module docstring)."""

    def __init__(self, total: int, desc: str, unit: str = "cluster", plural: str = "") -> None:
        """Start counting (nothing is shown for ``total`` of 0)."""
        self.total = total
        self.desc = desc
        self.unit = unit
        self.plural = plural or f"{unit}s"
        self.done = 0
        self._next_log = max(1, total // 10)
        self._bar: Any = None
        if total > 0 and bars_enabled():
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(total=total, desc=desc, unit=unit, leave=False, file=sys.stderr,
                                 dynamic_ncols=True)  # fmt: skip

    def update(self, n: int = 1) -> None:
        """``n`` more units done."""
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.done >= self._next_log or self.done == self.total:
            plural = self.plural
            log.info("%s: %d/%d %s", self.desc, self.done, self.total, plural)
            step = max(1, self.total // 10)
            self._next_log = (self.done // step + 1) * step

    def close(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sweep_size(overrides: list[str], sweeper_params: dict[str, Any] | None = None) -> int | None:
    """How many jobs a sweep's overrides (and declared sweeper params) expand to."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    args = list(overrides) + [f"{k}={v}" for k, v in (sweeper_params or {}).items()]
    try:
        parsed = OverridesParser.create().parse_overrides(args)
    except Exception:  # noqa: BLE001 - a count is a nicety; Hydra reports bad overrides itself
        return None
    n = 1
    for override in parsed:
        if override.is_sweep_override():
            n *= len(list(override.sweep_string_iterator()))
    return n


def job_position() -> str:
    """``job i of N`` in a sweep (``job i`` when N is unknown), empty outside a sweep."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    if not HydraConfig.initialized():
        return ""
    hc = HydraConfig.get()
    if hc.mode != RunMode.MULTIRUN:
        return ""
    total = os.environ.get(JOBS_VARIABLE)
    return f"job {hc.job.num + 1}" + (f" of {total}" if total else "")


def count_jobs(config: Any) -> None:
    """Put the number of jobs of the starting sweep where every job (and worker) can read it."""
    from omegaconf import OmegaConf

    params = config.hydra.sweeper.get("params")
    plain = OmegaConf.to_container(params) if params is not None else {}
    n = sweep_size(list(config.hydra.overrides.task), plain if isinstance(plain, dict) else {})
    if n:
        os.environ[JOBS_VARIABLE] = str(n)


class JobCounter(Callback):
    """Hydra callback: counts a sweep's jobs when it starts, for "job i of N" lines."""

    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        """Count the jobs of the starting sweep."""
        count_jobs(config)
