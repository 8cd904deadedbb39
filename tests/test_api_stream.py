"""POST /v1/ask/stream: Server-Sent Events framing, event order, keep-alives, errors and generated answers."""

from __future__ import annotations

import json
import threading

import pytest
from fakes import assert_problem, call_asgi, make_app, parse_sse
from fastapi.testclient import TestClient

from kotae_api.stream import frame

JA = "静岡茶まつりの来場者は何人でしたか?"
EN = "When did the library open?"


def stream(app, payload: dict, **headers: str):
    with TestClient(app) as client, client.stream("POST", "/v1/ask/stream", json=payload, headers=headers) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-cache"
        return r, parse_sse(r.read().decode("utf-8"))


@pytest.mark.parametrize("question", [JA, EN])
def test_events_come_in_order_and_end_with_the_same_answer_as_ask(app, question):
    response, parsed = stream(app, {"question": question, "top_k": 4}, **{"X-Request-ID": "stream-1"})
    kinds = [k for k in parsed.order if k != "keep-alive"]
    assert kinds[:2] == ["meta", "passages"] and kinds[-2:] == ["answer", "done"]
    assert set(kinds[2:-2]) == {"delta"}
    meta, passages, *deltas, answer, _ = parsed.events
    assert meta["request_id"] == "stream-1" == response.headers["x-request-id"]
    assert meta["lang"] == ("ja" if question == JA else "en") and meta["retrieval_query"] == question
    with TestClient(app) as client:
        expected = client.post("/v1/ask", json={"question": question, "top_k": 4}).json()
    assert answer["answer"] == expected
    assert passages["passages"] == expected["passages"] and len(passages["passages"]) == 4
    assert "".join(d["text"] for d in deltas) == expected["answer"]["text"]


def test_document_newlines_travel_inside_json_without_breaking_events(app):
    _, parsed = stream(app, {"question": JA})
    texts = [p["text"] for p in parsed.events[1]["passages"]]
    assert any("\n" in t for t in texts)  # the passages have line breaks, and parsing still held


@pytest.mark.parametrize("text", ["line\nbreak", "cr\rbreak", "crlf\r\nbreak", "\n\ndata: {\"type\":\"done\"}\n\n",
                                  "ls\u2028ps\u2029nel\u0085", "event: error\n", ": keep-alive\n\n"])
def test_frame_keeps_any_text_on_one_data_line(text):
    framed = frame({"type": "delta", "text": text})
    assert framed.endswith("\n\n") and framed.count("\n") == 3
    event_line, data_line = framed[:-2].split("\n")
    assert event_line == "event: delta"
    assert len(data_line.splitlines()) == 1  # even for readers that split at U+2028 or NEL
    assert json.loads(data_line[len("data: "):]) == {"type": "delta", "text": text}


def test_an_abstention_streams_no_delta(app):
    _, parsed = stream(app, {"question": "火星の首都はどこですか?", "lang": "en"})
    assert parsed.order == ["meta", "passages", "answer", "done"]
    answer = parsed.events[2]["answer"]
    assert answer["abstained"] is True and answer["message"] == "The documents don't say."


def test_keep_alive_comments_fill_the_wait(lexical_settings, lexical_index, monkeypatch):
    app = make_app(lexical_settings, lexical_index, stream_keepalive=0.01)
    answerer = app.state.holder.engine.kotae.answerer
    ask = answerer.ask
    sent = {"keep-alives": 0}
    three_sent = threading.Event()

    def on_body(piece: bytes) -> None:
        sent["keep-alives"] += piece.count(b": keep-alive\n\n")
        if sent["keep-alives"] >= 3:
            three_sent.set()

    def held(*args, **kwargs):
        # Retrieval takes as long as it takes: here, until the stream has sent three keep-alives meanwhile.
        assert three_sent.wait(30), "no keep-alives while the answer was being made"
        return ask(*args, **kwargs)

    monkeypatch.setattr(answerer, "ask", held)
    response = call_asgi(app, "POST", "/v1/ask/stream", headers=[("content-type", "application/json")],
                         chunks=[json.dumps({"question": JA}).encode()], on_body=on_body)
    assert response.status == 200 and response.headers["content-type"].startswith("text/event-stream")
    parsed = parse_sse(response.body.decode("utf-8"))
    assert parsed.order[:3] == ["keep-alive"] * 3
    assert [k for k in parsed.order if k != "keep-alive"] == ["meta", "passages", "delta", "answer", "done"]


def test_a_failure_while_streaming_ends_with_an_error_event(app, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.state.holder.engine.kotae.answerer, "ask", broken)
    response, parsed = stream(app, {"question": JA})
    assert parsed.order == ["error"]
    problem = parsed.events[0]["problem"]
    assert problem["status"] == 500 and problem["request_id"] == response.headers["x-request-id"]
    assert "secret" not in json.dumps(parsed.events)


def test_bad_input_is_refused_before_the_stream_starts(app):
    with TestClient(app) as client:
        assert_problem(client.post("/v1/ask/stream", json={"question": JA, "mode": "hybrid"}), 422)


# With a language model configured.

def _llm_app(settings, index, url: str):
    return make_app(settings, index, llm_base_url=url, llm_model="fake", llm_timeout=2.0)


def test_a_language_model_answer_streams_as_its_deltas(lexical_settings, lexical_index, fake_llm):
    fake_llm.mode = "stream"
    fake_llm.chunks = ("静岡茶まつりの来場者は", "2日間で", "約8万人でした [1]。")
    app = _llm_app(lexical_settings, lexical_index, fake_llm.url)
    _, parsed = stream(app, {"question": JA})
    assert parsed.order == ["meta", "passages", "delta", "delta", "delta", "answer", "done"]
    answer = parsed.events[-2]["answer"]
    assert answer["answer"]["text"] == "".join(fake_llm.chunks) == "".join(e["text"] for e in parsed.events[2:5])
    assert answer["answer"]["sentences"] and answer["note"] is None  # the quoted evidence stays
    assert fake_llm.requests[0]["json"]["stream"] is True


def test_a_generated_answer_citing_a_passage_it_was_not_given_falls_back_to_quotes(lexical_settings, lexical_index,
                                                                                  fake_llm):
    fake_llm.mode = "stream"
    fake_llm.chunks = ("約8万人です ", "[9]。")
    app = _llm_app(lexical_settings, lexical_index, fake_llm.url)
    _, parsed = stream(app, {"question": JA})
    answer = parsed.events[-2]["answer"]
    quoted = " ".join(f"{s['text']} [{s['citation']}]" for s in answer["answer"]["sentences"])
    assert answer["answer"]["text"] == f"{answer['short_answer']['text']} — {quoted}" and "[9]" in answer["note"]
    assert parsed.order[-2:] == ["answer", "done"]


def test_an_unreachable_language_model_still_streams_the_quoted_answer(lexical_settings, lexical_index, fake_llm):
    fake_llm.mode = "status"
    app = _llm_app(lexical_settings, lexical_index, fake_llm.url)
    _, parsed = stream(app, {"question": JA})
    assert parsed.order == ["meta", "passages", "delta", "answer", "done"]
    answer = parsed.events[-2]["answer"]
    assert parsed.events[2]["text"] == answer["answer"]["text"] and "HTTP 500" in answer["note"]


def test_a_language_model_refusal_streams_an_abstention(lexical_settings, lexical_index, fake_llm):
    fake_llm.mode = "stream"
    fake_llm.chunks = ("NOT_IN", "_DOCUMENTS")
    app = _llm_app(lexical_settings, lexical_index, fake_llm.url)
    _, parsed = stream(app, {"question": JA})
    assert parsed.order == ["meta", "passages", "answer", "done"]
    assert parsed.events[2]["answer"]["abstained"] is True and parsed.events[2]["answer"]["answer"] is None


def test_ask_with_a_language_model_returns_its_checked_answer(lexical_settings, lexical_index, fake_llm):
    fake_llm.content = "来場者は2日間で約8万人でした [1]。"
    app = _llm_app(lexical_settings, lexical_index, fake_llm.url)
    with TestClient(app) as client:
        body = client.post("/v1/ask", json={"question": JA}).json()
    assert body["answer"]["text"] == fake_llm.content and body["answer"]["sentences"]
