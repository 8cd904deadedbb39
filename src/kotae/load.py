"""Read a corpus folder (its subfolders too) into Documents; a file that cannot be read is skipped with a reason."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from kotae.errors import CorpusError
from kotae.types import Document

SUFFIXES = (".md", ".markdown", ".txt")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_ID_OK = re.compile(r"^\w[\w.-]{0,127}$")
# Japanese text in a legacy encoding: EUC-JP before CP932 (Shift_JIS), as Shift_JIS lead bytes are invalid in
# EUC-JP while EUC-JP text often decodes as CP932's half-width katakana. A strict cascade, not a guesser: each
# decoding must succeed on every byte, and the likeliest Japanese one wins.
_LEGACY = ("euc_jp", "cp932")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


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


def parse_document(rel: str, raw: str) -> Document:
    """One document from a file's text: front matter when present, otherwise title from the first line. Raises
    CorpusError (with the reason only) for a document that cannot be used."""
    meta: dict = {}
    body = raw
    match = _FRONT_MATTER.match(raw)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise CorpusError(f"the front matter is not valid YAML ({exc.__class__.__name__})") from exc
        if not isinstance(loaded, dict):
            raise CorpusError("the front matter must be a mapping of keys to values")
        meta = {str(k): v for k, v in loaded.items()}
        body = raw[match.end():]
    doc_id = str(meta.get("id") or slug(str(Path(rel).with_suffix(""))))
    if not _ID_OK.match(doc_id):
        raise CorpusError(f"id {doc_id!r} must be letters, digits, '.', '_' or '-' (no slashes or spaces)")
    title = str(meta.get("title") or _first_line(body) or doc_id)
    if not body.strip():
        raise CorpusError("empty")
    meta = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items() if k not in ("id", "title")}
    meta.setdefault("file", rel)
    return Document(id=doc_id, title=title, text=body, meta=meta)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return ""


def decode(data: bytes) -> tuple[str, str]:
    """The text of a file's bytes and the encoding it was in: UTF-8 (with or without BOM), UTF-16 with BOM, EUC-JP
    or CP932/Shift_JIS. A BOM and Windows line ends are encoding artefacts, not text: dropped, so offsets are
    stable. CorpusError when no encoding fits."""
    marked = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else \
        "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else None
    if marked:
        try:
            text, encoding = data.decode(marked), marked
        except UnicodeDecodeError:
            raise CorpusError(f"undecodable (marked as {marked.upper().removesuffix('-SIG')} but not)") from None
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            fits = []
            for candidate in _LEGACY:
                try:
                    fits.append((len(_JAPANESE.findall(data.decode(candidate))), candidate))
                except UnicodeDecodeError:
                    continue
            if not fits:
                raise CorpusError("undecodable (not UTF-8, UTF-16, EUC-JP or Shift_JIS text)") from None
            encoding = max(fits, key=lambda f: f[0])[1]
            text = data.decode(encoding)
    return text.removeprefix("\ufeff").replace("\r\n", "\n"), encoding


def read_corpus(folder: Path) -> Corpus:
    """Every document under `folder` in relative-path order with unique ids, and every file skipped with why.
    CorpusError only when the folder is missing or holds no document at all."""
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
            text, encoding = decode(data)
            doc = parse_document(rel, text)
            if doc.id in seen:
                raise CorpusError(f"has the same id {doc.id!r} as {seen[doc.id]}")
        except CorpusError as exc:
            skipped.append(Skipped(rel, str(exc)))
            continue
        seen[doc.id] = rel
        docs.append(Document(id=doc.id, title=doc.title, text=doc.text, meta={**doc.meta, "encoding": encoding}))
    if not docs:
        why = f" ({'; '.join(str(s) for s in skipped[:5])})" if skipped else ""
        raise CorpusError(f"The corpus folder {folder} has no document kotae can read{why}.")
    return Corpus(tuple(docs), tuple(sorted(skipped, key=lambda s: s.path)))


def load_corpus(folder: Path) -> list[Document]:
    """The documents of `folder` (see `read_corpus` for the files skipped)."""
    return list(read_corpus(folder).documents)


def fingerprint(folder: Path) -> str:
    """A hash of the corpus files' paths and bytes: it changes whenever a document changes (or a skipped one is
    mended, added or removed)."""
    digest = hashlib.sha256()
    files, skipped = corpus_files(folder)
    for path in files:
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for passed_over in skipped:
        digest.update(f"{passed_over}\0".encode())
    return digest.hexdigest()
