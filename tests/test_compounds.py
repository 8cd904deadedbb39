"""English words learnt from the glosses of Japanese compounds (kotae.compounds)."""

from __future__ import annotations

import pytest

from kotae.compounds import leftover
from kotae.lexicon import build_lexicon
from kotae.types import Document

KNOWN = {"self defense": {("自衛",)}, "force": {("隊",)}, "security": {("安全", "保障")}, "united nations": {("国連",)},
         "military": {("軍事",)}}


def test_the_one_word_left_names_the_part_left():
    assert leftover(["maritime", "self", "defense", "forces"], ("海上", "自衛", "隊"), KNOWN) == ("maritime", ("海上",))


def test_the_part_left_may_be_two_terms_and_stop_words_are_not_left_over():
    assert leftover(["united", "nations", "security", "council"], ("国連", "安全", "保障", "理事", "会"), KNOWN) == (
        "council", ("理事", "会"))
    assert leftover(["council", "of", "the", "military"], ("軍事", "理事", "会"), KNOWN) == ("council", ("理事", "会"))


@pytest.mark.parametrize(("words", "terms"), [
    (["maritime", "air", "forces"], ("海上", "航空", "隊")),  # two words left: which is which?
    (["military", "spending", "plans"], ("軍事", "費", "計画")),  # two words left
    (["military", "spending"], ("軍事", "費")),  # one character left: as often a suffix (的, 性) as a word
    (["military", "spending"], ("軍事",)),  # nothing to split
    (["self", "defense", "force"], ("自衛", "隊")),  # nothing left
    (["the", "military", "budget"], ("防衛", "予算", "案")),  # no word accounts for any part
])
def test_nothing_is_learnt_where_the_alignment_leaves_a_choice(words, terms):
    assert leftover(words, terms, KNOWN) is None


def test_a_rendering_of_the_whole_compound_accounts_for_no_part_of_it():
    whole = {"maritime": {("海上", "自衛", "隊")}, **KNOWN}  # maritime is glossed by the whole word
    assert leftover(["maritime", "self", "defense", "forces"], ("海上", "自衛", "隊"), whole) == ("maritime", ("海上",))


def test_the_lexicon_learns_a_word_no_gloss_gives_but_not_one_a_gloss_gives(analyzer):
    text = "海上自衛隊の艦艇が海上で訓練した。首脳会合とサミットに参加した。"
    docs = [Document(id="d", title="t", text=text)]
    vocab = {t: n for n, t in enumerate(analyzer.terms(text))}
    lexicon, notes = build_lexicon(docs, analyzer, vocab)
    if notes:
        pytest.skip(notes[0])
    # JMdict glosses 海上 "on the sea" only, and 海上自衛隊 "Maritime Self Defense Forces".
    maritime = lexicon.lookup(["maritime"])
    assert maritime[0].ja == "海上" and maritime[0].source == "compound"
    assert all(c.source != "compound" for c in lexicon.lookup(["summit"]))  # glossed サミット, 首脳会合 outright
