"""English questions into Japanese index terms, phrase by phrase, through the corpus lexicon."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from kotae.english import STOPWORDS, is_english_word, written_out
from kotae.lexicon import MAX_PHRASE, Lexicon
from kotae.numbered import numbered_words

WEIGHT_DECAY = 0.5  # each candidate weighs this much of the one before it (see candidate_weight)


@dataclass(frozen=True)
class Translation:
    """One English source word or phrase and its Japanese candidates, each a run of index terms, weighted."""

    source: str
    candidates: tuple[tuple[str, ...], ...]
    weights: tuple[float, ...]

    @classmethod
    def alike(cls, source: str, candidates: tuple[tuple[str, ...], ...]) -> Translation:
        """A translation whose candidates are all equally meant (第5条 and 第五条 for Article 5)."""
        return cls(source, candidates, (1.0,) * len(candidates))

    @property
    def group(self) -> list[tuple[tuple[str, ...], float]]:
        return list(zip(self.candidates, self.weights))

    def to_json(self) -> dict:
        return {"en": self.source, "ja": ["".join(c) for c in self.candidates]}


def candidate_weight(position: int) -> float:
    """How likely the candidate at a position (best first) is the word meant: halved at every step."""
    return WEIGHT_DECAY**position


def translate(words: Sequence[str], lexicon: Lexicon, vocab: dict[str, int],
              spell: Callable[[str], Sequence[str]] | None = None, *,
              joined: Collection[tuple[str, str]] = ()) -> tuple[list[Translation], list[str]]:
    """English words → translations (phrases first, longest match) and the words nothing matched; `spell` gives
    the index terms of a Japanese text (for a numbered part written in kanji numerals, see kotae.numbered); a pair
    of words in `joined` (written with a hyphen) is also looked up as one word (clean-up → cleanup → 浄化)."""
    out: list[Translation] = []
    unknown: list[str] = []
    i = 0
    while i < len(words):
        together = i + 1 < len(words) and (words[i], words[i + 1]) in joined  # know-how: knowhow, no stop words
        if words[i] in STOPWORDS and not together:
            i += 1
            continue
        numbered = numbered_words(words[i:i + 2], vocab, spell)
        if numbered is not None:  # Article 5 → 第5条 or 第五条, not any 5 (令和7年5月)
            if numbered:
                out.append(Translation.alike(" ".join(words[i:i + 2]), numbered))
            else:  # Article 99 where the documents have no 第99条: asked, and unmet
                unknown.append(" ".join(words[i:i + 2]))
            i += 2
            continue
        for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            phrase = words[i:i + n]
            if n > 1 and (phrase[0] in STOPWORDS or phrase[-1] in STOPWORDS) and not (n == 2 and together):
                continue
            candidates = lexicon.lookup(phrase)
            if not candidates and n == 2 and (phrase[0], phrase[1]) in joined:
                candidates = lexicon.lookup(["".join(phrase)])
            direct = [(phrase[0],)] if n == 1 and phrase[0] in vocab else []
            sounds = [(t,) for t in lexicon.sounds_like(phrase[0])] if n == 1 and not candidates else []
            spelled = [r for r in written_out(phrase[0]) if all(t in vocab for t in r)] if n == 1 else []
            runs = within_none(tuple(dict.fromkeys([*spelled, *direct, *(c.terms for c in candidates), *sounds])))
            if runs:
                weights = tuple(candidate_weight(k) for k in range(len(runs)))
                out.append(Translation(" ".join(phrase), runs, weights))
                i += n
                break
        else:
            parts = compound_parts(words[i], lexicon, vocab)
            if parts:  # a word nothing knows may be two run together: battlegroup → battle group
                found, _ = translate(parts, lexicon, vocab)
                out.extend(found)
                i += 1
                continue
            # Or a typing slip away from one the lexicon has ("headquaters").
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


def within_none(runs: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    """The runs without any written inside one before it: "North Korea" is 北朝鮮, and its JMdict abbreviation 北
    would only meet the 北 of every 北大西洋条約機構 (as "Japan" would meet 日 in every date, "China" 中 in 中谷)."""
    out: list[tuple[str, ...]] = []
    for run in runs:
        text = "".join(run)
        if not any(text in "".join(before) for before in out):
            out.append(run)
    return tuple(out)


MIN_PART = 3  # letters of each part of a split compound: shorter ones match by chance (battlegroup → b attle…)


def compound_parts(word: str, lexicon: Lexicon, vocab: dict[str, int]) -> list[str]:
    """A word nothing knows as two English words that are known (battlegroup → battle group, peacekeeping → peace
    keeping), the longest known first part first; [] where no split has both parts known (banana is not ban ana: an
    acronym of the documents is no English word)."""
    def known(part: str) -> bool:
        return part not in STOPWORDS and is_english_word(part) and (part in vocab or bool(lexicon.lookup([part])))

    splits = [[word[:cut], word[cut:]] for cut in range(MIN_PART, len(word) - MIN_PART + 1)]
    splits = [parts for parts in splits if all(known(p) for p in parts)]
    # Parts the lexicon has as written before inflected ones (war ship, not wars hip), then the more even split.
    return max(splits, key=lambda parts: (sum(p in vocab or p in lexicon.entries for p in parts),
                                          min(map(len, parts))), default=[])
