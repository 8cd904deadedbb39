"""Errors as `application/problem+json` (RFC 9457): every non-2xx answer, with the request id, never internals."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import Scope

from kotae.errors import (
    ConfigError,
    CorpusError,
    EmptyQuestionError,
    GenerationError,
    HistoryError,
    IndexMissingError,
    KotaeError,
    ModelUnavailableError,
    StaleIndexError,
    StoreUnavailableError,
    UnknownDocumentError,
)
from kotae_api.logs import LOG, REQUEST_ID
from kotae_api.schemas import UNION_TAGS

MEDIA_TYPE = "application/problem+json"
BLANK = "about:blank"  # RFC 9457: nothing to add beyond the HTTP status itself
INTERNAL_DETAIL = "Something went wrong on the server; the request id identifies it in the server's logs."

# kotae's named errors, most specific first: (error, status, problem type, title).
KOTAE_ERRORS: tuple[tuple[type[KotaeError], int, str, str], ...] = (
    (EmptyQuestionError, 422, "invalid-request", "Invalid request"),
    (HistoryError, 422, "invalid-request", "Invalid request"),
    (UnknownDocumentError, 404, "unknown-document", "Unknown document"),
    (ConfigError, 422, "option-unavailable", "Option not available"),
    (IndexMissingError, 503, "index-unavailable", "Index not available"),
    (StaleIndexError, 503, "index-unavailable", "Index not available"),
    (ModelUnavailableError, 503, "model-unavailable", "Embedding model not available"),
    (StoreUnavailableError, 503, "store-unavailable", "Store not available"),
    (CorpusError, 503, "index-unavailable", "Index not available"),
    (GenerationError, 502, "generation-failed", "Answer generation failed"),
    (KotaeError, 400, "request-failed", "Request failed"),
)


def problem_type(name: str) -> str:
    """An absolute URI naming a kotae problem type; a URN, so that no client tries to fetch it."""
    return f"urn:kotae:problem:{name}"


def request_id_of(scope: Scope) -> str | None:
    return scope.get("state", {}).get("request_id") or REQUEST_ID.get()


def problem_body(status: int, detail: str, *, request_id: str | None, type_: str = BLANK, title: str | None = None,
                 **extensions: Any) -> dict[str, Any]:
    """The members of a problem; `title` defaults to the status phrase, as RFC 9457 asks for about:blank."""
    return {"type": type_, "title": title or HTTPStatus(status).phrase, "status": status, "detail": detail,
            "request_id": request_id, **extensions}


def problem(status: int, detail: str, *, scope: Scope | None = None, type_: str = BLANK, title: str | None = None,
            headers: dict[str, str] | None = None, **extensions: Any) -> JSONResponse:
    """A problem+json response."""
    request_id = request_id_of(scope) if scope is not None else REQUEST_ID.get()
    body = problem_body(status, detail, request_id=request_id, type_=type_, title=title, **extensions)
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def _classify(exc: KotaeError) -> tuple[int, str, str]:
    """(status, problem type, title) of one of kotae's named errors."""
    return next((status, problem_type(name), title) for cls, status, name, title in KOTAE_ERRORS
                if isinstance(exc, cls))


# Seconds a client is asked to wait when the store (Milvus) does not answer: a restart or a failover takes about as
# long, and retrying sooner only adds load to a store coming back.
STORE_RETRY_AFTER = 5


def kotae_problem(exc: KotaeError, scope: Scope | None = None) -> JSONResponse:
    """The problem response for one of kotae's named errors."""
    status, type_, title = _classify(exc)
    headers = {"Retry-After": str(STORE_RETRY_AFTER)} if isinstance(exc, StoreUnavailableError) else None
    return problem(status, str(exc), scope=scope, type_=type_, title=title, headers=headers)


def error_event(exc: BaseException) -> dict[str, Any]:
    """The problem for an error while streaming, when the status line has already gone out as 200."""
    if isinstance(exc, KotaeError):
        status, type_, title = _classify(exc)
        return problem_body(status, str(exc), request_id=REQUEST_ID.get(), type_=type_, title=title)
    return problem_body(500, INTERNAL_DETAIL, request_id=REQUEST_ID.get())


def internal_error(scope: Scope | None = None) -> JSONResponse:
    return problem(500, INTERNAL_DETAIL, scope=scope)


def install(app: FastAPI) -> None:
    """Turn every error FastAPI or kotae raises into a problem response."""

    @app.exception_handler(KotaeError)
    async def _kotae(request: Request, exc: KotaeError) -> JSONResponse:
        return kotae_problem(exc, request.scope)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI reads a body sent as anything but JSON as no object at all; say what to send instead.
        if request.method == "POST" and not _is_json(request.headers.get("content-type", "")):
            return problem(415, "Send the body as JSON, with Content-Type: application/json.", scope=request.scope,
                           type_=problem_type("unsupported-media-type"), title="Unsupported media type")
        raw = exc.errors()
        if any(e["type"] == "json_invalid" for e in raw):
            return invalid_json("The request body is not valid JSON.", request.scope)
        errors = [_field_error(e) for e in raw]
        shown = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        return problem(422, f"{shown}{more}.", scope=request.scope, type_=problem_type("invalid-request"),
                       title="Invalid request", errors=errors)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        unparsed = _unparsed_body(exc)
        if unparsed:
            return invalid_json(unparsed, request.scope)
        headers = dict(exc.headers or {})
        if exc.status_code == 404:
            detail = exc.detail if exc.detail != "Not Found" else "There is no endpoint at this path; see /docs."
        elif exc.status_code == 405:
            allowed = headers.get("Allow", "")
            detail = f"{request.method} is not allowed here" + (f"; use {allowed}." if allowed else ".")
        else:
            detail = str(exc.detail)
        if exc.status_code >= 500:
            LOG.error("HTTP %s: %s", exc.status_code, exc.detail)
            detail = INTERNAL_DETAIL
        return problem(exc.status_code, detail, scope=request.scope, headers=headers)


def invalid_json(detail: str, scope: Scope) -> JSONResponse:
    return problem(400, detail, scope=scope, type_=problem_type("invalid-json"), title="Invalid JSON")


def _unparsed_body(exc: HTTPException) -> str | None:
    """Why the body could not be parsed, when FastAPI's 400 says only that it could not: its JSON parser's own
    error is a JSONDecodeError (a 422 above), but bytes that are not UTF-8, nesting deeper than the parser
    recurses, and integers longer than Python converts raise other errors, which FastAPI wraps as a bare 400."""
    cause = exc.__cause__
    if exc.status_code != 400 or cause is None:
        return None
    if isinstance(cause, UnicodeDecodeError):
        return "The request body is not valid JSON: it is not UTF-8 text."
    if isinstance(cause, RecursionError):
        return "The request body is not accepted as JSON: it is nested too deeply."
    if isinstance(cause, ValueError) and "digits" in str(cause):
        return "The request body is not accepted as JSON: a number in it has too many digits."
    return "The request body is not valid JSON."


def _field_error(error: dict[str, Any]) -> dict[str, str]:
    """One validation error without the offending input (which may be large, or not for the logs)."""
    loc = [str(p) for p in error.get("loc", ()) if p != "body" and p not in UNION_TAGS]
    return {"field": ".".join(loc), "message": str(error.get("msg", "invalid value")), "type": error.get("type", "")}



def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))
