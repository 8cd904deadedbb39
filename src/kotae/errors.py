"""Named errors raised by the kotae library.

    KotaeError                  every error a user can cause or fix
    ├── ConfigError             a setting has an invalid value
    ├── CorpusError             the corpus folder is missing, empty or unreadable
    ├── IndexMissingError       no index has been built yet
    ├── StaleIndexError         the index no longer matches the corpus or the settings
    │   └── DamagedIndexError   a file of the index cannot be read or does not match the manifest
    ├── IndexWriteError         the index folder cannot be written (a build cannot be published)
    ├── ModelUnavailableError   the embedding model cannot be loaded
    ├── StoreUnavailableError   the store holding the vectors (a Milvus server) cannot be reached
    ├── EmptyQuestionError      the question has no text
    ├── HistoryError            the conversation history has a shape kotae does not know
    ├── UnknownDocumentError    no document has the requested id
    └── GenerationError         the language model gave no usable answer

The CLI and the HTTP API turn these into one-line messages; nothing here prints.
"""

from __future__ import annotations


class KotaeError(Exception):
    """Base class: the message is one sentence a user can act on."""


class ConfigError(KotaeError):
    """A setting has a value kotae cannot use."""


class CorpusError(KotaeError):
    """The corpus folder is missing, empty, or holds a file that cannot be read."""


class IndexMissingError(KotaeError):
    """No index has been built in the index folder."""


class StaleIndexError(KotaeError):
    """The index was built from another corpus or with other settings."""


class DamagedIndexError(StaleIndexError):
    """A file of the index cannot be read or does not match the manifest; rebuilding mends it as it does a
    stale index."""


class IndexWriteError(KotaeError):
    """A build cannot be written into the index folder (no permission, no space); the index in it is unchanged."""


class ModelUnavailableError(KotaeError):
    """The embedding model cannot be loaded (not installed, not cached, or no network)."""


class StoreUnavailableError(KotaeError):
    """The store that holds the index's vectors (Milvus) cannot be reached or does not answer; retrying later may
    succeed, rebuilding does not help."""


class EmptyQuestionError(KotaeError):
    """The question is empty or white space only."""


class HistoryError(KotaeError):
    """The conversation history is neither question/answer turns nor chat messages."""


class UnknownDocumentError(KotaeError):
    """No document in the index has the requested id."""


class GenerationError(KotaeError):
    """The language model could not be reached, failed, timed out, or cited passages it was not given."""
