"""The public facade: `kotae.open()` and the `Kotae` it returns, the package's surface, and layered settings."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

import kotae
import kotae.answer
from kotae.errors import ConfigError, IndexMissingError, StaleIndexError, UnknownDocumentError
from kotae.events import Delta, Final, Passages
from kotae.thresholds import Thresholds, save_thresholds, shipped_file

QUESTION = "松本市中央図書館の新館はいつ開館しましたか"


@pytest.fixture(scope="module")
def k(lexical_settings):
    return kotae.open(lexical_settings.index.index_dir, lexical_settings)


def test_the_package_exports_a_sorted_public_surface():
    assert kotae.__all__ == sorted(kotae.__all__)
    for name in ("open", "Kotae", "Settings", "KotaeError", "StaleIndexError", "Answer", "Passage",
                 "SearchResult", "Document", "Passages", "Delta", "Final", "Failed"):
        assert name in kotae.__all__ and getattr(kotae, name) is not None
    errors = [getattr(kotae, n) for n in kotae.__all__ if n.endswith("Error")]
    assert all(issubclass(e, kotae.KotaeError) for e in errors)


def test_ask_quotes_a_sentence_that_round_trips(k):
    answer = k.ask(QUESTION)
    assert not answer.abstained and answer.sentences
    for s in answer.sentences:
        assert k.document(s.doc_id).text[s.start:s.end] == s.text
    assert answer.sentences[0].doc_id == "city-library"
    assert "2021年4月1日" in answer.to_dict()["answer"]["text"]


def test_search_returns_cited_passages_and_honours_top_k_and_mode(k):
    result = k.search(QUESTION, top_k=2, mode="lexical")
    assert result.mode == "lexical" and len(result.passages) == 2
    assert result.passages[0].doc_id == "city-library"
    assert all(k.document(p.doc_id).text[p.start:p.end] == p.text for p in result.passages)
    assert result.to_dict()["passages"][0]["rank"] == 1


def test_search_with_history_searches_a_follow_up_with_the_question_before_it(k):
    history = [{"question": QUESTION, "answer": "2021年4月1日"}]
    alone, follow_up = k.search("それは何階建てですか"), k.search("それは何階建てですか", history=history)
    assert follow_up.question.startswith(QUESTION)
    assert follow_up.passages[0].doc_id == "city-library"
    assert alone.question == "それは何階建てですか"


def test_stream_yields_passages_then_text_then_the_answer_ask_gives(k):
    events = list(k.stream(QUESTION))
    assert isinstance(events[0], Passages) and isinstance(events[-1], Final)
    deltas = [e.text for e in events if isinstance(e, Delta)]
    assert "".join(deltas) == events[-1].answer.text
    assert events[-1].answer.to_dict() == k.ask(QUESTION).to_dict()
    assert events[0].passages == events[-1].answer.passages


def test_stream_reports_a_failure_as_an_event(k):
    events = list(k.stream("   "))
    assert [type(e).__name__ for e in events] == ["Failed"]
    assert isinstance(events[0].error, kotae.EmptyQuestionError)


def test_document_and_modes(k):
    assert k.document("city-library").title
    with pytest.raises(UnknownDocumentError, match="no-such"):
        k.document("no-such")
    assert k.modes() == ["auto", "lexical"]
    with pytest.raises(ConfigError, match="no vectors"):
        k.search(QUESTION, mode="dense")


def test_open_refuses_a_missing_or_stale_index(tmp_path, lexical_settings, corpus_dir):
    with pytest.raises(IndexMissingError):
        kotae.open(tmp_path / "nothing", lexical_settings)
    with pytest.raises(StaleIndexError, match="chunk_target"):
        kotae.open(settings=lexical_settings.replace(chunk_target=777, chunk_max=800))


def test_settings_route_flat_names_to_their_groups_and_keep_what_was_explicit(tmp_path):
    s = kotae.Settings.of(corpus_dir=tmp_path, top_k=3, llm_model="m", abstention_file=tmp_path / "a.json")
    assert (s.index.corpus_dir, s.retrieval.top_k, s.llm.model, s.answer.abstention_file) == \
        (tmp_path, 3, "m", tmp_path / "a.json")
    changed = s.replace(mode="lexical")
    assert changed.retrieval.mode == "lexical" and changed.retrieval.top_k == 3
    assert changed.index.model_fields_set == {"corpus_dir"}  # defaults stay defaults: staleness checks only these
    again = kotae.Settings.of(**json.loads(json.dumps(changed.explicit())))
    assert again == changed
    with pytest.raises(TypeError, match="no field 'chunk_size'"):
        kotae.Settings.of(chunk_size=3)
    with pytest.raises(ValidationError):
        kotae.Settings.of(chunk_target=900, chunk_max=800)


def test_settings_read_each_group_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KOTAE_TOP_K", "7")
    monkeypatch.setenv("KOTAE_LLM_MODEL", "from-env")
    monkeypatch.setenv("KOTAE_DEVICE", "cpu")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    s = kotae.Settings()
    assert (s.retrieval.top_k, s.llm.model, s.index.device) == (7, "from-env", "cpu")
    assert s.index.cache_dir == tmp_path / "kotae"


def test_thresholds_come_with_the_package_and_a_configured_file_must_exist(tmp_path):
    assert Thresholds.load().values == Thresholds.load(shipped_file()).values
    assert Thresholds.load().get("lexical", "ja") < 1
    with pytest.raises(ConfigError, match="does not exist"):
        Thresholds.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ConfigError, match="must hold"):
        Thresholds.load(tmp_path / "bad.json")
    saved = save_thresholds(tmp_path / "mine.json", {"lexical": {"ja": 0.25}}, learned_from="gold.jsonl")
    assert Thresholds.load(tmp_path / "mine.json") == saved and saved.get("lexical", "ja") == 0.25
    both = save_thresholds(tmp_path / "mine.json", {"hybrid": {"ja": 0.7}}, learned_from="gold.jsonl",
                           weights={"hybrid": {"ja": 3.0}})
    assert Thresholds.load(tmp_path / "mine.json") == both and both.get("lexical", "ja") == 0.25
    assert both.confidence(0.4, 0.9, "hybrid", "ja") == pytest.approx((0.4 + 3 * 0.9) / 4)
    assert both.confidence(0.4, None, "hybrid", "ja") == 0.4 and both.confidence(0.4, 0.9, "lexical", "ja") == 0.4
    (tmp_path / "bad.json").write_text('{"thresholds": {"hybrid": {"ja": "high"}}}', encoding="utf-8")
    with pytest.raises(ConfigError, match="not a number"):
        Thresholds.load(tmp_path / "bad.json")


def test_an_answerer_with_a_missing_configured_threshold_file_is_refused(lexical_settings, tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        kotae.open(settings=lexical_settings.replace(abstention_file=tmp_path / "missing.json"))


def test_server_workers_get_exactly_the_settings_serve_was_given(monkeypatch, lexical_settings):
    from pydantic import SecretStr

    from kotae_api import serve
    from kotae_api.settings import ServerSettings

    server = ServerSettings(port=8123, rate_limit=0.0, admin_token=SecretStr("t0ken"))
    handoff = {"settings": lexical_settings.explicit(), "server": serve._explicit_server(server)}
    monkeypatch.setenv(serve.HANDOFF, json.dumps(handoff))
    app = serve.worker_app()
    assert app.state.settings == lexical_settings
    assert app.state.server.port == 8123 and app.state.server.admin_token.get_secret_value() == "t0ken"


def test_warm_reads_what_the_first_english_question_would_wait_for(lexical_settings, monkeypatch):
    loaded: list[bool] = []
    monkeypatch.setattr(kotae.answer, "load_tables", lambda: loaded.append(True))
    fresh = kotae.open(lexical_settings.index.index_dir, lexical_settings)
    assert fresh.index.lexicon.entries and "_names" not in vars(fresh.answerer)
    assert fresh.warm() is fresh
    assert loaded == [True] and "_names" in vars(fresh.answerer)
