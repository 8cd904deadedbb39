"""kotae: bilingual, document-grounded question answering over Japanese documents.

    import kotae
    k = kotae.open("index")
    answer = k.ask("NATOの本部はどこにありますか")
    print(answer.to_dict()["answer"])
"""

import os
from pathlib import Path

# torch and FAISS each bring an OpenMP runtime whose threads busy-wait after every parallel region; on a
# machine with few cores each runtime's threads then wait for the other's to yield, and encoding one question
# with a tiny model took 39 ms instead of 1.3 ms. Sleeping threads cost microseconds per region instead.
# It must be set before either library loads, hence here.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def data_file(name: str) -> Path:
    """A file that installs with kotae, in its package's data folder."""
    from importlib.resources import files

    return Path(str(files("kotae") / "data" / name))


def package_version(package: str = "kotae") -> str:
    """An installed package's version (kotae's own by default), or "unknown"."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


from kotae.answered import Answer, AnswerSentence  # noqa: E402
from kotae.config import AnswerSettings, IndexSettings, LLMSettings, RetrievalSettings, Settings  # noqa: E402
from kotae.errors import (  # noqa: E402
    ConfigError,
    CorpusError,
    DamagedIndexError,
    EmptyQuestionError,
    GenerationError,
    HistoryError,
    IndexMissingError,
    IndexWriteError,
    KotaeError,
    ModelUnavailableError,
    StaleIndexError,
    StoreUnavailableError,
    UnknownDocumentError,
)
from kotae.events import Delta, Event, Failed, Final, Passages  # noqa: E402
from kotae.facade import Kotae, open  # noqa: E402
from kotae.glosses import Gloss  # noqa: E402
from kotae.types import Chunk, Document, Passage, SearchResult  # noqa: E402

__all__ = [
    "Answer",
    "AnswerSentence",
    "AnswerSettings",
    "Chunk",
    "ConfigError",
    "CorpusError",
    "DamagedIndexError",
    "Delta",
    "Document",
    "EmptyQuestionError",
    "Event",
    "Failed",
    "Final",
    "GenerationError",
    "Gloss",
    "HistoryError",
    "IndexMissingError",
    "IndexSettings",
    "IndexWriteError",
    "Kotae",
    "KotaeError",
    "LLMSettings",
    "ModelUnavailableError",
    "Passage",
    "Passages",
    "RetrievalSettings",
    "SearchResult",
    "Settings",
    "StaleIndexError",
    "StoreUnavailableError",
    "UnknownDocumentError",
    "open",
    "package_version",
]
