"""The document a question names as where it read something: "according to the April 2025 article", "in the 2023
news report on Kishida", "the Norwegian embassy's page", 外務省の資料によると, 中谷防衛相の会談の記事では.

Such a question says which document holds its answer, and its other words may fit passages of another document
better (a timeline row naming the same people and month). The words of the reference are matched against what each
document says of itself: its title and who issued it (`Document.byline`), its opening lines (a news item's lead
names who met whom) and its date. A word that every document shares (NATO) tells none apart, one that only one has
(2023, ニュース, 岸田) counts most. Only a document that alone matches best is named.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from kotae.english import SOURCE_NOUNS
from kotae.query import Query
from kotae.relative_dates import written_month, written_year
from kotae.render_en import MONTHS
from kotae.types import Document

LEAD = 300  # characters of a document's opening read as what it says of itself

# Nouns for a text a question read. A number after one makes it a part of what it is about (Article 5). Words that
# name what the documents are about as often as where they were read (document, plan, statement) are not here.
_NOUN_EN = rf"(?:{SOURCE_NOUNS}|web\s*page|website|site|leaflet)s?\b(?!\s*\d)"
_WORD = r"[\w'’.-]+"
# A word that can qualify the noun (the 2023 news report, the ministry's slides): no article, preposition or verb
# of the question around it ("the ITPP mentioned in the article": only what follows "in the").
_QUALIFIER = (r"(?!(?:the|a|an|this|that|in|on|of|at|to|for|from|by|with|about|according|mentioned|said|described|"
              r"is|are|was|were|what|which|who|when|where|how|why|did|does|do)\b)" + _WORD)
_TAIL = rf"((?:\s+(?:on|about)(?:\s+{_WORD}){{1,5}})?)"  # the article on Nakatani's meeting with Rutte
_REFERENCE_EN = re.compile(
    rf"\b(?:according\s+to|in|from|per|by|as)\s+(?:the|this|that|an?|its|their)\s+((?:{_QUALIFIER}\s+){{0,6}}?)"
    rf"{_NOUN_EN}{_TAIL}|\b(?:the|this|that)\s+((?:{_QUALIFIER}\s+){{0,6}}?){_NOUN_EN}{_TAIL}", re.I)
_NOUN_JA = r"(?:記事|資料|報告書?|概要|ページ|ウェブサイト|サイト|報道|ニュース|スライド)"
_REFERENCE_JA = re.compile(rf"([^\s、。,?!「」『』]{{0,24}}?)の?{_NOUN_JA}(?:によると|によれば|では|で|に|から|は|の)"
                           r"|([^\s、。,?!「」『』]{1,16}?)(?:によると|によれば)")
_NOUN_ALONE = re.compile(rf"{_NOUN_JA}|\b{_NOUN_EN}", re.I)
_CLAUSE_END = re.compile(r"[,、。?!:;]")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_MONTH = re.compile(rf"(?<!\d)(1[0-2]|0?[1-9])\s*月|\b({'|'.join(MONTHS)})\b", re.I)
# A compound of kanji or katakana, matched whole as well as by its terms: 協力計画 is the plan's title, where the
# news item's lead only says 協力 and 計画 apart.
_COMPOUND = re.compile(r"[\u4e00-\u9fff\u30a0-\u30ff]{3,}")
_HIRAGANA_ONLY = re.compile(r"^[\u3040-\u309f]+$")


@dataclass(frozen=True)
class Sources:
    """What each document says of itself: index terms and the year and month it is dated; built once per index."""

    cues: Mapping[str, frozenset[str]]
    texts: Mapping[str, str]  # the same, as written (NFKC): a compound of the reference is looked for whole
    dates: Mapping[str, tuple[int | None, int | None]]

    @classmethod
    def of(cls, documents: Mapping[str, Document], terms: Callable[[str], Sequence[str]]) -> Sources:
        cues, texts, dates = {}, {}, {}
        for doc_id, doc in documents.items():
            texts[doc_id] = unicodedata.normalize("NFKC", f"{doc.byline}\n{doc.text[:LEAD]}")
            cues[doc_id] = frozenset(t for t in terms(texts[doc_id]) if not t.isdigit())
            month = written_month(doc.meta)
            dates[doc_id] = month if month else (written_year(doc.meta), None)
        return cls(cues, texts, dates)

    def named(self, question: str, query_of: Callable[[str], Query]) -> str | None:
        """The one document the question names as its source, or None. `query_of` makes the reference's words into
        a query (English words translated), whose terms and translations are matched."""
        if len(self.cues) < 2:
            return None
        words = reference(question)
        if not words:
            return None
        scores = dict.fromkeys(self.cues, 0.0)
        compounds = [{d for d, text in self.texts.items() if c in text} for c in _COMPOUND.findall(words)]
        for matches in (*self._dated(words), *self._worded(query_of(_YEAR.sub(" ", words))), *compounds):
            if matches and len(matches) < len(self.cues):
                for d in matches:
                    scores[d] += math.log(len(self.cues) / len(matches))
        (best, top), (_, second) = sorted(scores.items(), key=lambda kv: -kv[1])[:2]
        return best if top > second else None

    def _dated(self, words: str) -> list[set[str]]:
        """For each year and month the reference names, the documents dated so."""
        years = {int(y) for y in _YEAR.findall(words)}
        months = {int(m.group(1)) if m.group(1) else [x.lower() for x in MONTHS].index(m.group(2).lower()) + 1
                  for m in _MONTH.finditer(words)}
        return ([{d for d, (y, _) in self.dates.items() if y == year} for year in years]
                + [{d for d, (_, m) in self.dates.items() if m == month} for month in months])

    def _worded(self, query: Query) -> list[set[str]]:
        """For each word of the reference, the documents whose cues hold it (an English word: one of its
        translations, every term of it)."""
        groups = [[(t,)] for t in query.terms if len(t) > 1 and not _HIRAGANA_ONLY.match(t) and not t.isdigit()]
        groups += [[run for run in t.candidates if run] for t in query.translations
                   if not _YEAR.fullmatch(t.source) and not _MONTH.fullmatch(t.source)]
        return [{d for d, cues in self.cues.items() if any(set(run) <= cues for run in g)} for g in groups if g]


def reference(question: str) -> str:
    """The words with which a question names the text it read: "April 2025" of "the April 2025 article", "2023
    news Kishida and Stoltenberg" of "the 2023 news report on Kishida and Stoltenberg", 外務省 of 外務省の資料によると;
    "" where it names none."""
    text = unicodedata.normalize("NFKC", question)
    found = []
    for m in _REFERENCE_EN.finditer(text):
        before, after = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(3), m.group(4))
        found.append(f"{before or ''} {_CLAUSE_END.split(after or '')[0]}")
    if not any(w.strip() for w in found):
        found = [m.group(1) or m.group(2) or "" for m in _REFERENCE_JA.finditer(text)]
    return " ".join(_NOUN_ALONE.sub(" ", " ".join(found)).split())
