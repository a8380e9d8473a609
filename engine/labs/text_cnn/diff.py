"""A word-level diff fast enough to run on every click in the pipeline explorer.

``difflib.SequenceMatcher`` alone took up to 17 ms per step on the embedded corpus's longest posts
(about 1,000 words; 100 ms for all 16 steps of one post) because common words ("the", "is") match
in many places. Here the words that occur exactly once in both texts are aligned first (their
longest increasing run, as in patience diff), which cuts the texts into short gaps; difflib only
diffs those gaps. Unchanged texts return at once.
"""

from __future__ import annotations

import difflib
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence

#: Gaps this short go straight to difflib (anchoring would not save anything).
_SMALL_GAP = 32


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """A word-level diff for highlighting: ``(kind, text)`` with kind ``same``, ``removed`` or ``added``.

    Whitespace differences alone are not reported (steps 8 and 17 mostly turn newlines into spaces).
    The ``same`` and ``removed`` spans give back ``before``'s words in order, ``same`` and ``added``
    ``after``'s.
    """
    a, b = before.split(), after.split()
    if a == b:
        return [("same", " ".join(a))] if a else []
    pairs: list[tuple[int, int]] = []
    _match(a, b, 0, len(a), 0, len(b), pairs)
    pairs.append((len(a), len(b)))  # sentinel: flushes the last gap
    runs: list[tuple[str, list[str]]] = []
    i = j = 0
    for pi, pj in pairs:
        if pi > i:
            runs.append(("removed", a[i:pi]))
        if pj > j:
            runs.append(("added", b[j:pj]))
        if pi < len(a):
            if runs and runs[-1][0] == "same":  # one span per run of unchanged words, as difflib gives
                runs[-1][1].append(a[pi])
            else:
                runs.append(("same", [a[pi]]))
        i, j = pi + 1, pj + 1
    return [(kind, " ".join(words)) for kind, words in runs]


def _match(
    a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int, out: list[tuple[int, int]]
) -> None:
    """Append the matched ``(i, j)`` word pairs of ``a[alo:ahi]`` and ``b[blo:bhi]``, in order."""
    while alo < ahi and blo < bhi and a[alo] == b[blo]:  # common start
        out.append((alo, blo))
        alo, blo = alo + 1, blo + 1
    tail: list[tuple[int, int]] = []
    while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:  # common end
        ahi, bhi = ahi - 1, bhi - 1
        tail.append((ahi, bhi))
    anchors = _unique_anchors(a, b, alo, ahi, blo, bhi) if min(ahi - alo, bhi - blo) > _SMALL_GAP else []
    if anchors:
        for ai, bj in anchors:
            _match(a, b, alo, ai, blo, bj, out)
            out.append((ai, bj))
            alo, blo = ai + 1, bj + 1
        _match(a, b, alo, ahi, blo, bhi, out)
    elif alo < ahi and blo < bhi:
        matcher = difflib.SequenceMatcher(a=a[alo:ahi], b=b[blo:bhi], autojunk=False)
        for i, j, size in matcher.get_matching_blocks():
            out.extend((alo + i + k, blo + j + k) for k in range(size))
    out.extend(reversed(tail))


def _unique_anchors(
    a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Pairs of words found once in each range, in the longest order both texts agree on."""
    count_a, count_b = Counter(a[alo:ahi]), Counter(b[blo:bhi])
    where_b = {b[j]: j for j in range(blo, bhi) if count_b[b[j]] == 1}
    pairs = [(i, where_b[a[i]]) for i in range(alo, ahi) if count_a[a[i]] == 1 and a[i] in where_b]
    # Longest increasing run of the b positions (patience sorting, O(n log n)).
    tops: list[int] = []
    top_index: list[int] = []
    previous = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pile = bisect_left(tops, j)
        if pile == len(tops):
            tops.append(j)
            top_index.append(k)
        else:
            tops[pile], top_index[pile] = j, k
        previous[k] = top_index[pile - 1] if pile else -1
    chain: list[tuple[int, int]] = []
    k = top_index[-1] if top_index else -1
    while k >= 0:
        chain.append(pairs[k])
        k = previous[k]
    return chain[::-1]
