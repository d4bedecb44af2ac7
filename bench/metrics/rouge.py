"""ROUGE-N, ROUGE-L and ROUGE-Lsum identical to rouge-score 0.1.2; the ``rouge`` metric.

Lin (2004), "ROUGE: A Package for Automatic Evaluation of Summaries", ACL workshop Text
Summarization Branches Out.

Reproduces ``rouge-score`` 0.1.2 (google-research) pair scores exactly: its tokenisation
(lower-case, every run of characters outside ``[a-z0-9]`` is a separator), Porter stemming of
tokens longer than three characters as NLTK's ``PorterStemmer`` does in its default mode
(:mod:`bench.metrics.porter`, our own code, so nltk is not imported), ROUGE-L as
the longest common subsequence of the whole texts, and ROUGE-Lsum as the summary-level union LCS
of Lin (2004, section 3.2) over newline-separated sentences, with the same LCS tie-breaking.

Beyond ``rouge-score`` it combines several references by a configurable rule:

- ``max``: the reference with the best F1 per ROUGE type (``rouge_score.score_multi``);
- ``mean``: precision, recall and F1 averaged over references;
- ``pooled``: hits and counts summed over references before dividing, as ROUGE-1.5.5 ``-f A``;
- ``jackknife``: the mean over the n leave-one-out reference subsets of the ``max`` rule, as
  ROUGE-1.5.5 does with several references (Lin, 2004, section 5.1).

The ``rouge`` metric is :class:`Rouge`; ROUGE-1.5.5 as the Perl script prints it is the metric
``rouge155`` with the same keys (:class:`bench.metrics.rouge155.Rouge155Metric`).

Speed: stems are memoised, ASCII text is lower-cased and cleaned in one ``bytes.translate``
pass, prepared texts are cached, and the LCS code (:mod:`bench.metrics.lcs`) is bit-parallel and
only visits the columns of shared tokens.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

from bench import __version__
from bench.metrics.base import KeyInfo, MetricInfo, MetricOutput
from bench.metrics.lcs import lcs_length, union_lcs_hits
from bench.metrics.porter import stem as porter_stem
from bench.preprocess.text import unspaced
from bench.types import Cluster

log = logging.getLogger(__name__)

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
# rouge_score: rouge-score 0.1.2's [a-z0-9]+ tokens (the default; text in other scripts has no
# tokens and scores 0). unicode: see _unicode_line.
TOKENIZERS = ("rouge_score", "unicode")
MULTI_REF_RULES = ("max", "mean", "pooled", "jackknife")
_NGRAM_RE = re.compile(r"^rouge([1-9])$")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_ALNUM_KEEP_NL = re.compile(r"[^a-z0-9\n]+")
_ASCII_TABLE = bytes(
    c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or 48 <= c <= 57 or c == 10 else 32
    for c in range(256)
)


class _StemCache(dict[str, str]):
    """Token -> the token rouge-score keeps after stemming ("" when it drops it), memoised."""

    limit = 500_000

    def __missing__(self, token: str) -> str:
        out = token
        if len(token) > 3:
            out = porter_stem(token)
            # rouge-score re-checks every stem against ^[a-z0-9]+$.
            if not out or _NON_ALNUM.search(out) is not None:
                out = ""
        if len(self) < self.limit:
            self[token] = out
        return out


_STEMS = _StemCache()


def clear_caches() -> None:
    """Forget memoised stems and prepared texts (for timing from a cold start)."""
    _STEMS.clear()
    prepare.cache_clear()


def _unicode_line(line: str) -> list[str]:
    """Tokens of one line under the ``unicode`` tokenizer.

    NFKC, case-folded; a token is a run of letters, digits and combining marks (Unicode
    categories L, N, M), except that every character of a script written without spaces (Han,
    Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) is a token of its own, as in character-level
    ROUGE for Chinese and Japanese.
    """
    tokens: list[str] = []
    current: list[str] = []
    for ch in unicodedata.normalize("NFKC", line).casefold():
        if unspaced(ch):
            if current:
                tokens.append("".join(current))
                current = []
            tokens.append(ch)
        elif unicodedata.category(ch)[0] in "LNM":
            current.append(ch)
        elif current:
            tokens.append("".join(current))
            current = []
    if current:
        tokens.append("".join(current))
    return tokens


def _token_lines(text: str, use_stemmer: bool, tokenizer: str = "rouge_score") -> list[list[str]]:
    """Tokens of each line (split at newlines), as rouge-score tokenises text and sentences."""
    if tokenizer == "unicode":
        # Porter stemming for the tokens it was made for ([a-z0-9]+ of over 3 characters).
        return [
            [
                _STEMS[t] or t if use_stemmer and t.isascii() and t.isalnum() else t
                for t in _unicode_line(line)
            ]
            for line in text.split("\n")
        ]
    if text.isascii():  # one C-level pass: lower-case and blank everything but [a-z0-9\n]
        cleaned = text.encode("ascii").translate(_ASCII_TABLE).decode("ascii")
    else:
        cleaned = _NON_ALNUM_KEEP_NL.sub(" ", text.lower())
    lines = cleaned.split("\n")
    if not use_stemmer:
        return [line.split() for line in lines]
    stems = _STEMS
    out = []
    for line in lines:
        tokens = [stems[t] for t in line.split()]
        if "" in tokens:
            tokens = [t for t in tokens if t]
        out.append(tokens)
    return out


def tokenize(text: str, use_stemmer: bool = True) -> list[str]:
    """Tokenise like rouge-score: lower-case, split on non-alphanumerics, stem tokens > 3 chars."""
    return [t for line in _token_lines(text, use_stemmer) for t in line]


def _ngrams(tokens: tuple[str, ...], n: int) -> Counter:
    """n-gram counts; unigrams are keyed by the token itself, longer n-grams by tuples."""
    if n == 1:
        return Counter(tokens)
    return Counter(zip(*(tokens[k:] for k in range(n)), strict=False))


@dataclass(frozen=True, slots=True)
class Prepared:
    """Token statistics of one text, computed once and reused against every other text."""

    tokens: tuple[str, ...]
    sentences: tuple[tuple[str, ...], ...]
    ngrams: Mapping[int, Counter]


# Bounded: at 5,000 clusters a sweep prepares ~17,000 texts per job (about 12 kB each), and the
# memo pays off mainly for references shared by the jobs of a sweep.
@lru_cache(maxsize=8192)
def prepare(
    text: str, use_stemmer: bool = True, max_n: int = 2, tokenizer: str = "rouge_score"
) -> Prepared:
    """Tokenise ``text`` per line and count its n-grams up to ``max_n``.

    Lines without tokens are left out of ``sentences``; they never take part in an LCS.
    """
    sentences = tuple(tuple(s) for s in _token_lines(text, use_stemmer, tokenizer) if s)
    tokens = tuple(chain.from_iterable(sentences))
    ngrams = {n: _ngrams(tokens, n) for n in range(1, max_n + 1)}
    return Prepared(tokens, sentences, ngrams)


@dataclass(frozen=True, slots=True)
class Counts:
    """Raw overlap counts of one prediction against one reference."""

    hits: int
    ref_total: int
    pred_total: int


def fmeasure(precision: float, recall: float) -> float:
    """Balanced F-measure, 0 when both are 0."""
    if precision + recall > 0:
        return 2 * precision * recall / (precision + recall)
    return 0.0


@dataclass(frozen=True, slots=True)
class Score:
    """Precision, recall and F1 of one ROUGE type."""

    precision: float
    recall: float
    fmeasure: float

    @classmethod
    def from_counts(cls, c: Counts, lcs: bool) -> Score:
        """Score from counts, dividing exactly as rouge-score does."""
        if lcs:
            if c.ref_total == 0 or c.pred_total == 0:
                return cls(0.0, 0.0, 0.0)
            p, r = c.hits / c.pred_total, c.hits / c.ref_total
        else:
            p, r = c.hits / max(c.pred_total, 1), c.hits / max(c.ref_total, 1)
        return cls(p, r, fmeasure(p, r))


def ngram_counts(pred: Prepared, ref: Prepared, n: int) -> Counts:
    """Clipped n-gram matches."""
    pc, rc = pred.ngrams[n], ref.ngrams[n]
    shared = rc.keys() & pc.keys()
    hits = sum(map(min, map(rc.__getitem__, shared), map(pc.__getitem__, shared)))
    return Counts(hits, max(len(ref.tokens) - n + 1, 0), max(len(pred.tokens) - n + 1, 0))


def lcs_counts(pred: Prepared, ref: Prepared) -> Counts:
    """Whole-text LCS (rougeL)."""
    return Counts(lcs_length(ref.tokens, pred.tokens), len(ref.tokens), len(pred.tokens))


def union_lcs_counts(pred: Prepared, ref: Prepared) -> Counts:
    """Summary-level union LCS over sentences (rougeLsum), hits clipped by token counts."""
    m, n = len(ref.tokens), len(pred.tokens)
    if not ref.sentences or not pred.sentences or not m or not n:
        return Counts(0, m, n)
    return Counts(union_lcs_hits(ref.sentences, pred.sentences, ref.tokens, pred.tokens), m, n)


def pair_counts(pred: Prepared, ref: Prepared, rouge_type: str) -> Counts:
    """Overlap counts of one ROUGE type for one prediction/reference pair."""
    if rouge_type == "rougeL":
        return lcs_counts(pred, ref)
    if rouge_type == "rougeLsum":
        return union_lcs_counts(pred, ref)
    match = _NGRAM_RE.match(rouge_type)
    if match is None:
        raise ValueError(
            f"unknown ROUGE type {rouge_type!r}; use rouge1..rouge9, rougeL, rougeLsum"
        )
    return ngram_counts(pred, ref, int(match.group(1)))


def combine(counts: Sequence[Counts], rule: str, lcs: bool) -> Score:
    """Combine one prediction's counts against several references into one score."""
    if not counts:
        raise ValueError("at least one reference is needed")
    if rule == "pooled":
        pooled = Counts(
            sum(c.hits for c in counts),
            sum(c.ref_total for c in counts),
            sum(c.pred_total for c in counts),
        )
        return Score.from_counts(pooled, lcs)
    scores = [Score.from_counts(c, lcs) for c in counts]
    if rule == "max":
        return _best(scores)
    if rule == "mean":
        return _mean(scores)
    if rule == "jackknife":
        if len(scores) == 1:
            return scores[0]
        return _mean([_best(scores[:i] + scores[i + 1 :]) for i in range(len(scores))])
    raise ValueError(f"unknown multi-reference rule {rule!r}; choose from {MULTI_REF_RULES}")


def _best(scores: Sequence[Score]) -> Score:
    best = 0
    for i, s in enumerate(scores):
        if s.fmeasure > scores[best].fmeasure:
            best = i
    return scores[best]


def _mean(scores: Sequence[Score]) -> Score:
    k = len(scores)
    return Score(
        sum(s.precision for s in scores) / k,
        sum(s.recall for s in scores) / k,
        sum(s.fmeasure for s in scores) / k,
    )


class RougeScorer:
    """Scores predictions against one or more references; token statistics are cached."""

    def __init__(
        self,
        rouge_types: Sequence[str] = ROUGE_TYPES,
        use_stemmer: bool = True,
        multi_ref: str = "max",
        tokenizer: str = "rouge_score",
    ) -> None:
        """Validate the ROUGE types, the multi-reference rule and the tokenizer."""
        if not rouge_types:
            raise ValueError("rouge_types must name at least one ROUGE type")
        for t in rouge_types:
            if t not in ("rougeL", "rougeLsum") and not _NGRAM_RE.match(t):
                raise ValueError(f"unknown ROUGE type {t!r}; use rouge1..rouge9, rougeL, rougeLsum")
        if multi_ref not in MULTI_REF_RULES:
            raise ValueError(
                f"unknown multi-reference rule {multi_ref!r}; choose from {MULTI_REF_RULES}"
            )
        if tokenizer not in TOKENIZERS:
            raise ValueError(f"unknown ROUGE tokenizer {tokenizer!r}; choose from {TOKENIZERS}")
        self.rouge_types = tuple(rouge_types)
        self.use_stemmer = use_stemmer
        self.multi_ref = multi_ref
        self.tokenizer = tokenizer
        self.max_n = max(
            [int(m.group(1)) for t in self.rouge_types if (m := _NGRAM_RE.match(t))] or [1]
        )

    def _prepare(self, text: str) -> Prepared:
        return prepare(text, self.use_stemmer, self.max_n, self.tokenizer)

    def counts(self, prediction: str, references: Sequence[str]) -> dict[str, list[Counts]]:
        """Per ROUGE type, the counts against each reference."""
        pred = self._prepare(prediction)
        refs = [self._prepare(r) for r in references]
        return {t: [pair_counts(pred, r, t) for r in refs] for t in self.rouge_types}

    def score(
        self, prediction: str, references: Sequence[str], rule: str | None = None
    ) -> dict[str, Score]:
        """Scores of one prediction against its references under ``rule``."""
        rule = rule or self.multi_ref
        return {
            t: combine(c, rule, t.startswith("rougeL"))
            for t, c in self.counts(prediction, references).items()
        }


def flatten(scores: Mapping[str, Score]) -> dict[str, float]:
    """``{rouge1: Score}`` -> ``{rouge1_p, rouge1_r, rouge1_f}``."""
    out: dict[str, float] = {}
    for t, s in scores.items():
        out[f"{t}_p"] = s.precision
        out[f"{t}_r"] = s.recall
        out[f"{t}_f"] = s.fmeasure
    return out


_UNICODE_TOK = "unicode(nfkc+casefold+[LNM]+,char:han/kana/thai/lao/khmer/myanmar)"
_VARIANT_LABELS = {"f": "F1", "p": "P", "r": "R"}


def rouge_label(rouge_type: str, variant: str) -> str:
    """A ROUGE key's table header: ``rouge2``, ``r`` -> ``R-2 R``."""
    return f"R-{rouge_type.removeprefix('rouge')} {_VARIANT_LABELS[variant]}"


def rouge_info(
    name: str, rouge_types: Sequence[str], multi_ref: str, description: str
) -> MetricInfo:
    """The declared keys of ROUGE: P, R and F1 per type in percent, F1 in the default tables."""
    keys = {
        f"{t}_{v}": KeyInfo(
            rouge_label(t, v), value_range=(0.0, 1.0), scale=100.0, digits=2, default=v == "f"
        )
        for t in rouge_types
        for v in ("p", "r", "f")
    }
    return MetricInfo(
        name=name,
        keys=keys,
        needs_references=True,
        multi_reference=multi_ref,
        description=description,
        citation="Lin (2004), ROUGE: A Package for Automatic Evaluation of Summaries",
    )


def cluster_references(cluster: Cluster) -> list[str]:
    """The texts of a cluster's references (one sentence per line); none is an error."""
    if not cluster.references:
        raise ValueError(f"cluster {cluster.cluster_id!r} has no reference summaries")
    return [r.text for r in cluster.references]


class Rouge:
    """The ``rouge`` metric: ROUGE of a summary against its cluster's references, as rouge-score.

    Pair scores identical to rouge-score 0.1.2 (types rouge1..9, rougeL, rougeLsum), references
    combined by ``multi_ref`` (max, mean, pooled, jackknife). ROUGE-1.5.5 is a metric of its own
    with the same keys, :class:`bench.metrics.rouge155.Rouge155Metric` (``metrics=[rouge155]``).
    """

    name = "rouge"

    def __init__(
        self,
        rouge_types: Sequence[str] | None = None,
        use_stemmer: bool = True,
        multi_ref: str = "max",
        tokenizer: str = "rouge_score",
        mode: str = "rouge_score",
    ) -> None:
        """Build the scorer.

        Args:
            rouge_types: Types to report; ``None`` gives rouge1, rouge2, rougeL, rougeLsum.
            use_stemmer: Porter stemming as NLTK's default mode.
            multi_ref: How several references combine: max, mean, pooled or jackknife.
            tokenizer: ``rouge_score`` (rouge-score's ``[a-z0-9]+``) or ``unicode`` (letters of
                every script; one token per CJK/Thai character).
            mode: Only ``rouge_score``; kept so that ``metrics.rouge.mode=rouge155`` points to
                the metric that replaced it.

        Raises:
            ValueError: On an unknown type, rule, tokenizer or mode.
        """
        if mode != "rouge_score":
            raise ValueError(
                f"metrics.rouge has no mode {mode!r}: ROUGE-1.5.5 is its own metric, select "
                "metrics=[rouge155]"
                if mode == "rouge155"
                else f"unknown ROUGE mode {mode!r}; the rouge metric is rouge-score 0.1.2 "
                "(ROUGE-1.5.5: metrics=[rouge155])"
            )
        if tokenizer not in TOKENIZERS:
            raise ValueError(f"unknown ROUGE tokenizer {tokenizer!r}; choose from {TOKENIZERS}")
        types = ROUGE_TYPES if rouge_types is None else rouge_types
        self.scorer = RougeScorer(types, use_stemmer, multi_ref, tokenizer)
        self.rouge_types = self.scorer.rouge_types
        self.multi_ref = self.scorer.multi_ref
        self.use_stemmer = use_stemmer
        self.tokenizer = tokenizer
        self._warned = False
        self.info = rouge_info(
            "rouge", self.rouge_types, self.multi_ref,
            "ROUGE n-gram and LCS overlap with the reference summaries (rouge-score 0.1.2)",
        )  # fmt: skip

    def score(self, summaries: Sequence[str], clusters: Sequence[Cluster]) -> MetricOutput:
        """ROUGE of each summary against its cluster's references."""
        if len(summaries) != len(clusters):
            raise ValueError(f"{len(summaries)} summaries for {len(clusters)} clusters")
        scores = [
            flatten(self.scorer.score(s, cluster_references(c)))
            for s, c in zip(summaries, clusters, strict=True)
        ]
        self._warn_untokenised(summaries, clusters)
        return MetricOutput.of(scores)

    def _warn_untokenised(self, summaries: Sequence[str], clusters: Sequence[Cluster]) -> None:
        """Warn once (per metric, so per run) about texts with no tokens: they score 0."""
        if self._warned:
            return
        empty = [
            f"{what} of cluster {c.cluster_id!r}"
            for s, c in zip(summaries, clusters, strict=True)
            for what, text in (("summary", s), *(("reference", r.text) for r in c.references))
            if not self.scorer._prepare(text).tokens
        ]
        if empty:
            self._warned = True
            hint = (
                "; metrics.rouge.tokenizer=unicode scores text in other scripts"
                if self.tokenizer == "rouge_score"
                else ""
            )
            log.warning(
                "ROUGE: %d text(s) have no scorable tokens under tokenizer %s and score 0 "
                "(first: the %s)%s",
                len(empty), self.tokenizer, empty[0], hint,
            )  # fmt: skip

    def signature(self) -> dict[str, str]:
        """Everything that determines the scores, as sacrebleu-style key/value pairs."""
        stem = "porter(nltk-default-mode)" if self.use_stemmer else "none"
        return {
            "impl": f"mdsbench-{__version__}(rouge-score-0.1.2-compatible)",
            "mode": "rouge_score",
            "types": ",".join(self.rouge_types),
            "stem": stem,
            "tok": "lower+[a-z0-9]+" if self.tokenizer == "rouge_score" else _UNICODE_TOK,
            "lsum_split": "newline",
            "multiref": self.multi_ref,
        }
