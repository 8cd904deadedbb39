"""Serving while the index changes: the reload endpoint, SIGHUP, concurrency, and `kotae serve` itself."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter

import anyio
import httpx
import pytest
from fakes import ServerLog, assert_problem, make_app
from fastapi.testclient import TestClient
from pydantic import SecretStr
from support import REPO, build_tiny, damage, overwrite_in_place, writable

from kotae.build import build_index
from kotae.cli import main
from kotae.store import current_build

TOKEN = "s3cret-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTIONS = ("静岡茶まつりの来場者は何人でしたか?", "How many volunteers help the library?")


@pytest.fixture
def own_index(tmp_path):
    """Settings of an index of the tiny corpus that this test may rebuild while it is being served."""
    return build_tiny(tmp_path)


@pytest.fixture(scope="module")
def rebuilt_index(tmp_path_factory):
    """Settings of an index of the tiny corpus that the tests of this module may rebuild (but not damage)."""
    return build_tiny(tmp_path_factory.mktemp("rebuilt"))


def _admin_app(settings):
    return make_app(settings, admin_token=SecretStr(TOKEN))


def test_without_a_token_there_is_no_reload_endpoint(lexical_settings, lexical_index):
    with TestClient(make_app(lexical_settings, lexical_index)) as client:
        assert_problem(client.post("/v1/admin/reload", headers=AUTH), 404)


@pytest.mark.parametrize(("headers", "status"), [({}, 401), ({"Authorization": "Bearer wrong"}, 403),
                                                 ({"Authorization": f"Basic {TOKEN}"}, 401),
                                                 ({"Authorization": f"Bearer {TOKEN}x"}, 403)])
def test_reload_needs_the_admin_token(rebuilt_index, headers, status):
    with TestClient(_admin_app(rebuilt_index)) as client:
        before = client.get("/v1/info").json()["build_id"]
        build_index(rebuilt_index)
        response = client.post("/v1/admin/reload", headers=headers)
        assert_problem(response, status)
        if status == 401:
            assert response.headers["www-authenticate"] == "Bearer"
        assert client.get("/v1/info").json()["build_id"] == before


def test_reload_swaps_in_the_new_build(rebuilt_index):
    with TestClient(_admin_app(rebuilt_index)) as client:
        before = client.get("/v1/info").json()["build_id"]
        assert "/v1/admin/reload" in client.get("/openapi.json").json()["paths"]
        build_index(rebuilt_index)
        response = client.post("/v1/admin/reload", headers=AUTH)
        assert response.status_code == 200
        body = response.json()
        assert body["previous_build_id"] == before and body["build_id"] != before and body["documents"] == 4
        assert client.get("/v1/info").json()["build_id"] == body["build_id"]


@pytest.mark.parametrize("failure", ["missing build", "damaged build"])
def test_a_failed_reload_keeps_the_index_in_service(own_index, failure):
    with TestClient(_admin_app(own_index)) as client:
        before = client.get("/v1/info").json()["build_id"]
        if failure == "missing build":
            (own_index.index.index_dir / "CURRENT").write_text("build-missing\n", encoding="utf-8")
        else:
            build_index(own_index)
            folder = own_index.index.index_dir
            current = folder / (folder / "CURRENT").read_text(encoding="utf-8").strip()
            writable(current / "chunks.jsonl").write_text('{"id": "cut', encoding="utf-8")
        body = assert_problem(client.post("/v1/admin/reload", headers=AUTH), 409)
        assert body["type"] == "urn:kotae:problem:reload-failed" and "unchanged" in body["detail"]
        assert client.get("/v1/info").json()["build_id"] == before
        assert client.post("/v1/ask", json={"question": QUESTIONS[0]}).status_code == 200


def _manifest_edit(build, edit) -> None:
    path = writable(build / "manifest.json")
    path.write_text(json.dumps(edit(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")


def _without_fingerprint(manifest):
    del manifest["corpus"]["fingerprint"]
    return manifest


# The cases a probe left, each in the new build a reload is asked to load: (how, the file the problem names).
DAMAGED_BUILDS = {
    "manifest is []": (lambda build: _manifest_edit(build, lambda m: []), "manifest.json"),
    "manifest without the corpus fingerprint": (lambda build: _manifest_edit(build, _without_fingerprint),
                                                "manifest.json"),
    "CURRENT not UTF-8": (lambda build: (build.parent / "CURRENT").write_bytes(b"\xff\xfe"), "CURRENT"),
    "doclen.npy emptied": (lambda build: damage(build / "lexical" / "doclen.npy", "emptied"), "doclen.npy"),
    "a line of chunks.jsonl removed": (lambda build: damage(build / "chunks.jsonl", "line removed"),
                                       "chunks.jsonl"),
    "bytes changed in place": (lambda build: overwrite_in_place(build / "lexical" / "tf.data.npy"), "tf.data.npy"),
}


@pytest.mark.parametrize("case", list(DAMAGED_BUILDS))
def test_reloading_a_damaged_build_is_409_naming_the_file_and_keeps_the_index(own_index, case):
    spoil, name = DAMAGED_BUILDS[case]
    with TestClient(_admin_app(own_index)) as client:
        before = client.get("/v1/info").json()["build_id"]
        build_index(own_index)
        spoil(current_build(own_index.index.index_dir) or own_index.index.index_dir / "missing")
        body = assert_problem(client.post("/v1/admin/reload", headers=AUTH), 409)
        assert body["type"] == "urn:kotae:problem:reload-failed" and name in body["detail"], body
        assert "\n" not in body["detail"] and "kotae index" in body["detail"]
        assert client.get("/v1/info").json()["build_id"] == before
        assert client.post("/v1/ask", json={"question": QUESTIONS[0]}).status_code == 200
        build_index(own_index)  # the repair: a new build
        assert client.post("/v1/admin/reload", headers=AUTH).status_code == 200


@pytest.mark.slow  # three rebuilds while six clients keep asking
def test_reloads_under_concurrent_requests_fail_none(own_index):
    statuses: Counter[int] = Counter()
    problems: list[str] = []
    answered: Counter[int] = Counter()  # requests finished, by thread
    progress = threading.Condition()
    stop = threading.Event()
    with TestClient(_admin_app(own_index)) as client:
        def hammer(n: int) -> None:
            while not stop.is_set():
                path = ("/v1/ask", "/v1/search", "/v1/ask/stream")[n % 3]
                response = client.post(path, json={"question": QUESTIONS[n % 2]})
                problem = None
                if response.status_code != 200:
                    problem = response.text
                elif path == "/v1/ask/stream":
                    if not response.text.rstrip().endswith('{"type":"done"}'):
                        problem = response.text[-200:]
                elif not response.json()["passages"]:
                    problem = response.text
                with progress:
                    statuses[response.status_code] += 1
                    problems.extend([problem] if problem else [])
                    answered[n] += 1
                    progress.notify_all()

        def every_thread_answers_once_more() -> None:
            with progress:
                seen = dict(answered)
                assert progress.wait_for(lambda: all(answered[n] > seen.get(n, 0) for n in range(6)), timeout=60)

        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        builds = {client.get("/v1/info").json()["build_id"]}
        try:
            for _ in range(3):
                every_thread_answers_once_more()  # requests come before, during and after every reload
                build_index(own_index)  # a new build published into the folder being served
                response = client.post("/v1/admin/reload", headers=AUTH)
                assert response.status_code == 200
                builds.add(response.json()["build_id"])
            every_thread_answers_once_more()
        finally:
            stop.set()
            for t in threads:
                t.join(30)
    assert len(builds) == 4
    assert problems == [] and set(statuses) == {200} and sum(statuses.values()) >= 24


def test_a_request_in_flight_finishes_on_the_index_it_started_with(own_index, monkeypatch):
    app = _admin_app(own_index)
    with TestClient(app) as client:
        old = app.state.holder.engine
        entered, release = threading.Event(), threading.Event()
        ask = old.kotae.answerer.ask

        def paused(*args, **kwargs):
            entered.set()
            release.wait(10)
            return ask(*args, **kwargs)

        monkeypatch.setattr(old.kotae.answerer, "ask", paused)
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
    ask = engine.kotae.answerer.ask
    entered, release = threading.Event(), threading.Event()
    released: list[bool] = []

    def held(*args, **kwargs):
        entered.set()
        released.append(release.wait(30))  # stands in for heavy CPU-bound retrieval, until the test lets go
        return ask(*args, **kwargs)

    monkeypatch.setattr(engine.kotae.answerer, "ask", held)
    with TestClient(app) as client:
        thread = threading.Thread(target=client.post, args=("/v1/ask",), kwargs={"json": {"question": QUESTIONS[0]}})
        thread.start()
        assert entered.wait(30)
        # Were retrieval on the event loop, this would wait until the held retrieval gave up.
        assert client.get("/livez").status_code == 200
        release.set()
        thread.join(30)
    assert released == [True], "/livez was answered while the retrieval was still running"


class _WatchedLimiter:
    """The app's retrieval limiter, counting the requests it makes wait (routes use it as `async with`)."""

    def __init__(self, limiter, progress: threading.Condition, counts: Counter[str]) -> None:
        self.limiter, self.progress, self.counts = limiter, progress, counts

    async def __aenter__(self) -> None:
        try:
            self.limiter.acquire_nowait()
        except anyio.WouldBlock:
            with self.progress:
                self.counts["waiting"] += 1
                self.progress.notify_all()
            await self.limiter.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self.limiter.release()


@pytest.mark.parametrize(("mode", "limiter", "most"), [("lexical", "retrieval", 2), ("hybrid", "model_retrieval", 3)])
def test_no_more_retrievals_run_at_once_than_configured_for_their_mode(bundled_settings, bundled_index, monkeypatch,
                                                                       mode, limiter, most):
    # Lexical retrievals hold Python's lock and get few threads; those that run the model get threads of their own.
    app = make_app(bundled_settings, bundled_index, retrieval_threads=2, model_threads=3)
    engine = app.state.holder.engine
    ask = engine.kotae.answerer.ask
    counts: Counter[str] = Counter()
    progress = threading.Condition()
    release = threading.Event()
    setattr(app.state, limiter, _WatchedLimiter(getattr(app.state, limiter), progress, counts))

    def counted(*args, **kwargs):
        with progress:
            counts["running"] += 1
            counts["most"] = max(counts["most"], counts["running"])
            progress.notify_all()
        release.wait(30)
        with progress:
            counts["running"] -= 1
        return ask(*args, **kwargs)

    monkeypatch.setattr(engine.kotae.answerer, "ask", counted)
    responses: list[httpx.Response] = []
    with TestClient(app) as client:
        threads = [threading.Thread(target=lambda: responses.append(
            client.post("/v1/ask", json={"question": QUESTIONS[0], "mode": mode}))) for _ in range(6)]
        for t in threads:
            t.start()
        with progress:  # `most` retrievals hold their places and the other requests wait for one
            held = progress.wait_for(lambda: counts["running"] == most and counts["waiting"] == 6 - most, timeout=30)
        release.set()
        for t in threads:
            t.join(30)
    assert held, dict(counts)
    assert [r.status_code for r in responses] == [200] * 6
    assert counts["most"] == most


# `kotae serve`.

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # starts `kotae serve` in a process of its own
def test_kotae_serve_answers_over_http_and_reloads_on_sighup(own_index):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    server = subprocess.Popen([sys.executable, "-m", "kotae.cli", "serve", "--index", str(own_index.index.index_dir),
                               "--corpus", str(own_index.index.corpus_dir), "--port", str(port)],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log = ServerLog(server.stderr)
    try:
        log.wait_for(lambda e: e["message"].startswith("Uvicorn running on"))
        assert httpx.get(f"{base}/readyz").status_code == 200
        response = httpx.post(f"{base}/v1/ask", json={"question": QUESTIONS[0]}, headers={"X-Request-ID": "e2e-1"},
                              timeout=30)
        assert response.status_code == 200
        answer = response.json()
        assert "来場者は2日間で約8万人であった。 [1]" in answer["answer"]["text"]  # quoted, and cited first
        assert "来場者は2日間で約8万人であった。" in answer["passages"][0]["text"]  # [1] is the passage quoted
        before = httpx.get(f"{base}/v1/info").json()["build_id"]
        build_index(own_index)
        server.send_signal(signal.SIGHUP)
        loaded = log.wait_for(lambda e: e["message"] == "index loaded" and e.get("previous_build_id") == before)
        assert httpx.get(f"{base}/v1/info").json()["build_id"] == loaded["build_id"] != before
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    assert server.returncode == 0
    entries = log.rest()  # every line is JSON
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
