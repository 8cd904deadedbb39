"""The HTTP edge: bodies that stall, JSON the parser refuses, the modes the OpenAPI document offers, the body limit
against the schemas, and whose X-Forwarded-For is believed."""

from __future__ import annotations

import json
import shutil
import threading

import pytest
from fakes import PROBLEM, assert_problem, call_asgi, make_app
from fastapi.testclient import TestClient
from pydantic import SecretStr
from support import TINY_CHUNKING, build, make_settings, write_tiny_corpus

from kotae.config import Settings
from kotae_api.schemas import AskRequest, SearchRequest
from kotae_api.serve import proxy_options
from kotae_api.settings import ServerSettings

QUESTION = "図書館の館長は誰ですか"
JSON = {"content-type": "application/json"}
TOKEN = "edge-token"


# A body that stalls.

def test_a_body_that_stalls_is_answered_408_and_the_connection_closed(lexical_settings, lexical_index):
    app = make_app(lexical_settings, lexical_index, body_timeout=0.2)
    result: dict = {}
    headers = [("content-type", "application/json"), ("content-length", "60000")]
    caller = threading.Thread(target=lambda: result.update(
        r=call_asgi(app, "POST", "/v1/ask", headers=headers, chunks=[b'{"question": "'], stall=True)))
    caller.start()
    caller.join(30)
    assert not caller.is_alive(), "the stalled body was waited for without end"
    response = result["r"]
    assert response.status == 408 and response.headers["content-type"].startswith(PROBLEM)
    assert response.headers["connection"] == "close"
    assert response.json()["type"] == "urn:kotae:problem:body-timeout"


def test_a_body_that_arrives_in_time_is_served(lexical_settings, lexical_index):
    app = make_app(lexical_settings, lexical_index, body_timeout=5)
    pieces = [b'{"question": ', json.dumps(QUESTION).encode(), b"}"]
    response = call_asgi(app, "POST", "/v1/ask", headers=[("content-type", "application/json")], chunks=pieces)
    assert response.status == 200


# JSON the parser refuses: each is invalid-json, as the README promises.

@pytest.mark.parametrize(("body", "says"), [
    (b'{"question": "\xff\xfe\x80"}', "not UTF-8"),
    (b"[" * 30000 + b"]" * 30000, "nested too deeply"),
    (b'{"question": "' + "館長".encode() + b'", "top_k": ' + b"9" * 5000 + b"}", "too many digits"),
    (b'{"question": "x", "top_k": -' + b"1" * 5000 + b"}", "too many digits"),
    (b'{"question": ', "not valid JSON"),
])
def test_bodies_the_json_parser_refuses_are_invalid_json(client, body, says):
    for path in ("/v1/ask", "/v1/search", "/v1/ask/stream"):
        problem = assert_problem(client.post(path, content=body, headers=JSON), 400)
        assert problem["type"] == "urn:kotae:problem:invalid-json" and says in problem["detail"], problem


# The modes the OpenAPI document offers are the ones the index in service can serve.

def _modes(client: TestClient) -> dict[str, list[str]]:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    return {name: next(o["enum"] for o in schemas[name]["properties"]["mode"]["anyOf"] if "enum" in o)
            for name in ("AskRequest", "SearchRequest")}


def test_a_lexical_index_offers_only_lexical_modes(client):
    assert _modes(client) == {"AskRequest": ["auto", "lexical"], "SearchRequest": ["auto", "lexical"]}
    assert client.get("/v1/info").json()["modes"] == ["auto", "lexical"]


def test_an_index_with_vectors_offers_every_mode(bundled_settings, bundled_index):
    with TestClient(make_app(bundled_settings, bundled_index)) as client:
        every = ["auto", "lexical", "dense", "hybrid"]
        assert _modes(client) == {"AskRequest": every, "SearchRequest": every}


def test_the_offered_modes_follow_a_reload(bundled_settings, tmp_path):
    shutil.copytree(bundled_settings.index.index_dir, tmp_path / "index")
    # The server's settings leave the model unset, so that a build with or without vectors may be served.
    served = Settings.of(corpus_dir=bundled_settings.index.corpus_dir, index_dir=tmp_path / "index", **TINY_CHUNKING)
    with TestClient(make_app(served, admin_token=SecretStr(TOKEN))) as client:
        assert _modes(client)["AskRequest"] == ["auto", "lexical", "dense", "hybrid"]
        build(served.index.corpus_dir, served.index.index_dir, lexicon=False, **TINY_CHUNKING)  # no vectors
        assert client.post("/v1/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert _modes(client)["AskRequest"] == ["auto", "lexical"]
        refused = client.post("/v1/search", json={"question": QUESTION, "mode": "dense"})
        assert_problem(refused, 422)


# The body limit admits every request the schemas admit.

def _limits(document: dict) -> dict[str, int]:
    schemas = document["components"]["schemas"]
    history = next(o for o in schemas["AskRequest"]["properties"]["history"]["anyOf"] if o.get("type") == "array")
    turn = schemas["Turn"]["properties"]
    answer = next(o for o in turn["answer"]["anyOf"] if o.get("type") == "string")
    search_id = next(o for o in schemas["SearchRequest"]["properties"]["id"]["anyOf"] if o.get("type") == "string")
    top_k = next(o for o in schemas["AskRequest"]["properties"]["top_k"]["anyOf"] if o.get("type") == "integer")
    return {"question": schemas["AskRequest"]["properties"]["question"]["maxLength"], "turns": history["maxItems"],
            "turn_question": turn["question"]["maxLength"], "answer": answer["maxLength"],
            "id": search_id["maxLength"], "top_k": int(top_k["maximum"])}


def test_the_largest_requests_the_schemas_admit_fit_the_default_body_limit(client):
    limits = _limits(client.get("/openapi.json").json())
    wide = "\U0001f600"  # outside the Basic Multilingual Plane: 12 bytes as JSON escapes it by default
    turn = {"question": wide * limits["turn_question"], "answer": wide * limits["answer"]}
    ask = {"question": wide * limits["question"], "history": [turn] * limits["turns"], "top_k": limits["top_k"],
           "mode": "lexical", "lang": "ja"}
    search = {"question": wide * limits["question"], "top_k": limits["top_k"], "mode": "lexical",
              "id": wide * limits["id"]}
    for path, body, model in (("/v1/ask", ask, AskRequest), ("/v1/search", search, SearchRequest)):
        model.model_validate(body)  # valid by the schemas
        raw = json.dumps(body, separators=(",", ":")).encode()
        assert len(raw) <= ServerSettings().max_body, path
        assert client.post(path, content=raw, headers=JSON).status_code == 200, path


# X-Forwarded-For.

def test_forwarded_addresses_are_believed_only_from_trusted_proxies(monkeypatch):
    assert proxy_options(ServerSettings()) == {"proxy_headers": False, "forwarded_allow_ips": ""}
    monkeypatch.setenv("KOTAE_TRUSTED_PROXIES", "10.0.0.7, 192.0.2.0/24")
    trusted = ServerSettings()
    assert trusted.trusted_proxies == ("10.0.0.7", "192.0.2.0/24")
    assert proxy_options(trusted) == {"proxy_headers": True, "forwarded_allow_ips": ["10.0.0.7", "192.0.2.0/24"]}


def test_a_server_without_an_index_still_documents_every_mode(tmp_path):
    settings = make_settings(write_tiny_corpus(tmp_path / "corpus"), tmp_path / "never-built")
    with TestClient(make_app(settings)) as client:
        assert client.get("/readyz").status_code == 503
        assert _modes(client)["SearchRequest"] == ["auto", "lexical", "dense", "hybrid"]
