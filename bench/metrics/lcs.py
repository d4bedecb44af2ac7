"""Longest common subsequences with bit-parallel rows (Allison & Dix, 1986; Hyyrö, 2004).

The DP table ``L[i][j]`` (LCS of ``a[:i]`` and ``b[:j]``) is kept as one integer per column
``j``: bit ``i`` is set where ``L[i+1][j] - L[i][j] == 1``, so ``L[i][j]`` is a popcount. This
gives the LCS length in O(len(b)) big-integer operations and lets the backtrace read any table
cell in O(1), with the tie-break that ROUGE-1.5.5 and rouge-score share: on a match go
diagonally, else move up (shorten ``a``) when ``L[i-1][j] >= L[i][j-1]``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence


def _masks(a: Sequence[Hashable]) -> dict[Hashable, int]:
    """Per token, the bit set of its positions in ``a``."""
    masks: dict[Hashable, int] = {}
    for i, tok in enumerate(a):
        masks[tok] = masks.get(tok, 0) | (1 << i)
    return masks


def _columns(masks: dict[Hashable, int], m: int, b: Sequence[Hashable]) -> list[int]:
    """Bit columns ``Z_j`` (j = 0..len(b)): bit i set iff ``L[i+1][j] - L[i][j] == 1``."""
    full = (1 << m) - 1
    v = full
    cols = [0]
    for tok in b:
        u = v & masks.get(tok, 0)
        v = ((v + u) | (v - u)) & full
        cols.append(full & ~v)
    return cols


def lcs_length(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Length of the longest common subsequence."""
    if not a or not b:
        return 0
    return _columns(_masks(a), len(a), b)[-1].bit_count()


def _backtrace(
    a: Sequence[Hashable], b: Sequence[Hashable], masks: dict[Hashable, int]
) -> list[int]:
    cols = _columns(masks, len(a), b)
    out: list[int] = []
    i, j = len(a), len(b)
    while i > 0 and j > 0:
        tok = b[j - 1]
        # Rows where L does not grow and a[i-1] != b[j-1] are passed going up (up >= left
        # holds there); jump straight to the nearest row that is a match or where L grows.
        stop = (cols[j] | masks.get(tok, 0)) & ((1 << i) - 1)
        if not stop:
            break
        i = stop.bit_length()
        if a[i - 1] == tok:
            out.append(i - 1)
            i -= 1
            j -= 1
            continue
        up = (cols[j] & ((1 << (i - 1)) - 1)).bit_count()  # L[i-1][j]
        left = (cols[j - 1] & ((1 << i) - 1)).bit_count()  # L[i][j-1]
        if left > up:
            j -= 1
        else:
            i -= 1
    out.reverse()
    return out


def lcs_positions(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[int]:
    """Indices into ``a`` of one LCS, chosen by the shared ROUGE tie-break."""
    if not a or not b:
        return []
    return _backtrace(a, b, _masks(a))


def union_lcs_hits(
    ref_lines: Sequence[Sequence[Hashable]],
    peer_lines: Sequence[Sequence[Hashable]],
    ref_tokens: Sequence[Hashable],
    peer_tokens: Sequence[Hashable],
) -> int:
    """Summary-level LCS hits (Lin, 2004, section 3.2), clipped by unigram counts.

    For each reference line, the union of its LCS positions against every peer line; a
    position is a hit while both the reference and the peer still have that token left.
    """
    if not ref_tokens or not peer_tokens:
        return 0
    ref_left = Counter(ref_tokens)
    peer_left = Counter(peer_tokens)
    hits = 0
    for r in ref_lines:
        if not r:
            continue
        masks = _masks(r)
        union: set[int] = set()
        for c in peer_lines:
            if c and not masks.keys().isdisjoint(c):
                union.update(_backtrace(r, c, masks))
        for idx in sorted(union):
            t = r[idx]
            if peer_left[t] > 0 and ref_left[t] > 0:
                hits += 1
                peer_left[t] -= 1
                ref_left[t] -= 1
    return hits
