"""Footnotes and what cites them: a note ((注3) 2014年以降、実務的な協力は停止) says what it says of the words its mark
follows in the text above it (ロシア(注3) in a table), which the note itself never names."""

from __future__ import annotations

import re

# A numbered note's mark: (注3), （注３）, ※1. Unnumbered ones ((注), ※) remark on the line above; nothing cites them.
_MARK = re.compile(r"[(（]\s*注\s*(\d+)\s*[)）]|※\s*(\d+)")
# What a mark follows: back to the start of its cell, line, clause or list item.
_CITED = re.compile(r"[^\t\n、。,，:：\s]{1,30}$")
NOTE_START = 3  # characters into its unit (after a list mark) a note's own mark may stand
CITED_WITHIN = 3000  # characters above a note that its citing marks may stand: the table or list it notes


def cited_by(document: str, start: int, end: int) -> str:
    """The words whose marks cite the note `document[start:end]`, when it is one (ロシア for (注3) …): those before
    each mark of its number in the `CITED_WITHIN` characters above it that is not itself at a line start; "" for a
    unit that is no numbered note, or one nothing above it cites."""
    own = next((m for m in _MARK.finditer(document, start, min(end, start + NOTE_START + 12))
                if m.start() <= start + NOTE_START), None)
    if own is None:
        return ""
    number = _number(own)
    words = []
    for mark in _MARK.finditer(document, max(0, start - CITED_WITHIN), start):
        if _number(mark) != number:
            continue
        cited = _CITED.search(document, max(0, mark.start() - 30), mark.start())
        if cited:  # a mark at a line start begins another note
            words.append(cited.group())
    return " ".join(words)


def _number(mark: re.Match[str]) -> int:
    return int(mark.group(1) or mark.group(2))  # ３ and 3 alike
