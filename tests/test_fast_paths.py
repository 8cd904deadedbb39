"""Work done once rather than per request: batched question encoding, remembered vectors and analysed
chunks, no analysis of the corpus at query time, and the array-based BM25 paths that scale."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import kotae.analyze
import kotae.lexicon
import kotae.short_answer
from kotae.answer import Answerer
from kotae.build import index_terms
from kotae.embed_st import SentenceTransformerEmbedder
from kotae.facade import Kotae
from kotae.lexical import LexicalIndex, lucene_idf
from kotae.lexicon import Candidate as LexiconCandidate
from kotae.lexicon import Lexicon
from kotae.retrieve import BATCH, Retriever

QUESTIONS = ["図書館の館長は誰ですか", "Who is the director of the library?", "蒸気機関車の運転の再開",
             "静岡茶まつりの来場者"]


@pytest.fixture
def counting_retriever(dense_index, dense_settings):
    """A fresh retriever over the tiny-model index whose model records every encode call."""
    embedder = Retriever(dense_index, dense_settings).embedder()
    calls: list[list[str]] = []
    real = embedder.model.encode

    class Model:
        def __getattr__(self, name):
            return getattr(embedder.model, name)

        def encode(self, texts, **kwargs):
            calls.append(list(texts))
            return real(texts, **kwargs)

    counted = SentenceTransformerEmbedder(embedder.name, Model(), query_prefix=embedder.query_prefix,
                                          passage_prefix=embedder.passage_prefix, fingerprint=embedder.fingerprint)
    return Retriever(dense_index, dense_settings, embedder=counted), calls


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_search_batch_encodes_the_questions_in_one_call_and_matches_single_searches(counting_retriever, dense_index,
                                                                                    dense_settings, mode):
    retriever, calls = counting_retriever
    kotae = Kotae(dense_index, dense_settings, embedder=retriever.embedder())
    results = list(kotae.search_batch(QUESTIONS, mode=mode, top_k=5, qids=["a", "b", "c", "d"]))
    words = retriever.settings.retrieval.encoder_words
    encoded = [retriever.query(q).encoder_text(q, words) for q in QUESTIONS]  # English ones with their translation
    assert len(calls) == 1 and sorted(calls[0]) == sorted(encoded)
    assert [r.id for r in results] == ["a", "b", "c", "d"]
    single = [Kotae(dense_index, dense_settings).search(q, mode=mode, top_k=5) for q in QUESTIONS]
    assert [r.passages for r in results] == [r.passages for r in single]


def test_search_batch_splits_long_batches(counting_retriever, dense_index, dense_settings):
    retriever, calls = counting_retriever
    kotae = Kotae(dense_index, dense_settings, embedder=retriever.embedder())
    questions = [f"茶まつりの催し {n}" for n in range(BATCH + 3)]
    results = list(kotae.search_batch(questions, mode="dense", top_k=1))
    assert len(results) == len(questions)
    assert [len(c) for c in calls] == [BATCH, 3]


def test_lexical_batches_never_load_the_model(lexical_index, lexical_settings):
    kotae = Kotae(lexical_index, lexical_settings)
    results = list(kotae.search_batch(QUESTIONS, mode="lexical"))
    assert all(r.mode == "lexical" and r.passages for r in results)
    assert kotae.retriever._embedder is None


def test_a_question_asked_again_is_not_encoded_again(counting_retriever, dense_index, dense_settings):
    retriever, calls = counting_retriever
    first = retriever.search(QUESTIONS[0], mode="dense")
    again = retriever.search(QUESTIONS[0], mode="dense")
    assert len(calls) == 1 and first == again
    uncached = Retriever(dense_index, dense_settings, embedder=retriever.embedder(), vector_cache=0)
    uncached.search(QUESTIONS[0], mode="dense")
    uncached.search(QUESTIONS[0], mode="dense")
    assert len(calls) == 3


def test_search_analyses_only_the_question(retriever, monkeypatch):
    analysed: list[str] = []
    real = kotae.analyze.Analyzer.tokens
    monkeypatch.setattr(kotae.analyze.Analyzer, "tokens", lambda self, text: analysed.append(text) or real(self, text))
    broad = "2019年と2022年と2023年の出来事"  # words in more than ten passages
    result = retriever.search(broad, mode="lexical", top_k=10)
    assert len(result.passages) == 10
    assert analysed == [broad]


def test_answers_analyse_each_chunk_once_and_its_tokens_match_the_passage(lexical_index, lexical_settings,
                                                                          monkeypatch):
    answerer = Answerer(Retriever(lexical_index, lexical_settings))
    first = answerer.ask(QUESTIONS[0])
    passage = first.passages[0]
    reading = answerer._read(passage.chunk_id)
    tokens = [t for unit in reading.tokens for t in unit]
    assert all(passage.text[t.start:t.end] == t.surface for t in tokens)
    assert {t.term for t in tokens} <= reading.context
    chunk = answerer.retriever.chunk(passage.chunk_id)
    assert set(answerer.retriever.analyzer.terms(chunk.heading)) <= reading.context
    # Asked again, only the question is analysed: the passages and the answer's glosses come from memory.
    analysed: list[str] = []
    real = kotae.analyze.Analyzer.tokens
    monkeypatch.setattr(kotae.analyze.Analyzer, "tokens", lambda self, text: analysed.append(text) or real(self, text))
    english = answerer.ask(QUESTIONS[1])
    assert english.glosses
    analysed.clear()
    assert answerer.ask(QUESTIONS[0]) == first and answerer.ask(QUESTIONS[1]) == english
    assert analysed == [QUESTIONS[0], QUESTIONS[1]]


def test_bm25_from_term_ids_equals_the_built_index(lexical_index, analyzer):
    terms = [index_terms(analyzer, c) for c in lexical_index.chunks]
    built = LexicalIndex.build(terms)
    vocab: dict[str, int] = {}
    ids = np.array([vocab.setdefault(t, len(vocab)) for chunk in terms for t in chunk], dtype=np.int32)
    offsets = np.concatenate([[0], np.cumsum([len(t) for t in terms])])
    fast = LexicalIndex.from_term_ids(ids, offsets, vocab)
    assert set(fast.vocab) == set(built.vocab) and fast.size == built.size
    for query in (["図書", "館長"], ["茶", "まつり", "来場"], ["[place]市長"], ["存在しない語"]):
        np.testing.assert_allclose(fast.scores(query), built.scores(query), rtol=1e-6)
    for term in ("図書", "茶", "", "存在しない語"):
        assert fast.idf(term) == pytest.approx(built.idf(term))
    groups = [[(("図書", "館"), 1.0), (("蔵書",), 0.5)], [(("蒸気",), 1.0), (("機関",), 0.5)]]
    np.testing.assert_allclose(fast.group_scores(groups), built.group_scores(groups), rtol=1e-6)


def test_long_and_short_postings_are_merged_alike(lexical_index):
    lexical = lexical_index.lexical
    for group in ([(("松本",), 1.0), (("市",), 0.5), (("図書",), 0.25)], [(("蒸気",), 1.0), (("機関",), 0.5)]):
        found = [(*lexical._postings(terms), weight) for terms, weight in group]
        dense, sparse = np.zeros(lexical.size, np.float32), np.zeros(lexical.size, np.float32)
        lexical._add_dense(dense, found)
        lexical._add_sparse(sparse, found)
        assert dense.any()
        np.testing.assert_array_equal(dense, sparse)


def test_runs_of_terms_occur_where_all_their_terms_do(lexical_index):
    lexical = lexical_index.lexical
    docs, freqs = lexical._postings(("松本", "市"))
    assert docs.size and np.all(np.diff(docs) > 0)
    assert docs.size < lexical._postings(("市",))[0].size, "市 also stands without 松本 (ザルツブルク市)"
    for term in ("松本", "市"):
        alone, alone_freqs = lexical._postings((term,))
        assert set(docs) <= set(alone)
        assert np.all(freqs <= alone_freqs[np.searchsorted(alone, docs)])


def test_a_phrase_is_looked_up_once_and_remembered_within_a_bound(monkeypatch):
    lexicon = Lexicon(entries={"library": (LexiconCandidate("図書館", ("図書", "館"), "jmdict", 10.0),),
                               "director": (LexiconCandidate("館長", ("館長",), "jmdict", 9.0),)}, skeletons={})
    calls: list[tuple[str, ...]] = []
    real = Lexicon.candidates

    def counted(self, words):
        calls.append(tuple(words))
        return real(self, words)

    monkeypatch.setattr(Lexicon, "candidates", counted)
    first = lexicon.lookup(["library"])
    assert first and first[0].ja == "図書館"
    assert lexicon.lookup(("library",)) is first and calls == [("library",)]
    monkeypatch.setattr(kotae.lexicon, "LOOKUPS_REMEMBERED", 2)
    lexicon = Lexicon(entries=lexicon.entries, skeletons={})  # one whose memory holds two phrases
    lexicon.lookup(["library"])
    lexicon.lookup(["director"])
    lexicon.lookup(["libraries"])  # a third phrase: the least recent is let go
    assert lexicon.lookup(["library"]) == first and calls[-1] == ("library",)
    assert lexicon._remembered.cache_info().currsize <= 2


def test_a_sentences_spans_are_found_once_for_the_tokens_it_was_read_in(analyzer, monkeypatch):
    calls: list[str] = []
    real = kotae.short_answer.find_all

    def counted(text, tokens):
        calls.append(text)
        return real(text, tokens)

    monkeypatch.setattr(kotae.short_answer, "find_all", counted)
    monkeypatch.setattr(kotae.short_answer, "_FOUND", {})
    text = "館長は2024年4月に就任した。"
    tokens = tuple(analyzer.tokens(text))
    first = kotae.short_answer._found(text, tokens)
    assert any(f.kind == "date" for f in first)
    assert kotae.short_answer._found(text, tokens) is first and len(calls) == 1
    other = tuple(analyzer.tokens(text))  # equal tokens, other objects: still remembered
    assert kotae.short_answer._found(text, other) is first and len(calls) == 1
    shifted = tuple(replace(t, start=t.start + 1, end=t.end + 1) for t in tokens)  # other tokens: found again
    assert kotae.short_answer._found(text, shifted) is not first and len(calls) == 2


def test_idf_is_remembered_for_the_vocabularys_terms_only(lexical_index):
    lexical = lexical_index.lexical
    term = next(iter(lexical.vocab))
    expected = float(lucene_idf(lexical.size, lexical.df(term)))
    assert lexical.idf(term) == pytest.approx(expected) and lexical._idfs[term] == lexical.idf(term)
    assert lexical.idf("語彙にない語") == pytest.approx(float(lucene_idf(lexical.size, 1)))
    assert "語彙にない語" not in lexical._idfs
