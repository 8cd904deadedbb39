"""Japanese numbers as values: Arabic and kanji numerals, 万/億/兆 scales, and era years as Gregorian ones."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

KANJI_DIGITS = "〇一二三四五六七八九"
KANJI_NUMERAL = "[〇一二三四五六七八九十百千]+"
MIXED_NUMERAL = r"(?:\d+(?:\.\d+)?[千百十])+\d*"  # Arabic digits with kanji units: 3千, 1千5百
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
SCALES = {"万": 10**4, "億": 10**8, "兆": 10**12}

# Each era's first day; the day before the next era's first day is its last (明治 before 1873 used the lunar
# calendar, whose months and days are not the Gregorian ones, see `era_date`).
ERAS: dict[str, date] = {"明治": date(1868, 10, 23), "大正": date(1912, 7, 30), "昭和": date(1926, 12, 25),
                         "平成": date(1989, 1, 8), "令和": date(2019, 5, 1)}
_SOLAR_CALENDAR = date(1873, 1, 1)


def kanji_numeral(number: int) -> str:
    """A number in positional kanji numerals, as documents number their articles (5 → 五, 12 → 十二, 99 → 九十九,
    105 → 百五, 12345 → 一万二千三百四十五); 〇 for 0. Above 9,999 each group of four digits takes its scale (万,
    億, 兆); a question may name any number ("section 1000005"), whatever the documents number."""
    if number == 0:
        return "〇"
    out = ""
    for scale, size in (*sorted(SCALES.items(), key=lambda item: -item[1]), ("", 1)):
        group, number = divmod(number, size)
        if group:
            out += (_below_ten_thousand(group) if group < 10**4 else kanji_numeral(group)) + scale
    return out


def _below_ten_thousand(number: int) -> str:
    out = ""
    for unit, value in (("千", 1000), ("百", 100), ("十", 10)):
        digit, number = divmod(number, value)
        if digit:
            out += (KANJI_DIGITS[digit] if digit > 1 else "") + unit
    return out + (KANJI_DIGITS[number] if number else "")


def kanji_value(text: str) -> int | None:
    """The value of a kanji numeral: positional (三十二 = 32, 千九百四十九 = 1949) or digit by digit (二〇二三)."""
    if not text or any(ch not in KANJI_DIGITS and ch not in _SMALL_UNITS for ch in text):
        return None
    if not any(ch in _SMALL_UNITS for ch in text):
        return int("".join(str(KANJI_DIGITS.index(ch)) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _SMALL_UNITS:
            if ch == "〇":
                return None
            total += (1 if digit is None else digit) * _SMALL_UNITS[ch]
            digit = None
        else:
            if digit is not None:  # two digits in a row in a positional numeral (二三十) is not a number
                return None
            digit = KANJI_DIGITS.index(ch)
    return total + (digit or 0)


def number_value(text: str) -> float | None:
    """An Arabic (1,234.5, full-width too) or kanji numeral as a number, or Arabic digits with 千/百/十 (3千 = 3,000;
    news writing's 約3千人); None for anything else."""
    text = unicodedata.normalize("NFKC", text).strip()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", text):
        return float(text.replace(",", ""))
    if re.fullmatch(MIXED_NUMERAL, text):
        parts = re.findall(r"(\d+(?:\.\d+)?)([千百十])", text)
        rest = text[sum(len(a) + len(b) for a, b in parts):]
        return sum(float(a) * _SMALL_UNITS[b] for a, b in parts) + (float(rest) if rest else 0.0)
    value = kanji_value(text)
    return float(value) if value is not None else None


def scaled_value(text: str) -> float | None:
    """A number written with 万/億/兆 (335万 = 3,350,000; 3億5000万 = 350,000,000; 一億二千万)."""
    text = unicodedata.normalize("NFKC", text).replace(" ", "")
    parts = re.findall(r"([^万億兆]+)([万億兆]?)", text)
    if not parts or "".join(a + b for a, b in parts) != text:
        return None
    total = 0.0
    for numeral, scale in parts:
        value = number_value(numeral)
        if value is None:
            return None
        total += value * SCALES.get(scale, 1)
    return total


def era_year(era: str, year: int) -> int | None:
    """The Gregorian year of an era year (令和5 → 2023), None when the era has no such year."""
    first = ERAS.get(era)
    if first is None or year < 1:
        return None
    gregorian = first.year + year - 1
    following = [d for d in ERAS.values() if d > first]
    if following and gregorian > min(following).year:
        return None
    return gregorian


def era_date(era: str, year: int, month: int | None, day: int | None) -> bool:
    """Whether an era date (its Gregorian year from `era_year`) lies inside the era: 令和元年4月 does not (令和 began
    on 1 May 2019), nor does any month of 明治 before the solar calendar."""
    gregorian = era_year(era, year)
    if gregorian is None:
        return False
    if month is None:
        return True
    first = ERAS[era]
    following = [d for d in ERAS.values() if d > first]
    last = min(following) if following else date(9999, 12, 31)
    try:
        start = date(gregorian, month, day or 1)
        end = date(gregorian, month, day) if day else _month_end(gregorian, month)
    except ValueError:
        return False
    if start < _SOLAR_CALENDAR:
        return False
    return end >= first and start < last


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
