"""Answers from passages: the best sentences, each cited, or an honest "the documents don't say".

Sentences are quoted, never rewritten: each one is a span of a returned passage, so
`document.text[start:end] == sentence.text` holds for answers as it does for passages.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from kotae.analyze import match_form
from kotae.answered import ABSTAIN_MESSAGE, Answer, AnswerSentence, in_citation_order, led_by, quoting, with_reply
from kotae.asked import what_it_asks
from kotae.candidates import Reading, Scored, candidates
from kotae.continuation import continued
from kotae.conversation import earlier_question
from kotae.elsewhere import Countries
from kotae.en_names import Names
from kotae.english import load_tables
from kotae.enumeration import answers_items, asked_items, own_items
from kotae.errors import GenerationError, KotaeError
from kotae.events import Delta, Event, Failed, Final, Passages
from kotae.expressions import names_other_year, years_named
from kotae.footnotes import cited_by
from kotae.generate import generate as generate_answer
from kotae.generate import generate_stream, is_refusal, llm_enabled
from kotae.glosses import glosses_for
from kotae.merged_cells import with_carried_year
from kotae.needs import Need, coverage
from kotae.numbered import is_missing_article, opens_with, parts_named
from kotae.query import Query
from kotae.relative_dates import anchored, dating_years, reported_year, written_month, written_year
from kotae.rerank import by_best_sentence, past_told
from kotae.retrieve import Retriever
from kotae.sentence_rank import Candidate, Ranker
from kotae.sentences import sentence_units
from kotae.short_answer import Question, answer_order, short_answer
from kotae.thresholds import Thresholds, load_calibration
from kotae.types import Passage, SearchResult, Token
from kotae.unsaid import NO_NUMBER, unsaid

NO_YEAR = {"ja": "関連する記述はありますが、質問の年のことは書かれていません。",
           "en": "The documents discuss this, but not for the year asked about."}
NO_PART = {"ja": "資料には、質問の番号の条はありません。", "en": "The documents have no article of that number."}
SOURCE_NOTE = "The answer is quoted from the Japanese source; the key terms are glossed in English."
MAX_SENTENCES = 3
# A sentence that announces a list (次のとおり…する。, as follows:) says nothing until the items after it.
_ANNOUNCES = re.compile(r"(?:次|以下)の(?:とおり|通り|ように|ような)[^。]*[。:：]?\s*$"
                        r"|as follows[.:]?\s*$|the following:\s*$", re.I)
PASSAGES_READ = 3  # answer sentences come from the top passages only (those below: a count, see continued)
CONFIDENCE_DEPTH = 5  # confidence looks at this many passages, however many are shown
READINGS_KEPT = 4096  # analysed passages kept between questions (a passage is one chunk of the index)
LOG = logging.getLogger("kotae.answer")
# A follow-up's earlier answer, where it began, and the needs of the follow-up's own words (see Answerer._followed).
Followed = tuple[frozenset[tuple[str, int]], list[Need]]


class Answerer:
    """Retrieval, then the best cited sentences of the top passages, or an abstention."""

    def __init__(self, retriever: Retriever, thresholds: Thresholds | None = None, ranker: Ranker | None = None
                 ) -> None:
        self.retriever = retriever
        if thresholds is None or ranker is None:  # both from one file, read once
            learned, learned_ranker = load_calibration(retriever.settings.answer.abstention_file)
            thresholds, ranker = thresholds or learned, ranker or learned_ranker
        self.thresholds, self.ranker = thresholds, ranker
        # Chunks never change within an index, so each is analysed once, not again for every question.
        self._read = lru_cache(maxsize=READINGS_KEPT)(self._analyse)
        self._cells = lru_cache(maxsize=READINGS_KEPT)(self._analyse_cells)
        self._countries = Countries(retriever, self._cells)
        # A conversation's earlier answers, as its follow-ups read them again (see _told).
        self._first_sentences = lru_cache(maxsize=READINGS_KEPT)(self._first_sentence)

    def ask(self, question: str, *, history: Sequence[Mapping[str, Any]] | None = None, mode: str | None = None,
            top_k: int | None = None, qid: str | None = None, generate: bool = True) -> Answer:
        """The answer to a question; with a language model configured it writes the answer unless `generate` is
        false (a caller streaming the model's reply itself, see `with_reply`)."""
        retriever = self.retriever
        shown, (question, history) = question, retriever.spelled(question, history)
        searched, query, result, vector = self._search(question, history, mode=mode, top_k=top_k, qid=qid)
        wants, choosing, short, own = what_it_asks(retriever, question, query, searched, history)
        result, found = self._reordered(result, query, choosing, short, vector,
                                        lambda: self._followed(own, history, mode))
        read = [self._read(p.chunk_id) for p in result.passages[:max(CONFIDENCE_DEPTH, PASSAGES_READ)]]
        covered = max((coverage(wants, r.context) for r in read[:CONFIDENCE_DEPTH]), default=0.0)
        confidence = self.thresholds.confidence(covered, result.relatedness, result.mode, query.lang)
        threshold = self.thresholds.get(result.mode, query.lang)
        common = dict(id=qid, question=shown, lang=query.lang, mode=result.mode, retrieval_query=searched,
                      confidence=confidence, threshold=threshold, passages=result.passages, ranked=result.passages,
                      query_terms=result.query_terms, coverage=covered, relatedness=result.relatedness)
        if not result.passages or confidence < threshold:
            return Answer(abstained=True, sentences=(), message=ABSTAIN_MESSAGE.get(query.lang, ABSTAIN_MESSAGE["en"]),
                          note=result.note, **common)
        items = asked_items(question) if short is None or short.kind not in ("number", "date") else None
        told = self._told(history, mode) if searched != question else frozenset()
        chosen = self._sentences(result.passages, read, choosing, query, short, vector, result.mode, found, items,
                                 parts_named(question), told)
        sentences, common["passages"] = in_citation_order([s for s, _ in chosen], result.passages)
        cells = [self._cells(s.text) for s in sentences]
        names = self._names if query.lang == "en" else None
        found = (short_answer(short, *answer_order(sentences, cells, query.years()), names)
                 if short is not None and sentences else None)
        if found is not None:  # the sentence the short answer quotes leads; ことし3月: the year of its document
            sentences, common["passages"] = led_by(sentences, common["passages"], found)
            cells = [self._cells(s.text) for s in sentences]
            document = retriever.index.documents[found.doc_id]
            found = anchored(found, document.text, written_year(document.meta), query.lang)
            found = with_carried_year(found, document.text, query.lang)  # 10月 under 2017年: October 2017
        llm = llm_enabled(retriever.settings)
        # The sentences lack what the question asks for (a number, a date, an office's holder, anything of the year or
        # country it names): the documents do not say it. A language model, where configured, reads them and decides.
        asked = self._cells(question) if short is not None and short.kind == "person" else ()  # the offices it names
        lacking = None if short is None or llm else unsaid(short, found, sentences, cells, asked)
        lacking = lacking or (None if llm else self._countries.elsewhere(question, query, found, sentences, searched))
        if lacking is NO_NUMBER and (went_on := continued(
                short, result.passages, [s for s, _ in chosen], retriever.index.chunks, self._chunk_number,
                retriever.passage, lambda chunk_id: self._read(chunk_id).units, self._cells, read=PASSAGES_READ)):
            (sentences, common["passages"]), lacking = went_on, None  # the count the next chunk gives
            found = short_answer(short, [sentences[0]], [self._cells(sentences[0].text)], names)
        # Those no document names too (2030); not one given as a cited document's date (2025年5月の資料).
        years = years_named(searched) - dating_years(searched, self._written(sentences))
        # A count quoted from a sentence of another year than the question's own (a follow-up's "the year before" is
        # not 2024 because the question before it said 2024)
        counted = quoting(sentences, found) if found is not None and short.kind == "number" else None
        own_years = years & years_named(question)
        if not llm and sentences and years and (all(names_other_year(s.text, years) for s in sentences) or (
                counted is not None and own_years and names_other_year(counted.text, own_years))):
            lacking = lacking or NO_YEAR  # 2025年の首脳会合 where every sentence is of 2022, 2023 or 2024
        if not llm and any(is_missing_article(t) for t in (*query.missing, *query.unknown)):
            lacking = lacking or NO_PART  # 第99条, Article 99: an article no document has
        if lacking:
            return Answer(abstained=True, sentences=(), message=ABSTAIN_MESSAGE.get(query.lang, ABSTAIN_MESSAGE["en"]),
                          note=lacking.get(query.lang, lacking["en"]), **common)
        glosses = (glosses_for([match_form(s.text) for s in sentences], set().union(*(terms for _, terms in chosen)),
                               query) if query.lang != "ja" else ())
        # A lexical fallback; the source language, for English questions and glossed words (not for PfPの…).
        notes = (result.note, SOURCE_NOTE if query.lang == "en" or glosses else None)
        answer = Answer(abstained=False, sentences=sentences, glosses=glosses,
                        note=" ".join(n for n in notes if n) or None, short_answer=found, **common)
        if not (generate and llm):
            return answer
        try:
            reply = generate_answer(shown, query.lang, common["passages"], retriever.settings)
        except GenerationError as exc:
            LOG.warning("generation failed; answering with quotes", extra={"reason": str(exc)})
            return with_reply(answer, exc)
        return with_reply(answer, None if reply.refused else reply.text)

    def stream(self, question: str, *, history: Sequence[Mapping[str, Any]] | None = None, mode: str | None = None,
               top_k: int | None = None, qid: str | None = None) -> Iterator[Event]:
        """The answer as events: `Passages`, then `Delta`s of its text (the language model's as they come, when
        one is configured), then `Final`; a failure ends the events with `Failed` instead. The quoted answer is
        made first: its passages are the evidence, and the fallback when the model fails."""
        try:
            answer = self.ask(question, history=history, mode=mode, top_k=top_k, qid=qid, generate=False)
        except KotaeError as exc:
            yield Failed(exc)
            return
        yield Passages(question=answer.question, lang=answer.lang, mode=answer.mode,
                       retrieval_query=answer.retrieval_query, passages=answer.passages)
        if answer.abstained or not answer.text:
            yield Final(answer)
        elif not llm_enabled(self.retriever.settings):
            yield Delta(answer.text)
            yield Final(answer)
        else:
            yield from self._generated(answer)

    def _generated(self, answer: Answer) -> Iterator[Event]:
        """The language model's deltas, then the final answer as `ask` makes it (see `with_reply`); when the model
        fails before any delta, the quoted answer's text goes out as one."""
        deltas = generate_stream(answer.question, answer.lang, answer.passages, self.retriever.settings)
        text = ""
        try:
            for delta in deltas:
                if not text and is_refusal(delta):
                    yield Final(with_reply(answer, None))
                    return
                text += delta
                yield Delta(delta)
        except GenerationError as exc:
            LOG.warning("generation failed; answering with quotes", extra={"reason": str(exc)})
            if not text and answer.text:
                yield Delta(answer.text)
            yield Final(with_reply(answer, exc))
            return
        finally:
            close = getattr(deltas, "close", None)
            if close is not None:
                close()
        yield Final(with_reply(answer, text))

    def warm_english(self) -> None:
        """Load now what a first English question would wait a second for: lemminflect's tables, the lexicon's names."""
        load_tables()
        _ = self._names

    @cached_property
    def _names(self) -> Names:
        """The lexicon's English names, read backwards once, when an English question first needs them."""
        return Names(self.retriever.index.lexicon)

    def _search(self, question: str, history: Sequence[Mapping[str, Any]] | None, *, mode: str | None,
                top_k: int | None = None, qid: str | None = None
                ) -> tuple[str, Query, SearchResult, np.ndarray | None]:
        """The question as searched (with the conversation it leans on), its query, the search's result in
        retrieval's order, and its vector when the mode uses one and the index has sentence vectors to compare it
        with (encoded once)."""
        retriever = self.retriever
        searched = retriever.searched(question, history)
        query = retriever.query(searched, question)
        vector = None
        if retriever.resolve_mode(mode) in ("dense", "hybrid") and retriever.index.sentences is not None:
            vector = retriever.question_vector(searched, query)
        result = retriever.search(searched, mode=mode, top_k=top_k, qid=qid, query=query, vector=vector, own=question)
        return searched, query, result, vector

    def _reordered(self, result: SearchResult, query: Query, wants: Sequence[Need], short: Question | None,
                   vector: np.ndarray | None, followed: Callable[[], Followed | None] = lambda: None
                   ) -> tuple[SearchResult, list[Scored] | None]:
        """The result with its top passages reordered by their best sentence where the settings say (see
        kotae.rerank), and the candidate sentences so scored, citing the new ranks (None where not reordered). A
        follow-up's passage that answered the question before it first goes below one that meets more of what the
        follow-up itself asks (`followed` gives where that answer began and the follow-up's own needs)."""
        if not (self.retriever.settings.retrieval.reranks(query.lang) and result.passages):
            return result, None
        if (follow_up := followed()) is not None:
            told, own = follow_up
            covers = [coverage(own, self._read(p.chunk_id).context) for p in result.passages[:CONFIDENCE_DEPTH]]
            result = replace(result, passages=past_told(result.passages, told, covers))
        read = [self._read(p.chunk_id) for p in result.passages[:CONFIDENCE_DEPTH]]
        # The sentences are scored on retrieval's order, which the ranker learned on.
        found = self._candidates(result.passages, read, wants, query, short, vector)
        scores, _ = self.ranker.scores([c for _, _, c in found], result.mode, query.lang)
        top = [(s.citation, score) for (s, _, _), score in zip(found, scores) if s.citation <= PASSAGES_READ]
        passages, was = by_best_sentence(result.passages, [c for c, _ in top], [score for _, score in top])
        return (replace(result, passages=passages),
                [(replace(s, citation=was[s.citation]), t, c) for s, t, c in found])

    def _followed(self, own: list[Need] | None, history: Sequence[Mapping[str, Any]] | None, mode: str | None
                  ) -> Followed | None:
        """For a follow-up (`own`: the needs of its own words, see what_it_asks): where the answer to the question
        before it began (see `_told`), and those needs; None for a question asked alone."""
        return None if own is None else (self._told(history, mode), own)

    def search(self, question: str, *, history: Sequence[Mapping[str, Any]] | None = None, mode: str | None = None,
               top_k: int | None = None, qid: str | None = None) -> SearchResult:
        """The passages that answer `question`, in the order `ask` reads them (see kotae.rerank)."""
        question, history = self.retriever.spelled(question, history)
        searched, query, result, vector = self._search(question, history, mode=mode, top_k=top_k, qid=qid)
        _, choosing, short, own = what_it_asks(self.retriever, question, query, searched, history)
        return self._reordered(result, query, choosing, short, vector, lambda: self._followed(own, history, mode))[0]

    def _written(self, sentences: Sequence[AnswerSentence]) -> set[tuple[int, int]]:
        """The year and month each cited document gives for itself, where it does."""
        documents = self.retriever.index.documents
        return {d for d in (written_month(documents[doc].meta) for doc in {s.doc_id for s in sentences}) if d}

    def _analyse_cells(self, text: str) -> tuple[Token, ...]:
        """A sentence's tokens with a table row's cells read apart (MeCab reads across a tab, and may take a name
        in one cell for a suffix of the word in the cell before), offsets unchanged."""
        return tuple(self.retriever.analyzer.tokens(text.replace("\t", "\n")))

    def _analyse(self, chunk_id: str) -> Reading:
        analyzer = self.retriever.analyzer
        chunk = self.retriever.chunk(chunk_id)
        tokens = analyzer.tokens(chunk.text)
        units = tuple(sentence_units(chunk.text))
        inside = tuple(tuple(t for t in tokens if u.start <= t.start and t.end <= u.end) for u in units)
        doc = self.retriever.index.documents[chunk.doc_id]  # a question may name it: "the ministry's overview"
        heading = set(analyzer.terms(f"{chunk.heading or ''}\n{doc.byline}"))
        heading |= {year} if (year := reported_year(doc.meta)) else set()  # a news item's 12日 is of its year
        cited = tuple(frozenset(analyzer.terms(words)) if (words := cited_by(doc.text, chunk.start + u.start,
                                                                             chunk.start + u.end)) else frozenset()
                      for u in units)
        return Reading(units, inside, frozenset({t.term for t in tokens} | heading), cited)

    def candidates(self, question: str, *, history: Sequence[Mapping[str, Any]] | None = None,
                   mode: str | None = None) -> tuple[str, str, list[tuple[AnswerSentence, Candidate]]]:
        """The candidate sentences of a question as the ranker sees them, for learning its weights: (mode,
        language, each sentence with what is known of it)."""
        searched, query, result, vector = self._search(question, history, mode=mode)
        read = [self._read(p.chunk_id) for p in result.passages[:CONFIDENCE_DEPTH]]
        _, choosing, short, _ = what_it_asks(self.retriever, question, query, searched, history)
        found = self._candidates(result.passages, read, choosing, query, short, vector)
        return result.mode, query.lang, [(sentence, candidate) for sentence, _, candidate in found]

    def _sentences(self, passages: Sequence[Passage], read: Sequence[Reading], wants: Sequence[Need], query: Query,
                   short: Question | None, vector: np.ndarray | None, mode: str, found: list[Scored] | None = None,
                   items: int | None = None, parts: frozenset[tuple[int, str]] = frozenset(),
                   told: frozenset[tuple[str, int]] = frozenset()) -> list[tuple[AnswerSentence, set[str]]]:
        """The best sentence first, then up to two more that score close to it, by passage and in the order of the
        text; each with its terms; among the candidate sentences `found`, where the search has scored them. A question
        asking for `items` things by name (the three core tasks) leads with a sentence within the margin that lists as
        many (see kotae.enumeration), one naming numbered `parts` (Article 5) with the text of one. (Their citations
        are numbered in order of appearance afterwards: see `in_citation_order`.)"""
        if found is None:
            found = self._candidates(passages, read, wants, query, short, vector)
        if not found:
            return []
        scores, margin = self.ranker.scores([c for _, _, c in found], mode, query.lang)
        order = sorted(range(len(found)), key=lambda i: (-scores[i], found[i][0].citation, found[i][0].start))
        within = [i for i in order if scores[i] >= scores[order[0]] - margin]  # best first
        best, rest = found[within[0]][0], [found[i][0] for i in within[1:]][:MAX_SENTENCES - 1]

        def lead(i: int) -> tuple[AnswerSentence, list[AnswerSentence]]:
            """Candidate i first, then the sentences chosen so far, without it."""
            return found[i][0], [s for s in [best, *rest] if s != found[i][0]][:MAX_SENTENCES - 1]

        # A how-many question whose chosen sentences give no number (it would be abstained, see unsaid), or only
        # numbers for other years than it asks about, leads with the best sentence of the same document within the
        # margin that counts what it asks, for no other year than the question's.
        chosen = {best, *rest}
        if short is not None and short.kind == "number" and not any(
                c.item and not c.other_year for s, _, c in found if s in chosen):
            holder = next((i for i in within if found[i][2].described and not found[i][2].other_year
                           and found[i][0].doc_id == best.doc_id), None)
            if holder is not None:
                best, rest = lead(holder)
        if not found[within[0]][2].local:  # shares none of the question's words, nor does the line before it
            sharing = next((i for i in within if found[i][2].local), None)
            if sharing is not None:
                best, rest = lead(sharing)
        if (best.doc_id, best.start) in told and (short is None or not next(c.item for s, _, c in found if s == best)):
            # A follow-up asks what the answer before it did not say (unless that sentence holds the item it asks
            # for): the sentence that gave that answer follows the best one that did not.
            new = next((i for i in within if (found[i][0].doc_id, found[i][0].start) not in told), None)
            if new is not None:
                best, rest = lead(new)
        part = next((i for i in within if opens_with(found[i][0].text, parts)), None)
        if part is not None:  # asked what Article 5 says: the text of Article 5 first
            best, rest = lead(part)
        lister = next((i for i in within if answers_items(found[i][0].text, items)), None)
        if lister is not None:  # asked for three things: the list of three first
            best, rest = lead(lister)
        after = [s for s, _, _ in found if s.citation == best.citation and s.start > best.start]  # its passage's
        own = own_items(best.text, [s.text for s in after])  # 3.1 次の優先分野…, then 3.1.1, 3.1.2, …
        if _ANNOUNCES.search(best.text) or own:  # 次のとおり協力を推進する。: what it announces follows it
            rest = after[:own if items is not None and own else MAX_SENTENCES - 1] or rest  # every item, if asked
        terms = {sentence: t for sentence, t, _ in found}
        return [(s, terms[s]) for s in [best, *sorted(rest, key=lambda s: (s.citation, s.start))]]

    def _candidates(self, passages: Sequence[Passage], read: Sequence[Reading], wants: Sequence[Need], query: Query,
                    short: Question | None, vector: np.ndarray | None) -> list[Scored]:
        """The candidate sentences of the top passages (see kotae.candidates); `vector` is the question's, for the
        sentences' similarity (None: no similarity)."""
        chosen = list(range(min(PASSAGES_READ, len(passages), len(read))))
        # The passage the confidence rests on (the one covering most of the question among those it looks at) is read
        # too where retrieval put it below them: "What is NATO's Article 5?", whose article's row is fourth.
        covers = [coverage(wants, r.context) for r in read[:min(CONFIDENCE_DEPTH, len(passages))]]
        if len(covers) > len(chosen) and chosen:
            best = max(range(len(covers)), key=lambda i: (covers[i], -i))
            if covers[best] > max(covers[i] for i in chosen):
                chosen.append(best)
        return candidates([passages[i] for i in chosen], [read[i] for i in chosen], wants, query, short,
                          documents=self.retriever.index.documents, cells=self._cells,
                          similarities=lambda chunk_id: self._similarities(chunk_id, vector))

    def _told(self, history: Sequence[Mapping[str, Any]] | None, mode: str | None) -> frozenset[tuple[str, int]]:
        """Where the answer to the conversation's last question begins (its first sentence), as kotae answers it
        (with the one turn before it, which is all a follow-up is searched with: see kotae.conversation)."""
        earlier = earlier_question(history)
        if earlier is None:
            return frozenset()
        question, before = earlier
        # The ranker and thresholds in the key: the same question answers otherwise under others (kotae eval sets them).
        return self._first_sentences(question, (before.question, before.answer) if before else None, mode,
                                     id(self.ranker), id(self.thresholds))

    def _first_sentence(self, question: str, before: tuple[str, str | None] | None, mode: str | None, *_: int
                        ) -> frozenset[tuple[str, int]]:
        history = [{"question": before[0], "answer": before[1]}] if before else None
        answer = self.ask(question, history=history, mode=mode, generate=False)
        return frozenset((s.doc_id, s.start) for s in answer.sentences[:1])

    def _similarities(self, chunk_id: str, vector: np.ndarray | None) -> np.ndarray | None:
        sentences = self.retriever.index.sentences
        if vector is None or sentences is None:
            return None
        return sentences.of(self._chunk_number[chunk_id]) @ vector

    @cached_property
    def _chunk_number(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.retriever.index.chunks)}

