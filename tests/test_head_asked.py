"""A question asking who heads something ("Who runs the agency?", "the leader of NATO", NATOのトップは誰) asks for
the holder of its office: the word for whoever leads is searched as the offices it renders, not its other senses."""

from __future__ import annotations

import pytest

from kotae.english import heads_asked, without_function_phrases
from kotae.lexicon import Candidate, Lexicon
from kotae.query import make_query
from kotae.translate import Translation


def _entry(*renderings: str) -> tuple[Candidate, ...]:
    return tuple(Candidate(ja, (ja,), "jmdict", -float(n)) for n, ja in enumerate(renderings))


# As JMdict and the supplement render them: 首脳 (summit leaders) first, the office second.
LEXICON = Lexicon(entries={"head": _entry("首脳", "事務総長", "本部"), "heads": _entry("首脳", "事務総長", "本部"),
                           "leader": _entry("首脳", "事務総長", "総理"), "run": _entry("そう"), "runs": _entry("そう"),
                           "lead": _entry("先立つ", "主導"), "leads": _entry("先立つ", "主導"),
                           "agency": _entry("機関"), "battlegroup": _entry("戦闘群"), "japanese": _entry("日本"),
                           "state": _entry("国家")}, skeletons={}, acronyms={})
VOCAB = {t: n for n, t in enumerate(("首脳", "事務総長", "本部", "総理", "そう", "先立つ", "主導", "機関", "戦闘群",
                                     "日本", "国家"))}


def _translations(question: str, analyzer) -> dict[str, tuple[tuple[str, ...], ...]]:
    return {t.source: t.candidates for t in make_query(question, analyzer, LEXICON, VOCAB).translations}


@pytest.mark.parametrize("question", [
    "Who heads the agency?", "Who runs the agency?", "Who is in charge of the agency?",
    "Who is the head of the agency?", "Who is the agency's leader?", "Who leads Agency now?"])
def test_who_heads_something_is_asked_as_its_office(analyzer, question):
    found = _translations(question, analyzer)
    head = next(v for k, v in found.items() if k in ("heads", "head", "leader"))
    assert head == (("事務総長",),) or head == (("事務総長",), ("総理",)), found  # no 首脳, no 本部
    assert not {"run", "runs", "charge", "leads"} & set(found)


@pytest.mark.parametrize(("question", "word", "first"), [
    ("Who leads the battlegroup?", "leads", "先立つ"),  # a lead nation, not an office: as the dictionary has it
    ("Which Japanese leader met the heads of state?", "leader", "首脳"),  # a leader, not the head of anything asked
    ("Where is the head office?", "head", "首脳"),  # no one is asked for
])
def test_a_leading_word_that_asks_for_no_head_keeps_its_senses(analyzer, question, word, first):
    assert _translations(question, analyzer)[word][0] == (first,)


def test_the_heads_asked_for_are_found_in_the_words_that_ask():
    asked = {q: heads_asked(without_function_phrases(q)) for q in (
        "Who runs NATO?", "Who is NATO's chief?", "Who is the current boss of the agency?",
        "Which leaders attended the gathering of the heads of state?")}
    assert list(asked.values()) == [{"heads"}, {"chief"}, {"boss"}, set()]


def test_a_japanese_loanword_for_the_head_searches_the_office(analyzer):
    def pivot(words):  # トップ, which the documents never use, through its glosses "top position", "head"
        return [Translation("トップ", (("首脳",), ("事務", "総長")), (1.0, 0.5))] if "トップ" in words else []

    vocab = {**VOCAB, "nato": 99, "事務": 100, "総長": 101}
    asked = make_query("NATOのトップは誰？", analyzer, LEXICON, vocab, pivot)
    assert [t.candidates for t in asked.translations if t.source == "トップ"] == [(("事務", "総長"),)]
    told = make_query("NATOのトップについて教えて", analyzer, LEXICON, vocab, pivot)  # no one is asked for
    assert [t.candidates for t in told.translations if t.source == "トップ"] == [(("首脳",), ("事務", "総長"))]
