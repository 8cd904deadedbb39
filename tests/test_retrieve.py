"""Lexical retrieval over the real corpus: right passages, exact citations, the search-result contract."""

from __future__ import annotations

import json

import pytest

from kotae.errors import ConfigError, EmptyQuestionError

HEADQUARTERS = "NATOの本部はどこにありますか"
QUESTIONS = [
    HEADQUARTERS,
    "日本とNATOが共同政治宣言に署名したのはいつ",
    "ストルテンベルグ事務総長と岸田首相の会談",
    "NATOの加盟国は何か国ですか",
    "サイバー防衛の協力",
]
RESULT_KEYS = {"id", "question", "lang", "mode", "query_terms", "passages"}
PASSAGE_KEYS = {"rank", "doc_id", "title", "chunk_id", "start", "end", "text", "score"}


def test_headquarters_question_finds_brussels(retriever):
    result = retriever.search(HEADQUARTERS, top_k=3)
    assert len(result.passages) == 3
    assert any("ブリュッセル" in p.text for p in result.passages)


def test_full_width_question_finds_the_same_passages(retriever):
    ascii_result = retriever.search(HEADQUARTERS, top_k=5)
    wide_result = retriever.search("ＮＡＴＯの本部はどこにありますか", top_k=5)
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
    assert len(retriever.search(HEADQUARTERS, top_k=2).passages) == 2
    default = retriever.search(HEADQUARTERS)
    assert len(default.passages) == retriever.settings.top_k


def test_same_question_same_answer(retriever):
    first = retriever.search(HEADQUARTERS, top_k=10).to_dict()
    assert retriever.search(HEADQUARTERS, top_k=10).to_dict() == first


def test_result_dict_has_exactly_the_contract_keys(retriever):
    result = retriever.search(HEADQUARTERS, top_k=3, qid="q1").to_dict()
    assert set(result) == RESULT_KEYS
    assert result["id"] == "q1"
    assert result["question"] == HEADQUARTERS
    assert result["lang"] == "ja"
    assert result["mode"] == "lexical"
    assert "本部" in result["query_terms"] and "nato" in result["query_terms"]
    assert all(isinstance(t, str) for t in result["query_terms"])
    for passage in result["passages"]:
        assert set(passage) == PASSAGE_KEYS
        assert isinstance(passage["start"], int) and isinstance(passage["end"], int)
        assert isinstance(passage["score"], float)
    # The whole result survives a JSON round trip unchanged.
    assert json.loads(json.dumps(result, ensure_ascii=False)) == result


def test_query_terms_leave_out_words_the_documents_lack(retriever):
    result = retriever.search("NATOの本部とxyzzyについて")
    assert "xyzzy" not in result.query_terms
    assert "本部" in result.query_terms


def test_auto_mode_without_vectors_is_lexical(retriever):
    assert retriever.search(HEADQUARTERS, mode="auto").mode == "lexical"
    assert retriever.resolve_mode("auto") == "lexical"


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_dense_modes_without_vectors_are_a_config_error(retriever, mode):
    with pytest.raises(ConfigError, match="lexical"):
        retriever.search(HEADQUARTERS, mode=mode)


def test_unknown_mode_is_a_config_error(retriever):
    with pytest.raises(ConfigError, match="auto"):
        retriever.search(HEADQUARTERS, mode="semantic")


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
    assert "note" not in retriever.search(HEADQUARTERS).to_dict()


def test_passages_serialise_every_field(retriever):
    from dataclasses import asdict

    passage = retriever.search("NATOの本部はどこにありますか", mode="lexical").passages[0]
    assert passage.to_dict() == asdict(passage)
