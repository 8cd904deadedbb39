"""`POST /v1/ask/stream`: an answer as Server-Sent Events, one JSON object per `data:` line.

Events, in order: `meta`, `passages`, `delta` (answer text, one or more pieces; none when kotae abstains),
`answer` (the final answer, the same object as `POST /v1/ask` returns), `done`. A failure ends the stream
with an `error` event instead. While nothing else is ready, a `: keep-alive` comment line is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool

from kotae.answer import ABSTAIN_MESSAGE
from kotae.answered import Answer
from kotae.errors import KotaeError
from kotae.events import Delta, Failed, Final, Passages
from kotae_api.engine import Engine
from kotae_api.logs import LOG, REQUEST_ID
from kotae_api.problems import error_event
from kotae_api.schemas import AskRequest

KEEP_ALIVE = ": keep-alive\n\n"
# JSON leaves these unescaped, and some line readers (Python's splitlines, for one) break lines at them.
_LINE_BREAKS = str.maketrans({"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def frame(event: dict[str, Any]) -> str:
    """One event: its type, then the whole object as one line of JSON. JSON escapes the line breaks inside
    strings, so document text can never end a `data:` line early or start a field of its own."""
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":")).translate(_LINE_BREAKS)
    return f"event: {event['type']}\ndata: {data}\n\n"


async def sse(events: AsyncIterator[dict[str, Any]], keepalive: float) -> AsyncIterator[str]:
    """Frame `events`, sending a keep-alive comment whenever none is ready for `keepalive` seconds, and an
    `error` event if producing them fails."""
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    async def produce() -> None:
        try:
            async for event in events:
                await queue.put(("event", event))
        except Exception as exc:
            if isinstance(exc, KotaeError):
                LOG.warning("stream failed: %s", exc)
            else:
                LOG.exception("stream failed")
            await queue.put(("event", {"type": "error", "problem": error_event(exc)}))
        finally:
            await queue.put(("end", None))

    producer = asyncio.create_task(produce())
    try:
        while True:
            try:
                kind, event = await asyncio.wait_for(queue.get(), keepalive)
            except asyncio.TimeoutError:
                yield KEEP_ALIVE
                continue
            if kind == "end":
                return
            yield frame(event)
    finally:
        producer.cancel()  # the client left: stop retrieving or generating for it, and let its clean-up run
        with contextlib.suppress(asyncio.CancelledError):
            await producer


def in_language(answer: Answer, lang: str | None) -> Answer:
    """The answer with kotae's own message in the language the client asked for, if it asked."""
    if lang and answer.abstained and answer.message:
        return replace(answer, message=ABSTAIN_MESSAGE.get(lang, answer.message))
    return answer


async def answer_events(engine: Engine, body: AskRequest, limiter: anyio.CapacityLimiter
                        ) -> AsyncIterator[dict[str, Any]]:
    """The library's answer events as the stream's JSON objects. Retrieval (the first event) takes a place among
    the retrieval threads; waiting on a language model's deltas does not."""
    events = engine.kotae.stream(body.question, history=body.history_dicts(), mode=body.mode, top_k=body.top_k)
    try:
        first = True
        while True:
            event = await anyio.to_thread.run_sync(next, events, None, limiter=limiter if first else None)
            first = False
            if event is None:
                break
            if isinstance(event, Failed):
                raise event.error
            if isinstance(event, Passages):
                yield {"type": "meta", "request_id": REQUEST_ID.get(), "question": event.question, "lang": event.lang,
                       "mode": event.mode, "retrieval_query": event.retrieval_query}
                yield {"type": "passages", "passages": [p.to_dict() for p in event.passages]}
            elif isinstance(event, Delta):
                yield {"type": "delta", "text": event.text}
            elif isinstance(event, Final):
                yield {"type": "answer", "answer": in_language(event.answer, body.lang).to_dict()}
        yield {"type": "done"}
    finally:
        with contextlib.suppress(Exception):  # the client left: stop generating for it (closes the model's stream)
            await run_in_threadpool(events.close)
