"""Dates and numbers written in Japanese, said in English: 2013年4月 → April 2013, 約335万人 → about 3.35 million
people, 令和5年 → 2023. None whenever the English would be a guess."""

from __future__ import annotations

import re
import unicodedata

from kotae.expressions import COUNTERS, DateExpr, NumberExpr, parse_date, parse_number

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
# An English question's months, as the parts of a date it names (April 2013 is 2013年4月); May only where it is one.
_MONTH_NAMED = re.compile(rf"\b(?:{'|'.join(m for m in MONTHS if m != 'May')})\b|"
                          r"\bMay(?=,?\s+\d)|(?<=\d )May\b|(?<=\bin )May\b|(?<=\bof )May\b")
# A part of a month or of a decade: said before it (early April 2013, the early 1990s).
_PART = {"初旬": "early", "上旬": "early", "初め": "early", "初頭": "early", "中旬": "mid-", "半ば": "mid-",
         "下旬": "late"}
_PREFIX_EN = {**dict.fromkeys(("約", "およそ", "ほぼ", "概ね"), "about"),
              **dict.fromkeys(("計", "合計", "総額", "総計", "延べ"), "a total of"),
              **dict.fromkeys(("最大", "最長", "最高"), "up to"),
              **dict.fromkeys(("最小", "最短", "最低", "少なくとも"), "at least")}
_SUFFIX_EN = {"以上": "at least", "以下": "at most", "未満": "under", "以内": "within", "近く": "nearly",
              **dict.fromkeys(("超", "余り", "余", "強"), "more than"), **dict.fromkeys(("前後", "程度"), "about")}
# 数 ("a few", "several") with what it counts: said as English says an unknown amount.
_SEVERAL = {"数": "several", "数十": "dozens of", "数百": "several hundred", "数千": "several thousand",
            "数万": "tens of thousands of", "数十万": "hundreds of thousands of"}
_LARGE = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"))


def date_en(text: str) -> str | None:
    """A date expression in English: 12 April 2013, April 2013, 2013, 3 January, early September 2021."""
    expr = parse_date(unicodedata.normalize("NFKC", text))
    return render_date(expr) if expr else None


def number_en(text: str) -> str | None:
    """A number with its counter in English: 32 countries, about 3.35 million people, 1 trillion yen."""
    expr = parse_number(unicodedata.normalize("NFKC", text))
    return render_number(expr) if expr else None


def render_date(expr: DateExpr) -> str | None:
    if expr.decade:
        if expr.year is None or expr.year % 10 or expr.month is not None or expr.qualifier not in ("", *_PART):
            return None
        part = _PART.get(expr.qualifier, "")
        return f"the {part}{' ' if part and not part.endswith('-') else ''}{expr.year}s"
    if expr.fiscal:
        return f"fiscal year {expr.year}" if expr.month is None and not expr.qualifier else None
    if expr.month is None and expr.day is not None:
        return f"the {ordinal(expr.day)}" if expr.year is None and not expr.qualifier else None
    words = [str(expr.day)] if expr.day else []
    words += [MONTHS[expr.month - 1]] if expr.month else []
    words += [str(expr.year)] if expr.year else []
    base = " ".join(words)
    if expr.qualifier in ("頃", "ごろ"):
        return f"around {base}"
    if expr.qualifier == "末":
        return f"the end of {base}" if not expr.day else None
    if expr.qualifier:
        part = _PART[expr.qualifier]
        return None if expr.day else f"{part}{'' if part.endswith('-') else ' '}{base}"
    return base


def render_number(expr: NumberExpr) -> str | None:
    singular, plural = COUNTERS.get(expr.counter, ("", ""))
    if expr.value is None:
        several = _SEVERAL.get(expr.numeral)
        if several is None:
            return None
        base = f"{several} {plural}".strip() if plural else several.removesuffix(" of")
    elif expr.prefix == "第" or expr.counter in ("回目", "度目", "番目"):
        if expr.value != int(expr.value) or expr.counter not in ("", "回", "回目", "度目", "番目", "版"):
            return None
        noun = " time" if expr.counter in ("回目", "度目") else f" {singular}" if expr.counter == "版" else ""
        base = f"the {ordinal(int(expr.value))}{noun}"  # 第6版: the 6th edition
    elif expr.counter in ("%", "パーセント", "割"):
        base = f"{amount(expr.value * (10 if expr.counter == '割' else 1))}%"
    elif (expr.counter, expr.value) in (("回", 1), ("回", 2), ("倍", 2)):
        base = "once" if expr.value == 1 else "twice"
    else:
        noun = singular if expr.value == 1 else plural
        base = f"{amount(expr.value)} {noun}".strip()
    before = _PREFIX_EN.get(expr.prefix, "") if expr.prefix != "第" else ""
    after = _SUFFIX_EN.get(expr.suffix, "")
    if before and after and before != after:
        return None  # two qualifiers (約…以上) English would have to merge
    qualifier = before or after
    return f"{qualifier} {base}" if qualifier else base


def amount(value: float) -> str:
    """A number as English writes it: 1,949; 2.5; 3.35 million (exact: 1,234,567 stays as it is)."""
    for scale, word in _LARGE:
        if value >= scale and (value / scale) * 1000 == int((value / scale) * 1000):
            return f"{_trim(value / scale)} {word}"
    return f"{int(value):,}" if value == int(value) else _trim(value)


def _trim(value: float) -> str:
    text = f"{value:,.6f}".rstrip("0")
    return text.rstrip(".")


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def months_named(text: str) -> set[float]:
    """The months an English text names, as numbers (April → 4)."""
    return {float(MONTHS.index(m.group()) + 1) for m in _MONTH_NAMED.finditer(text)}
