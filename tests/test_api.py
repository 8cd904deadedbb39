"""The HTTP API: every endpoint over the tiny corpus, and every kind of bad input answered as a problem."""

from __future__ import annotations

import builtins
import io
import json
import os
from importlib.metadata import version

import pytest
from fakes import PROBLEM, assert_problem, call_asgi, make_app
from fastapi.testclient import TestClient

from kotae import errors
from kotae.load import load_corpus

JA = "静岡茶まつりの来場者は何人でしたか?"
EN = "When did the library open?"
UNANSWERABLE = "火星の首都はどこですか?"


def _document_text(client: TestClient, doc_id: str) -> str:
    response = client.get(f"/v1/documents/{doc_id}")
    assert response.status_code == 200
    return response.json()["text"]


# Answers.

@pytest.mark.parametrize(("question", "lang", "expected"), [(JA, "ja", "約8万人"), (EN, "en", "2021年4月1日")])
def test_ask_answers_with_sentences_that_quote_the_documents_exactly(client, question, lang, expected):
    response = client.post("/v1/ask", json={"question": question})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["question"] == question and body["lang"] == lang and body["abstained"] is False
    assert expected in body["answer"]["text"]
    # Each sentence is followed by its citation, the rank of a passage returned.
    ranks = {p["rank"] for p in body["passages"]}
    for sentence in body["answer"]["sentences"]:
        assert sentence["citation"] in ranks
        assert f'{sentence["text"]} [{sentence["citation"]}]' in body["answer"]["text"]
    # Every citation checks out against the document the API serves.
    for sentence in body["answer"]["sentences"]:
        assert _document_text(client, sentence["doc_id"])[sentence["start"]:sentence["end"]] == sentence["text"]
    for passage in body["passages"]:
        assert _document_text(client, passage["doc_id"])[passage["start"]:passage["end"]] == passage["text"]
    assert [p["rank"] for p in body["passages"]] == list(range(1, len(body["passages"]) + 1))


def test_ask_returns_what_the_library_answers(client, retriever):
    from kotae.answer import Answerer

    expected = Answerer(retriever).ask(EN, top_k=3).to_dict()
    assert client.post("/v1/ask", json={"question": EN, "top_k": 3}).json() == expected


def test_ask_with_history_searches_a_follow_up_together_with_the_previous_question(client):
    history = [{"question": "静岡茶まつりが初めて開催されたのはいつ?", "answer": "1998年5月 [1]"}]
    body = client.post("/v1/ask", json={"question": "それはどこで開かれましたか?", "history": history}).json()
    assert body["retrieval_query"].startswith(history[0]["question"])
    assert body["question"] == "それはどこで開かれましたか?"


def test_ask_top_k_and_mode_are_applied(client):
    body = client.post("/v1/ask", json={"question": JA, "top_k": 2, "mode": "lexical"}).json()
    assert len(body["passages"]) == 2 and body["mode"] == "lexical"


@pytest.mark.parametrize(("lang", "message"), [(None, "資料には該当する記述が見つかりませんでした。"),
                                               ("ja", "資料には該当する記述が見つかりませんでした。"),
                                               ("en", "The documents don't say.")])
def test_an_abstention_speaks_the_requested_language(client, lang, message):
    payload = {"question": UNANSWERABLE} | ({"lang": lang} if lang else {})
    body = client.post("/v1/ask", json=payload).json()
    assert body["abstained"] is True and body["answer"] is None
    assert body["message"] == message


def test_search_returns_the_search_result_shape(client):
    response = client.post("/v1/search", json={"question": "Who is the director of the library?", "top_k": 3,
                                                "id": "q7"})
    assert response.status_code == 200
    body = response.json()
    assert {"id", "question", "lang", "mode", "query_terms", "passages"} <= body.keys()
    assert body["id"] == "q7" and body["lang"] == "en" and len(body["passages"]) == 3
    assert any(isinstance(t, dict) and t["en"] == "director" and "館長" in t["ja"] for t in body["query_terms"])
    assert "館長は山田花子である。" in body["passages"][0]["text"]


# Documents.

def test_documents_lists_every_document_with_its_metadata(client, corpus_docs):
    listed = client.get("/v1/documents").json()["documents"]
    assert [d["id"] for d in listed] == [d.id for d in corpus_docs]
    for doc, row in zip(corpus_docs, listed):
        assert row == {"id": doc.id, "title": doc.title, "source": doc.meta.get("source"),
                       "published": str(doc.meta.get("published"))}


def test_a_document_comes_with_its_full_stored_text(client, corpus_dir):
    doc = next(d for d in load_corpus(corpus_dir) if d.id == "tea-festival")
    body = client.get("/v1/documents/tea-festival").json()
    assert body["text"] == doc.text and "\n" in body["text"]
    assert body["title"] == doc.title and body["meta"]["source"] == doc.meta["source"] and body["lang"] == "ja"


def test_an_unknown_document_is_a_404_problem(client):
    body = assert_problem(client.get("/v1/documents/no-such-doc"), 404)
    assert body["type"] == "urn:kotae:problem:unknown-document" and "no-such-doc" in body["detail"]


PATH_LIKE = [
    "/v1/documents/../../etc/passwd",
    "/v1/documents/..%2F..%2Fetc%2Fpasswd",
    "/v1/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/v1/documents/%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/v1/documents/%252e%252e%252fetc%252fpasswd",
    "/v1/documents/..",
    "/v1/documents/%2e%2e",
    "/v1/documents/..%5C..%5Cwindows%5Cwin.ini",
    "/v1/documents/%2Fetc%2Fpasswd",
    "/v1/documents/manifest.json",
    "/v1/documents/%00",
]


@pytest.mark.parametrize("path", PATH_LIKE)
def test_ids_shaped_like_paths_are_404_and_open_no_file(app, path, monkeypatch):
    opened: list[object] = []

    def spy(real):
        def wrapper(file, *args, **kwargs):
            opened.append(file)
            return real(file, *args, **kwargs)
        return wrapper

    monkeypatch.setattr(builtins, "open", spy(builtins.open))
    monkeypatch.setattr(io, "open", spy(io.open))
    monkeypatch.setattr(os, "open", spy(os.open))
    response = call_asgi(app, "GET", path)
    monkeypatch.undo()
    assert response.status == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "root:" not in response.body.decode()
    assert opened == []


# Health and information.

def test_livez_and_readyz_when_an_index_is_loaded(client):
    assert client.get("/livez").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_info_summarises_the_index_in_service(client, lexical_index):
    body = client.get("/v1/info").json()
    manifest = lexical_index.manifest
    assert body["kotae_version"] == version("kotae") and body["api_version"] == "v1"
    assert body["build_id"] == manifest.build_id and body["built_at"] == manifest.built_at
    assert body["documents"] == 4 and body["chunks"] == len(lexical_index.chunks) == manifest.chunker.chunks
    assert body["characters"] == manifest.corpus.characters
    assert body["model"] is None and body["modes"] == ["auto", "lexical"]


def test_without_an_index_the_service_lives_but_is_not_ready(tmp_path, lexical_settings):
    app = make_app(lexical_settings.replace(index_dir=tmp_path / "empty"))
    with TestClient(app) as client:
        assert client.get("/livez").status_code == 200
        body = assert_problem(client.get("/readyz"), 503)
        assert body["type"] == "urn:kotae:problem:index-unavailable" and "kotae index" in body["detail"]
        for response in (client.post("/v1/ask", json={"question": JA}), client.get("/v1/info"),
                         client.get("/v1/documents"), client.post("/v1/search", json={"question": JA})):
            assert_problem(response, 503)


# Bad input.

BAD_BODIES = [
    pytest.param({"question": ""}, "question", id="empty"),
    pytest.param({"question": " \u3000\n\t "}, "question", id="white-space"),
    pytest.param({"question": "あ" * 1001}, "question", id="over-1000-characters"),
    pytest.param({"question": "NATO\x00の本部"}, "question", id="nul"),
    pytest.param({"question": "NATO\x07"}, "question", id="bell"),
    pytest.param({"question": "\x1b[31mNATO"}, "question", id="escape"),
    pytest.param({"question": "NATO\x85"}, "question", id="c1-control"),
    pytest.param({}, "question", id="missing-question"),
    pytest.param({"question": 5}, "question", id="question-number"),
    pytest.param({"question": ["NATO"]}, "question", id="question-list"),
    pytest.param({"question": None}, "question", id="question-null"),
    pytest.param({"question": JA, "top_k": 0}, "top_k", id="top-k-0"),
    pytest.param({"question": JA, "top_k": 51}, "top_k", id="top-k-51"),
    pytest.param({"question": JA, "top_k": -3}, "top_k", id="top-k-negative"),
    pytest.param({"question": JA, "top_k": "5"}, "top_k", id="top-k-string"),
    pytest.param({"question": JA, "top_k": 2.5}, "top_k", id="top-k-float"),
    pytest.param({"question": JA, "top_k": True}, "top_k", id="top-k-bool"),
    pytest.param({"question": JA, "mode": "fuzzy"}, "mode", id="unknown-mode"),
    pytest.param({"question": JA, "mode": 1}, "mode", id="mode-number"),
    pytest.param({"question": JA, "topk": 3}, "topk", id="unknown-field"),
    pytest.param({"question": JA, "Question": JA}, "Question", id="unknown-field-case"),
]
ASK_ONLY = [
    pytest.param({"question": JA, "lang": "fr"}, "lang", id="unknown-lang"),
    pytest.param({"question": JA, "history": "earlier"}, "history", id="history-string"),
    pytest.param({"question": JA, "history": {"question": "x"}}, "history", id="history-object"),
    pytest.param({"question": JA, "history": [1, 2]}, "history.0", id="history-numbers"),
    pytest.param({"question": JA, "history": [{"answer": "x"}]}, "history.0.question", id="turn-no-question"),
    pytest.param({"question": JA, "history": [{"question": 3}]}, "history.0.question", id="turn-question-number"),
    pytest.param({"question": JA, "history": [{"question": "a", "answer": "b", "extra": 1}]}, "history.0.extra",
                 id="turn-unknown-field"),
    pytest.param({"question": JA, "history": [{"question": "a\x00"}]}, "history.0.question", id="turn-nul"),
    pytest.param({"question": JA, "history": [{"question": "a"}] * 21}, "history", id="history-too-long"),
]


@pytest.mark.parametrize("path", ["/v1/ask", "/v1/ask/stream", "/v1/search"])
@pytest.mark.parametrize(("payload", "field"), BAD_BODIES)
def test_invalid_fields_are_422_problems_naming_the_field(client, path, payload, field):
    body = assert_problem(client.post(path, json=payload), 422)
    assert body["type"] == "urn:kotae:problem:invalid-request"
    assert any(e["field"] == field or e["field"].startswith(field + ".") for e in body["errors"]), body["errors"]
    assert field.split(".")[0] in body["detail"]


@pytest.mark.parametrize("path", ["/v1/ask", "/v1/ask/stream"])
@pytest.mark.parametrize(("payload", "field"), ASK_ONLY)
def test_invalid_ask_options_are_422_problems(client, path, payload, field):
    body = assert_problem(client.post(path, json=payload), 422)
    assert any(e["field"].startswith(field) for e in body["errors"]), body["errors"]


def test_a_question_of_exactly_1000_characters_is_accepted(client):
    assert client.post("/v1/search", json={"question": "NATO本部" * 166 + "NATO"}).status_code == 200


@pytest.mark.parametrize("raw", [b"{", b"{'question': 'x'}", b'{"question": "x",}', b"question=x", b"\xff\xfe"])
@pytest.mark.parametrize("path", ["/v1/ask", "/v1/ask/stream", "/v1/search"])
def test_invalid_json_is_a_400_problem(client, path, raw):
    response = client.post(path, content=raw, headers={"content-type": "application/json"})
    body = assert_problem(response, 400)
    assert body["type"] == "urn:kotae:problem:invalid-json"


def test_a_lone_surrogate_escape_is_a_422_problem(client):
    # Valid JSON syntax, but not Unicode text: it cannot be analysed, logged or echoed as UTF-8.
    raw = b'{"question": "NATO\\ud800"}'
    assert_problem(client.post("/v1/ask", content=raw, headers={"content-type": "application/json"}), 422)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_not_sent_as_json_is_a_415_problem(client, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/v1/ask", content=json.dumps({"question": JA}).encode(), headers=headers)
    body = assert_problem(response, 415)
    assert "application/json" in body["detail"]


@pytest.mark.parametrize("raw", [b"[]", b'"NATO"', b"null", b"42", b""])
def test_a_body_that_is_not_an_object_is_a_422_problem(client, raw):
    assert_problem(client.post("/v1/ask", content=raw, headers={"content-type": "application/json"}), 422)


def test_a_mode_the_index_cannot_serve_is_a_422_problem(client):
    for path in ("/v1/ask", "/v1/ask/stream", "/v1/search"):
        body = assert_problem(client.post(path, json={"question": JA, "mode": "dense"}), 422)
        assert body["type"] == "urn:kotae:problem:option-unavailable" and "no vectors" in body["detail"]


def test_unknown_routes_and_methods_are_problems(client):
    assert_problem(client.get("/v2/ask"), 404)
    body = assert_problem(client.get("/v1/ask"), 405)
    assert client.get("/v1/ask").headers["allow"] == "POST" and "POST" in body["detail"]
    assert_problem(client.delete("/v1/documents/tea-festival"), 405)


def test_an_unexpected_failure_is_a_generic_500_problem(app, client, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail at /srv/internal/config.py")

    monkeypatch.setattr(app.state.holder.engine.kotae.answerer, "ask", broken)
    with caplog.at_level("ERROR", logger="kotae"):
        response = client.post("/v1/ask", json={"question": JA}, headers={"X-Request-ID": "trace-500"})
    body = assert_problem(response, 500)
    assert body["type"] == "about:blank" and body["request_id"] == "trace-500"
    assert "secret" not in response.text and "RuntimeError" not in response.text
    # The details go to the log, under the same request id.
    from kotae_api.logs import JsonFormatter

    lines = [JsonFormatter().format(r) for r in caplog.records if r.levelname == "ERROR"]
    assert any('"request_id": "trace-500"' in line and "secret detail" in line for line in lines)


@pytest.mark.parametrize(("error", "status", "kind"), [
    (errors.EmptyQuestionError, 422, "invalid-request"),
    (errors.ConfigError, 422, "option-unavailable"),
    (errors.UnknownDocumentError, 404, "unknown-document"),
    (errors.IndexMissingError, 503, "index-unavailable"),
    (errors.StaleIndexError, 503, "index-unavailable"),
    (errors.ModelUnavailableError, 503, "model-unavailable"),
    (errors.KotaeError, 400, "request-failed"),
])
def test_the_library_named_errors_become_problems_with_their_message(app, client, monkeypatch, error, status,
                                                                     kind):
    def failing(*args, **kwargs):
        raise error("One sentence a user can act on.")

    monkeypatch.setattr(app.state.holder.engine.kotae.answerer, "ask", failing)
    monkeypatch.setattr(app.state.holder.engine.kotae.answerer, "ask", failing)
    body = assert_problem(client.post("/v1/ask", json={"question": JA}), status)
    assert body["type"] == f"urn:kotae:problem:{kind}" and body["detail"] == "One sentence a user can act on."
    # In a stream the status line has gone out as 200, so the same problem comes as the last event.
    with client.stream("POST", "/v1/ask/stream", json={"question": JA}) as response:
        last = [line for line in response.iter_lines() if line.startswith("data: ")][-1]
    assert json.loads(last[len("data: "):]) == {"type": "error", "problem": {
        **{k: body[k] for k in ("type", "title", "status", "detail")}, "request_id": response.headers["x-request-id"]}}


# The schema.

def test_openapi_documents_every_endpoint_with_japanese_and_english_examples(client):
    schema = client.get("/openapi.json").json()
    assert {"/v1/ask", "/v1/ask/stream", "/v1/search", "/v1/documents", "/v1/documents/{doc_id}", "/v1/info",
            "/livez", "/readyz"} <= schema["paths"].keys()
    assert "/v1/admin/reload" not in schema["paths"]  # no admin token configured
    for path in ("/v1/ask", "/v1/search"):
        operation = schema["paths"][path]["post"]
        examples = operation["requestBody"]["content"]["application/json"]["examples"]
        questions = [e["value"]["question"] for e in examples.values()]
        assert any(q.isascii() for q in questions) and any(not q.isascii() for q in questions)
        assert list(operation["responses"]["422"]["content"]) == [PROBLEM]
    ask = schema["components"]["schemas"]["AskRequest"]
    assert ask["additionalProperties"] is False
    assert ask["properties"]["question"]["maxLength"] == 1000
