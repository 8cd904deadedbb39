"""Questions in, ranked cited passages out: lexical, dense, or both fused."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kotae.analyze import get_analyzer
from kotae.answer_type import query_terms
from kotae.config import MODES, Settings
from kotae.embed import Embedder, load_embedder
from kotae.errors import ConfigError, EmptyQuestionError
from kotae.fuse import rrf
from kotae.language import detect_language
from kotae.lexical import top_positive
from kotae.store import Index
from kotae.types import Passage, SearchResult

NO_TERMS = "None of the question's words occur in the documents."


@dataclass(frozen=True)
class Ranking:
    """One retriever's candidates, as (chunk index, score), best first."""

    name: str
    hits: list[tuple[int, float]]


def _content(terms: list[str]) -> list[str]:
    return [t for t in terms if not t.startswith("[")]


class Retriever:
    """Searches one loaded index; safe to share between threads."""

    def __init__(self, index: Index, settings: Settings, *, embedder: Embedder | None = None) -> None:
        self.index = index
        self.settings = settings
        self.analyzer = get_analyzer(index.manifest["settings"]["term_form"])
        self._embedder = embedder
        self._embedder_lock = threading.Lock()

    def resolve_mode(self, mode: str | None) -> str:
        mode = mode or self.settings.mode
        if mode not in MODES:
            raise ConfigError(f"Unknown mode {mode!r}; choose one of {', '.join(MODES)}.")
        if mode == "auto":
            return "hybrid" if self.index.dense is not None else "lexical"
        if mode in ("dense", "hybrid") and self.index.dense is None:
            raise ConfigError(f"The index has no vectors, so {mode} mode is unavailable; "
                              "rebuild with an embedding model (kotae index --model NAME) or use --mode lexical.")
        return mode

    def search(self, question: str, *, mode: str | None = None, top_k: int | None = None,
               qid: str | None = None) -> SearchResult:
        if not question or not question.strip():
            raise EmptyQuestionError("The question is empty; type a question in Japanese or English.")
        mode = self.resolve_mode(mode)
        top_k = top_k or self.settings.top_k
        lang = detect_language(question)
        plain = self.index.lexical.known(self.analyzer.terms(question))
        typed = self.index.lexical.known(query_terms(question, plain))
        terms = plain + typed
        rankings: list[Ranking] = []
        if mode in ("lexical", "hybrid"):
            scores = self.index.lexical.scores(plain)
            if typed:
                scores = scores + self.settings.type_weight * self.index.lexical.scores(typed)
            rankings.append(Ranking("lexical", top_positive(scores, self.settings.depth)))
        if mode in ("dense", "hybrid"):
            vector = self.embedder().encode_queries([question])[0]
            rankings.append(Ranking("dense", self.index.dense.search(vector, self.settings.depth)))
        hits = self._combine(rankings, mode)[:top_k]
        passages = tuple(self._passage(rank, i, score) for rank, (i, score) in enumerate(hits, start=1))
        note = NO_TERMS if not passages and not _content(terms) else None
        return SearchResult(id=qid, question=question, lang=lang, mode=mode, query_terms=tuple(terms),
                            passages=passages, note=note)

    def _combine(self, rankings: list[Ranking], mode: str) -> list[tuple[int, float]]:
        if mode != "hybrid":
            return rankings[0].hits
        weights = {"lexical": self.settings.weight_lexical, "dense": self.settings.weight_dense}
        fused = rrf({r.name: [i for i, _ in r.hits] for r in rankings}, weights, k=self.settings.rrf_k)
        return [(int(i), score) for i, score in fused]

    def _passage(self, rank: int, i: int, score: float) -> Passage:
        chunk = self.index.chunks[i]
        doc = self.index.documents[chunk.doc_id]
        return Passage(rank=rank, doc_id=chunk.doc_id, title=doc.title, chunk_id=chunk.id, start=chunk.start,
                       end=chunk.end, text=doc.text[chunk.start:chunk.end], score=round(score, 6))

    def embedder(self) -> Embedder:
        """The index's own model, loaded on first use."""
        with self._embedder_lock:
            if self._embedder is None:
                dense = self.index.manifest["dense"]
                self._embedder = load_embedder(dense["model"], query_prefix=dense["query_prefix"],
                                               passage_prefix=dense["passage_prefix"],
                                               timeout=self.settings.model_timeout)
            return self._embedder
