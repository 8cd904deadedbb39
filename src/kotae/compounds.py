"""English words learnt from the glosses of Japanese compounds: when every other word of a gloss is already known to
translate a part of the compound, the one word left names the part left.

JMdict glosses 海上 only as "on the sea", but 海上自衛隊 as "Maritime Self Defense Forces": with "self defense" known
as 自衛 and "forces" as 隊, "maritime" is 海上. In the same way "territorial" is 領土 (領土保全, "maintenance of
territorial integrity"). A word is learnt only where the alignment leaves no choice: one English word and one run
of at most two terms (of two characters or more) unaccounted for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from kotae.english import STOPWORDS, word_forms

MAX_PHRASE = 3  # words of a gloss matched together (self defense)
MAX_RUN = 2  # terms a learnt word may stand for (理事 会 for council)
MIN_LENGTH = 3  # letters of a word worth learning (no "un", "eu")
MIN_PART = 2  # characters of what it is learnt to mean


def leftover(words: Sequence[str], terms: Sequence[str],
             known: Mapping[str, Iterable[tuple[str, ...]]]) -> tuple[str, tuple[str, ...]] | None:
    """The one English word of a gloss (`words`, stop words included) and the run of the compound's `terms` that no
    other word or phrase of the gloss accounts for, by `known` (an English key's Japanese renderings, as terms);
    None unless exactly one word and one short run are left."""
    if len(words) < 2 or len(terms) < 2:
        return None
    covered = [False] * len(terms)
    unmatched = []
    i = 0
    while i < len(words):
        for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):  # the longest phrase known first (self defense)
            spans = _spans(words[i:i + n], terms, known)
            if spans:
                break
        if not spans and words[i] not in STOPWORDS:  # no phrase from here is known: n is 1
            unmatched.append(words[i])
        for start, end in spans:
            covered[start:end] = [True] * (end - start)
        i += n
    if len(unmatched) != 1 or len(unmatched[0]) < MIN_LENGTH or unmatched[0].isdigit():
        return None
    runs = _runs(covered)
    if len(runs) != 1 or runs[0][1] - runs[0][0] > MAX_RUN:
        return None
    part = tuple(terms[runs[0][0]:runs[0][1]])
    if len("".join(part)) < MIN_PART:  # a lone character is a suffix as often as a word (的, 性, つ)
        return None
    return unmatched[0], part


def _spans(phrase: Sequence[str], terms: Sequence[str],
           known: Mapping[str, Iterable[tuple[str, ...]]]) -> list[tuple[int, int]]:
    """Where the compound holds a rendering of an English phrase (of its last word's forms)."""
    *head, last = phrase
    if last in STOPWORDS and not head:
        return []
    keys = [" ".join([*head, form]) for form, _ in word_forms(last)]
    return [span for key in keys for cand in known.get(key, ()) for span in _occurrences(cand, terms)]


def _occurrences(part: tuple[str, ...], terms: Sequence[str]) -> list[tuple[int, int]]:
    n = len(part)
    if not n or n >= len(terms):  # a rendering of the whole compound accounts for no part of it
        return []
    return [(i, i + n) for i in range(len(terms) - n + 1) if tuple(terms[i:i + n]) == part]


def _runs(covered: Sequence[bool]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i, done in enumerate(covered):
        if done:
            continue
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs
