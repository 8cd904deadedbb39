"""The values that flow between kotae's steps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

BYLINE_KEYS = ("source", "publisher", "author")


@dataclass(frozen=True)
class Document:
    """One source document; `text` is its clean text (markup removed when it was loaded), which kotae stores and
    every citation indexes into. `headings` are the offsets of the lines the file marks as headings (Markdown,
    HTML, Word styles): they guide the chunker and are not stored."""

    id: str
    title: str
    text: str
    meta: Mapping[str, Any] = field(default_factory=dict)
    headings: tuple[int, ...] = ()

    @property
    def byline(self) -> str:
        """The title and who issued the document (its metadata's source, publisher or author), which a question
        may name it by ("according to the foreign ministry's overview")."""
        issued = (self.meta.get(key) for key in BYLINE_KEYS)
        return " ".join([self.title, *(value for value in issued if isinstance(value, str))])


@dataclass(frozen=True)
class Token:
    """One analysed word: `term` is the normalised index term, `start`/`end` index the original text."""

    term: str
    start: int
    end: int
    surface: str
    pos: str
    origin: str | None = None  # English origin UniDic records on loanwords (パートナー → partner)
    entity: str | None = None  # "place", "person" or "number", from UniDic's part of speech
    country: bool = False  # a place UniDic knows as a country (スペイン, not マドリード)


@dataclass(frozen=True)
class Chunk:
    """A contiguous span of a document: `text == document.text[start:end]`."""

    id: str
    doc_id: str
    start: int
    end: int
    text: str
    heading: str = ""


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk, as users and clients see it."""

    rank: int
    doc_id: str
    title: str
    chunk_id: str
    start: int
    end: int
    text: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        # Spelled out: dataclasses.asdict deep-copies every field, a cost paid on each passage of each response.
        return {"rank": self.rank, "doc_id": self.doc_id, "title": self.title, "chunk_id": self.chunk_id,
                "start": self.start, "end": self.end, "text": self.text, "score": self.score}


@dataclass(frozen=True)
class SearchResult:
    """The passages found for one question."""

    id: str | None
    question: str
    lang: str
    mode: str
    query_terms: tuple[Any, ...]
    passages: tuple[Passage, ...]
    note: str | None = None  # why nothing was found, when nothing was
    # The embedding model's cosine between the question and the passage nearest to it in the whole index (dense
    # and hybrid modes): how close the question comes to anything the documents discuss.
    relatedness: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "lang": self.lang,
            "mode": self.mode,
            "query_terms": list(self.query_terms),
            "passages": [p.to_dict() for p in self.passages],
        }
        if self.note:
            out["note"] = self.note
        return out
