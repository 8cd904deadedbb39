"""A numbered note says what it says of the words its mark follows above it."""

from __future__ import annotations

from support import lexical_kotae

from kotae.footnotes import cited_by

TABLE = ("# 参加国\n\n| 国 | 地域 |\n|---|---|\n| ロシア(注1) | 欧州 |\n| スイス | 欧州 |\n"
         "| ベラルーシ（注２） | 欧州 |\n\n(注1) 2014年以降、協力は停止\n\n"
         "（注２） 2021年以降、協力は停止\n\n(注) 表は2025年のもの\n")


def test_a_note_is_cited_by_the_words_before_its_mark():
    def note(prefix: str) -> str:
        start = TABLE.index(prefix)
        return cited_by(TABLE, start, TABLE.index("\n", start))

    assert note("(注1) 2014") == "ロシア"
    assert note("（注２） 2021") == "ベラルーシ"  # full-width digits and brackets alike
    assert note("(注) 表は") == ""  # an unnumbered note is cited by nothing
    assert cited_by(TABLE, TABLE.index("| スイス"), TABLE.index("| スイス") + 10) == ""  # no note
    far = "ロシア(注1)\n" + "あ" * 4000 + "\n(注1) 停止\n"
    assert cited_by(far, far.index("(注1) 停止"), len(far)) == ""  # another table's mark


def test_a_question_about_what_a_mark_cites_quotes_its_note_first(tmp_path):
    kotae = lexical_kotae(tmp_path, {"partners.md": TABLE, "other.md": "# 協力\n\nスイスとの協力は続いている。\n"})
    answer = kotae.ask("ロシアとの協力は今も続いている?", mode="lexical")
    assert answer.sentences[0].text == "(注1) 2014年以降、協力は停止"
