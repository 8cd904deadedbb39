"""The OpenAPI document, with error responses declared as application/problem+json, as they are served, and
the events of the answer stream described one by one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from kotae_api.problems import MEDIA_TYPE
from kotae_api.schemas import STREAM_EVENTS, request_examples

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")  # replaced by Problem; see problems.install


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes, tags=app.openapi_tags)
            _problems(schema)
            _describe_stream(schema)
            _examples(schema, app.state.examples)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


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
