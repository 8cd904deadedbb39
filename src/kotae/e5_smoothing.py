"""What the bundled model's 8-bit products divide their inputs by (see kotae.e5_graph): the largest magnitude each
input column of a layer's QKV and first feed-forward matrices takes, measured on the sentences of
data/e5_calibration.txt (everyday Japanese and English, questions and passages, about no corpus in particular).

Shipped measured, in data/e5_smoothing.npz with the digest of the weights it was measured on, so that every machine
builds the same graph; measured as the model loads (about a second) where that file is missing or was measured on
other weights. `python -m kotae.e5_smoothing` measures it again and writes it.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from kotae import data_file
from kotae.e5_graph import SMOOTHED, build_graph, session
from kotae.e5_weights import E5Weights, weights_digest

CALIBRATION = "e5_calibration.txt"
SHIPPED = "e5_smoothing.npz"
RUN = 6  # passages of one script read together as one longer passage, as a chunk is

# The model's input for a batch of token ids: (x, mask), as OnnxE5 gives its graph.
Inputs = Callable[[list[list[int]]], tuple[np.ndarray, np.ndarray]]


def calibration_texts(path: Path | None = None) -> list[tuple[str, bool]]:
    """(text, is_query) for every line of the calibration file (not its comments), then runs of RUN passages."""
    lines = [line.strip() for line in (path or data_file(CALIBRATION)).read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    texts = [(line, line.endswith(("?", "？"))) for line in lines]
    runs = []
    for ascii_only in (False, True):
        passages = [text for text, question in texts if not question and text.isascii() == ascii_only]
        runs += [((" " if ascii_only else "").join(passages[at:at + RUN]), False)
                 for at in range(0, len(passages), RUN)]
    return texts + runs


def measure(weights: E5Weights, ids: Callable[[str, bool], list[int]], inputs: Inputs) -> np.ndarray:
    """(layers, len(SMOOTHED), hidden): the largest magnitude of each input column of the smoothed matrices over
    every token of the calibration texts, run through the model with all its matrices in 4 bits."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    run = session(build_graph(weights, taps=True), options).run
    names = [f"{matrix}{layer}" for layer in range(weights.layers) for matrix in SMOOTHED]
    largest = np.zeros((len(names), weights.hidden), np.float32)
    for text, is_query in calibration_texts():
        x, mask = inputs([ids(text, is_query)])
        for n, tapped in enumerate(run(names, {"x": x, "mask": mask})):
            largest[n] = np.maximum(largest[n], np.abs(tapped).reshape(-1, weights.hidden).max(axis=0))
    return largest.reshape(weights.layers, len(SMOOTHED), weights.hidden)


def shipped(weights_digest: str) -> np.ndarray | None:
    """The shipped measurement, where it was measured on the weights of this digest (None where it is missing,
    damaged or of other weights)."""
    path = data_file(SHIPPED)
    try:
        with np.load(path) as saved:
            if str(saved["weights"]) != weights_digest:
                return None
            return saved["largest"].astype(np.float32)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):  # missing or damaged: measured again as it loads
        return None


def save(largest: np.ndarray, weights_digest: str, path: Path | None = None) -> Path:
    path = path or data_file(SHIPPED)
    np.savez(path, largest=largest.astype(np.float32), weights=np.array(weights_digest))
    return path


def digest(largest: np.ndarray) -> str:
    """Eight hex digits naming a measurement, for the encoder's fingerprint."""
    return hashlib.sha256(np.ascontiguousarray(largest, np.float32).tobytes()).hexdigest()[:8]


def measure_bundled() -> tuple[np.ndarray, str]:
    """The bundled model's measurement on this machine, and the digest of the weights it was measured on."""
    from kotae.embed_bundled import MODELS, _weights_file
    from kotae.embed_onnx import OnnxE5

    path = _weights_file(MODELS["multilingual-e5-small"][1])
    model = OnnxE5(path, 1, smoothed=False)
    return measure(model.weights, model.ids, model.inputs), weights_digest(path)


def main() -> None:
    largest, weights = measure_bundled()
    print(f"wrote {save(largest, weights)} (measurement {digest(largest)})")


if __name__ == "__main__":
    main()
