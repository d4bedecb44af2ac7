"""Reference summaries: ``<reference_dir>/<cluster_id>/manifest.json`` plus one file each.

The manifest lists ``{"ref_id", "author", "file"}`` (optionally ``target_words``); each file
holds one sentence per line.
"""

from __future__ import annotations

from pathlib import Path

from bench.data.io import read_json, read_text, require_keys
from bench.errors import BenchError
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
        if entry["ref_id"] in seen:
            raise BenchError(f"{where}: duplicate ref_id {entry['ref_id']!r}")
        seen.add(entry["ref_id"])
        text = read_text(folder / entry["file"], f"reference summary of {cluster_id!r}")
        lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        if sum(len(line.split()) for line in lines) < 2:
            raise BenchError(
                f"reference {folder / entry['file']} has fewer than 2 words; "
                "a reference summary must be a real summary"
            )
        refs.append(Reference(str(entry["ref_id"]), str(entry["author"]), "\n".join(lines)))
    return tuple(refs)
