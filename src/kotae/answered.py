"""An answer as kotae returns it: its cited sentences, short answer, passages and how sure it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from kotae.errors import GenerationError
from kotae.glosses import Gloss
from kotae.short_answer import ShortAnswer
from kotae.types import Passage

ABSTAIN_MESSAGE = {"ja": "資料には該当する記述が見つかりませんでした。", "en": "The documents don't say."}


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    citation: int  # the rank of the passage it is quoted from
    doc_id: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citation": self.citation, "doc_id": self.doc_id, "start": self.start,
                "end": self.end}


@dataclass(frozen=True)
class Answer:
    id: str | None
    question: str
    lang: str
    mode: str
    retrieval_query: str
    abstained: bool
    confidence: float  # coverage, averaged with relatedness where a weight is learned (see Thresholds), 0–1
    threshold: float  # below this confidence kotae abstains
    sentences: tuple[AnswerSentence, ...]
    passages: tuple[Passage, ...]
    query_terms: tuple[Any, ...] = ()
    glosses: tuple[Gloss, ...] = ()
    message: str | None = None  # the abstention message, in the question's language
    note: str | None = None  # a line for the reader (the source is Japanese; generation fell back)
    generated: str | None = None  # a language model's answer from the passages, markers checked
    short_answer: ShortAnswer | None = None  # the date, number, place or person asked for, in a cited sentence
    coverage: float = 0.0  # share of the question's weight the best passage covers, 0–1
    relatedness: float | None = None  # the question's cosine to the nearest passage (dense and hybrid modes)
    # The passages as retrieval ranked them, where `passages` are numbered by citation; empty: the same as `passages`.
    ranked: tuple[Passage, ...] = ()

    @property
    def retrieved(self) -> tuple[Passage, ...]:
        """The passages in retrieval order, numbered by it."""
        return self.ranked or self.passages

    @property
    def text(self) -> str | None:
        """The answer as read: the short answer first (2013年4月 — …), then the cited sentences; or the model's."""
        if self.abstained or not self.sentences:
            return None
        if self.generated:
            return self.generated
        lead = f"{self.short_answer.display} — " if self.short_answer else ""
        return lead + self.quoted

    @property
    def quoted(self) -> str:
        """The cited sentences, each followed by [n]."""
        return " ".join(f"{s.text} [{s.citation}]" for s in self.sentences)

    def to_dict(self) -> dict[str, Any]:
        answer = None if self.abstained else {"text": self.text, "sentences": [s.to_dict() for s in self.sentences]}
        short = self.short_answer.to_dict() if self.short_answer and not self.abstained else None
        return {"id": self.id, "question": self.question, "lang": self.lang, "mode": self.mode,
                "abstained": self.abstained, "retrieval_query": self.retrieval_query, "short_answer": short,
                "answer": answer,
                "message": self.message, "note": self.note, "confidence": round(self.confidence, 4),
                "glosses": [{"ja": g.ja, "en": g.en} for g in self.glosses], "query_terms": list(self.query_terms),
                "passages": [p.to_dict() for p in self.passages]}


def in_citation_order(sentences: Sequence[AnswerSentence], passages: Sequence[Passage]
                       ) -> tuple[tuple[AnswerSentence, ...], tuple[Passage, ...]]:
    """The answer's sources numbered in the order the answer cites them: the passage of the best sentence (the
    first) is [1], the others it cites follow in the order retrieval ranked them, then those not cited. The
    sentences after the first go by source and in the order of the text, so an answer reads [1] … [1] … [2]."""
    if not sentences:
        return (), tuple(passages)
    first, *rest = sentences
    cited = [first.citation, *sorted({s.citation for s in rest} - {first.citation})]
    order = cited + [p.rank for p in passages if p.rank not in cited]
    number = {rank: n for n, rank in enumerate(order, start=1)}
    by_rank = {p.rank: p for p in passages}
    renumbered = [replace(s, citation=number[s.citation]) for s in sentences]
    return ((renumbered[0], *sorted(renumbered[1:], key=lambda s: (s.citation, s.start))),
            tuple(replace(by_rank[rank], rank=number[rank]) for rank in order))


def quoting(sentences: Sequence[AnswerSentence], span: ShortAnswer | None) -> AnswerSentence | None:
    """The sentence among `sentences` that holds `span` (a short answer), or None."""
    return next((s for s in sentences if span is not None and s.doc_id == span.doc_id and s.start <= span.start
                 and span.end <= s.end), None)


def led_by(sentences: Sequence[AnswerSentence], passages: Sequence[Passage], span: ShortAnswer
           ) -> tuple[tuple[AnswerSentence, ...], tuple[Passage, ...]]:
    """The answer led by the sentence quoting `span` (its short answer), numbered again in citation order; as it is
    where that sentence leads already or is not among them."""
    holder = quoting(sentences, span)
    if holder is None or holder == sentences[0]:
        return tuple(sentences), tuple(passages)
    return in_citation_order([holder, *(s for s in sentences if s != holder)], passages)


def with_reply(answer: Answer, reply: str | None | GenerationError) -> Answer:
    """A quoted answer after a language model's reply: the reply's text, an abstention when the model refused
    (None), or the quoted answer with a note when the model failed."""
    if isinstance(reply, GenerationError):
        return replace(answer, note=f"{reply} The answer below is quoted from the documents instead.")
    if reply is None:
        return replace(answer, abstained=True, sentences=(), glosses=(), note=None, short_answer=None,
                       message=ABSTAIN_MESSAGE.get(answer.lang, ABSTAIN_MESSAGE["en"]))
    return replace(answer, generated=reply, note=None, glosses=())
