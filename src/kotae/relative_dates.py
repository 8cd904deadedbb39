"""A date written relative to its document (ことし3月, 昨年12月): the year counted from the date the document gives
for itself (its `published` or `date` field), so that an English answer can say March 2023, not just March."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import replace
from typing import TYPE_CHECKING

from kotae.expressions import parse_date
from kotae.render_en import MONTHS, render_date

if TYPE_CHECKING:
    from kotae.short_answer import ShortAnswer

# The words that place a month in a year relative to the writing: this year, last year, next year.
RELATIVE_YEARS = {"ことし": 0, "今年": 0, "本年": 0, "昨年": -1, "去年": -1, "来年": 1}
_BEFORE = re.compile(rf"(?:{'|'.join(RELATIVE_YEARS)})$")
_YEAR = re.compile(r"(?:19|20|21)\d\d")
_YEAR_MONTH = re.compile(r"((?:19|20|21)\d\d)-(\d\d)")
_DAY = re.compile(r"((?:19|20|21)\d\d)-\d\d-\d\d\b")


def _dated(meta: dict, form: re.Pattern[str]) -> re.Match[str] | None:
    """The start of the date a document gives for itself (its `published`, else its `date`) in `form`, if any."""
    for key in ("published", "date"):
        found = form.match(str(meta.get(key) or "").strip())
        if found:
            return found
    return None


def written_year(meta: dict) -> int | None:
    """The year a document says it was written or published in (2023-07-12 → 2023), if it says."""
    found = _dated(meta, _YEAR)
    return int(found.group()) if found else None


def anchored(short: ShortAnswer, text: str, year: int | None, lang: str) -> ShortAnswer:
    """The short answer taking in the relative year written before it (ことし3月 for 3月), rendered in English with
    the year counted from `year`, the document's own (for English questions); unchanged where no such word stands
    right before it, where it gives a year itself, or where the document does not date itself."""
    before = _BEFORE.search(text, max(0, short.start - 3), short.start)
    expr = parse_date(unicodedata.normalize("NFKC", short.text)) if short.kind == "date" else None
    if before is None or expr is None or expr.year is not None or expr.month is None or year is None:
        return short
    counted = year + RELATIVE_YEARS[before.group()]
    en = render_date(replace(expr, year=counted)) if lang == "en" else None
    return replace(short, text=text[before.start():short.end], start=before.start(), en=en)


def reported_year(meta: dict) -> str | None:
    """The year of what a document dated to the day reports (a news item of 2023-07-12: 2023), which its sentences
    need not say; None for a document dated to its year or month only (an overview of 2025 recounts any year)."""
    found = _dated(meta, _DAY)
    return found.group(1) if found else None


def written_month(meta: dict) -> tuple[int, int] | None:
    """The year and month a document says it was written or published in (2025-05 → (2025, 5)), if it says."""
    found = _dated(meta, _YEAR_MONTH)
    return (int(found.group(1)), int(found.group(2))) if found else None


# Nouns for a document, which a year can date as a month does (the Foreign Ministry's 2025 NATO briefing, 2025年の資料).
_DOCUMENT_EN = r"(?:article|piece|story|briefing|report|overview|summary|slides?|deck|page|document|paper|leaflet)s?"
_DOCUMENT_JA = r"(?:資料|報告書?|概要|記事|ページ|文書|ブリーフィング)"


def dating_years(question: str, dates: Collection[tuple[int, int]]) -> set[str]:
    """The years a question names with the month of one of the `dates` (its documents' own, see `written_month`), or
    as what a document is of: 外務省の2025年5月の資料, the May 2025 overview, the ministry's 2025 NATO briefing,
    2025年の資料, which say which document, not what year the answer is of (2025年の首脳会合 asks of 2025)."""
    text = unicodedata.normalize("NFKC", question)
    return {str(year) for year, month in dates
            if re.search(rf"(?<!\d){year}\s*年\s*0?{month}\s*月|\b{MONTHS[month - 1]},?\s+(?:of\s+)?{year}\b|"
                         rf"\b{year}\s+(?:(?:(?-i:[A-Z][\w'-]*)|annual|news|press|policy)\s+){{0,2}}?{_DOCUMENT_EN}\b|"
                         rf"(?<!\d){year}\s*年(?:度|版)?の?[^\s、。?]{{0,6}}?{_DOCUMENT_JA}", text, re.I)}
