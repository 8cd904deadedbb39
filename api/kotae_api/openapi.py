"""The OpenAPI document, with error responses declared as application/problem+json, as they are served, the
events of the answer stream described one by one, and only the retrieval modes the index in service can serve."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from kotae.config import MODES
from kotae_api.problems import MEDIA_TYPE
from kotae_api.schemas import REQUESTS, STREAM_EVENTS, request_examples

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")  # replaced by Problem; see problems.install


def install(app: FastAPI) -> None:
    """Serve the document for the index in service: it follows reloads (one document per set of modes)."""
    documents: dict[tuple[str, ...], dict[str, Any]] = {}

    def openapi() -> dict[str, Any]:
        modes = served_modes(app)
        if modes not in documents:
            documents[modes] = document(app, modes)
        app.openapi_schema = documents[modes]
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def served_modes(app: FastAPI) -> tuple[str, ...]:
    """The modes the index in service can serve; all of them while none is loaded (every request is then 503)."""
    holder = app.state.holder
    return tuple(holder.engine.summary["modes"]) if holder.ready else MODES


def document(app: FastAPI, modes: tuple[str, ...]) -> dict[str, Any]:
    """The OpenAPI document of `app` with `mode` limited to `modes`."""
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                         tags=app.openapi_tags)
    _problems(schema)
    _describe_stream(schema)
    _examples(schema, app.state.examples)
    _modes(schema, modes)
    return schema


def _modes(schema: dict[str, Any], modes: tuple[str, ...]) -> None:
    """A request's `mode` offers only what the index can serve, so that a request the document allows is served."""
    components = schema.get("components", {}).get("schemas", {})
    for name in REQUESTS:
        mode = components.get(name, {}).get("properties", {}).get("mode", {})
        for option in mode.get("anyOf", [mode]):
            if "enum" in option:
                option["enum"] = [m for m in option["enum"] if m in modes]


def _examples(schema: dict[str, Any], examples: Sequence[Mapping[str, str]]) -> None:
    """Request examples from the configured example questions, since the collection is configuration."""
    for path, ask in (("/v1/ask", True), ("/v1/ask/stream", True), ("/v1/search", False)):
        operation = schema.get("paths", {}).get(path, {}).get("post")
        if operation is not None:
            body = operation["requestBody"]["content"]["application/json"]
            body["examples"] = request_examples(examples, ask=ask)


def _problems(schema: dict[str, Any]) -> None:
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[:1] in ("4", "5") and "application/json" in content:
                    body = content.pop("application/json")
                    if body.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                        body["schema"] = dict(_PROBLEM_REF)
                    content[MEDIA_TYPE] = body
    components = schema.get("components", {}).get("schemas", {})
    for name in _FASTAPI_VALIDATION:
        components.pop(name, None)


def _describe_stream(schema: dict[str, Any]) -> None:
    """Each event of POST /v1/ask/stream: its name, and its data as JSON of the matching model."""
    operation = schema.get("paths", {}).get("/v1/ask/stream", {}).get("post")
    if operation is None:
        return
    _, definitions = models_json_schema([(m, "serialization") for m in STREAM_EVENTS],
                                        ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in definitions.get("$defs", {}).items():
        components.setdefault(name, definition)
    data = {"oneOf": [{"$ref": f"#/components/schemas/{m.__name__}"} for m in STREAM_EVENTS]}
    names = [get_args(m.model_fields["type"].annotation)[0] for m in STREAM_EVENTS]
    event = {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"type": "string", "enum": names},
            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data},
        },
    }
    operation["responses"]["200"]["content"]["text/event-stream"] = {"schema": event}
