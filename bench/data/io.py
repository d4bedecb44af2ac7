"""Strict reading of the files users hand us: every failure names the file and the problem."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

from bench.errors import BenchError

_GZIP_MAGIC = b"\x1f\x8b"


def read_text(path: Path, what: str) -> str:
    """Read a UTF-8 text file, plain or gzip-compressed; unreadable or empty files are errors.

    Missing, undecodable, binary (NUL bytes), damaged gzip and empty files each get their own
    message naming the file.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BenchError(f"{what} not found: {path}") from None
    except OSError as exc:
        raise BenchError(f"cannot read {what} {path}: {exc.strerror}") from None
    if data.startswith(_GZIP_MAGIC):  # recognised by content, whatever the file is called
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise BenchError(f"{what} {path} is a damaged gzip file: {exc}") from None
    if b"\x00" in data:
        raise BenchError(f"{what} {path} is a binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BenchError(
            f"{what} {path} is not valid UTF-8 "
            f"(byte {exc.start}: {data[exc.start : exc.start + 1]!r})"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise BenchError(f"{what} {path} is empty")
    return text


def read_json(path: Path, what: str) -> Any:
    """Parse a JSON file, naming the file and position of a syntax error."""
    text = read_text(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BenchError(
            f"{what} {path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None


def require_keys(obj: Any, keys: tuple[str, ...], where: str) -> dict[str, Any]:
    """Check that ``obj`` is an object holding every key in ``keys``."""
    if not isinstance(obj, dict):
        raise BenchError(f"{where} must be a JSON object, got {type(obj).__name__}")
    missing = [k for k in keys if k not in obj]
    if missing:
        raise BenchError(f"{where} is missing {', '.join(repr(k) for k in missing)}")
    return obj
