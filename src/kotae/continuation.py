"""A count that the text gives only after the passage naming what it counts, in the chunk that follows it.

Chunks end where a size says, not where a subject does: 新たな連携協定「みどり連携計画」をまとめました… closes one
chunk and そして重点的な取り組みとして…12分野を明記しています opens the next, which never names the plan again. Asked
how many areas the plan names, retrieval finds the first chunk (it names the plan) and its sentences give no count
of areas. Before such an answer is abstained (see kotae.unsaid), the first sentences the
next chunk adds are read for a count of what the question counts; and so are the passages ranked below those an
answer reads, where one states the count itself ("How many priority areas does the 2023 ITPP spell out?" ranks the
news item's chunk holding 16分野 fourth, under the 2014 plan's list of areas).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence

from kotae.answered import AnswerSentence, in_citation_order
from kotae.chunk import Unit
from kotae.expressions import parse_number
from kotae.short_answer import Question, short_answer
from kotae.types import Passage, Token

READ_ON = 3  # sentences read past the end of the passage: the count follows what it counts closely, or not at all


def next_chunk(chunks: Sequence, number: int) -> int | None:
    """The index of the chunk after chunk `number` in the same document, or None at a document's end."""
    after = number + 1
    return after if after < len(chunks) and chunks[after].doc_id == chunks[number].doc_id else None


def _counter(number: str) -> str | None:
    """What a number counts, by its counter (分野 for 12分野), or None."""
    expr = parse_number(unicodedata.normalize("NFKC", number))
    return expr.counter if expr else None


def _counting(question: Question, passage: Passage, unit: Unit, cells: Callable[[str], Sequence[Token]]
              ) -> tuple[AnswerSentence, Sequence[Token], str | None] | None:
    """The sentence `unit` of `passage` with its tokens and its count's counter, where it counts what the question
    counts or names (12分野 for いくつの分野, how many areas); else None."""
    sentence = AnswerSentence(text=passage.text[unit.start:unit.end], citation=passage.rank, doc_id=passage.doc_id,
                              start=passage.start + unit.start, end=passage.start + unit.end)
    tokens = cells(sentence.text)
    found = short_answer(question, [sentence], [tokens])
    if found is None:
        return None
    counter = _counter(found.text)
    return (sentence, tokens, counter) if found.described or counter in (question.weights or {}) else None


def counted_after(question: Question, passage: Passage, following: Passage, units: Sequence,
                  cells: Callable[[str], Sequence[Token]]) -> AnswerSentence | None:
    """The first of the READ_ON sentences that `following` (the chunk after `passage`, with its sentence `units`)
    adds to `passage` which counts what the question counts or names, cited as `following`; or None. Running text
    only: a table row or list item is about something else than the one before it."""
    if question.kind != "number" or following.doc_id != passage.doc_id:
        return None
    added = [u for u in units if following.start + u.start >= passage.end][:READ_ON]
    for unit in added:
        if unit.kind != "sentence":  # rows, items and headings stand each for itself: the next is another's
            return None
        if counting := _counting(question, following, unit, cells):
            return counting[0]
    return None


def counted_in(question: Question, passage: Passage, units: Sequence, cells: Callable[[str], Sequence[Token]]
               ) -> AnswerSentence | None:
    """The first running-text sentence of `passage` that counts what the question counts or names and shares two
    more of its words (a passage read for no other reason than its count must be about what the question is: 4年間
    of a partnership plan does not say how many years a prime minister served), or None."""
    weights = question.weights or {}
    for unit in units:
        counting = _counting(question, passage, unit, cells) if unit.kind == "sentence" else None
        if counting is None:
            continue
        sentence, tokens, counter = counting
        if len({t.term for t in tokens if t.term in weights and t.term != counter}) >= 2:
            return sentence
    return None


def continued(question: Question, passages: Sequence[Passage], chosen: Sequence[AnswerSentence], chunks: Sequence,
              numbers: Mapping[str, int], passage_at: Callable[[int, int, float], Passage],
              units_of: Callable[[str], Sequence], cells: Callable[[str], Sequence[Token]], *, read: int
              ) -> tuple[tuple[AnswerSentence, ...], tuple[Passage, ...]] | None:
    """The answer's sentences and passages where a passage below those read, or else the chunk after one of the
    `passages` (in their order), counts what the question counts: that count first, cited from its passage or chunk
    (a passage of the answer's, added after the rest if it was not one), then a sentence `chosen` from the same
    document, if any; None where none does.
    `numbers` gives each chunk's index in `chunks`, `passage_at(rank, index, score)` makes a chunk a passage, and
    `units_of` gives a chunk's sentence units; the answer read the first `read` passages."""
    for passage in passages[read:]:  # a passage ranked below those read, which states the count itself
        sentence = counted_in(question, passage, units_of(passage.chunk_id), cells)
        if sentence is not None:
            return in_citation_order([sentence, *[s for s in chosen if s.doc_id == passage.doc_id][:1]], passages)
    for passage in passages:
        after = next_chunk(chunks, numbers[passage.chunk_id])
        if after is None:
            continue
        following = next((p for p in passages if p.chunk_id == chunks[after].id), None)
        following = following or passage_at(max(p.rank for p in passages) + 1, after, 0.0)
        sentence = counted_after(question, passage, following, units_of(following.chunk_id), cells)
        if sentence is not None:
            named = [s for s in chosen if s.citation == passage.rank][:1]
            return in_citation_order([sentence, *named], passages if following in passages else (*passages, following))
    return None
