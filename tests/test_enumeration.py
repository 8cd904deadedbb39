"""Questions asking for a number of things by name, and sentences listing that many (kotae.enumeration)."""

from __future__ import annotations

import pytest
from support import lexical_kotae

from kotae.enumeration import ALL, answers_items, asked_items, heads_nothing, listed_items, own_items
from kotae.thresholds import Thresholds


@pytest.mark.parametrize(("question", "count"), [
    ("What are the three core tasks of the plan?", 3), ("What four areas do the projects cover?", 4),
    ("what were the 4 flagship projects?", 4), ("Which two commands does it name?", 2),
    ("計画が掲げる3つの基本方針は？", 3), ("三つの任務を挙げて", 3), ("2か国の名前は?", 2),
    ("Who is the secretary general?", None), ("基本方針は何ですか", None), ("What is the third task?", None),
    ("参加している町をすべて挙げてください", ALL), ("List the member towns.", ALL), ("Name all the towns.", ALL),
    ("加盟している町は全部でどこ?", ALL), ("What are the 3 towns? List them.", 3),
    ("What are the priority areas of the plan?", ALL), ("What are the plan's core tasks?", ALL),  # a plural: all
    ("What are its goals?", ALL), ("What is the plan's focus?", None), ("What was discussed?", None),
    ("What are the plan's three core tasks?", 3)
])
def test_the_count_of_things_a_question_asks_for(question, count):
    assert asked_items(question) == count


@pytest.mark.parametrize(("sentence", "count"), [
    ("① 「環境」、「防災」、「観光」", 3),
    ("・環境教育、防災訓練、観光振興。", 3),
    ("(2) 市民の参加、大学の協力", 2),
    ("地域の課題に取り組み、成果を市民に報告する。", 0),  # clauses: each ends in a verb's hiragana
    ("現行の計画は、2024年に採択。", 0),  # a topic ending in a particle
    ("計画は、2024年に採択。", 0),
    ("環境教育と防災", 0),  # one piece
    ("市と大学が共同で進める長期的な地域づくりの取り組み、観光", 0),  # a piece too long for an item
    ("静岡 浜松 沼津 アラブ首長国連邦", 4),  # names between spaces
    ("人口 5万人 2024年", 0), ("本部 ブリュッセル", 0),  # a label and its values; two are no list by spaces
    ("市は 毎年 祭りを 開く", 0),  # words of a sentence, each ending in hiragana
])
def test_how_many_items_a_sentence_lists(sentence, count):
    assert listed_items(sentence) == count


PLAN = """# みどり連携計画

## 3つの基本方針

- ① 「環境」、「防災」、「観光」
- ② 特に基本方針の「防災」については、市と大学の訓練を毎年行い、基本方針の達成を市民に報告する。
- ③ 基本方針の見直しを5年ごとに行う。
"""
OTHER = "# 港の祭り\n\n港の祭りは毎年7月に開かれ、3日間で約5万人が訪れます。\n"


@pytest.fixture(scope="module")
def kotae_plan(tmp_path_factory):
    return lexical_kotae(tmp_path_factory.mktemp("enumeration"), {"plan.md": PLAN, "port.md": OTHER},
                         thresholds=Thresholds({"lexical": {"ja": 0.2, "en": 0.2}}))


def test_a_question_asking_for_three_things_is_answered_first_by_the_list_of_three(kotae_plan):
    answer = kotae_plan.ask("みどり連携計画の3つの基本方針は？", mode="lexical")
    assert not answer.abstained
    assert answer.sentences[0].text.endswith("「環境」、「防災」、「観光」")
    # Asked without the count, the item sharing more of the question's words may come first, as before.
    plain = kotae_plan.ask("みどり連携計画の基本方針は？", mode="lexical")
    assert not plain.sentences[0].text.endswith("「環境」、「防災」、「観光」")



def test_a_list_answers_as_many_things_as_asked_or_several_for_all():
    assert answers_items("静岡、浜松、沼津", 3) and not answers_items("静岡、浜松、沼津", 2)
    assert answers_items("静岡 浜松 沼津", ALL) and not answers_items("静岡、浜松", ALL)
    assert not answers_items("静岡、浜松、沼津", None)
    assert heads_nothing("● 参加する町 3町") and not heads_nothing("静岡 浜松 沼津")


TOWNS = """# 東海連携

●東海連携 3町

(2004年6月～)

観光と防災の分野で協力する町の枠組みであり、防災訓練、観光振興等の分野で協力。

静岡 浜松 沼津

(注)富士も参加に関心。
"""


def test_a_question_asking_for_all_is_answered_by_the_line_that_lists_them(tmp_path):
    # The line of names stands alone like a heading and shares no word with the question; it still answers.
    k = lexical_kotae(tmp_path, {"towns.md": TOWNS, "port.md": OTHER},
                      thresholds=Thresholds({"lexical": {"ja": 0.2, "en": 0.2}}))
    answer = k.ask("東海連携に参加している町をすべて挙げてください。", mode="lexical")
    assert not answer.abstained and answer.sentences[0].text == "静岡 浜松 沼津"


def test_a_numbered_line_naming_what_follows_counts_its_own_numbered_items():
    after = ["3.1.1 サイバー防衛", "３.１.２ 海洋安全保障", "3.2 協力には共同協議を含む。"]
    assert own_items("3.1 両者は次の優先分野に焦点を当てた協力を促進する。", after) == 2
    assert own_items("3.1 両者は優先分野に焦点を当てた協力を促進する。", after) == 0  # names nothing that follows
    assert own_items("両者は次の優先分野に焦点を当てた協力を促進する。", after) == 0  # no number of its own
    assert own_items("3.1 両者は次の優先分野に焦点を当てる。", ["3.2 協力には共同協議を含む。"]) == 0
