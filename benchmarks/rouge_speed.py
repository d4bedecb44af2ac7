"""ROUGE speed of both modes: ``rouge_score`` against rouge-score 0.1.2; ``rouge155`` on DUC work.

Synthetic summaries are built by recombining (seeded) sentences of the embedded articles.

- Mode ``rouge_score``: pairs of about 260 words with 1 or 4 references. Both scorers compute
  ROUGE-1/2/L/Lsum with stemming on the same inputs in one process, taking turns every few
  pairs (so that load from other processes affects both alike), and starting with empty caches;
  the script checks the scores are identical to the last bit, then prints pairs per second and
  the speed ratio (record: ``--json``, e.g. ``results/benchmarks/rouge_speed.json``).
- Mode ``rouge155`` on DUC-size work: 1,750 summaries of 250 words, 50 clusters of 4 references
  (250 words) with 35 systems each, ROUGE-1/2 with stemming and pooled references
  (``-n 2 -m -f A``), scored by the ``rouge`` metric one system (50 summaries) per call from
  empty caches; and the same number of summaries when every summary has 4 references of its
  own (no reference shared). ``--against REV`` also times the ROUGE-1.5.5 engine of a git
  revision on the same work, taking turns, and checks it prints the same scores. Record:
  ``results/benchmarks/rouge155_speed.json`` (with the load average, as the machine is shared).

    .venv/bin/python benchmarks/rouge_speed.py [--pairs 500] [--seed 0] [--only rouge155]
        [--against de21e9e]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from types import ModuleType

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


# DUC-size work for mode rouge155 (DUC 2001-2004: 4 references per cluster, tens of systems).
DUC_CLUSTERS, DUC_SYSTEMS, DUC_REFS, DUC_WORDS = 50, 35, 4, 250
PERL_SUMMARIES_PER_S = 90  # ROUGE-1.5.5.pl on this work, about 20 s (issue 13; not measured here)
TYPES155 = ["rouge1", "rouge2"]
# The metric's default types in mode rouge155; ROUGE-1.5.5.pl computes ROUGE-L too unless -x.
TYPES155_L = ["rouge1", "rouge2", "rougeL"]


def duc_text(pool: list[str], rng: random.Random, words: int = DUC_WORDS) -> str:
    """Distinct sentences in random order, one per line, the last one cut at ``words`` words."""
    out: list[str] = []
    n = 0
    for s in rng.sample(pool, len(pool)):
        if n >= words:
            break
        kept = s.split()[: words - n]
        out.append(" ".join(kept))
        n += len(kept)
    return "\n".join(out)


def duc_work(shared: bool, seed: int) -> list[tuple[list[str], list]]:
    """Per system, its summaries and their clusters (references shared or one set per summary)."""
    from bench.types import Cluster, Reference

    pool = sentence_pool()
    rng = random.Random(seed)

    def cluster(name: str) -> Cluster:
        refs = tuple(Reference(str(k), "model", duc_text(pool, rng)) for k in range(DUC_REFS))
        return Cluster(name, (), refs)

    clusters = [cluster(f"d{c:02d}") for c in range(DUC_CLUSTERS)]
    systems = []
    for s in range(DUC_SYSTEMS):
        if not shared:
            clusters = [cluster(f"s{s:02d}d{c:02d}") for c in range(DUC_CLUSTERS)]
        systems.append(([duc_text(pool, rng) for _ in clusters], clusters))
    return systems


def engine_at(rev: str) -> ModuleType:
    """``bench/metrics/rouge155.py`` as of git revision ``rev``, loaded as its own module."""
    source = subprocess.run(
        ["git", "show", f"{rev}:bench/metrics/rouge155.py"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if source.returncode != 0:
        raise SystemExit(f"--against {rev}: {source.stderr.strip()}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rouge155_then.py"
        path.write_text(source.stdout)
        spec = importlib.util.spec_from_file_location("rouge155_then", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["rouge155_then"] = module
        spec.loader.exec_module(module)
    from bench.metrics import rouge155

    module.DATA_DIR = rouge155.DATA_DIR  # the word lists of this checkout
    return module


def run155(shared: bool, seed: int, against: str | None, types: list[str]) -> dict:
    """Summaries per second of mode rouge155 on DUC-size work (and of ``against``, taking turns)."""
    from bench.metrics import rouge155
    from bench.metrics.rouge155 import Rouge155Metric

    systems = duc_work(shared, seed)
    metric = Rouge155Metric(types, use_stemmer=True, multi_ref="pooled")
    rouge155.clear_caches()
    metric_then = None
    if against:
        # The same metric with the engine of ``against`` inside: both take the same path.
        then = engine_at(against)
        metric_then = Rouge155Metric(types, use_stemmer=True, multi_ref="pooled")
        metric_then.rouge155 = then.Rouge155(then.Options(max_n=2, stem=True, multi_ref="A"))
        assert metric_then.rouge155.options.flags() == metric.signature()["flags"]
    t_now = t_then = 0.0
    for summaries, clusters in systems:
        t0 = time.perf_counter()
        now = metric.score(summaries, clusters)
        t_now += time.perf_counter() - t0
        if metric_then is not None:
            t0 = time.perf_counter()
            if metric_then.score(summaries, clusters) != now:
                raise SystemExit(f"--against {against}: the scores differ")
            t_then += time.perf_counter() - t0
    n = sum(len(s) for s, _ in systems)
    row = {
        "work": "shared references" if shared else "references of its own",
        "types": ",".join(types),
        "summaries": n,
        "clusters": len({c.cluster_id for _, cs in systems for c in cs}),
        "references_per_summary": DUC_REFS,
        "words": DUC_WORDS,
        "flags": metric.signature()["flags"],
        "summaries_per_s": round(n / t_now, 1),
    }
    if metric_then is not None:
        row.update({"against": against, "against_summaries_per_s": round(n / t_then, 1),
                    "ratio": round(t_then / t_now, 2), "scores": "identical"})  # fmt: skip
    return row


def main() -> None:
    """Run the requested modes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the rouge_score figures here")
    parser.add_argument("--only", choices=["rouge_score", "rouge155"], help="run one mode only")
    parser.add_argument("--against", help="a git revision whose rouge155 engine to time too")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks",
                        help="directory of the rouge155 record")  # fmt: skip
    args = parser.parse_args()
    if args.only != "rouge155":
        rows = [run(args.pairs, k, args.seed) for k in (1, 4)]
        print("mode rouge_score (ROUGE-1/2/L/Lsum, stemming) against rouge-score 0.1.2")
        print("| refs | pairs | rouge-score pairs/s | mdsbench pairs/s | ratio | scores |")
        print("| --- | --- | --- | --- | --- | --- |")
        for r in rows:
            print(f"| {r['references']} | {r['pairs']} | {r['rouge_score_pairs_per_s']} | "
                  f"{r['mdsbench_pairs_per_s']} | {r['ratio']}x | identical |")  # fmt: skip
        if args.json:
            from bench.fileio import atomic_write_json

            atomic_write_json(args.json, rows)
    if args.only != "rouge_score":
        load = os.getloadavg()
        rows155 = [
            run155(shared, args.seed, args.against, types)
            for shared, types in ((True, TYPES155), (False, TYPES155), (True, TYPES155_L))
        ]
        print(f"\nmode rouge155 ({rows155[0]['flags']}), {DUC_CLUSTERS} clusters x "
              f"{DUC_SYSTEMS} systems, {DUC_WORDS} words, {DUC_REFS} references; the Perl "
              "script's ~90/s (quoted) includes ROUGE-L")  # fmt: skip
        head = "| types | references | summaries | rouge155 summaries/s | vs. Perl (~90/s) |"
        if args.against:
            head += f" {args.against} summaries/s | ratio |"
        print(head)
        print("|" + " --- |" * (head.count("|") - 1))
        for r in rows155:
            line = (f"| {r['types']} | {r['work']} | {r['summaries']} | {r['summaries_per_s']} | "
                    f"{r['summaries_per_s'] / PERL_SUMMARIES_PER_S:.1f}x |")  # fmt: skip
            if args.against:
                line += f" {r['against_summaries_per_s']} | {r['ratio']}x |"
            print(line)
        record = {
            "rows": rows155,
            "perl_summaries_per_s_quoted": PERL_SUMMARIES_PER_S,
            "load_average_1_5_15_min": [round(x, 2) for x in load],
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        }
        from bench.fileio import atomic_write_json

        atomic_write_json(args.out / "rouge155_speed.json", record)
        print(f"(load average {load[0]:.2f} on {os.cpu_count()} CPUs; written: "
              f"{args.out / 'rouge155_speed.json'})")  # fmt: skip


if __name__ == "__main__":
    main()
