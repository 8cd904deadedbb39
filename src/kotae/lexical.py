"""BM25 over the analyzer's terms, with bm25s (its own tokenizer is never used on Japanese)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

K1, B = 1.5, 0.75  # bm25s' Lucene defaults, recorded in the manifest


TF_FILES = ("tf.indptr.npy", "tf.indices.npy", "tf.data.npy", "doclen.npy")
BM25_FILES = ("data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy", "params.index.json",
              "vocab.index.json")  # what bm25s saves for the Lucene variant
FILES = BM25_FILES + TF_FILES


def lucene_idf(n_docs: int, df):
    """BM25's inverse document frequency as bm25s computes it (Lucene's), for one df or an array of them; in
    double precision, as the scores have always been computed before rounding."""
    return np.log(1 + (n_docs - np.asarray(df, dtype=np.float64) + 0.5) / (np.asarray(df, dtype=np.float64) + 0.5))


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
        self._norm = K1 * ((1 - B) + B * doclen / self._avglen)  # BM25's length normalisation, once per index
        self._idfs: dict[str, float] = {}  # see idf

    @classmethod
    def build(cls, docs_terms: Sequence[Sequence[str]]) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25(k1=K1, b=B, method="lucene")
        # An empty chunk would break bm25s' vocabulary; the empty token it adds for that case scores nothing.
        retriever.index([list(t) for t in docs_terms], show_progress=False)
        tf, doclen = _term_frequencies(docs_terms, retriever.vocab_dict)
        return cls(retriever, tf, doclen)

    @classmethod
    def from_term_ids(cls, ids: np.ndarray, offsets: np.ndarray, vocab: dict[str, int]) -> LexicalIndex:
        """The index `build` makes, from chunks given as term ids (chunk i is ids[offsets[i]:offsets[i + 1]]),
        computed with array operations: for collections far larger than a Python list of terms can hold."""
        import bm25s
        from scipy import sparse

        vocab = dict(vocab)
        vocab.setdefault("", len(vocab))  # as bm25s adds it, so that lookups behave the same
        n_docs = len(offsets) - 1
        doclen = np.diff(offsets).astype(np.float32)
        chunk_of = np.repeat(np.arange(n_docs, dtype=np.int32), np.diff(offsets))
        tf = sparse.csr_matrix((np.ones(len(ids), dtype=np.float32), (ids, chunk_of)), shape=(len(vocab), n_docs))
        tf.sum_duplicates()  # also sorts each term's chunks
        df = np.diff(tf.indptr)
        idf = lucene_idf(n_docs, df)
        rows = np.repeat(np.arange(len(vocab)), df)
        norm = K1 * ((1 - B) + B * doclen.astype(np.float64) / float(doclen.mean() if n_docs else 1.0))
        scores = (idf[rows] * tf.data / (tf.data + norm[tf.indices])).astype(np.float32)
        # bm25s builds only from Python lists of each chunk's token ids, counted chunk by chunk in Python: at a
        # million chunks (180M postings) that is gigabytes of int objects and minutes, so its arrays are set here,
        # in the layout its own `index` leaves them in and its `save`, `load` and `get_scores` read.
        retriever = bm25s.BM25(k1=K1, b=B, method="lucene")
        retriever.scores = {"data": scores, "indices": tf.indices.astype(np.int32), "indptr": tf.indptr,
                            "num_docs": n_docs}
        retriever.vocab_dict = vocab
        retriever.unique_token_ids_set = set(vocab.values())
        retriever.nonoccurrence_array = None
        terms = (tf.indptr.astype(np.int64), tf.indices.astype(np.int32), tf.data.astype(np.float32))
        return cls(retriever, terms, doclen)

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

    def mismatch(self) -> str | None:
        """What does not fit together among the arrays, each read from a file of its own, or None. Shapes only:
        checking every posting would cost a pass over the whole index on every load."""
        scores, vocab = self._bm25.scores, len(self.vocab)
        if not int(scores["indptr"][-1]) == scores["indices"].size == scores["data"].size:
            return "the BM25 arrays (data, indices, indptr) do not fit together"
        if scores["indptr"].size not in (vocab, vocab + 1):
            return f"the BM25 arrays have {scores['indptr'].size:,} term rows for {vocab:,} terms"
        if not int(self._tf_indptr[-1]) == self._tf_indices.size == self._tf_data.size:
            return "the term-frequency arrays (tf.indptr, tf.indices, tf.data) do not fit together"
        if self._tf_indptr.size != vocab + 1:
            return f"the term-frequency arrays have {self._tf_indptr.size - 1:,} term rows for {vocab:,} terms"
        if self._doclen.shape != (self.size,):
            return f"doclen.npy has {self._doclen.size:,} chunk lengths for {self.size:,} chunks"
        return None

    def term_frequencies(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The raw counts behind the scores: term-major CSR (indptr, chunk indices, counts) and chunk lengths."""
        return self._tf_indptr, self._tf_indices, self._tf_data, self._doclen

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of a term; a term no chunk holds gets that of a single chunk's
        term, the most telling a word can be. Remembered for the terms of the vocabulary, as each question weighs
        its terms by it again."""
        idf = self._idfs.get(term)
        if idf is None:
            idf = float(lucene_idf(self.size, max(self.df(term), 1)))
            if term in self.vocab:
                self._idfs[term] = idf
        return idf

    def df(self, term: str) -> int:
        """How many chunks hold a term."""
        i = self.vocab.get(term)
        return int(self._tf_indptr[i + 1] - self._tf_indptr[i]) if i is not None else 0

    def document_share(self, term: str) -> float:
        """The share of the chunks holding a term (0 for a term none holds)."""
        return self.df(term) / self.size if self.size else 0.0

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
        for group in groups:
            found = [(docs, freqs, weight) for terms, weight in group
                     for docs, freqs in [self._postings(terms)] if docs.size]
            if not found:
                continue
            if sum(d.size for d, _, _ in found) * 8 >= self.size:
                self._add_dense(total, found)
            else:
                self._add_sparse(total, found)
        return total

    def _idf(self, df: float) -> np.float64:
        return lucene_idf(self.size, df)

    def _add_sparse(self, total: np.ndarray, found: list[tuple[np.ndarray, np.ndarray, float]]) -> None:
        """One group's scores added into `total`, merging short postings by sorting (cost follows the postings)."""
        chunks, inverse = np.unique(np.concatenate([d for d, _, _ in found]), return_inverse=True)
        tf = np.bincount(inverse, weights=np.concatenate([w * f for _, f, w in found])).astype(np.float32)
        present = np.zeros(chunks.size, dtype=np.float32)  # the likeliest candidate each chunk holds
        np.maximum.at(present, inverse, np.concatenate([np.full(d.size, w, dtype=np.float32) for d, _, w in found]))
        total[chunks] += self._idf(float(present.sum(dtype=np.float64))) * tf / (tf + self._norm[chunks])

    def _add_dense(self, total: np.ndarray, found: list[tuple[np.ndarray, np.ndarray, float]]) -> None:
        """The same for long postings, in arrays as long as the index: contiguous passes beat sorting them."""
        tf = np.bincount(np.concatenate([d for d, _, _ in found]),
                         weights=np.concatenate([w * f for _, f, w in found]), minlength=self.size).astype(np.float32)
        present = np.zeros(self.size, dtype=np.float32)
        for docs, _, weight in sorted(found, key=lambda c: c[2]):  # the likeliest candidate is written last
            present[docs] = weight
        total += self._idf(float(present.sum(dtype=np.float64))) * tf / (tf + self._norm)

    def chunks_holding(self, terms: Sequence[str]) -> np.ndarray:
        """The numbers of the chunks that hold every term of a run."""
        return self._postings(terms)[0]

    def _postings(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Chunks holding every term of a run, and the run's frequency there (that of its rarest term)."""
        ids = [self.vocab.get(term) for term in dict.fromkeys(terms)]
        if not ids or None in ids:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        # Rarest term first: each further term is then looked up by binary search in its sorted postings,
        # so the cost follows the shortest list, not the longest.
        ids.sort(key=lambda i: self._tf_indptr[i + 1] - self._tf_indptr[i])
        docs = freqs = None
        for i in ids:
            d = np.asarray(self._tf_indices[self._tf_indptr[i]:self._tf_indptr[i + 1]])
            f = np.asarray(self._tf_data[self._tf_indptr[i]:self._tf_indptr[i + 1]], dtype=np.float32)
            if docs is None:
                docs, freqs = d, f
                continue
            at = np.minimum(np.searchsorted(d, docs), d.size - 1)
            hit = d[at] == docs
            docs, freqs = docs[hit], np.minimum(freqs[hit], f[at[hit]])
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
