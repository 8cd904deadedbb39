"""Answer generation against a fake OpenAI-compatible server on 127.0.0.1: replies, streams, and failures."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from fakes import FAKE_ANSWER as ANSWER
from fakes import FAKE_CHUNKS as CHUNKS

from kotae.config import Settings
from kotae.errors import GenerationError, KotaeError
from kotae.generate import (
    REFUSAL,
    Generated,
    build_messages,
    check_citations,
    generate,
    generate_stream,
    is_refusal,
    llm_enabled,
)
from kotae.types import Passage

PASSAGES = (
    Passage(rank=3, doc_id="nato-hq", title="NATO本部", chunk_id="nato-hq#0", start=0, end=20,
            text="NATOの本部はベルギーのブリュッセルにある。", score=2.5),
    Passage(rank=7, doc_id="ipcp", title="国別パートナーシップ", chunk_id="ipcp#2", start=40, end=70,
            text="日本とNATOは2014年に国別パートナーシップ協力計画に署名した。", score=1.5),
)
QUESTION = "Where is NATO headquartered?"  # what the fake language model answers (support.FAKE_ANSWER)


def llm_settings(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"llm_base_url": url, "llm_model": "fake-model", "llm_timeout": 5.0}
    values.update(overrides)
    return Settings.of(**values)


def assert_one_line(error: pytest.ExceptionInfo[GenerationError], *fragments: str) -> None:
    message = str(error.value)
    assert isinstance(error.value, KotaeError)
    assert "\n" not in message and "Traceback" not in message
    for fragment in fragments:
        assert fragment in message


# Settings and prompt.

@pytest.mark.parametrize(("url", "model", "enabled"), [
    (None, None, False),
    ("http://127.0.0.1:8080/v1", None, False),
    (None, "some-model", False),
    ("http://127.0.0.1:8080/v1", "some-model", True),
])
def test_llm_enabled_needs_url_and_model(url, model, enabled):
    assert llm_enabled(Settings.of(llm_base_url=url, llm_model=model)) is enabled


def test_generation_off_raises_without_calling_anything():
    with pytest.raises(GenerationError) as error:
        generate(QUESTION, "en", PASSAGES, Settings())
    assert_one_line(error, "KOTAE_LLM_BASE_URL")


@pytest.mark.parametrize(("lang", "language"), [("ja", "Japanese"), ("mixed", "Japanese"), ("en", "English")])
def test_messages_number_passages_and_name_the_answer_language(lang, language):
    system, user = build_messages("質問です", lang, PASSAGES)
    assert system["role"] == "system" and user["role"] == "user"
    assert f"in {language}" in system["content"] and REFUSAL in system["content"]
    # Numbered by position in the list given, not by retrieval rank.
    assert f"[1] (NATO本部) {PASSAGES[0].text}" in user["content"]
    assert f"[2] (国別パートナーシップ) {PASSAGES[1].text}" in user["content"]
    assert user["content"].index("[2]") < user["content"].index("質問です")


# Citations and refusals.

@pytest.mark.parametrize(("text", "cited"), [
    ("Brussels [1].", (1,)),
    ("Brussels [2][1]. Also [2].", (2, 1)),
    ("Brussels [1, 2].", (1, 2)),
    ("ブリュッセルにある[1、2]。", (1, 2)),
    ("Both [ 2 ] and [1,2].", (2, 1)),
])
def test_check_citations_reads_marker_forms(text, cited):
    assert check_citations(text, 2) == cited


@pytest.mark.parametrize("text", ["Brussels [7].", "Brussels [0].", "Brussels [1, 3].", "Brussels, Belgium."])
def test_check_citations_rejects_unknown_passages_and_uncited_answers(text):
    with pytest.raises(GenerationError):
        check_citations(text, 2)


@pytest.mark.parametrize(("text", "refused"), [
    (REFUSAL, True), (f"  {REFUSAL}\n", True), (f"**{REFUSAL}**", True), (f"{REFUSAL}. Nothing here.", True),
    ("NATO is in Brussels [1].", False), ("", False),
])
def test_is_refusal(text, refused):
    assert is_refusal(text) is refused
    if refused:
        assert check_citations(text, 2) == ()


# Non-streamed answers.

def test_generate_returns_text_and_citations(fake_llm):
    result = generate(QUESTION, "en", PASSAGES, llm_settings(fake_llm.url))
    assert result == Generated(text=ANSWER, citations=(1, 2), refused=False)


def test_request_shape_without_key(fake_llm):
    generate(QUESTION, "en", PASSAGES, llm_settings(fake_llm.url + "/"))  # a trailing slash is dropped
    [request] = fake_llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert "authorization" not in {name.lower() for name in request["headers"]}
    body = request["json"]
    assert body["model"] == "fake-model" and body["temperature"] == 0 and body["stream"] is False
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    user = body["messages"][1]["content"]
    assert QUESTION in user and all(p.text in user for p in PASSAGES)


def test_request_sends_bearer_key(fake_llm):
    generate(QUESTION, "en", PASSAGES, llm_settings(fake_llm.url, llm_api_key="sk-test"))
    headers = {name.lower(): value for name, value in fake_llm.requests[0]["headers"].items()}
    assert headers["authorization"] == "Bearer sk-test"


def test_citation_of_a_passage_not_given_is_an_error(fake_llm):
    fake_llm.content = "NATO is headquartered in Brussels [7]."
    with pytest.raises(GenerationError) as error:
        generate(QUESTION, "en", PASSAGES, llm_settings(fake_llm.url))
    assert_one_line(error, "[7]")


def test_refusal_is_reported_not_raised(fake_llm):
    fake_llm.content = f"{REFUSAL}\n"
    result = generate(QUESTION, "ja", PASSAGES, llm_settings(fake_llm.url))
    assert result == Generated(text="", citations=(), refused=True)


def test_no_passages_is_a_refusal_without_a_request(fake_llm):
    assert generate(QUESTION, "en", (), llm_settings(fake_llm.url)).refused
    assert list(generate_stream(QUESTION, "en", (), llm_settings(fake_llm.url))) == [REFUSAL]
    assert fake_llm.requests == []


# Failures.

@pytest.mark.parametrize("stream", [False, True])
def test_http_error_is_a_one_line_generation_error(fake_llm, stream):
    fake_llm.mode = "status"
    settings = llm_settings(fake_llm.url)
    with pytest.raises(GenerationError) as error:
        if stream:
            list(generate_stream(QUESTION, "en", PASSAGES, settings))
        else:
            generate(QUESTION, "en", PASSAGES, settings)
    assert_one_line(error, "HTTP 500", "model crashed while loading", fake_llm.url)


@pytest.mark.parametrize("mode", ["hold", "stream_stall"])
def test_time_out_is_a_generation_error(fake_llm, mode):
    fake_llm.mode = mode  # the server holds its reply (or the rest of its stream) until the test is over
    settings = llm_settings(fake_llm.url, llm_timeout=0.1)
    with pytest.raises(GenerationError) as error:
        if mode == "hold":
            generate(QUESTION, "en", PASSAGES, settings)
        else:
            list(generate_stream(QUESTION, "en", PASSAGES, settings))
    assert not fake_llm.release.is_set(), "the client gave up while the server still held on"
    assert len(fake_llm.requests) == 1
    assert_one_line(error, "did not answer within 0.1 s")


@pytest.mark.parametrize("mode", ["malformed", "malformed_stream"])
def test_malformed_json_is_a_generation_error(fake_llm, mode):
    fake_llm.mode = mode
    settings = llm_settings(fake_llm.url)
    with pytest.raises(GenerationError) as error:
        if mode == "malformed":
            generate(QUESTION, "en", PASSAGES, settings)
        else:
            list(generate_stream(QUESTION, "en", PASSAGES, settings))
    assert_one_line(error, "not valid JSON")


def test_empty_answer_is_a_generation_error(fake_llm):
    fake_llm.content = "  "
    with pytest.raises(GenerationError) as error:
        generate(QUESTION, "en", PASSAGES, llm_settings(fake_llm.url))
    assert_one_line(error, "no answer text")


def test_unreachable_server_is_a_generation_error():
    with socket.socket() as probe:  # a port that was free a moment ago and has nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(GenerationError) as error:
        generate(QUESTION, "en", PASSAGES, llm_settings(url))
    assert_one_line(error, url)


# Streaming.

def test_stream_yields_deltas_in_order(fake_llm):
    fake_llm.mode = "stream"
    deltas = list(generate_stream(QUESTION, "en", PASSAGES, llm_settings(fake_llm.url)))
    assert deltas == list(CHUNKS)
    assert "".join(deltas) == ANSWER
    body = fake_llm.requests[0]["json"]
    assert body["stream"] is True and body["temperature"] == 0


def test_stream_with_invalid_citation_raises_after_the_deltas(fake_llm):
    fake_llm.mode = "stream"
    fake_llm.chunks = ("NATO is in ", "Brussels [7].")
    received: list[str] = []
    with pytest.raises(GenerationError) as error:
        for delta in generate_stream(QUESTION, "en", PASSAGES, llm_settings(fake_llm.url)):
            received.append(delta)
    assert "".join(received) == "NATO is in Brussels [7]."
    assert_one_line(error, "[7]")


def test_stream_refusal_is_one_delta_and_no_error(fake_llm):
    fake_llm.mode = "stream"
    fake_llm.chunks = ("NOT_", "IN_DOC", "UMENTS", "\n")
    deltas = list(generate_stream(QUESTION, "en", PASSAGES, llm_settings(fake_llm.url)))
    assert deltas == [REFUSAL]
    assert is_refusal(deltas[0])


def test_stream_answer_starting_like_the_refusal_is_passed_through(fake_llm):
    fake_llm.mode = "stream"
    fake_llm.chunks = ("NO", "TE: Brussels [1].")
    deltas = list(generate_stream(QUESTION, "en", PASSAGES, llm_settings(fake_llm.url)))
    assert "".join(deltas) == "NOTE: Brussels [1]."
    assert not is_refusal("".join(deltas))
