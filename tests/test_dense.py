"""The dense path, for real: a tiny sentence-transformers model built offline and loaded like a user's own."""

from __future__ import annotations

import pytest
from support import THROWAWAY, make_settings

import kotae.build
import kotae.embed
import kotae.retrieve
from kotae.build import build_index
from kotae.cli import main
from kotae.embed_st import SentenceTransformerEmbedder
from kotae.errors import ModelUnavailableError
from kotae.fuse import rrf, score_fusion
from kotae.retrieve import Ranking, Retriever
from kotae.store import load_index

QUESTION = "図書館の館長は誰ですか"


def test_manifest_records_the_model(dense_index, dense_settings, tiny_model):
    dense = dense_index.manifest.dense
    assert dense.model == str(tiny_model)
    assert dense.dimension == 32
    assert dense_index.model == str(tiny_model)
    assert dense_index.dense is not None
    assert dense_index.dense.dimension == 32
    assert dense_index.dense.size == len(dense_index.chunks)
    assert dense_index.manifest.notes == ()


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_dense_and_hybrid_search_quote_documents_exactly(dense_retriever, dense_index, mode):
    result = dense_retriever.search(QUESTION, mode=mode, top_k=10)
    assert result.mode == mode
    assert len(result.passages) == 10
    assert [p.rank for p in result.passages] == list(range(1, 11))
    assert len({p.chunk_id for p in result.passages}) == 10
    for p in result.passages:
        assert dense_index.documents[p.doc_id].text[p.start:p.end] == p.text


def test_auto_mode_with_vectors_is_hybrid(dense_retriever):
    assert dense_retriever.search(QUESTION).mode == "hybrid"


def test_a_chunks_own_text_finds_that_chunk_first(dense_retriever, dense_index):
    texts = [c.text for c in dense_index.chunks]
    firsts = {}
    for chunk in dense_index.chunks:  # the first chunk of each document whose text is unique
        if chunk.doc_id not in firsts and texts.count(chunk.text) == 1:
            firsts[chunk.doc_id] = chunk
    assert len(firsts) == len(dense_index.documents)
    for chunk in firsts.values():
        result = dense_retriever.search(chunk.text, mode="dense", top_k=3)
        assert result.passages[0].chunk_id == chunk.id


@pytest.mark.parametrize("method", ["scores", "rrf"])
def test_hybrid_fuses_the_lexical_and_dense_rankings(dense_index, dense_settings, method):
    settings = dense_settings.replace(fusion=method)
    retriever = Retriever(dense_index, settings)
    depth, weights = settings.retrieval.depth, settings.retrieval.fusion_weights("ja")
    lexical = [(p.chunk_id, p.score) for p in retriever.search(QUESTION, mode="lexical", top_k=depth).passages]
    dense = [(p.chunk_id, p.score) for p in retriever.search(QUESTION, mode="dense", top_k=depth).passages]
    hybrid = retriever.search(QUESTION, mode="hybrid", top_k=10).passages

    if method == "rrf":
        expected = rrf({"lexical": [i for i, _ in lexical], "dense": [i for i, _ in dense]}, weights,
                       k=settings.retrieval.rrf_k)[:10]
    else:  # BM25 scaled from 0 (no match), cosines from the lowest among the candidates
        expected = score_fusion({"lexical": lexical, "dense": dense}, weights, floors={"lexical": 0.0})[:10]
    assert [p.chunk_id for p in hybrid] == [item for item, _ in expected]
    assert [p.score for p in hybrid] == pytest.approx([score for _, score in expected], abs=1e-5)
    lexical, dense = [i for i, _ in lexical], [i for i, _ in dense]

    ids = {p.chunk_id for p in hybrid}
    assert ids & set(lexical[:10]) and ids & set(dense[:10])
    assert ids - set(lexical[:10]), "hybrid brings in passages lexical search ranks low"
    assert ids - set(dense[:10]), "hybrid brings in passages dense search ranks low"


def test_fusion_weights_are_honoured(dense_index, dense_settings):
    lexical_only = make_settings(dense_settings.index.corpus_dir, dense_settings.index.index_dir,
                                 embed_model=dense_settings.index.embed_model, weight_dense=0.0)
    retriever = Retriever(dense_index, lexical_only)
    hybrid = [p.chunk_id for p in retriever.search(QUESTION, mode="hybrid", top_k=5).passages]
    lexical = [p.chunk_id for p in retriever.search(QUESTION, mode="lexical", top_k=5).passages]
    assert hybrid == lexical


def test_model_is_loaded_through_load_embedder_like_a_users_folder(small_corpus, tmp_path, tiny_model,
                                                                   monkeypatch):
    calls: list[str] = []

    def spy(name, **kwargs):
        calls.append(name)
        return real(name, **kwargs)

    real = kotae.embed.load_embedder
    monkeypatch.setattr(kotae.build, "load_embedder", spy)
    monkeypatch.setattr(kotae.retrieve, "load_embedder", spy)

    settings = make_settings(small_corpus, tmp_path / "index", embed_model=str(tiny_model), **THROWAWAY)
    result = build_index(settings)
    assert calls == [str(tiny_model)]
    assert result.manifest.dense.dimension == 32

    retriever = Retriever(load_index(settings), settings)
    first = retriever.search(QUESTION, mode="dense", top_k=3)
    retriever.search("蒸気機関車の運転", mode="dense", top_k=3)
    assert calls == [str(tiny_model)] * 2, "the index's model is loaded once, on first use"
    assert len(first.passages) == 3


def test_missing_model_folder_builds_the_lexical_index_only(small_corpus, tmp_path, capsys):
    missing = tmp_path / "nonexistent"
    out = tmp_path / "index"
    code = main(["index", "--corpus", str(small_corpus), "--out", str(out), "--model", str(missing), "--quiet"])
    captured = capsys.readouterr()
    assert code == 0
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Built the lexical index only" in lines[0]
    assert str(missing) in lines[0]
    assert "Traceback" not in captured.err

    settings = make_settings(small_corpus, out, embed_model=str(missing))
    index = load_index(settings)
    assert index.dense is None and index.manifest.dense is None
    result = Retriever(index, settings).search(QUESTION)
    assert result.mode == "lexical" and result.passages


@pytest.mark.slow  # loads torch and sentence-transformers to look in the local cache
def test_unknown_hub_model_offline_is_model_unavailable_in_one_line(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailableError, match="--model") as err:
        kotae.embed.load_embedder("kotae-tests/no-such-model", timeout=1.0)
    assert "kotae-tests/no-such-model" in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.slow  # loads torch and sentence-transformers to read the folder
def test_unloadable_model_folder_is_model_unavailable(tmp_path):
    folder = tmp_path / "broken-model"
    folder.mkdir()
    (folder / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelUnavailableError, match="broken-model"):
        kotae.embed.load_embedder(str(folder))


ENGLISH = "Who is the director of the library?"


def test_english_questions_use_their_own_fusion_weights(dense_index, dense_settings):
    def ranking(**weights):
        settings = make_settings(dense_settings.index.corpus_dir, dense_settings.index.index_dir,
                                 embed_model=dense_settings.index.embed_model, **weights)
        return [p.chunk_id for p in Retriever(dense_index, settings).search(ENGLISH, mode="hybrid", top_k=5).passages]

    lexical_en = ranking(weight_dense_en=0.0)
    dense_en = ranking(weight_lexical_en=0.0)
    retriever = Retriever(dense_index, dense_settings)
    assert lexical_en == [p.chunk_id for p in retriever.search(ENGLISH, mode="lexical", top_k=5).passages]
    assert dense_en == [p.chunk_id for p in retriever.search(ENGLISH, mode="dense", top_k=5).passages]
    assert ranking(weight_dense=0.0) == ranking(), "the Japanese weights leave English questions alone"
    assert ranking(fusion="rrf") == ranking(), "and so does the Japanese fusion method"

    def top_score(**overrides):
        settings = dense_settings.replace(**overrides)
        return Retriever(dense_index, settings).search(ENGLISH, mode="hybrid", top_k=1).passages[0].score

    # English questions take their own method: reciprocal ranks stay near 1/61, scaled scores reach 0–1.
    assert top_score(fusion_en="rrf", fusion="scores") < 0.1 < top_score(fusion_en="scores", fusion="rrf") <= 1.0


def test_english_questions_are_embedded_with_the_query_prefix_and_their_translation(dense_index, dense_settings,
                                                                                    monkeypatch):
    loaded = Retriever(dense_index, dense_settings).embedder()
    embedder = SentenceTransformerEmbedder(loaded.name, loaded.model, query_prefix="query: ",
                                           fingerprint=loaded.fingerprint)
    seen: list[list[str]] = []
    real = embedder.model.encode
    monkeypatch.setattr(embedder.model, "encode", lambda texts, **kw: seen.append(list(texts)) or real(texts, **kw))
    retriever = Retriever(dense_index, dense_settings, embedder=embedder)
    result = retriever.search(ENGLISH, mode="dense", top_k=3)
    translated = " ".join("".join(t.candidates[0]) for t in retriever.query(ENGLISH).translations)
    assert translated and seen == [[f"query: {ENGLISH} {translated}"]]
    assert result.lang == "en" and len(result.passages) == 3


def test_the_model_counts_for_more_where_the_lexical_ranking_is_flat(dense_index, dense_settings):
    settings = dense_settings.retrieval
    assert settings.flat([(0, 1.4), (1, 1.3), (2, 1.2), (3, 1.1), (4, 1.0)])  # best under 1.5 × fifth
    assert not settings.flat([(0, 3.0), (1, 1.3), (2, 1.2), (3, 1.1), (4, 1.0)])
    assert not settings.flat([(0, 1.0), (1, 1.0)])  # too few to tell
    assert not dense_settings.replace(flat_ratio=1.0).retrieval.flat([(0, 1.0)] * 5)  # 1: never

    def fused(**overrides):
        own = dense_settings.replace(fusion="rrf", **overrides)
        lexical = Ranking("lexical", [(0, 1.4), (1, 1.3), (2, 1.2), (3, 1.1), (4, 1.0)])
        dense = Ranking("dense", [(4, 0.9), (3, 0.8), (2, 0.7), (1, 0.6), (0, 0.5)])
        return [i for i, _ in Retriever(dense_index, own)._combine([lexical, dense], "hybrid", "ja")]

    assert fused(flat_ratio=1.0)[0] == 0  # BM25 leads at the usual weights
    assert fused(weight_dense_flat=5.0)[0] == 4  # flat: the model's first comes first
    assert fused(weight_dense_flat=5.0, weight_dense=0.0)[0] == 0  # a dense weight of 0 stays 0
