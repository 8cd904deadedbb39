"""What a question needs a passage to say: its terms and translated words, each weighted by its rarity, and how
much of that weight a set of terms meets (coverage). Passages are ranked, sentences chosen and abstention decided
on it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Protocol

from kotae.query import Query

# What the least likely alternative of a translated word still meets of it. Chosen by 5-fold cross-validation of
# the sentence ranker on eval/gold.jsonl (first sentence holding the evidence, English questions): on 402 answerable
# questions 0.721 with every alternative meeting it fully, 0.739 at 0.75 and at 0.5, 0.735 at 0.25, 0.715 at 0
# (Japanese 0.822 at 0.75); on 480, 0.764 at 0.75 and 0.770 at 0.5 (Japanese 0.831 either way).
LIKELY_FLOOR = 0.5


class Rarity(Protocol):
    def idf(self, term: str) -> float: ...


@dataclass(frozen=True)
class Need:
    """One thing the question asks about: any of its alternatives (term runs) satisfies it; weight is IDF."""

    alternatives: tuple[tuple[str, ...], ...]
    weight: float
    likely: tuple[float, ...] = ()  # how likely each alternative is meant (a translation's weights); all 1 if empty

    def met(self, terms: Collection[str]) -> float:
        """How fully `terms` meet the need: 1 by its likeliest alternative, a little less by a less likely one (本部
        meets "headquarters" more surely than 司令部 does, its second sense), 0 by none."""
        for value, run in self._by_value:
            if run.issubset(terms):
                return value
        return 0.0

    @cached_property
    def _by_value(self) -> tuple[tuple[float, frozenset[str]], ...]:
        """Each alternative's terms with what they meet of the need, the most first (`met` runs for every sentence
        read, three times)."""
        likely = self.likely or (1.0,) * len(self.alternatives)
        return tuple(sorted(((LIKELY_FLOOR + (1 - LIKELY_FLOOR) * p, frozenset(run))
                             for run, p in zip(self.alternatives, likely)), key=lambda pair: -pair[0]))


def needs(query: Query, lexical: Rarity) -> list[Need]:
    """The question's terms weighted by rarity in the index's `lexical` statistics; words the documents never use
    count as unmet."""
    out = [Need(((t,),), lexical.idf(t)) for t in query.terms]
    for tr in query.translations:
        best = tr.candidates[0]
        out.append(Need(tr.candidates, sum(lexical.idf(t) for t in best) / len(best), tr.weights))
    rare = lexical.idf("")  # a word no chunk holds; only a document's byline may (see Document.byline)
    out += [Need(((t,),), rare) for t in query.missing] + [Need((), rare) for _ in query.unknown]
    return out


def coverage(wants: Sequence[Need], terms: Collection[str]) -> float:
    """The share of the needs' weight that `terms` meet, each need as fully as its alternative found is likely."""
    total = met = 0.0
    for need in wants:
        total += need.weight
        met += need.weight * need.met(terms)
    return met / total if total else 0.0


def own_first(wants: Sequence[Need], own: Collection[str] | None, earlier: float) -> list[Need]:
    """A follow-up's needs as its sentences are chosen: those its own words (`own`) meet at full weight, those of
    the conversation before it at `earlier` of theirs (what the earlier question asked was answered already). All
    at full weight where `own` is None (not a follow-up)."""
    if own is None:
        return list(wants)
    return [n if any(run and all(t in own for t in run) for run in n.alternatives)
            else replace(n, weight=n.weight * earlier) for n in wants]
