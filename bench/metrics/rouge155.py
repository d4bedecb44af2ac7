"""ROUGE-1.5.5 (Lin, 2004) re-implemented in Python, equal to the Perl script as printed.

Reproduces ``ROUGE-1.5.5.pl`` (release 1.5.5, 2005) per-unit scores to the 5 decimals it prints,
for ROUGE-N (``-n``), summary-level ROUGE-L and ROUGE-SU (``-2 k -u``), with stemming (``-m``),
stop-word removal (``-s``), length limits in words (``-l``) and bytes (``-b``), the
multi-reference rules ``-f A`` (pooled) and ``-f B`` (best by recall), and the F weight ``-p``.
The rules implemented are the script's documented behaviour (see ``test_rouge155.py``,
which checks every official test vector):

- text is handled as UTF-8 bytes; only ASCII ``A-Z`` is lower-cased; ``-`` becomes `` - `` and
  every byte outside ``[A-Za-z0-9-]`` a space; tokens not starting with ``[a-z0-9$]`` are dropped;
- stop words are removed before stemming; stemming touches tokens longer than 3 characters:
  the WordNet 2.0 exception lists first (first lemma, not stemmed further), else ROUGE's Porter;
- ``-l`` cuts the raw lines before tokenisation, counting the words Perl's whitespace split
  gives (ASCII whitespace only; a leading empty field counts);
- n-grams run across sentence boundaries; hits are clipped per n-gram;
- R and P are rounded to 5 decimals before F = P*R / ((1-alpha)*P + alpha*R).

Speed (``benchmarks/rouge_speed.py``, ``docs/rouge.md``): references are prepared and counted once
and cached, so a cluster's systems share them; each distinct token is cleaned, stop-listed and
stemmed once (one ``bytes.translate`` pass per line, then one memo lookup per token); clipped
hits are a set intersection of distinct grams plus a look at the grams repeated on both sides.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, KeysView, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from pathlib import Path

from bench import __version__
from bench.metrics.base import MetricOutput
from bench.metrics.lcs import union_lcs_hits
from bench.metrics.porter155 import stem as porter_stem
from bench.metrics.rouge import cluster_references, rouge_info
from bench.types import Cluster

DATA_DIR = Path(__file__).resolve().parent / "rouge155_data"
_PERL_WS = re.compile(rb"[ \t\n\r\f\v]+")
_KEEP = re.compile(rb"^[a-z0-9$]")


@lru_cache(maxsize=1)
def exceptions() -> dict[bytes, bytes]:
    """Inflected form -> first lemma, loaded adj, adv, noun, verb (later lines overwrite)."""
    table: dict[bytes, bytes] = {}
    for part in ("adj", "adv", "noun", "verb"):
        for line in (DATA_DIR / f"{part}.exc").read_bytes().splitlines():
            fields = line.split()
            if len(fields) >= 2:
                table[fields[0]] = fields[1]
    return table


@lru_cache(maxsize=1)
def stopwords() -> frozenset[bytes]:
    """The SMART stop list ROUGE-1.5.5 uses for ``-s``."""
    return frozenset(
        line.strip() for line in (DATA_DIR / "smart_common_words.txt").read_bytes().splitlines()
    )


@lru_cache(maxsize=200_000)
def morph_stem(token: bytes) -> bytes:
    """ROUGE-1.5.5's ``MorphStem`` of a lower-case token: its exception lemma, else its Porter stem.

    ROUGE calls it only for tokens longer than 3 characters (see :func:`prepare`).
    """
    lemma = exceptions().get(token)
    if lemma is not None:
        return lemma
    return porter_stem(token.decode("ascii")).encode("ascii")


@dataclass(frozen=True, slots=True)
class Options:
    """The ROUGE-1.5.5 flags that change per-unit scores."""

    max_n: int = 4  # -n
    stem: bool = True  # -m
    remove_stopwords: bool = False  # -s
    length_words: int | None = None  # -l
    length_bytes: int | None = None  # -b
    multi_ref: str = "A"  # -f A (pooled) | B (best recall)
    alpha: float = 0.5  # -p
    skip_distance: int | None = None  # -2 (None: no ROUGE-S)
    skip_unigrams: bool = False  # -u

    def __post_init__(self) -> None:
        """Reject values ROUGE-1.5.5 would not accept."""
        if not 1 <= self.max_n <= 9:
            raise ValueError(f"max_n (-n) must be 1..9, got {self.max_n}")
        if self.multi_ref not in ("A", "B"):
            raise ValueError(f"multi_ref (-f) must be 'A' or 'B', got {self.multi_ref!r}")
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"alpha (-p) must be in [0, 1], got {self.alpha}")
        for name in ("length_words", "length_bytes"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be a positive integer or None, got {value}")
        if self.length_words is not None and self.length_bytes is not None:
            raise ValueError("length_words (-l) and length_bytes (-b) are exclusive")
        if self.skip_distance is not None and self.skip_distance < 0:
            raise ValueError(f"skip_distance (-2) must be >= 0, got {self.skip_distance}")

    def flags(self) -> str:
        """The equivalent ROUGE-1.5.5 command-line flags."""
        parts = [f"-n {self.max_n}"]
        if self.stem:
            parts.append("-m")
        if self.remove_stopwords:
            parts.append("-s")
        if self.skip_distance is not None:
            parts.append(f"-2 {self.skip_distance}" + (" -u" if self.skip_unigrams else ""))
        if self.length_words is not None:
            parts.append(f"-l {self.length_words}")
        if self.length_bytes is not None:
            parts.append(f"-b {self.length_bytes}")
        parts.append(f"-f {self.multi_ref} -p {self.alpha}")
        return " ".join(parts)

    def types(self) -> list[str]:
        """The score names these options produce, in ROUGE's order."""
        out = [f"ROUGE-{n}" for n in range(1, self.max_n + 1)] + ["ROUGE-L"]
        if self.skip_distance is not None:
            out.append(f"ROUGE-S{self.skip_distance}" if not self.skip_unigrams
                       else f"ROUGE-SU{self.skip_distance}")  # fmt: skip
        return out


def _perl_split(line: bytes) -> list[bytes]:
    """Perl's whitespace ``split`` of a line: leading empty field kept, trailing ones dropped."""
    fields = _PERL_WS.split(line)
    while fields and fields[-1] == b"":
        fields.pop()
    return fields


def _limit_words(lines: list[bytes], limit: int) -> list[bytes]:
    out: list[bytes] = []
    count = 0
    for line in lines:
        words = _perl_split(line)
        if count + len(words) >= limit:
            out.append(b" ".join(words[: limit - count]))
            break
        out.append(line)
        count += len(words)
    return out


def _limit_bytes(lines: list[bytes], limit: int) -> list[bytes]:
    out: list[bytes] = []
    count = 0
    for line in lines:
        if count + len(line) >= limit:
            out.append(line[: limit - count])
            break
        out.append(line)
        count += len(line)
    return out


# One pass lower-cases ASCII A-Z and blanks every byte outside [a-z0-9]. ROUGE turns "-" into
# " - " and then drops tokens that do not start with [a-z0-9$]; a lone "-" is the only such
# token its cleaning leaves (and "$" never survives it), so "-" can be blanked at once.
_CLEAN = bytes(
    c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or 48 <= c <= 57 else 32 for c in range(256)
)


class _TokenMap(dict[bytes, bytes | None]):
    """Cleaned token -> the token ROUGE-1.5.5 keeps (None: dropped), memoised per option set."""

    limit = 500_000  # distinct tokens memoised; later ones are computed every time

    def __init__(self, stem: bool, remove_stopwords: bool) -> None:
        super().__init__()
        self.stem = stem
        self.stops = stopwords() if remove_stopwords else frozenset()

    def __missing__(self, token: bytes) -> bytes | None:
        out: bytes | None = None
        if token not in self.stops:
            out = morph_stem(token) if self.stem and len(token) > 3 else token
            if not _KEEP.match(out):  # an exception lemma could start with another byte
                out = None
        if len(self) < self.limit:
            self[token] = out
        return out


@lru_cache(maxsize=4)
def _token_map(stem: bool, remove_stopwords: bool) -> _TokenMap:
    return _TokenMap(stem, remove_stopwords)


@dataclass(frozen=True, slots=True)
class Text:
    """A summary as ROUGE-1.5.5 sees it: token lines after limits, lower-casing and stemming."""

    lines: tuple[tuple[bytes, ...], ...]
    tokens: tuple[bytes, ...]
    # ROUGE type -> its grams, filled in by _grams (a cache: a text is counted once per type)
    grams: dict[str, _Grams] = field(default_factory=dict, compare=False, repr=False)


def prepare(sentences: Sequence[str], opts: Options) -> Text:
    """Lines -> tokens, applying the length limit first, as ROUGE-1.5.5 reads a summary."""
    lines = [s.encode("utf-8") for s in sentences]
    lines = [line for line in lines if line != b""]
    if opts.length_words is not None:
        lines = _limit_words(lines, opts.length_words)
    elif opts.length_bytes is not None:
        lines = _limit_bytes(lines, opts.length_bytes)
    keep = _token_map(opts.stem, opts.remove_stopwords)
    words = [line.translate(_CLEAN).split() for line in lines]
    tokens = list(map(keep.__getitem__, chain.from_iterable(words)))  # one memo lookup each
    token_lines = []
    start = 0
    for line in words:
        token_lines.append(tuple(tokens[start : start + len(line)]))
        start += len(line)
    if None in tokens:  # stop words or dropped lemmas
        token_lines = [tuple(t for t in line if t is not None) for line in token_lines]
        tokens = [t for t in tokens if t is not None]
    return Text(tuple(token_lines), tuple(tokens))


def _ngrams(tokens: Sequence[bytes], n: int) -> Iterable:
    """The n-grams in order; unigrams are the tokens themselves, longer n-grams tuples."""
    if n == 1:
        return tokens
    return zip(*(tokens[k:] for k in range(n)), strict=False)


def _skip_bigrams(tokens: Sequence[bytes], distance: int, unigrams: bool) -> Counter:
    grams: Counter = Counter()
    last = len(tokens) - 1
    for i in range(last):  # ROUGE stops one token early: the last unigram is never counted
        if unigrams:
            grams[(tokens[i],)] += 1
        for j in range(i + 1, min(i + distance + 1, last) + 1):
            grams[(tokens[i], tokens[j])] += 1
    return grams


def _fmt(x: float) -> str:
    return "%.5f" % x  # noqa: UP031  (Perl sprintf("%7.5f") rounding)


def _score(hits: int, ref_total: int, peer_total: int, alpha: float) -> dict[str, str]:
    r = float(_fmt(hits / ref_total)) if ref_total > 0 else 0.0
    p = float(_fmt(hits / peer_total)) if peer_total > 0 else 0.0
    f = (p * r) / ((1 - alpha) * p + alpha * r) if p > 0 and r > 0 else 0.0
    return {"R": _fmt(r), "P": _fmt(p), "F": _fmt(f)}


def type_key(rouge_type: str) -> str:
    """``ROUGE-1`` -> ``rouge1``, ``ROUGE-L`` -> ``rougeL``, ``ROUGE-SU4`` -> ``rougeSU4``."""
    return "rouge" + rouge_type.removeprefix("ROUGE-").replace("-", "")


@lru_cache(maxsize=2048)
def _reference(sentences: tuple[str, ...], opts: Options) -> Text:
    """A reference prepared (and, lazily, counted) once: a cluster's systems share it."""
    return prepare(sentences, opts)


def clear_caches() -> None:
    """Forget memoised stems, token maps and references (for timing from a cold start)."""
    porter_stem.cache_clear()
    morph_stem.cache_clear()
    _token_map.cache_clear()
    _reference.cache_clear()


Counts = tuple[int, int, int]  # (hits, reference total, peer total)


@dataclass(frozen=True, slots=True)
class _Grams:
    """One ROUGE type's grams in one text: the distinct ones, those counted more than once."""

    distinct: KeysView
    repeated: dict  # gram -> count, only for counts above 1
    total: int


def _grams(text: Text, rouge_type: str, options: Options) -> _Grams:
    """The grams a ROUGE-N or ROUGE-S(U) type counts in one text, counted once per text."""
    grams = text.grams.get(rouge_type)
    if grams is None:
        if rouge_type.startswith("ROUGE-S"):
            counts = _skip_bigrams(text.tokens, options.skip_distance or 0, options.skip_unigrams)
            total = counts.total()
        else:
            n = int(rouge_type[6:])
            counts = Counter(_ngrams(text.tokens, n))
            total = max(len(text.tokens) - n + 1, 0)
        repeated = {g: c for g, c in counts.items() if c > 1} if len(counts) < total else {}
        grams = text.grams[rouge_type] = _Grams(counts.keys(), repeated, total)
    return grams


def _clipped_hits(a: _Grams, b: _Grams) -> int:
    """Sum over grams of the smaller of the two counts (ROUGE's clipped hits).

    Every shared gram counts once (a set intersection, in C); a gram repeated in both texts
    adds ``min - 1`` more, so only repeated grams are looked at in Python.
    """
    hits = len(a.distinct & b.distinct)
    small, large = a.repeated, b.repeated
    if len(small) > len(large):
        small, large = large, small
    for g, x in small.items():
        y = large.get(g)
        if y is not None:
            hits += (x if x < y else y) - 1
    return hits


class Rouge155:
    """ROUGE-1.5.5 per-unit scores of one peer against its references (models)."""

    def __init__(self, options: Options | None = None) -> None:
        """Load the exception and stop lists once."""
        self.options = options or Options()
        if self.options.stem:
            exceptions()
        if self.options.remove_stopwords:
            stopwords()

    def all_counts(
        self,
        peer: Sequence[str],
        references: Sequence[Sequence[str]],
        types: Sequence[str] | None = None,
    ) -> dict[str, list[Counts]]:
        """Per ROUGE type (default: all of ``Options.types()``), the counts of each reference.

        References and their gram counts are cached (the last 2,048 texts), so scoring many
        peers against the same references (a cluster's systems) prepares and counts them once.

        Raises:
            ValueError: Without references, or for a type these options do not produce.
        """
        if not references:
            raise ValueError("ROUGE-1.5.5 needs at least one reference")
        known = self.options.types()
        types = known if types is None else list(types)
        for t in types:
            if t not in known:
                raise ValueError(f"{t} is not computed with flags {self.options.flags()!r}")
        p = prepare(peer, self.options)
        refs = [_reference(tuple(r), self.options) for r in references]
        out: dict[str, list[Counts]] = {}
        for t in types:
            if t == "ROUGE-L":
                out[t] = [
                    (union_lcs_hits(r.lines, p.lines, r.tokens, p.tokens), len(r.tokens),
                     len(p.tokens))
                    for r in refs
                ]  # fmt: skip
                continue
            grams = _grams(p, t, self.options)
            out[t] = []
            for r in refs:
                ref_grams = _grams(r, t, self.options)
                out[t].append((_clipped_hits(grams, ref_grams), ref_grams.total, grams.total))
        return out

    def combine(self, per_ref: Sequence[Counts], rouge_type: str) -> dict[str, str]:
        """Printed R/P/F of one type from its per-reference counts, by the ``-f`` rule."""
        if not per_ref:
            raise ValueError("ROUGE-1.5.5 needs at least one reference")
        if self.options.multi_ref == "A":
            return _score(sum(c[0] for c in per_ref), sum(c[1] for c in per_ref),
                          sum(c[2] for c in per_ref), self.options.alpha)  # fmt: skip
        return self._best(per_ref, lcs=rouge_type == "ROUGE-L")

    def score(
        self, peer: Sequence[str], references: Sequence[Sequence[str]]
    ) -> dict[str, dict[str, str]]:
        """``{"ROUGE-1": {"R": "0.51675", "P": ..., "F": ...}, ...}`` as ROUGE prints them."""
        return {t: self.combine(c, t) for t, c in self.all_counts(peer, references).items()}

    def _best(self, per_ref: Sequence[Counts], lcs: bool) -> dict[str, str]:
        best, best_r = 0, -1.0
        for i, (hits, ref_total, _) in enumerate(per_ref):
            r = hits / ref_total if ref_total > 0 else 0.0
            if not lcs:
                r = float(_fmt(r))
            if r > best_r:  # ties keep the first reference
                best, best_r = i, r
        return _score(*per_ref[best], self.options.alpha)


# --------------------------------------------------------------------------- the metric

ROUGE155_TYPES = ("rouge1", "rouge2", "rougeL")
ROUGE155_MULTI_REF = {"pooled": "A", "max": "B"}  # multi_ref -> ROUGE-1.5.5 -f
_NGRAM_RE = re.compile(r"^rouge([1-9])$")
_SKIP_RE = re.compile(r"^rouge(SU?)([0-9]+)$")


def rouge155_options(
    rouge_types: Sequence[str],
    use_stemmer: bool,
    multi_ref: str,
    remove_stopwords: bool,
    length_words: int | None,
    length_bytes: int | None,
    alpha: float,
) -> tuple[Options, list[str]]:
    """ROUGE-1.5.5 options and the printed type names that give ``rouge_types``."""
    if multi_ref not in ROUGE155_MULTI_REF:
        raise ValueError(
            f"multi_ref {multi_ref!r} is not available in ROUGE-1.5.5; choose from "
            f"{tuple(ROUGE155_MULTI_REF)} (pooled = -f A, max = -f B, best recall)"
        )
    if not rouge_types:
        raise ValueError("rouge_types must name at least one ROUGE type")
    max_n, skip, names = 1, None, []
    for t in rouge_types:
        if match := _NGRAM_RE.match(t):
            max_n = max(max_n, int(match.group(1)))
            names.append(f"ROUGE-{match.group(1)}")
        elif t == "rougeL":
            names.append("ROUGE-L")
        elif match := _SKIP_RE.match(t):
            if skip is not None and skip != match.groups():
                raise ValueError("ROUGE-1.5.5 computes one skip-bigram type (-2 d [-u]) only")
            skip = match.groups()
            names.append(f"ROUGE-{match.group(1)}{match.group(2)}")
        elif t == "rougeLsum":
            raise ValueError(
                "rougeLsum does not exist in ROUGE-1.5.5: its ROUGE-L (rougeL) is already the "
                "summary-level union LCS over sentences"
            )
        else:
            raise ValueError(
                f"unknown ROUGE type {t!r} for ROUGE-1.5.5; use rouge1..rouge9, rougeL, "
                "rougeS<d> or rougeSU<d>"
            )
    options = Options(
        max_n=max_n,
        stem=use_stemmer,
        remove_stopwords=remove_stopwords,
        length_words=length_words,
        length_bytes=length_bytes,
        multi_ref=ROUGE155_MULTI_REF[multi_ref],
        alpha=alpha,
        skip_distance=None if skip is None else int(skip[1]),
        skip_unigrams=skip is not None and skip[0] == "SU",
    )
    return options, names


class Rouge155Metric:
    """The ``rouge155`` metric: ROUGE-1.5.5 as the Perl script prints it (5 decimals).

    Its keys are those of the ``rouge`` metric (:class:`bench.metrics.rouge.Rouge`): select one
    of the two per run. Summaries and references are split into sentences at newlines. Types
    rouge1..9, rougeL (summary-level) and one of rougeS<d> / rougeSU<d> (``-2 d`` [``-u``]);
    ``multi_ref`` is ``pooled`` (``-f A``) or ``max`` (``-f B``, the reference with the best
    recall). ``use_stemmer`` is ``-m``; ``remove_stopwords``, ``length_words``,
    ``length_bytes`` and ``alpha`` are ``-s``, ``-l``, ``-b`` and ``-p``.
    """

    name = "rouge155"

    def __init__(
        self,
        rouge_types: Sequence[str] | None = None,
        use_stemmer: bool = True,
        multi_ref: str = "max",
        remove_stopwords: bool = False,
        length_words: int | None = None,
        length_bytes: int | None = None,
        alpha: float = 0.5,
    ) -> None:
        """Build the scorer; ``rouge_types`` ``None`` gives rouge1, rouge2, rougeL.

        Raises:
            ValueError: On an unknown type or rule, or flags ROUGE-1.5.5 would refuse.
        """
        types = tuple(ROUGE155_TYPES if rouge_types is None else rouge_types)
        options, self._names = rouge155_options(
            types, use_stemmer, multi_ref, remove_stopwords, length_words, length_bytes, alpha
        )
        self.rouge155 = Rouge155(options)
        self.rouge_types = types
        self.multi_ref = multi_ref
        self.use_stemmer = use_stemmer
        self.info = rouge_info(
            "rouge155", types, multi_ref,
            "ROUGE n-gram and LCS overlap with the reference summaries (ROUGE-1.5.5)",
        )  # fmt: skip

    def _scores(self, summary: str, refs: Sequence[str]) -> dict[str, float]:
        counts = self.rouge155.all_counts(
            summary.split("\n"), [r.split("\n") for r in refs], self._names
        )
        out: dict[str, float] = {}
        for t, name in zip(self.rouge_types, self._names, strict=True):
            printed = self.rouge155.combine(counts[name], name)
            out[f"{t}_p"] = float(printed["P"])
            out[f"{t}_r"] = float(printed["R"])
            out[f"{t}_f"] = float(printed["F"])
        return out

    def score(self, summaries: Sequence[str], clusters: Sequence[Cluster]) -> MetricOutput:
        """ROUGE-1.5.5 of each summary against its cluster's references."""
        if len(summaries) != len(clusters):
            raise ValueError(f"{len(summaries)} summaries for {len(clusters)} clusters")
        return MetricOutput.of(
            [
                self._scores(s, cluster_references(c))
                for s, c in zip(summaries, clusters, strict=True)
            ]
        )

    def signature(self) -> dict[str, str]:
        """Everything that determines the scores, as sacrebleu-style key/value pairs."""
        return {
            "impl": f"mdsbench-{__version__}(ROUGE-1.5.5-compatible)",
            "mode": "rouge155",
            "types": ",".join(self.rouge_types),
            "flags": self.rouge155.options.flags(),
            "stem": "porter(ROUGE-1.5.5)+wordnet-2.0-exc" if self.use_stemmer else "none",
            "tok": "ascii-lower+[a-z0-9]+",
            "sent_split": "newline",
            "multiref": self.multi_ref,
        }
