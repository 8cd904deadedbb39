"""Question language from its script: Japanese, English, or mixed."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Lang = Literal["ja", "en", "mixed"]

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f々〆ヵヶ]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def is_acronym(word: str) -> bool:
    """NATO, IP4, ITPP, EU: written the same in Japanese and English text."""
    return len(word) <= 8 and word.isupper()


def detect_language(text: str) -> Lang:
    """`ja` for Japanese script (acronyms allowed), `en` for Latin only, `mixed` for Japanese with English words."""
    text = unicodedata.normalize("NFKC", text)
    has_japanese = _JAPANESE.search(text) is not None
    words = [w for w in re.findall(r"[A-Za-z0-9'-]+", text) if _LATIN_WORD.match(w)]
    if not has_japanese:
        return "en"
    english = [w for w in words if not is_acronym(w)]
    return "mixed" if english else "ja"
