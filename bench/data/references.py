"""Reference summaries: the one normalisation of every reader, and the local reference folders.

:func:`make_reference` is how every source (local folders, JSON lines, Multi-News, WCEP, DUC and
``bench-score --clusters``) turns a reference text into a :class:`~bench.types.Reference`: NFC,
one sentence per line (each line is split into sentences with the project's splitter, so a line
holding several sentences, or a summary stored as running text, gives one line per sentence),
whitespace collapsed, at least two words. Metrics that work per sentence (ROUGE-Lsum, ROUGE-1.5.5's
ROUGE-L) read the lines as sentences, as rouge-score and the Perl script do.

Local folders: ``<reference_dir>/<cluster_id>/manifest.json`` lists ``{"ref_id", "author",
"file"}`` (optionally ``target_words``) and each file holds the text.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from bench.data.io import file_in_folder, read_json, read_text, require_keys
from bench.errors import BenchError
from bench.preprocess.text import collapse_ws, split_sentences
from bench.types import Reference


def make_reference(ref_id: str, author: str, text: str, where: str) -> Reference:
    """A reference with one sentence per line, normalised as every reader does (module doc).

    ``where`` (a file, a line) names the reference in errors.
    """
    # NFC as for articles, so that composed and decomposed accents tokenise alike.
    text = unicodedata.normalize("NFC", text)
    sentences = [collapse_ws(s) for s in split_sentences(text.splitlines())]
    if sum(len(s.split()) for s in sentences) < 2:
        raise BenchError(
            f"{where}: reference {ref_id!r} has fewer than 2 words; "
            "a reference summary must be a real summary"
        )
    return Reference(ref_id, author, "\n".join(sentences))


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
        refs.append(make_reference(entry["ref_id"], entry["author"], text, str(path)))
    return tuple(refs)
