"""What the HTTP tests share: apps over an index, problem checks, raw ASGI calls, an SSE parser, the log of a
`kotae serve` process, and a fake OpenAI-compatible language model.

Test files import from here and from support.py, never from one another; conftest.py only declares fixtures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from fastapi import FastAPI

from kotae.config import Settings
from kotae.store import Index
from kotae_api import create_app
from kotae_api.settings import ServerSettings

PROBLEM = "application/problem+json"


# The HTTP API.

def make_app(settings: Settings, index: Index | None = None, **overrides: Any) -> FastAPI:
    """The API over `index` with rate limiting off unless a test turns it on; `overrides` are server settings, or
    library settings where the server has no such field (`llm_model`)."""
    server: dict[str, Any] = {"rate_limit": 0.0}
    library: dict[str, Any] = {}
    for key, value in overrides.items():
        (server if key in ServerSettings.model_fields else library)[key] = value
    return create_app(settings.replace(**library), ServerSettings(**server), index=index)


def assert_problem(response, status: int) -> dict[str, Any]:
    """A problem+json response with every RFC 9457 member, the request id matching the header, no internals."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert {"type", "title", "status", "detail", "request_id"} <= body.keys()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call_asgi(app: FastAPI, method: str, raw_path: str, *, headers: Iterable[tuple[str, str]] = (),
              chunks: Iterable[bytes] = (b"",), on_body: Callable[[bytes], None] | None = None,
              stall: bool = False) -> RawResponse:
    """One request straight into the ASGI app, exactly as written: a path no HTTP client would normalise,
    and a body in the chunks given whatever Content-Length says (with `stall`, the client then sends no more and
    never ends the body). `on_body` sees each piece of the response body as the app sends it, while the request
    is still running."""
    path, _, query = raw_path.partition("?")
    parts = list(chunks)
    pending = [{"type": "http.request", "body": c, "more_body": stall or i < len(parts) - 1}
               for i, c in enumerate(parts)]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": unquote(path), "raw_path": path.encode(), "query_string": query.encode(),
             "root_path": "", "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    sent: list[dict] = []

    async def receive() -> dict:
        if pending:
            return pending.pop(0)
        await asyncio.Event().wait()  # a client that stays connected until the response is complete
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)
        if on_body and message["type"] == "http.response.body":
            on_body(message.get("body", b""))

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return RawResponse(start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body)


@dataclass
class Stream:
    events: list[dict[str, Any]]
    comments: list[str]
    order: list[str]  # event types and "keep-alive", as they came


def parse_sse(text: str) -> Stream:
    """Parse a stream strictly: blank-line separated blocks of `event:` and one `data:` line of JSON whose
    `type` is the event's name, or `: keep-alive` comments. Anything else fails the test."""
    assert text.endswith("\n\n"), "the stream must end with a complete event"
    events, comments, order = [], [], []
    for block in text[:-2].split("\n\n"):
        lines = block.split("\n")
        if lines == [": keep-alive"]:
            comments.append(lines[0])
            order.append("keep-alive")
            continue
        assert len(lines) == 2, f"an event is one event: line and one data: line, got {lines!r}"
        assert lines[0].startswith("event: ") and lines[1].startswith("data: "), lines
        event = json.loads(lines[1][len("data: "):])
        assert isinstance(event, dict) and event["type"] == lines[0][len("event: "):]
        events.append(event)
        order.append(event["type"])
    return Stream(events, comments, order)


# `kotae serve` in a process of its own.

class ServerLog:
    """`kotae serve`'s JSON log lines (stderr) as they come: the test waits for a line instead of polling."""

    def __init__(self, stream) -> None:
        self.entries: list[dict] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, wanted, timeout: float = 60.0) -> dict:
        """The next entry for which `wanted(entry)` holds; every line must be JSON."""
        while True:
            line = self._lines.get(timeout=timeout)  # queue.Empty: the server never said it
            if line is None:
                raise AssertionError(f"kotae serve ended first: {self.entries[-3:]}")
            if line.strip():
                self.entries.append(json.loads(line))
                if wanted(self.entries[-1]):
                    return self.entries[-1]

    def rest(self) -> list[dict]:
        """Every entry, once the server has ended."""
        while (line := self._lines.get(timeout=30)) is not None:
            if line.strip():
                self.entries.append(json.loads(line))
        return self.entries


@dataclass
class Served:
    """A `kotae serve` process: its base URL, its log, and the process itself."""

    base: str
    log: ServerLog
    process: subprocess.Popen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def kotae_serve(settings: Settings, *, cwd: os.PathLike, **env: str) -> Iterator[Served]:
    """`kotae serve` on 127.0.0.1 over the index of `settings`, with `KOTAE_*` variables from `env` (`RATE_LIMIT="0"`),
    ready once it says it is listening; stopped with SIGINT at the end, which it must survive to exit 0."""
    port = free_port()
    variables = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                 **{f"KOTAE_{k.upper()}": v for k, v in env.items()}}
    process = subprocess.Popen([sys.executable, "-m", "kotae.cli", "serve", "--index", str(settings.index.index_dir),
                                "--corpus", str(settings.index.corpus_dir), "--host", "127.0.0.1", "--port", str(port)],
                               cwd=cwd, env=variables, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log = ServerLog(process.stderr)
    try:
        log.wait_for(lambda e: e["message"].startswith("Uvicorn running on"))
        yield Served(f"http://127.0.0.1:{port}", log, process)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


# A fake OpenAI-compatible language model.

FAKE_ANSWER = "NATO is headquartered in Brussels, Belgium [1]. Japan signed a partnership programme in 2014 [2]."
FAKE_CHUNKS = ("NATO is headquartered ", "in Brussels, ", "Belgium [1]. ", "Japan signed a partnership ",
               "programme in 2014 [2].")


@dataclass
class FakeLLM:
    """What the fake server answers next, and every request it received."""

    url: str = ""
    mode: str = "answer"  # answer | stream | status | hold | stream_stall | malformed | malformed_stream
    content: str = FAKE_ANSWER
    chunks: tuple[str, ...] = FAKE_CHUNKS
    status: int = 500
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Set when the test is done: a held reply (`hold`, `stream_stall`) then finishes, so the server closes promptly.
    release: threading.Event = field(default_factory=threading.Event)


class _FakeLLMHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
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

    def _hold(self, fake: FakeLLM) -> None:
        fake.release.wait(30)  # no reply until the test is over: the client's time-out must end the wait
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
        fake.release.wait(30)

    def _malformed_stream(self, fake: FakeLLM) -> None:
        self._start_stream()
        self._event(json.dumps({"choices": [{"index": 0, "delta": {"content": fake.chunks[0]}}]}))
        self._event('{"choices": [')
        self._event("[DONE]")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the name http.server uses)
        pass  # keep test output quiet


class FakeLLMServer:
    """A fake OpenAI-compatible server in a background thread, started once; each test takes a fresh `FakeLLM`
    (`fresh()`), whose `url` is the server's base URL, ending in /v1."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeLLMHandler)
        self.server.daemon_threads = True  # a reply held for an earlier test never delays closing
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.server.fake = FakeLLM(url=self.url)  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def fresh(self) -> FakeLLM:
        """Release any reply the last test left held, and answer the next requests from a fresh `FakeLLM`."""
        self.server.fake.release.set()  # type: ignore[attr-defined]
        self.server.fake = FakeLLM(url=self.url)  # type: ignore[attr-defined]
        return self.server.fake  # type: ignore[attr-defined]

    def __enter__(self) -> FakeLLMServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.fake.release.set()  # type: ignore[attr-defined]
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
