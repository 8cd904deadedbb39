"""A count the text gives in the chunk after the one naming what it counts (kotae.continuation)."""

from __future__ import annotations

import pytest
from support import build

from kotae.answer import PASSAGES_READ
from kotae.chunk import Unit
from kotae.continuation import continued, counted_after, counted_in, next_chunk
from kotae.facade import Kotae
from kotae.short_answer import Question
from kotae.store import load_index
from kotae.thresholds import Thresholds
from kotae.types import Passage
from kotae.unsaid import NO_NUMBER

# The plan is named in the first paragraphs; the count of its areas comes two paragraphs later and never names it.
PLAN = """# 市と大学の連携

市長は5月に大学の学長と会談し、新たな連携協定「みどり連携計画」をまとめました。みどり連携計画は、ことしから3年間で進める協力の内容を定めています。

この中では、地域の課題に市と大学が共同で取り組むとしています。

そして重点的な取り組みとして、環境教育や防災、観光など12分野を明記しています。

具体的には、防災では学生が市の訓練に参加します。
"""
OTHER = "# 港の祭り\n\n港の祭りは毎年7月に開かれ、3日間で約5万人が訪れます。\n"
QUESTION = "みどり連携計画には、いくつの分野が盛り込まれていますか？"
THRESHOLDS = Thresholds({"lexical": {"ja": 0.2, "en": 0.2}})


@pytest.fixture(scope="module")
def kotae_plan(tmp_path_factory) -> Kotae:
    folder = tmp_path_factory.mktemp("continuation")
    corpus = folder / "corpus"
    corpus.mkdir()
    (corpus / "plan.md").write_text(PLAN, encoding="utf-8")
    (corpus / "port.md").write_text(OTHER, encoding="utf-8")
    settings = build(corpus, folder / "index", chunk_target=130, chunk_overlap=1)
    return Kotae(load_index(settings), settings, thresholds=THRESHOLDS)


def test_the_count_is_split_from_what_it_counts(kotae_plan):
    """The corpus is as the tests need it: the plan and its count in different chunks."""
    texts = [c.text for c in kotae_plan.retriever.index.chunks if c.doc_id == "plan"]
    named = [n for n, t in enumerate(texts) if "みどり連携計画" in t]
    counted = [n for n, t in enumerate(texts) if "12分野" in t]
    assert named and counted and not set(named) & set(counted) and counted[0] == named[-1] + 1


def test_a_count_in_the_next_chunk_answers_how_many(kotae_plan):
    answer = kotae_plan.ask(QUESTION, mode="lexical", top_k=1)
    assert not answer.abstained, answer.note
    assert answer.short_answer is not None and answer.short_answer.text == "12分野"
    first = answer.sentences[0]
    assert "12分野" in first.text
    document = kotae_plan.retriever.index.documents["plan"].text
    assert document[first.start:first.end] == first.text
    cited = {p.rank: p for p in answer.passages}[first.citation]  # cited from a passage the answer returns
    assert cited.start <= first.start and first.end <= cited.end
    assert any("みどり連携計画" in s.text for s in answer.sentences[1:]), "the sentence naming the plan follows"


def test_without_the_next_chunk_the_question_is_abstained_for_lack_of_a_number(kotae_plan, monkeypatch):
    """The same question, read as before: only the passage retrieval returned (top_k=1: the one naming the plan)."""
    import kotae.answer

    monkeypatch.setattr(kotae.answer, "continued", lambda *_, **__: None)
    answer = kotae_plan.answerer.ask(QUESTION, mode="lexical", top_k=1)
    assert answer.abstained and answer.note == NO_NUMBER["ja"]


def test_a_count_of_something_else_or_a_table_row_after_it_does_not_answer(kotae_plan):
    chunks = kotae_plan.retriever.index.chunks
    assert next_chunk(chunks, len(chunks) - 1) is None
    last_of_plan = max(n for n, c in enumerate(chunks) if c.doc_id == "plan")
    assert next_chunk(chunks, last_of_plan) is None or chunks[last_of_plan + 1].doc_id == "plan"

    question = Question("number", "計画には、いくつの分野がありますか", {"計画": 1.0, "分野": 1.0}, {}, "ja")
    before = Passage(rank=1, doc_id="d", title="", chunk_id="d:0", start=0, end=10, text="x" * 10, score=1.0)
    text = "そして環境など12分野を明記しています。"
    after = Passage(rank=2, doc_id="d", title="", chunk_id="d:1", start=10, end=10 + len(text), text=text, score=0.5)
    analyzer = kotae_plan.retriever.analyzer

    def cells(s: str):
        return tuple(analyzer.tokens(s))

    sentence = [Unit(0, len(text), "sentence")]
    assert counted_after(question, before, after, sentence, cells).text == text
    assert counted_after(question, before, after, [Unit(0, len(text), "row")], cells) is None
    other = Question("number", "港の祭りには、何人が訪れますか", {"港": 1.0, "祭り": 1.0}, {}, "ja")
    assert counted_after(other, before, after, sentence, cells) is None
    elsewhere = Passage(rank=2, doc_id="e", title="", chunk_id="e:0", start=10, end=10 + len(text), text=text,
                        score=0.5)
    assert counted_after(question, before, elsewhere, sentence, cells) is None


def test_a_passage_ranked_below_those_read_may_give_the_count_if_it_is_about_the_question(kotae_plan):
    analyzer = kotae_plan.retriever.analyzer

    def cells(s: str):
        return tuple(analyzer.tokens(s))

    def asking(text: str) -> Question:
        return Question("number", text, {t.term: 1.0 for t in cells(text)}, {}, "ja")

    text = "そして重点的な取り組みとして、環境教育や防災、観光など12分野を明記しています。"
    units = {"d:3": [Unit(0, len(text), "sentence")]}
    read = [Passage(rank=n + 1, doc_id="d", title="", chunk_id=f"d:{n}", start=0, end=1, text="x", score=1.0)
            for n in range(PASSAGES_READ)]
    lower = Passage(rank=PASSAGES_READ + 1, doc_id="d", title="", chunk_id="d:3", start=100, end=100 + len(text),
                    text=text, score=0.5)
    question = asking("重点的な取り組みの分野はいくつ")
    went_on = continued(question, [*read, lower], [], [], {}, None, lambda chunk_id: units.get(chunk_id, []), cells,
                        read=PASSAGES_READ)
    assert went_on is not None and went_on[0][0].text == text and went_on[0][0].start == 100
    assert continued(question, read, [], [], {p.chunk_id: n for n, p in enumerate(read)}, None,
                     lambda chunk_id: [], cells, read=PASSAGES_READ) is None  # nothing below those read: as before
    # What it counts and nothing else in common (祭りの分野): a count of another subject's areas
    assert counted_in(asking("港の祭りの分野はいくつ"), lower, units["d:3"], cells) is None
    assert counted_in(question, lower, [Unit(0, len(text), "row")], cells) is None  # a row is another's
