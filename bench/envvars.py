"""Values a config takes from the environment stay out of what a run records and prints.

A config value written ``${oc.env:NAME}`` (a token, a private path) resolves to the value of an
environment variable. Results are committed and shared (a baseline), so run.json, the printed
table and the log show the interpolation as written, never its value.
"""

from __future__ import annotations

import logging
from typing import Any

from omegaconf import DictConfig, OmegaConf


def env_values(cfg: DictConfig) -> dict[str, str]:
    """Values the config takes from the environment (``${oc.env:...}``): value -> as written.

    Results are committed and shared (a baseline), so what came from the environment (a token,
    a private path) is recorded as the interpolation, never as its value.
    """
    found: dict[str, str] = {}

    def walk(raw: Any, resolved: Any) -> None:
        if isinstance(raw, dict) and isinstance(resolved, dict):
            for key, value in raw.items():
                walk(value, resolved.get(key))
        elif isinstance(raw, list) and isinstance(resolved, list):
            for a, b in zip(raw, resolved, strict=False):
                walk(a, b)
        elif isinstance(raw, str) and "oc.env" in raw and resolved not in (None, ""):
            found[str(resolved)] = raw

    walk(OmegaConf.to_container(cfg, resolve=False), OmegaConf.to_container(cfg, resolve=True))
    return found


class _RedactEnv(logging.Filter):
    """Log records with values from the environment written as configured (see env_values)."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__()
        self.values = values

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_env(message, self.values)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def redact_logs(cfg: DictConfig) -> None:
    """Keep values from the environment out of the log handlers' output (console, run.log)."""
    values = env_values(cfg)
    if values:
        for logger in (logging.getLogger(), logging.getLogger("bench")):
            for handler in logger.handlers:
                handler.addFilter(_RedactEnv(values))


def redact_env(obj: Any, values: dict[str, str]) -> Any:
    """``obj`` with the values of :func:`env_values` written as configured (``${oc.env:NAME}``).

    Values shorter than 4 characters are replaced only where they are a whole string.
    """
    if not values:
        return obj
    if isinstance(obj, dict):
        return {k: redact_env(v, values) for k, v in obj.items()}
    if isinstance(obj, list):
        return [redact_env(v, values) for v in obj]
    if isinstance(obj, str):
        if obj in values:
            return values[obj]
        for value, raw in sorted(values.items(), key=lambda kv: -len(kv[0])):
            if len(value) >= 4 and value in obj:
                obj = obj.replace(value, raw)
    return obj
