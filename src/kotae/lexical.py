"""BM25 over the analyzer's terms, with bm25s (its own tokenizer is never used on Japanese)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

K1, B = 1.5, 0.75  # bm25s' Lucene defaults, recorded in the manifest


TF_FILES = ("tf.indptr.npy", "tf.indices.npy", "tf.data.npy", "doclen.npy")


class LexicalIndex:
    """A BM25 index over chunks, each given as a list of terms.

    bm25s stores per-term scores, which is all a plain query needs. Structured queries (one English word
    translated into several Japanese terms) need raw term frequencies summed *before* BM25 saturation, so
    a term-major frequency matrix is kept beside it.
    """

    def __init__(self, retriever, tf: tuple[np.ndarray, np.ndarray, np.ndarray], doclen: np.ndarray) -> None:
        self._bm25 = retriever
        self.vocab: dict[str, int] = retriever.vocab_dict
        self._tf_indptr, self._tf_indices, self._tf_data = tf
        self._doclen = doclen
        self._avglen = float(doclen.mean()) if doclen.size else 1.0

    @classmethod
    def build(cls, docs_terms: Sequence[Sequence[str]]) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25(k1=K1, b=B, method="lucene")
        # An empty chunk would break bm25s' vocabulary; the empty token it adds for that case scores nothing.
        retriever.index([list(t) for t in docs_terms], show_progress=False)
        tf, doclen = _term_frequencies(docs_terms, retriever.vocab_dict)
        return cls(retriever, tf, doclen)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False)
        arrays = (self._tf_indptr, self._tf_indices, self._tf_data, self._doclen)
        for name, array in zip(TF_FILES, arrays):
            np.save(folder / name, array, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, *, mmap: bool = True) -> LexicalIndex:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        mode = "r" if mmap else None
        indptr, indices, data, doclen = (np.load(folder / n, mmap_mode=mode, allow_pickle=False) for n in TF_FILES)
        return cls(bm25s.BM25.load(str(folder), mmap=mmap), (indptr, indices, data), np.asarray(doclen))

    @property
    def size(self) -> int:
        return int(self._bm25.scores["num_docs"])

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of a term; a term no chunk holds gets that of a single chunk's
        term, the most telling a word can be."""
        i = self.vocab.get(term)
        df = int(self._tf_indptr[i + 1] - self._tf_indptr[i]) if i is not None else 0
        return float(np.log(1 + (self.size - max(df, 1) + 0.5) / (max(df, 1) + 0.5)))

    def known(self, terms: Sequence[str]) -> list[str]:
        """The terms the index has seen, in order, without repeats."""
        return list(dict.fromkeys(t for t in terms if t and t in self.vocab))

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk for the query terms (each counted once)."""
        ids = [self.vocab[t] for t in self.known(terms)]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return self._bm25.get_scores(ids)

    def group_scores(self, groups: Sequence[Sequence[tuple[Sequence[str], float]]]) -> np.ndarray:
        """BM25 where each group of weighted candidates counts as one pseudo-term (structured query).

        A candidate is a run of terms (北大西洋 → 北 大西 洋) and occurs in a chunk as often as its rarest
        term does. A group's frequency in a chunk is the weighted sum of its candidates' frequencies and its
        document frequency counts each chunk by the weight of the likeliest candidate in it (after Darwish and
        Oard's probabilistic structured queries; with all weights 1 this is Pirkola's union). So a word with
        twenty translations weighs no more than a word with one, and an unlikely translation cannot make a
        word common.
        """
        total = np.zeros(self.size, dtype=np.float32)
        norm = K1 * ((1 - B) + B * self._doclen / self._avglen)
        for group in groups:
            docs_parts, freq_parts, weight_parts = [], [], []
            for terms, weight in group:
                docs, freqs = self._postings(terms)
                if docs.size:
                    docs_parts.append(docs)
                    freq_parts.append(weight * freqs)
                    weight_parts.append(np.full(docs.size, weight, dtype=np.float32))
            if not docs_parts:
                continue
            chunks, inverse = np.unique(np.concatenate(docs_parts), return_inverse=True)
            tf = np.bincount(inverse, weights=np.concatenate(freq_parts)).astype(np.float32)
            present = np.zeros(chunks.size, dtype=np.float32)  # the likeliest candidate each chunk holds
            np.maximum.at(present, inverse, np.concatenate(weight_parts))
            df = float(present.sum())
            idf = np.log(1 + (self.size - df + 0.5) / (df + 0.5))
            total[chunks] += idf * tf / (tf + norm[chunks])
        return total

    def _postings(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Chunks holding every term of a run, and the run's frequency there (that of its rarest term)."""
        docs = freqs = None
        for term in dict.fromkeys(terms):
            i = self.vocab.get(term)
            if i is None:
                return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
            d = self._tf_indices[self._tf_indptr[i]:self._tf_indptr[i + 1]]
            f = self._tf_data[self._tf_indptr[i]:self._tf_indptr[i + 1]]
            if docs is None:
                docs, freqs = np.asarray(d), np.asarray(f, dtype=np.float32)
            else:
                docs, left, right = np.intersect1d(docs, d, assume_unique=True, return_indices=True)
                freqs = np.minimum(freqs[left], f[right])
        if docs is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        return docs, freqs

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


def _term_frequencies(docs_terms: Sequence[Sequence[str]], vocab: dict[str, int]):
    """Term-major raw frequencies (CSR over terms) and chunk lengths, aligned with bm25s' vocabulary."""
    from collections import Counter

    rows: list[list[tuple[int, int]]] = [[] for _ in range(max(vocab.values(), default=-1) + 1)]
    for doc, terms in enumerate(docs_terms):
        for term, count in Counter(terms).items():
            rows[vocab[term]].append((doc, count))
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.fromiter((d for r in rows for d, _ in r), dtype=np.int32, count=int(indptr[-1]))
    data = np.fromiter((c for r in rows for _, c in r), dtype=np.float32, count=int(indptr[-1]))
    doclen = np.array([len(t) for t in docs_terms], dtype=np.float32)
    return (indptr, indices, data), doclen
