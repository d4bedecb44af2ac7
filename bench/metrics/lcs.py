"""Longest common subsequences with bit-parallel columns (Allison & Dix, 1986; Hyyrö, 2004).

The DP table ``L[i][j]`` (LCS of ``a[:i]`` and ``b[:j]``) is kept as one integer per column
``j``: bit ``i`` is set where ``L[i+1][j] - L[i][j] == 1``, so ``L[i][j]`` is a popcount. This
gives the LCS length in O(len(b)) big-integer operations and lets the backtrace read any table
cell in O(1), with the tie-break that ROUGE-1.5.5 and rouge-score share: on a match go
diagonally, else move up (shorten ``a``) when ``L[i-1][j] >= L[i][j-1]``.

Two facts make the backtrace cheap:

- a column whose token does not occur in ``a`` equals the column before it, so only the
  columns of tokens present in ``a`` are computed and a run of absent columns is crossed in
  one step;
- from cell ``(i, j)`` the path goes up while the row is not a match and ``L`` does not drop,
  so the row it leaves column ``j`` from is the nearest row at or above ``i`` that is a match
  or where ``L[.][j]`` drops. At a drop without a match ``L[i][j-1] = L[i][j] > L[i-1][j]``,
  so the path goes left. Each column therefore costs a constant number of integer operations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence


def _masks(a: Sequence[Hashable]) -> dict[Hashable, int]:
    """Per token, the bit set of its positions in ``a``."""
    masks: dict[Hashable, int] = {}
    bit = 1
    for tok in a:
        if tok in masks:
            masks[tok] |= bit
        else:
            masks[tok] = bit
        bit <<= 1
    return masks


def _length(masks: dict[Hashable, int], m: int, b: Sequence[Hashable]) -> int:
    """LCS length of ``a`` (given as its masks and length ``m``) and ``b``."""
    full = (1 << m) - 1
    v = full
    for mask in [masks[t] for t in b if t in masks]:
        u = v & mask
        v = ((v + u) | (v - u)) & full
    return m - v.bit_count()


def lcs_length(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Length of the longest common subsequence."""
    if not a or not b:
        return 0
    return _length(_masks(a), len(a), b)


def _union_rows(m: int, masks: dict[Hashable, int], lines: Sequence[Sequence[Hashable]]) -> int:
    """Rows of ``a`` on its traced LCS with each of ``lines``, united, as a bit set.

    ``a`` is given by its length ``m`` and its token masks.
    """
    full = (1 << m) - 1
    union = 0
    for b in lines:
        present = [(j, masks[t]) for j, t in enumerate(b) if t in masks]
        if not present:
            continue
        v = full
        cols = []  # the column of each present token; absent columns repeat it
        for j, mask in present:
            u = v & mask
            v = ((v + u) | (v - u)) & full
            cols.append((j, mask, full ^ v))
        below = full  # the rows at or above the current cell: (1 << i) - 1
        right = len(b)  # the column the path comes from
        for j, mask, col in reversed(cols):
            # Entered from an absent column (same bits, no match), the path stops only where
            # L drops; entered from the next column, also at a match.
            stop = ((col | mask) if j + 1 == right else col) & below
            if not stop:
                break
            top = 1 << (stop.bit_length() - 1)
            if mask & top:  # a match: go diagonally
                union |= top
                below = top - 1
            else:  # L drops here and it is no match: go left, staying on the row
                below = (top << 1) - 1
            right = j
    return union


def _bits(x: int) -> list[int]:
    """Indices of the set bits of ``x``, ascending."""
    out = []
    while x:
        low = x & -x
        out.append(low.bit_length() - 1)
        x ^= low
    return out


def lcs_positions(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[int]:
    """Indices into ``a`` of one LCS, chosen by the shared ROUGE tie-break."""
    if not a or not b:
        return []
    return _bits(_union_rows(len(a), _masks(a), [b]))


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
    peer = [c for c in peer_lines if c]
    hits = 0
    for r in ref_lines:
        if not r:
            continue
        for idx in _bits(_union_rows(len(r), _masks(r), peer)):
            t = r[idx]
            if peer_left[t] > 0 and ref_left[t] > 0:
                hits += 1
                peer_left[t] -= 1
                ref_left[t] -= 1
    return hits
