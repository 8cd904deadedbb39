"""Which sentence answers: each candidate sentence of the top passages scored by a small linear model over what kotae
knows of it (lexical coverage, the passage's rank, the asked-for type, the embedding model's similarity), its weights
learned on the gold set by `kotae eval --calibrate` and shipped beside the abstention thresholds."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

FEATURES = ("coverage", "context", "local", "passage", "typed", "item", "similarity", "row", "length", "heading",
            "described", "other_year")
# Without learned weights: coverage of the sentence, then of its passage, the passage's rank, the asked-for type.
DEFAULT = (0.6, 0.25, 0.0, 0.1, 0.15, 0.0, 0.0, 0.0, 0.0, -0.1, 0.0, 0.0)
DEFAULT_MARGIN = 0.2  # a further sentence joins the answer when it scores this close to the best one
LEARNED_MARGIN = 1.5  # the same, in the learned model's units (log-odds)
L2 = 0.1  # weight decay of the learned model: the gold set is small
STEPS = 300
RATE = 0.5


@dataclass(frozen=True)
class Candidate:
    """What is known of one candidate sentence. `similarity` is its cosine to the question, None without sentence
    vectors (a softmax over one question's candidates needs no feature relative to the others: it is shift-free)."""

    coverage: float  # share of the question's weight the sentence covers
    context: float  # the same with its passage's terms and heading
    local: float  # the same with the sentence before it (a table row under its header, an item under its lead)
    rank: int  # of its passage
    typed: bool  # holds an entity of the asked-for type
    item: bool  # holds what the question asks for as a short answer would give it (32か国 for "how many countries")
    row: bool  # a table row
    length: int  # characters
    similarity: float | None = None
    heading: bool = False  # a line standing as a heading (4. NATOと域外国との関係; ●地中海ダイアログ(MD)7か国)
    described: bool = False  # its item is what the question describes (the date of its verb, a count of its noun)
    other_year: bool = False  # names a year, but none of those the question names (2024年の… for "in 2023")

    def vector(self) -> np.ndarray:
        return np.array([self.coverage, self.context, self.local, 1.0 / self.rank, float(self.typed), float(self.item),
                         # e5's cosines differ in the second decimal: spread (x20, chosen by cross-validation on the
                         # gold set) so that the weight decay does not hold them back more than the other features.
                         20 * self.similarity - 16 if self.similarity is not None else 0.0,
                         float(self.row), math.log(self.length + 1) / 5, float(self.heading),
                         float(self.described), float(self.other_year)], dtype=np.float64)


@dataclass(frozen=True)
class Ranker:
    """Weights of the features per retrieval mode and question language; DEFAULT where none are learned."""

    weights: Mapping[str, Mapping[str, Sequence[float]]] = field(default_factory=dict)

    def model(self, mode: str, lang: str) -> tuple[np.ndarray, float]:
        """The weights and the margin for a mode and language (mixed questions share the Japanese ones)."""
        by_lang = self.weights.get(mode) or {}
        learned = by_lang.get("en" if lang == "en" else "ja")
        if learned is None or len(learned) != len(FEATURES):
            return np.array(DEFAULT), DEFAULT_MARGIN
        return np.array(learned, dtype=np.float64), LEARNED_MARGIN

    def scores(self, candidates: Sequence[Candidate], mode: str, lang: str) -> tuple[np.ndarray, float]:
        weights, margin = self.model(mode, lang)
        if not candidates:
            return np.zeros(0), margin
        return np.stack([c.vector() for c in candidates]) @ weights, margin


def learn(questions: Sequence[tuple[Sequence[Candidate], Sequence[bool]]]) -> list[float]:
    """Weights that make the sentences holding the evidence likely under a softmax over each question's candidates
    (questions where no candidate holds it teach nothing), by gradient descent with weight decay."""
    sets = [(np.stack([c.vector() for c in cands]), np.asarray(good, dtype=np.float64))
            for cands, good in questions if cands and any(good)]
    w = np.zeros(len(FEATURES))
    if not sets:
        return [float(x) for x in DEFAULT]
    for _ in range(STEPS):
        gradient = np.zeros_like(w)
        for x, y in sets:
            s = x @ w
            p = np.exp(s - s.max())
            gradient += x.T @ (p / p.sum() - y / y.sum())
        w -= RATE * (gradient / len(sets) + L2 * w)
    return [round(float(x), 4) for x in w]
