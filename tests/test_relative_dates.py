"""A date written relative to its document (ことし3月): taken in whole, its year counted from the document's date."""

from __future__ import annotations

import pytest
from support import build, lexical_kotae

from kotae import open as open_kotae
from kotae.relative_dates import anchored, reported_year, written_year
from kotae.retrieve import Retriever
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


NEWS = ("---\ntitle: \"首相が会談\"\npublished: \"2023-07-12\"\n---\n# 首相が会談\n\n"
        "首相は12日、リトアニアで事務総長と会談した。\n")
TIMELINE = "---\ntitle: \"年表\"\npublished: \"2025-05\"\n---\n# 年表\n\n2023年、首相が会談に臨んだ。\n"
PARK = "# 公園\n\n公園は2001年に開園した。\n"


def test_a_year_asked_is_met_by_a_news_item_reported_that_year_that_does_not_write_it(tmp_path):
    kotae = lexical_kotae(tmp_path, {"news.md": NEWS, "timeline.md": TIMELINE, "park.md": PARK})
    question = "2023年に首相が事務総長と会談したのはどこ?"

    def scores(share: float) -> dict[str, float]:
        settings = kotae.settings.model_copy(update={"retrieval": kotae.settings.retrieval.model_copy(
            update={"reported_year": share})})
        return {p.doc_id: p.score for p in Retriever(kotae.retriever.index, settings).search(
            question, mode="lexical").passages}

    with_year, without = scores(0.5), scores(0.0)
    idf = kotae.retriever.index.lexical.idf("2023")
    assert with_year["news"] == pytest.approx(without["news"] + 0.5 * idf, abs=1e-5)  # 12日 of 2023-07-12
    assert with_year["timeline"] == without["timeline"]  # it writes 2023 itself, and is no news item
    assert with_year["park"] == without["park"]
    # The answer reads the news item's passage as of its year too: the question is covered whole.
    news = next(c for c in kotae.retriever.index.chunks if c.doc_id == "news")
    assert "2023" in kotae.answerer._read(news.id).context
