"""Questions in, ranked cited passages out: lexical, dense, or both fused."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np

from kotae.analyze import get_analyzer
from kotae.config import MODES, Settings
from kotae.conversation import respelled, retrieval_question
from kotae.embed import ENGINES, Embedder, load_embedder
from kotae.errors import ConfigError, EmptyQuestionError, ModelUnavailableError, StaleIndexError
from kotae.fuse import rrf, score_fusion
from kotae.kana import KanaSpeller
from kotae.language import detect_language
from kotae.lexical import top_positive
from kotae.named_source import Sources
from kotae.pivot import Pivot
from kotae.query import Query, make_query
from kotae.relative_dates import reported_year
from kotae.sentences import by_sentences
from kotae.store import Index
from kotae.types import Chunk, Passage, SearchResult

COMMON_SHARE = 0.2  # a term in at least this share of the passages is common (日本, 協力, 参加 here)
VECTOR_CACHE = 4096  # question vectors remembered per retriever (6 MB at 384 dimensions)
BATCH = 256  # questions encoded together by Kotae.search_batch; well below VECTOR_CACHE

# Told (stage, seconds) after each stage of a lexical search, in this order; benchmarks profile the real code
# through it. The stages: "analyse and translate", "direct terms", "translated words", "answer types", "top k".
StageTimer = Callable[[str, float], None]
LEXICAL_STAGES = ("analyse and translate", "direct terms", "translated words", "answer types", "top k")


@dataclass(frozen=True)
class Ranking:
    """One retriever's candidates, as (chunk index, score), best first."""

    name: str
    hits: list[tuple[int, float]]


class Retriever:
    """Searches one loaded index; safe to share between threads."""

    def __init__(self, index: Index, settings: Settings, *, embedder: Embedder | None = None,
                 vector_cache: int = VECTOR_CACHE, timer: StageTimer | None = None) -> None:
        self.index = index
        self.timer = timer
        self.settings = settings
        self.analyzer = get_analyzer(index.manifest.analyzer.term_form)
        # JMdict's glosses, where the index was built with the dictionary (`lexicon` setting).
        self.pivot = Pivot(index.lexicon, settings.index.cache_dir) if index.manifest.settings.get("lexicon") else None
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self._load_error: ModelUnavailableError | None = None
        self._chunks: dict[str, Chunk] | None = None
        self._sources: Sources | None = None
        self._reported_years: list[str | None] | None = None  # each chunk's document's, where it is a news item's
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # question → vector, least recent first
        self._vector_cache = vector_cache
        self._vectors_lock = threading.Lock()

    def resolve_mode(self, mode: str | None) -> str:
        """The mode a search in `mode` runs in: `auto` is hybrid when the index has vectors and their model loads,
        lexical otherwise (see `dense_unavailable`)."""
        mode = mode or self.settings.retrieval.mode
        if mode not in MODES:
            raise ConfigError(f"Unknown mode {mode!r}; choose one of {', '.join(MODES)}.")
        if mode == "auto":
            return "hybrid" if self.index.dense is not None and self.dense_unavailable() is None else "lexical"
        if mode in ("dense", "hybrid") and self.index.dense is None:
            raise ConfigError(f"The index has no vectors, so {mode} mode is unavailable; "
                              "rebuild with an embedding model (kotae index --model NAME) or use --mode lexical.")
        reason = self.dense_unavailable() if mode in ("dense", "hybrid") else None
        if reason:
            raise ConfigError(f"{reason}, so {mode} mode is unavailable; use --mode lexical.")
        return mode

    def dense_unavailable(self) -> str | None:
        """Why the index's vectors cannot be searched here (their model cannot be loaded), or None when they can;
        the model is loaded on the first call."""
        if self.index.dense is None:
            return None
        try:
            self.embedder()
        except ModelUnavailableError as exc:
            return str(exc).rstrip(".")
        return None

    def search(self, question: str, *, mode: str | None = None, top_k: int | None = None,
               qid: str | None = None, query: Query | None = None, vector: np.ndarray | None = None,
               own: str | None = None) -> SearchResult:
        """Ranked passages for a question; `query` is the question already made into one (see `query`), `vector`
        its vector (see `question_vector`). A follow-up is searched with the question before it (see
        kotae.conversation), which names the subject; `own` is the follow-up alone, which says what is asked: its
        words count again in the lexical ranking (the gold set's follow-ups, hybrid MRR@10 0.737 → 0.778)."""
        if not question or not question.strip():
            raise EmptyQuestionError("The question is empty; type a question in Japanese or English.")
        asked, mode = mode, self.resolve_mode(mode)
        top_k = top_k or self.settings.retrieval.top_k
        query = query or self.query(question, own)
        rankings: list[Ranking] = []
        relatedness = None
        if mode in ("lexical", "hybrid"):
            stressed = self.query(own) if own and own.strip() and own != question else None
            rankings.append(Ranking("lexical", self._reported(self.lexical_hits(query, stressed), query)))
        if mode in ("dense", "hybrid"):
            vector = vector if vector is not None else self.question_vector(question, query)
            chunks = self.index.dense.search(vector, self.settings.retrieval.depth)
            # The question's relatedness to the documents is its nearest chunk's, not sentence's: a short sentence
            # is near many questions, off-topic ones included.
            relatedness = max((float(score) for _, score in chunks), default=None)
            hits = chunks if self.index.sentences is None else by_sentences(chunks, vector, self.index.sentences)
            rankings.append(Ranking("dense", hits))
        hits = self._named(self._combine(rankings, mode, query.lang), own or question)[:top_k]
        passages = tuple(self.passage(rank, i, score) for rank, (i, score) in enumerate(hits, start=1))
        note = None
        if not passages and query.empty:
            unknown = f" ({', '.join(query.unknown)})" if query.unknown else ""
            note = f"None of the question's words{unknown} occur in the documents or the English–Japanese lexicon."
        elif mode == "lexical" and (asked or self.settings.retrieval.mode) == "auto" and self.dense_unavailable():
            note = f"{self.dense_unavailable()}, so this was searched lexically."
        typed_terms, _ = query.typed()
        return SearchResult(id=qid, question=question, lang=query.lang, mode=mode,
                            query_terms=tuple(query.to_json()) + tuple(typed_terms), passages=passages, note=note,
                            relatedness=relatedness)

    def encode_ahead(self, questions: Sequence[str], *, mode: str | None = None) -> None:
        """Encode the vectors of questions about to be searched one by one, in batches (the model's cost is
        mostly per call); nothing to do in lexical mode."""
        if self.resolve_mode(mode) not in ("dense", "hybrid"):
            return
        words = self.settings.retrieval.encoder_words
        asked = list(dict.fromkeys(self.query(q).encoder_text(q, words) for q in questions if q and q.strip()))
        for start in range(0, len(asked), BATCH):
            self.query_vectors(asked[start:start + BATCH])

    def query_vectors(self, questions: Sequence[str]) -> np.ndarray:
        """The questions' vectors, one row each, encoded together in one model call and remembered, so that a
        batch encodes its questions up front and a question asked again costs nothing."""
        with self._vectors_lock:
            known = {q: self._vectors[q] for q in questions if q in self._vectors}
            for q in known:
                self._vectors.move_to_end(q)
        missing = [q for q in dict.fromkeys(questions) if q not in known]
        if missing:
            encoded = self.embedder().encode_queries(missing, batch_size=self.settings.index.embed_batch_size)
            known.update(zip(missing, encoded))
            with self._vectors_lock:
                self._vectors.update(zip(missing, encoded))
                while len(self._vectors) > self._vector_cache:
                    self._vectors.popitem(last=False)
        return np.stack([known[q] for q in questions])

    def question_vector(self, question: str, query: Query) -> np.ndarray:
        """The vector a question is searched with: its text with the likeliest Japanese of its English words."""
        return self.query_vectors([query.encoder_text(question, self.settings.retrieval.encoder_words)])[0]

    def searched(self, question: str, history: Sequence[Mapping[str, Any]] | None) -> str:
        """The text a question is searched with: with the question before it where it leans on the conversation
        (see kotae.conversation), judged by this index's words."""
        return retrieval_question(question, history, self.analyzer, self.common)

    def spelled(self, question: str, history: Sequence[Mapping[str, Any]] | None
                ) -> tuple[str, Sequence[Mapping[str, Any]] | None]:
        """The question and the conversation's earlier questions with their kana spelled in the documents' kanji
        where the documents would (see kotae.kana); the answers are the documents' own words already."""
        return self.speller.spelled(question), respelled(history, self.speller.spelled)

    @cached_property
    def speller(self) -> KanaSpeller:
        return KanaSpeller(self.analyzer, self.index.lexical.vocab, self.index.lexical.document_share)

    def common(self, term: str) -> bool:
        """Whether a term is in at least COMMON_SHARE of the passages: a word that names no subject by itself."""
        return self.index.lexical.document_share(term) >= COMMON_SHARE

    def query(self, question: str, own: str | None = None) -> Query:
        """The question as this index's analyzer and lexicon see it. For a follow-up searched with the conversation
        before it, `own` is the follow-up alone, whose language the query takes: an English follow-up stays
        English though the answer it follows quotes Japanese (Mark Rutte (マルク・ルッテ))."""
        started = time.perf_counter() if self.timer else 0.0
        query = make_query(question, self.analyzer, self.index.lexicon, self.index.lexical.vocab, self.pivot)
        if own and own.strip() and own != question and (lang := detect_language(own)) != query.lang:
            query = replace(query, lang=lang)
        if self.timer:
            self.timer(LEXICAL_STAGES[0], time.perf_counter() - started)
        return query

    def chunk(self, chunk_id: str) -> Chunk:
        if self._chunks is None:
            self._chunks = {c.id: c for c in self.index.chunks}
        return self._chunks[chunk_id]

    def lexical_hits(self, query: Query, stressed: Query | None = None) -> list[tuple[int, float]]:
        """The lexical retriever's candidates for a query, best first; with the scores for `stressed` (the part
        of the question that counts twice) added."""
        remote = self.index.remote
        depth, weight = self.settings.retrieval.depth, self.settings.retrieval.type_weight
        if remote is not None:  # a store that scores BM25 itself (Milvus)
            summed: dict[int, float] = {}
            for part in (query, stressed) if stressed is not None else (query,):
                for i, score in remote.lexical_hits(part, depth, type_weight=weight):
                    summed[i] = summed.get(i, 0.0) + score
            return sorted(summed.items(), key=lambda hit: (-hit[1], hit[0]))[:depth]
        scores = self.lexical_scores(query)
        if stressed is not None:
            scores = scores + self.lexical_scores(stressed)
        if not self.timer:
            return top_positive(scores, self.settings.retrieval.depth)
        started = time.perf_counter()
        hits = top_positive(scores, self.settings.retrieval.depth)
        self.timer(LEXICAL_STAGES[4], time.perf_counter() - started)
        return hits

    def _reported(self, hits: list[tuple[int, float]], query: Query) -> list[tuple[int, float]]:
        """The lexical hits with a year the question names counted as met in the passages of a news item reported
        that year that do not write it (see `reported_year`: 岸田総理大臣は…会談, of 2023-07-12), weighed
        `reported_year` of a passage writing it; best first."""
        share, lexical = self.settings.retrieval.reported_year, self.index.lexical
        years = query.years() if share > 0 and hits else set()
        if not years:
            return hits
        if self._reported_years is None:
            documents = self.index.documents
            self._reported_years = [reported_year(documents[c.doc_id].meta) for c in self.index.chunks]
        chunks, reported = self.index.chunks, self._reported_years
        raised = [(i, score + sum(share * lexical.idf(y) for y in years
                                  if reported[i] == y and y not in chunks[i].text)) for i, score in hits]
        return sorted(raised, key=lambda hit: -hit[1])

    def lexical_scores(self, query: Query) -> np.ndarray:
        """BM25 over direct terms, structured BM25 over translated groups, plus weighted answer-type terms."""
        lexical = self.index.lexical
        mark = _Marks(self.timer)
        scores = lexical.scores(query.terms)
        mark(LEXICAL_STAGES[1])
        scores = scores + lexical.group_scores(query.groups())
        mark(LEXICAL_STAGES[2])
        typed_terms, typed_groups = query.typed()
        if typed_terms or typed_groups:
            typed = lexical.scores(typed_terms) + lexical.group_scores(typed_groups)
            scores = scores + self.settings.retrieval.type_weight * typed
        mark(LEXICAL_STAGES[3])
        return scores

    def _combine(self, rankings: list[Ranking], mode: str, lang: str) -> list[tuple[int, float]]:
        # Fused here for every store, Milvus included: Milvus's hybrid_search offers RRF without per-list weights
        # (RRFRanker) or a weighted sum of scores squashed by arctan (WeightedRanker), neither of which is kotae's
        # fusion (see RetrievalSettings.fusion), so fusing its two result lists here ranks as the local store.
        if mode != "hybrid":
            return rankings[0].hits
        retrieval = self.settings.retrieval
        weights = retrieval.fusion_weights(lang)
        if retrieval.fusion_method(lang) == "scores":  # BM25's 0 is no match; cosines count only relative to the rest
            fused = score_fusion({r.name: r.hits for r in rankings}, weights, floors={"lexical": 0.0})
            return [(int(i), score) for i, score in fused]
        lexical = next((r.hits for r in rankings if r.name == "lexical"), [])
        if weights["dense"] > 0 and retrieval.flat(lexical):  # a dense weight of 0 still means none
            weights = {**weights, "dense": max(weights["dense"], retrieval.weight_dense_flat)}
        fused = rrf({r.name: [i for i, _ in r.hits] for r in rankings}, weights, k=retrieval.rrf_k)
        return [(int(i), score) for i, score in fused]

    def _named(self, hits: list[tuple[int, float]], question: str) -> list[tuple[int, float]]:
        """`hits` with the scores of the passages of the document the question names as its source (see
        kotae.named_source) raised by the `named_source` share, best first."""
        share = self.settings.retrieval.named_source
        if share <= 0 or not hits:
            return hits
        if self._sources is None:
            self._sources = Sources.of(self.index.documents, self.analyzer.terms)
        named = self._sources.named(question, self.query)
        if named is None:
            return hits
        chunks = self.index.chunks
        raised = [(i, score + share * abs(score) if chunks[i].doc_id == named else score) for i, score in hits]
        return sorted(raised, key=lambda hit: -hit[1])

    def passage(self, rank: int, i: int, score: float) -> Passage:
        """Chunk `i` as a passage of a result, at `rank`."""
        chunk = self.index.chunks[i]
        doc = self.index.documents[chunk.doc_id]
        return Passage(rank=rank, doc_id=chunk.doc_id, title=doc.title, chunk_id=chunk.id, start=chunk.start,
                       end=chunk.end, text=doc.text[chunk.start:chunk.end], score=round(score, 6))

    def embedder(self) -> Embedder:
        """The index's own model, loaded on first use; StaleIndexError when the model installed here is not the one
        that made the vectors (another version or other weights), ModelUnavailableError when it cannot be loaded."""
        with self._embedder_lock:
            if self._embedder is None:
                dense = self.index.manifest.dense
                if dense is None:
                    raise ConfigError("The index has no vectors, so it has no embedding model.")
                if self._load_error is not None:
                    raise self._load_error
                try:
                    embedder = load_embedder(dense.model, query_prefix=dense.query_prefix,
                                             passage_prefix=dense.passage_prefix, device=self.settings.index.device,
                                             timeout=self.settings.index.model_timeout,
                                             engine=dense.backend if dense.backend in ENGINES else "auto",
                                             threads=self.settings.index.embed_threads)
                except ModelUnavailableError as exc:
                    self._load_error = exc  # said once, not tried again on every question
                    raise
                if embedder.fingerprint != dense.fingerprint:
                    raise StaleIndexError(f"The index's vectors were made by {dense.fingerprint} but "
                                          f"{embedder.fingerprint} is installed here; run `kotae index` to rebuild it.")
                self._embedder = embedder
            return self._embedder

class _Marks:
    """Reports the time since the previous mark to a stage timer; does nothing without one."""

    def __init__(self, timer: StageTimer | None) -> None:
        self.timer = timer
        self.last = time.perf_counter() if timer else 0.0

    def __call__(self, stage: str) -> None:
        if self.timer:
            now = time.perf_counter()
            self.timer(stage, now - self.last)
            self.last = now
