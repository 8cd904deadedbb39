"""Lexical retrieval over the tiny corpus: right passages, exact citations, the search-result contract."""

from __future__ import annotations

import json

import pytest

from kotae.errors import ConfigError, EmptyQuestionError

LIBRARIAN = "図書館の館長は誰ですか"
QUESTIONS = [
    LIBRARIAN,
    "静岡茶まつりが初めて開催されたのはいつ",
    "ブランドリーニ副市長と小学校の児童の交流",
    "鉄道の駅はいくつありますか",
    "SLの運転の再開",
]
RESULT_KEYS = {"id", "question", "lang", "mode", "query_terms", "passages"}
PASSAGE_KEYS = {"rank", "doc_id", "title", "chunk_id", "start", "end", "text", "score"}


def test_librarian_question_finds_the_librarian(retriever):
    result = retriever.search(LIBRARIAN, top_k=3)
    assert len(result.passages) == 3
    assert "館長は山田花子である。" in result.passages[0].text


def test_full_width_question_finds_the_same_passages(retriever):
    ascii_result = retriever.search("SLが走るのは何曜日で、2022年に何が改訂されましたか", top_k=5)
    wide_result = retriever.search("ＳＬが走るのは何曜日で、２０２２年に何が改訂されましたか", top_k=5)
    assert ascii_result.passages
    assert [p.chunk_id for p in wide_result.passages] == [p.chunk_id for p in ascii_result.passages]


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_passage_quotes_its_document_exactly(retriever, lexical_index, question):
    result = retriever.search(question, top_k=10)
    assert result.passages
    for p in result.passages:
        doc = lexical_index.documents[p.doc_id]
        assert doc.text[p.start:p.end] == p.text
        assert p.title == doc.title
        chunk = next(c for c in lexical_index.chunks if c.id == p.chunk_id)
        assert (chunk.doc_id, chunk.start, chunk.end) == (p.doc_id, p.start, p.end)


@pytest.mark.parametrize("question", QUESTIONS)
def test_passages_are_ranked_best_first_without_repeats(retriever, question):
    passages = retriever.search(question, top_k=10).passages
    assert [p.rank for p in passages] == list(range(1, len(passages) + 1))
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)
    assert len({p.chunk_id for p in passages}) == len(passages)


def test_top_k_limits_the_passages(retriever):
    broad = "2019年と2022年と2023年の出来事"  # words in more passages than the default top_k
    assert len(retriever.search(broad, top_k=2).passages) == 2
    default = retriever.search(broad)
    assert len(default.passages) == retriever.settings.retrieval.top_k
    assert len(retriever.search(broad, top_k=10).passages) > retriever.settings.retrieval.top_k


def test_same_question_same_answer(retriever):
    first = retriever.search(LIBRARIAN, top_k=10).to_dict()
    assert retriever.search(LIBRARIAN, top_k=10).to_dict() == first


def test_result_dict_has_exactly_the_contract_keys(retriever):
    result = retriever.search(LIBRARIAN, top_k=3, qid="q1").to_dict()
    assert set(result) == RESULT_KEYS
    assert result["id"] == "q1"
    assert result["question"] == LIBRARIAN
    assert result["lang"] == "ja"
    assert result["mode"] == "lexical"
    assert {"図書", "館長"} <= set(result["query_terms"])
    assert all(isinstance(t, str) for t in result["query_terms"])
    for passage in result["passages"]:
        assert set(passage) == PASSAGE_KEYS
        assert isinstance(passage["start"], int) and isinstance(passage["end"], int)
        assert isinstance(passage["score"], float)
    # The whole result survives a JSON round trip unchanged.
    assert json.loads(json.dumps(result, ensure_ascii=False)) == result


def test_query_terms_leave_out_words_the_documents_lack(retriever):
    result = retriever.search("図書館の館長とxyzzyについて")
    assert "xyzzy" not in result.query_terms
    assert "館長" in result.query_terms


def test_auto_mode_without_vectors_is_lexical(retriever):
    assert retriever.search(LIBRARIAN, mode="auto").mode == "lexical"
    assert retriever.resolve_mode("auto") == "lexical"


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_dense_modes_without_vectors_are_a_config_error(retriever, mode):
    with pytest.raises(ConfigError, match="lexical"):
        retriever.search(LIBRARIAN, mode=mode)


def test_unknown_mode_is_a_config_error(retriever):
    with pytest.raises(ConfigError, match="auto"):
        retriever.search(LIBRARIAN, mode="semantic")


@pytest.mark.parametrize("question", ["", "   ", "\u3000\n"])
def test_empty_question(retriever, question):
    with pytest.raises(EmptyQuestionError):
        retriever.search(question)


def test_question_with_no_known_words_returns_a_note(retriever):
    result = retriever.search("xyzzy plugh")
    assert result.passages == ()
    assert result.note
    as_dict = result.to_dict()
    assert as_dict["passages"] == [] and as_dict["note"] == result.note


def test_a_found_result_has_no_note(retriever):
    assert "note" not in retriever.search(LIBRARIAN).to_dict()


def test_passages_serialise_every_field(retriever):
    from dataclasses import asdict

    passage = retriever.search(LIBRARIAN, mode="lexical").passages[0]
    assert passage.to_dict() == asdict(passage)
