"""The gold file, and when a passage or an answer counts as holding a gold question's evidence."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kotae.analyze import match_form
from kotae.errors import ConfigError

# The kinds of unanswerable question a gold file may mark, as reports name them.
KINDS = {"offtopic": "off-topic", "nearmiss": "near-miss"}


@dataclass(frozen=True)
class GoldItem:
    """One gold question: its evidence quotes (none when unanswerable) and, for a follow-up, the turns before it."""

    id: str
    lang: str
    question: str
    answer: str | None
    evidence: tuple[str, ...]
    doc_id: str | None = None
    type: str = "unknown"
    history: tuple[dict[str, Any], ...] = ()
    # For an unanswerable question: "offtopic" (another subject) or "nearmiss" (the subject, not the detail asked).
    kind: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.evidence)


def load_gold(path: Path) -> list[GoldItem]:
    """Read a gold JSONL file; each line needs id, lang, question, answer and evidence."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"The gold file {path} does not exist.") from None
    items: list[GoldItem] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            item = GoldItem(id=str(row["id"]), lang=str(row["lang"]), question=str(row["question"]),
                            answer=row.get("answer"), evidence=tuple(row.get("evidence") or ()),
                            doc_id=row.get("doc_id"), type=str(row.get("type") or "unknown"),
                            history=tuple(row.get("history") or ()), kind=row.get("kind"))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}:{n} is not a gold item ({exc.__class__.__name__}: {exc}).") from None
        if item.kind is not None and item.kind not in KINDS:
            raise ConfigError(f"{path}:{n} has the kind {item.kind!r}; an unanswerable question's kind is "
                              f"{' or '.join(KINDS)}.")
        if item.kind and item.answerable:
            raise ConfigError(f"{path}:{n} gives the kind {item.kind!r} to a question with evidence; only "
                              "unanswerable questions have a kind.")
        if item.id in seen:
            raise ConfigError(f"{path}:{n} repeats the id {item.id!r}.")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise ConfigError(f"The gold file {path} has no questions.")
    return items


def is_relevant(text: str, evidence: Iterable[str]) -> bool:
    """A passage is relevant when it contains an evidence quote (NFKC, case and white space ignored)."""
    haystack = match_form(text)
    return any(match_form(quote) in haystack for quote in evidence if quote.strip())


def is_supported(sentences: Iterable[str], evidence: Iterable[str]) -> bool:
    """An answer is supported when a cited sentence contains an evidence quote (or lies inside one)."""
    quotes = [match_form(q) for q in evidence if q.strip()]
    return any(q in s or (len(s) >= 8 and s in q) for s in map(match_form, sentences) for q in quotes)


def evidence_found(items: Sequence[GoldItem], texts: Iterable[str]) -> tuple[int, int]:
    """(answerable items with an evidence quote somewhere in `texts`, answerable items): a gold file for other
    documents finds almost none."""
    haystack = "\n".join(match_form(t) for t in texts)
    answerable = [i for i in items if i.answerable]
    found = sum(any(match_form(q) in haystack for q in i.evidence if q.strip()) for i in answerable)
    return found, len(answerable)
