"""A question asking where gets a place the sentence puts something in (ブリュッセルで, リトアニアを訪れ), never one
that acts (ロシアによる侵略), and a body's building where the sentence says something happened there (防衛省で)."""

from __future__ import annotations

import pytest
from support import pick, span_of

from kotae.clauses import asks_location, place_role, where_case

MEETING = "中谷防衛相は8日、防衛省で事務総長と会談し、ロシアによるウクライナ侵略への対応を協議した。"
VISIT = "リトアニアを訪れている首相は、ロシアや中国の動向も念頭に事務総長と会談した。"


@pytest.mark.parametrize(("text", "end_of", "role"), [
    ("会合はブリュッセルで開かれた。", "ブリュッセル", 0),
    ("リトアニアを訪れている首相", "リトアニア", 0),
    ("本部\tブリュッセル(ベルギー)", "ブリュッセル", 0),
    ("部隊はドイツに駐留する。", "ドイツ", 0),
    ("ロシアや中国の動向", "ロシア", 1),
    ("中国に対する懸念", "中国", 1),
    ("ウクライナへの支援", "ウクライナ", 1),
    ("ベルギーへ派遣した。", "ベルギー", 0),
    ("ロシアによる侵略", "ロシア", 2),
    ("日本が参加した。", "日本", 2),
])
def test_how_a_place_stands_in_its_sentence(text, end_of, role):
    assert place_role(text, text.index(end_of) + len(end_of)) == role


def test_which_questions_ask_where_something_is_or_happens():
    assert where_case("首相はどの国に滞在していた?") == ("に",)  # どの国に, as どこに
    assert asks_location("会談の場所は?") and asks_location("Where did they meet?") and asks_location("海域はどこ?")
    assert not asks_location("最大の脅威とされた国は?") and not asks_location("Which country invaded Ukraine?")
    assert not asks_location("どこの国が侵略した?") and not asks_location("どこが主導した?")


@pytest.mark.parametrize("question", ["首相はどの国に滞在していた?", "首相はどこにいた?"])
def test_where_someone_was_is_the_place_visited_not_one_the_sentence_talks_about(analyzer, question):
    assert span_of(pick(analyzer, "place", question, VISIT), VISIT) == "リトアニア"


@pytest.mark.parametrize(("question", "lang"), [("会談はどこで行われた?", "ja"), ("会談の場所は?", "ja"),
                                                 ("Where did they meet?", "en")])
def test_where_a_meeting_was_held_is_the_body_it_was_held_at(analyzer, question, lang):
    assert span_of(pick(analyzer, "place", question, MEETING, lang=lang), MEETING) == "防衛省"


def test_a_place_that_acts_never_answers_where(analyzer):
    text = "ロシアによる侵略が続いている。"
    assert pick(analyzer, "place", "侵略はどこで続いている?", text) is None
    # A question asking which place acts is not asking where: the actor answers it.
    assert span_of(pick(analyzer, "place", "どこの国が侵略した?", text), text) == "ロシア"
