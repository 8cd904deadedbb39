"""BM25 over the analyzer's terms, with bm25s (its own tokenizer is never used on Japanese)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

K1, B = 1.5, 0.75  # bm25s' Lucene defaults, recorded in the manifest


class LexicalIndex:
    """A BM25 index over chunks, each given as a list of terms."""

    def __init__(self, retriever) -> None:
        self._bm25 = retriever
        self.vocab: dict[str, int] = retriever.vocab_dict

    @classmethod
    def build(cls, docs_terms: Sequence[Sequence[str]]) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25(k1=K1, b=B, method="lucene")
        # An empty chunk would break bm25s' vocabulary; the empty token it adds for that case scores nothing.
        retriever.index([list(t) for t in docs_terms], show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, *, mmap: bool = True) -> LexicalIndex:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        return cls(bm25s.BM25.load(str(folder), mmap=mmap))

    @property
    def size(self) -> int:
        return int(self._bm25.scores["num_docs"])

    def known(self, terms: Sequence[str]) -> list[str]:
        """The terms the index has seen, in order, without repeats."""
        return list(dict.fromkeys(t for t in terms if t and t in self.vocab))

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk for the query terms (each counted once)."""
        ids = [self.vocab[t] for t in self.known(terms)]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return self._bm25.get_scores(ids)

    def search(self, terms: Sequence[str], depth: int) -> list[tuple[int, float]]:
        """The best `depth` chunks with a positive score, as (chunk index, score), best first."""
        return top_positive(self.scores(terms), depth)


def top_positive(scores: np.ndarray, depth: int) -> list[tuple[int, float]]:
    """The indices of the `depth` highest positive scores, best first, ties broken by index."""
    if depth <= 0 or scores.size == 0:
        return []
    depth = min(depth, scores.size)
    candidates = np.argpartition(-scores, depth - 1)[:depth]
    ranked = sorted(candidates.tolist(), key=lambda i: (-float(scores[i]), i))
    return [(i, float(scores[i])) for i in ranked if scores[i] > 0]
