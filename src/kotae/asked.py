"""What a question asks of the passages: the needs that confidence is measured on, the same needs as its sentences
are chosen by, and what it asks for as a short answer. A follow-up is searched with the conversation before it, but
the earlier question was answered already: its words weigh less than the follow-up's own where sentences are chosen
and where the short answer stands in them, and what the answer before named first answers it no more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kotae.answer_type import expected_type
from kotae.conversation import last_named
from kotae.needs import Need, needs, own_first
from kotae.query import Query
from kotae.retrieve import Retriever
from kotae.short_answer import Question

EARLIER_WORDS = 0.25  # in a follow-up, the weight of the earlier question's words against its own


def what_it_asks(retriever: Retriever, question: str, query: Query, searched: str,
                 history: Sequence[Mapping[str, Any]] | None
                 ) -> tuple[list[Need], list[Need], Question | None, list[Need] | None]:
    """The question's needs (`query` is the text `searched`), the same as its sentences are chosen, its short
    question, and for a follow-up the needs its own words meet (the conversation's at no weight; None for a question
    asked alone)."""
    lexical = retriever.index.lexical
    wants, mine = needs(query, lexical), own_terms(retriever, question, searched)
    own = own_first(wants, mine, 0.0) if mine is not None else None
    return (wants, own_first(wants, mine, EARLIER_WORDS), short_question(lexical.idf, question, query, mine, history),
            own)


def own_terms(retriever: Retriever, question: str, searched: str) -> frozenset[str] | None:
    """A follow-up's own terms, its English words' Japanese among them; None for a question searched alone."""
    if searched == question:
        return None
    own = retriever.query(question)
    return frozenset({*own.terms, *(t for tr in own.translations for run in tr.candidates for t in run)})


def short_question(idf: Callable[[str], float], question: str, query: Query, mine: frozenset[str] | None = None,
                   history: Sequence[Mapping[str, Any]] | None = None) -> Question | None:
    """What the question itself (not the conversation before it) asks for, as short answers read it; None for a
    question that asks for no single item. `query` is the text searched: in a follow-up (with terms of its own,
    `mine`) the earlier question's words, which chose the sentence, weigh EARLIER_WORDS of its own, which say where
    in the sentence the item stands (その時の開催地はどこ? → the place by 開催, not the one by 首相)."""
    kind = expected_type(question)
    if kind is None:
        return None
    translated = [(tr.source, run, w) for tr in query.translations for run, w in tr.group]
    asked = {"".join(run): source for source, run, _ in reversed(translated)}  # the likeliest reading wins
    weights = {t: idf(t) for t in query.terms}
    for _, run, likely in translated:  # a translation's words weigh as likely as it is
        weights.update({t: max(weights.get(t, 0.0), idf(t) * likely) for t in run})
    if mine is None:
        return Question(kind, question, weights, asked, query.lang)
    weights = {t: w if t in mine else w * EARLIER_WORDS for t, w in weights.items()}
    return Question(kind, question, weights, asked, query.lang, own=mine, earlier=last_named(history))
