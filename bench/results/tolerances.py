"""Tolerances of the regression gate: how far each key may move the bad way, and which way is bad.

A tolerance file (``conf/compare/default.yaml``) maps key names or glob patterns to a tolerance,
optionally with a direction; without one the direction is the metric's declared one
(:func:`direction_of` of ``higher_is_better`` in run.json's ``metric_info``).
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import BenchError
from bench.paths import ROOT

DIRECTIONS = ("higher", "lower", "both")
TOLERANCE_KEYS = ("default", "metrics", "exclude")
RULE_KEYS = ("tolerance", "direction")
# Float noise allowed on top of a tolerance, so that a tolerance of 0 accepts equal values.
_EPS = 1e-12
_GLOB = re.compile(r"[*?\[]")


@dataclass(frozen=True, slots=True)
class Rule:
    """How far a metric may move before it counts as a regression.

    Attributes:
        tolerance: Largest allowed move the bad way, absolute, in metric units.
        direction: ``higher`` (higher is better: a drop fails), ``lower`` (a rise fails) or
            ``both`` (a move either way fails; for descriptive values such as lengths); None
            in a tolerance file entry that leaves it to the metric's declared direction.
    """

    tolerance: float
    direction: str | None = None

    def directed(self, higher_is_better: bool | None) -> Rule:
        """This rule with the direction a metric declares, unless the file gave one."""
        if self.direction is not None:
            return self
        return Rule(self.tolerance, direction_of(higher_is_better))

    def fails(self, delta: float) -> bool:
        """Whether ``delta`` (run minus baseline) breaks this rule; NaN or inf always does."""
        if not math.isfinite(delta):
            return True
        limit = self.tolerance + _EPS
        if self.direction == "higher":
            return delta < -limit
        if self.direction == "lower":
            return delta > limit
        return abs(delta) > limit

    def worse(self, delta: float) -> bool:
        """Whether ``delta`` points the bad way at all (any move for ``both``)."""
        if self.direction == "higher":
            return delta < 0
        if self.direction == "lower":
            return delta > 0
        return delta != 0

    def describe(self) -> str:
        """The allowed delta as shown in the table: ``-0.005``, ``+0.01`` or ``±1``."""
        sign = {"higher": "-", "lower": "+", "both": "±", None: "?"}[self.direction]
        return f"{sign}{self.tolerance:g}"


@dataclass(frozen=True, slots=True)
class Tolerances:
    """Per-metric rules: exact names first, then glob patterns in file order, then the default.

    Attributes:
        default: Rule of every metric no other entry matches.
        rules: ``(name or glob pattern, rule)`` pairs in file order.
        exclude: Names or glob patterns of metrics that are not compared at all.
        source: Where the tolerances came from, for messages.
    """

    default: Rule
    rules: tuple[tuple[str, Rule], ...] = ()
    exclude: tuple[str, ...] = ()
    source: str = "<built-in>"

    def rule(self, metric: str) -> Rule | None:
        """The rule for ``metric``, or None when it is excluded."""
        if any(fnmatch.fnmatchcase(metric, pattern) for pattern in self.exclude):
            return None
        for name, rule in self.rules:
            if name == metric:
                return rule
        for name, rule in self.rules:
            if _GLOB.search(name) and fnmatch.fnmatchcase(metric, name):
                return rule
        return self.default

    def check_names(self, known: set[str]) -> None:
        """Reject exact metric names (not patterns) that no compared run has.

        Raises:
            BenchError: naming the first unknown metric and the known ones.
        """
        for name in [n for n, _ in self.rules] + list(self.exclude):
            if not _GLOB.search(name) and name not in known:
                raise BenchError(
                    f"{self.source}: unknown metric {name!r}; known: {', '.join(sorted(known))}"
                )


def _tolerance_value(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BenchError(f"{where}: tolerance must be a number >= 0, got {value!r}")
    if value < 0:
        raise BenchError(f"{where}: tolerance must be a number >= 0, got {value!r}")
    return float(value)


def _rule(value: Any, where: str) -> Rule:
    if not isinstance(value, Mapping):
        return Rule(_tolerance_value(value, where))
    unknown = sorted(str(k) for k in value if k not in RULE_KEYS)
    if unknown:
        raise BenchError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(RULE_KEYS)}")
    if "tolerance" not in value:
        raise BenchError(f"{where}: missing 'tolerance'")
    direction = value.get("direction")
    if direction is not None and direction not in DIRECTIONS:
        raise BenchError(
            f"{where}: direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}"
        )
    return Rule(_tolerance_value(value["tolerance"], where), direction)


def parse_tolerances(data: Any, source: str = "<built-in>") -> Tolerances:
    """Validate a parsed tolerance file (see ``conf/compare/default.yaml``).

    Args:
        data: The parsed YAML document.
        source: The file name, for error messages.

    Raises:
        BenchError: on unknown keys, bad values or a missing ``default``.
    """
    if not isinstance(data, Mapping):
        raise BenchError(f"{source}: expected a mapping with keys {', '.join(TOLERANCE_KEYS)}")
    unknown = sorted(str(k) for k in data if k not in TOLERANCE_KEYS)
    if unknown:
        raise BenchError(
            f"{source}: unknown key {unknown[0]!r}; allowed: {', '.join(TOLERANCE_KEYS)}"
        )
    if "default" not in data:
        raise BenchError(f"{source}: missing 'default' (the tolerance of unlisted metrics)")
    default = _rule(data["default"], f"{source}: default")
    metrics = data.get("metrics") or {}
    if not isinstance(metrics, Mapping):
        raise BenchError(f"{source}: 'metrics' must map metric names or patterns to tolerances")
    rules = tuple((str(k), _rule(v, f"{source}: metrics.{k}")) for k, v in metrics.items())
    exclude = data.get("exclude") or []
    if not isinstance(exclude, list) or not all(isinstance(x, str) for x in exclude):
        raise BenchError(f"{source}: 'exclude' must be a list of metric names or patterns")
    return Tolerances(default, rules, tuple(exclude), source)


def direction_of(higher_is_better: bool | None) -> str:
    """The gate's direction of a declared ``higher_is_better`` (None: a move either way)."""
    return {True: "higher", False: "lower", None: "both"}[higher_is_better]


def load_tolerances(path: Path) -> Tolerances:
    """Read and validate a tolerance file.

    Raises:
        BenchError: when the file is missing, is not YAML, or is not a valid tolerance file.
    """
    import yaml

    from bench.data.io import read_text

    text = read_text(path, "tolerance file")  # a FIFO or device is refused, never waited on
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BenchError(f"{path}: invalid YAML ({first})") from None
    return parse_tolerances(data, _display(path))


def _display(path: Path) -> str:
    """``path`` relative to the project when inside it (``conf/compare/default.yaml``)."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)
