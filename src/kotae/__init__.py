"""kotae: bilingual, document-grounded question answering over Japanese documents."""

from kotae.config import Settings
from kotae.errors import (
    ConfigError,
    CorpusError,
    EmptyQuestionError,
    IndexMissingError,
    KotaeError,
    ModelUnavailableError,
    StaleIndexError,
    UnknownDocumentError,
)
from kotae.types import Chunk, Document, Passage, SearchResult, Token

__all__ = [
    "Chunk",
    "ConfigError",
    "CorpusError",
    "Document",
    "EmptyQuestionError",
    "IndexMissingError",
    "KotaeError",
    "ModelUnavailableError",
    "Passage",
    "SearchResult",
    "Settings",
    "StaleIndexError",
    "Token",
    "UnknownDocumentError",
]
