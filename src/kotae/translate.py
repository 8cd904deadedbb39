"""English questions into Japanese index terms, phrase by phrase, through the corpus lexicon."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kotae.english import STOPWORDS, is_english_word, written_out
from kotae.lexicon import MAX_PHRASE, Lexicon

WEIGHT_DECAY = 0.5  # each candidate weighs this much of the one before it (see candidate_weight)


@dataclass(frozen=True)
class Translation:
    """One English source word or phrase and its Japanese candidates, each a run of index terms, weighted."""

    source: str
    candidates: tuple[tuple[str, ...], ...]
    weights: tuple[float, ...]

    @property
    def group(self) -> list[tuple[tuple[str, ...], float]]:
        return list(zip(self.candidates, self.weights))

    def to_json(self) -> dict:
        return {"en": self.source, "ja": ["".join(c) for c in self.candidates]}


def candidate_weight(position: int) -> float:
    """How likely the candidate at a position (best first) is the word meant: halved at every step."""
    return WEIGHT_DECAY**position


def translate(words: Sequence[str], lexicon: Lexicon, vocab: dict[str, int]) -> tuple[list[Translation], list[str]]:
    """English words → translations (phrases first, longest match) and the words nothing matched."""
    out: list[Translation] = []
    unknown: list[str] = []
    i = 0
    while i < len(words):
        if words[i] in STOPWORDS:
            i += 1
            continue
        for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            phrase = words[i:i + n]
            if n > 1 and (phrase[0] in STOPWORDS or phrase[-1] in STOPWORDS):
                continue
            candidates = lexicon.lookup(phrase)
            direct = [(phrase[0],)] if n == 1 and phrase[0] in vocab else []
            sounds = [(t,) for t in lexicon.sounds_like(phrase[0])] if n == 1 and not candidates else []
            spelled = [r for r in written_out(phrase[0]) if all(t in vocab for t in r)] if n == 1 else []
            runs = tuple(dict.fromkeys([*spelled, *direct, *(c.terms for c in candidates), *sounds]))
            if runs:
                weights = tuple(candidate_weight(k) for k in range(len(runs)))
                out.append(Translation(" ".join(phrase), runs, weights))
                i += n
                break
        else:
            # A word nothing knows may be a typing slip away from one the lexicon has ("headquaters").
            slip = words[i] not in vocab and not is_english_word(words[i])
            meant = lexicon.speller.correct(words[i]) if slip else None
            candidates = lexicon.lookup([meant]) if meant else ()
            if candidates:
                runs = tuple(dict.fromkeys(c.terms for c in candidates))
                out.append(Translation(meant, runs, tuple(candidate_weight(k) for k in range(len(runs)))))
            else:
                unknown.append(words[i])
            i += 1
    return out, unknown
