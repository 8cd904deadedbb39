"""Everyday English abbreviations (HQ, PM, US) are read as the words they stand for, and "country" as the "nation"
or "state" of dictionary glosses, so English questions written the way people write reach the documents."""

from __future__ import annotations

import pytest

from kotae.english import expand_abbreviations
from kotae.lexicon import Candidate, Lexicon
from kotae.query import make_query


def _lexicon() -> Lexicon:
    def entry(ja: str) -> tuple[Candidate, ...]:
        return (Candidate(ja, (ja,), "jmdict", 0.0),)

    return Lexicon(entries={"headquarters": entry("本部"), "prime minister": entry("首相"), "usa": entry("米国"),
                            "member nation": entry("加盟国"), "united nations": entry("国連"), "nato": entry("nato")},
                   skeletons={}, acronyms={})


def _translated(question: str, analyzer, vocab_terms=("本部", "首相", "米国", "加盟国", "国連", "nato")):
    vocab = {t: n for n, t in enumerate(vocab_terms)}
    query = make_query(question, analyzer, _lexicon(), vocab)
    return {t.source: ["".join(c) for c in t.candidates] for t in query.translations}


def test_abbreviations_are_written_out_only_as_written():
    assert expand_abbreviations("Where is NATO HQ?") == "Where is NATO headquarters?"
    assert expand_abbreviations("Did the US join? Tell us.") == "Did the USA join? Tell us."  # us is a pronoun
    assert expand_abbreviations("HQs and PMO") == "HQs and PMO"  # whole words only
    assert expand_abbreviations("the PM", keep=lambda a: a == "PM") == "the PM"
    assert expand_abbreviations("Has the SDF or the MSDF met MOFA?") == (
        "Has the Self-Defense Forces or the Maritime Self-Defense Force met Ministry of Foreign Affairs?")
    # Typed in lower case, those no English word is spelt as are read too; us, pm and uk are words or times.
    assert expand_abbreviations("nato hq where") == "nato headquarters where"
    assert expand_abbreviations("did the sdf meet mofa") == (
        "did the Self-Defense Forces meet Ministry of Foreign Affairs")
    assert expand_abbreviations("tell us by 3 pm in the uk") == "tell us by 3 pm in the uk"


def test_an_english_question_with_an_abbreviation_finds_the_japanese_word(analyzer):
    assert _translated("Where is NATO HQ?", analyzer)["headquarters"] == ["本部"]
    assert _translated("Who is Japan's PM?", analyzer)["prime minister"] == ["首相"]
    assert _translated("Is the US a member?", analyzer)["usa"] == ["米国"]
    assert _translated("What has the United States said?", analyzer)["usa"] == ["米国"]


def test_an_abbreviation_the_documents_use_is_searched_as_itself(analyzer):
    translated = _translated("Where is the HQ?", analyzer, ("本部", "hq"))
    assert "headquarters" not in translated and translated.get("hq") == ["hq"]


def test_member_countries_finds_the_member_nations_of_the_glosses(analyzer):
    assert _translated("How many member countries does NATO have?", analyzer)["member countries"] == ["加盟国"]
    assert "united nations" not in _translated("What has the United States said?", analyzer)


def test_the_words_of_multi_word_prepositions_are_not_translated(analyzer):
    from kotae.english import without_function_phrases

    assert without_function_phrases("According to NATO, in terms of cost, as well as Korea") == (
        "to NATO, in of cost, as as Korea")
    assert without_function_phrases("in order to win, due to rain, with regard to it, instead of money") == (
        "in to win, to rain, with to it, of money")
    alone = "an order to stop; terms of office; a well"
    assert without_function_phrases(alone) == alone
    lexicon = Lexicon(entries={"according": (Candidate("合意", ("合意",), "jmdict", 0.0),),
                               "headquarters": (Candidate("本部", ("本部",), "jmdict", 0.0),)}, skeletons={})
    query = make_query("According to NATO, where are the headquarters?", analyzer, lexicon, {"合意": 0, "本部": 1})
    assert [t.source for t in query.translations] == ["headquarters"]


@pytest.mark.parametrize(("question", "framed"), [
    ('What does "IP4" refer to in the NATO context?', 'What does "IP4" in NATO ?'),
    ("What does VNC refer to?", "What does VNC?"),
    ("What does IP4 mean in this context?", "What does IP4 mean in ?"),
])
def test_a_closing_refer_to_and_an_in_context_frame_a_question(question, framed):
    """"What does VNC refer to?" asks what VNC is, not where it is mentioned (言及), and "in the NATO context" asks
    nothing of a context (文脈): neither is translated."""
    from kotae.english import without_function_phrases

    assert without_function_phrases(question) == framed


@pytest.mark.parametrize("question", ["When did NATO first refer to China at a summit?",
                                      "Which paper does the programme refer to?",
                                      "What did the minister refer to in his speech?",
                                      "What is the context of the plan?"])
def test_a_reference_or_a_context_asked_about_stays(question):
    from kotae.english import without_function_phrases

    assert without_function_phrases(question) == question
