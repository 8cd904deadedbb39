"""A date, count, place or person quoted from a sentence about another country than the one the question asks
about: "How much has Japan put into the package for Ukraine?" answered by the only sum of money the documents give,
five billion dollars for Afghanistan. The answer is then abstained, as where the documents give no such item.

Countries every document names are left out of the question's: in documents about Japan, 日本 is where every
question stands, said or not (a sentence naming only 日本 is still about it, not about the 韓国 asked for). A
follow-up is held to the countries of its own words: the conversation's are often not what it asks about ("and the
one the year after, where was it held?" after a question about Madrid).

Measured on the gold and holdout sets (1,924 questions): in hybrid mode 25 unanswerable questions were abstained so
(sums of money asked for Ukraine's aid package or a trust fund and found for Afghanistan; Japan's own share of GDP
spent on defence asked and the allies' 2% target found) and one answerable question that had been answered with
another country's date; in lexical mode 44 unanswerable questions and seven answerable ones, each answered before with
a wrong short answer from a sentence without the evidence. No answer whose first sentence held the evidence was
abstained.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache

from kotae.answered import AnswerSentence, quoting
from kotae.english import without_function_phrases
from kotae.query import Query
from kotae.retrieve import Retriever
from kotae.short_answer import ShortAnswer
from kotae.types import Token

_OURS = re.compile(r"我が国|わが国|我国")  # "our country": how a government's documents name their own
_PAIRED = r"(?:と|・|及び|[-–—/]|\band\b)"  # 日本とNATO, Japan–NATO, Japan and NATO
NO_COUNTRY = {"ja": "関連する記述はありますが、質問の国についての記述ではありません。",
              "en": "The documents give this only for another country than the one asked about."}


class Countries:
    """The countries a text names (UniDic's country names), as the index's documents are read."""

    def __init__(self, retriever: Retriever, tokens: Callable[[str], Sequence[Token]] | None = None) -> None:
        self._retriever = retriever
        self._tokens = tokens or retriever.analyzer.tokens  # an answerer's, which has read its question already
        self._everywhere = lru_cache(maxsize=1024)(self._in_every_document)
        self.countries = lru_cache(maxsize=4096)(self._countries)  # a quoted line is read once, as its passage is

    def elsewhere(self, question: str, query: Query, found: ShortAnswer | None, sentences: Sequence[AnswerSentence],
                  searched: str) -> dict | None:
        """NO_COUNTRY where the sentence `found` is quoted from names a country and none of those the question
        names (its English words' likeliest Japanese among them; not those every document names, though a
        sentence naming only such a one, 日本, is about it and not about 韓国 asked for); None otherwise. `query` is
        that of the text `searched`: a follow-up's is read again without the conversation, whose countries it does
        not ask about."""
        holder = quoting(sentences, found)
        if found is None or holder is None:
            return None
        text = self._retriever.index.documents[holder.doc_id].text
        line = text[text.rfind("\n", 0, holder.start) + 1:holder.end]  # the sentence with its line's start
        said = self.countries(line)
        if not said and (found.kind != "number" or _OURS.search(line)):
            return None
        own = query if searched == question else self._retriever.query(question)
        asked = self.named(question) | {t for tr in own.translations for t in tr.candidates[0] if self.named(t)}
        same = any(a.startswith(s) or s.startswith(a) for a in asked for s in said)  # アフガン, アフガニスタン
        if said and asked and not same:
            return NO_COUNTRY
        # A figure of the country every document names, asked as its own (日本の防衛費, what Japan spends), is not
        # one said of the allies in a line naming it nowhere: the documents' own country is no less a country.
        home = self._home_asked(question, own) if found.kind == "number" and not _OURS.search(line) else set()
        return NO_COUNTRY if home and not home & said else None

    def _home_asked(self, question: str, own: Query) -> set[str]:
        """The countries every document names that the question names on their own: not as one side of a pair
        (日本とNATO, Japan-NATO, Japan and NATO: the pair's plan or meeting) nor in a source it cites (according to
        Japan's foreign ministry briefing)."""
        text = without_function_phrases(unicodedata.normalize("NFKC", question))
        words = {t.term: t.surface for t in self._tokens(text) if t.country}
        words |= {t: tr.source for tr in own.translations for t in tr.candidates[0]
                  if self.countries(t) and re.search(rf"\b{re.escape(tr.source)}", text, re.I)}
        return {term for term, surface in words.items() if self._everywhere(term) and not re.search(
            rf"{re.escape(surface)}\s*{_PAIRED}\s*[\w\u3040-\u30ff\u4e00-\u9fff]|[\w\u30a0-\u30ff\u4e00-\u9fff]\s*"
            rf"{_PAIRED}\s*{re.escape(surface)}", text, re.I)}

    def named(self, text: str) -> frozenset[str]:
        """The countries `text` names, but those every document names."""
        return frozenset(c for c in self.countries(text) if not self._everywhere(c))

    def _countries(self, text: str) -> frozenset[str]:
        return frozenset(t.term for t in self._tokens(text) if t.country)

    def _in_every_document(self, term: str) -> bool:
        index = self._retriever.index
        postings = getattr(index.lexical, "chunks_holding", None)  # a Milvus index keeps no postings here
        if postings is None:
            return all(term in document.text for document in index.documents.values())
        return len({index.chunks[int(i)].doc_id for i in postings([term])}) == len(index.documents)
