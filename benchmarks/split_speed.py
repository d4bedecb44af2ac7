"""Sentence splitting speed on one-paragraph articles of 60 KB, 250 KB, 1 MB and 10 MB.

Each article is one paragraph (no line break) of distinct news-like sentences built from a seeded
template, split by ``bench.preprocess.text.split_sentences`` with no split store and empty caches.
Prints seconds and characters per second for each size, and the seconds per MB of the largest
size over those of 1 MB (about 1 when splitting is linear). With ``--pysbd`` it also times pysbd
on the whole 60 KB paragraph in the same process (the quadratic path the windows replace) and
checks that both give the same sentences.

    .venv/bin/python benchmarks/split_speed.py [--json results/benchmarks/split_speed.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.data.synthetic import one_paragraph  # noqa: E402

SIZES = {"60 KB": 60_000, "250 KB": 250_000, "1 MB": 1_000_000, "10 MB": 10_000_000}


def time_split(text: str) -> tuple[float, int]:
    """Seconds to split ``text`` (caches cleared first) and the number of sentences."""
    import bench.preprocess.text as split

    split.use_split_store(None)
    split._split_paragraph.cache_clear()
    started = time.perf_counter()
    sentences = split.split_sentences([text])
    return time.perf_counter() - started, len(sentences)


def main() -> None:
    """Time every size and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--pysbd", action="store_true", help="also time pysbd on 60 KB whole")
    args = parser.parse_args()
    rows = []
    for label, chars in SIZES.items():
        seconds, n = time_split(one_paragraph(chars)[:chars])
        rows.append({"size": label, "chars": chars, "sentences": n, "seconds": round(seconds, 2),
                     "chars_per_s": round(chars / seconds)})  # fmt: skip
    print("| size | sentences | seconds | chars/s |")
    print("| --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['size']} | {r['sentences']} | {r['seconds']} | {r['chars_per_s']:,} |")
    per_mb = {r["size"]: r["seconds"] / r["chars"] * 1e6 for r in rows}
    ratio = per_mb["10 MB"] / per_mb["1 MB"]
    print(f"\nseconds per MB, 10 MB / 1 MB: {ratio:.2f} (1.0 = linear)")
    record: dict = {"rows": rows, "linearity_10mb_over_1mb": round(ratio, 2)}
    if args.pysbd:
        from bench.preprocess.text import _segment_long, _segmenter

        text = one_paragraph(60_000)[:60_000]
        started = time.perf_counter()
        whole = tuple(s.strip() for s in _segmenter().segment(text) if s.strip())
        t_whole = time.perf_counter() - started
        started = time.perf_counter()
        windows = _segment_long(text)
        t_windows = time.perf_counter() - started
        same = "identical" if whole == windows else "DIFFERENT"
        print(f"60 KB: pysbd whole {t_whole:.2f} s, windows {t_windows:.2f} s "
              f"({t_whole / t_windows:.0f}x), sentences {same}")  # fmt: skip
        record["pysbd_whole_60kb_s"] = round(t_whole, 2)
        record["windows_60kb_s"] = round(t_windows, 2)
        record["same_sentences"] = whole == windows
    import os

    from bench.preprocess.text import PARALLEL_MIN, _iter_long, _workers

    text = one_paragraph(10_000_000)[:10_000_000]
    started = time.perf_counter()
    n_seq = sum(1 for _ in _iter_long(text))
    t_seq = time.perf_counter() - started
    t_par = rows[-1]["seconds"]
    print(f"10 MB in one process: {t_seq:.1f} s ({n_seq} sentences); with {_workers()} processes "
          f"(paragraphs of {PARALLEL_MIN:,} characters or more): {t_par:.1f} s "
          f"({t_seq / t_par:.2f}x); load average before: {os.getloadavg()[0]:.2f}")  # fmt: skip
    record.update(sequential_10mb_s=round(t_seq, 2), workers=_workers(),
                  load_average=round(os.getloadavg()[0], 2))  # fmt: skip
    record.update(python=platform.python_version(), pysbd=version("pysbd"))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
