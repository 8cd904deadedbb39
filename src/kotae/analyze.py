"""Japanese analysis: MeCab (fugashi + UniDic) tokens with offsets into the original text."""

from __future__ import annotations

import os
import queue
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from kotae.types import Token

TermForm = Literal["orthBase", "surface"]

# Function words, punctuation, pronouns and question words carry no topic; nouns, verbs, numbers and
# Latin words are kept. Dropping pronouns (どこ, いつ, それ) keeps questions from matching on them.
DROPPED_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白", "代名詞", "連体詞", "感動詞", "接続詞"})
# Light verbs (する, ある, いる, なる), auxiliary-like stems (よう) and request phrasing (教えてください).
DROPPED_POS2 = frozenset({"非自立可能", "助動詞語幹"})
STOP_TERMS = frozenset({"何", "教える", "つく", "知る", "ください"})
_LATIN_LETTER = re.compile(r"^[A-Za-z]$")
_ORIGIN = re.compile(r"^[A-Za-z][A-Za-z ._'-]*$")
_VOICING = "\uff9e\uff9f"  # half-width (semi-)voiced marks combine with the kana before them


def normalize_with_map(text: str) -> tuple[str, list[int], list[int]]:
    """NFKC text plus, for each normalised character, the original span (start, end) it came from.

    Normalising cluster by cluster (a character with its combining marks) keeps the map exact even
    where NFKC changes lengths (①→1, ㈱→(株), ｶﾞ→ガ).
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and (unicodedata.combining(text[j]) or text[j] in _VOICING):
            j += 1
        piece = unicodedata.normalize("NFKC", text[i:j])
        out.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        i = j
    return "".join(out), starts, ends


def match_form(text: str) -> str:
    """The form used for matching only: NFKC, lower case, no white space."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


class Analyzer:
    """Splits text into index terms; the same instance serves documents and questions alike, from any thread."""

    def __init__(self, term_form: TermForm = "orthBase") -> None:
        import fugashi  # the C extension and dictionary load once, here

        self.term_form = term_form
        self._fugashi = fugashi
        # Taggers lent to one parse at a time, at most one per CPU: a tagger reuses one lattice for every parse
        # and fugashi reads a word's features from it lazily, so two threads must never share one while parsing;
        # and each tagger keeps the features of every word it has met (tens of MB after a few questions), so a
        # tagger per thread made a server with 16 busy threads hold a gigabyte. More parses at once than CPUs
        # would only take turns on them.
        self._slots = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
        self._idle: queue.SimpleQueue = queue.SimpleQueue()

    @contextmanager
    def _tagger(self) -> Iterator:
        """A MeCab tagger for this thread alone until it is given back; a new one costs about a millisecond, as
        the dictionary is memory-mapped once."""
        with self._slots:
            try:
                tagger = self._idle.get_nowait()
            except queue.Empty:
                tagger = self._fugashi.Tagger()
            try:
                yield tagger
            finally:
                self._idle.put(tagger)

    def tokens(self, text: str) -> list[Token]:
        """All content tokens of `text`, each with offsets into `text` itself."""
        norm, starts, ends = normalize_with_map(text)
        out: list[Token] = []
        line_start = 0
        with self._tagger() as tagger:
            for line in norm.split("\n"):
                self._analyze_line(tagger, line, line_start, text, (starts, ends), out)
                line_start += len(line) + 1
        return _mark_foreign_names(_merge_spelled_acronyms(out, text), text)

    def terms(self, text: str) -> list[str]:
        return [t.term for t in self.tokens(text)]

    def words(self, text: str) -> list[Word]:
        """Every word MeCab reads in `text` (taken as it is, not normalised), function words included, with its
        index term, part of speech and reading; offsets index `text`."""
        out: list[Word] = []
        pos = 0
        with self._tagger() as tagger:
            for word in tagger(text):
                found = text.find(word.surface, pos)
                if found < 0:
                    continue
                pos = found + len(word.surface)
                feature = word.feature
                base = feature.orthBase if self.term_form == "orthBase" else None
                out.append(Word(found, pos, (base or word.surface).lower(), feature.lemma, feature.pos1 or "",
                                feature.pos2 or "", feature.kana))
        return out

    def _analyze_line(
        self, tagger, line: str, base: int, text: str, spans: tuple[list[int], list[int]], out: list[Token]
    ) -> None:
        pos = 0
        for word in tagger(line):
            surface = word.surface
            found = line.find(surface, pos)
            if found < 0:  # MeCab never rewrites input, but stay safe rather than misplace offsets
                continue
            pos = found + len(surface)
            feature = word.feature
            pos1 = feature.pos1 or ""
            if pos1 in DROPPED_POS or feature.pos2 in DROPPED_POS2 or not surface.strip():
                continue
            base_form = feature.orthBase if self.term_form == "orthBase" else None
            term = (base_form or surface).lower()
            if term in STOP_TERMS:
                continue
            start, end = spans[0][base + found], spans[1][base + pos - 1]
            entity = _entity(feature)
            out.append(Token(term=term, start=start, end=end, surface=text[start:end], pos=pos1,
                             origin=_loanword_origin(feature.lemma), entity=entity,
                             country=entity == "place" and feature.pos4 == "国"))


@dataclass(frozen=True)
class Word:
    """One word as MeCab reads it: where it stands, its index term, its dictionary entry (くに: 国), its part of speech
    (two levels) and its reading in katakana (None where the dictionary has none, as for a Latin word)."""

    start: int
    end: int
    term: str
    lemma: str | None
    pos1: str
    pos2: str
    kana: str | None


def _entity(feature) -> str | None:
    if feature.pos2 == "数詞":
        return "number"
    if feature.pos2 == "固有名詞":
        return {"地名": "place", "人名": "person"}.get(feature.pos3)
    return None


_KATAKANA = re.compile(r"^[\u30a1-\u30faー]+$")
# Titles written right after a name (ルッテ事務総長, メルケル首相): the katakana word before one is a person.
_TITLES = ("事務総長", "首相", "大統領", "大臣", "長官", "議長", "外相", "国防相", "総理", "氏", "さん", "女史", "国王")


def _mark_foreign_names(tokens: list[Token], text: str) -> list[Token]:
    """Katakana names MeCab does not know as people: a word before a title, or parts joined by ・
    (マルク・ルッテ), unless a part is a known place (ボスニア・ヘルツェゴビナ)."""
    out = list(tokens)
    for i, tok in enumerate(out):
        if tok.entity or not _KATAKANA.match(tok.surface):
            continue
        before_title = text.startswith(_TITLES, tok.end)
        joined = [j for j in (i - 1, i + 1) if 0 <= j < len(out) and _KATAKANA.match(out[j].surface)
                  and text[min(tok.end, out[j].end):max(tok.start, out[j].start)] == "・"]
        if before_title or (joined and all(out[j].entity in (None, "person") for j in joined)):
            for j in [i, *joined]:
                if out[j].entity is None:
                    out[j] = replace(out[j], entity="person")
    return out


def _loanword_origin(lemma: str | None) -> str | None:
    """The English origin UniDic appends to loanword lemmas (`パートナー-partner` → `partner`)."""
    if not lemma or "-" not in lemma:
        return None
    tail = lemma.split("-", 1)[1]
    return tail.lower() if _ORIGIN.match(tail) else None


def _merge_spelled_acronyms(tokens: list[Token], text: str) -> list[Token]:
    """Join letters spelled out with single spaces (`N A T O`) into the word they spell."""
    out: list[Token] = []
    run: list[Token] = []

    def flush() -> None:
        if len(run) >= 2:
            first, last = run[0], run[-1]
            out.append(Token(term="".join(t.term for t in run), start=first.start, end=last.end,
                             surface=text[first.start:last.end], pos="名詞"))
        else:
            out.extend(run)
        run.clear()

    for tok in tokens:
        single = _LATIN_LETTER.match(unicodedata.normalize("NFKC", tok.surface)) is not None
        if single and run and text[run[-1].end:tok.start] in (" ", "\u3000"):
            run.append(tok)
            continue
        flush()
        if single:
            run.append(tok)
        else:
            out.append(tok)
    flush()
    return out


@lru_cache(maxsize=4)
def get_analyzer(term_form: TermForm = "orthBase") -> Analyzer:
    """A shared analyzer per term form: loading MeCab's dictionary is the slow part."""
    return Analyzer(term_form)
