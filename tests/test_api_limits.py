"""The API's defences and plumbing: body size, rate limit, CORS, request ids and JSON access logs."""

from __future__ import annotations

import json
import re

import pytest
from fakes import PROBLEM, assert_problem, call_asgi, make_app
from fastapi.testclient import TestClient

from kotae_api.logs import JsonFormatter
from kotae_api.middleware import allowed_origins
from kotae_api.ratelimit import TokenBuckets
from kotae_api.settings import ServerSettings

QUESTION = "図書館の館長は誰ですか"


def _body(size: int) -> bytes:
    """A valid ask request padded with spaces to exactly `size` bytes."""
    raw = json.dumps({"question": QUESTION}).encode()
    return raw[:-1] + b" " * (size - len(raw)) + b"}"


# Body size.

def test_a_body_at_the_limit_is_served_and_one_byte_more_is_413(client):
    limit = ServerSettings().max_body
    assert client.post("/v1/ask", content=_body(limit), headers={"content-type": "application/json"}).status_code == 200
    response = client.post("/v1/ask", content=_body(limit + 1), headers={"content-type": "application/json"})
    body = assert_problem(response, 413)
    assert body["type"] == "urn:kotae:problem:body-too-large"


@pytest.fixture
def small_limit(lexical_settings, lexical_index):
    """An app with a 64 KB body limit, below what the default admits, so that bodies over it stay small."""
    return make_app(lexical_settings, lexical_index, max_body=65536)


def test_an_oversized_chunked_body_without_content_length_is_413(small_limit):
    def chunks():
        for _ in range(20):
            yield b" " * 4096

    with TestClient(small_limit) as client:
        response = client.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


def test_a_content_length_that_lies_does_not_get_a_large_body_through(small_limit):
    app = small_limit
    chunks = [b'{"question": "NATO"' + b" " * 30000, b" " * 30000, b" " * 30000 + b"}"]
    response = call_asgi(app, "POST", "/v1/ask", headers=[("content-type", "application/json"),
                                                          ("content-length", "20")], chunks=chunks)
    assert response.status == 413 and response.headers["content-type"].startswith(PROBLEM)
    # Within the limit, the body still arrives whole when it comes in pieces.
    pieces = [b'{"question": ', json.dumps(QUESTION).encode(), b"}"]
    response = call_asgi(app, "POST", "/v1/ask", headers=[("content-type", "application/json")], chunks=pieces)
    assert response.status == 200 and response.json()["passages"]


def test_the_body_limit_is_configurable(lexical_settings, lexical_index):
    with TestClient(make_app(lexical_settings, lexical_index, max_body=2048)) as client:
        assert_problem(client.post("/v1/ask", content=_body(2049), headers={"content-type": "application/json"}), 413)
        assert client.post("/v1/ask", content=_body(2048), headers={"content-type": "application/json"}).is_success


# Rate limit.

def test_a_client_over_its_rate_gets_429_with_retry_after(lexical_settings, lexical_index):
    app = make_app(lexical_settings, lexical_index, rate_limit=6.0, rate_burst=3)
    with TestClient(app, client=("203.0.113.7", 5000)) as client:
        statuses = [client.get("/v1/documents").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        response = client.post("/v1/ask", json={"question": QUESTION})
        body = assert_problem(response, 429)
        assert body["type"] == "urn:kotae:problem:rate-limited"
        assert 1 <= int(response.headers["retry-after"]) <= 10  # one request per 10 s at 6 a minute
        # Health checks and the widget's files are never limited.
        for path in ("/livez", "/readyz", "/", "/widget.js", "/examples.json"):
            assert client.get(path).status_code == 200, path
    # Another address has its own bucket.
    with TestClient(app, client=("203.0.113.8", 5000)) as other:
        assert other.get("/v1/documents").status_code == 200


def test_rate_limiting_can_be_turned_off(lexical_settings, lexical_index):
    with TestClient(make_app(lexical_settings, lexical_index, rate_limit=0.0, rate_burst=1)) as client:
        assert all(client.get("/v1/info").status_code == 200 for _ in range(30))


def test_token_buckets_allow_a_burst_then_refill_at_the_rate():
    now = [100.0]
    buckets = TokenBuckets(per_second=0.5, burst=2, clock=lambda: now[0])
    assert buckets.take("a") == 0 and buckets.take("a") == 0
    assert buckets.take("a") == pytest.approx(2.0)  # a token every 2 s
    assert buckets.take("b") == 0  # per client
    now[0] += 1.0
    assert buckets.take("a") == pytest.approx(1.0)  # half a token back; a refused request costs nothing
    now[0] += 1.0
    assert buckets.take("a") == 0
    now[0] += 60
    assert [buckets.take("a") for _ in range(3)][:2] == [0, 0]  # refilled, but never above the burst


def test_token_buckets_forget_the_least_recently_seen_clients():
    buckets = TokenBuckets(per_second=1, burst=1, max_clients=2, clock=lambda: 0.0)
    for client in ("a", "b", "c"):
        assert buckets.take(client) == 0
    assert buckets.take("c") > 0  # still tracked
    assert buckets.take("a") == 0  # forgotten, so it starts afresh


# CORS.

ORIGIN_HEADERS = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}


@pytest.mark.parametrize("origin", ["http://127.0.0.1:8000", "http://localhost:8000"])
def test_the_service_own_origins_are_allowed_by_default(client, origin):
    response = client.post("/v1/ask", json={"question": QUESTION}, headers={"Origin": origin})
    assert response.headers["access-control-allow-origin"] == origin
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"x-request-id", "retry-after"} <= exposed
    preflight = client.options("/v1/ask", headers={"Origin": origin, **ORIGIN_HEADERS})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == origin
    assert "POST" in preflight.headers["access-control-allow-methods"]


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost:9999", "null", "http://127.0.0.1"])
def test_other_origins_are_refused(client, origin):
    response = client.post("/v1/ask", json={"question": QUESTION}, headers={"Origin": origin})
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options("/v1/ask", headers={"Origin": origin, **ORIGIN_HEADERS})
    body = assert_problem(preflight, 403)
    assert body["type"] == "urn:kotae:problem:cors-refused" and "origin" in body["detail"]
    assert "access-control-allow-origin" not in preflight.headers


def test_the_allowed_origins_are_configurable(lexical_settings, lexical_index):
    app = make_app(lexical_settings, lexical_index, cors_origins=("https://kotae.example",))
    with TestClient(app) as client:
        allowed = client.get("/v1/documents", headers={"Origin": "https://kotae.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://kotae.example"
        refused = client.get("/v1/documents", headers={"Origin": "http://127.0.0.1:8000"})
        assert "access-control-allow-origin" not in refused.headers


def test_default_origins_follow_the_serving_address():
    assert allowed_origins("127.0.0.1", 8080, None) == ["http://127.0.0.1:8080", "http://localhost:8080"]
    assert allowed_origins("192.0.2.5", 80, None)[-1] == "http://192.0.2.5:80"
    assert allowed_origins("0.0.0.0", 8000, None) == ["http://127.0.0.1:8000", "http://localhost:8000"]
    assert allowed_origins("127.0.0.1", 8000, ("*",)) == ["*"]


def test_origins_from_the_environment_are_comma_separated(monkeypatch):

    monkeypatch.setenv("KOTAE_CORS_ORIGINS", "https://a.example, https://b.example/")
    assert ServerSettings().cors_origins == ("https://a.example", "https://b.example")


# Request ids and logs.

HEX_ID = re.compile(r"[0-9a-f]{32}")


def test_a_well_formed_request_id_is_echoed(client):
    response = client.get("/v1/documents", headers={"X-Request-ID": "client-42.retry_1"})
    assert response.headers["x-request-id"] == "client-42.retry_1"


@pytest.mark.parametrize("given", ["", "a" * 65, "has space", "日本語", "semi;colon", "<script>", "a/b"])
def test_a_malformed_request_id_is_replaced(client, given):
    response = client.get("/v1/documents", headers={"X-Request-ID": given.encode("utf-8")})
    assert HEX_ID.fullmatch(response.headers["x-request-id"])


def test_every_response_carries_a_request_id(lexical_settings, lexical_index):
    # One request, then one more every 100 minutes: the later ones are refused however slow the machine.
    app = make_app(lexical_settings, lexical_index, rate_limit=0.01, rate_burst=1)
    with TestClient(app) as client:
        responses = [client.get("/v1/info"), client.get("/v1/info"), client.get("/livez"),
                     client.get("/openapi.json"), client.get("/nowhere"),
                     client.options("/v1/ask", headers={"Origin": "https://evil.example", **ORIGIN_HEADERS})]
    assert [r.status_code for r in responses] == [200, 429, 200, 429, 429, 403]
    ids = [r.headers["x-request-id"] for r in responses]
    assert all(HEX_ID.fullmatch(i) for i in ids) and len(set(ids)) == len(ids)


def test_access_logs_are_json_lines_with_the_request_id(client, caplog):
    with caplog.at_level("INFO", logger="kotae.access"):
        client.post("/v1/ask", json={"question": QUESTION}, headers={"X-Request-ID": "log-me"})
        client.get("/v1/documents/nope", headers={"X-Request-ID": "log-me-too"})
    lines = [JsonFormatter().format(r) for r in caplog.records if r.name == "kotae.access"]
    entries = [json.loads(line) for line in lines]
    assert all("\n" not in line for line in lines)
    first, second = entries
    assert first["request_id"] == "log-me" and first["method"] == "POST" and first["path"] == "/v1/ask"
    assert first["status"] == 200 and first["duration_ms"] > 0 and first["level"] == "info"
    assert second["request_id"] == "log-me-too" and second["status"] == 404
    assert QUESTION not in "".join(lines)  # questions are not logged


def test_the_serving_log_configuration_writes_json(capsys):
    import logging.config

    from kotae_api.logs import log_config

    logging.config.dictConfig(log_config())
    try:
        logging.getLogger("uvicorn.error").info("Started server process [%d]", 1234)
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False,
                                   "loggers": {"uvicorn": {"handlers": [], "propagate": True},
                                               "kotae": {"handlers": [], "propagate": True}}})
    entry = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert entry["message"] == "Started server process [1234]" and entry["logger"] == "uvicorn.error"
    assert "request_id" in entry
