"""What kind of answer a question expects (a place, a date, a person, a number), and where such answers are.

Words that share a sentence with a place, date, person or number are also indexed in typed form, and a
question asking "where" searches the place-typed forms of its words, so BM25 prefers passages that can
actually answer it ("NATOの本部はどこ" → the sentence naming the city).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from kotae.types import Token

_DATE_UNITS = frozenset({"年", "月", "日", "年度"})

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("date", re.compile(r"いつ|何年|何月|何日|時期|日付|年月|\bwhen\b|what (?:year|month|date|day)|which year", re.I)),
    ("number", re.compile(r"何人|何か国|何カ国|何ヶ国|何ヵ国|何か所|いくつ|いくら|何パーセント|何%|何割|何回|何度目|"
                          r"\bhow (?:many|much|large|big)\b|what (?:percentage|share|proportion)|\bnumber of\b", re.I)),
    ("person", re.compile(r"誰|だれ|何者|\bwho(?:m|se)?\b", re.I)),
    ("place", re.compile(r"どこ|何処|どちら|場所|所在|\bwhere\b|which (?:city|country|countries)|located", re.I)),
)


def expected_type(question: str) -> str | None:
    """The entity type a question asks for, or None for other questions (what, why, how)."""
    text = unicodedata.normalize("NFKC", question)
    for kind, pattern in _PATTERNS:
        if pattern.search(text):
            return kind
    return None


def entity_types(tokens: Sequence[Token]) -> set[str]:
    """The entity types named in `tokens`; a number followed by 年/月/日 is a date."""
    kinds = {t.entity for t in tokens if t.entity}
    if any(t.entity == "number" and n.term in _DATE_UNITS for t, n in zip(tokens, tokens[1:])):
        kinds.add("date")
    return kinds


def typed_terms(tokens: Sequence[Token], spans: Iterable[tuple[int, int]]) -> list[str]:
    """For each span (a sentence, a row) naming an entity of type T, the term `[T]w` for each word w in it.

    So a question asking "where" for 本部 matches 本部 strongly only where a place is named in the same
    sentence: co-occurrence at sentence level, expressed as ordinary BM25 terms.
    """
    out: list[str] = []
    for start, end in spans:
        inside = [t for t in tokens if start <= t.start and t.end <= end]
        words = [t.term for t in inside if not t.entity and t.term not in _DATE_UNITS]
        for kind in sorted(entity_types(inside)):
            out.extend(f"[{kind}]{w}" for w in words)
    return out

