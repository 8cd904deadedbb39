"""Sound keys that let an English name meet its katakana spelling (Stoltenberg ↔ ストルテンベルグ)."""

from __future__ import annotations

import difflib
import re

import jaconv

_KATAKANA_WORD = re.compile(r"^[\u30a0-\u30ffー・]+$")

# Consonant skeletons of katakana and of English spellings, for names no dictionary has.
_KANA_CONSONANT = {}
for _row, _c in (("カキクケコ", "k"), ("ガギグゲゴ", "g"), ("サシスセソ", "s"), ("ザジズゼゾ", "z"),
                 ("タチツテト", "t"), ("ダヂヅデド", "d"), ("ナニヌネノ", "n"), ("ハヒヘホ", ""), ("フ", "f"),
                 ("バビブベボヴ", "b"),
                 ("パピプペポ", "p"), ("マミムメモ", "m"), ("ラリルレロ", "r"), ("ン", "n")):
    for _k in _row:
        _KANA_CONSONANT[_k] = _c
_EN_SKELETON = ((re.compile(r"ph"), "f"), (re.compile(r"ck|q|c(?=[aoukrlt]|$)"), "k"), (re.compile(r"c"), "s"),
                (re.compile(r"x"), "ks"), (re.compile(r"l"), "r"), (re.compile(r"v"), "b"), (re.compile(r"j"), "z"),
                (re.compile(r"[aeiouyhw]"), ""), (re.compile(r"(.)\1+"), r"\1"))


def kana_skeleton(word: str) -> str:
    """The consonants of a katakana word, repeats merged (ストルテンベルグ → strtnbrg)."""
    skeleton = "".join(_KANA_CONSONANT.get(ch, "") for ch in word)
    return re.sub(r"(.)\1+", r"\1", skeleton)


def english_skeleton(word: str) -> str:
    """The consonants of a folded English word as katakana would spell them (stoltenberg → strtnbrg)."""
    for pattern, repl in _EN_SKELETON:
        word = pattern.sub(repl, word)
    return word


def is_katakana(word: str) -> bool:
    """Whether a word is written wholly in katakana (with long-vowel marks and middle dots)."""
    return bool(_KATAKANA_WORD.match(word))


SHORT_LIKENESS = 0.75  # how alike a short name and a katakana word's romaji must be (difflib's ratio)
# The same for a word of three consonants, whose skeleton is shared less often but still by chance (piracy and プレス
# are both p-r-s; 0.33 alike, where process and プロセス are 0.67 and Egypt and エジプト 0.5).
LIKENESS = 0.45


def romaji(word: str) -> str:
    """A katakana word in Latin letters, long-vowel marks and dots dropped (ルッテ → rutte, オマーン → oman)."""
    return re.sub(r"[-・]", "", jaconv.kana2alphabet(jaconv.kata2hira(word)))


def sounds_alike(english: str, kana: str, likeness: float = SHORT_LIKENESS) -> bool:
    """Whether an English word reads as a katakana word, vowels included: a consonant skeleton of two letters
    (rutte → rt) is shared by too many words to go by alone (ルッテ, but also レート and ラット)."""
    return difflib.SequenceMatcher(None, english, romaji(kana)).ratio() >= likeness


# The ヴ spellings of a loanword and the older ones dictionaries may list instead (ヴィースバーデン, ウィースバーデン).
_V_SPELLINGS = (("ヴァ", ("バ", "ワ")), ("ヴィ", ("ビ", "ウィ")), ("ヴェ", ("ベ", "ウェ")), ("ヴォ", ("ボ", "ウォ")),
                ("ヴ", ("ブ",)))


def spelling_variants(word: str) -> set[str]:
    """The other ways a katakana word with ヴ is spelt (ヴィースバーデン → ビースバーデン, ウィースバーデン): 表記ゆれ a
    dictionary may file it under; none for a word without ヴ."""
    variants = {word}
    for v, others in _V_SPELLINGS:
        variants = {w.replace(v, other) for w in variants for other in others if v in w} | {
            w for w in variants if v not in w}
    return {w for w in variants if w != word and "ヴ" not in w} if "ヴ" in word else set()
