"""An answer as kotae returns it: its cited sentences, short answer, passages and how sure it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kotae.glosses import Gloss
from kotae.short_answer import ShortAnswer
from kotae.types import Passage


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
