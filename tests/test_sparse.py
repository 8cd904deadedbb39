"""BM25 as sparse vectors (the milvus store's lexical side), checked against the local BM25 without Milvus."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from kotae.lexical import LexicalIndex
from kotae.query import Query
from kotae.stores.sparse import TermStats, document_vectors, query_vector
from kotae.translate import Translation

CHUNKS = [["北", "大西", "洋", "条約", "機構", "加盟"], ["日本", "北", "大西", "洋", "北", "大西", "洋", "協力"],
          ["日本", "協力", "協力", "宣言"], ["宣言", "署名", "[date]署名"], []]


def _inner(vectors: list[dict[int, float]], query: dict[int, float]) -> np.ndarray:
    return np.array([sum(w * query.get(t, 0.0) for t, w in v.items()) for v in vectors])


def _setup():
    lexical = LexicalIndex.build(CHUNKS)
    indptr, indices, data, doclen = lexical.term_frequencies()
    stats = TermStats.of(lexical.vocab, np.diff(indptr), lexical.size)
    return lexical, stats, document_vectors(indptr, indices, data, doclen)


@pytest.mark.parametrize("terms", [["日本", "協力"], ["宣言"], ["北", "大西", "洋", "加盟", "未知"], ["協力", "協力"]])
def test_the_inner_product_of_the_sparse_vectors_is_the_bm25_score(terms):
    lexical, stats, vectors = _setup()
    query = Query(lang="ja", terms=tuple(stats.known(terms)), translations=(), unknown=(), kind=None)
    assert np.allclose(_inner(vectors, query_vector(query, stats, type_weight=0.5)), lexical.scores(terms),
                       rtol=1e-5, atol=1e-6)


def test_answer_type_terms_weigh_as_in_the_local_store():
    lexical, stats, vectors = _setup()
    query = Query(lang="ja", terms=("署名",), translations=(), unknown=(), kind="date")
    expected = lexical.scores(["署名"]) + 0.5 * lexical.scores(["[date]署名"])
    assert np.allclose(_inner(vectors, query_vector(query, stats, type_weight=0.5)), expected, rtol=1e-5)


def test_a_translated_word_whose_candidates_never_meet_scores_as_the_structured_query():
    lexical, stats, vectors = _setup()
    translation = Translation(source="atlantic", candidates=(("北", "大西", "洋"), ("宣言",)), weights=(1.0, 1.0))
    query = Query(lang="en", terms=(), translations=(translation,), unknown=(), kind=None)
    local = lexical.group_scores([translation.group])
    milvus = _inner(vectors, query_vector(query, stats, type_weight=0.5))
    assert np.allclose(milvus, local, rtol=1e-5)  # candidates never in one chunk together: exact
    assert list(np.argsort(-milvus)[:2]) == list(np.argsort(-local)[:2])


@pytest.mark.parametrize("term", ["日本", "北", "宣言", "未知"])
def test_a_terms_share_of_the_chunks_is_the_local_stores(term):
    # follow-ups (a common word names no subject) and kana spelling read it from either store
    lexical, stats, _ = _setup()
    assert stats.document_share(term) == lexical.document_share(term)


def test_term_statistics_survive_a_round_trip(tmp_path):
    _, stats, _ = _setup()
    stats.save(tmp_path / "terms.json")
    again = TermStats.load(tmp_path / "terms.json")
    assert again.vocab == stats.vocab and list(again.df) == list(stats.df) and again.size == stats.size
    assert again.idf("協力") == stats.idf("協力") and again.idf("未知") == stats.idf("")


def test_the_local_store_never_imports_pymilvus(lexical_settings):
    code = ("import sys, kotae; k = kotae.open(settings=kotae.Settings.of(index_dir=sys.argv[1], "
            "corpus_dir=sys.argv[2])); k.search('図書館'); assert 'pymilvus' not in sys.modules, 'imported'")
    done = subprocess.run([sys.executable, "-c", code, str(lexical_settings.index.index_dir),
                           str(lexical_settings.index.corpus_dir)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_rescoring_candidates_gives_the_structured_query_exactly():
    from kotae.stores.rescore import rescore
    from kotae.stores.sparse import length_norms

    lexical, stats, vectors = _setup()
    norms = length_norms(lexical.term_frequencies()[3])
    # Weights below 1 and two candidates in one chunk: what one sparse vector cannot say, rescoring can.
    translation = Translation(source="atlantic", candidates=(("北", "大西", "洋"), ("宣言",), ("協力",)),
                              weights=(1.0, 0.5, 0.25))
    query = Query(lang="en", terms=("日本",), translations=(translation,), unknown=(), kind=None)
    rows = [(i, v, float(norms[i])) for i, v in enumerate(vectors)]
    local = lexical.scores(["日本"]) + lexical.group_scores([translation.group])
    ours = dict(rescore(query, stats, rows, type_weight=0.5))
    # The group's document frequency is estimated (a weighted sum, not the union), so compare with it swapped in.
    assert set(ours) == {i for i in range(len(CHUNKS)) if local[i] > 0}
    order = sorted(ours, key=lambda i: -ours[i])
    assert order == sorted(ours, key=lambda i: -local[i])
