"""ASGI middleware: request ids and access logs, body size limit, per-client rate limit, CORS."""

from __future__ import annotations

import math
import re
import time
import uuid

import anyio
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kotae_api import widget
from kotae_api.logs import ACCESS, LOG, REQUEST_ID
from kotae_api.problems import internal_error, problem, problem_type
from kotae_api.ratelimit import TokenBuckets

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_OK = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Health checks must never be refused; the widget's static files are cheap, cached and fetched by every page
# that embeds it, so a page load should not spend a visitor's questions.
UNLIMITED_PATHS = frozenset({"/livez", "/readyz"}) | widget.PATHS


class RequestContextMiddleware:
    """Gives every request an id (the client's X-Request-ID when well formed), returns it on every response,
    logs one access line per request, and turns an unhandled error into a generic 500 problem."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        # An id a client chose is echoed only when it is harmless in headers and logs.
        request_id = given if _REQUEST_ID_OK.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            LOG.exception("unhandled error", extra={"path": scope.get("path")})
            if status == 0:  # nothing sent yet, so the client can still get a clean answer
                await internal_error(scope)(scope, receive, send_with_id)
            else:
                status = 500
        finally:
            client = scope.get("client")
            ACCESS.info("%s %s %s", scope["method"], scope["path"], status, extra={
                "method": scope["method"], "path": scope["path"], "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "client": client[0] if client else None})
            REQUEST_ID.reset(token)


class BodyLimitMiddleware:
    """Refuses bodies over `max_body` bytes with 413, by the Content-Length header when it tells, and by
    counting the bytes as they arrive whatever it says (it may lie, or be absent with chunked encoding); and
    bodies not complete within `timeout` seconds with 408, so that a client that stalls mid-body holds no
    connection (nor file descriptor) for longer than that.

    Bodies within the limits are read here in full and handed on as one message; the size limit is small (the
    largest valid request, see `schemas.largest_request`), and it means the application never sees part of an
    oversized body.
    """

    def __init__(self, app: ASGIApp, max_body: int, timeout: float = 10.0) -> None:
        self.app = app
        self.max_body = max_body
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await self._refuse(413, scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        ended: Message | None = None
        with anyio.move_on_after(self.timeout) as deadline:
            while True:
                message = await receive()
                if message["type"] != "http.request":  # the client went away
                    ended = message
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body:
                    break
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        if deadline.cancelled_caught:
            await self._refuse(408, scope, receive, send)
        elif size > self.max_body:
            await self._refuse(413, scope, receive, send)
        elif ended is not None:
            await self.app(scope, _replay([ended], receive), send)
        else:
            body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            await self.app(scope, _replay([body], receive), send)

    async def _refuse(self, status: int, scope: Scope, receive: Receive, send: Send) -> None:
        # Connection: close, as the rest of the body is not read: the connection cannot carry another request.
        if status == 413:
            response = problem(413, f"The request body is larger than {self.max_body} bytes.", scope=scope,
                               type_=problem_type("body-too-large"), title="Request body too large",
                               headers={"Connection": "close"})
        else:
            response = problem(408, f"The request body did not arrive within {self.timeout:g} s.", scope=scope,
                               type_=problem_type("body-timeout"), title="Request body too slow",
                               headers={"Connection": "close"})
        await response(scope, receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that returns `messages` first, then whatever the client sends next (a disconnect)."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


class RateLimitMiddleware:
    """A token bucket per client address; over the limit, 429 with Retry-After."""

    def __init__(self, app: ASGIApp, per_minute: float, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute / 60, burst) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.buckets is None or scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.buckets.take(client[0] if client else "unknown")
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        seconds = max(1, math.ceil(wait))
        response = problem(429, f"Too many requests from this address; try again in {seconds} s.", scope=scope,
                           type_=problem_type("rate-limited"), title="Too many requests",
                           headers={"Retry-After": str(seconds)})
        await response(scope, receive, send)


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered as a 403 problem rather than plain text."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        refused = response.body.decode().removeprefix("Disallowed CORS ")
        headers = {k: v for k, v in response.headers.items() if k.lower().startswith(("access-control-", "vary"))}
        return problem(403, f"This cross-origin request is not allowed (refused: {refused}).",
                       type_=problem_type("cors-refused"), title="Cross-origin request refused", headers=headers)


def allowed_origins(host: str, port: int, configured: tuple[str, ...] | None) -> list[str]:
    """The configured origins, or this server's own: http://127.0.0.1 and http://localhost on its port, and the
    address it listens on when that is a specific one."""
    if configured is not None:
        return list(configured)
    hosts = ["127.0.0.1", "localhost"]
    if host not in ("", "0.0.0.0", "::", "127.0.0.1", "localhost"):
        hosts.append(f"[{host}]" if ":" in host else host)
    return [f"http://{h}:{port}" for h in hosts]
