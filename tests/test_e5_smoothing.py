"""The bundled model's 8-bit products: the scales they divide their inputs by are measured on the shipped
calibration sentences, shipped for the weights they were measured on, measured at load where they are not, and named
in the encoder's fingerprint."""

from __future__ import annotations

import numpy as np
import pytest
from support import foreign_arithmetic

import kotae.embed_bundled
from kotae import e5_smoothing
from kotae.e5_graph import GRAPH_VERSION, SMOOTHED, build_graph
from kotae.e5_weights import weights_digest
from kotae.embed_onnx import OnnxE5

TEXTS = ["松本市中央図書館の新館はいつ開館しましたか", "The new library opened in March 2024 next to the station."]


@pytest.fixture(scope="module")
def weights_path():
    return kotae.embed_bundled._weights_file("e5-small-q4.bin")


@pytest.fixture(scope="module")
def four_bits(weights_path):
    return OnnxE5(weights_path, 1, smoothed=False)


def test_the_calibration_file_gives_questions_passages_and_longer_runs():
    texts = e5_smoothing.calibration_texts()
    assert not any(text.startswith("#") for text, _ in texts)
    questions = [text for text, is_query in texts if is_query]
    assert questions and all(text.endswith(("?", "？")) for text in questions)
    assert any(not text.isascii() for text in questions) and any(text.isascii() for text in questions)
    passages = [text for text, is_query in texts if not is_query]
    assert any(text.count("。") == e5_smoothing.RUN for text in passages)  # six Japanese passages read as one
    assert any(text.count(". ") == e5_smoothing.RUN - 1 for text in passages)  # and six English ones


def test_the_shipped_scales_are_those_the_calibration_file_gives(weights_path, four_bits):
    shipped = e5_smoothing.shipped(weights_digest(weights_path))
    assert shipped is not None, "run python -m kotae.e5_smoothing"
    measured = e5_smoothing.measure(four_bits.weights, four_bits.ids, four_bits.inputs)
    assert measured.shape == shipped.shape == (four_bits.weights.layers, len(SMOOTHED), four_bits.weights.hidden)
    # the same numbers on the calibrating machine's arithmetic; within the kernels' rounding on another CPU's
    np.testing.assert_allclose(measured, shipped, rtol=0.05 if foreign_arithmetic() else 1e-3, atol=1e-3)
    # A layer norm's output has columns far larger than the rest: what the scales are for.
    assert (shipped.max(axis=-1) > 2 * np.median(shipped, axis=-1)).all()
    fi = SMOOTHED.index("fi")
    assert (shipped[:, fi].max(axis=-1) > 5 * np.median(shipped[:, fi], axis=-1)).all()


def test_scales_of_other_weights_or_damaged_are_not_used(tmp_path, monkeypatch, weights_path):
    monkeypatch.setattr(e5_smoothing, "data_file", lambda name: tmp_path / name)
    assert e5_smoothing.shipped(weights_digest(weights_path)) is None  # none shipped
    largest = np.ones((12, len(SMOOTHED), 384), np.float32)
    e5_smoothing.save(largest, "0123456789abcdef")
    assert e5_smoothing.shipped(weights_digest(weights_path)) is None
    np.testing.assert_array_equal(e5_smoothing.shipped("0123456789abcdef"), largest)
    (tmp_path / e5_smoothing.SHIPPED).write_bytes(b"PK\x03\x04 not a whole archive")  # damaged: measured again
    assert e5_smoothing.shipped("0123456789abcdef") is None


def test_where_none_are_shipped_the_model_measures_them_as_it_loads(monkeypatch, weights_path):
    shipped = OnnxE5(weights_path, 1)
    monkeypatch.setattr(e5_smoothing, "SHIPPED", "absent.npz")
    measured = OnnxE5(weights_path, 1)
    assert "scales " in measured.fingerprint_part
    cosines = (shipped.encode(TEXTS, True) * measured.encode(TEXTS, True)).sum(axis=1)
    assert cosines.min() > (0.999 if foreign_arithmetic() else 0.9999)  # see support.foreign_arithmetic


def test_other_scales_are_another_encoder(monkeypatch, weights_path):
    """Vectors of other scales never mix with these: the fingerprint names the scales (an index is then stale)."""
    ours = OnnxE5(weights_path, 1)
    monkeypatch.setattr(e5_smoothing, "shipped", lambda digest: np.full((12, len(SMOOTHED), 384), 2, np.float32))
    other = OnnxE5(weights_path, 1)
    assert other.fingerprint_part != ours.fingerprint_part
    assert OnnxE5(weights_path, 1, smoothed=False).fingerprint_part.endswith(f"graph {GRAPH_VERSION}")


def test_the_matrices_that_read_a_layer_norm_multiply_in_8_bits(four_bits, weights_path):
    import onnx

    weights = four_bits.weights
    smoothing = e5_smoothing.shipped(weights_digest(weights_path))

    def ops(graph: bytes) -> list[str]:
        return [node.op_type for node in onnx.load_from_string(graph).graph.node]

    smoothed, plain = ops(build_graph(weights, smoothing)), ops(build_graph(weights))
    assert smoothed.count("DynamicQuantizeMatMul") == len(SMOOTHED) * weights.layers == smoothed.count("Mul")
    assert smoothed.count("MatMulNBits") == 2 * weights.layers
    assert plain.count("MatMulNBits") == 4 * weights.layers and "DynamicQuantizeMatMul" not in plain
    tapped = [output.name for output in onnx.load_from_string(build_graph(weights, taps=True)).graph.output]
    assert tapped == ["y", *(f"{m}{layer}" for layer in range(weights.layers) for m in SMOOTHED)]


def test_the_layer_norms_run_as_plain_nodes_not_the_slower_fused_one(four_bits, weights_path, tmp_path):
    import onnx
    import onnxruntime as ort

    from kotae.e5_graph import session

    options = ort.SessionOptions()
    options.optimized_model_filepath = str(tmp_path / "as-run.onnx")  # the graph after onnxruntime's rewrites
    session(build_graph(four_bits.weights, e5_smoothing.shipped(weights_digest(weights_path))), options)
    ops = [node.op_type for node in onnx.load(str(tmp_path / "as-run.onnx")).graph.node]
    assert "SkipLayerNormalization" not in ops
    assert ops.count("LayerNormalization") == 2 * four_bits.weights.layers
