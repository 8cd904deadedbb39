"""Follow-up questions: when a question leans on the conversation, search with the earlier question too."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from kotae.analyze import Analyzer

_JA_REFERENCE = re.compile(r"それ|その|これ|この|あれ|あの|そこ|そちら|彼|彼女|同氏|同国|当時|"
                           r"^(?:では|じゃあ?|で|また)[、,]?")
_EN_REFERENCE = re.compile(r"\b(?:it|its|they|them|their|he|him|his|she|her|this|that|these|those|there|one|"
                           r"the same|such)\b|^(?:and|so|then|what about|how about)\b", re.I)
MIN_CONTENT_TERMS = 2


def depends_on_history(question: str, analyzer: Analyzer) -> bool:
    """Pronouns, demonstratives, a leading 'and', or too few content words of its own."""
    text = unicodedata.normalize("NFKC", question).strip()
    if _JA_REFERENCE.search(text) or _EN_REFERENCE.search(text):
        return True
    return len([t for t in analyzer.terms(text) if not t.isascii() or len(t) > 3]) < MIN_CONTENT_TERMS


def retrieval_question(question: str, history: Sequence[Mapping[str, Any]] | None, analyzer: Analyzer) -> str:
    """The text to search for: the question itself, or the last earlier question followed by it."""
    if not history or not depends_on_history(question, analyzer):
        return question
    previous = next((str(turn.get("question", "")).strip() for turn in reversed(history)
                     if str(turn.get("question", "")).strip()), "")
    return f"{previous} {question}" if previous else question
