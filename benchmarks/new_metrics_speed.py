"""Cost of the model-free metrics of issue 16 (``extractive``, ``doc_coverage``) against ROUGE.

Target: each costs at most as much as ROUGE (rouge1/2/L/Lsum, stemming, max over references) on
the same summaries. Work: synthetic clusters made from the embedded one (5 articles, about 2,600
words, and its 4 references); every cluster's texts get a line of their own, so no cluster
reuses another's tokenisation, as on a real corpus. Each summary is about 100 words of
sentences drawn (seeded) from the articles, every other one with its words shuffled inside
sentences so that the fragments are short, as for an abstractive system. Each metric scores all
summaries in one ``score()`` call from empty caches; the three take turns for ``--rounds``
rounds, each first in turn (so load from other processes and garbage collection hit all
alike), and the median time is kept.

BERTScore (``--bertscore N``, default all-MiniLM-L6-v2): the first call on N summaries (model
loaded, references embedded) against a second call on N new summaries of the same clusters (the
references come from the embedding cache), as texts per second.

Prints the figures and ratios; record: ``results/benchmarks/new_metrics_speed.json``.

    .venv/bin/python benchmarks/new_metrics_speed.py [--clusters 100] [--rounds 5] [--seed 0]
        [--bertscore 16]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from rouge_speed import make_text  # noqa: E402

log = logging.getLogger("new_metrics_speed")


def embedded_cluster():  # type: ignore[no-untyped-def]
    """The embedded cluster, cleaned, with its references."""
    from bench.data.clusters import LocalClusters
    from bench.preprocess.clean import Cleaner

    source = LocalClusters(
        str(ROOT / "data" / "clusters"), str(ROOT / "reference_summaries"),
        ["mattis_pakistan_2017"],
    )  # fmt: skip
    (cluster,) = source.load(Cleaner())
    return cluster


def make_work(n: int, seed: int) -> tuple[list[str], list]:  # type: ignore[type-arg]
    """``n`` (summary, cluster) pairs; every cluster's texts are distinct from the others'."""
    base = embedded_cluster()
    pool = [s for d in base.documents for s in d.sentences]
    rng = random.Random(seed)
    summaries, clusters = [], []
    for k in range(n):
        tag = f"\nCluster marker {k}."
        docs = tuple(replace(d, text=d.text + tag) for d in base.documents)
        refs = tuple(replace(r, text=r.text + tag) for r in base.references)
        clusters.append(replace(base, cluster_id=f"c{k}", documents=docs, references=refs))
        text = make_text(pool, rng, words=100)
        if k % 2:  # abstractive-like: words shuffled inside each sentence
            lines = []
            for line in text.split("\n"):
                words = line.split()
                rng.shuffle(words)
                lines.append(" ".join(words))
            text = "\n".join(lines)
        summaries.append(text)
    return summaries, clusters


def clear() -> None:
    """Empty every cache the three metrics use."""
    from bench.metrics import fragments, rouge

    rouge.clear_caches()
    fragments.sources.cache_clear()


def time_model_free(summaries, clusters, rounds: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Median seconds of one ``score()`` call of each metric from empty caches."""
    from bench.metrics.extractive import DocCoverage, Extractive
    from bench.metrics.rouge import Rouge

    metrics = {"rouge": Rouge(), "extractive": Extractive(), "doc_coverage": DocCoverage()}
    times: dict[str, list[float]] = {name: [] for name in metrics}
    names = list(metrics)
    for r in range(rounds):
        for name in names[r % 3 :] + names[: r % 3]:  # each goes first in turn
            metric = metrics[name]
            clear()
            start = time.perf_counter()
            metric.score(summaries, clusters)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def time_bertscore(summaries, clusters, n: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Seconds of loading, a first call (references embedded) and a second (references cached)."""
    from bench.metrics.bertscore import BERTScore

    start = time.perf_counter()
    metric = BERTScore()
    loaded = time.perf_counter()
    # the same n clusters twice, with new summaries the second time
    first = metric.score(summaries[:n], clusters[:n])
    t1 = time.perf_counter()
    metric.score(summaries[n : 2 * n], clusters[:n])
    t2 = time.perf_counter()
    texts_first = n + sum(len(c.references) for c in clusters[:n])
    assert len(first.scores) == n
    return {
        "load_s": loaded - start,
        "first_call_s": t1 - loaded,
        "second_call_s": t2 - t1,
        "texts_embedded_first": texts_first,
        "texts_embedded_second": n,
    }


def main() -> None:
    """Run the benchmark, print the figures and write the record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bertscore", type=int, default=16, help="summaries; 0 = skip")
    parser.add_argument(
        "--json", type=Path, default=ROOT / "results" / "benchmarks" / "new_metrics_speed.json"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    load_before = os.getloadavg()[0]
    summaries, clusters = make_work(max(args.clusters, 2 * args.bertscore), args.seed)
    work = summaries[: args.clusters], clusters[: args.clusters]
    seconds = time_model_free(*work, args.rounds)
    rouge = seconds["rouge"]
    record: dict[str, object] = {
        "clusters": args.clusters,
        "rounds": args.rounds,
        "seed": args.seed,
        "summary_words": 100,
        "cluster_words": sum(len(d.text.split()) for d in clusters[0].documents),
        "references": len(clusters[0].references),
        "seconds_per_summary": {k: round(v / args.clusters, 6) for k, v in seconds.items()},
        "cost_vs_rouge": {k: round(v / rouge, 3) for k, v in seconds.items() if k != "rouge"},
        "target": "cost_vs_rouge <= 1",
        "python": platform.python_version(),
        "load_average_before": round(load_before, 2),
    }
    print(f"{args.clusters} summaries of ~100 words, one cluster each (5 articles, "
          f"{record['cluster_words']} words, {record['references']} references), median of "
          f"{args.rounds} rounds, empty caches:")  # fmt: skip
    for name, value in seconds.items():
        ratio = "" if name == "rouge" else f"   {value / rouge:.2f}x ROUGE's cost"
        print(f"  {name:<13} {1000 * value / args.clusters:7.2f} ms/summary{ratio}")
    if args.bertscore:
        bs = time_bertscore(summaries, clusters, args.bertscore)
        first = bs["texts_embedded_first"] / bs["first_call_s"]
        record["bertscore"] = {k: round(v, 3) for k, v in bs.items()} | {
            "summaries": args.bertscore,
            "second_vs_first_call": round(bs["second_call_s"] / bs["first_call_s"], 3),
        }
        print(f"BERTScore (all-MiniLM-L6-v2, {args.bertscore} summaries): load "
              f"{bs['load_s']:.2f} s; first call {bs['first_call_s']:.2f} s "
              f"({first:.1f} texts/s, references embedded); second call on new summaries "
              f"{bs['second_call_s']:.2f} s (references from the cache, "
              f"{bs['second_call_s'] / bs['first_call_s']:.2f}x the first)")  # fmt: skip
    print(f"load average before: {load_before:.2f} (2 shared cores: figures are noisy)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
