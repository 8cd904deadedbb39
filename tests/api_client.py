"""Helpers for the HTTP API tests: apps over the session's indexes, raw ASGI calls, and an SSE parser."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from fastapi import FastAPI

from kotae.config import Settings
from kotae.store import Index
from kotae_api import create_app

PROBLEM = "application/problem+json"


def make_app(settings: Settings, index: Index | None = None, **overrides: Any) -> FastAPI:
    """The API over `index` with rate limiting off unless a test turns it on."""
    values: dict[str, Any] = {"rate_limit": 0.0}
    values.update(overrides)
    return create_app(settings.model_copy(update=values), index=index)


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
              chunks: Iterable[bytes] = (b"",)) -> RawResponse:
    """One request straight into the ASGI app, exactly as written: a path no HTTP client would normalise,
    and a body in the chunks given whatever Content-Length says."""
    path, _, query = raw_path.partition("?")
    parts = list(chunks)
    pending = [{"type": "http.request", "body": c, "more_body": i < len(parts) - 1} for i, c in enumerate(parts)]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": unquote(path), "raw_path": path.encode(), "query_string": query.encode(),
             "root_path": "", "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    sent: list[dict] = []

    async def receive() -> dict:
        if pending:
            return pending.pop(0)
        await asyncio.sleep(3600)  # a client that stays connected
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

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
