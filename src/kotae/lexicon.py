"""The English→Japanese lexicon of a corpus, from JMdict/JMnedict glosses, UniDic loanword origins and sound keys."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path

from kotae.acronyms import find_acronyms
from kotae.analyze import Analyzer
from kotae.compounds import leftover
from kotae.english import (
    COUNTRY_WORDS,
    NUMBER_WORDS,
    STOPWORDS,
    SYNONYM_PENALTY,
    english_words,
    is_english_word,
    word_forms,
    written_out,
)
from kotae.jmdict import Entry, JMdictUnavailable, entries_for_forms
from kotae.katakana import LIKENESS, english_skeleton, is_katakana, kana_skeleton, sounds_alike, spelling_variants
from kotae.spelling import Speller
from kotae.supplement import bundled, digest
from kotae.types import Document

# What the lexicon's building is: bumped when a change to it changes what a lexicon holds (the words learnt from
# compounds, the ヴ spellings, the English words no gloss key ends with), so that an index built before is stale, as it
# is when the bundled supplement changes.
RULES = 4
MAX_CANDIDATES = 8
LOOKUPS_REMEMBERED = 65_536  # phrases whose candidates a lexicon remembers (see Lexicon.lookup)
PARTIAL_PENALTY = 30.0
SUPPLEMENT_RANK = 0.0  # a supplement's rendering of English the dictionary has none for: a first sense's
COMPOUND_PENALTY = 25.0  # a word learnt from a compound's gloss (see kotae.compounds), above a partial gloss
OFFICE_PENALTY = 1.0  # a gloss's field-first form ("foreign minister"), just below the glosses written so
_NUMERAL_KANJI = frozenset("〇一二三四五六七八九十百千万億兆")  # see Lexicon.candidates
MAX_PHRASE = 4
MAX_NGRAM = 4
_PAREN = re.compile(r"\([^)]*\)|\[[^]]*\]")


@cache
def rules() -> str:
    """What an index records of how its lexicon was built: `RULES` and the bundled supplement's content."""
    return f"{RULES}:{digest(bundled())}"


def gloss_key(gloss: str) -> str | None:
    """A JMdict gloss as a lexicon key: no parentheses, no stop words at either end, at most four words.

    Questions are matched phrase by phrase without stop words at the ends, so "for the first time" (初めて)
    is kept as "first time".
    """
    text = _PAREN.sub(" ", gloss)
    words = english_words(text)
    while words and words[0] in STOPWORDS:
        words = words[1:]
    while words and words[-1] in STOPWORDS:
        words = words[:-1]
    if not words or len(words) > MAX_PHRASE:
        return None
    return " ".join(words)


@dataclass(frozen=True)
class Candidate:
    """One Japanese rendering of an English key: its index terms and how it was found."""

    ja: str
    terms: tuple[str, ...]
    source: str  # "jmdict", "jmnedict", "loanword", "compound", "supplement" or "sound"
    rank: float  # higher is better


@dataclass(frozen=True)
class Lexicon:
    """English keys (folded, up to four words) → Japanese index terms, plus katakana sound skeletons."""

    entries: dict[str, tuple[Candidate, ...]]
    skeletons: dict[str, tuple[str, ...]]
    # Acronyms the documents define (ipcp) → the index terms of the names written out (see kotae.acronyms).
    acronyms: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "entries": {k: [{"ja": c.ja, "terms": list(c.terms), "source": c.source, "rank": c.rank} for c in v]
                        for k, v in sorted(self.entries.items())},
            "skeletons": {k: list(v) for k, v in sorted(self.skeletons.items())},
            "acronyms": {k: [list(form) for form in v] for k, v in sorted(self.acronyms.items())},
        }

    @classmethod
    def from_json(cls, data: dict) -> Lexicon:
        entries = {k: tuple(Candidate(c["ja"], tuple(c["terms"]), c["source"], c["rank"]) for c in v)
                   for k, v in data.get("entries", {}).items()}
        acronyms = {k: tuple(tuple(form) for form in v) for k, v in data.get("acronyms", {}).items()}
        return cls(entries=entries, skeletons={k: tuple(v) for k, v in data.get("skeletons", {}).items()},
                   acronyms=acronyms)

    @cached_property
    def speller(self) -> Speller:
        """Corrects a single misspelt English word to one of the lexicon's single-word keys."""
        return Speller(k for k in self.entries if " " not in k)

    def lookup(self, words: Sequence[str]) -> tuple[Candidate, ...]:
        """`candidates` of a phrase, remembered: a question's words are looked up for its passages, its sentences and
        its short answer alike, and the same words come back in the next question."""
        return self._remembered(tuple(words))

    @cached_property
    def _remembered(self) -> Callable[[tuple[str, ...]], tuple[Candidate, ...]]:
        return lru_cache(maxsize=LOOKUPS_REMEMBERED)(self.candidates)

    def candidates(self, words: Sequence[str]) -> tuple[Candidate, ...]:
        """Candidates for a phrase, best first: its own key, the base forms of its last word, then their nouns;
        in a phrase of several words, the forms of its first word too, as phrasal verbs are glossed ("set up"
        finds 開設, glossed "setting up").

        A base form ranks a little below the word as written, a derived noun (signed → signature) further.
        """
        *head, last = words
        leads = [([first, *head[1:]], penalty) for first, penalty in word_forms(head[0])] if head else [([], 0.0)]
        synonyms = COUNTRY_WORDS.get(last, ()) if head else ()  # member countries → member nations
        lasts = [*word_forms(last), *((form, penalty + SYNONYM_PENALTY) for synonym in synonyms
                                      for form, penalty in word_forms(synonym))]
        # A lone numeral kanji (兆, 万, 一) stands in the documents inside numbers (約1兆840億ユーロ), so it translates
        # only number words: "signed" reaches 兆 through its sense "sign, omen", "totally" 万 (万全), "first" 一.
        numerals = set(words) <= NUMBER_WORDS
        best: dict[tuple[str, ...], Candidate] = {}
        for lead, first_penalty in leads:
            for form, penalty in lasts:
                for cand in self.entries.get(" ".join([*lead, form]), ()):
                    if not numerals and len(cand.terms) == 1 and set(cand.terms[0]) <= _NUMERAL_KANJI:
                        continue
                    rank = cand.rank - penalty - first_penalty
                    if cand.terms not in best or rank > best[cand.terms].rank:
                        best[cand.terms] = Candidate(cand.ja, cand.terms, cand.source, rank)
        ranked = sorted(best.values(), key=lambda c: (-c.rank, c.ja))
        return tuple(ranked[:MAX_CANDIDATES])

    def sounds_like(self, word: str) -> tuple[str, ...]:
        skeleton = english_skeleton(word)
        if len(skeleton) == 3:  # vowels must agree a little: piracy is not プレス
            return tuple(kana for kana in self.skeletons.get(skeleton, ()) if sounds_alike(word, kana, LIKENESS))
        if len(skeleton) > 3:
            return self.skeletons.get(skeleton, ())
        if len(skeleton) == 2 and _may_be_name(word):  # a short name (Rutte, Riga): its vowels must agree too
            return tuple(kana for kana in self.skeletons.get(skeleton, ()) if sounds_alike(word, kana))
        return ()


def _may_be_name(word: str) -> bool:
    """Whether a word may be a name: not an English word, function word or number (many, for, four)."""
    return word not in STOPWORDS and not is_english_word(word) and not written_out(word)


# An office named after its field ("minister for foreign affairs", "ministry of defense"), which English also
# writes field first ("foreign minister", "defense ministry").
_OFFICE_OF = re.compile(r"(minister|ministry|secretary|department|agency|office) (?:of|for) (?:the )?"
                        r"(.+?)(?: affairs)?")


def office_keys(key: str | None) -> list[str]:
    """The field-first names of an office's gloss: "minister for foreign affairs" → "foreign minister" and "foreign
    affairs minister"."""
    m = _OFFICE_OF.fullmatch(key or "")
    if not m or len(m.group(2).split()) > 2:
        return []
    head, field = m.group(1), m.group(2)
    return list(dict.fromkeys([f"{field} {head}", *([f"{field} affairs {head}"] if key.endswith("affairs") else [])]))


def partial_keys(key: str | None) -> list[str]:
    """The content words of a phrase gloss, so "summit" reaches 首脳会合 (summit meeting)."""
    words = key.split() if key else []
    return [w for w in words if w not in STOPWORDS and len(w) > 2] if len(words) > 1 else []


def gloss_rank(entry: Entry, sense_no: int, gloss_no: int) -> float:
    """How surely a gloss names a word: its sense comes first, its place in the sense next, and JMdict's
    frequency markers (at most about 150, so at most 3 points here) only break near ties. Names rank below
    every common word."""
    return -20.0 * sense_no - 2.0 * gloss_no + entry.priority / 50 - (200.0 if entry.source == "jmnedict" else 0.0)


def build_lexicon(docs: Iterable[Document], analyzer: Analyzer, vocab: dict[str, int], *,
                  dictionary: bool = True, cache_dir: Path | None = None,
                  supplement: Sequence[tuple[str, str]] = ()) -> tuple[Lexicon, list[str]]:
    """The lexicon for a corpus, and notes for the user (a missing dictionary); `supplement` holds (English,
    Japanese) pairs the dictionary lacks (see kotae.supplement), each ranked just below the dictionary's first
    rendering of its English, or alone."""
    # Built at index time and restricted to the corpus, so query time never opens a large dictionary.
    docs = list(docs)
    notes: list[str] = []
    forms: set[str] = set()
    found: dict[str, dict[tuple[str, ...], Candidate]] = defaultdict(dict)
    skeletons: dict[str, set[str]] = defaultdict(set)

    direct: dict[str, set[tuple[str, ...]]] = defaultdict(set)  # what glosses say outright, for compounds
    compounds: list[tuple[str, tuple[str, ...], float]] = []  # (gloss key, terms, rank): see kotae.compounds

    def add(key: str | None, cand: Candidate) -> None:
        if key and cand.terms and all(t in vocab for t in cand.terms):
            best = found[key].get(cand.terms)
            if best is None or cand.rank > best.rank:
                found[key][cand.terms] = cand

    for doc in docs:
        tokens = analyzer.tokens(doc.text)
        for i, tok in enumerate(tokens):
            forms.add(tok.term)
            for n in range(1, MAX_NGRAM + 1):
                span = tokens[i:i + n]
                if len(span) == n and all(a.end == b.start for a, b in zip(span, span[1:])):
                    forms.add(unicodedata.normalize("NFKC", doc.text[span[0].start:span[-1].end]))
            if tok.origin:
                add(gloss_key(tok.origin), Candidate(tok.term, (tok.term,), "loanword", 1000.0))
            if is_katakana(tok.term) and len(tok.term) >= 2:
                skeletons[kana_skeleton(tok.term)].add(tok.term)

    if dictionary:
        # A katakana word the dictionary may file under another spelling (ヴィースバーデン as ウィースバーデン).
        spelt = {v: f for f in forms if is_katakana(f) for v in spelling_variants(f) if v not in forms}
        try:
            entries = entries_for_forms(forms | set(spelt), cache_dir=cache_dir)
        except JMdictUnavailable as exc:
            entries = []
            notes.append(f"{exc} English questions will match loanwords and names only.")
        for entry in entries:
            matched = [f for f in entry.forms if f in forms] or [spelt[f] for f in entry.forms if f in spelt]
            for form in matched[:1]:
                terms = tuple(analyzer.terms(form))
                for sense_no, glosses in enumerate(entry.senses):
                    for gloss_no, gloss in enumerate(glosses):
                        key, rank = gloss_key(gloss), gloss_rank(entry, sense_no, gloss_no)
                        add(key, Candidate(form, terms, entry.source, rank))
                        if key and entry.source == "jmdict":
                            direct[key].add(terms)
                            if " " in key and len(terms) > 1:  # a compound's gloss of several words
                                compounds.append((key, terms, rank))
                        for other in office_keys(key):
                            add(other, Candidate(form, terms, entry.source, rank - OFFICE_PENALTY))
                        for word in partial_keys(key):
                            add(word, Candidate(form, terms, entry.source, rank - PARTIAL_PENALTY))

        # Only for words no gloss gives outright: where one does, a part of a compound is a second, weaker reading
        # (summit is サミット and 首脳会合; 首脳 alone would count the leaders of "the partner leaders at the summit"
        # twice).
        for key, terms, rank in compounds:
            learnt = leftover(key.split(), terms, direct)
            if learnt is not None and not any(form in direct for form, _ in word_forms(learnt[0])):
                add(learnt[0], Candidate("".join(learnt[1]), learnt[1], "compound", rank - COMPOUND_PENALTY))

    for english, japanese in supplement:
        key, terms = gloss_key(english), tuple(analyzer.terms(japanese))
        if key:
            first = max((c.rank for c in found.get(key, {}).values()), default=None)
            add(key, Candidate(japanese, terms, "supplement", SUPPLEMENT_RANK if first is None else first - 0.1))

    entries_out = {}
    for key, cands in found.items():
        ranked = sorted(cands.values(), key=lambda c: (-c.rank, c.ja))
        if any(c.source != "jmnedict" for c in ranked):  # a common word is not also a place name
            ranked = [c for c in ranked if c.source != "jmnedict"]
        entries_out[key] = tuple(ranked[:MAX_CANDIDATES])
    sound = {k: tuple(sorted(v)) for k, v in skeletons.items() if len(k) >= 2}
    return Lexicon(entries=entries_out, skeletons=sound, acronyms=find_acronyms(docs, analyzer, vocab)), notes
