"""The top passages reordered by their best sentence as the answer's ranker scores it (English questions by
default)."""

from __future__ import annotations

from support import lexical_kotae

from kotae.answer import Answerer
from kotae.config import RetrievalSettings
from kotae.rerank import TOLD_MARGIN, by_best_sentence, past_told
from kotae.retrieve import Retriever
from kotae.sentence_rank import FEATURES, Ranker
from kotae.thresholds import Thresholds
from kotae.types import Passage


def _passage(rank: int) -> Passage:
    return Passage(rank=rank, doc_id=f"d{rank}", title="t", chunk_id=f"d{rank}:0", start=0, end=1, text="x",
                   score=1.0 / rank)


def test_passages_read_are_reordered_by_their_best_sentence_and_the_rest_keep_their_place():
    passages = [_passage(r) for r in (1, 2, 3, 4)]
    reordered, was = by_best_sentence(passages, [1, 1, 2, 3], [0.1, 0.2, 0.9, 0.5])
    assert [p.doc_id for p in reordered] == ["d2", "d3", "d1", "d4"]
    assert [p.rank for p in reordered] == [1, 2, 3, 4] and was == {2: 1, 3: 2, 1: 3, 4: 4}
    tied, _ = by_best_sentence(passages, [1, 2], [0.5, 0.5])  # a tie keeps retrieval's order
    assert [p.doc_id for p in tied] == ["d1", "d2", "d3", "d4"]


def test_a_follow_ups_passage_that_answered_the_question_before_goes_below_one_meeting_more_of_its_own_words():
    passages = [_passage(r) for r in (1, 2, 3)]
    told = {("d1", 0)}  # the answer to the earlier question began in the first passage
    moved = past_told(passages, told, [0.2, 0.3, 0.8])
    assert [p.doc_id for p in moved] == ["d2", "d3", "d1"] and [p.rank for p in moved] == [1, 2, 3]
    # Kept first: where no other meets TOLD_MARGIN more of the follow-up's words, where the earlier answer began
    # elsewhere, and where nothing was told.
    assert past_told(passages, told, [0.5, 0.5 + TOLD_MARGIN, 0.1]) == tuple(passages)
    assert past_told(passages, {("d2", 0)}, [0.2, 0.3, 0.8]) == tuple(passages)
    assert past_told(passages, set(), [0.2, 0.3, 0.8]) == tuple(passages)


def test_rerank_is_for_english_questions_by_default():
    settings = RetrievalSettings()
    assert settings.reranks("en") and not settings.reranks("ja") and not settings.reranks("mixed")
    assert RetrievalSettings(rerank="all").reranks("ja") and not RetrievalSettings(rerank="none").reranks("en")


STAFF = "# 図書館の職員\n\n図書館の職員は図書館の運営を担い、図書館の利用者と図書館の蔵書を支える。\n"
COUNT = "# 職員の数\n\n中央館で働く職員は42人である。\n"
OTHER = "# 公園\n\n公園は2001年に開園した。\n"


def test_a_passage_holding_the_sentence_the_ranker_prefers_comes_first(tmp_path):
    kotae = lexical_kotae(tmp_path, {"staff.md": STAFF, "count.md": COUNT, "other.md": OTHER}, Thresholds.never())
    ranker = Ranker({"lexical": {"ja": [-5.0 if f == "length" else 0.0 for f in FEATURES]}})  # the shortest wins

    def first(rerank: str) -> str:
        settings = kotae.settings.model_copy(update={"retrieval": kotae.settings.retrieval.model_copy(
            update={"rerank": rerank})})
        answerer = Answerer(Retriever(kotae.index, settings), Thresholds.never(), ranker=ranker)
        searched = answerer.search("図書館の職員の仕事は?", mode="lexical")
        asked = answerer.ask("図書館の職員の仕事は?", mode="lexical")
        assert [p.rank for p in searched.passages] == list(range(1, len(searched.passages) + 1))
        assert [p.chunk_id for p in asked.retrieved] == [p.chunk_id for p in searched.passages]  # one order
        assert asked.sentences[0].text == "中央館で働く職員は42人である。"  # the ranker's choice either way
        return searched.passages[0].doc_id

    assert first("none") == "staff"  # BM25: the passage that repeats the question's words
    assert first("all") == "count"


FILLER = "会議では多くの国の代表が意見を交わした。" * 30
NEWS = ("# 支援組織\n\n日本は新しい支援組織への参加を検討していると明らかにした。支援組織の会合は4月に開かれた。\n\n"
        + FILLER + "\n\nこの組織は各国の訓練を調整する役割を担う。\n")


def test_an_english_follow_up_is_searched_past_the_passage_that_answered_the_question_before(tmp_path):
    kotae = lexical_kotae(tmp_path, {"news.md": NEWS, "park.md": OTHER}, Thresholds.never())
    history = [{"question": "Which new organisation is Japan considering joining?", "answer": "支援組織"}]
    role = NEWS.index("この組織")
    # The conversation's words meet the passage naming the organisation; the follow-up's own, the one on its role.
    first = kotae.search("What role does it play?", history=history).passages[0]
    assert first.start <= role < first.end
    answer = kotae.ask("What role does it play?", history=history)
    assert answer.sentences[0].text == "この組織は各国の訓練を調整する役割を担う。"
