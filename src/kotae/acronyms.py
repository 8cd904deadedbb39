"""Acronyms a corpus defines, as official documents do (国別パートナーシップ協力計画(IPCP)), so that a question
asking about IPCP also finds the passages that only write the name out."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from kotae.analyze import Analyzer
from kotae.english import STOPWORDS
from kotae.types import Document

MAX_FORMS = 3  # long forms kept per acronym, the most frequent first
MAX_LONG = 30  # characters of a long form, read backwards from its parenthesis
# An acronym in parentheses right after what it stands for: two or more capitals, maybe lower case or digits inside
# (PfP, IP4), in half- or full-width brackets (NFKC makes both half-width).
_DEFINED = re.compile(r"\((?=[A-Z])([A-Za-z0-9]{2,10})\)")
_LATIN_NAME = re.compile(r"(?:[A-Za-z][A-Za-z'-]*\s){0,5}[A-Za-z][A-Za-z'-]*\s*$")
# Where a written-out name begins, read backwards: space, punctuation, brackets, list marks, or hiragana (the
# particles around a name: 日本は…協力計画(IPCP)).
_BOUNDARY = re.compile(r"[\s、。，,「」『』【】()（）:：;；●○■□◆◇※=＝/／\u3040-\u309f]")
# Particles that join the words of one Japanese name (平和のためのパートナーシップ(PfP), 確固たる支援任務(RSM)),
# longest first; a name is read back across one only while it has fewer words than the acronym has capitals, and
# only from a word in kanji or katakana (NATOのアフガニスタン国軍(ANA) is not NATO's). Not と, which joins
# the items of lists as often as the words of a name (日本、韓国とニュージーランド(NZ)).
_JOINERS_JA = ("のための", "たる", "の")
_JAPANESE_WORD = re.compile(r"[\u30a0-\u30ff\u4e00-\u9fff\u3005]")


def long_form(text: str, end: int) -> str:
    """The name written out just before position `end` (an opening parenthesis): English words, or the run of
    kanji, katakana and Latin letters back to the nearest boundary, at most MAX_LONG characters."""
    before = text[max(0, end - MAX_LONG):end]
    latin = _LATIN_NAME.search(before)
    if latin:
        return latin.group().strip()
    start = len(before)
    while start > 0 and not _BOUNDARY.match(before[start - 1]):
        start -= 1
    return before[start:].strip()


def joined_form(text: str, end: int, acronym: str, analyzer: Analyzer) -> str:
    """`long_form`, read further back across the particles inside a Japanese name (see _JOINERS_JA) while it has
    fewer words than `acronym` has capitals."""
    form = long_form(text, end)
    capitals = sum(c.isupper() for c in acronym)
    start = text.rfind(form, 0, end) if form else -1
    while start > 0 and len(analyzer.terms(form)) < capitals:
        joiner = next((j for j in _JOINERS_JA if text.startswith(j, start - len(j))), None)
        if joiner is None or not _JAPANESE_WORD.match(text[start - len(joiner) - 1:start - len(joiner)] or " "):
            break
        before = long_form(text, start - len(joiner))
        if not before or not _JAPANESE_WORD.match(before[-1]):
            break
        form, start = before + joiner + form, start - len(joiner) - len(before)
    return form


def find_acronyms(docs: Iterable[Document], analyzer: Analyzer, vocab: Mapping[str, int]
                  ) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Each acronym the documents define (as its index term: ipcp) → the index terms of the names it stands for,
    most often written first. A name of the acronym's own letters only (NATO(NATO)) says nothing and is left out."""
    found: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
    for doc in docs:
        text = unicodedata.normalize("NFKC", doc.text)
        for m in _DEFINED.finditer(text):
            acronym = analyzer.terms(m.group(1))
            if len(acronym) != 1:
                continue
            terms = tuple(t for t in analyzer.terms(joined_form(text, m.start(), m.group(1), analyzer))
                          if t != acronym[0])
            if terms and all(t in vocab for t in terms):
                found[acronym[0]][terms] += 1
    return {acronym: tuple(terms for terms, _ in forms.most_common(MAX_FORMS)) for acronym, forms in found.items()}


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’]*")  # numbers too: they end a name
_JOINERS = frozenset({"for", "of", "and", "the", "on", "in", "to", "de"})  # lower-case words inside a name


def named_acronyms(question: str, acronyms: Mapping[str, object]) -> list[str]:
    """The defined acronyms (as index terms) whose names an English question writes out in capitals: "Partnership
    for Peace" → pfp, "NATO–Russia Council" → nrc, "Operation Ocean Shield" → oos, so that the question also finds
    the passages that use the acronym or its Japanese name. Initials are read from every word of a run of
    capitalised words and from its capitalised ones only (Individual Partnership and Cooperation Programme → ipcp);
    a run may be longer than the name (the Japan–NATO Individually Tailored Partnership Programme → itpp).
    A question typed in lower case ("how many countries are in NATO partnership for peace") capitalises no name:
    there, every word but a joiner or a stop word may be one, and only initials of three words or more count."""
    words = _WORD.findall(question)
    lower_case = not any(w[0].isupper() and not w.isupper() for w in words[1:])  # acronyms aside (NATO)

    def named(word: str) -> bool:  # may begin or end a name
        if not lower_case:
            return word[0].isupper()
        return word.isalpha() and word.lower() not in _JOINERS and word.lower() not in STOPWORDS

    found: list[str] = []
    start = 0
    while start < len(words):
        if not named(words[start]):
            start += 1
            continue
        end = start + 1  # the run: capitalised words and the joiners between them
        while end < len(words) and (named(words[end]) or words[end].lower() in _JOINERS):
            end += 1
        run = words[start:end]
        while run and not named(run[-1]):
            run.pop()
        for i in range(len(run)):
            for j in range(i + 2, len(run) + 1):
                part = run[i:j]
                if not (named(part[0]) and named(part[-1])):
                    continue
                every = "".join(w[0] for w in part)
                capitals = "".join(w[0] for w in part if named(w))
                # Two capitals left by leaving a joiner out match too much by chance (Ministry of Defense → MD),
                # and so do two lower-case words.
                for initials, least in ((every, 3 if lower_case else 2),
                                        (capitals, 2 if capitals == every and not lower_case else 3)):
                    key = initials.lower()
                    if len(key) >= least and key in acronyms and key not in found:
                        found.append(key)
        start = end
    return found
