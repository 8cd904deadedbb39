"""Table rows that leave their first cells out: a merged cell (a year over several rows of months) where only the
first row of the run fills it. Reading tidies a table's blank cells away (see kotae.readers.base), so such a row
starts with what the full rows have second: "10月\t…" under "2017年\t7月\t…". The values it leaves out are the
row above's: a short answer of 10月 there is October 2017 in English, not just October."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING

from kotae.expressions import parse_date
from kotae.render_en import render_date

if TYPE_CHECKING:
    from kotae.short_answer import ShortAnswer

ROWS_ABOVE = 40  # how far up the full row is looked for; a table's run of rows, not the whole document
_DIGITS = re.compile(r"\d+")


def _shape(cell: str) -> str:
    """A cell with its numbers as 0: 2017年 and 2018年 alike, 7月 and 10月 alike."""
    return _DIGITS.sub("0", unicodedata.normalize("NFKC", cell).strip())


def carried(document: str, start: int) -> str:
    """The cells the row holding `document[start]` leaves out, from the nearest full row above it ("2017年" for
    "10月\t…" under "2017年\t7月\t…"); "" where the text there is no row, its first cell holds no number, or no row
    of the same table has a cell like its first after others. Rows are tab-separated lines."""
    line_start = document.rfind("\n", 0, start) + 1
    line_end = document.find("\n", start)
    cells = document[line_start:line_end if line_end >= 0 else len(document)].split("\t")
    first = _shape(cells[0])
    if len(cells) < 2 or "0" not in first:
        return ""
    for line in document[:max(0, line_start - 1)].rsplit("\n", ROWS_ABOVE)[::-1][:ROWS_ABOVE]:
        row = line.split("\t")
        if len(row) < 2:
            break  # the table ends
        shapes = [_shape(cell) for cell in row]
        if shapes[0] == first:
            continue  # another row of the run
        return " ".join(row[:shapes.index(first)]).strip() if first in shapes else ""
    return ""


def with_carried_year(short: ShortAnswer, document: str, lang: str) -> ShortAnswer:
    """A month-only date (10月) in a row that leaves its year out, rendered in English with the year the rows above
    give (October 2017), for English questions; the cited span and its Japanese text stay as written."""
    if lang != "en" or short.kind != "date":
        return short
    expr = parse_date(unicodedata.normalize("NFKC", short.text))
    if expr is None or expr.year is not None or expr.month is None:
        return short
    year = parse_date(unicodedata.normalize("NFKC", carried(document, short.start)))
    if year is None or year.year is None or year.month is not None:
        return short
    return replace(short, en=render_date(replace(expr, year=year.year)))
