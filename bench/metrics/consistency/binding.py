"""Binding a claim to what its sentence says: the window holding it must fit the sentence.

Each claim is looked up in windows of three consecutive document sentences
(:class:`~bench.metrics.consistency.sources.Sources`); the words of the rest of the sentence
must overlap a window holding the claim nearly as well as they overlap the best window of the
cluster. :class:`Binder` holds the settings every check shares; the checks of names, numbers
and dates build on it (:mod:`.entity_checks`, :mod:`.number_checks`, :mod:`.date_checks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.errors import check_int
from bench.metrics.consistency.base import Evidence, Issue
from bench.metrics.consistency.sources import Sources, Window
from bench.metrics.consistency.tokens import (
    _local_context,
    contains,
)


def unsupported(
    sentence: str, span: str, kind: str, reason: str, evidence: Sequence[Evidence] = ()
) -> Issue:
    """A claim no document supports."""
    return Issue(sentence, span, kind, "unsupported", reason, tuple(evidence))


def against(
    sentence: str, span: str, kind: str, reason: str, src: Sources, best: Window | None
) -> Issue:
    """An unsupported claim, with the window that says what the sentence is about (if any)."""
    evidence = (src.evidence(best.doc, best.text),) if best is not None else ()
    return unsupported(sentence, span, kind, reason, evidence)


def every_window(window: Window) -> bool:
    """For :meth:`Binder._bound`: every window of ``among`` holds the claim (none is read)."""
    return True


class Binder:
    """The binding settings and the binding test shared by every check."""

    def __init__(self, bind_ratio: float = 0.5, bind_floor: float = 0.35, reach: int = 8) -> None:
        """``bind_ratio``: how close to the best window a window holding the claim must come.

        ``bind_floor``: binding is tested only when the best window overlaps the sentence at
        least this much. ``reach``: the context of a claim is the words within this many tokens
        of it in the sentence (a compound sentence binds each claim to its own clause).
        """
        self.reach = check_int(reach, "reach", 1)
        if not 0.0 < bind_ratio <= 1.0:
            raise ValueError(f"bind_ratio must be in (0, 1], got {bind_ratio}")
        if not 0.0 <= bind_floor < 1.0:
            raise ValueError(f"bind_floor must be in [0, 1), got {bind_floor}")
        self.bind_ratio = bind_ratio
        self.bind_floor = bind_floor

    # binding: is the claim stated where the rest of the sentence is?
    def _bound(
        self,
        src: Sources,
        sentence: Sequence[str],
        claim: Sequence[str],
        holds: Any = None,
        exclude: set[str] | frozenset[str] = frozenset(),
        reach: int | None = None,
        ratio: float | None = None,
        among: Sequence[int] | None = None,
    ) -> tuple[bool, Window | None]:
        """Whether a window holding the claim fits the sentence nearly as well as the best one.

        ``holds`` tells whether a window holds the claim (default: the claim's tokens in a
        row); ``among`` (default: the windows with the claim's first token) are the only
        windows that can.
        """
        reach = self.reach if reach is None else reach
        ratio = self.bind_ratio if ratio is None else ratio
        ctx = _local_context(sentence, claim, reach) - set(claim) - exclude
        if among is None:
            among = src.windows_with(claim[:1])
        windows = src.windows
        if holds is every_window:
            with_claim = list(among)
        else:
            with_claim = [
                k
                for k in among
                if (holds(windows[k]) if holds is not None else contains(windows[k].joined, claim))
            ]
        if not with_claim:
            return False, None
        if len(ctx) < 3:
            return True, None
        # fit of a window = len(ctx & w.words) / len(ctx); the first best window wins
        held = src.overlaps(ctx)
        top = max(held)
        best_any, fit_any = windows[held.index(top)], top / len(ctx)
        best_with = max(held[k] for k in with_claim) / len(ctx)
        if fit_any >= self.bind_floor and best_with < ratio * fit_any:
            return False, best_any
        return True, None
