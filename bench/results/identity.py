"""A run's system identity: which summarizer produced the summaries, with which settings.

The identity is the summarizer's name (the ``name`` field of its config; the config choice when
there is none) plus the settings that change what it writes and differ from the defaults it was
composed with: overrides of the summarizer's own keys (``summarizer.k=5``) and of the groups
that shape its input and output (``packing``, ``budget``). Everything else is context, not
identity: the dataset, the seed, the metrics, where results go, and any value that is a
filesystem path (a precomputed file checked from two folders is one system). Settings that
reach the summarizer another way (an experiment file) are not seen here; give such a system
its own ``name``.

Computed once, by :func:`system_identity` when a run is recorded; readers of older run.json
files (without ``system_label``) derive it from the recorded overrides by the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: Config groups whose settings shape what a summarizer writes (beside its own node).
SYSTEM_GROUPS = ("summarizer", "packing", "budget")
#: Key names (the last dotted part) whose values are filesystem locations.
_PATH_KEYS = ("path", "dir", "file", "root")
_PATH_PREFIXES = ("/", "~", "./", "../", "file:")


def _key(override: str) -> tuple[str, str]:
    """``(dotted key without +/~ prefixes, value)`` of an override string."""
    key, _, value = override.partition("=")
    return key.lstrip("+~"), value


def is_path_setting(key: str, value: str) -> bool:
    """Whether a setting names a filesystem location (by its key's name or its value's form)."""
    last = key.rsplit(".", 1)[-1].lower()
    if last in _PATH_KEYS or last.endswith(tuple(f"_{k}" for k in _PATH_KEYS)):
        return True
    return value.strip("'\"").startswith(_PATH_PREFIXES)


def system_settings(overrides: Sequence[str]) -> list[str]:
    """The overrides that are part of the system identity, in the order given.

    The summarizer's ``name`` is left out (it is the name), and so are paths.
    """
    out = []
    for override in overrides:
        key, value = _key(override)
        group = key.split(".", 1)[0]
        if group not in SYSTEM_GROUPS or key in ("summarizer", "summarizer.name"):
            continue
        if is_path_setting(key, value):
            continue
        out.append(override)
    return out


def format_label(name: str, settings: Sequence[str]) -> str:
    """``name`` or ``name (setting, ...)``."""
    return f"{name} ({', '.join(settings)})" if settings else name


def system_identity(name: str, overrides: Sequence[str]) -> dict[str, Any]:
    """The identity fields of run.json: ``system``, ``system_settings``, ``system_label``.

    Args:
        name: The summarizer's name (its config's ``name``, else the config choice).
        overrides: The run's command-line and sweep overrides.
    """
    settings = system_settings(overrides)
    return {
        "system": name,
        "system_settings": settings,
        "system_label": format_label(name, settings),
    }


def record_identity(record: Mapping[str, Any]) -> tuple[str, list[str]]:
    """``(name, settings)`` of a run record: as recorded, or derived for older records."""
    name = str(record.get("system", "?"))
    settings = record.get("system_settings")
    if isinstance(settings, list):
        return name, [str(s) for s in settings]
    return name, system_settings([str(o) for o in record.get("overrides", [])])


def is_system_setting(override: str) -> bool:
    """Whether an override belongs to the system identity's namespace (paths included)."""
    return _key(override)[0].split(".", 1)[0] in SYSTEM_GROUPS


def is_budget_setting(override: str) -> bool:
    """Whether an override sets the length budget (runs differing only so form a trade-off)."""
    return _key(override)[0].split(".", 1)[0] == "budget"
