"""Synthetic clusters for scale benchmarks, written in our JSON-lines format (docs/datasets.md).

SYNTHETIC DATA: each cluster recombines sentences of the embedded articles (cleaned and split
as for a run). It has realistic sentence shapes, names and numbers, but no real event behind
it. It measures cost, never quality. Seeded: the same ``--clusters`` and ``--seed`` give
byte-identical files. Every cluster draws one pool of sentences, as if all its documents covered
one event. Documents take runs of sentences from it (about ``--words`` words each), and the 1-4
references take a few more, as short extracts.

    python -m bench.data.synthetic OUT.jsonl --clusters 1000 [--seed 0] [--documents 5] [--distinct]

Multi-News size (2-7 documents, about 2,000 words a cluster shared among them):
``--documents 2-7 --cluster-words 2000``.
    bench-run dataset=jsonl dataset.path=OUT.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from bench.errors import BenchError, check_int
from bench.fileio import atomic_write_text
from bench.paths import CLUSTER_DIR


def source_sentences() -> list[str]:
    """The sentences of the embedded cluster, cleaned and split as for a run."""
    from bench.data.clusters import LocalClusters
    from bench.preprocess.clean import Cleaner

    source = LocalClusters(str(CLUSTER_DIR), None, ["mattis_pakistan_2017"])
    return [s for c in source.load(Cleaner()) for d in c.documents for s in d.sentences]


def news_paragraphs(chars: int) -> list[str]:
    """Distinct news-like paragraphs of at least ``chars`` characters, one separator each.

    For splitting benchmarks and tests: templated sentences with a number each (so no cache
    helps), abbreviations ("Gen.", "U.S.") and a quotation.
    """
    parts: list[str] = []
    size = i = 0
    while size < chars:
        p = (
            f"Officials in district {i} said on Monday that the council had approved plan "
            f"number {i} after a long debate. The mayor, who spoke to reporters for {i % 97} "
            f"minutes, called the vote a turning point for {i % 13} neighbourhoods. Critics "
            f'said the budget of {i * 7} dollars was "too small to make a difference," and Gen. '
            f"Smith of the U.S. Army declined to comment."
        )
        parts.append(p)
        size += len(p) + 1
        i += 1
    return parts


def one_paragraph(chars: int) -> str:
    """One line of at least ``chars`` characters of :func:`news_paragraphs`, never a line break."""
    return " ".join(news_paragraphs(chars))


def _take(pool: list[str], rng: np.random.Generator, words: int) -> list[str]:
    """Consecutive sentences from a random start (wrapping) until about ``words`` words."""
    out: list[str] = []
    i = int(rng.integers(len(pool)))
    while sum(len(s.split()) for s in out) < words:
        out.append(pool[i % len(pool)])
        i += 1
    return out


def _distinct(lines: list[str], tag: str) -> list[str]:
    """Each line (paragraph) with a sentence of its own, so that no two paragraphs are equal."""
    return [f"{line} (Item {tag}.{k + 1}.)" for k, line in enumerate(lines)]


def synthetic_clusters(
    n: int,
    seed: int = 0,
    documents: int | tuple[int, int] = 5,
    words: int = 500,
    pool: list[str] | None = None,
    distinct: bool = False,
    cluster_words: int | None = None,
) -> Iterator[dict]:
    """``n`` clusters as JSON-ready dicts in the ``jsonl`` dataset format.

    ``documents``: per cluster, or ``(low, high)`` drawn per cluster (both included).
    ``cluster_words``: about this many words a cluster, shared equally among its documents
    (instead of ``words`` a document).
    ``distinct``: every document paragraph ends with a numbered sentence of its own, so that
    sentence splitting costs what it costs on a real corpus (no paragraph repeats).
    """
    check_int(n, "clusters", 1)
    check_int(seed, "seed")
    low, high = documents if isinstance(documents, tuple) else (documents, documents)
    check_int(low, "documents", 1)
    check_int(high, "documents", low)
    check_int(words, "words", 20)
    if cluster_words is not None:
        check_int(cluster_words, "cluster words", 20 * high)
    sentences = pool if pool is not None else source_sentences()
    if not sentences:
        raise ValueError("no source sentences to build clusters from")
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        order = [sentences[j] for j in rng.permutation(len(sentences))]
        # a fixed count draws nothing, so that files of earlier releases stay byte-identical
        count = low if low == high else int(rng.integers(low, high + 1))
        per_doc = words if cluster_words is None else cluster_words // count
        docs = []
        for k in range(count):
            lines = _take(order, rng, per_doc)
            if distinct:
                lines = _distinct(lines, f"{i + 1}.{k + 1}")
            docs.append({"doc_id": f"d{k + 1}", "text": "\n".join(lines)})
        refs = [
            {"ref_id": f"r{k + 1}", "text": "\n".join(_take(order, rng, 100))}
            for k in range(int(rng.integers(1, 5)))
        ]
        yield {"cluster_id": f"synthetic-{i:06d}", "documents": docs, "references": refs}


def _count_range(text: str) -> int | tuple[int, int]:
    """``N`` or ``LOW-HIGH`` (argparse type of ``--documents``)."""
    low, sep, high = text.partition("-")
    try:
        return (int(low), int(high)) if sep else int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N or LOW-HIGH, got {text!r}") from None


def main(argv: list[str] | None = None) -> None:
    """Write the clusters atomically; errors are one line."""
    parser = argparse.ArgumentParser(prog="python -m bench.data.synthetic", description=__doc__)
    parser.add_argument("out", type=Path, help="the JSONL file to write")
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--documents",
        type=_count_range,
        default=5,
        help="documents per cluster: N, or LOW-HIGH drawn per cluster (Multi-News: 2-7)",
    )
    parser.add_argument("--words", type=int, default=500, help="about this many words a document")
    parser.add_argument(
        "--cluster-words",
        type=int,
        help="about this many words a cluster, shared among its documents (Multi-News: 2000)",
    )
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="end every paragraph with a numbered sentence of its own (real splitting cost)",
    )
    args = parser.parse_args(argv)
    try:
        rows = synthetic_clusters(
            args.clusters,
            args.seed,
            args.documents,
            args.words,
            distinct=args.distinct,
            cluster_words=args.cluster_words,
        )
        text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
        atomic_write_text(args.out, text)
    except (BenchError, ValueError, OSError) as exc:
        raise SystemExit(f"synthetic: error: {exc}") from None


if __name__ == "__main__":
    main()
