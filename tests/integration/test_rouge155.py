"""Mode rouge155 against every official ROUGE-1.5.5 test vector (../shared/rouge155-vectors).

300 cases scored under six flag sets (A-F) by the Perl script; the 8,700 R/P/F triples are
compared as the 5-decimal strings ROUGE prints, both from the engine
(:class:`bench.metrics.rouge155.Rouge155`) and from the ``Rouge`` metric in mode ``rouge155``
(its floats formatted with ``%.5f``). The flags come from each record's ``rouge_args``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bench.metrics.rouge155 import Options, Rouge155, Rouge155Metric, type_key
from bench.types import Cluster, Reference

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "rouge155-vectors"
if not (VECTORS / "cases.jsonl").is_file() or not (VECTORS / "expected.jsonl").is_file():
    pytest.skip(f"ROUGE-1.5.5 test vectors not found in {VECTORS}", allow_module_level=True)

FLAG_SETS = ("A", "B", "C", "D", "E", "F")
# Flags that do not change per-unit scores: data dir, all peers, bootstrap CI, averaging, print.
_IGNORED = {"-e": 1, "-a": 0, "-c": 1, "-r": 1, "-t": 1, "-d": 0}
_SWITCHES = {"-m": "stem", "-s": "remove_stopwords", "-u": "skip_unigrams"}
_VALUES = {
    "-n": ("max_n", int),
    "-l": ("length_words", int),
    "-b": ("length_bytes", int),
    "-f": ("multi_ref", str),
    "-p": ("alpha", float),
    "-2": ("skip_distance", int),
}


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


CASES = {c["id"]: c for c in _read_jsonl(VECTORS / "cases.jsonl")}
EXPECTED = _read_jsonl(VECTORS / "expected.jsonl")


def options_from_args(args: str) -> Options:
    """ROUGE-1.5.5 command-line flags -> :class:`Options` (only the flags the vectors use)."""
    words = args.split()
    kw: dict = {"stem": False}
    i = 0
    while i < len(words):
        flag = words[i]
        if flag in _IGNORED:
            i += 1 + _IGNORED[flag]
        elif flag in _SWITCHES:
            kw[_SWITCHES[flag]] = True
            i += 1
        elif flag in _VALUES:
            name, kind = _VALUES[flag]
            kw[name] = kind(words[i + 1])
            i += 2
        else:
            raise ValueError(f"unexpected ROUGE flag {flag!r} in {args!r}")
    return Options(**kw)


def _records(flag_set: str) -> list[dict]:
    return [e for e in EXPECTED if e["flags"] == flag_set]


def _options(flag_set: str) -> Options:
    (args,) = {e["rouge_args"] for e in _records(flag_set)}
    return options_from_args(args)


def _report(mismatches: list[str], total: int) -> str:
    return f"{len(mismatches)} of {total} values differ, first ones:\n" + "\n".join(mismatches[:15])


def test_the_vectors_are_complete():
    assert len(CASES) == 300
    assert len(EXPECTED) == 1800
    assert Counter(e["flags"] for e in EXPECTED) == dict.fromkeys(FLAG_SETS, 300)
    triples = sum(len(e["scores"]) for e in EXPECTED)
    assert triples == 8700
    assert {e["id"] for e in EXPECTED} == set(CASES)


def test_flag_sets_parse_to_the_documented_options():
    assert _options("A") == Options(max_n=4, stem=True, multi_ref="A")
    assert _options("B") == Options(max_n=4, stem=True, multi_ref="A", length_words=100)
    assert _options("C") == Options(max_n=4, stem=False, multi_ref="A")
    assert _options("D") == Options(max_n=4, stem=True, multi_ref="B")
    assert _options("E") == Options(max_n=2, stem=True, skip_distance=4, skip_unigrams=True)
    assert _options("F") == Options(max_n=4, stem=True, remove_stopwords=True)


@pytest.mark.parametrize("flag_set", FLAG_SETS)
def test_engine_equals_every_vector(flag_set):
    scorer = Rouge155(_options(flag_set))
    mismatches, total = [], 0
    for record in _records(flag_set):
        case = CASES[record["id"]]
        got = scorer.score(case["peer"], case["references"])
        assert set(got) == set(record["scores"]), record["id"]
        for rouge_type, expected in record["scores"].items():
            for v in ("R", "P", "F"):
                total += 1
                if got[rouge_type][v] != expected[v]:
                    mismatches.append(
                        f"{record['id']} ({case['kind']}) {rouge_type} {v}: "
                        f"expected {expected[v]}, got {got[rouge_type][v]}"
                    )
    assert total == 3 * sum(len(r["scores"]) for r in _records(flag_set))
    assert not mismatches, _report(mismatches, total)


@pytest.mark.parametrize("flag_set", FLAG_SETS)
def test_metric_in_rouge155_mode_equals_every_vector(flag_set):
    opts = _options(flag_set)
    records = _records(flag_set)
    names = list(records[0]["scores"])
    metric = Rouge155Metric(
        rouge_types=[type_key(n) for n in names],
        use_stemmer=opts.stem,
        multi_ref={"A": "pooled", "B": "max"}[opts.multi_ref],
        remove_stopwords=opts.remove_stopwords,
        length_words=opts.length_words,
        length_bytes=opts.length_bytes,
        alpha=opts.alpha,
    )
    assert metric.signature()["flags"] == opts.flags()
    assert all(f in records[0]["rouge_args"].split() for f in opts.flags().split())
    summaries, clusters = [], []
    for record in records:
        case = CASES[record["id"]]
        summaries.append("\n".join(case["peer"]))
        refs = tuple(
            Reference(str(k), "model", "\n".join(r)) for k, r in enumerate(case["references"])
        )
        clusters.append(Cluster(record["id"], (), refs))
    mismatches, total = [], 0
    for record, values in zip(records, metric.score(summaries, clusters).scores, strict=True):
        for name, expected in record["scores"].items():
            for v in ("R", "P", "F"):
                total += 1
                got = "%.5f" % values[f"{type_key(name)}_{v.lower()}"]  # noqa: UP031
                if got != expected[v]:
                    mismatches.append(
                        f"{record['id']} {name} {v}: expected {expected[v]}, got {got}"
                    )
    assert not mismatches, _report(mismatches, total)
