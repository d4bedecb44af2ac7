"""Seq2seq summarizer throughput: our whole ``summarize`` against bare ``model.generate``.

Clusters are variants of the embedded cluster (documents rotated and one left out in turn, so
every input differs). The summarizer runs end to end (packing with token counting, sorting,
tokenization, generation, decoding, per-document accounting) with the cache off. "Bare" is
``model.generate`` alone on the same batches, tokenized in advance: the most a wrapper could
reach. Both take turns ``--repeats`` times (in alternating order) and the fastest run of each is
kept. On a shared machine generate itself varies by 10-30% from call to call, so a second figure
is immune to it: the share of the summarizer's own wall time spent inside ``model.generate``,
measured in the same call (median over repeats); 1 minus it is the wrapper's cost. Last columns:
the same summarizer with batches of ``--batch-size`` against one input at a time.

    .venv/bin/python benchmarks/seq2seq_throughput.py [--model DIR] [--clusters 16]

Without ``--model`` a random BART (``--d-model``, ``--layers``; default the 0.4 M-parameter
test model) is built in a temporary directory: outputs are noise, throughput is what is
measured. The tiny default makes generation so cheap that fixed per-input costs weigh most;
``--d-model 512 --layers 6`` is closer to the models people benchmark. Decoding is fixed-length
(min = max new tokens) so both sides generate the same number of tokens.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def clusters(n: int) -> list:
    """``n`` distinct clusters made from the embedded one."""
    from bench.data.clusters import LocalClusters
    from bench.preprocess.clean import Cleaner

    source = LocalClusters(str(ROOT / "data" / "clusters"), None, ["mattis_pakistan_2017"])
    (base,) = source.load(Cleaner())
    docs = base.documents
    out = []
    for i in range(n):
        rotated = docs[i % len(docs) :] + docs[: i % len(docs)]
        kept = tuple(d for j, d in enumerate(rotated) if j != (i // len(docs)) % len(docs))
        out.append(replace(base, cluster_id=f"variant-{i:03d}", documents=kept))
    return out


def build(model: str, batch_size: int, new_tokens: int, max_input: int):  # type: ignore[no-untyped-def]
    """The summarizer under test, cache off."""
    from bench.budget import Budget
    from bench.preprocess.packing import EqualShare
    from bench.summarizers.hf_seq2seq import Seq2Seq

    return Seq2Seq(
        budget=Budget(),
        model=model,
        packing=EqualShare(max_input_tokens=max_input),
        generation={"num_beams": 1, "min_new_tokens": new_tokens, "max_new_tokens": new_tokens},
        batch_size=batch_size,
        device="cpu",
        cache_dir=None,
    )


def bare_batches(summarizer, data) -> list:  # type: ignore[no-untyped-def]
    """The exact batches ``summarize`` generates for, tokenized in advance."""
    texts = []
    for c in data:
        docs = [list(d.sentences) for d in c.documents]
        limit = summarizer.content_limit(len(docs))
        packed = summarizer.packing.pack(docs, summarizer.tokens, limit, summarizer.separator)
        texts.append(summarizer._model_text(packed))
    return [summarizer._encode(batch) for batch in summarizer.batches(texts)]


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    """Seconds one call of ``fn`` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(model: str, data: list, args: argparse.Namespace) -> dict:
    """Fastest seconds of ours, bare and one-at-a-time over ``repeats`` alternating runs."""
    import torch

    ours = build(model, args.batch_size, args.new_tokens, args.max_input_tokens)
    single = build(model, 1, args.new_tokens, args.max_input_tokens)
    batches = bare_batches(ours, data)
    gen = ours.model.generate
    config = ours.generation_config

    def bare() -> None:
        with torch.inference_mode():
            for enc in batches:
                gen(**enc, generation_config=config)

    # Inside the summarizer, time spent in model.generate itself: generate / whole summarize in
    # the same call is the wrapper's efficiency, immune to load that shifts between calls.
    in_generate = [0.0]

    def counted(*a: object, **k: object) -> object:
        start = time.perf_counter()
        try:
            return gen(*a, **k)
        finally:
            in_generate[0] += time.perf_counter() - start

    ours.model.generate = counted
    ours.summarize(data[:2])  # warm-up: first calls pay one-off allocation costs
    bare()
    t_ours, t_bare, t_single, shares = [], [], [], []
    for i in range(args.repeats):
        # Alternate the order so that neither side always runs right after the other.
        in_generate[0] = 0.0
        pair = [(t_ours, lambda: ours.summarize(data)), (t_bare, bare)]
        for times, fn in pair if i % 2 == 0 else pair[::-1]:
            times.append(timed(fn))
        shares.append(in_generate[0] / t_ours[-1])
        t_single.append(timed(lambda: single.summarize(data)))
    # The fastest of the repeats: what each side costs when nothing else gets in the way.
    o, b, s = (min(t) for t in (t_ours, t_bare, t_single))
    n = len(data)
    return {
        "clusters": n,
        "batch_size": args.batch_size,
        "new_tokens": args.new_tokens,
        "max_input_tokens": args.max_input_tokens,
        "repeats": args.repeats,
        "bare_generate_clusters_per_s": round(n / b, 3),
        "summarizer_clusters_per_s": round(n / o, 3),
        "throughput_ratio_vs_bare": round(b / o, 3),
        "generate_share_of_summarize": round(statistics.median(shares), 4),
        "one_at_a_time_clusters_per_s": round(n / s, 3),
        "batched_speedup_vs_one_at_a_time": round(s / o, 3),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
    }


def main() -> None:
    """Print the figures (and optionally write them as JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="local seq2seq model directory (default: random BART)")
    parser.add_argument("--d-model", type=int, default=16, help="width of the random BART")
    parser.add_argument("--layers", type=int, default=2, help="layers of the random BART")
    parser.add_argument("--clusters", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--new-tokens", type=int, default=60)
    parser.add_argument("--max-input-tokens", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    data = clusters(args.clusters)
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model is None:
            from bench.testing import build_tiny_bart

            texts = [s for d in data[0].documents for s in d.sentences]
            path = Path(tmp) / "bart"
            model = str(build_tiny_bart(path, texts, d_model=args.d_model, layers=args.layers))
        row = compare(model, data, args)
    row["model"] = args.model or (
        f"random BART d_model={args.d_model} layers={args.layers}+{args.layers} (bench.testing)"
    )
    header = ["clusters", "batch", "bare generate/s", "summarizer/s", "ratio",
              "generate share", "one-at-a-time/s", "batched speed-up"]  # fmt: skip
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    cells = [
        row["clusters"], row["batch_size"], row["bare_generate_clusters_per_s"],
        row["summarizer_clusters_per_s"], f"{row['throughput_ratio_vs_bare']}x",
        row["generate_share_of_summarize"],
        row["one_at_a_time_clusters_per_s"], f"{row['batched_speedup_vs_one_at_a_time']}x",
    ]  # fmt: skip
    print("| " + " | ".join(str(c) for c in cells) + " |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(row, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
