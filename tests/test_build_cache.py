"""Rebuilds redo only what changed: extraction, analysis and vectors are reused by content, and give the same index."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from support import THROWAWAY, TINY_CHUNKING, make_settings, write_tiny_corpus

from kotae.build import build_index
from kotae.build_cache import FILE, BuildCache
from kotae.embed import Embedder
from kotae.sentences import sentence_units
from kotae.store import load_index


class CountingEmbedder(Embedder):
    """Deterministic vectors from the text's bytes; counts the passages it is asked to encode."""

    name = backend = "counting"
    dimension = 8

    def __init__(self, fingerprint: str = "counting 1") -> None:
        self.fingerprint = fingerprint
        self.encoded: list[str] = []

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.array([[sum(t.encode()) % (n + 7) + n for n in range(self.dimension)] for t in texts], np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def encode_queries(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        return self._vectors(texts)

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        self.encoded.extend(texts)
        return self._vectors(texts)


def settings_for(tmp_path, **overrides):
    corpus = tmp_path / "corpus"
    if not corpus.exists():
        write_tiny_corpus(corpus)
    return make_settings(corpus, tmp_path / "index", **{**TINY_CHUNKING, **THROWAWAY,
                                                        "embed_model": "counting", **overrides})


def test_a_second_build_reuses_everything_and_builds_the_same_index(tmp_path):
    settings = settings_for(tmp_path)
    embedder = CountingEmbedder()
    first = build_index(settings, embedder=embedder)
    chunks = first.manifest.chunker.chunks
    before = load_index(settings)
    sentences = {c.text[u.start:u.end] for c in before.chunks for u in sentence_units(c.text)}
    assert len(embedder.encoded) == chunks + len(sentences) and (settings.index.index_dir / FILE).is_file()
    assert first.cache is None  # nothing reused, nothing said

    embedder.encoded.clear()
    second = build_index(settings, embedder=embedder)
    assert embedder.encoded == []
    documents = second.manifest.corpus.documents
    assert f"extracted {documents}/{documents}" in second.cache and f"vectors {chunks}/{chunks}" in second.cache
    assert f"sentences {len(sentences)}/{len(sentences)}" in second.cache
    after = load_index(settings)
    assert [c.text for c in after.chunks] == [c.text for c in before.chunks]
    assert after.lexical.vocab == before.lexical.vocab
    query = embedder.encode_queries(["図書館"])[0]
    assert after.dense.search(query, 5) == before.dense.search(query, 5)
    assert np.array_equal(after.sentences.vectors, before.sentences.vectors)


def test_changing_one_file_redoes_that_file_only(tmp_path):
    settings = settings_for(tmp_path)
    embedder = CountingEmbedder()
    first = build_index(settings, embedder=embedder)
    changed = sorted(settings.index.corpus_dir.glob("*.md"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n新しい段落を追加した。\n", encoding="utf-8")
    embedder.encoded.clear()
    second = build_index(settings, embedder=embedder)
    documents = second.manifest.corpus.documents
    assert f"extracted {documents - 1}/{documents}" in second.cache
    index = load_index(settings)
    doc_id = next(c.doc_id for c in index.chunks if "新しい段落を追加した" in c.text)
    own = {c.text for c in index.chunks if c.doc_id == doc_id}
    # The changed file's chunks and sentences only (a sentence is read after its document's title).
    title = index.documents[doc_id].title
    assert embedder.encoded and all(any(text.endswith(c) or text.removeprefix(title + "\n") in c for c in own)
                                    for text in embedder.encoded)
    assert second.manifest.chunker.chunks >= first.manifest.chunker.chunks


def test_another_model_or_no_cache_encodes_again(tmp_path):
    settings = settings_for(tmp_path)
    build_index(settings, embedder=CountingEmbedder())
    other = CountingEmbedder("counting 2")
    chunks = build_index(settings, embedder=other).manifest.chunker.chunks
    sentences = {c.text[u.start:u.end] for c in load_index(settings).chunks for u in sentence_units(c.text)}
    assert len(other.encoded) == chunks + len(sentences)
    again = CountingEmbedder("counting 2")
    result = build_index(settings, embedder=again, cache=False)
    assert len(again.encoded) == chunks + len(sentences) and result.cache is None


def test_a_damaged_cache_costs_time_only(tmp_path):
    settings = settings_for(tmp_path, embed_model="none")
    settings.index.index_dir.mkdir(parents=True)
    (settings.index.index_dir / FILE).write_bytes(b"this is not a database" * 100)
    result = build_index(settings)
    assert result.manifest.chunker.chunks > 0
    assert load_index(settings).chunks


def test_the_cache_tells_hits_from_misses(tmp_path):
    with BuildCache(tmp_path / FILE) as cache:
        computed: list[list[int]] = []

        def compute(todo: list[int]) -> list[list[str]]:
            computed.append(todo)
            return [[f"t{i}"] for i in todo]

        assert cache.terms(["a", "b"], compute) == [["t0"], ["t1"]]
        assert cache.terms(["b", "c"], compute) == [["t1"], ["t1"]]
        assert computed == [[0, 1], [1]] and cache.stats.hits["terms"] == 1 and cache.stats.misses["terms"] == 3
