"""The public facade: `kotae.open()` loads an index; the `Kotae` it returns searches, answers and quotes."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from kotae.answer import Answer, Answerer
from kotae.config import MODES, Settings
from kotae.embed import Embedder
from kotae.errors import KotaeError, UnknownDocumentError
from kotae.events import Event
from kotae.retrieve import BATCH, VECTOR_CACHE, Retriever, StageTimer
from kotae.store import Index, load_index, with_recorded_corpus
from kotae.thresholds import Thresholds
from kotae.types import Document, SearchResult

History = Sequence[Mapping[str, Any]]
LOG = logging.getLogger("kotae")


class Kotae:
    """One loaded index and everything that answers from it; read-only and safe to share between threads."""

    def __init__(self, index: Index, settings: Settings | None = None, *, embedder: Embedder | None = None,
                 thresholds: Thresholds | None = None, timer: StageTimer | None = None,
                 vector_cache: int = VECTOR_CACHE) -> None:
        self.index = index
        self.settings = settings or Settings()
        self.retriever = Retriever(index, self.settings, embedder=embedder, timer=timer, vector_cache=vector_cache)
        self.answerer = Answerer(self.retriever, thresholds)

    def search(self, question: str, *, top_k: int | None = None, mode: str | None = None, history: History = (),
               qid: str | None = None) -> SearchResult:
        """The passages that answer `question` (a follow-up is searched together with the question before it), in
        the order `ask` reads them; `top_k` and `mode` default to the settings' (5, auto)."""
        return self.answerer.search(question, history=history, mode=mode, top_k=top_k, qid=qid)

    def search_batch(self, questions: Sequence[str], *, top_k: int | None = None, mode: str | None = None,
                     qids: Sequence[str | None] | None = None,
                     histories: Sequence[History] | None = None) -> Iterator[SearchResult]:
        """`search` for many questions, in order (each with its conversation in `histories`, if given); their
        vectors are encoded a batch at a time."""
        qids = qids if qids is not None else [None] * len(questions)
        histories = histories if histories is not None else [()] * len(questions)
        for start in range(0, len(questions), BATCH):
            part = list(zip(questions[start:start + BATCH], histories[start:start + BATCH], qids[start:start + BATCH],
                            strict=True))
            self.retriever.encode_ahead([self.retriever.searched(*self.retriever.spelled(q, h)) for q, h, _ in part],
                                        mode=mode)
            for question, history, qid in part:
                yield self.search(question, top_k=top_k, mode=mode, history=history, qid=qid)

    def ask(self, question: str, *, history: History = (), top_k: int | None = None, mode: str | None = None,
            qid: str | None = None, generate: bool = True) -> Answer:
        """A cited answer, or an abstention when the documents do not say; with a language model configured
        the model writes it unless `generate` is false."""
        return self.answerer.ask(question, history=history, mode=mode, top_k=top_k, qid=qid, generate=generate)

    def stream(self, question: str, *, history: History = (), top_k: int | None = None,
               mode: str | None = None) -> Iterator[Event]:
        """The answer as events: the passages, the text in pieces, then the final answer (see `kotae.events`)."""
        return self.answerer.stream(question, history=history, mode=mode, top_k=top_k)

    def document(self, doc_id: str) -> Document:
        """A stored document, whose text every citation's start and end index."""
        doc = self.index.documents.get(doc_id)
        if doc is None:
            known = ", ".join(sorted(self.index.documents)[:20])
            raise UnknownDocumentError(f"No document has the id {doc_id!r}; the documents are: {known}.")
        return doc

    @property
    def documents(self) -> Mapping[str, Document]:
        return self.index.documents

    def resolve_mode(self, mode: str | None = None) -> str:
        """The mode a search in `mode` runs in (`auto` becomes hybrid or lexical); ConfigError if unavailable."""
        return self.retriever.resolve_mode(mode)

    def modes(self) -> list[str]:
        """The modes this index can serve."""
        available = []
        for mode in MODES:
            try:
                self.retriever.resolve_mode(mode)
            except KotaeError:
                continue
            available.append(mode)
        return available

    def warm(self) -> Kotae:
        """Load the embedding model and the English word tables now rather than on the first question (servers do
        this at start-up); when the model cannot be loaded, say so once: `auto` then searches lexically."""
        reason = self.retriever.dense_unavailable()
        if reason:
            LOG.warning("%s, so questions will be searched lexically", reason)
        if self.index.lexicon.entries:  # English questions can be asked
            self.answerer.warm_english()
        return self

def open(index_dir: str | Path | None = None, settings: Settings | None = None, *,  # noqa: A001
         check: bool = True) -> Kotae:
    """Load the index in `index_dir` (default: the settings' index folder, `index`), refusing one that no
    longer matches its corpus or the settings given (unless `check` is false). The corpus is the one the index
    was built from unless the settings name one explicitly."""
    settings = settings or Settings()
    if index_dir is not None:
        settings = settings.replace(index_dir=Path(index_dir))
    settings = with_recorded_corpus(settings)
    return Kotae(load_index(settings, check=check), settings)
