"""A date written relative to its document (ことし3月): taken in whole, its year counted from the document's date."""

from __future__ import annotations

from support import build

from kotae import open as open_kotae
from kotae.relative_dates import anchored, reported_year, written_year
from kotae.short_answer import ShortAnswer

TEXT = "首相はことし3月に現地を訪れ、昨年12月には会談した。式典は2022年5月に開かれた。"


def _short(text: str, kind: str = "date") -> ShortAnswer:
    start = TEXT.index(text)
    return ShortAnswer(text=text, doc_id="d", start=start, end=start + len(text), kind=kind, en="March")


def test_a_month_after_a_relative_year_takes_it_in_and_its_year_from_the_document():
    found = anchored(_short("3月"), TEXT, 2023, "en")
    assert (found.text, found.en) == ("ことし3月", "March 2023")
    assert TEXT[found.start:found.end] == found.text
    assert anchored(_short("12月"), TEXT, 2023, "en").en == "December 2022"  # 昨年: the year before
    assert anchored(_short("3月"), TEXT, 2023, "ja").en is None  # Japanese questions get no English


def test_other_dates_and_undated_documents_are_left_as_they_are():
    assert anchored(_short("2022年5月"), TEXT, 2023, "en") == _short("2022年5月")  # it gives its year
    assert anchored(_short("3月"), TEXT, None, "en") == _short("3月")  # the document does not date itself
    assert anchored(_short("3月", kind="number"), TEXT, 2023, "en") == _short("3月", kind="number")
    assert written_year({"published": "2023-07-12"}) == 2023 and written_year({"date": "2025年4月"}) == 2025
    assert written_year({"published": "recently"}) is None and written_year({}) is None


def test_an_answer_gives_the_relative_date_whole(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "---\npublished: \"2023-07-12\"\n---\n# 首相の訪問\n\n首相はことし3月に現地を訪問した。\n"
    (corpus / "visit.md").write_text(text, encoding="utf-8")
    kotae = open_kotae(settings=build(corpus, tmp_path / "index", lexicon=False, embed_model="none"))
    found = kotae.ask("首相が現地を訪問したのはいつ?", mode="lexical").short_answer
    assert found is not None and found.text == "ことし3月"
    assert kotae.document(found.doc_id).text[found.start:found.end] == "ことし3月"


def test_a_news_items_sentences_are_of_its_year_where_they_name_none():
    assert reported_year({"published": "2023-07-12"}) == "2023"
    assert reported_year({"published": "2025-05"}) is None and reported_year({"date": "2025"}) is None  # overviews
    assert reported_year({}) is None


def test_a_question_naming_a_year_is_answered_from_that_year_not_from_a_news_item_of_another(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "news.md").write_text("---\npublished: \"2023-07-12\"\n---\n# 首相と事務総長が会談\n\n"
                                    "来日した事務総長は首相と会談し、協力文書をまとめた。\n", encoding="utf-8")
    (corpus / "history.md").write_text("---\npublished: \"2025\"\n---\n# 関係の歩み\n\n"
                                       "2013年\t4月\t山田事務総長来日\t●首相と会談。\n", encoding="utf-8")
    kotae = open_kotae(settings=build(corpus, tmp_path / "index", lexicon=False, embed_model="none"))
    _, _, found = kotae.answerer.candidates("2013年4月に来日した事務総長は誰?", mode="lexical")
    other = {s.doc_id: c.other_year for s, c in found}
    assert other == {"news": True, "history": False}
    assert kotae.ask("2013年4月に来日した事務総長は誰?", mode="lexical").sentences[0].doc_id == "history"
