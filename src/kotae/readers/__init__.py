"""Format readers: a file's bytes to the clean text kotae stores and quotes, with its title and metadata.

Each reader takes the bytes of one file and returns an `Extracted`, or raises CorpusError with a short reason
(the caller skips the file with it). Libraries that are slow to import are imported inside the reader that
needs them, so `import kotae` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable

from kotae.readers.base import Extracted
from kotae.readers.docx import read_docx
from kotae.readers.html import read_html
from kotae.readers.markdown import read_markdown
from kotae.readers.pdf import read_pdf
from kotae.readers.text import read_text

Reader = Callable[[bytes], Extracted]
# Raised whenever a reader stores different text for the same bytes: indexes built by older readers are then stale
# (the corpus fingerprint includes it), since their offsets index text that is no longer what is stored.
READERS_VERSION = 2

READERS: dict[str, Reader] = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_text,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
}
SUFFIXES = tuple(READERS)

__all__ = ["READERS", "SUFFIXES", "Extracted", "Reader"]
