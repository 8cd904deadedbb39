"""English glosses of an answer's Japanese: the question's own English words beside the Japanese they were
translated into, where the quoted sentences use it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kotae.query import Query

# Words too light to gloss: what they mean depends on the words around them (いう, よる, する), so a gloss of one
# alone says nothing or something wrong ("よる — headquartered").
_LIGHT = frozenset({"いう", "よる", "する", "なる", "ある", "いる", "できる", "れる", "られる", "こと", "もの", "ため",
                    "おく", "くる", "いく", "みる", "ところ", "とき", "よう"})


@dataclass(frozen=True)
class Gloss:
    ja: str
    en: str


def glosses_for(texts: Sequence[str], terms: set[str], query: Query) -> tuple[Gloss, ...]:
    """The English words of the question whose Japanese renderings the answer's terms include, never by a single
    character (a fragment of a longer word) or a light word alone. Words next to each other in the question
    whose renderings stand next to each other in the answer's `texts` are glossed as one compound (共同政治宣言 —
    joint political declaration)."""
    found: list[tuple[int, str, str]] = []  # (position of the word among the translations, Japanese, English)
    for k, tr in enumerate(query.translations):
        for run in tr.candidates:
            if all(t in terms for t in run) and not any(t.isascii() for t in run):
                if all(t in _LIGHT for t in run):
                    break  # glossed neither alone nor as part of a compound
                ja = "".join(run)
                if found and found[-1][0] == k - 1 and any(found[-1][1] + ja in text for text in texts):
                    found[-1] = (k, found[-1][1] + ja, f"{found[-1][2]} {tr.source}")
                else:
                    found.append((k, ja, tr.source))
                break
    out: dict[str, Gloss] = {}
    for _, ja, en in found:
        if len(ja) > 1:  # alone, a single character is a fragment of a word
            out.setdefault(ja, Gloss(ja=ja, en=en))
    return tuple(out.values())
