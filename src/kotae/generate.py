"""Optional answers written by a language model behind an OpenAI-compatible chat API, citing passages as [n].

Generation is on only when both `llm_base_url` and `llm_model` are set. Every failure (unreachable server,
time-out, HTTP error, malformed reply, a citation of a passage that was not given, an answer citing
nothing) is a `GenerationError` with a one-line message, so the caller can fall back to extractive answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kotae.errors import GenerationError
from kotae.types import Passage

if TYPE_CHECKING:
    import httpx

    from kotae.config import Settings

__all__ = [
    "REFUSAL",
    "Generated",
    "build_messages",
    "check_citations",
    "generate",
    "generate_stream",
    "is_refusal",
    "llm_enabled",
]

REFUSAL = "NOT_IN_DOCUMENTS"

# [1], [ 2 ], and lists such as [1, 2] or [1、2], which cite each number listed.
_MARKER = re.compile(r"\[\s*([0-9]+(?:\s*[,、]\s*[0-9]+)*)\s*\]")
_NUMBER = re.compile(r"[0-9]+")
# Models sometimes wrap the refusal token in quotes or Markdown emphasis.
_REFUSAL_WRAPPERS = "`*\"'「」 \t\r\n\u3000"

_SYSTEM = """\
You answer questions about a collection of documents, using only the numbered passages the user gives you.
Rules:
- Write the answer in {language}{translate}.
- Use only what the passages say; add nothing from your own knowledge.
- Cite every sentence: end it with the number of each passage it relies on in square brackets, \
e.g. [1] or [1][3].
- Cite only the passage numbers in the list.
- If the passages do not answer the question, reply with exactly {refusal} and nothing else.
- Keep the answer short: one to three sentences."""


@dataclass(frozen=True)
class Generated:
    """A generated answer: `text` cites passages as [n], n being the 1-based position in the passages given."""

    text: str
    citations: tuple[int, ...]  # the distinct markers used, in order of first use
    refused: bool  # the model said the passages do not answer the question


def llm_enabled(settings: Settings) -> bool:
    """Whether answer generation is configured: it needs both a base URL and a model name."""
    return bool(settings.llm.base_url and settings.llm.model)


def is_refusal(text: str) -> bool:
    """Whether a reply (or the text accumulated from a stream) is the model's refusal token."""
    return text.lstrip(_REFUSAL_WRAPPERS).startswith(REFUSAL)


def build_messages(question: str, lang: str, passages: Sequence[Passage]) -> list[dict]:
    """The system and user chat messages: the rules, then the numbered passages and the question."""
    # "mixed" questions are Japanese with English words in them, so they get Japanese answers.
    japanese = lang in ("ja", "mixed")
    system = _SYSTEM.format(
        language="Japanese" if japanese else "English",
        translate="" if japanese else ", translating from the passages where they are in another language",
        refusal=REFUSAL,
    )
    listed = "\n\n".join(f"[{n}] ({p.title or p.doc_id}) {p.text.strip()}" for n, p in enumerate(passages, 1))
    user = f"Passages:\n\n{listed}\n\nQuestion: {question.strip()}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def check_citations(text: str, n_passages: int) -> tuple[int, ...]:
    """The distinct passage numbers `text` cites, in order of first use; a refusal cites none.

    Raises GenerationError when a marker is outside 1..n_passages or when an answer cites nothing.
    """
    if is_refusal(text):
        return ()
    cited = _markers(text)
    if not cited:
        raise GenerationError("The language model's answer cites none of the passages.")
    wrong = [n for n in cited if not 1 <= n <= n_passages]
    if wrong:
        given = f"{n_passages} passage" + ("" if n_passages == 1 else "s")
        raise GenerationError(f"The language model cited passage [{wrong[0]}] but was given {given}.")
    return cited


def generate(question: str, lang: str, passages: Sequence[Passage], settings: Settings) -> Generated:
    """Ask the model for a cited answer from `passages`; raises GenerationError on any failure."""
    import httpx

    base, url = _endpoint(settings)
    if not passages:
        return Generated(text="", citations=(), refused=True)
    payload = _payload(settings, build_messages(question, lang, passages), stream=False)
    try:
        with _client(settings) as client:
            response = client.post(url, json=payload, headers=_headers(settings))
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise _transport_error(exc, base, settings.llm.timeout) from exc
    _check_status(response, base)
    text = _reply_text(response, base).strip()
    if is_refusal(text):
        return Generated(text="", citations=(), refused=True)
    return Generated(text=text, citations=check_citations(text, len(passages)), refused=False)


def generate_stream(question: str, lang: str, passages: Sequence[Passage], settings: Settings) -> Iterator[str]:
    """Yield the answer's text deltas as the model writes them.

    Raises GenerationError on failure or time-out, and after the last delta when the full text cites a
    passage it was not given or cites nothing; text shown so far should then be replaced by the fallback.

    A refusal raises nothing: the start of a reply is held back while it could still be the refusal token,
    and a refusal comes out as exactly one delta, `REFUSAL`, and nothing after it. Check the first delta
    (or the accumulated text) with `is_refusal` before showing it.
    """
    import httpx

    base, url = _endpoint(settings)
    if not passages:
        yield REFUSAL
        return
    payload = _payload(settings, build_messages(question, lang, passages), stream=True)
    text = ""
    try:
        with _client(settings) as client, client.stream("POST", url, json=payload, headers=_headers(settings)) as r:
            if r.status_code >= 400:
                r.read()
                _check_status(r, base)
            for delta in _hold_refusal(_deltas(r, base)):
                text += delta
                yield delta
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise _transport_error(exc, base, settings.llm.timeout) from exc
    if is_refusal(text):
        return
    if not text.strip():
        raise GenerationError(f"The language model at {base} sent no answer text.")
    check_citations(text, len(passages))


def _markers(text: str) -> tuple[int, ...]:
    """Every number inside [n] or [n, m] markers, distinct, in order of first use."""
    numbers = (int(n) for marker in _MARKER.finditer(text) for n in _NUMBER.findall(marker.group(1)))
    return tuple(dict.fromkeys(numbers))


def _endpoint(settings: Settings) -> tuple[str, str]:
    """The base URL (for messages) and the chat-completions URL; GenerationError when generation is off."""
    if not llm_enabled(settings):
        raise GenerationError("Answer generation is off: set KOTAE_LLM_BASE_URL and KOTAE_LLM_MODEL.")
    base = str(settings.llm.base_url).strip().rstrip("/")
    return base, f"{base}/chat/completions"


def _payload(settings: Settings, messages: list[dict], *, stream: bool) -> dict[str, Any]:
    return {"model": settings.llm.model, "messages": messages, "temperature": 0, "stream": stream}


def _headers(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.llm.api_key}"} if settings.llm.api_key else {}


def _client(settings: Settings) -> httpx.Client:
    import httpx

    return httpx.Client(timeout=httpx.Timeout(settings.llm.timeout))


def _transport_error(exc: Exception, base: str, timeout: float) -> GenerationError:
    """A one-line message for a failure below HTTP: time-out, refused connection, bad address."""
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return GenerationError(f"The language model at {base} did not answer within {timeout:g} s.")
    if isinstance(exc, httpx.ConnectError):
        return GenerationError(f"Cannot reach the language model at {base} ({_one_line(str(exc)) or 'no answer'}).")
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return GenerationError(f"The language model address {base!r} is not a valid http(s) URL.")
    return GenerationError(f"The connection to the language model at {base} failed ({type(exc).__name__}).")


def _check_status(response: httpx.Response, base: str) -> None:
    """GenerationError for an HTTP error status, with the server's own message when it sent one."""
    if response.status_code < 400:
        return
    detail = _error_detail(response)
    suffix = f": {detail}" if detail else ""
    raise GenerationError(f"The language model at {base} answered HTTP {response.status_code}{suffix}.")


def _error_detail(response: httpx.Response) -> str:
    """The error message in an OpenAI-style error body, else the start of the body, on one line."""
    try:
        body = response.json()
    except ValueError:
        return _one_line(response.text)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        error = error.get("message")
    return _one_line(str(error)) if error else _one_line(response.text)


def _reply_text(response: httpx.Response, base: str) -> str:
    """`choices[0].message.content` of a non-streamed reply; GenerationError when absent or empty."""
    try:
        body = response.json()
    except ValueError:
        raise GenerationError(f"The language model at {base} sent a reply that is not valid JSON.") from None
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        content = None
    if not isinstance(content, str) or not content.strip():
        raise GenerationError(f"The language model at {base} sent no answer text.")
    return content


def _deltas(response: httpx.Response, base: str) -> Iterator[str]:
    """The text deltas of a Server-Sent Events reply, up to `data: [DONE]`."""
    # A server that ignores "stream": true answers with one JSON body; take its text as a single delta.
    if response.headers.get("content-type", "").startswith("application/json"):
        response.read()
        yield _reply_text(response, base)
        return
    for line in response.iter_lines():
        if not line.startswith("data:"):
            continue  # blank separators, comments, "event:" and "id:" lines
        data = line[len("data:"):].strip()
        if data == "[DONE]":
            return
        delta = _event_delta(data, base)
        if delta:
            yield delta


def _event_delta(data: str, base: str) -> str | None:
    """`choices[0].delta.content` of one streamed event; None for events without text (role, usage)."""
    try:
        event = json.loads(data)
    except ValueError:
        raise GenerationError(f"The language model at {base} sent a stream event that is not valid JSON.") from None
    if not isinstance(event, dict):
        raise GenerationError(f"The language model at {base} sent a stream event that is not a JSON object.")
    if event.get("error"):
        error = event["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise GenerationError(f"The language model at {base} failed while answering: {_one_line(str(message))}.")
    choices = event.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    delta = choices[0].get("delta")
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) else None


def _hold_refusal(deltas: Iterator[str]) -> Iterator[str]:
    """Pass deltas through, holding back the start while it could still be the refusal token, so that no
    part of the token is ever shown: a refusal comes out as one delta, REFUSAL, and the stream stops."""
    held = ""
    for delta in deltas:
        held += delta
        lead = held.lstrip(_REFUSAL_WRAPPERS)
        if lead.startswith(REFUSAL):
            yield REFUSAL
            return
        if not REFUSAL.startswith(lead):
            yield held
            yield from deltas
            return
    if held:
        yield held  # the stream ended on a prefix of the token, e.g. "NOT": an answer after all


def _one_line(text: str, limit: int = 200) -> str:
    """Collapse white space and shorten, so a server's message fits in a one-line error."""
    line = " ".join(text.split()).rstrip(".")
    return line if len(line) <= limit else line[: limit - 1] + "…"
