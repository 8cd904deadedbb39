"""An office is the same under its short and full names (外相 and 外務大臣): a who-question asking for the foreign
minister is answered by a sentence naming 林外務大臣, not told that nobody holds the office."""

from __future__ import annotations

import pytest
from support import Sentence

from kotae.short_answer import Question, short_answer
from kotae.spans import find_all, office_forms
from kotae.unsaid import NO_HOLDER, unsaid


@pytest.mark.parametrize(("office", "also"), [("外相", "外務大臣"), ("外務大臣", "外相"), ("防衛相", "防衛大臣"),
                                              ("防衛大臣", "防衛相"), ("首相", "総理大臣"), ("内閣総理大臣", "首相"),
                                              ("総理", "首相")])
def test_an_office_has_its_other_names(office, also):
    assert also in office_forms(office)


def test_other_offices_keep_their_one_name():
    assert office_forms("事務総長") == {"事務総長"} and "外務大臣" not in office_forms("防衛相")


@pytest.mark.parametrize(("asked", "text", "unsaid_note"), [
    ("日本の外相として初めて出席したのは誰?", "4月\t林外務大臣の外相会合出席\t●外務大臣による初めての出席。", None),
    ("会談した防衛大臣は誰?", "中谷防衛相は8日、事務総長と会談した。", None),
    ("会合に出席した防衛大臣は誰?", "4月\t林外務大臣の外相会合出席", NO_HOLDER),  # another minister
    # An office after the verb that describes it (率いる司令官) is asked for as one before a particle is.
    ("NSATUの司令部を率いる司令官は誰ですか?", "NSATUはドイツに司令部を置き、装備供与を調整する。", NO_HOLDER),
])
def test_a_who_question_is_answered_under_either_name_of_its_office(analyzer, asked, text, unsaid_note):
    question = Question("person", asked, {t.term: 1.0 for t in analyzer.tokens(asked)})
    sentences, tokens = [Sentence(text, "doc", 0, len(text))], [analyzer.tokens(text.replace("\t", "\n"))]
    found = short_answer(question, sentences, tokens)
    assert unsaid(question, found, sentences, tokens, analyzer.tokens(asked)) == unsaid_note


@pytest.mark.parametrize(("english", "unsaid_note"), [("chief", None), ("head", None), ("commander", NO_HOLDER)])
def test_an_english_chief_or_head_asks_for_whoever_leads_not_one_office(analyzer, english, unsaid_note):
    """"The NATO chief" is its secretary general: the offices "chief" translates to (長官, 首長) are not asked for; a
    commander (司令官) is an office of its own, which the sentence does not name."""
    offices = {"chief": ("長官", "首長"), "head": ("首長",), "commander": ("司令官",)}[english]
    asked = f"Who was the NATO {english} that Kishida met?"
    text = "岸田総理大臣はストルテンベルグ事務総長と会談した。"
    weights = {"岸田": 3.0, "北大西洋条約機構": 1.0} | {office: 2.0 for office in offices}
    question = Question("person", asked, weights, {"岸田": "kishida"} | {office: english for office in offices},
                        lang="en")
    sentences, tokens = [Sentence(text, "doc", 0, len(text))], [analyzer.tokens(text)]
    found = short_answer(question, sentences, tokens)
    assert found is not None and "ストルテンベルグ" in found.text
    assert unsaid(question, found, sentences, tokens, ()) == unsaid_note


@pytest.mark.parametrize(("text", "body"), [("日本が2023年に立ち上げた「サイバー防衛隊」などの知見", "サイバー防衛隊"),
                                            ("デジタル庁が発足した。", "デジタル庁")])
def test_a_body_whose_name_opens_with_an_adjectival_noun_is_found_whole(analyzer, text, body):
    assert ("org", body) in [(f.kind, text[f.start:f.end]) for f in find_all(text, tuple(analyzer.tokens(text)))]
