"""Writing and reading result files. Every write goes to a temporary file and is renamed."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

# Config keys that steer how a run is executed but cannot change its results: left out of the
# recorded config and of run labels.
EXECUTION_KEYS = ("resume",)


def dumps(obj: Any) -> str:
    """Canonical JSON: sorted keys, fixed separators, so equal results are equal bytes."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are meant to be shared
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    """Canonical JSON, atomically."""
    atomic_write_text(path, dumps(obj))


def atomic_write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """One canonical JSON object per line, atomically."""
    atomic_write_text(
        path,
        "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in rows),
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL file; a bad line raises ``ValueError`` with its line number."""
    rows = []
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path} line {no}: invalid JSON ({exc.msg})") from None
    return rows
