"""Strict reading of the files users hand us: every failure names the file and the problem."""

from __future__ import annotations

import gzip
import json
import os
import stat
import zlib
from pathlib import Path
from typing import Any

from bench.errors import BenchError

_GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path: Path, what: str) -> bytes:
    """The bytes of a regular file; anything else (a FIFO, a device, a folder) is an error.

    The file is opened without blocking and checked before it is read: reading a FIFO nobody
    writes to, or a terminal, would wait forever.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise BenchError(f"{what} not found: {path}") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = getattr(exc, "strerror", None) or exc
        raise BenchError(f"cannot read {what} {path!r}: {reason}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO, socket or device"
            raise BenchError(f"{what} {path} is not a regular file ({kind})")
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            return fh.read()
    except OSError as exc:
        raise BenchError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)


def read_text(path: Path, what: str) -> str:
    """Read a UTF-8 text file, plain or gzip-compressed; unreadable or empty files are errors.

    Missing, non-regular, undecodable, binary (NUL bytes), damaged gzip and empty files each get
    their own message naming the file.
    """
    data = read_bytes(path, what)
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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json_line(line: str, where: str) -> Any:
    """One value of a JSON-lines file, strictly: no NaN/Infinity, writable back as UTF-8.

    ``where`` (``file:line``) starts every error.
    """
    try:
        value = json.loads(line, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise BenchError(f"{where}: not valid JSON: {exc.msg} (column {exc.colno})") from None
    except ValueError as exc:  # NaN, Infinity
        raise BenchError(f"{where}: {exc}") from None
    except RecursionError:
        raise BenchError(f"{where}: nested too deeply") from None
    try:  # lone surrogates ("\ud800") parse but cannot be written back as UTF-8
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BenchError(f"{where}: holds text that is not valid Unicode") from None
    return value


def json_lines(text: str) -> Any:
    """``(line number, line)`` of every non-blank line of a JSON-lines text."""
    for line_no, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield line_no, line


def require_keys(obj: Any, keys: tuple[str, ...], where: str) -> dict[str, Any]:
    """Check that ``obj`` is an object holding every key in ``keys``."""
    if not isinstance(obj, dict):
        raise BenchError(f"{where} must be a JSON object, got {type(obj).__name__}")
    missing = [k for k in keys if k not in obj]
    if missing:
        raise BenchError(f"{where} is missing {', '.join(repr(k) for k in missing)}")
    return obj


def id_value(value: Any, where: str, key: str) -> str:
    """An id read from a manifest: a string or a whole number, never null, a bool or a list."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BenchError(f"{where}: {key!r} must be a string, got {json.dumps(value)}")
    return str(value)


def file_in_folder(folder: Path, name: Any, where: str) -> Path:
    """``folder / name`` for a file name read from a manifest, which must stay inside ``folder``."""
    if not isinstance(name, str) or not name.strip() or "\0" in name:
        raise BenchError(f"{where}: 'file' must be a file name, got {json.dumps(name)}")
    path = folder / name
    if path.resolve().parent != folder.resolve():
        raise BenchError(f"{where}: file {name!r} is outside the folder of its manifest")
    return path


def read_jsonl_rows(path: Path, what: str) -> list[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` of every non-blank line of a JSON Lines file (plain or gzip).

    Raises:
        BenchError: the file cannot be read (:func:`read_text`), or a line is not a JSON object,
            naming the file and line.
    """
    rows = []
    for line_no, line in json_lines(read_text(path, what)):
        where = f"{path}:{line_no}"
        value = parse_json_line(line, where)
        if not isinstance(value, dict):
            raise BenchError(f"{where}: expected a JSON object, got {type(value).__name__}")
        rows.append((line_no, value))
    return rows
