"""Command-line overrides checked before Hydra runs, and Hydra's own writes made safe.

Hydra reports a malformed override, an unknown key and a failure to write ``.hydra/`` with
several lines (or a traceback) and exit status 1; these give ``bench-run: error: ...`` and 2.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.errors import BenchError

log = logging.getLogger(__name__)

# The files Hydra writes into a run folder before the job starts.
HYDRA_FILES = (".hydra/config.yaml", ".hydra/hydra.yaml", ".hydra/overrides.yaml")

# Hydra's flags that take the next argument as their value (--info only some values).
_VALUE_FLAGS = (
    "-cn", "--config-name", "-cp", "--config-path", "-cd", "--config-dir", "-c", "--cfg",
    "-p", "--package", "-sc", "--shell-completion", "--experimental-rerun",
)  # fmt: skip
_INFO_FLAGS = ("-i", "--info")
_INFO_VALUES = ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath")


def _override_args(args: Sequence[str]) -> list[str]:
    """The overrides among the command-line arguments (flags and their values left out)."""
    out: list[str] = []
    previous = ""
    for arg in args:
        takes_value = previous in _VALUE_FLAGS or (previous in _INFO_FLAGS and arg in _INFO_VALUES)
        if not takes_value and not arg.startswith("-"):
            out.append(arg)
        previous = "" if takes_value else arg
    return out


def _one_line(exc: BaseException) -> str:
    """Hydra's and OmegaConf's several-line messages (and their causes) as one line."""
    parts: list[str] = []
    while exc is not None and len(parts) < 3:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        parts += [
            ln for ln in lines
            if not ln.startswith(("full_key:", "object_type=", "See https://", "^"))
            and ln not in parts
        ]  # fmt: skip
        exc = exc.__cause__  # type: ignore[assignment]
    return " ".join(" ".join(parts).split())


def config_dir_arg(args: Sequence[str]) -> str | None:
    """The value of ``--config-dir``/``-cd`` among the command-line arguments (the last one)."""
    found = None
    previous = ""
    for arg in args:
        if previous in ("-cd", "--config-dir"):
            found = arg
        elif arg.startswith(("--config-dir=", "-cd=")):
            found = arg.split("=", 1)[1]
        previous = arg
    return found


def _searchpath_override(args: Sequence[str]) -> list[str]:
    """The ``hydra.searchpath=[...]`` override among the arguments (Hydra reads the first)."""
    for arg in _override_args(args):
        if arg.lstrip("+").split("=", 1)[0] == "hydra.searchpath":
            return [arg]
    return []


def user_config_dirs(args: Sequence[str]) -> list[Path]:
    """The config folders a user adds: ``--config-dir`` and the ``file://`` search paths.

    ``pkg://`` search paths name packages that are importable already and are left out.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    dirs = []
    config_dir = config_dir_arg(args)
    if config_dir is not None:
        dirs.append(Path(config_dir).expanduser().absolute())
    for arg in _searchpath_override(args):
        try:
            (override,) = OverridesParser.create().parse_overrides([arg])
            value = override.value()
        except HydraException:
            continue  # reported by check_overrides
        entries = value if isinstance(value, list) else [value]
        for entry in entries:
            if isinstance(entry, str) and entry.startswith("file://"):
                dirs.append(Path(entry.removeprefix("file://")).expanduser().absolute())
    return dirs


def add_plugin_imports(args: Sequence[str]) -> list[Path]:
    """Make the user's modules importable: the folder holding each user config folder.

    A plug-in is a folder with ``conf/<group>/<name>.yaml`` and the module its ``_target_``
    names, side by side; ``--config-dir ./conf`` (or ``hydra.searchpath=[file://./conf]``) then
    needs no ``PYTHONPATH``. The folders go to the end of ``sys.path`` (so they never shadow an
    installed package) and of ``PYTHONPATH`` (for launcher worker processes).

    Returns:
        The folders added.
    """
    added = []
    for conf in user_config_dirs(args):
        folder = str(conf.parent)
        if folder not in sys.path:
            sys.path.append(folder)
            added.append(conf.parent)
    if added:
        current = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        extra = [str(p) for p in added if str(p) not in current]
        os.environ["PYTHONPATH"] = os.pathsep.join([*current, *extra])
    return added


def _config_loader(args: Sequence[str], conf_dir: Path) -> Any:
    """Hydra's config loader over the search path ``bench-run`` will use.

    Built as ``hydra.main`` builds it (hydra-core is pinned to 1.3): the primary ``conf_dir``,
    the search-path plug-ins (launchers), and ``--config-dir`` placed before the structured
    configs; ``hydra.searchpath`` overrides are applied by the loader itself.
    """
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.utils import create_config_search_path
    from hydra.core.config_search_path import SearchPathQuery

    search_path = create_config_search_path(str(conf_dir))
    config_dir = config_dir_arg(args)
    if config_dir is not None:
        path = Path(config_dir).expanduser().absolute()
        if not path.is_dir():
            raise BenchError(f"config directory {config_dir} (--config-dir) is not a directory")
        search_path.prepend("command-line", f"file://{path}", SearchPathQuery(provider="schema"))
    return ConfigLoaderImpl(config_search_path=search_path)


def _choice_names(value: Any) -> list[str]:
    """The option names in an override value: ``a``, ``[a,b]``, a sweep's ``a,b``."""
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        return [x.strip() for x in value[1:-1].split(",") if x.strip()]
    if isinstance(value, list):
        return [str(x) for x in value]
    return [str(value)]


def check_group_choices(args: Sequence[str], conf_dir: Path) -> None:
    """Reject an unknown option of a config group with one line, before Hydra composes.

    The options are those Hydra will see: ``conf_dir``, ``--config-dir``/``-cd``, the
    ``hydra.searchpath`` entries (``file://`` and ``pkg://``) and the launcher plug-ins, so a
    user's ``conf/summarizer/mine.yaml`` is accepted like a built-in one.
    """
    from hydra.core.object_type import ObjectType
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    candidates = [a for a in _override_args(args) if "=" in a]
    try:
        overrides = OverridesParser.create().parse_overrides(candidates)
    except HydraException:
        return  # check_overrides reports syntax errors
    loader = _config_loader(args, conf_dir)
    searchpath = _searchpath_override(args)
    try:
        repo = loader._parse_overrides_and_create_caching_repo("run", searchpath)[1]
    except HydraException as exc:
        raise BenchError(_one_line(exc)) from None
    for ov in overrides:
        group = ov.key_or_group
        if ov.is_delete() or group.startswith("hydra.") or not repo.group_exists(group):
            continue
        try:
            values = list(ov.sweep_string_iterator()) if ov.is_sweep_override() else [ov.value()]
        except HydraException:
            continue  # e.g. glob(): Hydra expands and checks it itself
        available = sorted(set(repo.get_group_options(group, ObjectType.CONFIG)))
        for name in (n for v in values for n in _choice_names(v)):
            if name not in available:
                raise BenchError(f"unknown {group} {name!r}; available: {', '.join(available)}")
            _warn_if_shadowed(args, conf_dir, group, name)


def _warn_if_shadowed(args: Sequence[str], conf_dir: Path, group: str, name: str) -> None:
    """Say so when a user's option is named like a built-in one: Hydra takes the built-in."""
    if not (conf_dir / group / f"{name}.yaml").is_file():
        return
    for folder in user_config_dirs(args):
        theirs = folder / group / f"{name}.yaml"
        if theirs.is_file():
            log.warning("%s is not used: mdsbench's own %s %r comes first in Hydra's search "
                        "path; give yours another name", theirs, group, name)  # fmt: skip


def check_overrides(args: Sequence[str], conf_dir: Path) -> None:
    """Reject a malformed override or one naming an unknown key with one line, before Hydra.

    Each override is parsed alone (so the error names it); then the config is composed with the
    overrides that are not sweeps, over the search path ``bench-run`` will use, which finds keys
    that do not exist (``budget.limt=5``).
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
    from hydra.types import RunMode
    from omegaconf.errors import OmegaConfBaseException

    parser = OverridesParser.create()
    plain = []
    for arg in _override_args(args):
        try:
            (override,) = parser.parse_overrides([arg])
        except HydraException as exc:
            raise BenchError(f"invalid override {arg!r}: {_one_line(exc)} "
                             "(overrides are key=value)") from None  # fmt: skip
        if not override.is_sweep_override():
            plain.append(arg)
    loader = _config_loader(args, conf_dir)
    try:
        cfg = loader.load_configuration("run", plain, RunMode.RUN, from_shell=True)
    except (HydraException, OmegaConfBaseException) as exc:
        raise BenchError(_one_line(exc)) from None
    preflight_callbacks(cfg)


def preflight_callbacks(cfg: Any) -> None:
    """Check Hydra callbacks that can check themselves (a ``preflight`` class method) up front.

    Hydra builds its callbacks before any job, and reports a failure there in its own words over
    several lines; a callback class of ours with ``preflight(settings)`` (the trackers of
    ``bench.tracking``: client installed, settings usable) is checked here instead, so that the
    problem is one line. Settings that cannot be resolved outside a run are left to the callback.
    """
    from hydra.utils import get_class
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    callbacks = OmegaConf.select(cfg, "hydra.callbacks") or {}
    for name, node in callbacks.items():
        target = OmegaConf.select(node, "_target_", default=None)
        if not isinstance(target, str) or not target.startswith("bench."):
            continue
        preflight = getattr(get_class(target), "preflight", None)
        if preflight is None:
            continue
        settings = {}
        for key in node:
            if str(key).startswith("_"):
                continue
            try:
                value = node[key]
                if OmegaConf.is_config(value):
                    value = OmegaConf.to_container(value, resolve=True)
            except OmegaConfBaseException:
                continue
            settings[str(key)] = value
        try:
            preflight(settings)
        except (ImportError, ValueError, TypeError) as exc:
            raise BenchError(f"hydra.callbacks.{name}: {_one_line(exc)}") from None


def guard_hydra_files() -> None:
    """Make a failure to write ``.hydra/`` (a full disk) a one-line error that leaves nothing.

    Hydra writes ``.hydra/*.yaml`` in ``run_job`` before our code runs, and reports an error there
    as a traceback; hydra-core is pinned to 1.3, whose ``_save_config`` this wraps.
    """
    import hydra.core.utils as hydra_utils

    save = hydra_utils._save_config
    if getattr(save, "bench_guarded", False):
        return

    def guarded(cfg: Any, filename: str, output_dir: Path) -> None:
        try:
            save(cfg, filename, output_dir)
        except OSError as exc:
            from hydra.core.hydra_config import HydraConfig

            job_log = f"{HydraConfig.get().job.name}.log"  # Hydra opened it just before
            for name in (*HYDRA_FILES, job_log):
                (output_dir.parent / name).unlink(missing_ok=True)
            for folder in (output_dir, output_dir.parent):
                with contextlib.suppress(OSError):
                    folder.rmdir()
            print(f"bench-run: error: cannot write {output_dir / filename}: "
                  f"{exc.strerror or exc}", file=sys.stderr)  # fmt: skip
            sys.exit(2)

    guarded.bench_guarded = True  # type: ignore[attr-defined]
    hydra_utils._save_config = guarded
