"""The candidate sentences of an answer: every sentence of the top passages once, with its terms and what the
sentence ranker (kotae.sentence_rank) knows of it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from kotae.answer_type import entity_types
from kotae.answered import AnswerSentence
from kotae.chunk import Unit, heads_rows, is_label
from kotae.clauses import placed_with, where_case
from kotae.counted import covers
from kotae.enumeration import heads_nothing
from kotae.expressions import date_alone, names_other_year, years_named
from kotae.needs import Need, coverage
from kotae.query import Query
from kotae.relative_dates import reported_year
from kotae.sentence_rank import Candidate
from kotae.short_answer import Question, short_answer
from kotae.types import Document, Passage, Token

Scored = tuple[AnswerSentence, set[str], Candidate]  # a candidate sentence, its terms and what the ranker knows of it


@dataclass(frozen=True)
class Reading:
    """A passage analysed: its sentences with their tokens, and its terms with its section heading's."""

    units: tuple[Unit, ...]
    tokens: tuple[tuple[Token, ...], ...]  # the tokens of each unit
    context: frozenset[str]
    cited: tuple[frozenset[str], ...]  # for each unit that is a note, the terms of what cites it (see footnotes)


def candidates(passages: Sequence[Passage], read: Sequence[Reading], wants: Sequence[Need], query: Query,
               short: Question | None, *, documents: Mapping[str, Document],
               similarities: Callable[[str], np.ndarray | None], cells: Callable[[str], tuple[Token, ...]]
               ) -> list[Scored]:
    """Every sentence of `passages` (those `read`) once (overlapping chunks repeat some), with its terms and
    features; `similarities` gives a chunk's sentences' cosines to the question (None: no similarity)."""
    found: list[Scored] = []
    seen: set[tuple[str, int]] = set()
    asked_years = query.years()
    kinds = query.kinds
    # Asked when and where (いつどこで), the place is where it happened (ブリュッセルにおいて), not who took part.
    case = where_case(short.text) if short is not None and len(kinds) > 1 and "place" in kinds else ()
    for passage, reading in zip(passages, read):
        similar = similarities(passage.chunk_id)
        reported = reported_year(documents[passage.doc_id].meta)
        before: set[str] = set()
        lead: set[str] = set()  # the last line that is not a row: what a run of rows is a list of
        group: set[str] = set()  # the same when it is a short title (海上連合軍): part of what each row says
        title: set[str] = set()  # a short heading over list items (3つの中核的任務): part of what each says
        for n, (unit, tokens) in enumerate(zip(reading.units, reading.tokens)):
            terms = {t.term for t in tokens} | reading.cited[n]
            titled = title if unit.kind == "bullet" else set()
            above = titled | (lead if unit.kind == "row" else set())
            local, before = coverage(wants, terms | before | above), terms
            short_line = unit.kind != "row" and heads_rows(passage.text[unit.start:unit.end])
            if unit.kind != "row":
                lead, group = terms, terms if short_line else set()
                if unit.kind != "bullet":  # a run of items keeps the heading over it
                    title = terms if unit.kind == "heading" and short_line else set()
            terms = terms | group if unit.kind == "row" else terms | titled
            if (passage.doc_id, passage.start + unit.start) in seen:
                continue
            sentence = AnswerSentence(text=passage.text[unit.start:unit.end], citation=passage.rank,
                                      doc_id=passage.doc_id, start=passage.start + unit.start,
                                      end=passage.start + unit.end)
            found_item = short_answer(short, [sentence], [cells(sentence.text)]) if short else None
            item = found_item is not None
            dated = date_alone(sentence.text)  # 令和7年5月: dates its document, which "when" may ask
            # A note is no heading, however short; a short line over table rows is one (海上連合軍: see heads_rows).
            titles = short_line and n + 1 < len(reading.units) and reading.units[n + 1].kind == "row"
            heading = (unit.kind == "heading" or titles) and not reading.cited[n]
            item = item and not (heading and covers(sentence.text, found_item, sentence.start))  # 主要5か国の国防費
            if (heading and heads_nothing(sentence.text) or dated or is_label(sentence.text)) and not item:
                continue  # a heading only names what follows it, unless it holds the asked-for item (7か国)
            # A date alone says nothing of what a question names: no item, no type. Typed: every type asked for.
            item = item and not dated
            typed = bool(kinds) and kinds <= entity_types(tokens) and not dated and (
                not case or placed_with(passage.text, tokens, case))
            seen.add((passage.doc_id, passage.start + unit.start))
            candidate = Candidate(coverage=coverage(wants, terms), context=coverage(wants, terms | reading.context),
                                  local=local, rank=passage.rank, typed=typed, row=unit.kind == "row",
                                  length=unit.end - unit.start,
                                  item=item, similarity=float(similar[n]) if similar is not None else None,
                                  heading=heading,
                                  described=found_item is not None and found_item.described,
                                  other_year=bool(asked_years) and (
                                      names_other_year(sentence.text, asked_years) or (  # or a news item's
                                          not years_named(sentence.text) and reported not in (None, *asked_years))))
            found.append((sentence, terms, candidate))
    return found
