"""Words that frame a question rather than name what it asks ("exactly", "according to the article", 記事で, どう)
are not counted as words the documents lack: such a question is answered as the same question without them."""

from __future__ import annotations

import pytest

from kotae.english import without_function_phrases
from kotae.lexicon import Candidate, Lexicon
from kotae.needs import coverage, needs
from kotae.query import make_query


class FlatRarity:
    def idf(self, term: str) -> float:
        return 1.0


def _lexicon() -> Lexicon:
    def entry(ja: str) -> tuple[Candidate, ...]:
        return (Candidate(ja, (ja,), "jmdict", 0.0),)

    # news and piece as the dictionary glosses them: words the passages use for other things.
    return Lexicon(entries={"headquarters": entry("本部"), "news": entry("情報"), "piece": entry("一貫"),
                            "report": entry("報告"),
                            "earlier": entry("早期"), "worth": entry("価値"), "while": entry("中")},
                   skeletons={}, acronyms={})


VOCAB = {t: n for n, t in enumerate(("本部", "情報", "一貫", "報告", "nato", "よる", "早期", "価値", "中"))}


def _query(question: str, analyzer):
    return make_query(question, analyzer, _lexicon(), VOCAB)


@pytest.mark.parametrize("question", [
    "Where exactly are the headquarters?",
    "Where are the headquarters, actually?",
    "Hey, where are the headquarters supposed to be?",
    "How does the article describe where the headquarters are?",
    "According to the news piece, where are the headquarters?",
    "According to the news report on NATO, where are the headquarters?",
    "Where are the headquarters, according to the foreign ministry's overview?",
    "In the summary, where are the headquarters?",
])
def test_a_framing_word_is_no_need_and_the_question_is_covered_as_without_it(analyzer, question):
    plain = needs(_query("Where are the headquarters?", analyzer), FlatRarity())
    framed = _query(question, analyzer)
    assert not framed.unknown
    assert {t.source for t in framed.translations} - {"nato"} == {"headquarters"}
    wants = needs(framed, FlatRarity())
    assert coverage(wants, {"本部", "nato"}) == coverage(plain, {"本部"}) == 1.0
    assert coverage(wants, {"情報", "一貫", "報告"}) == 0.0  # the dictionary's senses of news, piece, report


def test_earlier_places_what_is_asked_in_time_and_names_nothing(analyzer):
    """"Earlier that year" says when, as "already" does: searched, "earlier" found 早期 in passages about anything."""
    query = _query("Where were the headquarters earlier that year?", analyzer)
    assert {t.source for t in query.translations} == {"headquarters"} and query.unknown == ("year",)


@pytest.mark.parametrize("question", ["What year were the headquarters set up?", "In which month were the headquarters "
                                      "set up?", "On what exact date were the headquarters set up?"])
def test_the_year_of_what_year_asks_when_and_names_no_year(analyzer, question):
    """"What year" asks when, as "when" does: its year was a need met by no passage (ことし, 年間)."""
    query = _query(question, analyzer)
    assert not {"year", "month", "date"} & {*query.unknown, *(t.source for t in query.translations)}
    assert " ".join(without_function_phrases("What year did NATO go ?").split()) == "What did NATO go ?"


def test_a_word_joining_clauses_is_no_need_nor_the_half_of_a_compound(analyzer):
    """"while" (中 in the dictionary) joins clauses; "worthwhile" once split into worth + while, and met 中 anywhere."""
    query = _query("Why are the headquarters worthwhile, while NATO waits?", analyzer)
    assert not {"while", "worth"} & {t.source for t in query.translations}
    assert query.unknown == ("worthwhile", "waits")


def test_a_content_word_the_documents_lack_still_counts(analyzer):
    query = _query("Where exactly is the curry recipe?", analyzer)
    assert "curry" in query.unknown and "exactly" not in query.unknown
    assert coverage(needs(query, FlatRarity()), {"本部"}) == 0.0


@pytest.mark.parametrize(("text", "left"), [
    ("According to the news piece , when did he go ?", ", when did he go ?"),
    ("Roughly how many troops , according to the Foreign Ministry 's briefing ?", "Roughly how many troops , ?"),
    ("What is the programme , as the article describes it ?", "What is the programme , as describes it ?"),
    ("In the report , what year was it ?", ", what was it ?"),  # what year asks when
    ("In the April 2025 report on the talks , who was there ?", "on the talks , who was there ?"),  # its date
    ("According to Japan 's foreign ministry briefing , how much ?", ", how much ?"),  # whose the source is
    ("What does the story say about cyber ?", "What does say about cyber ?"),
    ("The article on NSATU says Japan would help .", "on NSATU says Japan would help ."),  # what it is on stays
])
def test_the_words_referring_to_the_text_itself_are_dropped(text, left):
    assert " ".join(without_function_phrases(text).split()) == left


@pytest.mark.parametrize("text", [
    "What does Article 5 say ?",  # an article of a treaty: a number follows
    "What does NATO 's annual report say ?",  # a report the question is about
    "Which report did NATO publish ?",
    "Which piece of equipment was sent ?",
    "What is the article on the treaty about ?",  # no saying verb follows
])
def test_a_source_word_the_question_is_about_stays(text):
    assert without_function_phrases(text) == text


def test_japanese_framing_words_are_not_missing_but_other_unknown_words_are(analyzer):
    asked = make_query("記事によると、本部はそもそもどうなっているの?", analyzer, _lexicon(), VOCAB)
    assert "本部" in asked.terms and asked.missing == ()
    unknown = make_query("記事によると、本部のカレーはどう?", analyzer, _lexicon(), VOCAB)
    assert unknown.missing == ("カレー",)


def test_stand_for_asks_what_an_abbreviation_means_and_is_not_translated(analyzer):
    assert without_function_phrases("What does VNC stand for ?") == "What does VNC for ?"
    assert without_function_phrases("What stands for peace ?") == "What for peace ?"
    assert without_function_phrases("Where do they stand ?") == "Where do they stand ?"
    query = _query("What does the headquarters stand for?", analyzer)
    assert not query.unknown and {t.source for t in query.translations} == {"headquarters"}


@pytest.mark.parametrize(("text", "left"), [
    ("What does NSATU do?", "What does NSATU role?"),
    ("And what does that body actually do?", "And what does that body role?"),
    ("What did Japan do?", "What did Japan do?"),  # what it did: its actions, not a role
    ("What do they do in Brussels?", "What do they do in Brussels?"),
])
def test_what_something_does_asks_for_its_role(text, left):
    assert " ".join(without_function_phrases(text).split()) == left
