"""A count, date, place or person quoted from a sentence about another country than the one asked about is no
answer: "how much did Japan give Ukraine?" is not answered by the sum it gave Afghanistan."""

from __future__ import annotations

import pytest
from support import lexical_kotae

from kotae.elsewhere import NO_COUNTRY
from kotae.thresholds import Thresholds

DOCUMENTS = {
    "aid.md": "# 支援\n\n日本はアフガニスタンの復興のため、総額50億米ドルの支援を表明した。\n\n"
              "日本はウクライナへの支援にも取り組んでいる。\n\n加盟国は国防費を対GDP比2%に引き上げる目標を掲げた。\n",
    "members.md": "# 加盟\n\n日本とフィンランドは協力している。フィンランドは2023年4月に加盟した。\n\n"
                  "日本は2014年5月に協力計画に合意した。\n\n協力計画は4年間の計画である。\n",
}


@pytest.fixture(scope="module")
def kotae(tmp_path_factory):
    return lexical_kotae(tmp_path_factory.mktemp("elsewhere"), DOCUMENTS, Thresholds.never())


def test_a_sum_given_for_another_country_answers_no_question_about_this_one(kotae):
    answer = kotae.ask("日本はウクライナへの支援にいくら拠出したの?")
    assert answer.abstained and answer.note == NO_COUNTRY["ja"]


def test_the_country_the_sentence_is_about_is_answered(kotae):
    answer = kotae.ask("日本はアフガニスタンの復興にいくら支援したの?")
    assert not answer.abstained and answer.short_answer.text == "総額50億米ドル"


def test_a_country_every_document_names_is_where_they_stand_not_what_they_are_about(kotae):
    """日本 is in every document: a question naming only it is not held to sentences naming it."""
    answer = kotae.ask("フィンランドが加盟したのはいつ?")
    assert not answer.abstained and answer.short_answer.text == "2023年4月"
    assert kotae.answerer._countries.named("日本とフィンランド") == {"フィンランド"}


def test_a_sentence_naming_only_the_country_every_document_names_is_about_that_one(kotae):
    """日本 is left out of what a question names, but a sentence naming only 日本 is not about 韓国."""
    assert kotae.ask("韓国が協力計画に合意したのはいつ?").note == NO_COUNTRY["ja"]
    answer = kotae.ask("協力計画に合意したのはいつ?")
    assert not answer.abstained and answer.short_answer.text == "2014年5月"


def test_a_follow_up_is_held_to_its_own_countries_not_the_conversation_s(kotae):
    history = [{"question": "日本はウクライナへの支援に取り組んでいる?", "answer": "はい"}]
    answer = kotae.ask("では、アフガニスタンの復興にはいくら支援したの?", history=history)
    assert not answer.abstained and answer.short_answer.text == "総額50億米ドル"


def test_an_english_follow_up_is_held_to_the_countries_of_its_own_words(kotae):
    """The conversation named Finland; the follow-up names no country, so no sentence is about another one."""
    history = [{"question": "When did Finland join?", "answer": "April 2023"}]
    answer = kotae.ask("And how much did Japan pledge for the reconstruction?", history=history)
    assert not answer.abstained and answer.short_answer.text == "総額50億米ドル"
    assert kotae.ask("How much did Japan give to support Ukraine?").note == NO_COUNTRY["en"]


def test_a_store_without_postings_finds_the_countries_every_document_names_in_their_text(kotae):
    """A Milvus index keeps BM25's statistics, not its postings: the documents' text says where a country is."""
    from types import SimpleNamespace

    from kotae.elsewhere import Countries

    index = kotae.retriever.index
    without = SimpleNamespace(index=SimpleNamespace(lexical=object(), documents=index.documents, chunks=index.chunks),
                              analyzer=kotae.retriever.analyzer)
    text = "日本とフィンランド"
    assert Countries(without).named(text) == {"フィンランド"} == kotae.answerer._countries.named(text)


@pytest.mark.parametrize(("question", "lang"), [("日本の国防費は対GDP比で何%?", "ja"),
                                              ("What percentage of GDP does Japan spend on defence?", "en")])
def test_a_figure_asked_of_the_country_every_document_names_is_not_one_said_of_the_allies(kotae, question, lang):
    """The allies' 2% target, in a line naming no country, is not Japan's own share."""
    assert kotae.ask(question).note == NO_COUNTRY[lang]
    answer = kotae.ask("加盟国の国防費の目標は対GDP比で何%?")
    assert not answer.abstained and answer.short_answer.text == "2%"


def test_the_country_every_document_names_as_one_side_of_a_pair_or_in_a_cited_source_is_not_asked_about(kotae):
    for question in ("日本とフィンランドの協力計画は何年間の計画?",
                     "According to Japan's foreign ministry report, what share of GDP is the allies' target?"):
        answer = kotae.ask(question)
        assert not answer.abstained and answer.short_answer is not None, question
