"""Build an index from a corpus folder: load, chunk, analyze, BM25, vectors, manifest, publish."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone

import numpy as np

from kotae import package_version, store, stores
from kotae.analyze import Analyzer, get_analyzer
from kotae.answer_type import typed_terms
from kotae.build_cache import FILE as CACHE_FILE
from kotae.build_cache import BuildCache
from kotae.build_cache import key as cache_key
from kotae.chunk import chunk_corpus, split_units
from kotae.config import Settings
from kotae.embed import Embedder, load_embedder
from kotae.errors import CorpusError, ModelUnavailableError
from kotae.lexical import K1, B, LexicalIndex
from kotae.lexicon import build_lexicon
from kotae.load import Skipped, fingerprint, read_corpus
from kotae.manifest import (
    AnalyzerInfo,
    ChunkerInfo,
    CorpusInfo,
    DenseInfo,
    LexicalInfo,
    LexiconInfo,
    Manifest,
)
from kotae.sentences import embed_sentences
from kotae.supplement import bundled, read_pairs
from kotae.types import Chunk, Document

Report = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    manifest: Manifest
    notes: tuple[str, ...]  # things the user should know, one line each (a model that could not load)
    skipped: tuple[Skipped, ...] = ()  # files of the corpus folder not indexed, with why
    cache: str | None = None  # how much earlier builds' work was reused, in one line


# Raised whenever index_terms makes other terms from the same text: cached terms of older builds are then not used.
TERMS_VERSION = 1


def index_terms(analyzer: Analyzer, chunk: Chunk) -> list[str]:
    """A chunk's BM25 terms: its text, its section heading as context when the text lacks it,
    and the typed forms of words that share a sentence with an entity (see answer_type)."""
    tokens = analyzer.tokens(chunk.text)
    units = [(u.start, u.end) for u in split_units(chunk.text)]
    terms = [t.term for t in tokens] + typed_terms(tokens, units)
    if chunk.heading and chunk.heading not in chunk.text:
        terms = analyzer.terms(chunk.heading) + terms
    return terms


def passage_text(doc: Document, chunk: Chunk) -> str:
    """What the embedding model reads for a chunk: title and heading as context, then the text."""
    context = [doc.title] + ([chunk.heading] if chunk.heading and chunk.heading not in chunk.text else [])
    return "\n".join([*context, chunk.text])


def configured_embedder(settings: Settings) -> Embedder:
    """The settings' model with its prefixes; raises ModelUnavailableError when it cannot be loaded."""
    query_prefix, passage_prefix = settings.index.prefixes()
    return load_embedder(settings.index.embed_model, query_prefix=query_prefix, passage_prefix=passage_prefix,
                         timeout=settings.index.model_timeout, device=settings.index.device,
                         engine=settings.index.embed_engine, threads=settings.index.embed_threads)


def build_index(settings: Settings, *, progress: bool = False, report: Report | None = None,
                embedder: Embedder | None = None, strict: bool = False, cache: bool = True) -> BuildResult:
    """Build and publish a new index for `settings`; the previous one stays in place if anything fails.

    `embedder` is the settings' model when the caller has loaded it already. Files that cannot be read are skipped
    (`BuildResult.skipped`); with `strict`, any such file is a CorpusError and nothing is built. What earlier builds
    into the same index folder extracted, analysed and embedded is reused unless `cache` is false (see
    build_cache)."""
    with BuildCache(settings.index.index_dir / CACHE_FILE) if cache else BuildCache.off() as kept:
        result = _build(settings, progress=progress, report=report, embedder=embedder, strict=strict, cache=kept)
        line = kept.stats.line() if kept.path else ""
    return replace(result, cache=line or None)


def _build(settings: Settings, *, progress: bool, report: Report | None, embedder: Embedder | None, strict: bool,
           cache: BuildCache) -> BuildResult:
    ix = settings.index
    say = report or (lambda _msg: None)
    timings: dict[str, float] = {}
    notes: list[str] = []
    clock = time.perf_counter()
    # Read first, so that a malformed file of the user's is refused before any work.
    pairs = [*read_pairs(bundled()), *(read_pairs(ix.lexicon_extra) if ix.lexicon_extra else ())] if ix.lexicon else []

    corpus = read_corpus(ix.corpus_dir, cache)
    if strict and corpus.skipped:
        raise CorpusError(f"{len(corpus.skipped)} file(s) in {ix.corpus_dir} would be skipped ("
                          f"{'; '.join(str(s) for s in corpus.skipped[:5])}); fix them or drop --strict.")
    docs = list(corpus.documents)
    chunks = chunk_corpus(docs, target=ix.chunk_target, maximum=ix.chunk_max,
                          overlap=ix.chunk_overlap, method=ix.chunking)
    by_id = {d.id: d for d in docs}
    for chunk in chunks:  # the citation contract, checked once where it is made
        assert by_id[chunk.doc_id].text[chunk.start:chunk.end] == chunk.text, chunk.id
    timings["load_and_chunk"] = time.perf_counter() - clock
    say(f"{len(docs)} documents, {len(chunks)} chunks")

    clock = time.perf_counter()
    analyzer = get_analyzer(ix.term_form)
    analysis = f"{TERMS_VERSION} {ix.term_form} fugashi {package_version('fugashi')} {package_version('unidic-lite')}"
    keys = [cache_key(analysis, c.heading or "", c.text) for c in chunks]
    terms = cache.terms(keys, lambda todo: [index_terms(analyzer, chunks[i])
                                            for i in _progress(todo, "Analyzing", progress)])
    lexical = LexicalIndex.build(terms)
    timings["lexical"] = time.perf_counter() - clock

    clock = time.perf_counter()
    lexicon, lexicon_notes = build_lexicon(docs, analyzer, lexical.vocab, dictionary=ix.lexicon,
                                           cache_dir=ix.cache_dir, supplement=pairs)
    notes.extend(lexicon_notes)
    timings["lexicon"] = time.perf_counter() - clock
    say(f"Lexicon: {len(lexicon.entries)} English keys")

    kept = stores.get(ix.store)
    dense, dense_info, sentences = None, None, None
    if ix.dense_enabled:
        clock = time.perf_counter()
        try:
            embedder = embedder or configured_embedder(settings)
            say(f"Embedding {len(chunks)} chunks with {ix.embed_model}")
            vectors = _cached_vectors(cache, embedder, [passage_text(by_id[c.doc_id], c) for c in chunks],
                                      batch_size=ix.embed_batch_size, progress=progress)
            dense, structure = kept.index_vectors(vectors, ix.index_type)
            say(f"Embedding the sentences of {len(chunks)} chunks")
            sentences = embed_sentences([c.text for c in chunks], lambda todo: _cached_vectors(
                cache, embedder, todo, batch_size=ix.embed_batch_size, progress=progress, kind="sentences"),
                titles=[by_id[c.doc_id].title for c in chunks])
            dense_info = DenseInfo(model=ix.embed_model, backend=embedder.backend, fingerprint=embedder.fingerprint,
                                   dimension=int(vectors.shape[1]),
                                   index_type=structure.pop("index_type"), requested_index_type=ix.index_type,
                                   vectors=len(vectors), query_prefix=embedder.query_prefix,
                                   passage_prefix=embedder.passage_prefix, structure=structure,
                                   sentences=len(sentences.vectors))
        except ModelUnavailableError as exc:
            notes.append(f"{exc} Built the lexical index only.")
        timings["dense"] = time.perf_counter() - clock

    built_at = datetime.now(timezone.utc)
    manifest = Manifest(
        build_id=f"build-{built_at.strftime('%Y%m%dT%H%M%S%fZ')}",
        kotae_version=package_version("kotae"),
        built_at=built_at.isoformat(timespec="seconds"),
        settings=store.build_settings(ix),
        corpus=CorpusInfo(dir=str(ix.corpus_dir.resolve()), fingerprint=fingerprint(ix.corpus_dir), documents=len(docs),
                          characters=sum(len(d.text) for d in docs)),
        analyzer=AnalyzerInfo(tokenizer=f"fugashi {package_version('fugashi')}",
                              dictionary=f"unidic-lite {package_version('unidic-lite')}", term_form=ix.term_form),
        chunker=ChunkerInfo(method=ix.chunking, target=ix.chunk_target, max=ix.chunk_max, overlap=ix.chunk_overlap,
                            chunks=len(chunks)),
        lexical=LexicalInfo(library=f"bm25s {package_version('bm25s')}", method="lucene", k1=K1, b=B,
                            vocabulary=len(lexical.vocab)),
        lexicon=LexiconInfo(keys=len(lexicon.entries), sound_keys=len(lexicon.skeletons),
                            sources="JMdict/JMnedict (EDRDG, CC BY-SA 4.0), UniDic loanword origins, katakana sounds"
                            if ix.lexicon else "UniDic loanword origins, katakana sounds"),
        dense=dense_info,
        notes=tuple(notes),
        build_seconds=timings,  # the write's own time is added below, before the manifest is written
    )
    clock = time.perf_counter()

    def written(m: Manifest) -> Manifest:
        return replace(m, build_seconds={**m.build_seconds, "write": time.perf_counter() - clock})

    manifest = kept.write(ix, manifest, docs, chunks, lexical, lexicon, dense, finish=written, sentences=sentences)
    return BuildResult(manifest=manifest, notes=tuple(notes), skipped=corpus.skipped)


def _cached_vectors(cache: BuildCache, embedder: Embedder, texts: list[str], *, batch_size: int,
                    progress: bool, kind: str = "vectors") -> np.ndarray:
    """The passage vectors of `texts`, those of earlier builds reused (see build_cache)."""
    keys = [cache_key(embedder.fingerprint, embedder.passage_prefix, text) for text in texts]
    return cache.vectors(keys, getattr(embedder, "dimension", None), lambda todo: embedder.encode_passages(
        [texts[i] for i in todo], batch_size=batch_size, progress=progress), kind=kind)


def _progress(items, label: str, enabled: bool):
    if not enabled:
        return items
    from rich.progress import track

    return track(items, description=label, transient=True)


