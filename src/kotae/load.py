"""Read a corpus folder (its subfolders too) into Documents of clean text; a file that cannot be read is skipped
with a reason. The readers of each format are in kotae.readers."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kotae.build_cache import BuildCache
from kotae.errors import CorpusError
from kotae.readers import READERS, READERS_VERSION, SUFFIXES, Extracted
from kotae.types import Document

_ID_OK = re.compile(r"^\w[\w.-]{0,127}$")


@dataclass(frozen=True)
class Skipped:
    """A file of the corpus folder that is not indexed, and why, in a few words."""

    path: str  # relative to the corpus folder
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Corpus:
    documents: tuple[Document, ...]
    skipped: tuple[Skipped, ...]


def corpus_files(folder: Path) -> tuple[list[Path], list[Skipped]]:
    """The document files under `folder`, sorted by relative path, and the files passed over (hidden, of a type
    kotae does not read). A README at the top of the folder describes the corpus and is not a document."""
    if not folder.exists():
        raise CorpusError(f"The corpus folder {folder} does not exist.")
    if not folder.is_dir():
        raise CorpusError(f"The corpus path {folder} is not a folder.")
    files: list[Path] = []
    skipped: list[Skipped] = []
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        for name in sorted(d for d in dirs if d.startswith(".")):  # .git and the like: said once, not entered
            skipped.append(Skipped((here / name).relative_to(folder).as_posix() + "/", "hidden folder"))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            path = here / name
            rel = path.relative_to(folder)
            if name.startswith("."):
                skipped.append(Skipped(rel.as_posix(), "hidden"))
            elif len(rel.parts) == 1 and path.stem.lower() == "readme":
                continue
            elif path.suffix.lower() not in SUFFIXES:
                skipped.append(Skipped(rel.as_posix(), f"unsupported type ({path.suffix or 'no extension'})"))
            else:
                files.append(path)
    files.sort(key=lambda p: p.relative_to(folder).as_posix())
    skipped.sort(key=lambda s: s.path)
    return files, skipped


def slug(name: str) -> str:
    """A readable, stable id from a file's path relative to the corpus (without its extension)."""
    text = unicodedata.normalize("NFKC", name).strip().lower()
    text = re.sub(r"[^\w.-]+", "-", text).strip("-._")
    return text[:128] or "document"


def make_document(rel: str, extracted: Extracted) -> Document:
    """One document from what a reader extracted from the file at `rel`: the id from the front matter or the
    path, the title from the file or its first line. Raises CorpusError (with the reason only) for a document that
    cannot be used."""
    meta = dict(extracted.meta)
    doc_id = str(meta.pop("id", None) or slug(str(Path(rel).with_suffix(""))))
    if not _ID_OK.match(doc_id):
        raise CorpusError(f"id {doc_id!r} must be letters, digits, '.', '_' or '-' (no slashes or spaces)")
    if not extracted.text.strip():
        raise CorpusError("empty")
    title = str(extracted.title or _first_line(extracted.text) or doc_id)
    meta.setdefault("file", rel)
    return Document(id=doc_id, title=title, text=extracted.text, meta=meta, headings=extracted.headings)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return ""


def read_corpus(folder: Path, cache: BuildCache | None = None) -> Corpus:
    """Every document under `folder` in relative-path order with unique ids, and every file skipped with why;
    files read before with the same bytes come from `cache`. CorpusError only when the folder is missing or holds
    no document at all."""
    cache = cache or BuildCache.off()
    files, skipped = corpus_files(folder)
    docs: list[Document] = []
    seen: dict[str, str] = {}
    for path in files:
        rel = path.relative_to(folder).as_posix()
        try:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CorpusError(f"not readable ({exc.strerror or exc.__class__.__name__})") from exc
            if not data.strip():
                raise CorpusError("empty")
            suffix = path.suffix.lower()
            doc = make_document(rel, cache.extracted(data, suffix, READERS_VERSION, READERS[suffix]))
            if doc.id in seen:
                raise CorpusError(f"has the same id {doc.id!r} as {seen[doc.id]}")
        except CorpusError as exc:
            skipped.append(Skipped(rel, str(exc)))
            continue
        seen[doc.id] = rel
        docs.append(doc)
    if not docs:
        why = f" ({'; '.join(str(s) for s in skipped[:5])})" if skipped else ""
        raise CorpusError(f"The corpus folder {folder} has no document kotae can read{why}.")
    return Corpus(tuple(docs), tuple(sorted(skipped, key=lambda s: s.path)))


def load_corpus(folder: Path) -> list[Document]:
    """The documents of `folder` (see `read_corpus` for the files skipped)."""
    return list(read_corpus(folder).documents)


def fingerprint(folder: Path) -> str:
    """A hash of the corpus files' paths and bytes and of the readers' version: it changes whenever a document
    changes (or a skipped one is mended, added or removed), or kotae reads the same bytes into other text."""
    digest = hashlib.sha256(f"readers {READERS_VERSION}\0".encode())
    files, skipped = corpus_files(folder)
    for path in files:
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for passed_over in skipped:
        digest.update(f"{passed_over}\0".encode())
    return digest.hexdigest()
