"""How the cost of a model-free sweep grows with the number of clusters, and start-up cost.

Figures printed (and written to ``results/benchmarks/scale.json`` with a plot, ``scale.png``):

1. **Start-up**: wall time of a model-free single run on the embedded cluster (``bench-run``
   with the default lead summarizer and the default metrics, ROUGE and the fact check) as a
   ratio to ``python -c 'import hydra'``, both measured here, alternated, median of
   ``--repeats``. The modules the run imports are listed against the ones it must not import.
2. **Scale**: the model-free sweep (``--systems``, default lead, LexRank, TextRank, centroid,
   MMR; metrics ROUGE and the fact check) on synthetic clusters (``bench.data.synthetic``: 5
   documents of about 500 words, 1-4 references, sentences recombined from the embedded
   articles) at each of ``--sizes``, as one ``bench-run -m`` process with its own empty
   ``datasets`` cache: wall time, cost per cluster (and its ratio to the smallest size), peak
   resident memory of the process, and per-job seconds of loading, summarizing and each metric.
3. **Rerun**: the identical sweep again into the same folder (resume skips complete jobs),
   as a share of the first run.
4. **Distinct paragraphs** (``--distinct-size``, default 1,000): the same sweep on clusters
   whose paragraphs never repeat (``--distinct``), so that sentence splitting costs what it
   does on a real corpus; the first job splits, the later ones read the split store.

5. **Once per sweep** (``--sweep-size``, default 200; written to ``scale_sweep.json``): on
   clusters of Multi-News size (``--documents 2-7 --cluster-words 2000 --distinct``), the
   6-system model-free sweep (``--sweep-systems``; ROUGE and the fact check, 300 words) against
   one job (lead) of the same config, each as its own process with empty caches (split store,
   ``datasets`` cache): the ratio of wall times (target <= 2). Then, in this process, the fact
   check's cost: building each cluster's source index, and checking the sweep's summaries once
   the index exists (ms per summary, CPU time, per system in the order the sweep ran them;
   target <= 5), with the summaries' own sentence splitting (pysbd) measured apart.

Synthetic clusters reuse the 83 sentences of the embedded articles, so the sentence splitter's
memo hits more often than on real data in 2.; 4. and 5. measure the real splitting cost.

    .venv/bin/python benchmarks/scale.py [--sizes 500,1000,5000] [--repeats 5] [--work DIR]
    .venv/bin/python benchmarks/scale.py --only sweep [--sweep-size 200]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SYSTEMS = "lead,lexrank,textrank,centroid,mmr"
# Must not be imported by a model-free run (issue 7); the first six are the list.
HEAVY = (
    "torch", "transformers", "sentence_transformers", "evaluate", "nltk", "sklearn",
    "datasets", "scipy", "matplotlib", "networkx", "pandas",
)  # fmt: skip
SWEEP_SYSTEMS = "lead,random,lexrank,textrank,centroid,mmr"
SWEEP_WORDS = 300
TARGETS = {
    "startup_ratio": 8.0,  # single run / import hydra
    "seconds_at_5000": 600.0,
    "per_cluster_ratio": 1.2,  # per-cluster cost at the largest size / at the smallest
    "rerun_share": 0.10,
    "sweep_ratio": 2.0,  # 6-system sweep / one job, Multi-News-sized clusters
    "fact_ms_per_summary": 5.0,  # once the cluster's index exists
}


def env() -> dict[str, str]:
    """Offline, and no inherited hash seed."""
    out = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    out.pop("PYTHONHASHSEED", None)
    return out


def timed(argv: list[str], log: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak resident memory (KiB) of one process; raise if it fails."""
    out = log.open("ab") if log else subprocess.DEVNULL
    started = time.perf_counter()
    try:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env(), stdout=out, stderr=out)
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        if log:
            out.close()  # type: ignore[union-attr]
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        where = f"; see {log}" if log else ""
        raise SystemExit(f"scale: {' '.join(argv[:4])} ... exited {proc.returncode}{where}")
    return seconds, usage.ru_maxrss


def startup(work: Path, repeats: int) -> dict:
    """``import hydra`` against a single model-free run, alternated; imported heavy modules."""
    hydra_s, run_s = [], []
    for i in range(repeats):
        hydra_s.append(timed([sys.executable, "-c", "import hydra"])[0])
        run_s.append(timed([str(BIN / "bench-run"), f"hydra.run.dir={work}/startup/{i}"])[0])
    # One more run with -X importtime: every module the run imports, by top-level name.
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bench.run", f"hydra.run.dir={work}/imports"],
        cwd=ROOT, env=env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    imported = {
        line.split("|")[-1].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    hydra_median, run_median = statistics.median(hydra_s), statistics.median(run_s)
    return {
        "import_hydra_seconds": hydra_s,
        "single_run_seconds": run_s,
        "import_hydra_median": round(hydra_median, 3),
        "single_run_median": round(run_median, 3),
        "ratio": round(run_median / hydra_median, 2),
        "heavy_imported": sorted(m for m in HEAVY if m in imported),
    }


def job_seconds(sweep: Path, pattern: str = "*/timing.json") -> dict[str, dict[str, float]]:
    """Per job (summarizer): seconds of loading, summarizing and each metric (timing.json)."""
    out = {}
    started = {p: json.loads(p.read_text())["started"] for p in sweep.glob(pattern)}
    timings = sorted(started, key=started.__getitem__)
    for timing in timings:  # in the order the jobs ran
        t = json.loads(timing.read_text())
        name = json.loads((timing.parent / "run.json").read_text())["system"]
        out[name] = {
            "total": t["seconds"],
            "load": t.get("load_seconds", 0.0),
            "summarize": t["summarize_seconds"],
            **{f"score_{k}": v for k, v in t.get("score_seconds", {}).items()},
        }
    return out


def scale(work: Path, n: int, systems: str, distinct: bool = False) -> dict:
    """Generate ``n`` clusters, run the sweep twice into the same folder; figures.

    Each size starts with an empty ``datasets`` cache and an empty sentence split store.
    """
    name = f"{n}-distinct" if distinct else str(n)
    data = work / f"synthetic-{name}.jsonl"
    if not data.exists():
        subprocess.run(
            [sys.executable, "-m", "bench.data.synthetic", str(data), "--clusters", str(n),
             *(["--distinct"] if distinct else [])],
            cwd=ROOT, env=env(), check=True, capture_output=True,
        )  # fmt: skip
    sweep, cache, splits = (work / f"{kind}-{name}" for kind in ("sweep", "hf-cache", "splits"))
    for path in (sweep, cache):
        shutil.rmtree(path, ignore_errors=True)
    splits.with_suffix(".sqlite").unlink(missing_ok=True)
    argv = [
        str(BIN / "bench-run"), "-m", "dataset=jsonl", f"dataset.path={data}",
        f"dataset.cache_dir={cache}", f"paths.split_cache={splits.with_suffix('.sqlite')}",
        f"summarizer={systems}", f"hydra.sweep.dir={sweep}",
    ]  # fmt: skip
    log = work / f"sweep-{name}.log"
    first, peak = timed(argv, log)
    jobs = job_seconds(sweep)
    rerun, rerun_peak = timed(argv, log)
    return {
        "clusters": n,
        "distinct_paragraphs": distinct,
        "data_mb": round(data.stat().st_size / 1e6, 1),
        "seconds": round(first, 2),
        "ms_per_cluster": round(1000 * first / n, 2),
        "peak_rss_mb": round(peak / 1024, 1),
        "rerun_seconds": round(rerun, 2),
        "rerun_share": round(rerun / first, 4),
        "rerun_peak_rss_mb": round(rerun_peak / 1024, 1),
        "jobs": jobs,
    }


def multi_news_data(work: Path, n: int) -> Path:
    """``n`` synthetic clusters of Multi-News size whose paragraphs never repeat."""
    data = work / f"multi-news-size-{n}.jsonl"
    if not data.exists():
        subprocess.run(
            [sys.executable, "-m", "bench.data.synthetic", str(data), "--clusters", str(n),
             "--documents", "2-7", "--cluster-words", "2000", "--distinct"],
            cwd=ROOT, env=env(), check=True, capture_output=True,
        )  # fmt: skip
    return data


def once_per_sweep(work: Path, n: int, systems: str) -> dict:
    """One job (lead) and the sweep of ``systems`` on the same data, each with empty caches."""
    data = multi_news_data(work, n)
    runs = {}
    for kind, choice in (("one_job", systems.split(",")[0]), ("sweep", systems)):
        folder = work / f"once-per-sweep-{n}" / kind
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        argv = [
            str(BIN / "bench-run"), *(["-m"] if kind == "sweep" else []), "dataset=jsonl",
            f"dataset.path={data}", f"dataset.cache_dir={folder / 'hf'}",
            f"paths.split_cache={folder / 'splits.sqlite'}", "budget=words250",
            f"budget.limit={SWEEP_WORDS}", f"summarizer={choice}",
            f"hydra.{'sweep' if kind == 'sweep' else 'run'}.dir={folder / 'out'}",
        ]  # fmt: skip
        seconds, peak = timed(argv, folder / "log")
        runs[kind] = {"seconds": round(seconds, 2), "peak_rss_mb": round(peak / 1024, 1)}
    sweep_dir = work / f"once-per-sweep-{n}" / "sweep"
    runs["sweep"]["jobs"] = job_seconds(sweep_dir / "out")
    runs["one_job"]["jobs"] = job_seconds_of(sweep_dir.parent / "one_job" / "out")
    ratio = runs["sweep"]["seconds"] / runs["one_job"]["seconds"]
    fact = fact_cost(data, sweep_dir / "out", sweep_dir / "splits.sqlite")
    return {
        "clusters": n,
        "shape": "2-7 documents, about 2,000 words a cluster, distinct paragraphs",
        "systems": systems,
        "summary_words": SWEEP_WORDS,
        **runs,
        "sweep_ratio": round(ratio, 3),
        "fact": fact,
    }


def job_seconds_of(run: Path) -> dict[str, dict[str, float]]:
    """:func:`job_seconds` of a single run (its folder holds ``timing.json`` directly)."""
    return job_seconds(run, "timing.json")


def fact_cost(data: Path, sweep: Path, splits: Path) -> dict:
    """The fact check on the sweep's summaries, in this process (CPU milliseconds).

    The clusters are read through the sweep's split store (no splitting). Each cluster's source
    index is built first (``index_ms_per_cluster``); then every system's summaries are checked
    in the order the sweep ran them, sharing the indexes as the jobs of one process do. The
    summaries' own sentence splitting (pysbd, part of a job's first check of a sentence) is
    measured apart and done before the checks. The tables of an index otherwise built on first
    use (content stems, numbers, case model) are built with it, and timed apart.
    """
    from bench.data.hub import JsonlClusters
    from bench.metrics.consistency.claims import ClaimChecker
    from bench.metrics.consistency.sources import Sources
    from bench.preprocess.clean import Cleaner
    from bench.preprocess.text import split_sentences, use_split_store

    use_split_store(splits)
    try:
        source = JsonlClusters(path=str(data), cache_dir=str(splits.parent / "hf"))
        clusters = source.load(Cleaner())
    finally:
        use_split_store(None)
    by_id = {c.cluster_id: c for c in clusters}
    summaries = {}
    started = {p.parent: json.loads(p.read_text())["started"] for p in sweep.glob("*/timing.json")}
    for folder in sorted(started, key=started.__getitem__):  # in the order the jobs ran
        name = json.loads((folder / "run.json").read_text())["system"]
        rows = [json.loads(line) for line in (folder / "summaries.jsonl").read_text().splitlines()]
        summaries[name] = [(r["summary"], by_id[r["cluster_id"]]) for r in rows]
    checker = ClaimChecker()  # the defaults of conf/metrics/fact.yaml
    started = time.process_time()
    indexes = {c.cluster_id: Sources(c.documents) for c in clusters}
    index_ms = 1000 * (time.process_time() - started) / len(clusters)
    started = time.process_time()
    for index in indexes.values():
        if hasattr(index, "complete"):  # the tables built on first use (absent in old code)
            index.complete()
    complete_ms = 1000 * (time.process_time() - started) / len(clusters)
    started = time.process_time()
    n_summaries = 0
    for pairs in summaries.values():
        for summary, _ in pairs:
            split_sentences(summary.split("\n"))
            n_summaries += 1
    split_ms = 1000 * (time.process_time() - started) / n_summaries
    per_system = {}
    for name, pairs in summaries.items():
        started = time.process_time()
        for summary, cluster in pairs:
            checker.check(summary, cluster, indexes[cluster.cluster_id])
        per_system[name] = round(1000 * (time.process_time() - started) / len(pairs), 2)
    return {
        "index_ms_per_cluster": round(index_ms, 2),
        "index_tables_on_first_use_ms_per_cluster": round(complete_ms, 2),
        "summary_split_ms_per_summary": round(split_ms, 2),
        "check_ms_per_summary": per_system,
        "check_ms_per_summary_mean": round(sum(per_system.values()) / len(per_system), 2),
        "clock": "process CPU time",
    }


def report_sweep(sweep: dict) -> None:
    """Print the once-per-sweep figures against their targets."""
    one, all_jobs, fact = sweep["one_job"], sweep["sweep"], sweep["fact"]
    print(f"\nOnce per sweep: {sweep['clusters']:,} clusters ({sweep['shape']}), "
          f"{sweep['summary_words']}-word summaries, ROUGE + fact check\n")  # fmt: skip
    phases = sorted({k for job in all_jobs["jobs"].values() for k in job} - {"total"})
    print("| Job | " + " | ".join(phases) + " | total |")
    print("|---|" + "--:|" * (len(phases) + 1))
    for label, jobs in (("one job", one["jobs"]), ("sweep", all_jobs["jobs"])):
        for name, job in jobs.items():
            cells = " | ".join(f"{job.get(p, 0.0):.2f}" for p in phases)
            print(f"| {label}: {name} | {cells} | {job['total']:.2f} |")
    checks = ", ".join(f"{k} {v:.1f}" for k, v in fact["check_ms_per_summary"].items())
    print(f"\nFact check (CPU): index {fact['index_ms_per_cluster']:.1f} ms a cluster "
          f"(+ {fact.get('index_tables_on_first_use_ms_per_cluster', 0.0):.1f} ms for the "
          "tables otherwise built on first use); "
          f"checking, ms a summary: {checks}; the summaries' own sentence splitting "
          f"{fact['summary_split_ms_per_summary']:.1f} ms a summary (apart).")  # fmt: skip
    ok_ratio = sweep["sweep_ratio"] <= TARGETS["sweep_ratio"]
    worst = max(fact["check_ms_per_summary"].values())
    mean = fact["check_ms_per_summary_mean"]
    print("\n| Figure | Value | Target | |")
    print("|---|--:|--:|---|")
    print(f"| sweep of {len(sweep['systems'].split(','))} systems / one job | "
          f"{all_jobs['seconds']:.1f} s / {one['seconds']:.1f} s = {sweep['sweep_ratio']:.2f}x | "
          f"<= 2x | {'met' if ok_ratio else 'MISSED'} |")  # fmt: skip
    print(f"| fact check, ms a summary once the index exists (mean of systems) | {mean:.1f} | "
          f"<= 5 | {'met' if mean <= TARGETS['fact_ms_per_summary'] else 'MISSED'} |")  # fmt: skip
    print(f"| fact check, ms a summary, worst system | {worst:.1f} | <= 5 | "
          f"{'met' if worst <= TARGETS['fact_ms_per_summary'] else 'MISSED'} |")  # fmt: skip


def plot(sizes: list[dict], path: Path) -> None:
    """Cost per cluster by phase (summed over the sweep's jobs) at each size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    phases = sorted({k for s in sizes for job in s["jobs"].values() for k in job} - {"total"})
    labels = [f"{s['clusters']:,}" for s in sizes]
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    bottom = [0.0] * len(sizes)
    for phase in phases:
        values = [
            1000 * sum(job.get(phase, 0.0) for job in s["jobs"].values()) / s["clusters"]
            for s in sizes
        ]
        ax.bar(labels, values, bottom=bottom, label=phase)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.plot(labels, [s["ms_per_cluster"] for s in sizes], "k.-", label="sweep wall time")
    ax.set_xlabel("clusters")
    ax.set_ylabel("ms per cluster (all jobs of the sweep)")
    ax.set_title("Model-free sweep: cost per cluster by phase")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the figures against their targets, write the record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="500,1000,5000")
    parser.add_argument("--systems", default=SYSTEMS)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--distinct-size",
        type=int,
        default=1000,
        help="also a sweep on this many clusters whose paragraphs never repeat (0: skip)",
    )
    parser.add_argument("--sweep-size", type=int, default=200,
                        help="clusters of the once-per-sweep figures (0: skip)")  # fmt: skip
    parser.add_argument("--sweep-systems", default=SWEEP_SYSTEMS)
    parser.add_argument("--only", choices=("sweep",), help="run only the once-per-sweep figures")
    parser.add_argument(
        "--fact-cost",
        nargs=3,
        type=Path,
        metavar=("DATA", "SWEEP", "SPLITS"),
        help="only print the fact-check cost of a finished sweep as JSON (to measure other code)",
    )
    parser.add_argument("--work", type=Path, help="keep data and sweeps here (default: temp)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks")
    args = parser.parse_args(argv)
    if args.fact_cost:
        print(json.dumps(fact_cost(*args.fact_cost), indent=2))
        return 0
    sizes = sorted(int(s) for s in args.sizes.split(","))
    work = args.work or Path(tempfile.mkdtemp(prefix="mdsbench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.sweep_size:
        print(f"once per sweep: one job, then {args.sweep_systems} on {args.sweep_size:,} "
              "Multi-News-sized clusters ...", flush=True)  # fmt: skip
        sweep = once_per_sweep(work, args.sweep_size, args.sweep_systems)
        record = {
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
            "once_per_sweep": sweep,
            "targets": {k: TARGETS[k] for k in ("sweep_ratio", "fact_ms_per_summary")},
        }
        (args.out / "scale_sweep.json").write_text(json.dumps(record, indent=2) + "\n")
        report_sweep(sweep)
        print(f"\nwritten: {args.out / 'scale_sweep.json'}; work: {work}")
    if args.only == "sweep":
        return 0

    print(f"start-up: import hydra vs a single run, {args.repeats} times each ...", flush=True)
    start = startup(work, args.repeats)
    rows = []
    for n in sizes:
        print(f"sweep of {args.systems} on {n:,} synthetic clusters (then again) ...", flush=True)
        rows.append(scale(work, n, args.systems))
        print(f"  {rows[-1]['seconds']:.1f} s, rerun {rows[-1]['rerun_seconds']:.1f} s", flush=True)

    distinct = None
    if args.distinct_size:
        n = args.distinct_size
        print(f"sweep on {n:,} clusters of distinct paragraphs (real splitting) ...", flush=True)
        distinct = scale(work, n, args.systems, distinct=True)
        print(f"  {distinct['seconds']:.1f} s, rerun {distinct['rerun_seconds']:.1f} s", flush=True)

    small, large = rows[0], rows[-1]
    ratio = round(large["ms_per_cluster"] / small["ms_per_cluster"], 3)
    record = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "systems": args.systems,
        "startup": start,
        "sizes": rows,
        "distinct_paragraphs": distinct,
        "per_cluster_ratio": {"sizes": [small["clusters"], large["clusters"]], "ratio": ratio},
        "targets": TARGETS,
    }
    (args.out / "scale.json").write_text(json.dumps(record, indent=2) + "\n")
    plot(rows, args.out / "scale.png")

    def mark(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print("\n| Size | Sweep s | ms/cluster | Peak RSS MB | Rerun s | Rerun share |")
    print("|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        print(
            f"| {r['clusters']:,} | {r['seconds']:.1f} | {r['ms_per_cluster']:.2f} | "
            f"{r['peak_rss_mb']:.0f} | {r['rerun_seconds']:.2f} | {r['rerun_share']:.1%} |"
        )
    print(f"\nPer job at {large['clusters']:,} clusters (seconds):\n")
    phases = sorted({k for job in large["jobs"].values() for k in job} - {"total"})
    print("| Job | " + " | ".join(phases) + " | total |")
    print("|---|" + "--:|" * (len(phases) + 1))
    for name, job in large["jobs"].items():
        cells = " | ".join(f"{job.get(p, 0.0):.1f}" for p in phases)
        print(f"| {name} | {cells} | {job['total']:.1f} |")
    if distinct is not None:
        loads = [job["load"] for job in distinct["jobs"].values()]
        print(
            f"\nDistinct paragraphs, {distinct['clusters']:,} clusters: sweep "
            f"{distinct['seconds']:.1f} s ({distinct['ms_per_cluster']:.1f} ms/cluster), loading "
            f"{loads[0]:.1f} s in the first job (splitting) and "
            f"{statistics.mean(loads[1:]) if len(loads) > 1 else float('nan'):.1f} s in each later "
            f"one (split store); rerun {distinct['rerun_share']:.1%}."
        )
    worst_rerun = max(r["rerun_share"] for r in rows)
    print("\n| Figure | Value | Target | |")
    print("|---|--:|--:|---|")
    print(
        f"| start-up: single run / import hydra | {start['single_run_median']:.2f} s / "
        f"{start['import_hydra_median']:.2f} s = {start['ratio']:.1f}x | <= 8x | "
        f"{mark(start['ratio'] <= TARGETS['startup_ratio'])} |"
    )
    heavy = ", ".join(start["heavy_imported"]) or "none"
    print(f"| heavy modules imported by that run | {heavy} | none | "
          f"{mark(not start['heavy_imported'])} |")  # fmt: skip
    print(
        f"| per-cluster cost {large['clusters']:,} vs {small['clusters']:,} | {ratio:.2f}x | "
        f"<= 1.2x | {mark(ratio <= TARGETS['per_cluster_ratio'])} |"
    )
    if large["clusters"] >= 5000:
        print(
            f"| sweep of {large['clusters']:,} clusters | {large['seconds']:.0f} s | <= 600 s | "
            f"{mark(large['seconds'] <= TARGETS['seconds_at_5000'])} |"
        )
    print(
        f"| identical rerun / first run (worst size) | {worst_rerun:.1%} | <= 10% | "
        f"{mark(worst_rerun <= TARGETS['rerun_share'])} |"
    )
    print(f"| peak RSS at {large['clusters']:,} clusters | {large['peak_rss_mb']:.0f} MB | | |")
    print(f"\nwritten: {args.out / 'scale.json'}, {args.out / 'scale.png'}; work: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
