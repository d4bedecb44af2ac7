"""bench.metrics.porter.stem must agree with nltk's PorterStemmer().stem (default mode)."""

from __future__ import annotations

import itertools
import os
import random
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from bench.metrics.porter import stem

ROOT = Path(__file__).resolve().parents[2]
SHARED_ARTICLES = ROOT.parent / "shared" / "articles"
REFERENCE_DIR = ROOT / "reference_summaries"
TOKEN = re.compile(r"[a-z0-9]+")
STDLIB_CAP = 60_000

_TRICKY_TEXT = """
sky skies dying lying tying news innings inning outings outing cannings canning howe proceed
exceed succeed proceeds exceeding succeeded caress caresses ponies ties dies spies flies cries
cried died tied lied spied ied ies eed feed agreed plastered bled motoring sing conflated
troubled sized hopping tanned falling hissing fizzed failing filing happy relational
conditional rational valenci hesitanci digitizer conformabli radicalli differentli vileli
analogousli vietnamization predication operator feudalism decisiveness hopefulness callousness
formaliti sensitiviti sensibiliti triplicate formative formalize electriciti electrical hopeful
goodness revival allowance inference airliner gyroscopic adjustable defensible irritant
replacement adjustment dependent adoption homologou communism activate angulariti homologous
effective bowdlerize probate rate cease controll roll generalization oscillators generously
y ay by say syllogi anthropologi geologi theologi logi fulli hopefulli beautifulli alli
conditionalli rationalli tradition traditionalli possibly possibli abli bli table feasibly
2017 1990s abc123 123 0 00 a i s is as us ss sss yes yy yyy ayy yay toy boy toys enjoy
enjoying employed yelled youth yield yearly cry crying dry drying fly flying saying says
obey obeyed journey journeys valley valleys mystery mysteries owe owed oxing axing boxing
fixing mixed waxed snowing showed hoped hopping cvcing filing fail hop hope tan tanned bowed
ow ox ax ed ing ings eing being seeing agree agreement adhere adhesion revision suspension
communication nation station ration lion onion union action probation generalizations
agreements settlements statement enement element cement ment ent ement ence ance
"""
TRICKY = list(dict.fromkeys(_TRICKY_TEXT.split()))


@pytest.fixture(scope="module")
def oracle():
    porter = pytest.importorskip("nltk.stem.porter")
    return porter.PorterStemmer().stem


def _compare(words: list[str], oracle) -> None:
    assert words
    mismatches = [(w, stem(w), oracle(w)) for w in words if stem(w) != oracle(w)]
    shown = "\n".join(f"  {w!r}: ours {o!r}, nltk {n!r}" for w, o, n in mismatches[:10])
    assert not mismatches, f"{len(mismatches)} of {len(words)} words differ, e.g.\n{shown}"


def _distinct_tokens(paths, cap: int | None = None) -> list[str]:
    seen: dict[str, None] = {}
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as fh:
            seen.update(dict.fromkeys(TOKEN.findall(fh.read().lower())))
        if cap is not None and len(seen) >= cap:
            break
    return list(seen)[:cap]


def _files_under(root, suffixes: tuple[str, ...] | None = None) -> list[str]:
    """Files under ``root`` in a deterministic (sorted, depth-first) order."""
    out = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "__pycache__"))
        out += [
            os.path.join(directory, f)
            for f in sorted(files)
            if suffixes is None or f.endswith(suffixes)
        ]
    return out


def test_no_nltk_import():
    code = "import sys, bench.metrics.porter; sys.exit('nltk' in sys.modules)"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_articles_and_references(oracle):
    if not SHARED_ARTICLES.is_dir():
        pytest.skip("no /work/shared/articles")
    paths = _files_under(SHARED_ARTICLES) + _files_under(REFERENCE_DIR)
    words = _distinct_tokens(paths)
    assert len(words) > 500
    _compare(words, oracle)


def test_stdlib_vocabulary(oracle):
    paths = _files_under(sysconfig.get_paths()["stdlib"], (".py", ".txt", ".rst"))
    words = _distinct_tokens(paths, STDLIB_CAP)
    assert len(words) == STDLIB_CAP
    _compare(words, oracle)


def test_tricky_cases(oracle):
    _compare(TRICKY, oracle)


def test_all_short_tokens(oracle):
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    words = ["".join(t) for n in (1, 2, 3) for t in itertools.product(alphabet, repeat=n)]
    _compare(words, oracle)


# Every suffix some rule looks at, alone and after an inflection-bearing one.
_SUFFIX_TEXT = """
s es ies sses ss ied eed ed ing y ly ily ely ally ingly edly ational tional enci anci izer bli
abli alli entli eli ousli ization ation ator alism iveness fulness ousness aliti iviti biliti
fulli logi icate ative alize iciti ical ful ness al ance ence er ic able ible ant ement ment ent
ion sion tion ou ism ate iti ous ive ize e ll l at bl iz
"""
_SUFFIXES = _SUFFIX_TEXT.split()


def test_generated_vocabulary(oracle):
    """Random stems (heavy on "y" and doubled letters) joined to the rules' suffixes."""
    rng = random.Random(1980)
    letters = "aeiouyyybcdfghlllmnprssstttvwxz0"
    # Sorted before drawing suffixes: set order varies with the string hash seed.
    stems = sorted(
        {"".join(rng.choice(letters) for _ in range(rng.randint(1, 8))) for _ in range(6000)}
    )
    words = set(stems)
    for s in stems:
        words.add(s + rng.choice(_SUFFIXES))
        words.add(s + rng.choice(_SUFFIXES))
        words.add(s + rng.choice(_SUFFIXES) + rng.choice(_SUFFIXES))
    words = sorted(words)
    assert len(words) > 15_000
    _compare(words, oracle)


# --- ROUGE-1.5.5's stemmer (bench.metrics.porter155 behind rouge155.morph_stem) ---------------
#
# ../shared/rouge155-vectors/stems.tsv holds ROUGE-1.5.5's own ``MorphStem`` output for 63,072
# words (its README tells how it was made). The committed sample is drawn from it by
# ``stem_sample`` below, a few words per rule and outcome, so that every rule runs without
# ../shared; ``test_committed_sample_is_the_one_stems_tsv_gives`` re-derives it.

STEMS_TSV = ROOT.parent / "shared" / "rouge155-vectors" / "stems.tsv"
STEMS_SAMPLE = ROOT / "tests" / "fixtures" / "rouge155_stems_sample.tsv"
PER_APPLIED, PER_NOT_APPLIED, EXCEPTION_WORDS = 8, 3, 12


def read_stems(path: Path) -> list[tuple[str, str]]:
    """``word<TAB>stem`` rows after the header."""
    lines = path.read_text(encoding="ascii").splitlines()
    assert lines[0] == "word\tstem", path
    return [(w, s) for w, s in (line.split("\t") for line in lines[1:])]


def _spread(items: list, k: int) -> list:
    """``k`` items evenly spaced over ``items`` (all of them when there are fewer)."""
    if len(items) <= k:
        return items
    return [items[i * len(items) // k] for i in range(k)]


def stem_sample(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Words of ``rows`` that meet each Porter rule (applied or not) plus exception-list words."""
    from bench.metrics.porter155 import trace
    from bench.metrics.rouge155 import exceptions

    by_event: dict[tuple[str, bool], list[tuple[str, str]]] = {}
    in_exceptions = []
    for word, stem_ in rows:
        if word.encode() in exceptions():
            in_exceptions.append((word, stem_))
            continue
        for event in dict.fromkeys(trace(word)[1]):
            by_event.setdefault(event, []).append((word, stem_))
    chosen: dict[tuple[str, str], None] = {}
    for (_, applied), words in sorted(by_event.items()):
        chosen.update(dict.fromkeys(_spread(words, PER_APPLIED if applied else PER_NOT_APPLIED)))
    chosen.update(dict.fromkeys(_spread(in_exceptions, EXCEPTION_WORDS)))
    return sorted(chosen)


def _stem155_mismatches(rows: list[tuple[str, str]]) -> list[str]:
    from bench.metrics.rouge155 import morph_stem

    return [
        f"{w}: ROUGE-1.5.5 {s!r}, ours {morph_stem(w.encode()).decode()!r}"
        for w, s in rows
        if morph_stem(w.encode()).decode() != s
    ]


def test_porter155_committed_sample():
    rows = read_stems(STEMS_SAMPLE)
    assert len(rows) >= 500
    bad = _stem155_mismatches(rows)
    assert not bad, f"{len(bad)} of {len(rows)} differ:\n" + "\n".join(bad[:20])


def test_porter155_committed_sample_covers_every_rule_and_outcome():
    from bench.metrics.porter155 import GUARDED, RULES, trace
    from bench.metrics.rouge155 import exceptions

    seen = {e for w, _ in read_stems(STEMS_SAMPLE) for e in trace(w)[1]}
    assert {r for r, applied in seen if applied} == set(RULES)
    # Every rule with a condition is also met with the condition failing, except six whose
    # suffix no word of stems.tsv has after too short a stem.
    not_applied = {r for r, applied in seen if not applied}
    assert GUARDED - not_applied == {"2:ization", "2:iveness", "2:ousness", "2:iviti",
                                     "3:icate", "3:iciti"}  # fmt: skip
    assert sum(w.encode() in exceptions() for w, _ in read_stems(STEMS_SAMPLE)) >= 10


@pytest.mark.skipif(not STEMS_TSV.is_file(), reason=f"{STEMS_TSV} not present")
def test_porter155_equals_rouge155_on_all_of_stems_tsv():
    rows = read_stems(STEMS_TSV)
    assert len(rows) == 63_072
    bad = _stem155_mismatches(rows)
    assert not bad, f"{len(bad)} of {len(rows)} differ:\n" + "\n".join(bad[:20])


@pytest.mark.skipif(not STEMS_TSV.is_file(), reason=f"{STEMS_TSV} not present")
def test_committed_sample_is_the_one_stems_tsv_gives():
    assert read_stems(STEMS_SAMPLE) == stem_sample(read_stems(STEMS_TSV))


def write_stem_sample() -> None:
    """Regenerate the committed sample: ``python tests/integration/test_porter.py``."""
    rows = stem_sample(read_stems(STEMS_TSV))
    STEMS_SAMPLE.write_text("word\tstem\n" + "".join(f"{w}\t{s}\n" for w, s in rows), "ascii")


if __name__ == "__main__":
    write_stem_sample()
