"""Japanese words the documents never use, reached through their English glosses: a question's 一員 (member) finds
メンバー, its 来日 (visit to Japan) 訪日, its 発足 (launch, establishment) 開始 and 立ち上げる.

A Japanese question is otherwise searched for its own words only, so one that says what the documents say in other
words (一員になった for 加盟した) meets none of them and is abstained. JMdict glosses the word; the corpus's
English→Japanese lexicon (kotae.lexicon) turns the glosses back into words the documents use. Only common words
(JMdict's priority markers) are read, and only their first senses: a rare reading's glosses lead anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from kotae.answer_type import TYPE_NOUNS
from kotae.jmdict import Dictionary, Entry, JMdictUnavailable
from kotae.lexicon import Lexicon, gloss_key
from kotae.translate import Translation, candidate_weight

SENSES = 2  # senses of a word read
GLOSSES = 3  # glosses of a sense read
# The lowest lexicon rank a rendering may have: a gloss met as a derived noun (invite → invitation, 招待) counts,
# one met as part of a longer gloss or a compound (see kotae.lexicon's penalties) does not.
MIN_RANK = -16.0
RUNS = 4  # renderings kept, best first
_HIRAGANA_ONLY = re.compile(r"^[\u3040-\u309f]+$")
# Words for the text the question is asked of (記事によると, according to the article), not for what it says.
_META = frozenset({"記事", "資料", "報道", "本文", "文章", "文中", "ページ", "サイト", "ニュース"})


class Pivot:
    """A question's missing Japanese words → translations into the documents' words; safe to share between
    threads. Without the JMdict database it finds nothing (the index's build already said the dictionary is
    missing)."""

    def __init__(self, lexicon: Lexicon, cache_dir: Path | None = None, dictionary: Dictionary | None = None) -> None:
        self._lexicon = lexicon
        self._dictionary: Dictionary | None = dictionary or Dictionary(cache_dir)
        self.runs = lru_cache(maxsize=4096)(self._runs)

    def __call__(self, missing: Sequence[str]) -> list[Translation]:
        out = []
        for term in missing:
            runs = self.runs(term) if pivots(term) else ()
            if runs:
                out.append(Translation(term, runs, tuple(candidate_weight(k) for k in range(len(runs)))))
        return out

    def _runs(self, term: str) -> tuple[tuple[str, ...], ...]:
        dictionary = self._dictionary
        if dictionary is None:
            return ()
        try:
            common = [e for e in dictionary.entries(term) if e.priority > 0]
        except JMdictUnavailable:
            self._dictionary = None  # not tried again (one assignment: safe between threads)
            return ()
        return renderings(max(common, key=lambda e: e.priority), self._lexicon) if common else ()


def pivots(term: str) -> bool:
    """Whether a word of the question is worth reaching through its glosses: not a single character (先, 前: a
    gloss for every sense), not hiragana alone (いく, どう: grammar), not a word naming the kind of answer asked for
    (場所, 人物: see kotae.answer_type) or the text asked about (記事)."""
    return len(term) > 1 and not _HIRAGANA_ONLY.match(term) and term not in TYPE_NOUNS and term not in _META


def renderings(entry: Entry, lexicon: Lexicon) -> tuple[tuple[str, ...], ...]:
    """The documents' words for an entry's first glosses, by sense then lexicon rank; none of one character or hiragana
    alone (member → 員, all → そう say little)."""
    best: dict[tuple[str, ...], tuple[int, float]] = {}
    for n, sense in enumerate(entry.senses[:SENSES]):
        for gloss in sense[:GLOSSES]:
            key = gloss_key(gloss)
            for c in lexicon.lookup(key.split()) if key else ():
                if len(c.ja) < 2 or _HIRAGANA_ONLY.match(c.ja) or c.rank < MIN_RANK:
                    continue
                if c.terms not in best or (n, -c.rank) < best[c.terms]:
                    best[c.terms] = (n, -c.rank)
    return tuple(sorted(best, key=best.__getitem__)[:RUNS])
