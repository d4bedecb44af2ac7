"""A generation cache shared by every job of a sweep and by later runs.

An entry is keyed by sha256 over the generating summarizer's signature (model and its weights'
fingerprint or pinned revision, decoding settings, packing, prompt, dtype, device, library
versions) and the exact model input text, so a changed decoding setting or a different model can
never be served another's output (lm-evaluation-harness's cache key famously ignored the model).

One file per entry, ``<dir>/<key[:2]>/<key>.json``, written to a temporary file and renamed: two
jobs writing the same entry at once both write complete files and the last rename wins with
identical content; readers see a whole entry or none. An entry whose recorded key or input hash
does not match, or that does not parse, is a miss and is rewritten. Every entry also carries a
sha256 of its own content (``checksum``), checked on read: an entry edited or damaged on disk is
a miss with a warning and is regenerated, never served.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.fileio import atomic_write_json, checksum

log = logging.getLogger(__name__)

# 2: entries carry a checksum (records.checksum). The format is part of the key, so entries of
# format 1 (written before this checksum) are never looked up: a plain miss each, not a warning
# about tampering.
FORMAT = 2


def sha256_text(text: str) -> str:
    """Hex sha256 of UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_checksum(entry: Mapping[str, object]) -> str:
    """sha256 of a cache entry's canonical JSON, its ``checksum`` field left out."""
    body = {k: v for k, v in entry.items() if k != "checksum"}
    return checksum(json.dumps(body, sort_keys=True, ensure_ascii=False))


class GenerationCache:
    """Outputs of generation, keyed by (signature, input). ``directory=None`` disables it."""

    def __init__(self, directory: str | Path | None) -> None:
        """Entries live under ``directory`` (created on first write)."""
        self.directory = None if directory in (None, "") else Path(directory)
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        """Whether entries are read and written."""
        return self.directory is not None

    @staticmethod
    def key(signature: Mapping[str, str], model_input: str) -> str:
        """The entry key of one input under one generating signature."""
        payload = json.dumps(
            {"format": FORMAT, "signature": dict(signature), "input": sha256_text(model_input)},
            sort_keys=True,
            ensure_ascii=False,
        )
        return sha256_text(payload)

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str, model_input: str) -> str | None:
        """The cached output, or None (counted as a miss) when absent or not trustworthy."""
        entry = self.lookup(key, model_input)
        return None if entry is None else entry[0]

    def lookup(self, key: str, model_input: str) -> tuple[str, dict[str, Any]] | None:
        """The cached output and the ``meta`` stored with it (see :meth:`get`)."""
        if self.directory is None:
            return None
        path = self._path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            valid = (
                entry.get("key") == key
                and entry.get("input_sha256") == sha256_text(model_input)
                and isinstance(entry.get("output"), str)
            )
            if valid and entry.get("checksum") != entry_checksum(entry):
                log.warning("generation cache: entry %s does not match its checksum (edited or "
                            "damaged); generating again", path)  # fmt: skip
                valid = False
        except FileNotFoundError:
            valid = False
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("generation cache: ignoring unreadable entry %s (%s)", path, exc)
            valid = False
        if not valid:
            self.misses += 1
            return None
        self.hits += 1
        meta = entry.get("meta")
        return str(entry["output"]), dict(meta) if isinstance(meta, dict) else {}

    def put(
        self,
        key: str,
        model_input: str,
        output: str,
        signature: Mapping[str, str],
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        """Store one output atomically, with ``meta`` (e.g. token usage) if given."""
        if self.directory is None:
            return
        entry = {
            "format": FORMAT,
            "key": key,
            "input_sha256": sha256_text(model_input),
            "output": output,
            "signature": dict(signature),
            **({"meta": dict(meta)} if meta else {}),
        }
        entry["checksum"] = entry_checksum(entry)
        try:
            atomic_write_json(self._path(key), entry)
        except OSError as exc:  # a full disk or read-only cache costs reuse, not the run
            log.warning("generation cache: cannot write %s (%s)", self._path(key), exc)
