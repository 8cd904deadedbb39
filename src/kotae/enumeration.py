"""Questions that ask for a number of things by name (the three core tasks, 3つの基本方針, which four areas) or for
all of them (すべて挙げて, list all), and sentences that list that many: a list of as many short items as were asked
for answers it better than any one item, however many of the question's words that one shares.
"""

from __future__ import annotations

import re
import unicodedata

from kotae.numerals import kanji_value

_EN_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
# "the three core tasks", "what four areas", "which two commands", "NATO's three tasks": a count before a plural noun
# (up to three words on).
_EN_ASKED = re.compile(rf"(?:\b(?:the|what|which)|(?<=\w's))\s+({'|'.join(_EN_NUMBERS)}|[2-9]|10)\s+"
                       rf"(?:[\w'-]+\s+){{0,3}}?[\w-]+s\b", re.I)
# 3つの基本方針, 四つの分野, 2か国の
_JA_ASKED = re.compile(r"([2-9]|10|[二三四五六七八九十])(?:つ|個|項目|分野|か国|カ国|ヶ国|ケ国)の")
# 参加国をすべて挙げて, "list all the members": as many as there are, which a list of at least SEVERAL answers.
_ALL = re.compile(r"すべて|全て|全部|挙げて|列挙|\b(?:all|every)\b|\blist\b|"
                  # "What are the priority areas?": the things a plural names, all of them
                  r"^\s*(?:and\s+)?(?:what|which)\s+(?:are|were)\s+(?:the\s+|its\s+|their\s+|[\w-]+'s\s+)"
                  r"(?:[\w-]+\s+){0,3}?[\w-]*[^s\s]s\b", re.I)
ALL = 0  # asked_items for a question asking for all the things
SEVERAL = 3
_MARK = re.compile(r"^\s*(?:[①-⑳]|[(（]\d+[)）]|\d+[.)]|[・•●○◆■▪\-*])\s*")
_OPEN, _CLOSE = "「『(（[【", "」』)）]】"
_HIRAGANA = re.compile(r"[ぁ-ゖ]")  # a piece ending in a particle or a verb's ending is a clause, not an item
ITEM = 20  # characters: an item of a list names a thing; a longer piece is a clause of a sentence


def asked_items(question: str) -> int | None:
    """How many things the question asks to be named, ALL when it asks for all of them, or None when it does not
    ask for things by name."""
    text = unicodedata.normalize("NFKC", question)
    if m := _EN_ASKED.search(text):
        word = m.group(1).lower()
        return _EN_NUMBERS.get(word) or int(word)
    if m := _JA_ASKED.search(text):
        return int(m.group(1)) if m.group(1).isdigit() else kanji_value(m.group(1))
    return ALL if _ALL.search(text) else None


def answers_items(sentence: str, items: int | None) -> bool:
    """Whether a sentence lists the things a question asks for: as many as `items`, or at least SEVERAL for ALL."""
    if items is None:
        return False
    listed = listed_items(sentence)
    return listed >= SEVERAL if items == ALL else listed == items


def listed_items(sentence: str) -> int:
    """How many items a sentence is a list of (「環境」、「防災・減災」、「観光」: 3): its pieces
    between commas outside brackets, when there are two or more and each is short and ends in no hiragana (計画は、
    2024年に採択; 課題に取り組み、成果を報告する: clauses, not items); 0 for any other sentence. A line of names
    between spaces (静岡 浜松 沼津) lists them where there are at least SEVERAL, none with a digit (a table's 人口 5万人
    is a label and its value)."""
    text = _MARK.sub("", unicodedata.normalize("NFKC", sentence).strip()).rstrip("。.")
    names = text.split()
    if "、" not in text and "," not in text and len(names) >= SEVERAL and all(
            len(n) <= ITEM and not _HIRAGANA.search(n) and not any(c.isdigit() for c in n) for n in names):
        return len(names)
    pieces, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char in _OPEN) - (char in _CLOSE)
        if char in "、," and depth <= 0:
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    pieces = [p.strip() for p in pieces]
    return len(pieces) if len(pieces) >= 2 and all(0 < len(p) <= ITEM and not _HIRAGANA.match(p[-1])
                                                   for p in pieces) else 0


def heads_nothing(line: str) -> bool:
    """Whether a line standing alone like a heading only names what follows it: not a list of SEVERAL names
    (静岡 浜松 沼津), which is all a document may say of who belongs to something."""
    return listed_items(line) < SEVERAL


_NUMBERED = re.compile(r"\s*(\d+(?:\.\d+)*)\.?\s")  # 3.1 …, 2. …: a numbered line of an official document
_NAMES_NEXT = re.compile(r"(?:次|以下)の|\bthe following\b", re.I)  # 次の優先分野, 以下の措置: what it lists follows


def own_items(line: str, after: list[str]) -> int:
    """How many of the lines `after` a numbered line that names what follows (3.1 …次の優先分野に焦点を当てた
    協力を促進する。) are its own numbered items (3.1.1 サイバー防衛, 3.1.2 …), in a row from the first; 0 for any
    other line."""
    number = _NUMBERED.match(unicodedata.normalize("NFKC", line))
    if number is None or not _NAMES_NEXT.search(line):
        return 0
    own = 0
    for text in after:
        if not unicodedata.normalize("NFKC", text).lstrip().startswith(number.group(1) + "."):
            break
        own += 1
    return own
