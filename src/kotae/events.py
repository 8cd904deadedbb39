"""What `Kotae.stream()` yields while an answer is made: the passages, the text in pieces, the final answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from kotae.errors import KotaeError
from kotae.types import Passage

if TYPE_CHECKING:
    from kotae.answered import Answer


@dataclass(frozen=True)
class Passages:
    """First: what was searched and the passages found, the evidence any answer quotes."""

    question: str
    lang: str
    mode: str
    retrieval_query: str
    passages: tuple[Passage, ...]


@dataclass(frozen=True)
class Delta:
    """A piece of the answer's text (a quoted answer comes as one piece; none when kotae abstains)."""

    text: str


@dataclass(frozen=True)
class Final:
    """Last: the answer, authoritative over the deltas (a generated text that failed its check is replaced)."""

    answer: Answer


@dataclass(frozen=True)
class Failed:
    """The answer could not be made; ends the stream instead of `Final`."""

    error: KotaeError


Event = Union[Passages, Delta, Final, Failed]  # noqa: UP007 (a runtime alias, and Python 3.10 is supported)
