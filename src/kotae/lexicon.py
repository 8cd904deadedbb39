"""An English→Japanese lexicon restricted to the corpus, and the translation of English questions through it.

Built at index time from JMdict/JMnedict glosses of words that occur in the corpus, the English origins
UniDic records on loanwords, and a consonant-skeleton match of English names against katakana words
(Stoltenberg ↔ ストルテンベルグ), so query time never opens a large dictionary.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from kotae.analyze import Analyzer
from kotae.jmdict import Entry, JMdictUnavailable, entries_for_forms
from kotae.types import Document

MAX_CANDIDATES = 8
INFLECTION_PENALTY = 5.0  # rank points, see gloss_rank
DERIVATION_PENALTY = 15.0
PARTIAL_PENALTY = 30.0
WEIGHT_DECAY = 0.5  # each candidate weighs this much of the one before it (see candidate_weight)
MAX_PHRASE = 4
MAX_NGRAM = 4
STOPWORDS = frozenset([
    "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "from", "with", "about", "as", "into", "than",
    "then", "and", "or", "but", "not", "no", "nor", "so", "if", "is", "are", "was", "were", "be", "been", "being",
    "am", "do", "does", "did", "doing", "have", "has", "had", "having", "what", "which", "who", "whom", "whose",
    "when", "where", "why", "how", "this", "that", "these", "those", "there", "here", "it", "its", "they", "them",
    "their", "he", "him", "his", "she", "her", "we", "our", "us", "you", "your", "i", "me", "my", "can", "could",
    "will", "would", "shall", "should", "may", "might", "must", "also", "any", "some", "all", "each", "other",
    "such", "very", "more", "most", "much", "many", "tell", "please", "know", "ever", "just",
])
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_PAREN = re.compile(r"\([^)]*\)|\[[^]]*\]")
_KATAKANA_WORD = re.compile(r"^[\u30a0-\u30ffー・]+$")
# British spellings folded to American on both sides, so defence and defense meet.
_SPELLING = ((re.compile(r"(?<=[a-z]{3})isation$"), "ization"), (re.compile(r"(?<=[a-z]{3})is(e|ed|es|ing)$"), r"iz\1"),
             (re.compile(r"(?<=[a-z]{3})our$"), "or"), (re.compile(r"(?<=[a-z]{2})tre$"), "ter"),
             (re.compile(r"(?<=[a-z]{3})ogue$"), "og"),
             (re.compile(r"^programme$"), "program"))
_FOLD_EXCEPTIONS = frozenset({"four", "hour", "your", "tour", "pour", "sour", "flour", "exercise", "enterprise",
                              "promise", "precise", "otherwise", "expertise", "compromise", "surprise", "advise",
                              "franchise", "concise", "premise", "merchandise", "comprise", "revise", "supervise",
                              "televise", "improvise", "devise", "despise", "excise", "chastise", "incise"})
_FOLD_STEMS = frozenset(w.removesuffix("e") for w in _FOLD_EXCEPTIONS)  # revised, revising
# Only these -ence words have an American -ense spelling; every other -ence word is left alone.
_ENCE_WORDS = frozenset({"defence", "offence", "licence", "pretence"})


def fold(word: str) -> str:
    """Case, accents, hyphens and British spelling folded away: the form lexicon keys are compared in."""
    word = unicodedata.normalize("NFKD", word.lower())
    word = "".join(c for c in word if not unicodedata.combining(c))
    if word in _ENCE_WORDS:
        return word[:-3] + "nse"
    if word.endswith("ence") or word in _FOLD_EXCEPTIONS or word.rstrip("ds").removesuffix("e") in _FOLD_STEMS \
            or word.endswith("ing") and word[:-3] in _FOLD_STEMS:
        return word
    for pattern, repl in _SPELLING:
        word = pattern.sub(repl, word)
    return word


def english_words(text: str) -> list[str]:
    """Folded English words of a text, hyphenated compounds split into their parts."""
    text = unicodedata.normalize("NFKC", text).lower().replace("-", " ").replace("’", "'")
    return [fold(w.removesuffix("'s")) for w in _WORD.findall(text)]


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


def lemmas(word: str) -> list[str]:
    """The word and the base forms it may inflect from (held → hold, countries → country), most likely first.

    lemminflect knows irregular forms; the suffix rules cover words it has never seen.
    """
    out = [word]
    try:
        import lemminflect

        known = lemminflect.getAllLemmas(word)
    except ImportError:  # pragma: no cover - a declared dependency
        known = {}
    for pos in ("VERB", "NOUN", "ADJ", "ADV"):
        out += [fold(w) for w in known.get(pos, ())]
    if len(word) > 3:
        if word.endswith("ies"):
            out.append(word[:-3] + "y")
        if word.endswith("es"):
            out.append(word[:-2])
        if word.endswith("s") and not word.endswith("ss"):
            out.append(word[:-1])
        for suffix in ("ed", "ing"):
            if word.endswith(suffix):
                stem = word[: -len(suffix)]
                out += [stem, stem + "e"]
                if len(stem) > 2 and stem[-1] == stem[-2]:
                    out.append(stem[:-1])
                if suffix == "ed" and stem.endswith("i"):
                    out.append(stem[:-1] + "y")
    return list(dict.fromkeys(out))


# Nouns English makes from verbs, the way JMdict glosses Japanese verbal nouns (調印 signing, 署名 signature,
# 改訂 revision, 設立 establishment), and the nouns behind adjectives (European → Europe, political → politics).
_VERB_NOUNS = (("", "ing"), ("", "ion"), ("e", "ion"), ("", "ation"), ("e", "ation"), ("", "ment"), ("", "ature"),
               ("e", "al"), ("", "al"), ("", "ance"), ("", "ence"), ("", "s"))
_ADJECTIVE_NOUNS = (("ean", "e"), ("ian", "ia"), ("ian", "e"), ("an", "a"), ("ese", "a"), ("ese", ""), ("ish", ""),
                     ("al", ""), ("al", "s"), ("ic", "y"), ("ical", "y"))


@lru_cache(maxsize=65536)
def word_forms(word: str) -> tuple[tuple[str, float], ...]:
    """The forms a word is looked up under, with the rank penalty of each: as written, its base forms, the
    nouns those make. Remembered per word (English words recur across questions, and lemmatising is most of
    a lookup's cost)."""
    bases = lemmas(word)
    forms = {word: 0.0}
    for base in bases[1:]:
        forms.setdefault(base, INFLECTION_PENALTY)
    for base in bases:
        for noun in derived(base):
            forms.setdefault(noun, DERIVATION_PENALTY)
    return tuple(forms.items())


def derived(base: str) -> list[str]:
    """Nouns and place names a base form may stand for, when the dictionary glosses those instead."""
    out = []
    for drop, add in _VERB_NOUNS:
        if base.endswith(drop) and len(base) > 2:
            out.append(base[: len(base) - len(drop)] + add)
    for suffix, repl in _ADJECTIVE_NOUNS:
        if base.endswith(suffix) and len(base) > len(suffix) + 2:
            out.append(base[: -len(suffix)] + repl)
    return [w for w in dict.fromkeys(out) if w != base]


# Consonant skeletons of katakana and of English spellings, for names no dictionary has.
_KANA_CONSONANT = {}
for _row, _c in (("カキクケコ", "k"), ("ガギグゲゴ", "g"), ("サシスセソ", "s"), ("ザジズゼゾ", "z"),
                 ("タチツテト", "t"), ("ダヂヅデド", "d"), ("ナニヌネノ", "n"), ("ハヒヘホ", ""), ("フ", "f"),
                 ("バビブベボヴ", "b"),
                 ("パピプペポ", "p"), ("マミムメモ", "m"), ("ラリルレロ", "r"), ("ン", "n")):
    for _k in _row:
        _KANA_CONSONANT[_k] = _c
_EN_SKELETON = ((re.compile(r"ph"), "f"), (re.compile(r"ck|q|c(?=[aoukrlt]|$)"), "k"), (re.compile(r"c"), "s"),
                (re.compile(r"x"), "ks"), (re.compile(r"l"), "r"), (re.compile(r"v"), "b"), (re.compile(r"j"), "z"),
                (re.compile(r"[aeiouyhw]"), ""), (re.compile(r"(.)\1+"), r"\1"))


def kana_skeleton(word: str) -> str:
    skeleton = "".join(_KANA_CONSONANT.get(ch, "") for ch in word)
    return re.sub(r"(.)\1+", r"\1", skeleton)


def english_skeleton(word: str) -> str:
    for pattern, repl in _EN_SKELETON:
        word = pattern.sub(repl, word)
    return word


@dataclass(frozen=True)
class Candidate:
    """One Japanese rendering of an English key: its index terms and how it was found."""

    ja: str
    terms: tuple[str, ...]
    source: str  # "jmdict", "jmnedict", "loanword" or "sound"
    rank: float  # higher is better


@dataclass(frozen=True)
class Lexicon:
    """English keys (folded, up to four words) → Japanese index terms, plus katakana sound skeletons."""

    entries: dict[str, tuple[Candidate, ...]]
    skeletons: dict[str, tuple[str, ...]]

    def to_json(self) -> dict:
        return {
            "entries": {k: [{"ja": c.ja, "terms": list(c.terms), "source": c.source, "rank": c.rank} for c in v]
                        for k, v in sorted(self.entries.items())},
            "skeletons": {k: list(v) for k, v in sorted(self.skeletons.items())},
        }

    @classmethod
    def from_json(cls, data: dict) -> Lexicon:
        entries = {k: tuple(Candidate(c["ja"], tuple(c["terms"]), c["source"], c["rank"]) for c in v)
                   for k, v in data.get("entries", {}).items()}
        return cls(entries=entries, skeletons={k: tuple(v) for k, v in data.get("skeletons", {}).items()})

    def lookup(self, words: Sequence[str]) -> tuple[Candidate, ...]:
        """Candidates for a phrase, best first: its own key, the base forms of its last word, then their nouns.

        A base form ranks a little below the word as written, a derived noun (signed → signature) further.
        """
        *head, last = words
        best: dict[tuple[str, ...], Candidate] = {}
        for form, penalty in word_forms(last):
            for cand in self.entries.get(" ".join([*head, form]), ()):
                rank = cand.rank - penalty
                if cand.terms not in best or rank > best[cand.terms].rank:
                    best[cand.terms] = Candidate(cand.ja, cand.terms, cand.source, rank)
        ranked = sorted(best.values(), key=lambda c: (-c.rank, c.ja))
        return tuple(ranked[:MAX_CANDIDATES])

    def sounds_like(self, word: str) -> tuple[str, ...]:
        skeleton = english_skeleton(word)
        return self.skeletons.get(skeleton, ()) if len(skeleton) >= 3 else ()


@dataclass(frozen=True)
class Translation:
    """One English source word or phrase and its Japanese candidates, each a run of index terms, weighted."""

    source: str
    candidates: tuple[tuple[str, ...], ...]
    weights: tuple[float, ...]

    @property
    def group(self) -> list[tuple[tuple[str, ...], float]]:
        return list(zip(self.candidates, self.weights))

    def to_json(self) -> dict:
        return {"en": self.source, "ja": ["".join(c) for c in self.candidates]}


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def written_out(word: str) -> tuple[tuple[str, ...], ...]:
    """Month names and small numbers as Japanese documents write them (April → 4 月, nine → 9)."""
    if word in _MONTHS:
        return ((str(_MONTHS.index(word) + 1), "月"),)
    if word in _NUMBERS:
        return ((str(_NUMBERS.index(word) + 1),),)
    return ()


def candidate_weight(position: int) -> float:
    """How likely the candidate at a position (best first) is the word meant: halved at every step."""
    return WEIGHT_DECAY**position


def translate(words: Sequence[str], lexicon: Lexicon, vocab: dict[str, int]) -> tuple[list[Translation], list[str]]:
    """English words → translations (phrases first, longest match) and the words nothing matched."""
    out: list[Translation] = []
    unknown: list[str] = []
    i = 0
    while i < len(words):
        if words[i] in STOPWORDS:
            i += 1
            continue
        for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            phrase = words[i:i + n]
            if n > 1 and (phrase[0] in STOPWORDS or phrase[-1] in STOPWORDS):
                continue
            candidates = lexicon.lookup(phrase)
            direct = [(phrase[0],)] if n == 1 and phrase[0] in vocab else []
            sounds = [(t,) for t in lexicon.sounds_like(phrase[0])] if n == 1 and not candidates else []
            spelled = [r for r in written_out(phrase[0]) if all(t in vocab for t in r)] if n == 1 else []
            runs = tuple(dict.fromkeys([*spelled, *direct, *(c.terms for c in candidates), *sounds]))
            if runs:
                weights = tuple(candidate_weight(k) for k in range(len(runs)))
                out.append(Translation(" ".join(phrase), runs, weights))
                i += n
                break
        else:
            unknown.append(words[i])
            i += 1
    return out, unknown


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
                  dictionary: bool = True) -> tuple[Lexicon, list[str]]:
    """The lexicon for a corpus, and notes for the user (a missing dictionary)."""
    notes: list[str] = []
    forms: set[str] = set()
    found: dict[str, dict[tuple[str, ...], Candidate]] = defaultdict(dict)
    skeletons: dict[str, set[str]] = defaultdict(set)

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
            if _KATAKANA_WORD.match(tok.term) and len(tok.term) >= 2:
                skeletons[kana_skeleton(tok.term)].add(tok.term)

    if dictionary:
        try:
            entries = entries_for_forms(forms)
        except JMdictUnavailable as exc:
            entries = []
            notes.append(f"{exc} English questions will match loanwords and names only.")
        for entry in entries:
            matched = [f for f in entry.forms if f in forms]
            for form in matched[:1]:
                terms = tuple(analyzer.terms(form))
                for sense_no, glosses in enumerate(entry.senses):
                    for gloss_no, gloss in enumerate(glosses):
                        key, rank = gloss_key(gloss), gloss_rank(entry, sense_no, gloss_no)
                        add(key, Candidate(form, terms, entry.source, rank))
                        for word in partial_keys(key):
                            add(word, Candidate(form, terms, entry.source, rank - PARTIAL_PENALTY))

    entries_out = {}
    for key, cands in found.items():
        ranked = sorted(cands.values(), key=lambda c: (-c.rank, c.ja))
        if any(c.source != "jmnedict" for c in ranked):  # a common word is not also a place name
            ranked = [c for c in ranked if c.source != "jmnedict"]
        entries_out[key] = tuple(ranked[:MAX_CANDIDATES])
    sound = {k: tuple(sorted(v)) for k, v in skeletons.items() if len(k) >= 3}
    return Lexicon(entries=entries_out, skeletons=sound), notes
