"""Reference summaries: ``<reference_dir>/<cluster_id>/manifest.json`` plus one file each.

The manifest lists ``{"ref_id", "author", "file"}`` (optionally ``target_words``); each file
holds one sentence per line.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from bench.data.io import file_in_folder, read_json, read_text, require_keys
from bench.errors import BenchError
from bench.preprocess.text import collapse_ws
from bench.types import Reference


def load_references(reference_dir: Path, cluster_id: str) -> tuple[Reference, ...]:
    """Load every reference of one cluster; a missing folder or an empty reference is an error."""
    folder = reference_dir / cluster_id
    manifest_path = folder / "manifest.json"
    if not folder.is_dir():
        raise BenchError(
            f"no reference summaries for cluster {cluster_id!r}: {folder} does not exist"
        )
    manifest = require_keys(
        read_json(manifest_path, "reference manifest"), ("references",), str(manifest_path)
    )
    entries = manifest["references"]
    if not isinstance(entries, list) or not entries:
        raise BenchError(f"{manifest_path} lists no references")
    refs: list[Reference] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"{manifest_path} reference #{i + 1}"
        require_keys(entry, ("ref_id", "author", "file"), where)
        for key in ("ref_id", "author", "file"):
            if not isinstance(entry[key], str) or not entry[key]:
                raise BenchError(f"{where}: {key!r} must be a non-empty string")
        if entry["ref_id"] in seen:
            raise BenchError(f"{where}: duplicate ref_id {entry['ref_id']!r}")
        seen.add(entry["ref_id"])
        path = file_in_folder(folder, entry["file"], where)
        text = read_text(path, f"reference summary of {cluster_id!r}")
        # NFC as for articles, so that composed and decomposed accents tokenise alike.
        text = unicodedata.normalize("NFC", text)
        lines = [collapse_ws(line) for line in text.splitlines() if line.strip()]
        if sum(len(line.split()) for line in lines) < 2:
            raise BenchError(
                f"reference {path} has fewer than 2 words; "
                "a reference summary must be a real summary"
            )
        refs.append(Reference(entry["ref_id"], entry["author"], "\n".join(lines)))
    return tuple(refs)
