"""Short-answer metrics: how many answered when/where/who/how-many questions get a short answer, and whether the
dates and numbers given agree with the gold answer."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from kotae.analyze import match_form
from kotae.evaluation.metrics import AnswerScore, share
from kotae.expressions import parse_number, span_values

TYPED = frozenset({"date", "number", "where", "who"})  # gold types whose answer is one item
NUMERIC = frozenset({"date", "number"})
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_SCALES = {"万": 1e4, "億": 1e8, "兆": 1e12, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_COMPOUND = re.compile(r"\d+(?:\.\d+)?[万億兆](?:\d+(?:\.\d+)?[万億兆]?)+")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(万|億|兆|thousand|million|billion|trillion)?", re.I)


def gold_values(answer: str) -> set[float]:
    """The numbers a gold answer gives: digits with their scale (335万, 3.35 million), month names as months (March
    2024 → 3 and 2024) and small numbers written as words (Four years → 4)."""
    text = unicodedata.normalize("NFKC", answer).replace(",", "")
    out = {float(n) * _SCALES.get(scale.lower(), 1) for n, scale in _NUMBER.findall(text)}
    out |= {float(n) for n, _ in _NUMBER.findall(text)}  # the digits as written count too
    for compound in _COMPOUND.findall(text):  # 1兆840億: one number written in several scales
        number = parse_number(compound)
        if number is not None and number.value is not None:
            out.add(number.value)
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in _MONTHS:
            out.add(float(_MONTHS.index(word) + 1))
        elif word in _WORDS:
            out.add(float(_WORDS.index(word) + 1))
    return {_rounded(v) for v in out}


def _rounded(value: float) -> float:
    """A value to twelve significant digits, so that 1.084 trillion and 1兆840億 compare equal despite binary floats."""
    return float(f"{value:.12g}")


def agrees(short: str, kind: str, answer: str) -> bool:
    """Whether a date or number short answer says what the gold answer says: each number it gives is among the gold
    answer's (2024年3月 agrees with March 2024; 8日 with 2025年4月8日); one without digits (数百張) must be quoted."""
    mine = span_values(short, "date" if kind == "date" else "number")
    if mine:
        return {_rounded(v) for v in mine} <= gold_values(answer)
    return match_form(short) in match_form(answer)


def short_answer_metrics(scores: Sequence[AnswerScore]) -> dict[str, float | int]:
    """Of the answered answerable questions of a typed gold type: the share with a short answer (coverage), and of
    the date and number ones, the share whose short answer agrees with the gold answer (none counts as not)."""
    typed = [s for s in scores if s.item.answerable and not s.abstained and s.item.type in TYPED]
    numeric = [s for s in typed if s.item.type in NUMERIC]
    english = [s for s in typed if s.short is not None and s.lang == "en"]

    agreeing = sum(s.short is not None and agrees(s.short, s.item.type, s.item.answer or "") for s in numeric)
    return {"typed": len(typed), "coverage": share(sum(s.short is not None for s in typed), len(typed)),
            "numeric": len(numeric), "agreement": share(agreeing, len(numeric)),
            "english": len(english), "rendered": share(sum(s.short_en is not None for s in english), len(english))}


def short_answer_report(scores: Sequence[AnswerScore]) -> dict[str, dict[str, Any]]:
    """The short-answer metrics of all questions and of each language, as plain JSON."""
    groups: dict[str, list[AnswerScore]] = {"all": list(scores)}
    for s in scores:
        groups.setdefault(f"lang:{s.item.lang}", []).append(s)
    return {name: short_answer_metrics(group) for name, group in groups.items()}
