"""Date and number expressions in Japanese text: where they are, and what they say (year, month, day; value,
counter, qualifiers).

Matching runs on NFKC text (full-width digits and ％ become ASCII); callers map offsets back to the original.
Only counters that can be said in English are listed, so a number is never cut off before a counter no one could
render (a bare number is only taken when no word follows it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from kotae.numerals import (
    ERAS,
    KANJI_DIGITS,
    KANJI_NUMERAL,
    MIXED_NUMERAL,
    SCALES,
    era_date,
    era_year,
    kanji_value,
    number_value,
    scaled_value,
)

_GAP = r"[ \t]*"  # table cells and spaced-out documents put blanks between a date's parts, never a line break
_KN = f"[{KANJI_DIGITS}十]+"
_ERA = "|".join(ERAS)
_SCALE = f"[{''.join(SCALES)}]"
_KANJI_YEAR = f"(?<![{KANJI_DIGITS}十百千])[{KANJI_DIGITS}]{{4}}"  # 二〇二三
_YEAR = rf"(?:(?:{_ERA}){_GAP}(?:元|\d{{1,2}}|{_KN})|(?<![\d.,])\d{{4}}|{_KANJI_YEAR})"
_MONTH = rf"(?:\d{{1,2}}|{_KN}){_GAP}月"
_DAY = rf"(?:\d{{1,2}}|{_KN}){_GAP}日(?!間|本|米|中|英|欧|韓|程|付)"
_QUALIFIER = "初旬|上旬|中旬|下旬|初め|初頭|半ば|末|頃|ごろ"
DATE = re.compile(
    rf"(?:{_YEAR}{_GAP}年(?:度|代)?(?!間|以内|ごと|連続|版)(?:{_GAP}{_MONTH}(?:{_GAP}{_DAY})?)?"
    rf"|(?<![\d〇一二三四五六七八九十]){_MONTH}(?:{_GAP}{_DAY})?"
    rf"|(?<![\d.,〇一二三四五六七八九十月毎]){_DAY}"
    rf"|(?<![\d.,])(?:18|19|20|21)\d\d[./](?:1[0-2]|0?[1-9])(?:[./](?:3[01]|[12]\d|0?[1-9]))?(?![\d])"
    rf"|(?<![\d.,])(?:18|19|20|21)\d\d-(?:1[0-2]|0[1-9])-(?:3[01]|[12]\d|0[1-9])(?![\d]))(?:{_QUALIFIER})?")

# Counters, longest first, each as English says it: (singular, plural); "" for a counter with no English word
# (8つ is "8"); see render_en for the ones said otherwise (回, 倍, %, 割, ordinals).
COUNTERS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("か国", "カ国", "ヶ国", "ヵ国", "箇国"), ("country", "countries")),
    **dict.fromkeys(("か所", "カ所", "ヶ所", "ヵ所", "箇所"), ("place", "places")),
    **dict.fromkeys(("か月間", "カ月間", "ヶ月間", "ヵ月間", "か月", "カ月", "ヶ月", "ヵ月"), ("month", "months")),
    "年間": ("year", "years"), "年": ("year", "years"), "日間": ("day", "days"), "週間": ("week", "weeks"),
    "時間": ("hour", "hours"), "分間": ("minute", "minutes"), "人": ("person", "people"), "名": ("person", "people"),
    "件": ("case", "cases"),
    "分野": ("field", "fields"), "回目": ("", ""), "度目": ("", ""), "番目": ("", ""), "回": ("time", "times"),
    "倍": ("time", "times"), "%": ("%", "%"), "パーセント": ("%", "%"), "割": ("%", "%"),
    "米ドル": ("US dollar", "US dollars"), "ドル": ("dollar", "dollars"), "円": ("yen", "yen"),
    "ユーロ": ("euro", "euros"), "ページ": ("page", "pages"), "パラ": ("paragraph", "paragraphs"),
    "隻": ("ship", "ships"), "社": ("company", "companies"), "校": ("school", "schools"), "冊": ("volume", "volumes"),
    "キロメートル": ("km", "km"), "km": ("km", "km"), "メートル": ("metre", "metres"), "トン": ("tonne", "tonnes"),
    "歳": ("year old", "years old"), "往復": ("round trip", "round trips"), "駅": ("station", "stations"),
    "項目": ("item", "items"), "か条": ("article", "articles"), "条": ("article", "articles"),
    "階": ("floor", "floors"), "店": ("shop", "shops"), "席": ("seat", "seats"), "票": ("vote", "votes"),
    "点": ("point", "points"), "版": ("edition", "editions"),
    # Counters English leaves out (2頭 is "2", of whatever animal the question named).
    **dict.fromkeys(("つ", "個", "張り", "張", "本", "枚", "基", "頭", "匹", "羽", "台", "便", "機", "両", "棟", "軒",
                     "位", "度"), ("", "")),
}
PREFIXES = ("少なくとも", "およそ", "合計", "総額", "総計", "最大", "最長", "最短", "最小", "最高", "最低", "延べ",
            "概ね", "ほぼ", "約", "計", "第")
SUFFIXES = ("以上", "以下", "未満", "以内", "余り", "近く", "前後", "程度", "超", "余", "強")
_NUMERAL = rf"{MIXED_NUMERAL}|(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?|{KANJI_NUMERAL}"
_SCALED = rf"(?:数(?:[十百千])?|{_NUMERAL})(?:{_GAP}{_SCALE}(?:{_GAP}(?:{_NUMERAL}){_GAP}{_SCALE}?)*)?"


def _alternatives(words) -> str:
    """A regex alternation of words, longest first, so that 回目 is tried before 回."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


NUMBER = re.compile(
    rf"(?P<prefix>{_alternatives(PREFIXES)})?{_GAP}"
    rf"(?<![\d.,〇一二三四五六七八九十百千万億兆A-Za-z])(?P<num>{_SCALED})(?![\d.,])"
    rf"{_GAP}(?:(?P<counter>{_alternatives(COUNTERS)})(?P<suffix>{_alternatives(SUFFIXES)})?|(?![一-龥ぁ-んァ-ヶー々]))")


_KANJI = re.compile("[\u4e00-\u9fff々]")


@dataclass(frozen=True)
class DateExpr:
    """A date as written: its Gregorian year, month and day where given, and how it is qualified."""

    year: int | None
    month: int | None
    day: int | None
    qualifier: str = ""  # 初旬, 末, 頃…
    decade: bool = False  # 1990年代
    fiscal: bool = False  # 2024年度, the Japanese fiscal year


@dataclass(frozen=True)
class NumberExpr:
    """A number as written: its value (None for 数, "several"), scale word, counter and qualifiers."""

    value: float | None
    numeral: str  # as written, NFKC
    counter: str = ""
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    text: str


def find_dates(norm: str) -> Iterator[Match]:
    """The date expressions of NFKC text that read as dates (a month 1–12, a day 1–31, an era year inside its era)."""
    for m in DATE.finditer(norm):
        if parse_date(m.group()) is not None:
            yield Match(m.start(), m.end(), m.group())


def find_numbers(norm: str) -> Iterator[Match]:
    """The number expressions of NFKC text, with their prefixes, counters and suffixes. A one-kanji counter that a
    kanji follows starts a word instead (4.1 本計画, 2本柱, 1年生), unless a suffix comes between (10年以内)."""
    for m in NUMBER.finditer(norm):
        text = m.group().strip(" \t")
        counter = m.group("counter") or ""
        if _KANJI.fullmatch(counter) and not m.group("suffix") and _KANJI.match(norm, m.end()):
            continue
        if text and parse_number(text) is not None:
            start = m.start() + (len(m.group()) - len(m.group().lstrip(" \t")))
            yield Match(start, start + len(text), text)


def _small(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else kanji_value(text)


def parse_date(text: str) -> DateExpr | None:
    """A date expression's parts; None when it does not make a date."""
    qualifier = next((q for q in _QUALIFIER.split("|") if text.endswith(q)), "")
    body = text[:len(text) - len(qualifier)] if qualifier else text
    numeric = re.fullmatch(r"(\d{4})[./-](\d{1,2})(?:[./-](\d{1,2}))?", body)
    if numeric:
        year, month, day = (int(g) if g else None for g in numeric.groups())
        return _checked(DateExpr(year, month, day, qualifier))
    era, era_number, year, tail = None, 0, None, None
    year_part = rf"(?:({_ERA}){_GAP}(元|\d{{1,2}}|{_KN})|(\d{{4}}|[〇一二三四五六七八九]{{4}}))"
    found = re.match(rf"{year_part}{_GAP}年(度|代)?", body)
    if found:
        era, written, plain, tail = found.groups()
        era_number = (1 if written == "元" else _small(written) or 0) if era else 0
        year = era_year(era, era_number) if era else _small(plain)
        if year is None:
            return None
        body = body[found.end():]
    month = re.match(rf"{_GAP}(\d{{1,2}}|{_KN}){_GAP}月", body)
    day = re.search(rf"(\d{{1,2}}|{_KN}){_GAP}日$", body)
    expr = DateExpr(year, _small(month.group(1)) if month else None, _small(day.group(1)) if day else None,
                    qualifier, decade=tail == "代", fiscal=tail == "度")
    if era and not era_date(era, era_number, expr.month, expr.day):
        return None
    return _checked(expr)


def _checked(expr: DateExpr) -> DateExpr | None:
    if expr.month is not None and not 1 <= expr.month <= 12:
        return None
    if expr.day is not None and not 1 <= expr.day <= 31:
        return None
    if expr.year is None and expr.month is None and expr.day is None:
        return None
    return expr


def parse_number(text: str) -> NumberExpr | None:
    """A number expression's parts; None when it is not one."""
    m = NUMBER.fullmatch(text)
    if m is None:
        return None
    numeral = re.sub(r"[ \t]", "", m.group("num"))
    counter = m.group("counter") or ""
    if not counter and not re.fullmatch(r"[\d,.万億兆]+", numeral):  # a bare kanji numeral is part of a word (唯一)
        return None
    if numeral.startswith("数"):
        value = None
    else:
        value = scaled_value(numeral) if re.search("[万億兆]", numeral) else number_value(numeral)
        if value is None:
            return None
    return NumberExpr(value, numeral, counter, m.group("prefix") or "", m.group("suffix") or "")


# A year of the common era as written (2023), also before a comma or full stop that ends a clause (in 2024, and…),
# not within a larger number (12,024, 2024.5).
YEAR = re.compile(r"(?<![\d.,])(?:1[89]|20)\d\d(?![\d]|[.,]\d)")
_COUNTED_AFTER = re.compile(r"\s*(?!年)[一-龥ぁ-んァ-ヶ]")  # 2000人, 1800件: a count, not a year


def date_alone(text: str) -> bool:
    """Whether a line is nothing but a date (令和7年5月, a document's date)."""
    return DATE.fullmatch(unicodedata.normalize("NFKC", text).strip()) is not None


def years_named(text: str) -> set[str]:
    """The years of the common era a text names (2025 of 2025年, "the 2025 summit"), not a count (2000人)."""
    norm = unicodedata.normalize("NFKC", text)
    return {m.group() for m in YEAR.finditer(norm) if not _COUNTED_AFTER.match(norm, m.end())}


def names_other_year(text: str, asked: Collection[str]) -> bool:
    """Whether a text names a year (1949, 2024年) but none of the `asked` ones."""
    named = years_named(text)
    return bool(named) and not named & set(asked)


_VALUE = re.compile(r"(?<![A-Za-z\d.])(?<![A-Za-z]-)(\d+(?:\.\d+)?)(?:\s*(million|billion|trillion|thousand))?", re.I)
_SCALE_WORDS = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}


def values(text: str) -> set[float]:
    """The numbers written in a text (NFKC digits; 5 billion is 5,000,000,000), for telling an answer from what the
    question already says."""
    out = set()
    for number, scale in _VALUE.findall(unicodedata.normalize("NFKC", text).replace(",", "")):
        out.add(float(number) * _SCALE_WORDS.get(scale.lower(), 1))
    return out


def span_values(text: str, kind: str) -> set[float]:
    """The numbers a date or number span says: its parts for a date, its value for a number (50億 is 5,000,000,000)."""
    norm = unicodedata.normalize("NFKC", text)
    if kind == "date":
        expr = parse_date(norm)
        return {float(v) for v in (expr.year, expr.month, expr.day) if v is not None} if expr else values(norm)
    number = parse_number(norm)
    return {number.value} if number is not None and number.value is not None else values(norm)


# "Until when" (いつまで) asks when something ends or ended: a date a sentence gives as a start (2024年10月から現職)
# does not answer it. A question asking both (いつからいつまで) is answered by a range, which names its end.
_ASKS_END = re.compile(r"いつまで|\buntil when\b|\buntil what (?:date|year|month|day)\b|"
                       r"\bwhen (?:does|did|will|would) [^?]*\b(?:end|expire|finish)s?\b", re.I)
_ASKS_START = re.compile(r"いつから|\bsince when\b|\bfrom when\b", re.I)
_BOUNDS = (("start", re.compile(r"\s*(?:から|より|以来|以降)")), ("end", re.compile(r"\s*(?:まで|迄)")))


def asks_end(question: str) -> bool:
    """Whether a when-question asks when something ends, not when it began."""
    return bool(_ASKS_END.search(question)) and not _ASKS_START.search(question)


def bound(text: str, end: int) -> str | None:
    """"start" where the date ending at `end` in `text` is given as when something began (2024年10月から, 2014年以来),
    "end" where as when it ends (2028年9月まで), else None."""
    return next((name for name, pattern in _BOUNDS if pattern.match(text, end)), None)

