"""SummaC-ZS-style fact consistency with any Hugging Face NLI checkpoint; ``nli_consistency``.

Laban, Schnabel, Bennett & Hearst (2022), "SummaC: Re-Visiting NLI-based Models for
Inconsistency Detection in Summarization", TACL 10:163-177.

Follows SummaC-ZS (``SummaCZS`` in github.com/tingofurro/summac, ``summac/model_summac.py``):
each summary sentence is a hypothesis, scored by an NLI model against every block of source text
as premise; a sentence gets the maximum entailment over blocks (``op1="max"``) and the summary the
mean over its sentences (``op2="mean"``). Settings, and where this differs:

- entailment only (SummaC's ``use_ent=True, use_con=False``), so the value is a probability in
  [0, 1]; SummaC's default ``use_con=True`` subtracts the contradiction probability. Here the
  contradiction probability decides the flags instead (below).
- several documents: blocks come from every document of the cluster and the max runs over all.
- blocks ("chunks") are runs of consecutive whole sentences of one document, packed greedily so
  that premise + hypothesis + special tokens fit ``max_length``, instead of SummaC's sentence or
  paragraph blocks with the premise cut at 500 tokens (``truncation="only_first"``): no text is
  cut off. A sentence too long on its own is split at token boundaries (at a word start where
  one is near). Chunks therefore depend on the hypothesis length, never on other summaries.
- a hypothesis longer than half the room is scored in pieces of at most half the room: its
  entailment is the minimum over pieces (every part must be supported), its contradiction the
  maximum.
- any checkpoint: the entailment and contradiction labels are read from ``config.id2label``
  (or named in the settings); a two-class support model such as MiniCheck (``1`` supported,
  ``0`` unsupported) runs with ``has_contradiction=False`` and, as MiniCheck encodes its input,
  ``input_format="eos_joined"`` (premise + EOS + hypothesis as one text).
- SummaC's sentence granularity (each premise one document sentence) is
  ``max_premise_sentences=1``; MiniCheck's 400-token chunks are ``max_premise_length=400``.
  Presets with pinned revisions: ``conf/nli/`` (docs/nli.md).

Flags (:class:`~bench.metrics.consistency.base.Issue`, kind ``nli``), per summary sentence with
``E`` its best entailment and ``C`` its highest contradiction over all chunks: *contradicted* when
``C >= contradiction_threshold`` and ``E < C`` (evidence: the most contradicting chunk);
otherwise *unsupported* when ``E < entailment_threshold`` (evidence: the best chunk).

Summaries are split into sentences at newlines, then with pysbd. With an injected ``scorer``
(no model, no tokenizer) lengths are counted in whitespace-separated words and there are no
special tokens; ``max_length=None`` then means one chunk per document.
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from bench import __version__
from bench.errors import check_int
from bench.metrics.base import KeyInfo, MetricInfo, MetricOutput
from bench.metrics.consistency.base import Evidence, Issue
from bench.models.hf import (
    DEVICES,
    TOKENIZER_FILES,
    HFTokens,
    fingerprint,
    hub_commit,
    load_pretrained,
    pick_device,
    require_models_extra,
    resolve_model,
)
from bench.preprocess.packing import join_sentences
from bench.preprocess.text import split_sentences, splitter_signature
from bench.types import Cluster

log = logging.getLogger(__name__)

Scorer = Callable[[list[str], list[str]], Sequence[tuple[float, float]]]

AGGREGATION = "mean over sentences of max entailment over chunks of all documents"
INPUT_FORMATS = ("pair", "eos_joined")
# Models whose position ids start after the padding index (RoBERTa's create_position_ids):
# max_position_embeddings overstates their input limit by pad_token_id + 1.
_OFFSET_POSITIONS = frozenset({
    "roberta", "xlm-roberta", "xlm-roberta-xl", "camembert", "longformer", "data2vec-text",
    "roberta-prelayernorm", "xmod", "ibert", "mpnet",
})  # fmt: skip
_HUGE = 1_000_000  # tokenizers without a known limit report about 1e30


class Lengths(Protocol):
    """How chunking measures and splits text: model tokens or whitespace words."""

    unit: str

    def count(self, texts: Sequence[str]) -> list[int]:
        """Length of each text."""
        ...

    def split(self, text: str, limit: int) -> list[str]:
        """Consecutive pieces of ``text``, each of length <= ``limit``, covering all of it."""
        ...


class WordLengths:
    """Whitespace words: the unit when an injected scorer has no tokenizer."""

    unit = "words"

    def count(self, texts: Sequence[str]) -> list[int]:
        """Words in each text."""
        return [len(t.split()) for t in texts]

    def split(self, text: str, limit: int) -> list[str]:
        """Runs of ``limit`` words."""
        words = text.split()
        return [" ".join(words[i : i + limit]) for i in range(0, len(words), limit)]


class TokenLengths:
    """Tokens of a fast tokenizer, without special tokens (as each side of a pair is encoded)."""

    unit = "tokens"

    def __init__(self, tokenizer: Any) -> None:
        """Offsets come from :class:`~bench.models.hf.HFTokens` (cached)."""
        self.tokens = HFTokens(tokenizer)

    def count(self, texts: Sequence[str]) -> list[int]:
        """Tokens in each text."""
        return self.tokens.count(texts)

    def split(self, text: str, limit: int) -> list[str]:
        """Pieces of at most ``limit`` tokens, cut between tokens, preferably at word starts.

        Each piece is re-measured as the model will see it (a cut can change how the text around
        it tokenizes) and shortened until it fits. Pieces partition the text: every character
        belongs to exactly one piece (up to whitespace at the cuts).
        """
        if limit < 1:
            raise ValueError(f"cannot split text into pieces of {limit} tokens")
        offsets = self.tokens.offsets([text])[0]
        starts, ends = offsets[:, 0].tolist(), offsets[:, 1].tolist()
        n = len(starts)
        pieces: list[str] = []
        i = 0
        while i < n:
            j = min(i + limit, n)
            while True:
                if j < n:
                    j = _cut(text, starts, ends, i, j)
                begin = 0 if i == 0 else starts[i]
                piece = text[begin : starts[j] if j < n else len(text)].strip()
                excess = self.count([piece])[0] - limit if piece else 0
                if excess <= 0:
                    break
                if j - i <= 1:
                    raise ValueError(f"cannot fit a piece of {text[:40]!r} into {limit} tokens")
                j = max(i + 1, j - excess)
            if piece:
                pieces.append(piece)
            i = j
        return pieces


def _cut(text: str, starts: list[int], ends: list[int], i: int, j: int) -> int:
    """Where to end a piece of tokens ``i..j-1``: a word start near ``j``, else a char boundary.

    Byte-level pieces of one character share its offsets, so a cut there would split the
    character; a word start is a token starting at or right after whitespace.
    """
    lowest = i + max(1, (j - i) // 2)
    fallback = None
    for k in range(j, i, -1):
        if starts[k] < ends[k - 1]:
            continue  # inside a character
        if fallback is None:
            fallback = k
        at = starts[k]
        if k >= lowest and (text[at : at + 1].isspace() or text[at - 1 : at].isspace()):
            return k
        if k < lowest and fallback is not None:
            break
    return fallback if fallback is not None else j


def chunk_sentences(
    sentences: Sequence[str], lengths: Lengths, limit: int | None, max_sentences: int | None = None
) -> list[str]:
    """One document as premises: consecutive whole sentences packed up to ``limit`` each.

    Greedy, in order; a chunk's length is measured on its joined text (pieces do not always add
    up exactly). A sentence longer than ``limit`` alone becomes pieces (``lengths.split``).
    ``limit=None``: no length limit. ``max_sentences``: at most that many sentences a chunk
    (1 is SummaC's sentence granularity). Both None: the whole document as one chunk. Every
    sentence lands in exactly one chunk.
    """
    sents = [s.strip() for s in sentences if s.strip()]
    if not sents:
        return []
    step = len(sents) if max_sentences is None else max_sentences
    if limit is None:
        return [join_sentences(sents[i : i + step]) for i in range(0, len(sents), step)]
    counts = lengths.count(sents)

    def measure(a: int, b: int) -> int:
        return lengths.count([join_sentences(sents[a:b])])[0]

    chunks: list[str] = []
    i, n = 0, len(sents)
    while i < n:
        if counts[i] > limit:
            chunks.extend(lengths.split(sents[i], limit))
            i += 1
            continue
        j, total, stop = i + 1, counts[i], min(n, i + step)
        while j < stop and total + counts[j] <= limit:  # estimate from single-sentence counts
            total += counts[j]
            j += 1
        while j - i > 1 and measure(i, j) > limit:
            j -= 1
        while j < stop and counts[j] <= limit and measure(i, j + 1) <= limit:
            j += 1
        chunks.append(join_sentences(sents[i:j]))
        i = j
    return chunks


def _find_label(id2label: dict[int, str], wanted: str | None, stem: str, what: str) -> int:
    """Index of the ``what`` label: named exactly (any case), or the one starting with ``stem``."""
    labels = {int(i): str(name) for i, name in id2label.items()}
    listed = ", ".join(f"{i}={name}" for i, name in sorted(labels.items()))
    if wanted is not None:
        hits = [i for i, name in labels.items() if name.lower() == wanted.lower()]
        if len(hits) != 1:
            raise ValueError(f"{what}_label {wanted!r} is not one of the model's labels ({listed})")
        return hits[0]
    hits = [i for i, name in labels.items() if name.lower().startswith(stem)]
    if len(hits) != 1:
        raise ValueError(
            f"cannot tell which label is {what} from the model config's id2label ({listed}); "
            f"set {what}_label"
        )
    return hits[0]


def _model_limit(config: Any, tokenizer: Any) -> int:
    """Usable input length: the lesser of the tokenizer's and the position embeddings' limits."""
    limits = [tokenizer.model_max_length]
    positions = getattr(config, "max_position_embeddings", None)
    if isinstance(positions, int):
        pad = getattr(config, "pad_token_id", None)
        if getattr(config, "model_type", "") in _OFFSET_POSITIONS and isinstance(pad, int):
            positions -= pad + 1
        limits.append(positions)
    usable = [int(v) for v in limits if isinstance(v, int) and 0 < v < _HUGE]
    if not usable:
        raise ValueError("cannot tell the model's input limit; set max_length")
    return min(usable)


def _check_probability(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise ValueError(f"{what} must be a number in [0, 1], got {value!r}")
    return float(value)


@dataclass(frozen=True, slots=True)
class _Verdict:
    """One hypothesis (piece) against every chunk of a cluster."""

    entailment: float
    contradiction: float
    best: tuple[str, str] | None  # (doc_id, chunk) with the highest entailment
    against: tuple[str, str] | None  # (doc_id, chunk) with the highest contradiction


class NLIConsistency:
    """Mean over summary sentences of the best entailment by any chunk of any source document.

    :meth:`score` gives as details per cluster ``nli_issues`` (``Issue.as_dict()``)
    and ``nli_sentences``: per summary sentence its best entailment and highest contradiction
    over all chunks, and the document and chunk of the best entailment.
    """

    name = "nli_consistency"
    info = MetricInfo(
        name="nli_consistency",
        keys={"nli_consistency": KeyInfo("NLI", value_range=(0.0, 1.0))},
        needs_documents=True,
        details=("nli_issues", "nli_sentences"),
        description=(
            "Mean over summary sentences of the best entailment by any chunk of any source "
            "document (SummaC-ZS style)."
        ),
    )

    def __init__(
        self,
        model: str | None = None,
        revision: str | None = None,
        entailment_label: str | None = None,
        contradiction_label: str | None = None,
        batch_size: int = 16,
        device: str = "auto",
        contradiction_threshold: float = 0.5,
        entailment_threshold: float = 0.5,
        max_length: int | None = None,
        scorer: Scorer | None = None,
        has_contradiction: bool = True,
        input_format: str = "pair",
        max_premise_length: int | None = None,
        max_premise_sentences: int | None = None,
    ) -> None:
        """Validate settings; load tokenizer and model once (or take an injected scorer).

        Args:
            model: local directory or hub id of a ``...ForSequenceClassification`` NLI model.
            revision: hub revision (branch, tag or commit) to load; ignored for a directory.
            entailment_label: name of the entailment label; None reads it from ``id2label``.
            contradiction_label: likewise for contradiction.
            batch_size: premise-hypothesis pairs per forward pass.
            device: ``auto``, ``cpu``, ``cuda`` or ``mps``.
            contradiction_threshold: contradiction probability from which a sentence whose
                support is weaker counts as contradicted.
            entailment_threshold: best entailment below which a sentence is unsupported.
            max_length: premise + hypothesis + special tokens (words for a scorer); None is the
                model's limit (no limit for a scorer: one chunk per document).
            scorer: instead of a model, ``(premises, hypotheses) -> [(entailment, contradiction)]``.
            has_contradiction: False for a two-class support model (MiniCheck: ``1`` supported,
                ``0`` unsupported): there is no contradiction probability, so sentences are only
                ever flagged ``unsupported``; the scorer's second value is ignored.
            input_format: ``pair`` encodes ``tokenizer(premise, hypothesis)`` with the model's
                pair template (NLI models); ``eos_joined`` encodes one text, premise + EOS token
                + hypothesis, as MiniCheck's RoBERTa and DeBERTa checkpoints were trained.
            max_premise_length: at most this many tokens (words for a scorer) of premise a
                chunk (MiniCheck: 400); None fills what ``max_length`` leaves.
            max_premise_sentences: at most this many whole sentences a chunk (1 is SummaC's
                sentence granularity); None: as many as fit.
        """
        if (model is None) == (scorer is None):
            raise ValueError("give exactly one of model (a path or hub id) and scorer")
        if scorer is not None and not callable(scorer):
            raise TypeError(f"scorer must be callable, got {type(scorer).__name__}")
        self.batch_size = check_int(batch_size, "batch_size", 1)
        if device not in DEVICES:
            raise ValueError(f"unknown device {device!r}; choose from {', '.join(DEVICES)}")
        self.contradiction_threshold = _check_probability(
            contradiction_threshold, "contradiction_threshold"
        )
        self.entailment_threshold = _check_probability(entailment_threshold, "entailment_threshold")
        if max_length is not None:
            check_int(max_length, "max_length", 2)
        for key, value in (("max_premise_length", max_premise_length),
                           ("max_premise_sentences", max_premise_sentences)):  # fmt: skip
            if value is not None:
                check_int(value, key, 1)
        if not isinstance(has_contradiction, bool):
            raise TypeError(f"has_contradiction must be true or false, got {has_contradiction!r}")
        if input_format not in INPUT_FORMATS:
            raise ValueError(
                f"unknown input_format {input_format!r}; choose from {', '.join(INPUT_FORMATS)}"
            )
        if not has_contradiction and contradiction_label is not None:
            raise ValueError("contradiction_label is set but has_contradiction is false")
        self.has_contradiction = has_contradiction
        self.input_format = input_format
        self.max_premise_length = max_premise_length
        self.max_premise_sentences = max_premise_sentences
        self.model_id = model
        self.revision = revision
        self._model: Any = None
        self.tokenizer: Any = None
        self.lengths: Lengths
        if scorer is not None:
            for key, value in (("revision", revision), ("entailment_label", entailment_label),
                               ("contradiction_label", contradiction_label),
                               ("input_format", None if input_format == "pair" else input_format),
                               ):  # fmt: skip
                if value is not None:
                    raise ValueError(f"{key} applies to a model, not to an injected scorer")
            self._scorer: Scorer = scorer
            self.lengths = WordLengths()
            self.specials = 0
            self.max_length = max_length
            self.device = "n/a"
            self.labels = "injected"
            self.weights = "n/a"
            return
        if model is not None:
            self._load(model, revision, device, entailment_label, contradiction_label, max_length)

    def _load(
        self,
        model: str,
        revision: str | None,
        device: str,
        entailment_label: str | None,
        contradiction_label: str | None,
        max_length: int | None,
    ) -> None:
        require_models_extra()
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.device = pick_device(device)
        location, local = resolve_model(model)
        tokenizer = load_pretrained(AutoTokenizer, model, revision, "tokenizer", TOKENIZER_FILES)
        if not getattr(tokenizer, "is_fast", False):
            raise ValueError(f"NLI model {model!r} has no fast tokenizer (offsets are needed)")
        if tokenizer.pad_token_id is None:
            raise ValueError(f"the tokenizer of {model!r} has no padding token")
        net = load_pretrained(AutoModelForSequenceClassification, model, revision, "NLI model")
        id2label = dict(getattr(net.config, "id2label", None) or {})
        self.entailment_index = _find_label(id2label, entailment_label, "entail", "entailment")
        self.entailment_label = str(id2label[self.entailment_index])
        entailment = f"entailment={self.entailment_label}({self.entailment_index})"
        if not self.has_contradiction:
            self.contradiction_index = None
            self.labels = f"{entailment},contradiction=none({len(id2label)} classes)"
        else:
            self.contradiction_index = _find_label(
                id2label, contradiction_label, "contradict", "contradiction"
            )
            if self.entailment_index == self.contradiction_index:
                raise ValueError("entailment_label and contradiction_label name the same label")
            self.contradiction_label = str(id2label[self.contradiction_index])
            self.labels = (
                f"{entailment},contradiction={self.contradiction_label}({self.contradiction_index})"
            )
        limit = _model_limit(net.config, tokenizer)
        if max_length is not None and max_length > limit:
            raise ValueError(f"max_length {max_length} exceeds the model's input limit {limit}")
        self.max_length = limit if max_length is None else max_length
        if self.input_format == "eos_joined":
            if tokenizer.eos_token is None:
                raise ValueError(f"input_format eos_joined: the tokenizer of {model!r} has no EOS")
            self.specials = tokenizer.num_special_tokens_to_add(pair=False) + 1
        else:
            self.specials = tokenizer.num_special_tokens_to_add(pair=True)
        if self.max_length < self.specials + 2:
            raise ValueError(
                f"max_length {self.max_length} leaves no room for text "
                f"({self.specials} special tokens per pair)"
            )
        if local:
            self.weights = f"sha256:{fingerprint(location)}"
        else:
            commit = hub_commit(model, revision)
            self.weights = f"commit:{commit}" if commit else f"unresolved:{revision}"
        net.to(device=self.device, dtype=torch.float32)
        net.eval()
        self.tokenizer = tokenizer
        self._model = net
        self.lengths = TokenLengths(tokenizer)
        self._scorer = self._model_scores

    # -- scoring -------------------------------------------------------------------------
    def _model_scores(
        self, premises: list[str], hypotheses: list[str]
    ) -> list[tuple[float, float]]:
        """Entailment and contradiction probabilities from the model, for one batch."""
        import torch

        if self.input_format == "eos_joined":  # one text, as MiniCheck encodes doc + claim
            eos = self.tokenizer.eos_token
            joined = [f"{p}{eos}{h}" for p, h in zip(premises, hypotheses, strict=True)]
            enc = self.tokenizer(joined, padding=True, truncation=False, return_tensors="pt")
        else:
            enc = self.tokenizer(
                premises, hypotheses, padding=True, truncation=False, return_tensors="pt"
            )
        width = enc["input_ids"].shape[1]
        if self.max_length is not None and width > self.max_length:  # chunking prevents this
            raise ValueError(f"an NLI input of {width} tokens exceeds max_length {self.max_length}")
        with torch.inference_mode():
            logits = self._model(**{k: v.to(self.device) for k, v in enc.items()}).logits
        probs = logits.float().softmax(dim=-1).cpu()
        ent = probs[:, self.entailment_index].tolist()
        if self.contradiction_index is None:  # a two-class support model
            return [(e, 0.0) for e in ent]
        con = probs[:, self.contradiction_index].tolist()
        return list(zip(ent, con, strict=True))

    def _room(self) -> int | None:
        """Tokens (words) left for premise and hypothesis once special tokens are counted."""
        return None if self.max_length is None else self.max_length - self.specials

    def hypothesis_pieces(self, sentence: str) -> list[str]:
        """The sentence, or pieces of at most half the room when it is longer than that."""
        room = self._room()
        if room is None or self.lengths.count([sentence])[0] <= room // 2:
            return [sentence]
        return self.lengths.split(sentence, room // 2)

    def premise_budget(self, hypothesis: str) -> int | None:
        """Premise length that fits with ``hypothesis`` (one piece) and the special tokens.

        Never more than ``max_premise_length`` when that is set.
        """
        room = self._room()
        fits = None if room is None else room - self.lengths.count([hypothesis])[0]
        caps = [v for v in (fits, self.max_premise_length) if v is not None]
        return min(caps) if caps else None

    def premise_chunks(self, sentences: Sequence[str], hypothesis: str) -> list[str]:
        """The chunks of one document that ``hypothesis`` (one piece) is compared with."""
        return chunk_sentences(
            sentences, self.lengths, self.premise_budget(hypothesis), self.max_premise_sentences
        )

    def _run(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[float, float]]:
        """Score unique (premise, hypothesis) pairs in batches of similar length.

        Longest first, ties broken by the texts: the batches depend only on the set of pairs,
        not on the order of summaries or clusters.
        """
        ordered = sorted(pairs, key=lambda p: (-(len(p[0]) + len(p[1])), p))
        out: dict[tuple[str, str], tuple[float, float]] = {}
        for start in range(0, len(ordered), self.batch_size):
            batch = ordered[start : start + self.batch_size]
            premises, hypotheses = [p for p, _ in batch], [h for _, h in batch]
            values = list(self._scorer(premises, hypotheses))
            if len(values) != len(batch):
                raise ValueError(
                    f"NLI scorer returned {len(values)} results for {len(batch)} pairs"
                )
            for pair, value in zip(batch, values, strict=True):
                probs = tuple(value)
                if len(probs) != 2:
                    raise ValueError(
                        f"NLI scorer must return (entailment, contradiction), got {value!r}"
                    )
                out[pair] = (
                    _check_probability(probs[0], "an entailment probability"),
                    _check_probability(probs[1], "a contradiction probability"),
                )
            log.debug("nli_consistency: scored %d/%d pairs", start + len(batch), len(ordered))
        return out

    def score(self, summaries: Sequence[str], clusters: Sequence[Cluster]) -> MetricOutput:
        """``nli_consistency`` per cluster; the issues and per-sentence scores as details."""
        if len(summaries) != len(clusters):
            raise ValueError(f"{len(summaries)} summaries for {len(clusters)} clusters")
        cache: dict[tuple[tuple[str, ...], int | None], list[str]] = {}
        # Per cluster, per sentence, per piece: the piece and its (doc_id, chunk) premises.
        plans: list[list[tuple[str, list[tuple[str, list[tuple[str, str]]]]]]] = []
        pairs: dict[tuple[str, str], None] = {}
        for summary, cluster in zip(summaries, clusters, strict=True):
            plan = []
            for sentence in split_sentences(summary.split("\n")):
                pieces = []
                for piece in self.hypothesis_pieces(sentence):
                    budget = self.premise_budget(piece)
                    premises = []
                    for doc in cluster.documents:
                        key = (doc.sentences, budget)
                        if key not in cache:
                            cache[key] = chunk_sentences(
                                doc.sentences, self.lengths, budget, self.max_premise_sentences
                            )
                        premises.extend((doc.doc_id, chunk) for chunk in cache[key])
                    pairs.update(((chunk, piece), None) for _, chunk in premises)
                    pieces.append((piece, premises))
                plan.append((sentence, pieces))
            plans.append(plan)
        log.info("nli_consistency: %d premise-hypothesis pairs", len(pairs))
        results = self._run(list(pairs))

        scores: list[dict[str, float]] = []
        details: list[dict[str, Any]] = []
        for plan in plans:
            issues: list[Issue] = []
            rows: list[dict[str, Any]] = []
            for sentence, pieces in plan:
                verdicts = [self._verdict(piece, premises, results) for piece, premises in pieces]
                weakest = min(verdicts, key=lambda v: v.entailment)
                strongest = max(verdicts, key=lambda v: v.contradiction)
                rows.append({
                    "sentence": sentence,
                    "entailment": weakest.entailment,
                    "contradiction": strongest.contradiction if self.has_contradiction else None,
                    "best_doc_id": weakest.best[0] if weakest.best else None,
                    "best_chunk": weakest.best[1] if weakest.best else None,
                })  # fmt: skip
                issue = self._issue(sentence, weakest, strongest)
                if issue is not None:
                    issues.append(replace(issue, index=len(rows) - 1))
            value = sum(r["entailment"] for r in rows) / len(rows) if rows else 1.0
            scores.append({"nli_consistency": value})
            details.append({
                "nli_issues": [i.as_dict() for i in issues],
                "nli_sentences": rows,
            })  # fmt: skip
        return MetricOutput(scores, details)

    @staticmethod
    def _verdict(
        piece: str,
        premises: list[tuple[str, str]],
        results: dict[tuple[str, str], tuple[float, float]],
    ) -> _Verdict:
        """Best entailment and highest contradiction over chunks (first in document order)."""
        if not premises:
            return _Verdict(0.0, 0.0, None, None)
        scored = [(results[(chunk, piece)], (doc_id, chunk)) for doc_id, chunk in premises]
        best = max(scored, key=lambda s: s[0][0])
        against = max(scored, key=lambda s: s[0][1])
        return _Verdict(best[0][0], against[0][1], best[1], against[1])

    def _issue(self, sentence: str, weakest: _Verdict, strongest: _Verdict) -> Issue | None:
        """The flag for one sentence, if any (see the module docstring for the rule)."""
        ent, con = weakest.entailment, strongest.contradiction
        contradicted = self.has_contradiction and con >= self.contradiction_threshold and ent < con
        if contradicted and strongest.against is not None:
            doc_id, chunk = strongest.against
            reason = (
                f"contradiction {con:.3f} (>= {self.contradiction_threshold:g}) exceeds the "
                f"best entailment {ent:.3f}"
            )
            return Issue(sentence, sentence, "nli", "contradicted", reason,
                         (Evidence(doc_id, chunk),))  # fmt: skip
        if ent < self.entailment_threshold:
            if weakest.best is None:
                reason = "no document text to check it against"
                return Issue(sentence, sentence, "nli", "unsupported", reason)
            doc_id, chunk = weakest.best
            contra = f"highest contradiction {con:.3f}" if self.has_contradiction else "two-class"
            reason = (
                f"best entailment {ent:.3f} < {self.entailment_threshold:g}; {contra}; "
                "evidence: the closest chunk"
            )
            return Issue(sentence, sentence, "nli", "unsupported", reason,
                         (Evidence(doc_id, chunk),))  # fmt: skip
        return None

    def signature(self) -> dict[str, str]:
        """Everything that determines the values."""
        unit = self.lengths.unit
        limit = "none" if self.max_length is None else f"{self.max_length} {unit}"
        caps = [
            f"premise <= {self.max_premise_length} {unit}" if self.max_premise_length else "",
            f"<= {self.max_premise_sentences} sentences" if self.max_premise_sentences else "",
        ]
        cap = "".join(f"; {c}" for c in caps if c)
        thresholds = f"unsupported: entailment<{self.entailment_threshold:g}"
        if self.has_contradiction:
            thresholds = (
                f"contradicted: contradiction>={self.contradiction_threshold:g} and > entailment; "
                + thresholds
            )
        sig = {
            "impl": f"mdsbench-{__version__}(SummaC-ZS-style, use_con=False)",
            "labels": self.labels,
            "max_length": limit,
            "chunking": (
                f"consecutive whole sentences ({splitter_signature()}) of one document, greedy, "
                f"premise + hypothesis + {self.specials} special tokens <= max_length{cap}; a "
                f"longer sentence split at {unit[:-1]} boundaries; hypotheses over half the room "
                "scored in pieces (min entailment, max contradiction)"
            ),
            "input": (
                "premise+EOS+hypothesis as one text"
                if self.input_format == "eos_joined"
                else "pair(premise, hypothesis)"
            ),
            "summary_split": f"newlines, then {splitter_signature()}",
            "aggregation": AGGREGATION,
            "thresholds": thresholds,
        }
        if self._model is None:
            scorer = self._scorer
            name = getattr(scorer, "__qualname__", None) or type(scorer).__qualname__
            module = getattr(scorer, "__module__", None) or type(scorer).__module__
            return {"model": f"injected:{module}.{name}", **sig}
        import tokenizers
        import torch
        import transformers

        return {
            "model": str(self.model_id),
            "revision": str(self.revision),
            "weights": self.weights,
            **sig,
            "dtype": "float32",
            "device": self.device,
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "torch": torch.__version__,
        }
