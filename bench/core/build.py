"""Objects from config nodes: one ``instantiate`` for every group, and the selected metrics."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from omegaconf import DictConfig

from bench.errors import BenchError
from bench.metrics.base import Metric, MetricInfo


def instantiate(node: Any, what: str, **kwargs: Any) -> Any:
    """Build the object of a config node; a bad value becomes a one-line ``BenchError``.

    ``kwargs`` are objects bound after Hydra built the node (Hydra would turn them into
    configs).
    """
    from hydra.errors import InstantiationException
    from hydra.utils import instantiate as hydra_instantiate

    try:
        if not kwargs:
            return hydra_instantiate(node, _convert_="all")
        return hydra_instantiate(node, _convert_="all", _partial_=True)(**kwargs)
    except InstantiationException as exc:
        cause = exc.__cause__
        if isinstance(cause, BenchError | ValueError | TypeError):
            raise BenchError(f"invalid {what} configuration: {cause}") from cause
        raise
    except (ValueError, TypeError) as exc:
        raise BenchError(f"invalid {what} configuration: {exc}") from exc


def metric_nodes(cfg: DictConfig) -> dict[str, Any]:
    """The selected metrics' config nodes by name (those with a ``_target_``)."""
    metrics = cfg.get("metrics") or {}
    nodes = {k: v for k, v in metrics.items() if isinstance(v, DictConfig) and "_target_" in v}
    if not nodes:
        raise BenchError("no metrics selected: choose at least one, e.g. metrics=[rouge]")
    return nodes


def build_metrics(cfg: DictConfig, reserved: Collection[str] = ()) -> dict[str, Metric]:
    """Every selected metric, built, with its declared keys checked (:func:`check_keys`)."""
    metrics = {k: instantiate(v, f"metric {k!r}") for k, v in metric_nodes(cfg).items()}
    check_keys(metrics, reserved)
    return metrics


def metric_info(name: str, metric: Any) -> MetricInfo:
    """The declared ``info`` of a metric; an object without one is refused in one line."""
    info = getattr(metric, "info", None)
    if not isinstance(info, MetricInfo):
        raise BenchError(
            f"metric {name!r} ({type(metric).__name__}) declares no info: a metric needs an "
            "'info' (bench.metrics.base.MetricInfo), 'score()' and 'signature()'"
        )
    return info


def check_keys(metrics: Mapping[str, Any], reserved: Collection[str] = ()) -> dict[str, str]:
    """Key -> the metric writing it; two metrics writing one key is an error.

    Score keys and details names are checked together, before any (possibly slow) metric
    runs: a details field may not take the name of a score, and neither may take a
    ``reserved`` name (a field of the runner's output rows).
    """
    owner: dict[str, str] = {}
    for name, metric in metrics.items():
        info = metric_info(name, metric)
        for key in (*info.keys, *info.details):
            if key in reserved:
                raise BenchError(f"metric {name!r} writes {key!r}, a name the runner reserves")
            if owner.setdefault(key, name) != name:
                raise BenchError(
                    f"metrics {owner[key]!r} and {name!r} both produce {key!r}; select one of them"
                )
    return owner
