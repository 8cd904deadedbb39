"""Synthetic collections for benchmarks: real sentences recombined into bigger corpora, and clustered vectors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kotae.analyze import Analyzer
from kotae.answer_type import typed_terms
from kotae.chunk import split_units
from kotae.types import Chunk, Document

# Recombining the corpus's own sentences keeps the vocabulary, term frequencies and chunk lengths realistic at
# any size. Sentences are analysed once and recombined as term ids, so a million chunks never go through MeCab.


def sentences(docs: Sequence[Document]) -> list[str]:
    """Every non-empty sentence (or heading, bullet item, table row) of the documents, in order."""
    return [s for d in docs for u in split_units(d.text) if (s := d.text[u.start:u.end].strip())]


def write_recombined_corpus(docs: Sequence[Document], folder: Path, *, multiple: int = 1, count: int | None = None,
                            chars: int | None = None, seed: int = 0) -> Path:
    """A corpus folder of documents made of the sentences of `docs`, shuffled: `multiple` times as many documents
    of their average size, or `count` documents of about `chars` characters."""
    rng = np.random.default_rng(seed)
    pool = sentences(docs)
    doc_chars = chars or sum(len(d.text) for d in docs) // max(len(docs), 1)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count or len(docs) * multiple):
        body: list[str] = []
        size = 0
        while size < doc_chars:
            paragraph = "\n".join(pool[i] for i in rng.integers(0, len(pool), 3))
            body.append(paragraph)
            size += len(paragraph)
        (folder / f"synthetic-{n:04d}.md").write_text(
            f"---\nid: synthetic-{n:04d}\ntitle: 合成文書 {n}\nlang: ja\n---\n" + "\n\n".join(body) + "\n",
            encoding="utf-8")
    return folder


def recombined_texts(docs: Sequence[Document], chunks: Sequence[Chunk], n: int, *, seed: int = 0) -> list[str]:
    """`n` chunk texts of the documents' sentences drawn at random, as many per text as a random real chunk holds,
    for building (and embedding) a collection of any size as text."""
    rng = np.random.default_rng(seed)
    pool = sentences(docs)
    sizes = [max(sum(1 for u in split_units(c.text) if c.text[u.start:u.end].strip()), 1) for c in chunks]
    return ["".join(pool[i] for i in rng.integers(0, len(pool), size)) for size in rng.choice(sizes, n)]


@dataclass(frozen=True)
class SentenceTerms:
    """The index terms of each sentence (unit) of a set of chunks, as ids, and how many units a chunk holds."""

    vocab: dict[str, int]
    ids: np.ndarray  # every sentence's term ids, concatenated
    offsets: np.ndarray  # sentence i's ids are ids[offsets[i]:offsets[i + 1]]
    units_per_chunk: np.ndarray  # the real chunks' sizes in sentences, to draw synthetic sizes from

    @property
    def count(self) -> int:
        return len(self.offsets) - 1


def sentence_terms(chunks: Sequence[Chunk], analyzer: Analyzer) -> SentenceTerms:
    """Analyse each unit of each chunk once, with its answer-type terms, as the index does for chunks."""
    vocab: dict[str, int] = {}
    ids: list[int] = []
    offsets = [0]
    per_chunk = []
    for chunk in chunks:
        units = [chunk.text[u.start:u.end] for u in split_units(chunk.text)]
        units = [u for u in units if u.strip()]
        per_chunk.append(max(len(units), 1))
        for unit in units:
            tokens = analyzer.tokens(unit)
            terms = [t.term for t in tokens] + typed_terms(tokens, [(0, len(unit))])
            ids.extend(vocab.setdefault(t, len(vocab)) for t in terms)
            offsets.append(len(ids))
    return SentenceTerms(vocab=vocab, ids=np.asarray(ids, dtype=np.int32), offsets=np.asarray(offsets, dtype=np.int64),
                         units_per_chunk=np.asarray(per_chunk, dtype=np.int64))


def recombined_chunks(terms: SentenceTerms, n: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`n` chunks of randomly drawn sentences, as many per chunk as a random real chunk has: (term ids of all
    chunks concatenated, chunk offsets into them)."""
    rng = np.random.default_rng(seed)
    sizes = rng.choice(terms.units_per_chunk, n)
    picked = rng.integers(0, terms.count, int(sizes.sum()))
    lengths = (terms.offsets[1:] - terms.offsets[:-1])[picked]
    # Gather the picked sentences' id runs without a Python loop: each output position maps back to
    # its sentence's start plus its place inside the run.
    out_starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    positions = np.arange(int(lengths.sum()), dtype=np.int64)
    positions += np.repeat(terms.offsets[:-1][picked] - out_starts, lengths)
    ids = terms.ids[positions]
    sentence_ends = np.cumsum(lengths)
    chunk_offsets = np.concatenate([[0], sentence_ends[np.cumsum(sizes) - 1]])
    return ids, chunk_offsets.astype(np.int64)


def clustered_vectors(n: int, dim: int, *, seed: int = 0, queries: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`n` unit vectors shaped like sentence embeddings, and `queries` more from the same distribution.

    A hierarchy of topics and subtopics (Zipf-sized, so a few are large) in a 96-dimensional latent space,
    projected to `dim` dimensions and shifted along one shared direction, as real embedding models do: random
    pairs have a cosine near 0.72 and nearest neighbours near 0.92, as with multilingual-e5-small, and the
    neighbourhoods are crowded enough that approximate search has to work for its recall. Uniform random
    vectors would have no neighbourhoods at all, and well-separated clusters would make any index look perfect.
    """
    rng = np.random.default_rng(seed)
    latent, topics, subtopics = 96, 100, 5000
    centres = rng.standard_normal((topics, latent)).astype(np.float32)
    spread = 0.7 * rng.standard_normal((subtopics, latent)).astype(np.float32)
    sub = centres[rng.integers(0, topics, subtopics)] + spread
    weights = 1.0 / np.arange(1, subtopics + 1) ** 0.8
    weights /= weights.sum()
    order = rng.permutation(subtopics)
    projection = (rng.standard_normal((latent, dim)) / np.sqrt(latent)).astype(np.float32)
    shared = rng.standard_normal(dim).astype(np.float32)
    shared /= np.linalg.norm(shared)

    def draw(count: int) -> np.ndarray:
        out = np.empty((count, dim), dtype=np.float32)
        for start in range(0, count, 65_536):  # in blocks, so peak memory stays near the result's own size
            m = min(65_536, count - start)
            labels = order[rng.choice(subtopics, m, p=weights)]
            x = (sub[labels] + rng.standard_normal((m, latent)).astype(np.float32)) @ projection
            x /= np.linalg.norm(x, axis=1, keepdims=True)
            x += 1.6 * shared
            out[start:start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
        return out

    return draw(n), draw(queries)
