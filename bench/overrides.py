"""Command-line overrides checked before Hydra runs, and Hydra's own writes made safe.

Hydra reports a malformed override, an unknown key and a failure to write ``.hydra/`` with
several lines (or a traceback) and exit status 1; these give ``bench-run: error: ...`` and 2.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.errors import BenchError

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


def check_overrides(args: Sequence[str], conf_dir: Path) -> None:
    """Reject a malformed override or one naming an unknown key with one line, before Hydra.

    Each override is parsed alone (so the error names it); then the config is composed with the
    overrides that are not sweeps, which finds keys that do not exist (``budget.limt=5``).
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
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
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(conf_dir), version_base="1.3"):
            compose(config_name="run", overrides=plain)
    except (HydraException, OmegaConfBaseException) as exc:
        raise BenchError(_one_line(exc)) from None
    finally:
        GlobalHydra.instance().clear()


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

            from bench.run import HYDRA_FILES

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
