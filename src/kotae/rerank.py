"""The top passages reordered by their best sentence: a passage holding the sentence the answer's ranker likes best
(coverage of the question, its type, the model's similarity, ...; see kotae.sentence_rank) comes first.

An English question reaches the documents through the lexicon's guesses at its words, so BM25 and the model often
put a passage that merely shares words first; the sentence ranker, which reads each sentence, tells them apart.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from kotae.types import Passage

# How much more of a follow-up's own needs a passage must meet than the one that answered the question before it
# to go above it (see past_told). Chosen on eval/gold.jsonl's English follow-ups among 0.1, 0.25 and 0.4.
TOLD_MARGIN = 0.25


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


def past_told(passages: Sequence[Passage], told: Collection[tuple[str, int]], covers: Sequence[float]
              ) -> tuple[Passage, ...]:
    """A follow-up's passages with the first put below another, where the first holds the start of the answer to the
    question before it (`told`: (document, offset) of its first sentence) and the other, among those `covers` gives
    (the share of the follow-up's own needs each meets, best first), meets TOLD_MARGIN more of them: "What does it
    actually do?" after NSATU was named, whose naming passage meets the conversation's words, not 役割. Ranks are
    numbered again."""
    top = passages[0] if passages else None
    if top is None or not covers or not any(doc == top.doc_id and top.start <= at < top.end for doc, at in told):
        return tuple(passages)
    best = max(range(len(covers)), key=lambda i: (covers[i], -i))
    if covers[best] <= covers[0] + TOLD_MARGIN:
        return tuple(passages)
    order = [*passages[1:best + 1], top, *passages[best + 1:]]
    return tuple(replace(p, rank=n) for n, p in enumerate(order, start=1))
