"""Synthetic collections for the benchmark: realistic because they are made of the corpus's own sentences."""

from __future__ import annotations

import numpy as np

from kotae.bench.synthetic import (
    clustered_vectors,
    recombined_chunks,
    sentence_terms,
    sentences,
    write_recombined_corpus,
)
from kotae.load import load_corpus


def test_recombined_corpus_is_bigger_and_made_of_corpus_sentences(corpus_docs, tmp_path):
    folder = write_recombined_corpus(corpus_docs, tmp_path / "corpus", multiple=2)
    docs = load_corpus(folder)
    assert len(docs) == 2 * len(corpus_docs)
    assert sum(len(d.text) for d in docs) >= 2 * sum(len(d.text) for d in corpus_docs) * 0.8
    real = set(sentences(corpus_docs))
    made = sentences(docs)
    assert made and sum(s in real for s in made) / len(made) > 0.9


def test_recombined_chunks_are_runs_of_whole_sentences(lexical_index, analyzer):
    terms = sentence_terms(lexical_index.chunks[:20], analyzer)
    ids, offsets = recombined_chunks(terms, 50, seed=3)
    assert len(offsets) == 51 and offsets[0] == 0 and offsets[-1] == len(ids)
    runs = {tuple(terms.ids[a:b]) for a, b in zip(terms.offsets, terms.offsets[1:])}
    for start, end in zip(offsets, offsets[1:]):
        chunk = list(ids[start:end])
        rest = chunk
        while rest:  # greedily peel off sentences: every chunk must be a concatenation of real ones
            match = next((r for r in sorted(runs, key=len, reverse=True) if r and tuple(rest[:len(r)]) == r), None)
            assert match is not None
            rest = rest[len(match):]
    assert np.array_equal(recombined_chunks(terms, 50, seed=3)[0], ids), "seeded, so runs repeat"


def test_sentence_terms_keep_answer_type_terms(lexical_index, analyzer):
    terms = sentence_terms(lexical_index.chunks, analyzer)
    assert any(t.startswith("[") for t in terms.vocab)
    assert terms.count == len(terms.offsets) - 1 and terms.units_per_chunk.min() >= 1


def test_clustered_vectors_look_like_sentence_embeddings():
    vectors, queries = clustered_vectors(3000, 64, queries=20, seed=1)
    assert vectors.shape == (3000, 64) and queries.shape == (20, 64) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = queries @ vectors.T
    nearest = np.sort(similarity, axis=1)[:, -1]
    typical = np.median(similarity, axis=1)
    assert 0.5 < typical.mean() < 0.9, "a shared direction: unrelated texts are still somewhat similar"
    assert np.all(nearest > typical + 0.1), "neighbourhoods: the nearest vector stands out"
