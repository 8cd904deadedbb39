"""English for the names of places, people, offices and organisations, from the index's lexicon read backwards.

The lexicon maps English to Japanese; read from the Japanese side, a word's JMdict gloss is a translation (英国 →
United Kingdom), while a JMnedict name or a loanword's origin is a transliteration, trusted for a katakana word
only when it sounds like it (ナポリ → Naples; a JMnedict name that sounds otherwise is left out). A name with
several readings (山田: Yamada, Yamagata…) gets no English: it would be a guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from kotae.katakana import english_skeleton, is_katakana, kana_skeleton
from kotae.lexicon import Lexicon
from kotae.spans import ACRONYM, Entity, Found

_SMALL_WORDS = frozenset({"of", "the", "and", "for", "in", "on", "at", "to", "de", "la", "du", "von", "van"})
_INITIALS = frozenset({"us", "uk", "un", "eu", "dc", "usa", "nato", "g7", "g20"})
_UNVOICED = str.maketrans("gzdb", "kstp")
_ADMINISTRATIVE = ("市", "県", "州", "町", "村", "区", "府", "都")
_LATIN_HEAD = re.compile(r"([A-Za-z][A-Za-z0-9]*)[ \u3000]?(.+)")
_ACRONYM_END = re.compile(ACRONYM + "$")


class Names:
    """The lexicon's English keys by the Japanese they translate to, best first, for rendering names."""

    def __init__(self, lexicon: Lexicon) -> None:
        reverse: dict[str, list[tuple[str, float, str]]] = {}
        for key, candidates in lexicon.entries.items():
            for c in candidates:
                reverse.setdefault(_form(c.ja), []).append((c.source, c.rank, key))
        self._reverse = {ja: sorted(_whole(found), key=lambda x: (-x[1], x[2])) for ja, found in reverse.items()}

    def word(self, ja: str) -> str | None:
        """A word's JMdict translation, its first sense's first gloss (外務省 → Ministry of Foreign Affairs)."""
        best = next((key for source, _, key in self._reverse.get(_form(ja), ()) if source == "jmdict"), None)
        return cased(best) if best else None

    def place(self, ja: str) -> str | None:
        """A place's English name: its JMdict translation, else its transliteration (see `name`)."""
        return self.word(ja) or self.name(ja)

    def name(self, ja: str) -> str | None:
        """A name's one transliteration: a JMnedict name, else a loanword's origin, each agreeing in sound with a
        katakana word; None when there is none, or several."""
        found = self._reverse.get(_form(ja), ())
        for source in ("jmnedict", "loanword"):
            keys = {key for s, _, key in found if s == source and (not is_katakana(ja) or sounds_alike(ja, key))}
            if len(keys) == 1:
                return cased(keys.pop())
            if keys:
                return None
        return None


def entities_en(found: Found, names: Names, asked: Mapping[str, str] | None = None) -> str | None:
    """A place, person, office or organisation span in English; `asked` holds the question's own English words by the
    Japanese they translate to, which are used first."""
    asked = asked or {}
    parts = [_entity_en(e, names, asked) for e in found.entities]
    if not parts or any(p is None for p in parts):
        return None
    if found.link == "of":  # オーストリアのザルツブルク: the second is in the first
        return f"{parts[1]}, {parts[0]}"
    if found.link == "paren":
        return f"{parts[0]} ({parts[1]})"
    if found.link == "and":
        return " and ".join(parts)  # type: ignore[arg-type]
    if found.link == "list":
        return f"{', '.join(parts[:-1])} and {parts[-1]}"  # type: ignore[arg-type]
    return parts[0]


def _entity_en(entity: Entity, names: Names, asked: Mapping[str, str]) -> str | None:
    if entity.role == "other":  # what is not known to be a name (仏 in a list of countries): not rendered
        return None
    if entity.role == "place":
        whole = _place(names, asked, "".join(entity.words))
        if whole or len(entity.words) == 1:
            return whole
        parts = [_place(names, asked, w) for w in entity.words]  # 米国ワシントン: the last is in the first
        return None if None in parts else ", ".join(reversed(parts))  # type: ignore[arg-type]
    if entity.role == "person":
        # A country's office, read by MeCab as a name and a title (オランダ首相): not "Prime Minister Olanda".
        if entity.title and len(entity.words) == 1 and is_katakana(entity.words[0]) and names.word(entity.words[0]):
            return _office(entity.words[0] + entity.title, entity.words[0], names)
        parts = [_asked(asked, w) or names.name(w) for w in entity.words]
        if None in parts:
            return None
        name = " ".join(parts)  # type: ignore[arg-type]
        if not entity.title or entity.title.endswith(("氏", "さん", "様", "女史")):
            return name
        title = _office(entity.title, "", names)
        return f"{title} {name}" if title else None
    if entity.role == "value":  # a table's value: a place, or a name written in parts (エレナ・ブランドリーニ)
        whole = _asked(asked, entity.words[0]) or names.place(entity.words[0])
        parts = [_asked(asked, w) or names.name(w) for w in entity.words[0].split("・")]
        return whole or (None if None in parts else " ".join(parts))  # type: ignore[arg-type]
    return _office(entity.words[0], entity.within, names)


def _place(names: Names, asked: Mapping[str, str], ja: str) -> str | None:
    """A place's English; a city, prefecture or state without the word for it (ザルツブルク市 → Salzburg), as English
    mostly writes them."""
    found = _asked(asked, ja) or names.place(ja)
    if found is None and len(ja) > 2 and ja.endswith(_ADMINISTRATIVE):
        found = _asked(asked, ja[:-1]) or names.place(ja[:-1])
    return found


def _office(ja: str, within: str, names: Names) -> str | None:
    """An office or organisation: the whole compound, else its head after a place (フランス外務省 → Ministry of
    Foreign Affairs of France) or after a Latin name (EU 大使 → EU Ambassador)."""
    whole = names.word(ja)
    if whole:
        return whole
    acronym = _ACRONYM_END.search(ja)
    if acronym:  # 訓練組織(NSATU): a body's Latin acronym is how English names it
        return acronym.group(1)
    if within and ja.startswith(within):
        head, place = names.word(ja[len(within):]), names.place(within) or names.place(within[:-1])
        return f"{head} of {place}" if head and place else None
    latin = _LATIN_HEAD.fullmatch(ja)
    if latin:
        head = names.word(latin.group(2))
        return f"{latin.group(1)} {head}" if head else None
    return None


def _whole(found: list[tuple[str, float, str]]) -> list[tuple[str, float, str]]:
    """Without the keys that are part of another key of the same word: the lexicon lets "zealand" reach
    ニュージーランド, but its English is "new zealand"."""
    phrases = [set(key.split()) for _, _, key in found]
    return [f for f, words in zip(found, phrases) if not any(words < other for other in phrases)]


def _asked(asked: Mapping[str, str], ja: str) -> str | None:
    key = asked.get(_form(ja))
    return cased(key) if key else None


def sounds_alike(kana: str, english: str) -> bool:
    """Whether an English name sounds like a katakana word: their consonant skeletons, voiced and voiceless alike
    (katakana writes German and Dutch names as they sound: ザルツブルク, Salzburg), differ by at most one sound
    (brussels ~ ブリュッセル), and not at all when short."""
    a = kana_skeleton(kana).translate(_UNVOICED)
    b = english_skeleton(english.replace(" ", "")).translate(_UNVOICED)
    if not a or not b:
        return False
    return a == b or (min(len(a), len(b)) >= 3 and _distance(a, b) <= 1)


def _distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def cased(key: str) -> str:
    """A lexicon key (folded to lower case) as a name is written: United Kingdom, Ministry of Foreign Affairs."""
    words = key.split()
    return " ".join(w.upper() if w in _INITIALS else w if i and w in _SMALL_WORDS else w[:1].upper() + w[1:]
                    for i, w in enumerate(words))


def _form(ja: str) -> str:
    return unicodedata.normalize("NFKC", ja).lower()
