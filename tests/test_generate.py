"""Answer generation against a fake OpenAI-compatible server on 127.0.0.1: replies, streams, and failures."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

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
QUESTION = "Where is NATO headquartered?"
ANSWER = "NATO is headquartered in Brussels, Belgium [1]. Japan signed a partnership programme in 2014 [2]."
CHUNKS = ("NATO is headquartered ", "in Brussels, ", "Belgium [1]. ", "Japan signed a partnership ",
          "programme in 2014 [2].")


@dataclass
class FakeLLM:
    """What the fake server answers next, and every request it received."""

    url: str = ""
    mode: str = "answer"  # answer | stream | status | sleep | stream_stall | malformed | malformed_stream
    content: str = ANSWER
    chunks: tuple[str, ...] = CHUNKS
    status: int = 500
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        fake: FakeLLM = self.server.fake  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        fake.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
        # The client may give up first, as the time-out tests intend.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            getattr(self, f"_{fake.mode}")(fake)

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self, fake: FakeLLM) -> None:
        reply = {"id": "x", "object": "chat.completion",
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": fake.content}}]}
        self._send(200, json.dumps(reply).encode())

    def _status(self, fake: FakeLLM) -> None:
        error = {"error": {"message": "model crashed\nwhile loading", "type": "server_error"}}
        self._send(fake.status, json.dumps(error).encode())

    def _malformed(self, fake: FakeLLM) -> None:
        self._send(200, b'{"choices": [{"message": ')

    def _sleep(self, fake: FakeLLM) -> None:
        fake.release.wait(10)
        self._answer(fake)

    def _event(self, data: str) -> None:
        self.wfile.write(f"data: {data}\n\n".encode())
        self.wfile.flush()

    def _start_stream(self) -> None:
        # HTTP/1.0 with no Content-Length: the body ends when the connection closes.
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self._event(json.dumps({"choices": [{"index": 0, "delta": {"role": "assistant"}}]}))

    def _stream(self, fake: FakeLLM) -> None:
        self._start_stream()
        for chunk in fake.chunks:
            self._event(json.dumps({"choices": [{"index": 0, "delta": {"content": chunk}}]}))
        self._event(json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
        self._event("[DONE]")

    def _stream_stall(self, fake: FakeLLM) -> None:
        self._start_stream()
        self._event(json.dumps({"choices": [{"index": 0, "delta": {"content": fake.chunks[0]}}]}))
        fake.release.wait(10)

    def _malformed_stream(self, fake: FakeLLM) -> None:
        self._start_stream()
        self._event(json.dumps({"choices": [{"index": 0, "delta": {"content": fake.chunks[0]}}]}))
        self._event('{"choices": [')
        self._event("[DONE]")

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet


@pytest.fixture
def fake_llm():
    """A fake OpenAI-compatible server in a background thread; `fake.url` is its base URL, ending in /v1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    fake = FakeLLM(url=f"http://127.0.0.1:{server.server_address[1]}/v1")
    server.fake = fake  # type: ignore[attr-defined]
    # A short poll interval keeps shutdown, and so each test, fast.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()  # let sleeping handlers finish so the server can close promptly
        server.shutdown()
        server.server_close()
        thread.join(5)


def llm_settings(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"llm_base_url": url, "llm_model": "fake-model", "llm_timeout": 5.0}
    values.update(overrides)
    return Settings(**values)


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
    assert llm_enabled(Settings(llm_base_url=url, llm_model=model)) is enabled


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


@pytest.mark.parametrize("mode", ["sleep", "stream_stall"])
def test_time_out_is_a_generation_error(fake_llm, mode):
    fake_llm.mode = mode
    settings = llm_settings(fake_llm.url, llm_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(GenerationError) as error:
        if mode == "sleep":
            generate(QUESTION, "en", PASSAGES, settings)
        else:
            list(generate_stream(QUESTION, "en", PASSAGES, settings))
    assert time.monotonic() - started < 5  # the server would have held on for 10 s
    assert_one_line(error, "did not answer within 0.5 s")


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
