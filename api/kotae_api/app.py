"""The application factory: settings in, a FastAPI app serving one index out."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Callable

import anyio
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from kotae import package_version
from kotae.config import Settings
from kotae.errors import KotaeError
from kotae.store import Index
from kotae_api import openapi, problems, routes, widget
from kotae_api.engine import IndexHolder, open_engine
from kotae_api.logs import LOG, stamp_records
from kotae_api.middleware import (
    REQUEST_ID_HEADER,
    BodyLimitMiddleware,
    ProblemCORSMiddleware,
    RateLimitMiddleware,
    RequestContextMiddleware,
    allowed_origins,
)
from kotae_api.settings import ServerSettings

DESCRIPTION = """\
Answers to questions about a collection of Japanese documents, asked in Japanese or English, with the
passages they come from. Every error is `application/problem+json` (RFC 9457) with a `request_id`, also
sent as the `X-Request-ID` header.

日本語または英語の質問に、資料から引用した文と出典箇所で答えます。"""

TAGS = [
    {"name": "answers", "description": "Questions in, cited answers and passages out."},
    {"name": "documents", "description": "The documents answers are quoted from."},
    {"name": "service", "description": "Health and what is being served."},
    {"name": "admin", "description": "Present only when KOTAE_ADMIN_TOKEN is set."},
]


def create_app(settings: Settings | None = None, server: ServerSettings | None = None, *,
               index: Index | None = None) -> FastAPI:
    """The API over `index`, or over the index in `settings.index.index_dir`, loaded at start-up, served as
    `server` says.

    When no index can be loaded the app still starts: /livez answers, /readyz and the v1 endpoints answer
    503 until POST /v1/admin/reload (or SIGHUP) loads one.
    """
    settings = settings or Settings()
    server = server or ServerSettings()
    stamp_records()
    holder = IndexHolder(settings, open_engine(index, settings) if index is not None else None)
    app = FastAPI(title="kotae", version=package_version(), description=DESCRIPTION, openapi_tags=TAGS,
                  lifespan=_lifespan, redoc_url=None)
    app.state.settings = settings
    app.state.server = server
    app.state.holder = holder
    app.state.examples = widget.example_questions(server.examples_file)
    app.state.retrieval = anyio.CapacityLimiter(retrieval_threads(server))
    app.state.model_retrieval = anyio.CapacityLimiter(model_threads(server))
    problems.install(app)
    app.include_router(routes.router)
    app.include_router(widget.router)
    if server.admin_token is not None:
        app.include_router(routes.admin)
    openapi.install(app)
    # Added innermost first. The request id wraps everything, so every response (a 429, a refused
    # preflight, a 500) carries it; CORS wraps the limits, so that browsers can read their refusals.
    app.add_middleware(BodyLimitMiddleware, max_body=server.max_body, timeout=server.body_timeout)
    app.add_middleware(RateLimitMiddleware, per_minute=server.rate_limit, burst=server.rate_burst)
    app.add_middleware(ProblemCORSMiddleware, allow_origins=allowed_origins(server.host, server.port,
                                                                            server.cors_origins),
                       allow_methods=["GET", "POST"], allow_headers=["Content-Type", REQUEST_ID_HEADER],
                       expose_headers=[REQUEST_ID_HEADER, "Retry-After"])
    app.add_middleware(RequestContextMiddleware)
    return app


def retrieval_threads(server: ServerSettings) -> int:
    """How many retrievals run at once. Retrieval is Python code holding the interpreter lock (GIL) for most of
    its time, so threads beyond the CPUs only contend for it: on 2 CPUs under 50 clients, 2 threads served about
    100 requests/s with a p95 latency of 0.6 s, 40 (the thread pool's size) about 78 with a p95 of 1.6 s."""
    return server.retrieval_threads or max(1, min(4, os.cpu_count() or 1))


def model_threads(server: ServerSettings) -> int:
    """How many retrievals that run the embedding model run at once. Such a request spends most of its time in the
    model, outside Python's lock, so more of them than CPUs overlap one's Python work with another's encoding,
    and questions that wait for the model together are encoded in one call. On 2 CPUs under 16 clients asking
    distinct questions in hybrid mode: 2 threads served about 40 requests/s, 16 threads about 56."""
    return server.model_threads or 8 * max(1, os.cpu_count() or 1)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    holder: IndexHolder = app.state.holder
    if not holder.ready:
        await _reload(holder, "no index loaded; /readyz answers 503 until a reload succeeds")
    stop_watching = _reload_on_sighup(holder)
    try:
        yield
    finally:
        stop_watching()


async def _reload(holder: IndexHolder, failed: str) -> None:
    """Load the index in the background (start-up, SIGHUP); a failure is one JSON log line, never a traceback that
    escapes the log's format."""
    try:
        await run_in_threadpool(holder.reload)
    except KotaeError as exc:
        LOG.error(failed, extra={"reason": str(exc)})
    except Exception as exc:  # a bug, not a damaged index: the details go into the same one line
        LOG.error(failed, exc_info=exc, extra={"reason": f"{exc.__class__.__name__}: {exc}"})


def _reload_on_sighup(holder: IndexHolder) -> Callable[[], None]:
    """Reload the index when the process gets SIGHUP; a no-op where signals cannot be watched (Windows, or
    an event loop outside the main thread, as in tests)."""
    if not hasattr(signal, "SIGHUP"):
        return lambda: None
    loop = asyncio.get_running_loop()
    running: set[asyncio.Task] = set()

    def on_signal() -> None:
        task = loop.create_task(_reload(holder, "reload on SIGHUP failed; the index in service is unchanged"))
        running.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(running.discard)

    try:
        loop.add_signal_handler(signal.SIGHUP, on_signal)
    except (ValueError, RuntimeError, NotImplementedError):
        return lambda: None
    return lambda: loop.remove_signal_handler(signal.SIGHUP)
