"""ROUGE speed: our engine against rouge-score 0.1.2 on the same pairs, with identical scores.

Synthetic summaries of about 260 words are built by recombining (seeded) sentences of the
embedded articles; each pair has 1 or 4 references. Both scorers compute ROUGE-1/2/L/Lsum with
stemming on the same inputs in one process, taking turns every few pairs (so that load from other
processes affects both alike), and starting with empty caches; the script checks the scores are
identical to the last bit, then prints pairs per second and the speed ratio.

    .venv/bin/python benchmarks/rouge_speed.py [--pairs 500] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
CHUNK = 10  # pairs per turn of each scorer


def sentence_pool() -> list[str]:
    """Every sentence of the embedded cluster after cleaning."""
    from bench.data.clusters import LocalClusters
    from bench.preprocess.clean import Cleaner

    source = LocalClusters(str(ROOT / "data" / "clusters"), None, ["mattis_pakistan_2017"])
    (cluster,) = source.load(Cleaner())
    return [s for d in cluster.documents for s in d.sentences]


def make_text(pool: list[str], rng: random.Random, words: int = 260) -> str:
    """Sentences drawn at random until about ``words`` words, one per line."""
    out: list[str] = []
    n = 0
    while n < words:
        s = rng.choice(pool)
        out.append(s)
        n += len(s.split())
    return "\n".join(out)


def make_pairs(n: int, n_refs: int, seed: int) -> list[tuple[str, list[str]]]:
    """``n`` (prediction, references) pairs."""
    pool = sentence_pool()
    rng = random.Random(seed)
    return [(make_text(pool, rng), [make_text(pool, rng) for _ in range(n_refs)]) for _ in range(n)]


def run(n_pairs: int, n_refs: int, seed: int) -> dict[str, float]:
    """Time both scorers on the same pairs; fail loudly on any difference."""
    from rouge_score import rouge_scorer

    from bench.metrics import rouge as ours_mod

    pairs = make_pairs(n_pairs, n_refs, seed)
    ours_mod.clear_caches()
    theirs = rouge_scorer.RougeScorer(TYPES, use_stemmer=True)
    ours = ours_mod.RougeScorer(TYPES, use_stemmer=True, multi_ref="max")

    # Alternate the two scorers over small chunks, so that load from other processes on the
    # machine hits both alike.
    expected: list = []
    got: list = []
    t_theirs = t_ours = 0.0
    for start in range(0, len(pairs), CHUNK):
        chunk = pairs[start : start + CHUNK]
        t0 = time.perf_counter()
        expected += [
            theirs.score_multi(refs, pred) if len(refs) > 1 else theirs.score(refs[0], pred)
            for pred, refs in chunk
        ]
        t1 = time.perf_counter()
        got += [ours.score(pred, refs) for pred, refs in chunk]
        t2 = time.perf_counter()
        t_theirs += t1 - t0
        t_ours += t2 - t1

    for e, g in zip(expected, got, strict=True):
        for t in TYPES:
            if tuple(e[t]) != (g[t].precision, g[t].recall, g[t].fmeasure):
                raise SystemExit(f"score mismatch on {t}: {tuple(e[t])} != {g[t]}")
    return {
        "pairs": n_pairs,
        "references": n_refs,
        "rouge_score_pairs_per_s": round(n_pairs / t_theirs, 1),
        "mdsbench_pairs_per_s": round(n_pairs / t_ours, 1),
        "ratio": round(t_theirs / t_ours, 1),
        "python": platform.python_version(),
        "rouge_score": version("rouge-score"),
        "nltk": version("nltk"),
    }


def main() -> None:
    """Run for 1 and 4 references and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    rows = [run(args.pairs, k, args.seed) for k in (1, 4)]
    print("| refs | pairs | rouge-score pairs/s | mdsbench pairs/s | ratio | scores |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['references']} | {r['pairs']} | {r['rouge_score_pairs_per_s']} | "
              f"{r['mdsbench_pairs_per_s']} | {r['ratio']}x | identical |")  # fmt: skip
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
