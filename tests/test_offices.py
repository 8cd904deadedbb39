"""An office is the same under its short and full names (外相 and 外務大臣): a who-question asking for the foreign
minister is answered by a sentence naming 林外務大臣, not told that nobody holds the office."""

from __future__ import annotations

import pytest
from support import Sentence

from kotae.short_answer import Question, short_answer
from kotae.spans import office_forms
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
])
def test_a_who_question_is_answered_under_either_name_of_its_office(analyzer, asked, text, unsaid_note):
    question = Question("person", asked, {t.term: 1.0 for t in analyzer.tokens(asked)})
    sentences, tokens = [Sentence(text, "doc", 0, len(text))], [analyzer.tokens(text.replace("\t", "\n"))]
    found = short_answer(question, sentences, tokens)
    assert unsaid(question, found, sentences, tokens, analyzer.tokens(asked)) == unsaid_note
