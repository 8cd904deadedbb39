"""The top passages reordered by their best sentence: a passage holding the sentence the answer's ranker likes best
(coverage of the question, its type, the model's similarity, ...; see kotae.sentence_rank) comes first.

An English question reaches the documents through the lexicon's guesses at its words, so BM25 and the model often
put a passage that merely shares words first; the sentence ranker, which reads each sentence, tells them apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from kotae.types import Passage


def by_best_sentence(passages: Sequence[Passage], citations: Sequence[int], scores: Sequence[float]
                     ) -> tuple[tuple[Passage, ...], dict[int, int]]:
    """`passages` with those whose rank is among `citations` (each candidate sentence's passage, with its score in
    `scores`) reordered by their best sentence's score, the rest after them as they were; ties keep retrieval's
    order, and the ranks are numbered again. Also each old rank's new one."""
    best: dict[int, float] = {}
    for rank, score in zip(citations, scores, strict=True):
        best[rank] = max(best.get(rank, float("-inf")), float(score))
    read = sorted((p for p in passages if p.rank in best), key=lambda p: (-best[p.rank], p.rank))
    order = [*read, *(p for p in passages if p.rank not in best)]
    was = {p.rank: n for n, p in enumerate(order, start=1)}
    return tuple(replace(p, rank=was[p.rank]) for p in order), was
