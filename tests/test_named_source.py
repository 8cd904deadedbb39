"""A question naming the document it read ("according to the April 2025 article"): that document's passages first."""

from __future__ import annotations

import pytest
from support import lexical_kotae

from kotae.named_source import Sources, reference
from kotae.retrieve import Retriever

TIMELINE = ("---\ntitle: \"日本と機構の関係\"\nsource: \"外務省欧州局\"\npublished: \"2025-05\"\n---\n"
            "# 日本と機構の関係\n\n2024年10月 中谷防衛大臣がルッテ事務総長と会談し、サイバー分野の協力で一致。\n")
NEWS = ("---\ntitle: \"支援組織に日本が関与へ\"\nsource: \"活動報告\"\npublished: \"2025-04-08\"\n---\n"
        "# 支援組織に日本が関与へ\n\n中谷防衛相は8日、ルッテ事務総長と防衛省で会った。\n\n"
        + "支援組織は装備の供与や訓練を調整する。" * 12 + "\n\n会談では宇宙やサイバーの分野での連携も確かめた。\n")
REPORT = ("---\ntitle: \"首相が事務総長と会談\"\nsource: \"ニュース記事\"\npublished: \"2023-07-12\"\n---\n"
          "# 首相が事務総長と会談\n\n岸田首相はストルテンベルグ事務総長と会談し、協力文書をまとめた。\n")


@pytest.mark.parametrize(("question", "words"), [
    ("According to the April 2025 article, what did they agree?", "April 2025"),
    ("In the 2023 news report on Kishida and Stoltenberg, what is meant by EDT?",
     "2023 news on Kishida and Stoltenberg"),
    ("What is the ITPP mentioned in the article about Nakatani's meeting with Rutte?",
     "about Nakatani's meeting with Rutte"),
    ("2025年4月の記事によると、何を確認した?", "2025年4月"),
    ("外務省の資料によれば、加盟国は何か国?", "外務省"),
    ("中谷防衛相とルッテ事務総長の会談記事で、ITPPはどう説明されていますか?", "中谷防衛相とルッテ事務総長の会談"),
])
def test_the_words_naming_the_text_read_are_found(question, words):
    assert reference(question) == words


@pytest.mark.parametrize("question", [
    "What does Article 5 say?",  # a part of a treaty, not a text read
    "協力文書には何年分の協力が盛り込まれている?",  # the document is what is asked about
    "When did Sweden join NATO?",
])
def test_a_question_naming_no_text_read_has_no_reference(question):
    assert reference(question) == ""


@pytest.fixture(scope="module")
def kotae(tmp_path_factory):
    return lexical_kotae(tmp_path_factory.mktemp("named"), {"timeline.md": TIMELINE, "news.md": NEWS,
                                                            "report.md": REPORT})


def _first(retriever: Retriever, question: str) -> str:
    return retriever.search(question, mode="lexical").passages[0].doc_id


def test_the_document_a_question_names_comes_first(kotae):
    question = "2025年4月の記事によると、中谷防衛相とルッテ事務総長はどの分野の協力を確認した?"
    assert _first(kotae.retriever, question) == "news"
    # Without the rule the timeline's row, naming the same people, the same field and 協力, comes first.
    settings = kotae.settings.model_copy(update={"retrieval": kotae.settings.retrieval.model_copy(
        update={"named_source": 0.0})})
    assert _first(Retriever(kotae.retriever.index, settings), question) == "timeline"


def _sources(kotae) -> Sources:
    return Sources.of(kotae.retriever.index.documents, kotae.retriever.analyzer.terms)


def test_a_document_is_named_by_its_date_its_issuer_or_its_lead(kotae):
    named = _sources(kotae).named
    query = kotae.retriever.query
    assert named("According to the April 2025 article, who met?", query) == "news"  # its date
    assert named("外務省の資料によると、誰が会談した?", query) == "timeline"  # who issued it
    assert named("In the 2023 news report, what did they agree?", query) == "report"  # date and kind
    assert named("防衛省で会った記事によると、何を確かめた?", query) == "news"  # its lead: 防衛省, 会う


def test_a_reference_two_documents_fit_equally_names_neither(kotae):
    assert _sources(kotae).named("2025年の資料によると、誰が会談した?", kotae.retriever.query) is None  # two of 2025
    assert _sources(kotae).named("What did they agree?", kotae.retriever.query) is None  # no reference
