"""ROUGE-N, ROUGE-L and ROUGE-Lsum, compatible with rouge-score 0.1.2.

Lin (2004), "ROUGE: A Package for Automatic Evaluation of Summaries", ACL workshop Text
Summarization Branches Out.

Reproduces ``rouge-score`` 0.1.2 (google-research) pair scores exactly: its tokenisation
(lower-case, every run of characters outside ``[a-z0-9]`` is a separator), Porter stemming of
tokens longer than three characters with NLTK's ``PorterStemmer`` in its default mode, ROUGE-L as
the longest common subsequence of the whole texts, and ROUGE-Lsum as the summary-level union LCS
of Lin (2004, section 3.2) over newline-separated sentences, with the same LCS tie-breaking.

Beyond ``rouge-score`` it combines several references by a configurable rule:

- ``max``: the reference with the best F1 per ROUGE type (``rouge_score.score_multi``);
- ``mean``: precision, recall and F1 averaged over references;
- ``pooled``: hits and counts summed over references before dividing, as ROUGE-1.5.5 ``-f A``;
- ``jackknife``: the mean over the n leave-one-out reference subsets of the ``max`` rule, as
  ROUGE-1.5.5 does with several references (Lin, 2004, section 5.1).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version

from bench import __version__
from bench.metrics.lcs import lcs_length, union_lcs_hits
from bench.types import Cluster

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
MULTI_REF_RULES = ("max", "mean", "pooled", "jackknife")
_NGRAM_RE = re.compile(r"^rouge([1-9])$")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=1)
def _porter() -> Callable[[str], str]:
    try:
        from nltk.stem.porter import PorterStemmer
    except ImportError as exc:  # pragma: no cover - nltk is a core dependency
        raise ImportError("ROUGE stemming needs nltk: pip install mdsbench (core)") from exc
    return PorterStemmer().stem


@lru_cache(maxsize=200_000)
def _stem(token: str) -> str:
    return _porter()(token)


def tokenize(text: str, use_stemmer: bool = True) -> list[str]:
    """Tokenise like rouge-score: lower-case, split on non-alphanumerics, stem tokens > 3 chars."""
    tokens = _NON_ALNUM.sub(" ", text.lower()).split()
    if use_stemmer:
        tokens = [_stem(t) if len(t) > 3 else t for t in tokens]
        # A stem is re-checked as rouge-score does; NLTK stems of [a-z0-9] tokens stay valid.
        tokens = [t for t in tokens if t and _NON_ALNUM.search(t) is None]
    return tokens


@dataclass(frozen=True, slots=True)
class Prepared:
    """Token statistics of one text, computed once and reused against every other text."""

    tokens: tuple[str, ...]
    sentences: tuple[tuple[str, ...], ...]
    ngrams: Mapping[int, Counter[tuple[str, ...]]]


@lru_cache(maxsize=50_000)
def prepare(text: str, use_stemmer: bool = True, max_n: int = 2) -> Prepared:
    """Tokenise ``text`` per line and count its n-grams up to ``max_n``."""
    sentences = tuple(tuple(tokenize(line, use_stemmer)) for line in text.split("\n") if len(line))
    tokens = tuple(t for s in sentences for t in s)
    ngrams = {
        n: Counter(tokens[i : i + n] for i in range(len(tokens) - n + 1))
        for n in range(1, max_n + 1)
    }
    return Prepared(tokens, tuple(s for s in sentences), ngrams)


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
    hits = sum(min(v, pc[g]) for g, v in rc.items() if g in pc)
    return Counts(hits, sum(rc.values()), sum(pc.values()))


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
    ) -> None:
        """Validate the ROUGE types and the multi-reference rule."""
        if not rouge_types:
            raise ValueError("rouge_types must name at least one ROUGE type")
        for t in rouge_types:
            if t not in ("rougeL", "rougeLsum") and not _NGRAM_RE.match(t):
                raise ValueError(f"unknown ROUGE type {t!r}; use rouge1..rouge9, rougeL, rougeLsum")
        if multi_ref not in MULTI_REF_RULES:
            raise ValueError(
                f"unknown multi-reference rule {multi_ref!r}; choose from {MULTI_REF_RULES}"
            )
        self.rouge_types = tuple(rouge_types)
        self.use_stemmer = use_stemmer
        self.multi_ref = multi_ref
        self.max_n = max(
            [int(m.group(1)) for t in self.rouge_types if (m := _NGRAM_RE.match(t))] or [1]
        )

    def _prepare(self, text: str) -> Prepared:
        return prepare(text, self.use_stemmer, self.max_n)

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


class Rouge:
    """The ``rouge`` metric: per-cluster ROUGE of a summary against the cluster's references."""

    name = "rouge"
    needs_references = True

    def __init__(
        self,
        rouge_types: Sequence[str] = ROUGE_TYPES,
        use_stemmer: bool = True,
        multi_ref: str = "max",
    ) -> None:
        """Build the scorer; invalid options raise ``ValueError``."""
        self.scorer = RougeScorer(rouge_types, use_stemmer, multi_ref)
        self.higher_is_better = {
            f"{t}_{v}": True for t in self.scorer.rouge_types for v in ("p", "r", "f")
        }

    def _refs(self, cluster: Cluster) -> list[str]:
        if not cluster.references:
            raise ValueError(f"cluster {cluster.cluster_id!r} has no reference summaries")
        return [r.text for r in cluster.references]

    def score(
        self, summaries: Sequence[str], clusters: Sequence[Cluster]
    ) -> list[dict[str, float]]:
        """ROUGE of each summary against its cluster's references."""
        if len(summaries) != len(clusters):
            raise ValueError(f"{len(summaries)} summaries for {len(clusters)} clusters")
        return [
            flatten(self.scorer.score(s, self._refs(c)))
            for s, c in zip(summaries, clusters, strict=True)
        ]

    def reference_jackknife(
        self, summaries: Sequence[str], clusters: Sequence[Cluster]
    ) -> list[dict[str, list[float]]]:
        """Per cluster, each key's value recomputed with each reference left out in turn."""
        out: list[dict[str, list[float]]] = []
        for s, c in zip(summaries, clusters, strict=True):
            refs = self._refs(c)
            per_key: dict[str, list[float]] = {}
            if len(refs) >= 2:
                counts = self.scorer.counts(s, refs)
                for i in range(len(refs)):
                    loo = {
                        t: combine(
                            v[:i] + v[i + 1 :], self.scorer.multi_ref, t.startswith("rougeL")
                        )
                        for t, v in counts.items()
                    }
                    for k, val in flatten(loo).items():
                        per_key.setdefault(k, []).append(val)
            out.append(per_key)
        return out

    def signature(self) -> dict[str, str]:
        """Everything that determines the scores, as sacrebleu-style key/value pairs."""
        stem = f"porter(nltk-{version('nltk')})" if self.scorer.use_stemmer else "none"
        return {
            "impl": f"mdsbench-{__version__}(rouge-score-0.1.2-compatible)",
            "types": ",".join(self.scorer.rouge_types),
            "stem": stem,
            "tok": "lower+[a-z0-9]+",
            "lsum_split": "newline",
            "multiref": self.scorer.multi_ref,
        }
