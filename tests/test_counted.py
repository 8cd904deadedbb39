"""What a short answer counts and names: a count of people answers "how many personnel", never a count of things;
a place inside the name of what is asked for (横須賀基地, asked which base) is that thing's place."""

from __future__ import annotations

import pytest
from support import pick, span_of

BASE = "●海上自衛隊横須賀基地を視察。防衛産業視察を実施。"
VISIT = "リトアニアを訪れている首相は、事務総長と会談した。"


@pytest.mark.parametrize("noun", ["personnel", "liaison officers", "experts", "diplomats", "staff"])
def test_how_many_people_is_never_a_count_of_things(analyzer, noun):
    question = f"How many {noun} will Japan send to the new body?"
    assert pick(analyzer, "number", question, "日本は3つの部門に協力する。", lang="en") is None
    texts = ("日本は3つの部門に協力し、要員120人を送る。",)
    assert span_of(pick(analyzer, "number", question, *texts, lang="en"), *texts) == "120人"


def test_a_count_of_things_still_answers_how_many_things(analyzer):
    texts = ("日本は3つの分野に協力する。",)
    found = pick(analyzer, "number", "How many areas will Japan cooperate in?", *texts, lang="en")
    assert span_of(found, *texts) == "3つ"


@pytest.mark.parametrize(("question", "lang"), [("自衛隊は輸送機を何機派遣した?", "ja"),
                                              ("How many aircraft did the Self-Defense Forces send?", "en")])
def test_a_counter_english_leaves_out_counts_only_its_own_things(analyzer, question, lang):
    """何機 asks for aircraft: 数百張 counts tents (張), which English would write as a bare number."""
    tents = ("自衛隊は数百張のテントを空輸した。",)
    assert pick(analyzer, "number", question, *tents, lang=lang) is None
    texts = ("自衛隊は数百張のテントを輸送機2機で空輸した。",)
    assert span_of(pick(analyzer, "number", question, *texts, lang=lang), *texts) == "2機"
    assert span_of(pick(analyzer, "number", "テントは何張空輸した?", *tents), *tents) == "数百張"


def test_an_article_s_number_says_which_article_not_how_many(analyzer):
    texts = ("第10条 条約の解釈について定める。",)
    assert pick(analyzer, "number", "この条約は全部で何条あるの?", *texts) is None
    assert pick(analyzer, "number", "How many articles does the treaty have?", *texts, lang="en") is None
    assert span_of(pick(analyzer, "number", "解釈を定めるのは第何条?", *texts), *texts) == "第10条"
    counted = ("この条約は全14か条からなる。",)
    assert span_of(pick(analyzer, "number", "この条約は全部で何か条あるの?", *counted), *counted) == "14か条"


def test_a_place_in_the_name_of_what_is_asked_for_answers(analyzer):
    texts = (BASE, VISIT)
    assert span_of(pick(analyzer, "place", "事務総長はどの基地を視察しましたか", *texts), *texts) == "横須賀"


def test_a_place_in_another_name_still_comes_after_one_standing_alone(analyzer):
    texts = (BASE, VISIT)
    assert span_of(pick(analyzer, "place", "事務総長はどの施設を訪れましたか", *texts), *texts) == "リトアニア"


def test_digits_with_a_kanji_unit_are_a_count(analyzer):
    from kotae.expressions import parse_number
    from kotae.render_en import number_en

    assert parse_number("約3千人").value == 3000 and parse_number("5千万円").value == 50_000_000
    assert parse_number("3千5百人").value == 3500 and number_en("約3千人") == "about 3,000 people"
    texts = ("新館は2021年4月1日に開館し、初日に約3千人が訪れた。",)
    assert span_of(pick(analyzer, "number", "新館には初日に何人が訪れた?", *texts), *texts) == "約3千人"
