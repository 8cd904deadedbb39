"""Request and response bodies at the HTTP edge; the library itself passes frozen dataclasses."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
)
from pydantic_core import PydanticCustomError

MAX_QUESTION = 1000
MAX_HISTORY = 20  # items of a conversation: question/answer turns or chat messages
MAX_ANSWER = 4000
MAX_ID = 128
MAX_TOP_K = 50

# C0 and C1 control characters and DEL, except tab, line feed and carriage return.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_CONTROL_RE = re.compile(f"[{_CONTROL}]")
# The same rules as the validators below, published in the OpenAPI schema so that clients and schema-driven
# test tools know them: some text that is not white space, and no control characters.
QUESTION_PATTERN = rf"^[^{_CONTROL}]*[^\s{_CONTROL}][^{_CONTROL}]*$"
TEXT_PATTERN = rf"^[^{_CONTROL}]*$"


def _no_control(value: str) -> str:
    if _CONTROL_RE.search(value):
        raise PydanticCustomError("control_characters", "must not contain control characters (such as NUL)")
    return value


def _question(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("empty_question", "must not be empty or white space only")
    return _no_control(value)


Question = Annotated[str, Field(min_length=1, max_length=MAX_QUESTION, json_schema_extra={"pattern": QUESTION_PATTERN},
                                description="a question in Japanese or English"), AfterValidator(_question)]
Mode = Literal["auto", "lexical", "dense", "hybrid"]
Lang = Literal["ja", "en"]


def _whole_number(value: Any) -> Any:
    # JSON Schema counts 5.0 as an integer, so it is accepted (and 2.5 refused by the int type); strings and
    # booleans are refused rather than converted.
    if isinstance(value, (str, bool)):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


TopK = Annotated[int, Field(ge=1, le=MAX_TOP_K, strict=False,
                            description="passages to return (default: the server's, 5)"),
                 BeforeValidator(_whole_number)]


class _Request(BaseModel):
    # Unknown fields are refused rather than ignored, so a misspelt option is an error, not a silent default;
    # strict, so "5" is not taken for 5.
    model_config = ConfigDict(extra="forbid", strict=True)


class Turn(_Request):
    """An earlier question of the conversation, and kotae's answer to it."""

    question: Annotated[str, Field(max_length=MAX_QUESTION, json_schema_extra={"pattern": TEXT_PATTERN}),
                        AfterValidator(_no_control)]
    answer: Annotated[str, Field(max_length=MAX_ANSWER, json_schema_extra={"pattern": TEXT_PATTERN}),
                      AfterValidator(_no_control)] | None = None


class Message(_Request):
    """A chat message of the conversation, as chat APIs send them: the user's question or kotae's answer."""

    role: Literal["user", "assistant"]
    content: Annotated[str, Field(max_length=MAX_ANSWER, json_schema_extra={"pattern": TEXT_PATTERN}),
                       AfterValidator(_no_control)]


def _history_shape(item: Any) -> str | None:
    if isinstance(item, dict):
        return "message" if "role" in item else "turn"
    return None


# One item of a conversation: a question/answer turn or a chat message, told apart by "role" (the library refuses
# a history that mixes them). The tags never show in error locations (see problems._field_error).
HistoryItem = Annotated[Annotated[Turn, Tag("turn")] | Annotated[Message, Tag("message")],
                        Discriminator(_history_shape, custom_error_type="history_item",
                                      custom_error_message="Input should be a turn or a chat message object")]
UNION_TAGS = frozenset({"turn", "message"})


class AskRequest(_Request):
    question: Question
    history: list[HistoryItem] | None = Field(
        None, max_length=MAX_HISTORY,
        description="the conversation so far, oldest first, for follow-up questions: question/answer turns "
                    '({"question", "answer"}) or chat messages ({"role": "user" or "assistant", "content"}), '
                    f"at most {MAX_HISTORY} items ({MAX_HISTORY // 2} exchanges of chat messages)")
    top_k: TopK | None = None
    mode: Mode | None = Field(None, description="retrieval mode (default: auto, hybrid when the index has vectors)")
    lang: Lang | None = Field(
        None, description="language of kotae's own messages (the abstention message); default: the question's")

    def history_dicts(self) -> list[dict[str, Any]]:
        """The history as the library takes it."""
        return [t.model_dump() for t in self.history or ()]


class SearchRequest(_Request):
    question: Question
    top_k: TopK | None = None
    mode: Mode | None = None
    id: Annotated[str, Field(max_length=MAX_ID, json_schema_extra={"pattern": TEXT_PATTERN}),
                  AfterValidator(_no_control)] | None = Field(None, description="echoed back in the result")


# The longest JSON spelling of one character: one outside the Basic Multilingual Plane written as two \uXXXX
# escapes, as JSON encoders that escape non-ASCII text (Python's json, by default) write emoji.
_WIDEST_CHARACTER = 12


def largest_request() -> int:
    """The largest body the request schemas admit, in bytes: compact JSON with every text field at its longest and
    every character at its longest spelling. (JSON allows any white space between tokens, so no limit admits
    every spelling of every valid request; this one admits every compact spelling.)"""
    text = "~"  # a character no key or fixed value holds, standing for one of free text
    turn = {"question": text * MAX_QUESTION, "answer": text * MAX_ANSWER}
    message = {"role": "assistant", "content": text * MAX_ANSWER}
    item = max(turn, message, key=lambda i: len(json.dumps(i)))
    longest = {"top_k": MAX_TOP_K, "mode": max(get_args(Mode), key=len)}
    bodies = ({"question": text * MAX_QUESTION, "history": [item] * MAX_HISTORY, **longest,
               "lang": max(get_args(Lang), key=len)},
              {"question": text * MAX_QUESTION, **longest, "id": text * MAX_ID})
    written = [json.dumps(body, separators=(",", ":")) for body in bodies]
    return max(len(w) + w.count(text) * (_WIDEST_CHARACTER - 1) for w in written)


REQUESTS: tuple[str, ...] = (AskRequest.__name__, SearchRequest.__name__)  # the bodies that choose a mode


# Questions for the OpenAPI examples when no examples file is configured: the collection is configuration, so
# the examples normally come from its examples file (see request_examples).
GENERIC_QUESTIONS = {"ja": "本部はどこにありますか?", "en": "Where is the headquarters?"}


def request_examples(examples: Sequence[Mapping[str, str]], *, ask: bool) -> dict[str, dict[str, Any]]:
    """OpenAPI examples of an ask or search request: one question in each language, and for ask a follow-up
    that leans on the previous question."""
    question = dict(GENERIC_QUESTIONS)
    for lang in question:
        question[lang] = next((e["question"] for e in examples if e.get("lang") == lang), question[lang])
    if not ask:
        return {"ja": {"summary": "日本語の質問", "value": {"question": question["ja"], "top_k": 3}},
                "en": {"summary": "A question in English",
                       "value": {"question": question["en"], "mode": "lexical", "id": "q1"}}}
    return {"ja": {"summary": "日本語の質問", "value": {"question": question["ja"]}},
            "en": {"summary": "A question in English", "value": {"question": question["en"], "top_k": 3}},
            "follow-up": {"summary": "追加の質問 (follow-up with history)",
                          "value": {"question": "それについて詳しく教えてください。",
                                    "history": [{"question": question["ja"], "answer": "… [1]"}]}}}


# Responses: documented shapes. Extra fields are allowed, so that a field added to the library's output is a
# compatible change.

class _Response(BaseModel):
    model_config = ConfigDict(extra="allow")


class PassageOut(_Response):
    rank: int = Field(description="its place in the list: in a search, by retrieval; in an answer, by citation (the "
                                  "passages the answer cites first, in the order it cites them, then the others)")
    doc_id: str
    title: str
    chunk_id: str
    start: int = Field(description="character offset into the document's text")
    end: int
    text: str = Field(description="exactly document.text[start:end]")
    score: float = Field(description="the ranking's own score, comparable only within one result: BM25 (lexical), "
                         "cosine (dense), or the fused score (hybrid: 0–1, or a sum of weighted reciprocal ranks "
                         "where KOTAE_FUSION or KOTAE_FUSION_EN is rrf); an English question's top three passages are "
                         "reordered by their best sentence, so their scores need not descend")


class TranslatedTerm(_Response):
    en: str
    ja: list[str]


class SearchResultOut(_Response):
    id: str | None
    question: str
    lang: str = Field(description="ja, en or mixed")
    mode: str
    query_terms: list[str | TranslatedTerm]
    passages: list[PassageOut]
    note: str | None = None


class SentenceOut(_Response):
    text: str
    citation: int = Field(description="rank of the passage quoted, numbered in the order the answer cites them")
    doc_id: str
    start: int
    end: int


class AnswerText(_Response):
    text: str = Field(description="the answer: the short answer first when there is one (\"2013年4月 — \", in English "
                                  "\"April 2013 (2013年4月) — \"), then each sentence followed by [n], the rank of its "
                                  "passage")
    sentences: list[SentenceOut]


class ShortAnswerOut(_Response):
    """The item a when/where/who/how-many question asks for, as a span of a cited sentence."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"text": "2021年4月1日", "en": "1 April 2021", "kind": "date", "doc_id": "city-library", "start": 47,
         "end": 56},
        {"text": "約30万冊", "en": None, "kind": "number", "doc_id": "city-library", "start": 93, "end": 98}]})

    text: str = Field(description="exactly document.text[start:end], inside one of the answer's sentences")
    en: str | None = Field(description="the item in English, for English questions, when it can be said without "
                                       "guessing (dates and numbers always; names through the dictionary); else null")
    kind: str = Field(description="what the question asks for: date, number, place or person")
    doc_id: str
    start: int = Field(description="character offset into the document's text")
    end: int


class GlossOut(_Response):
    ja: str
    en: str


class AnswerOut(_Response):
    id: str | None = None
    question: str
    lang: str
    mode: str
    abstained: bool
    retrieval_query: str = Field(description="what was searched: the question, or with the previous one")
    short_answer: ShortAnswerOut | None = Field(
        None, description="the date, number, place or person asked for (when, how many, where, who), as a span of "
                          "a cited sentence; null for other questions, when no cited sentence names one, or on "
                          "abstention")
    answer: AnswerText | None = Field(description="null when kotae abstains")
    message: str | None = None
    note: str | None = None
    confidence: float
    glosses: list[GlossOut] = []
    query_terms: list[str | TranslatedTerm] = []
    passages: list[PassageOut]


class DocumentSummary(_Response):
    id: str
    title: str
    source: str | None
    published: str | None


class DocumentList(_Response):
    documents: list[DocumentSummary]


class DocumentOut(DocumentSummary):
    lang: str | None = None
    meta: dict[str, Any] = Field(description="the document's front matter")
    text: str = Field(description="the stored text; every passage's start/end index into it")


class InfoOut(_Response):
    kotae_version: str
    api_version: str
    build_id: str
    built_at: str | None
    documents: int
    characters: int
    chunks: int
    model: str | None = Field(description="the embedding model, or null for a lexical-only index")
    modes: list[str] = Field(description="retrieval modes this index can serve")
    loaded_at: str


class Health(_Response):
    status: str


class ReloadOut(_Response):
    build_id: str
    previous_build_id: str | None
    documents: int
    seconds: float


class FieldError(_Response):
    field: str
    message: str
    type: str


class Problem(_Response):
    """An RFC 9457 problem."""

    type: str = Field(description="a URI naming the kind of problem; about:blank when the status says it all")
    title: str
    status: int
    detail: str
    request_id: str | None = Field(description="also in the X-Request-ID header and the server's logs")
    errors: list[FieldError] | None = Field(None, description="each invalid field, for 422")


# Server-Sent Events of POST /v1/ask/stream: each `data:` line is one of these objects.

class MetaEvent(_Response):
    type: Literal["meta"]
    request_id: str | None
    question: str
    lang: str
    mode: str
    retrieval_query: str


class PassagesEvent(_Response):
    type: Literal["passages"]
    passages: list[PassageOut]


class DeltaEvent(_Response):
    type: Literal["delta"]
    text: str = Field(description="the next piece of the answer's text")


class AnswerEvent(_Response):
    type: Literal["answer"]
    answer: AnswerOut = Field(description="the final answer, as POST /v1/ask returns it; show it in place of the "
                                          "deltas when it differs (a generated answer that failed its checks)")


class DoneEvent(_Response):
    type: Literal["done"]


class ErrorEvent(_Response):
    type: Literal["error"]
    problem: Problem


STREAM_EVENTS: tuple[type[_Response], ...] = (MetaEvent, PassagesEvent, DeltaEvent, AnswerEvent, DoneEvent, ErrorEvent)
