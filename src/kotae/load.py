"""Read a corpus folder of Markdown or text files into Documents."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import yaml

from kotae.errors import CorpusError
from kotae.types import Document

SUFFIXES = (".md", ".txt")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_ID_OK = re.compile(r"^\w[\w.-]{0,127}$")


def corpus_files(folder: Path) -> list[Path]:
    """The document files of a corpus folder, sorted; README files are not documents."""
    if not folder.exists():
        raise CorpusError(f"The corpus folder {folder} does not exist.")
    if not folder.is_dir():
        raise CorpusError(f"The corpus path {folder} is not a folder.")
    files = sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SUFFIXES and p.stem.lower() != "readme"
        and not p.name.startswith(".")
    )
    if not files:
        raise CorpusError(f"The corpus folder {folder} has no .md or .txt documents.")
    return files


def slug(name: str) -> str:
    """A readable, stable id from a file name."""
    text = unicodedata.normalize("NFKC", name).strip().lower()
    text = re.sub(r"[^\w.-]+", "-", text).strip("-._")
    return text[:128] or "document"


def parse_document(path: Path, raw: str) -> Document:
    """One document from a file's text: front matter when present, otherwise title from the first line."""
    meta: dict = {}
    body = raw
    match = _FRONT_MATTER.match(raw)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise CorpusError(f"{path.name}: the front matter is not valid YAML ({exc.__class__.__name__}).") from exc
        if not isinstance(loaded, dict):
            raise CorpusError(f"{path.name}: the front matter must be a mapping of keys to values.")
        meta = {str(k): v for k, v in loaded.items()}
        body = raw[match.end():]
    doc_id = str(meta.get("id") or slug(path.stem))
    if not _ID_OK.match(doc_id):
        raise CorpusError(f"{path.name}: id {doc_id!r} must be letters, digits, '.', '_' or '-' "
                          "(no slashes or spaces).")
    title = str(meta.get("title") or _first_line(body) or doc_id)
    if not body.strip():
        raise CorpusError(f"{path.name}: the document has no text.")
    meta = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items() if k not in ("id", "title")}
    meta.setdefault("file", path.name)
    return Document(id=doc_id, title=title, text=body, meta=meta)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return ""


def read_file(path: Path) -> str:
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path.name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 and rebuild.") from exc
    except OSError as exc:
        raise CorpusError(f"{path.name} cannot be read: {exc.strerror}.") from exc
    # A BOM and Windows line ends are encoding artefacts, not text: drop them so offsets are stable.
    return raw.removeprefix("\ufeff").replace("\r\n", "\n")


def load_corpus(folder: Path) -> list[Document]:
    """Every document in `folder`, in file-name order, with unique ids."""
    docs = [parse_document(p, read_file(p)) for p in corpus_files(folder)]
    _check_unique(docs)
    return docs


def _check_unique(docs: Iterable[Document]) -> None:
    seen: dict[str, str] = {}
    for doc in docs:
        name = doc.meta.get("file", "?")
        if doc.id in seen:
            raise CorpusError(f"Documents {seen[doc.id]} and {name} have the same id {doc.id!r}.")
        seen[doc.id] = name


def fingerprint(folder: Path) -> str:
    """A hash of the corpus files' names and bytes: it changes whenever a document changes."""
    digest = hashlib.sha256()
    for path in corpus_files(folder):
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
