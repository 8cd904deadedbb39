"""Misspelt English words: the lexicon's key one typing slip away, so that "headquaters" still finds 本部.

Norvig-style symmetric deletes: every single-word key is filed under itself and each string one letter shorter;
a word is looked up the same way, so one inserted, dropped, changed or swapped-neighbour letter finds the key
(within two deletes) in a few dictionary lookups, never a scan of every key.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

MIN_LENGTH = 5  # shorter words have too many neighbours one slip away to guess among


def deletes(word: str) -> set[str]:
    """The word and every string one letter shorter."""
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


class Speller:
    """Finds the key a misspelt word meant among `keys` (single lowercase words)."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._by_delete: dict[str, set[str]] = {}
        self._keys: set[str] = set()
        for key in keys:
            self._keys.add(key)
            if key.isalpha() and len(key) >= MIN_LENGTH - 1:
                for variant in deletes(key):
                    self._by_delete.setdefault(variant, set()).add(key)
        self.correct = lru_cache(maxsize=4096)(self._correct)

    def _correct(self, word: str) -> str | None:
        """The one key a single slip away from `word`, or None when there is none or several equally near."""
        if len(word) < MIN_LENGTH or not word.isalpha() or word in self._keys:
            return None
        found = set().union(*(self._by_delete.get(v, set()) for v in deletes(word))) - {word}
        near = [k for k in found if _one_slip(word, k)]
        if not near:
            return None
        # Several keys one slip away: the one sharing the longest beginning, when that settles it.
        near.sort(key=lambda k: -_common_prefix(word, k))
        if len(near) > 1 and _common_prefix(word, near[0]) == _common_prefix(word, near[1]):
            return None
        return near[0]


def _one_slip(a: str, b: str) -> bool:
    """True when b is a with one letter inserted, dropped or changed, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n
