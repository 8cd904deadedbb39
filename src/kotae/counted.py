"""What a how-many question counts (何か国, how many countries → countries), as the English plural of a counter: a
number counting anything else is no answer to it; nor is a count that only says what a title covers."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from kotae.expressions import COUNTERS, NumberExpr

if TYPE_CHECKING:
    from kotae.short_answer import ShortAnswer

# Counters English leaves out (2機, 数百張): what they count is the counter itself, 何機 asks for aircraft and 数百張
# counts tents, not them. つ and 個 count anything, and 回目 or 番目 say an order.
SILENT = frozenset(c for c, (_, plural) in COUNTERS.items() if not plural) - {"つ", "個", "回目", "度目", "番目"}
_COUNTED = frozenset(plural for _, plural in COUNTERS.values() if plural) | SILENT  # what a counter can count
ORDINAL = "第"  # 第10条: the tenth article, not ten of them
_EN_SILENT = {**dict.fromkeys(("aircraft", "planes", "airplanes", "jets", "helicopters"), "機"),
              **dict.fromkeys(("vehicles", "cars", "trucks", "tanks"), "台")}
# 何 and the counter after it: what a Japanese question counts (何か国 → countries).
_JA_COUNTED = re.compile(rf"何\s*({'|'.join(sorted(map(re.escape, COUNTERS), key=len, reverse=True))})")
_EN_COUNTED = re.compile(r"\bhow (?:many|much) (\w+)(?: (\w+))?|\bhow (long)\b", re.I)
TIMES = frozenset({"years", "months", "weeks", "days", "hours", "minutes"})
_LENGTHS = TIMES | {"km", "metres"}  # how long
_JA_HOW_MANY = re.compile(r"([一-龥ァ-ヶー]+)(?:が|は|も|を)いくつ|いくつの([一-龥ァ-ヶー]+)")
_JA_NOUN_COUNTERS = {**COUNTERS, "国": ("country", "countries")}  # 加盟国はいくつ counts countries

# A question asking for a sum of money (how much money, いくら, 拠出額): only an amount in a currency answers it,
# never a count of things (数百張 of tents).
MONEY = frozenset(plural for counter, (_, plural) in COUNTERS.items() if counter in ("米ドル", "ドル", "円", "ユーロ"))
_ASKS_MONEY = re.compile(r"\bhow much (?:\w+ )?(?:money|funding|funds|cash|aid)\b|\bbudgets?\b|\bexpenditures?\b|"
                         r"\bhow much\b.*\b(?:cost|costs|spend|spent|pay|paid|donate|donated|invest|invested|"
                         r"contribute|contributed|fund|funded)\b|"
                         r"いくら|金額|費用|予算|[一-龥]額", re.I)

_NATIONS = frozenset({"nations", "states", "allies"})  # what English counts countries as (how many allies → か国)
# What English counts people as (how many visitors → 人, 名).
_PEOPLE = frozenset({"people", "persons", "visitors", "participants", "troops", "soldiers", "staff", "residents",
                     "students", "volunteers", "tourists", "attendees", "employees", "workers", "officials",
                     "children", "citizens", "passengers", "spectators", "personnel", "officers", "experts",
                     "diplomats", "delegates", "ambassadors", "specialists", "researchers", "crew", "sailors",
                     "pilots", "instructors", "trainees", "refugees", "victims", "casualties", "inhabitants"})


def counted_nouns(question: str) -> frozenset[str]:
    """What the question counts, as the English plural of a counter (何か国, how many countries → countries)."""
    text = unicodedata.normalize("NFKC", question)
    nouns = {COUNTERS[m.group(1)][1] or m.group(1) for m in _JA_COUNTED.finditer(text)}
    # 協力分野がいくつ, いくつの(協力)分野: the counter its noun ends or starts with counts
    for m in _JA_HOW_MANY.finditer(text):
        before, after = m.group(1) or "", m.group(2) or ""
        nouns |= {plural for counter, (_, plural) in _JA_NOUN_COUNTERS.items() if plural and (
            before.endswith(counter) or after.startswith(counter) or after.endswith(counter))}
    for m in _EN_COUNTED.finditer(text):  # how many years; how many founding members
        words = {w.lower() for w in m.groups()[:2] if w}
        nouns |= _LENGTHS if m.group(3) else words | ({"people"} if words & _PEOPLE else set()) | (
            {"countries"} if words & _NATIONS else set()) | {_EN_SILENT[w] for w in words if w in _EN_SILENT}
    if _ASKS_MONEY.search(text):
        nouns |= MONEY
    return frozenset(nouns & _COUNTED) | ({ORDINAL} if "第何" in text else set())


def ordinal(expr: NumberExpr, counted: frozenset[str]) -> bool:
    """Whether a number says which one (第10条) where the question counts (何条: how many articles), not which."""
    return expr.prefix == ORDINAL and ORDINAL not in counted


def covers(line: str, count: ShortAnswer, start: int) -> bool:
    """Whether a count (a short answer to how many, found in `line`, which starts at offset `start` of its document)
    says what a title-like line is about (主要5か国の国防費: the five allies a table covers) rather than how many of
    anything there are: it qualifies the noun after の."""
    return count.kind == "number" and line.startswith("の", count.end - start)
