"""Follow-up questions: when a question leans on the conversation, search with the earlier question too.

A conversation comes in either of two shapes, oldest first: question/answer turns
(`[{"question": …, "answer": …}]`) or chat messages as chat APIs send them
(`[{"role": "user" | "assistant", "content": …}]`). Anything else is refused, never ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kotae.analyze import Analyzer
from kotae.errors import HistoryError

_JA_REFERENCE = re.compile(r"それ|その|これ|この|あれ|あの|そこ|そちら|彼|彼女|同氏|同国|当時|"
                           r"^(?:では|じゃあ?|で|また)[、,]?")
# The time a conversation spoke of, as 当時 is: "at that time", "back then", and "then" ending a question ("Who
# was the prime minister then?"), not the "then" of "if …, then".
_EN_REFERENCE = re.compile(r"\b(?:it|its|they|them|their|he|him|his|she|her|this|that|these|those|there|one|"
                           r"the same|such|at the time|back then)\b|^(?:and|so|then|what about|how about)\b|"
                           r"\bthen\s*[?.!]*\s*$", re.I)
MIN_CONTENT_TERMS = 2
ANSWER_CHARS = 60  # a short answer, not a passage
_APPOSITION = re.compile(r"[,、，:：(（]\s*")
_LIST_MARKS = re.compile(r"[,、，]")
_SENTENCE_END = re.compile(r"[。．.!?！？]\s*(?:\[\d+\]\s*)*$")


def depends_on_history(question: str, analyzer: Analyzer, common: Callable[[str], bool] | None = None) -> bool:
    """Pronouns, demonstratives, a leading 'and', too few content words of its own, or (given what is `common`)
    only words that many passages share: 「日本は参加するの？」 after a question about NSATU names no subject of its
    own, as Japanese leaves out what the conversation already says."""
    text = unicodedata.normalize("NFKC", question).strip()
    if _JA_REFERENCE.search(text) or _EN_REFERENCE.search(text):
        return True
    content = [t for t in analyzer.terms(text) if not t.isascii() or len(t) > 3]
    return len(content) < MIN_CONTENT_TERMS or (common is not None and all(common(t) for t in content))


@dataclass(frozen=True)
class Turn:
    """An earlier question of the conversation and the answer it got (None when the history has none)."""

    question: str
    answer: str | None = None


def read_history(history: Sequence[Mapping[str, Any]] | None) -> tuple[Turn, ...]:
    """The turns of a conversation given as question/answer turns or chat messages, oldest first: each user
    message asks, the assistant message after it answers (an assistant message with no question before it, such as
    a greeting, is an answer to nothing). HistoryError, naming the first item that is neither, otherwise."""
    if not history:
        return ()
    if isinstance(history, (str, bytes, Mapping)) or not isinstance(history, Sequence):
        raise HistoryError("The history must be a list of turns or chat messages, oldest first.")
    turns: list[Turn] = []
    for n, item in enumerate(history):
        if not isinstance(item, Mapping):
            raise HistoryError(f"History item {n} is not an object; give {_SHAPES}.")
        if "role" in item:
            role, content = item.get("role"), item.get("content")
            if role not in ("user", "assistant") or not isinstance(content, str) or set(item) - {"role", "content"}:
                raise HistoryError(f"History item {n} is not a chat message: give {{\"role\": \"user\" or "
                                   f"\"assistant\", \"content\": text}}.")
            if role == "user":
                turns.append(Turn(content))
            elif turns and turns[-1].answer is None:
                turns[-1] = Turn(turns[-1].question, content)
            else:
                turns.append(Turn("", content))
            continue
        question, answer = item.get("question"), item.get("answer")
        if not isinstance(question, str) or set(item) - {"question", "answer"} or not (
                answer is None or isinstance(answer, str)):
            raise HistoryError(f"History item {n} is not a turn; give {_SHAPES}.")
        turns.append(Turn(question, answer))
    return tuple(turns)


def respelled(history: Sequence[Mapping[str, Any]] | None, spell: Callable[[str], str]
              ) -> Sequence[Mapping[str, Any]] | None:
    """The history with each earlier question (a turn's question, a user message's content) rewritten by `spell`;
    anything not of either shape is left as it is, for read_history to name."""
    if not history or isinstance(history, (str, bytes, Mapping)) or not isinstance(history, Sequence):
        return history

    def item(turn: Any) -> Any:
        if not isinstance(turn, Mapping):
            return turn
        if "role" in turn:
            content = turn.get("content")
            return {**turn, "content": spell(content)} if turn.get("role") == "user" and isinstance(content, str) \
                else turn
        question = turn.get("question")
        return {**turn, "question": spell(question)} if isinstance(question, str) else turn

    return [item(turn) for turn in history]


_SHAPES = ('question/answer turns ({"question": …, "answer": …}) or chat messages '
           '({"role": "user" or "assistant", "content": …})')


def retrieval_question(question: str, history: Sequence[Mapping[str, Any]] | None, analyzer: Analyzer,
                       common: Callable[[str], bool] | None = None) -> str:
    """The text to search for: the question itself, or the last earlier question followed by it (see
    `depends_on_history`)."""
    turns = read_history(history)
    if not turns or not depends_on_history(question, analyzer, common):
        return question
    last = _last_asked(turns)
    if last is None:
        return question
    return " ".join(part for part in (last.question.strip(), named(last.answer), question) if part)


def last_named(history: Sequence[Mapping[str, Any]] | None) -> str:
    """What the answer to the conversation's last question names first (see `named`), up to a bracket or comma: 12か国
    of 12か国（1949年設立）. Empty where there is none."""
    last = _last_asked(read_history(history))
    return _APPOSITION.split(named(last.answer), maxsplit=1)[0].strip() if last is not None else ""


def earlier_question(history: Sequence[Mapping[str, Any]] | None) -> tuple[str, Turn | None] | None:
    """The conversation's last question and the turn that asked before it (None where there is none); None where
    the conversation asked nothing."""
    asked = [turn for turn in read_history(history) if turn.question.strip()]
    return (asked[-1].question, asked[-2] if len(asked) > 1 else None) if asked else None


def _last_asked(turns: Sequence[Turn]) -> Turn | None:
    """The conversation's last turn that asked something (a greeting answers nothing)."""
    return next((turn for turn in reversed(turns) if turn.question.strip()), None)


def named(answer: str | None) -> str:
    """What an earlier answer names, for a follow-up that may refer to it ("he", その人): a short answer (Mark Rutte,
    2022年6月; the lead of kotae's own answers, before " — "), never a quoted sentence, which would only pull the
    search back to the passage it came from."""
    lines = (answer or "").strip().splitlines()
    lead = lines[0].split(" — ")[0].strip() if lines else ""
    if lead.endswith(".") and not lead.endswith(".."):  # a reply's full stop (Jens Stoltenberg.), not a quote's 。
        lead = lead[:-1].rstrip()
    if _SENTENCE_END.search(lead):
        return ""
    if len(lead) > ANSWER_CHARS and len(_LIST_MARKS.findall(lead)) < 2:
        # a name and then what it is (NSATU, NATO's Security Assistance … for Ukraine), not a list of names
        lead = _APPOSITION.split(lead, maxsplit=1)[0].strip()
    return lead if len(lead) <= ANSWER_CHARS else ""
