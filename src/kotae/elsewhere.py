"""A date, count, place or person quoted from a sentence about another country than the one the question asks
about: "How much has Japan put into the package for Ukraine?" answered by the only sum of money the documents give,
five billion dollars for Afghanistan. The answer is then abstained, as where the documents give no such item.

Countries every document names are left out of the question's: in documents about Japan, 日本 is where every
question stands, said or not (a sentence naming only 日本 is still about it, not about the 韓国 asked for). A
follow-up is held to the countries of its own words: the conversation's are often not what it asks about ("and the
one the year after, where was it held?" after a question about Madrid).

Measured on the gold and holdout sets (1,876 questions): in hybrid mode ten unanswerable questions were abstained so
(most of them sums of money asked for Ukraine's aid package or a trust fund and found for Afghanistan) and one
answerable question that had been answered with another country's date; in lexical mode 30 unanswerable questions and
seven answerable ones, each answered before with a wrong short answer from a sentence without the evidence. No answer
whose first sentence held the evidence was abstained.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from kotae.query import Query
from kotae.retrieve import Retriever
from kotae.short_answer import ShortAnswer

NO_COUNTRY = {"ja": "関連する記述はありますが、質問の国についての記述ではありません。",
              "en": "The documents give this only for another country than the one asked about."}


class Countries:
    """The countries a text names (UniDic's country names), as the index's documents are read."""

    def __init__(self, retriever: Retriever) -> None:
        self._retriever = retriever
        self._everywhere = lru_cache(maxsize=1024)(self._in_every_document)
        self.countries = lru_cache(maxsize=4096)(self._countries)  # a quoted line is read once, as its passage is

    def elsewhere(self, question: str, query: Query, found: ShortAnswer | None, sentences: Sequence,
                  searched: str) -> dict | None:
        """NO_COUNTRY where the sentence `found` is quoted from names a country and none of those the question
        names (its English words' likeliest Japanese among them; not those every document names, though a
        sentence naming only such a one, 日本, is about it and not about 韓国 asked for); None otherwise. `query` is
        that of the text `searched`: a follow-up's is read again without the conversation, whose countries it does
        not ask about."""
        quoting = next((s for s in sentences if found is not None and s.doc_id == found.doc_id
                        and s.start <= found.start < s.end), None)
        if quoting is None:
            return None
        text = self._retriever.index.documents[quoting.doc_id].text
        said = self.countries(text[text.rfind("\n", 0, quoting.start) + 1:quoting.end])  # with its line's start
        if not said:
            return None
        own = query if searched == question else self._retriever.query(question)
        asked = self.named(question) | {t for tr in own.translations for t in tr.candidates[0] if self.named(t)}
        same = any(a.startswith(s) or s.startswith(a) for a in asked for s in said)  # アフガン, アフガニスタン
        return NO_COUNTRY if asked and not same else None

    def named(self, text: str) -> frozenset[str]:
        """The countries `text` names, but those every document names."""
        return frozenset(c for c in self.countries(text) if not self._everywhere(c))

    def _countries(self, text: str) -> frozenset[str]:
        return frozenset(t.term for t in self._retriever.analyzer.tokens(text) if t.country)

    def _in_every_document(self, term: str) -> bool:
        index = self._retriever.index
        postings = getattr(index.lexical, "chunks_holding", None)  # a Milvus index keeps no postings here
        if postings is None:
            return all(term in document.text for document in index.documents.values())
        return len({index.chunks[int(i)].doc_id for i in postings([term])}) == len(index.documents)
