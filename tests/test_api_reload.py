"""Serving while the index changes: the reload endpoint, SIGHUP, concurrency, and `kotae serve` itself."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

import httpx
import pytest
from api_client import assert_problem, make_app
from conftest import REPO, built
from fastapi.testclient import TestClient
from pydantic import SecretStr

from kotae.build import build_index
from kotae.cli import main

TOKEN = "s3cret-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTIONS = ("NATOの軍事委員会は何をする機関ですか?", "When did Japan and NATO sign their joint political declaration?")


@pytest.fixture
def own_index(tmp_path):
    """Settings of an index this test may rebuild while it is being served."""
    return built(tmp_path)


def _admin_app(settings):
    return make_app(settings, admin_token=SecretStr(TOKEN))


def test_without_a_token_there_is_no_reload_endpoint(lexical_settings, lexical_index):
    with TestClient(make_app(lexical_settings, lexical_index)) as client:
        assert_problem(client.post("/v1/admin/reload", headers=AUTH), 404)


@pytest.mark.parametrize(("headers", "status"), [({}, 401), ({"Authorization": "Bearer wrong"}, 403),
                                                 ({"Authorization": f"Basic {TOKEN}"}, 401),
                                                 ({"Authorization": f"Bearer {TOKEN}x"}, 403)])
def test_reload_needs_the_admin_token(own_index, headers, status):
    with TestClient(_admin_app(own_index)) as client:
        before = client.get("/v1/info").json()["build_id"]
        build_index(own_index)
        response = client.post("/v1/admin/reload", headers=headers)
        assert_problem(response, status)
        if status == 401:
            assert response.headers["www-authenticate"] == "Bearer"
        assert client.get("/v1/info").json()["build_id"] == before


def test_reload_swaps_in_the_new_build(own_index):
    with TestClient(_admin_app(own_index)) as client:
        before = client.get("/v1/info").json()["build_id"]
        assert "/v1/admin/reload" in client.get("/openapi.json").json()["paths"]
        build_index(own_index)
        response = client.post("/v1/admin/reload", headers=AUTH)
        assert response.status_code == 200
        body = response.json()
        assert body["previous_build_id"] == before and body["build_id"] != before and body["documents"] == 5
        assert client.get("/v1/info").json()["build_id"] == body["build_id"]


@pytest.mark.parametrize("failure", ["missing build", "damaged build"])
def test_a_failed_reload_keeps_the_index_in_service(own_index, failure):
    with TestClient(_admin_app(own_index)) as client:
        before = client.get("/v1/info").json()["build_id"]
        if failure == "missing build":
            (own_index.index_dir / "CURRENT").write_text("build-missing\n", encoding="utf-8")
        else:
            build_index(own_index)
            current = own_index.index_dir / (own_index.index_dir / "CURRENT").read_text(encoding="utf-8").strip()
            (current / "chunks.jsonl").write_text('{"id": "cut', encoding="utf-8")
        body = assert_problem(client.post("/v1/admin/reload", headers=AUTH), 409)
        assert body["type"] == "urn:kotae:problem:reload-failed" and "unchanged" in body["detail"]
        assert client.get("/v1/info").json()["build_id"] == before
        assert client.post("/v1/ask", json={"question": QUESTIONS[0]}).status_code == 200


def test_reloads_under_concurrent_requests_fail_none(own_index):
    statuses: Counter[int] = Counter()
    problems: list[str] = []
    stop = threading.Event()
    with TestClient(_admin_app(own_index)) as client:
        def hammer(n: int) -> None:
            while not stop.is_set():
                path = ("/v1/ask", "/v1/search", "/v1/ask/stream")[n % 3]
                response = client.post(path, json={"question": QUESTIONS[n % 2]})
                statuses[response.status_code] += 1
                if response.status_code != 200:
                    problems.append(response.text)
                elif path == "/v1/ask/stream":
                    if not response.text.rstrip().endswith('{"type":"done"}'):
                        problems.append(response.text[-200:])
                elif not response.json()["passages"]:
                    problems.append(response.text)

        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        builds = {client.get("/v1/info").json()["build_id"]}
        try:
            for _ in range(3):
                build_index(own_index)  # a new build published into the folder being served
                response = client.post("/v1/admin/reload", headers=AUTH)
                assert response.status_code == 200
                builds.add(response.json()["build_id"])
        finally:
            stop.set()
            for t in threads:
                t.join(30)
    assert len(builds) == 4
    assert problems == [] and set(statuses) == {200} and sum(statuses.values()) >= 12


def test_a_request_in_flight_finishes_on_the_index_it_started_with(own_index, monkeypatch):
    app = _admin_app(own_index)
    with TestClient(app) as client:
        old = app.state.holder.engine
        entered, release = threading.Event(), threading.Event()
        ask = old.answerer.ask

        def paused(*args, **kwargs):
            entered.set()
            release.wait(10)
            return ask(*args, **kwargs)

        monkeypatch.setattr(old.answerer, "ask", paused)
        result: dict[str, httpx.Response] = {}
        thread = threading.Thread(
            target=lambda: result.update(r=client.post("/v1/ask", json={"question": QUESTIONS[0]})))
        thread.start()
        assert entered.wait(10)
        build_index(own_index)
        assert client.post("/v1/admin/reload", headers=AUTH).status_code == 200
        assert app.state.holder.engine is not old
        release.set()
        thread.join(10)
    assert result["r"].status_code == 200 and result["r"].json()["answer"]["sentences"]


def test_retrieval_runs_off_the_event_loop(lexical_settings, lexical_index, monkeypatch):
    app = make_app(lexical_settings, lexical_index)
    engine = app.state.holder.engine
    ask = engine.answerer.ask

    def slow(*args, **kwargs):
        time.sleep(1.0)  # stands in for heavy CPU-bound retrieval
        return ask(*args, **kwargs)

    monkeypatch.setattr(engine.answerer, "ask", slow)
    with TestClient(app) as client:
        thread = threading.Thread(target=client.post, args=("/v1/ask",), kwargs={"json": {"question": QUESTIONS[0]}})
        thread.start()
        time.sleep(0.2)
        started = time.perf_counter()
        assert client.get("/livez").status_code == 200
        waited = time.perf_counter() - started
        thread.join()
    assert waited < 0.5


def test_no_more_retrievals_run_at_once_than_configured(lexical_settings, lexical_index, monkeypatch):
    app = make_app(lexical_settings, lexical_index, retrieval_threads=2)
    engine = app.state.holder.engine
    ask = engine.answerer.ask
    running, most = [0], [0]
    lock = threading.Lock()

    def counted(*args, **kwargs):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        return ask(*args, **kwargs)

    monkeypatch.setattr(engine.answerer, "ask", counted)
    responses: list[httpx.Response] = []
    with TestClient(app) as client:
        threads = [threading.Thread(target=lambda: responses.append(
            client.post("/v1/ask", json={"question": QUESTIONS[0]}))) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert [r.status_code for r in responses] == [200] * 6
    assert most[0] == 2


# `kotae serve`.

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=2)
            if check(response):
                return response
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not become ready")


def test_kotae_serve_answers_over_http_and_reloads_on_sighup(own_index):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    server = subprocess.Popen([sys.executable, "-m", "kotae.cli", "serve", "--index", str(own_index.index_dir),
                               "--corpus", str(own_index.corpus_dir), "--port", str(port)],
                              cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(f"{base}/readyz", lambda r: r.status_code == 200)
        response = httpx.post(f"{base}/v1/ask", json={"question": QUESTIONS[0]}, headers={"X-Request-ID": "e2e-1"},
                              timeout=30)
        assert response.status_code == 200 and "[1]" in response.json()["answer"]["text"]
        before = httpx.get(f"{base}/v1/info").json()["build_id"]
        build_index(own_index)
        server.send_signal(signal.SIGHUP)
        _wait_for(f"{base}/v1/info", lambda r: r.json()["build_id"] != before, timeout=30)
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0
    entries = [json.loads(line) for line in stderr.splitlines() if line.strip()]  # every line is JSON
    assert all("request_id" in e for e in entries)
    assert any(e.get("request_id") == "e2e-1" and e.get("path") == "/v1/ask" and e.get("status") == 200
               for e in entries)
    assert any(e["message"] == "index loaded" and e.get("previous_build_id") == before for e in entries)


def test_kotae_serve_without_an_index_says_so_in_one_line(tmp_path, capsys):
    assert main(["serve", "--index", str(tmp_path / "none"), "--port", str(_free_port())]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kotae: There is no index") and err.count("\n") == 1


def test_kotae_serve_refuses_an_invalid_port(capsys):
    assert main(["serve", "--port", "70000"]) == 1
    assert "port" in capsys.readouterr().err
