"""`POST /v1/ask/stream`: an answer as Server-Sent Events, one JSON object per `data:` line.

Events, in order: `meta`, `passages`, `delta` (answer text, one or more pieces; none when kotae abstains),
`answer` (the final answer, the same object as `POST /v1/ask` returns), `done`. A failure ends the stream
with an `error` event instead. While nothing else is ready, a `: keep-alive` comment line is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from functools import partial
from typing import Any

import anyio
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from kotae.answer import ABSTAIN_MESSAGE, Answer, with_reply
from kotae.config import Settings
from kotae.errors import GenerationError, KotaeError
from kotae.generate import generate_stream, is_refusal, llm_enabled
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


async def answer_events(engine: Engine, body: AskRequest, settings: Settings,
                        limiter: anyio.CapacityLimiter) -> AsyncIterator[dict[str, Any]]:
    # Quoted first: the passages and sentences are the evidence, and the fallback if a language model fails.
    ask = partial(engine.answerer.ask, body.question, history=body.history_dicts(), mode=body.mode,
                  top_k=body.top_k, generate=False)
    answer = await anyio.to_thread.run_sync(ask, limiter=limiter)
    yield {"type": "meta", "request_id": REQUEST_ID.get(), "question": answer.question, "lang": answer.lang,
           "mode": answer.mode, "retrieval_query": answer.retrieval_query}
    yield {"type": "passages", "passages": [p.to_dict() for p in answer.passages]}
    if not answer.abstained and llm_enabled(settings):
        final = None
        async for item in _generated(answer, settings):
            if isinstance(item, Answer):
                final = item
            else:
                yield {"type": "delta", "text": item}
        answer = final or answer
    elif not answer.abstained and answer.text:
        yield {"type": "delta", "text": answer.text}
    yield {"type": "answer", "answer": in_language(answer, body.lang).to_dict()}
    yield {"type": "done"}


async def _generated(answer: Answer, settings: Settings) -> AsyncIterator[str | Answer]:
    """The language model's deltas as they come, then the final Answer as `Answerer.ask` makes it (see
    `with_reply`); when the model fails before any delta, the quoted answer's text goes out as one."""
    deltas = generate_stream(answer.question, answer.lang, answer.passages, settings)
    text = ""
    try:
        async for delta in iterate_in_threadpool(deltas):
            if not text and is_refusal(delta):
                yield with_reply(answer, None)
                return
            text += delta
            yield delta
    except GenerationError as exc:
        LOG.warning("generation failed; answering with quotes", extra={"reason": str(exc)})
        if not text and answer.text:
            yield answer.text
        yield with_reply(answer, exc)
        return
    finally:
        with contextlib.suppress(Exception):
            await run_in_threadpool(_close, deltas)
    yield with_reply(answer, text)


def _close(deltas: Iterator[str]) -> None:
    close = getattr(deltas, "close", None)
    if close is not None:
        close()
