"""The endpoints of API v1, plus health checks. Each takes the engine in service once, at its start."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from kotae.errors import KotaeError, UnknownDocumentError
from kotae.types import Document
from kotae_api.engine import Engine, IndexHolder
from kotae_api.problems import problem, problem_type
from kotae_api.schemas import (
    AnswerOut,
    AskRequest,
    DocumentList,
    DocumentOut,
    Health,
    InfoOut,
    Problem,
    ReloadOut,
    SearchRequest,
    SearchResultOut,
)
from kotae_api.settings import ServerSettings
from kotae_api.stream import answer_events, in_language, sse

API_VERSION = "v1"
T = TypeVar("T")

_DESCRIPTIONS = {
    400: "The body is not valid JSON.",
    401: "No bearer token.",
    403: "Wrong bearer token.",
    404: "No such document.",
    409: "The index on disk could not be loaded; the one in service is unchanged.",
    408: "The body did not arrive in time (KOTAE_BODY_TIMEOUT, 10 s by default).",
    413: "The body is larger than the limit (KOTAE_MAX_BODY; by default the largest body these schemas admit).",
    415: "The body is not sent as application/json.",
    422: "A field is missing, of the wrong type, out of range, or not allowed.",
    429: "Too many requests from this client; see Retry-After.",
    503: "No index is loaded, or the store holding it (Milvus) does not answer; see Retry-After.",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for error responses (served as application/problem+json; see `openapi`)."""
    return {status: {"model": Problem, "description": _DESCRIPTIONS[status]} for status in statuses}


def holder(request: Request) -> IndexHolder:
    return request.app.state.holder


# Dependencies are coroutines so that FastAPI calls them on the event loop, not through the thread pool.

async def engine(request: Request) -> Engine:
    """The engine in service now; a reload during the request does not change it."""
    return holder(request).engine


async def server_settings(request: Request) -> ServerSettings:
    return request.app.state.server


def limiter(request: Request, engine: Engine, mode: str | None) -> anyio.CapacityLimiter:
    """The threads a retrieval in `mode` takes its place among: those of the embedding model's modes, or the
    lexical ones (see `app.retrieval_threads` and `app.model_threads`); ConfigError for a mode the index cannot
    serve."""
    if engine.kotae.resolve_mode(mode) == "lexical":
        return request.app.state.retrieval
    return request.app.state.model_retrieval


async def retrieve(request: Request, engine: Engine, mode: str | None, fn: Callable[..., T], *args: Any,
                   **kwargs: Any) -> T:
    """Run CPU-bound retrieval in `mode` in a worker thread, so the event loop keeps serving other requests, and no
    more at once than the app's limit for the mode (see `limiter`)."""
    return await anyio.to_thread.run_sync(partial(fn, *args, mode=mode, **kwargs),
                                          limiter=limiter(request, engine, mode))


EngineDep = Annotated[Engine, Depends(engine)]
ServerDep = Annotated[ServerSettings, Depends(server_settings)]

router = APIRouter()


@router.post("/v1/ask", tags=["answers"], response_model=None, summary="Answer a question with citations",
             responses={200: {"model": AnswerOut}, **problems(400, 408, 413, 415, 422, 429, 503)})
async def ask(request: Request, body: AskRequest,
              engine: EngineDep) -> JSONResponse:
    """One to three sentences quoted from the documents, each cited as [n] (the rank of its passage), and the
    passages; or `abstained: true` with a message when the documents do not answer the question."""
    answer = await retrieve(request, engine, body.mode, engine.kotae.ask, body.question,
                            history=body.history_dicts(), top_k=body.top_k)
    return JSONResponse(in_language(answer, body.lang).to_dict())


@router.post("/v1/ask/stream", tags=["answers"], response_model=None, summary="Answer as Server-Sent Events",
             response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}},
                              "description": "Events `meta`, `passages`, `delta`…, `answer`, `done` (or `error`); "
                                             "each `data:` line is one JSON object with its `type`."},
                        **problems(400, 408, 413, 415, 422, 429, 503)})
async def ask_stream(request: Request, body: AskRequest,
                     engine: EngineDep, server: ServerDep) -> StreamingResponse:
    """The answer of `POST /v1/ask`, streamed: `meta` (request id, language, what was searched), `passages`,
    `delta` (the answer's text in pieces), `answer` (the final answer object), `done`."""
    # limiter: refuses a mode the index cannot serve before the stream starts
    events = sse(answer_events(engine, body, limiter(request, engine, body.mode)), server.stream_keepalive)
    # no-cache: proxies must not hold events back; X-Accel-Buffering: nginx's buffering off for this response.
    return StreamingResponse(events, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.post("/v1/search", tags=["answers"], response_model=None, summary="Find the passages for a question",
             responses={200: {"model": SearchResultOut}, **problems(400, 408, 413, 415, 422, 429, 503)})
async def search(request: Request, body: SearchRequest,
                 engine: EngineDep) -> JSONResponse:
    """Ranked passages with their document, character span and score, and the terms searched for."""
    result = await retrieve(request, engine, body.mode, engine.kotae.search, body.question, top_k=body.top_k,
                            qid=body.id)
    return JSONResponse(result.to_dict())


@router.get("/v1/documents", tags=["documents"], response_model=None, summary="List the documents",
            responses={200: {"model": DocumentList}, **problems(429, 503)})
async def documents(engine: EngineDep) -> JSONResponse:
    return JSONResponse({"documents": [_summary(d) for d in engine.kotae.documents.values()]})


@router.get("/v1/documents/{doc_id}", tags=["documents"], response_model=None, summary="One document, in full",
            responses={200: {"model": DocumentOut}, **problems(404, 429, 503)})
async def document(doc_id: str, engine: EngineDep) -> JSONResponse:
    """Metadata and the stored text, which every passage's and sentence's `start`/`end` index into."""
    # Looked up by id among the documents loaded in memory; an id is never made into a file path.
    doc = engine.kotae.documents.get(doc_id)
    if doc is None:
        shown = doc_id if len(doc_id) <= 80 else doc_id[:79] + "…"
        raise UnknownDocumentError(f"No document has the id {shown!r}; GET /v1/documents lists them.")
    return JSONResponse({**_summary(doc), "lang": _text(doc.meta.get("lang")), "meta": dict(doc.meta),
                         "text": doc.text})


def _summary(doc: Document) -> dict[str, Any]:
    return {"id": doc.id, "title": doc.title, "source": _text(doc.meta.get("source")),
            "published": _text(doc.meta.get("published"))}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@router.get("/v1/info", tags=["service"], response_model=None, summary="What the service is serving",
            responses={200: {"model": InfoOut}, **problems(429, 503)})
async def info(request: Request, engine: EngineDep) -> JSONResponse:
    return JSONResponse({"kotae_version": request.app.version, "api_version": API_VERSION, **engine.summary})


@router.get("/livez", tags=["service"], response_model=Health, summary="The process is up")
async def livez() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", tags=["service"], response_model=Health, summary="An index is loaded and its store answers",
            responses=problems(503))
async def readyz(engine: EngineDep) -> dict[str, str]:
    await run_in_threadpool(engine.index.ping)  # StoreUnavailableError (503) while Milvus does not answer
    return {"status": "ready"}


admin = APIRouter()
_bearer = HTTPBearer(auto_error=False, description="KOTAE_ADMIN_TOKEN")


@admin.post("/v1/admin/reload", tags=["admin"], response_model=None, summary="Load the index again from disk",
            responses={200: {"model": ReloadOut}, **problems(401, 403, 409, 429)})
async def reload(request: Request, server: ServerDep,
                 credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> JSONResponse:
    """Load the current build in the index folder (after `kotae index`) and swap it in; requests already
    running finish on the index they started with. Sending the server SIGHUP does the same."""
    if credentials is None:
        return problem(401, "This endpoint needs the admin bearer token.", scope=request.scope,
                       headers={"WWW-Authenticate": "Bearer"})
    expected = server.admin_token.get_secret_value().encode() if server.admin_token else b""
    # Constant-time comparison, so response times say nothing about how much of a guess was right.
    if not expected or not hmac.compare_digest(credentials.credentials.encode(), expected):
        return problem(403, "The bearer token is not the admin token.", scope=request.scope)
    started = time.perf_counter()
    try:
        new, previous = await run_in_threadpool(holder(request).reload)
    except KotaeError as exc:
        return problem(409, f"{exc} The index in service is unchanged.", scope=request.scope,
                       type_=problem_type("reload-failed"), title="Reload failed")
    return JSONResponse({"build_id": new.build_id, "previous_build_id": previous.build_id if previous else None,
                         "documents": len(new.index.documents), "seconds": round(time.perf_counter() - started, 3)})
