"""Numbered parts of documents (第5条, Article 5, 第3章) as questions name them: one run of index terms each, so that
a sentence meets 第5条 only with its number and counter together, never 第10条 by its 第 and 条; in Arabic or kanji
numerals (第五条), as the documents write it. An article the documents lack (第99条) is asked for and unmet."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from kotae.numerals import kanji_numeral, kanji_value

# How Japanese documents number their parts: Article 5 is 第5条 (第 5 条 as index terms).
ENGLISH = {"article": "条", "chapter": "章", "section": "節", "paragraph": "項", "clause": "項"}
COUNTERS = frozenset({*ENGLISH.values(), "号", "編"})
ARTICLE = "条"  # numbered one way only; a section or chapter may be 3. or 3.1 in the documents, no 第3節
_ARTICLE_TERM = re.compile(r"第?\d+条|article \d+")
Spell = Callable[[str], Sequence[str]]  # the index terms of a Japanese text, as the documents were analysed
Runs = tuple[tuple[str, ...], ...]


def runs(number: int, counter: str, dai: bool, vocab: dict[str, int], spell: Spell | None) -> Runs | None:
    """The runs of index terms a part is written with in the documents, Arabic numerals first (第5条, 第五条);
    () for an article they do not have; None for another part they do not have (its words then count one by
    one)."""
    written = [(*(("第",) if dai else ()), str(number), counter)]
    if spell is not None:
        written.append(tuple(spell(f"{'第' if dai else ''}{kanji_numeral(number)}{counter}")))
    found = tuple(run for run in dict.fromkeys(written) if run and all(t in vocab for t in run))
    return found or (() if counter == ARTICLE else None)


def numbered_words(pair: Sequence[str], vocab: dict[str, int], spell: Spell | None = None) -> Runs | None:
    """An English question's numbered part (article 5, chapter 2) as `runs` gives it; None for words naming none."""
    if len(pair) < 2 or pair[0] not in ENGLISH or not pair[1].isdigit():
        return None
    return runs(int(pair[1]), ENGLISH[pair[0]], True, vocab, spell)


def numbered_terms(terms: Sequence[str], vocab: dict[str, int], spell: Spell | None = None
                   ) -> tuple[list[tuple[str, Runs]], list[str]]:
    """A Japanese question's numbered parts (第5条, 3章), each with its `runs`, and its other terms, among them as
    one term an article the documents lack (第99条, which they cannot meet by a 第 and a 条 of other articles)."""
    parts: list[tuple[str, Runs]] = []
    rest: list[str] = []
    i = 0
    while i < len(terms):
        start = i + (terms[i] == "第")
        if start + 1 < len(terms) and terms[start].isdigit() and terms[start + 1] in COUNTERS:
            number, counter = int(terms[start]), terms[start + 1]
            found = runs(number, counter, start > i, vocab, spell)
            if found is not None:
                name = f"{'第' if start > i else ''}{number}{counter}"
                if found:
                    parts.append((name, found))
                else:
                    rest.append(name)
                i = start + 2
                continue
        rest.append(terms[i])
        i += 1
    return parts, rest


def is_missing_article(term: str) -> bool:
    """Whether a question's term is an article the documents lack (第99条, article 99), as `numbered_terms` and
    the translation of English words leave one."""
    return bool(_ARTICLE_TERM.fullmatch(term))


_JA_PART = rf"第\s*(\d+|[〇一二三四五六七八九十百千]+)\s*([{''.join(sorted(COUNTERS))}])"  # 第5条, 第五条
_EN_PART = re.compile(rf"\b({'|'.join(ENGLISH)})\s+(\d+)\b", re.I)
_OPENING = re.compile(rf"^\s*(?:[・•●○◆■▪\-*]\s*)?{_JA_PART}")  # a line that is the part's text


def parts_named(question: str) -> frozenset[tuple[int, str]]:
    """The numbered parts a question names, as (number, counter): 第5条 and Article 5 are both (5, 条)."""
    text = unicodedata.normalize("NFKC", question)
    ja = {(_value(n), c) for n, c in re.findall(_JA_PART, text)}
    en = {(int(n), ENGLISH[w.lower()]) for w, n in _EN_PART.findall(text)}
    return frozenset((n, c) for n, c in ja | en if n is not None)


def opens_with(sentence: str, parts: frozenset[tuple[int, str]]) -> bool:
    """Whether a sentence is the text of one of `parts`: it opens with its number (第5条 (集団防衛)…, 第五条)."""
    m = _OPENING.match(unicodedata.normalize("NFKC", sentence)) if parts else None
    return m is not None and (_value(m[1]), m[2]) in parts


def _value(number: str) -> int | None:
    return int(number) if number.isdigit() else kanji_value(number)
