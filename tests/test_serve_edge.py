"""`kotae serve` itself at its edge and with its index damaged: stalled bodies, X-Forwarded-For, JSON refused on
the wire, and a build cut short while in service (each test starts a server process on 127.0.0.1)."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fakes import PROBLEM, kotae_serve
from support import REPO, TINY_CHUNKING, build_tiny, writable

from kotae.cli import main
from kotae.config import DEFAULT_MODEL
from kotae.store import current_build

pytestmark = pytest.mark.slow  # each test starts `kotae serve` in a process of its own

QUESTION = "図書館の館長は誰ですか"
TOKEN = "edge-admin-token"


def _open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _read_to_end(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts the server's descriptors in /proc")
def test_stalled_bodies_are_answered_408_and_their_connections_closed(lexical_settings):
    with kotae_serve(lexical_settings, cwd=REPO, body_timeout="1", rate_limit="0") as served:
        address = urlsplit(served.base)
        pid = served.process.pid
        before = _open_fds(pid)
        stalled = []
        for _ in range(40):  # headers and 12 bytes of a declared 60,000, then nothing
            sock = socket.create_connection((address.hostname, address.port), timeout=30)
            sock.sendall(b"POST /v1/ask HTTP/1.1\r\nHost: kotae\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 60000\r\n\r\n" + b'{"question":')
            stalled.append(sock)
        for sock in stalled:
            answer = _read_to_end(sock)  # ends only when the server closes the connection
            sock.close()
            assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
            assert PROBLEM.encode() in answer and b"urn:kotae:problem:body-timeout" in answer
        # Every stalled connection was closed by the server, so it holds no more descriptors than before.
        assert _open_fds(pid) <= before + 2
        assert httpx.post(f"{served.base}/v1/ask", json={"question": QUESTION}, timeout=30).status_code == 200


def test_x_forwarded_for_is_believed_only_from_trusted_proxies(lexical_settings):
    def statuses(base: str, n: int) -> list[int]:
        return [httpx.get(f"{base}/v1/documents", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                for i in range(n)]

    limits = {"rate_limit": "1", "rate_burst": "2"}
    with kotae_serve(lexical_settings, cwd=REPO, **limits) as served:
        # A local client rotating the header is still one client.
        assert statuses(served.base, 4) == [200, 200, 429, 429]
    with kotae_serve(lexical_settings, cwd=REPO, trusted_proxies="127.0.0.1", **limits) as served:
        # Behind a trusted proxy, each forwarded address is a client of its own.
        assert statuses(served.base, 4) == [200, 200, 200, 200]
        served.process.send_signal(signal.SIGINT)
        served.process.wait(timeout=30)
        clients = {e.get("client") for e in served.log.rest() if e.get("path") == "/v1/documents"}
        assert clients == {f"203.0.113.{i}" for i in range(4)}


def test_json_the_parser_refuses_and_the_modes_offered_over_the_wire(lexical_settings):
    with kotae_serve(lexical_settings, cwd=REPO, rate_limit="0") as served:
        for body in (b'{"question": "\xff"}', b"[" * 30000 + b"]" * 30000, b'{"top_k": ' + b"7" * 5000 + b"}"):
            response = httpx.post(f"{served.base}/v1/ask", content=body,
                                  headers={"Content-Type": "application/json"}, timeout=30)
            assert response.status_code == 400 and response.json()["type"] == "urn:kotae:problem:invalid-json"
        schemas = httpx.get(f"{served.base}/openapi.json").json()["components"]["schemas"]
        enum = next(o["enum"] for o in schemas["SearchRequest"]["properties"]["mode"]["anyOf"] if "enum" in o)
        assert enum == ["auto", "lexical"]


@pytest.fixture
def rebuild_settings(monkeypatch):
    """The command line builds as the index of the next test was built (tiny chunks, no dictionary, the bundled
    model), so that `--if-stale` rebuilds it for its damage only."""
    for name, value in {**TINY_CHUNKING, "lexicon": "false", "embed_model": DEFAULT_MODEL}.items():
        monkeypatch.setenv(f"KOTAE_{name.upper()}", str(value))


def test_a_build_cut_short_in_service_is_survived_refused_and_repaired(tmp_path, rebuild_settings):
    settings = build_tiny(tmp_path, embed_model=DEFAULT_MODEL)
    build = current_build(settings.index.index_dir)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with kotae_serve(settings, cwd=REPO, admin_token=TOKEN, rate_limit="0") as served:
        # Cut short in place, as `truncate` would: a memory-mapped array would now read as zeros (no passages found),
        # or kill the server with SIGBUS where a search touches a page past the new end.
        cut = ("lexical/data.csc.index.npy", "lexical/tf.data.npy", "dense/vectors.faiss")
        for name in cut:
            with writable(build / name).open("r+b") as file:
                file.truncate(64)
        for mode in ("lexical", "dense", "hybrid"):
            response = httpx.post(f"{served.base}/v1/search", json={"question": QUESTION, "mode": mode}, timeout=30)
            assert response.status_code == 200 and response.json()["passages"], (mode, response.text[:300])
        refused = httpx.post(f"{served.base}/v1/admin/reload", headers=auth, timeout=60)
        assert refused.status_code == 409 and any(name in refused.json()["detail"] for name in cut)
        served.process.send_signal(signal.SIGHUP)
        failed = served.log.wait_for(lambda e: e["message"].startswith("reload on SIGHUP failed"))
        assert any(name in failed["reason"] for name in cut) and "error" not in failed  # one line, no traceback
        assert httpx.get(f"{served.base}/readyz").status_code == 200

        assert main(["index", "--if-stale", "--quiet", "--corpus", str(settings.index.corpus_dir),
                     "--out", str(settings.index.index_dir)]) == 0
        reloaded = httpx.post(f"{served.base}/v1/admin/reload", headers=auth, timeout=60)
        assert reloaded.status_code == 200 and reloaded.json()["previous_build_id"] == build.name
    assert served.process.returncode == 0
    assert all("request_id" in entry for entry in served.log.rest())  # every line of the log is JSON
