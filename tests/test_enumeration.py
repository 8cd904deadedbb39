"""Questions asking for a number of things by name, and sentences listing that many (kotae.enumeration)."""

from __future__ import annotations

import pytest
from support import lexical_kotae

from kotae.enumeration import asked_items, listed_items
from kotae.thresholds import Thresholds


@pytest.mark.parametrize(("question", "count"), [
    ("What are the three core tasks of the plan?", 3), ("What four areas do the projects cover?", 4),
    ("what were the 4 flagship projects?", 4), ("Which two commands does it name?", 2),
    ("計画が掲げる3つの基本方針は？", 3), ("三つの任務を挙げて", 3), ("2か国の名前は?", 2),
    ("Who is the secretary general?", None), ("基本方針は何ですか", None), ("What is the third task?", None),
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

