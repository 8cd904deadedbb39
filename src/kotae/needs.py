"""What a question needs a passage to say: its terms and translated words, each weighted by its rarity, and how
much of that weight a set of terms meets (coverage). Passages are ranked, sentences chosen and abstention decided
on it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from kotae.query import Query


class Rarity(Protocol):
    def idf(self, term: str) -> float: ...


@dataclass(frozen=True)
class Need:
    """One thing the question asks about: any of its alternatives (term runs) satisfies it; weight is IDF."""

    alternatives: tuple[tuple[str, ...], ...]
    weight: float

    def met_by(self, terms: Collection[str]) -> bool:
        return any(all(t in terms for t in run) for run in self.alternatives)


def needs(query: Query, lexical: Rarity) -> list[Need]:
    """The question's terms weighted by rarity in the index's `lexical` statistics; words the documents never use
    count as unmet."""
    out = [Need(((t,),), lexical.idf(t)) for t in query.terms]
    for tr in query.translations:
        best = tr.candidates[0]
        out.append(Need(tr.candidates, sum(lexical.idf(t) for t in best) / len(best)))
    rare = lexical.idf("")  # a word no chunk holds
    out += [Need((), rare) for _ in (*query.missing, *query.unknown)]
    return out


def coverage(wants: Sequence[Need], terms: Collection[str]) -> float:
    """The share of the needs' weight that `terms` meet."""
    total = sum(n.weight for n in wants)
    return sum(n.weight for n in wants if n.met_by(terms)) / total if total else 0.0
