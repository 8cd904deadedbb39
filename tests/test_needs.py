"""What a question needs a passage to say, and how much of it a sentence's terms meet (coverage)."""

from __future__ import annotations

import pytest

from kotae.needs import LIKELY_FLOOR, Need, coverage, needs, own_first
from kotae.query import Query
from kotae.translate import Translation


class FlatRarity:
    """Every term equally rare, so that coverage counts needs."""

    def idf(self, term: str) -> float:
        return 1.0


def _query() -> Query:
    """「NATO」 asked directly, and "headquartered" translated to 本部 (likeliest), 司令部 and 軍司令部."""
    headquartered = Translation("headquartered", (("本部",), ("司令", "部"), ("軍", "司令", "部")), (1.0, 0.5, 0.25))
    return Query(lang="en", terms=("nato",), translations=(headquartered,), unknown=(), kind="place")


def test_a_translated_word_is_met_more_fully_by_its_likeliest_alternative():
    wants = needs(_query(), FlatRarity())
    first = coverage(wants, {"nato", "本部"})
    second = coverage(wants, {"nato", "司令", "部"})
    third = coverage(wants, {"nato", "軍", "司令", "部"})  # meets the second alternative too: the likelier counts
    assert first == 1.0
    assert second == pytest.approx((1 + LIKELY_FLOOR + (1 - LIKELY_FLOOR) * 0.5) / 2)
    assert first > second == third > coverage(wants, {"nato"}) == 0.5
    assert coverage(wants, set()) == 0.0


def test_a_need_without_likelihoods_is_met_fully_by_any_alternative():
    need = Need((("北大西洋", "条約"), ("nato",)), 2.0)
    assert need.met({"nato"}) == need.met({"北大西洋", "条約"}) == 1.0
    assert need.met({"北大西洋"}) == 0.0  # a run is met only whole
    assert Need((), 3.0).met({"anything"}) == 0.0  # a word the documents never use


def test_a_follow_ups_own_words_weigh_fully_and_the_earlier_questions_less():
    wants = [Need((("司令部",),), 2.0), Need((("参加",),), 4.0), Need((("本部",), ("司令部",)), 1.0), Need((), 4.0)]
    chosen = own_first(wants, frozenset({"司令部"}), 0.25)
    assert [n.weight for n in chosen] == [2.0, 1.0, 1.0, 1.0]  # an alternative of its own keeps a need whole
    assert own_first(wants, None, 0.25) == wants  # not a follow-up
    # The sentence naming the headquarters now covers more than the one that answered the earlier question.
    assert coverage(chosen, {"司令部"}) > coverage(chosen, {"参加"})
    assert coverage(wants, {"司令部"}) < coverage(wants, {"参加"})


def test_the_likeliest_alternative_met_counts_whatever_order_the_alternatives_come_in():
    need = Need((("司令", "部"), ("本部",)), 1.0, (0.25, 1.0))
    assert need.met({"司令", "部", "本部"}) == need.met(["本部"]) == 1.0
    assert need.met(frozenset({"司令", "部"})) == pytest.approx(LIKELY_FLOOR + (1 - LIKELY_FLOOR) * 0.25)
