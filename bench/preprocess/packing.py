"""MDS input packing: many documents -> model input(s) under a token budget.

A model sees a bounded number of input tokens; how a cluster is squeezed into them changes what
the model can summarize (Fabbri et al., 2019, truncate each Multi-News document to an equal share;
PRIMERA, Xiao et al., 2022, joins documents with ``<doc-sep>``). Each strategy here is a config
choice (``conf/packing/``) usable by every model-based summarizer:

- ``concat``: documents joined by the separator, cut at the token limit (late documents lose).
- ``equal``: every document truncated to ``limit / n_documents`` tokens; budget a short document
  does not use is shared among the longer ones (water-filling).
- ``round_robin``: whole sentences in turns (first sentence of every document, then the second,
  ...), each document's chosen sentences kept in their original order.
- ``map_reduce``: each document summarized alone (truncated to the limit), then the joined
  summaries summarized (Liu et al., 2018's two-stage idea; the "hierarchical" baseline of MDS
  surveys).

Token counts come from the model's own tokenizer (a :class:`TokenCounter`); what the model finally
saw of each document is measured on the final tokenization by the summarizer, not assumed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class TokenCounter(Protocol):
    """What packing needs from a tokenizer."""

    def count(self, texts: Sequence[str]) -> list[int]:
        """Number of tokens of each text, without special tokens."""
        ...

    def truncate(self, text: str, n_tokens: int) -> str:
        """The longest prefix of ``text`` that is at most ``n_tokens`` tokens."""
        ...


@dataclass(frozen=True, slots=True)
class PackedInput:
    """One model input: the packed parts (one per document that kept any text) and their join."""

    parts: tuple[str, ...]
    doc_index: tuple[int, ...]  # the document each part comes from
    separator: str

    @property
    def text(self) -> str:
        """The parts joined by the separator."""
        return self.separator.join(self.parts)


def _check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"token limit for packing must be a positive integer, got {limit!r}")
    return limit


def _check_max(value: int | None) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"max_input_tokens must be a positive integer or null, got {value!r}")
    return value


def separator_cost(separator: str, tokens: TokenCounter) -> int:
    """Tokens one separator costs between two texts.

    Measured in context too: a blank line may be one token alone and two between words. An
    estimate all the same: summarizers re-check the final input against the limit.
    """
    if not separator:
        return 0
    alone = tokens.count([separator])[0]
    between = tokens.count([f"x{separator}x"])[0] - 2 * tokens.count(["x"])[0]
    return max(alone, between)


def _content_budget(n_docs: int, separator: str, tokens: TokenCounter, limit: int) -> int:
    """Tokens left for document text once the separators between documents are paid for."""
    return max(0, limit - separator_cost(separator, tokens) * max(0, n_docs - 1))


def water_fill(sizes: Sequence[int], budget: int) -> list[int]:
    """Equal shares of ``budget``; what a small item does not need goes to the larger ones.

    Returns per-item allowances with ``sum <= budget`` and ``allowance[i] <= sizes[i]``; the
    remainder of an uneven split goes to the earliest documents.
    """
    allowance = [0] * len(sizes)
    open_items = [i for i, s in enumerate(sizes) if s > 0]
    left = budget
    while open_items and left > 0:
        share, extra = divmod(left, len(open_items))
        satisfied = [i for i in open_items if sizes[i] - allowance[i] <= share]
        if not satisfied:
            for rank, i in enumerate(open_items):
                allowance[i] += share + (1 if rank < extra else 0)
            return allowance
        for i in satisfied:
            left -= sizes[i] - allowance[i]
            allowance[i] = sizes[i]
        open_items = [i for i in open_items if i not in satisfied]
    return allowance


class _Packing:
    """Shared settings: the separator override and an optional cap on input tokens."""

    name: str
    hierarchical = False

    def __init__(self, separator: str | None = None, max_input_tokens: int | None = None) -> None:
        """``separator=None`` uses the model's own document separator."""
        if separator is not None and not isinstance(separator, str):
            raise ValueError(f"packing separator must be a string or null, got {separator!r}")
        self.separator = separator
        self.max_input_tokens = _check_max(max_input_tokens)

    def resolve_limit(self, model_limit: int) -> int:
        """The model's input limit, lowered to ``max_input_tokens`` when that is set."""
        if self.max_input_tokens is None:
            return model_limit
        return min(model_limit, self.max_input_tokens)

    def resolve_separator(self, model_separator: str) -> str:
        """This packing's separator, or the model's when none is configured."""
        return model_separator if self.separator is None else self.separator

    def pack(
        self, documents: Sequence[Sequence[str]], tokens: TokenCounter, limit: int, separator: str
    ) -> PackedInput:
        """Pack documents (each a list of sentences) into one input of at most ``limit`` tokens."""
        raise NotImplementedError

    def signature(self) -> dict[str, str]:
        """Settings that change the model input."""
        return {
            "packing": self.name,
            "separator": "model-default" if self.separator is None else repr(self.separator),
            "max_input_tokens": "model"
            if self.max_input_tokens is None
            else str(self.max_input_tokens),
        }


def join_sentences(sentences: Sequence[str]) -> str:
    """A document's sentences as one text, as packing joins them."""
    return " ".join(s.strip() for s in sentences if s.strip())


def _packed(parts: Sequence[str], separator: str) -> PackedInput:
    kept = [(i, p) for i, p in enumerate(parts) if p]
    return PackedInput(tuple(p for _, p in kept), tuple(i for i, _ in kept), separator)


class Concat(_Packing):
    """All documents in order, joined by the separator; whatever exceeds the limit is cut."""

    name = "concat"

    def pack(
        self, documents: Sequence[Sequence[str]], tokens: TokenCounter, limit: int, separator: str
    ) -> PackedInput:
        """Documents whole until the budget runs out; the one that crosses it is truncated."""
        _check_limit(limit)
        texts = [join_sentences(d) for d in documents]
        sep_cost = separator_cost(separator, tokens)
        budget = limit
        parts: list[str] = []
        for text, size in zip(texts, tokens.count(texts), strict=True):
            if any(parts):  # a separator only goes between two documents that are kept
                budget -= sep_cost
            take = max(0, min(size, budget))
            parts.append(text if take == size else tokens.truncate(text, take) if take else "")
            budget -= take
        return _packed(parts, separator)


class EqualShare(_Packing):
    """Every document truncated to an equal share of the limit, spare budget redistributed."""

    name = "equal"

    def pack(
        self, documents: Sequence[Sequence[str]], tokens: TokenCounter, limit: int, separator: str
    ) -> PackedInput:
        """Water-filled per-document allowances, each document cut at its allowance."""
        _check_limit(limit)
        texts = [join_sentences(d) for d in documents]
        sizes = tokens.count(texts)
        allowance = water_fill(sizes, _content_budget(len(texts), separator, tokens, limit))
        parts = [
            text if a >= size else tokens.truncate(text, a) if a else ""
            for text, size, a in zip(texts, sizes, allowance, strict=True)
        ]
        return _packed(parts, separator)


class RoundRobin(_Packing):
    """Whole sentences in turns across documents, until no further sentence fits."""

    name = "round_robin"

    def pack(
        self, documents: Sequence[Sequence[str]], tokens: TokenCounter, limit: int, separator: str
    ) -> PackedInput:
        """Sentence ``k`` of every document before sentence ``k + 1`` of any.

        A sentence that does not fit in what is left is skipped and the turn passes on, so one
        long sentence does not starve the other documents.
        """
        _check_limit(limit)
        budget = _content_budget(len(documents), separator, tokens, limit)
        costs = [tokens.count([f" {s}" for s in doc]) if doc else [] for doc in documents]
        chosen: list[list[int]] = [[] for _ in documents]
        depth = max((len(d) for d in documents), default=0)
        for rank in range(depth):
            for d, doc in enumerate(documents):
                if rank < len(doc) and costs[d][rank] <= budget:
                    chosen[d].append(rank)
                    budget -= costs[d][rank]
        parts = [
            join_sentences([doc[i] for i in idx])
            for doc, idx in zip(documents, chosen, strict=True)
        ]
        return _packed(parts, separator)


class MapReduce(_Packing):
    """Two stages: every document alone (truncated to the limit), then the joined summaries.

    ``pack`` builds the reduce-stage input from the stage-one summaries with equal shares;
    ``map_inputs`` builds the stage-one inputs.
    """

    name = "map_reduce"
    hierarchical = True

    def map_input(
        self, index: int, document: Sequence[str], tokens: TokenCounter, limit: int
    ) -> PackedInput | None:
        """Document ``index`` alone, cut at the limit; None when it has no text."""
        _check_limit(limit)
        text = join_sentences(document)
        if not text:
            return None
        size = tokens.count([text])[0]
        return PackedInput((text if size <= limit else tokens.truncate(text, limit),), (index,), "")

    def map_inputs(
        self, documents: Sequence[Sequence[str]], tokens: TokenCounter, limit: int
    ) -> list[PackedInput]:
        """One input per document (documents without text left out), each cut at the limit."""
        packed = [self.map_input(i, d, tokens, limit) for i, d in enumerate(documents)]
        return [p for p in packed if p is not None]

    def pack(
        self, documents: Sequence[Sequence[str]], tokens: TokenCounter, limit: int, separator: str
    ) -> PackedInput:
        """The reduce stage: stage-one summaries with equal shares of the limit."""
        return EqualShare().pack(documents, tokens, limit, separator)


@runtime_checkable
class Packing(Protocol):
    """The packing contract model-based summarizers rely on."""

    name: str
    hierarchical: bool

    def resolve_limit(self, model_limit: int) -> int:
        """Effective input token limit."""
        ...

    def resolve_separator(self, model_separator: str) -> str:
        """Effective document separator."""
        ...

    def pack(
        self, documents: Sequence[Sequence[str]], tokens: TokenCounter, limit: int, separator: str
    ) -> PackedInput:
        """One input of at most ``limit`` tokens."""
        ...

    def signature(self) -> dict[str, str]:
        """Settings that change the model input."""
        ...
