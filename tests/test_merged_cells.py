"""A table row that leaves its first cells to the row above (a year over its months) is read with them."""

from __future__ import annotations

from kotae.merged_cells import carried, with_carried_year
from kotae.short_answer import ShortAnswer

TABLE = ("年表\n年\t月\t出来事\n2017年\t7月\t首相のNATO本部訪問\n10月\t事務総長訪日\n12月\t外相会談\n"
         "2018年\t7月\t次官の会合出席\n\n2019年に別の段落。\n3月\tこれは別の表")


def _at(text: str) -> int:
    return TABLE.index(text)


def test_a_row_starting_with_the_full_rows_second_cell_takes_their_first():
    assert carried(TABLE, _at("10月")) == "2017年"
    assert carried(TABLE, _at("外相会談")) == "2017年"  # anywhere in the row, below another such row
    assert carried(TABLE, _at("2018年")) == ""  # a full row
    assert carried(TABLE, _at("首相")) == ""


def test_no_row_above_no_number_or_no_table_carries_nothing():
    assert carried(TABLE, _at("3月")) == ""  # the table above it ended at a line without cells
    assert carried(TABLE, _at("年表")) == ""
    assert carried(TABLE, _at("年\t月")) == ""  # a header: no number in its first cell
    assert carried("月\t出来事\n10月\t訪日", 11) == ""  # no row above has a cell like 10月 after others


def _short(start: int, text: str = "10月", kind: str = "date") -> ShortAnswer:
    return ShortAnswer(text=text, doc_id="d", start=start, end=start + len(text), kind=kind, en="October")


def test_a_month_under_a_year_is_said_with_it_in_english_and_its_span_unchanged():
    short = with_carried_year(_short(_at("10月")), TABLE, "en")
    assert short.en == "October 2017"
    assert (short.text, short.start) == ("10月", _at("10月")) and TABLE[short.start:short.end] == short.text
    assert with_carried_year(_short(_at("10月")), TABLE, "ja").en == "October"  # a Japanese answer quotes the cell
    assert with_carried_year(_short(_at("7月\t次官"), "7月"), TABLE, "en").en == "October"  # no year to carry
    assert with_carried_year(_short(_at("10月"), kind="number"), TABLE, "en").en == "October"
