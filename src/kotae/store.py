"""The index folder: versioned builds published atomically, a manifest, and loading with staleness checks."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kotae.config import Settings
from kotae.dense import DenseIndex, SearchParams
from kotae.errors import DamagedIndexError, IndexMissingError, StaleIndexError
from kotae.lexical import LexicalIndex
from kotae.lexicon import Lexicon
from kotae.load import fingerprint
from kotae.types import Chunk, Document

FORMAT = 2  # 2: lexicon.json and the term-frequency arrays beside the BM25 index
POINTER = "CURRENT"
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
CHUNKS = "chunks.jsonl"
LEXICAL = "lexical"
DENSE = "dense"
LEXICON = "lexicon.json"
_STAGING = ".building-"


def write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def staging_folder(index_dir: Path) -> Path:
    """A fresh folder beside the live builds, so publishing it is a rename on the same file system."""
    index_dir.mkdir(parents=True, exist_ok=True)
    for old in index_dir.glob(_STAGING + "*"):  # left over by an interrupted build
        shutil.rmtree(old, ignore_errors=True)
    folder = index_dir / f"{_STAGING}{uuid.uuid4().hex[:12]}"
    folder.mkdir()
    return folder


def publish(staging: Path, build_id: str) -> Path:
    """Make a finished build the current one; readers see either the old build or the new, never a mix."""
    index_dir = staging.parent
    final = index_dir / build_id
    os.replace(staging, final)
    pointer_tmp = index_dir / f".{POINTER}.{uuid.uuid4().hex[:8]}"
    pointer_tmp.write_text(build_id + "\n", encoding="utf-8")
    previous = current_build(index_dir)
    os.replace(pointer_tmp, index_dir / POINTER)
    # Keep the build a running server may still be reading; older ones can go.
    for old in index_dir.glob("build-*"):
        if old.is_dir() and old.name not in (build_id, previous and previous.name):
            shutil.rmtree(old, ignore_errors=True)
    return final


def current_build(index_dir: Path) -> Path | None:
    pointer = index_dir / POINTER
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    folder = index_dir / name
    return folder if name and "/" not in name and folder.is_dir() else None


def read_manifest(index_dir: Path) -> dict[str, Any]:
    folder = current_build(index_dir)
    if folder is None:
        raise IndexMissingError(f"There is no index in {index_dir}; run `kotae index` to build it.")
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def expected_settings(settings: Settings) -> dict[str, Any]:
    """The parts of the settings an index is built for; any change makes the index stale."""
    return {
        "term_form": settings.term_form,
        "chunk_target": settings.chunk_target,
        "chunk_max": settings.chunk_max,
        "chunk_overlap": settings.chunk_overlap,
        "chunking": settings.chunking,
        "requested_model": settings.embed_model if settings.dense_enabled else "none",
        "lexicon": settings.lexicon,
        "index_type": settings.index_type,
    }


def check_fresh(manifest: dict[str, Any], settings: Settings, *, check_corpus: bool = True,
                strict: bool = True) -> None:
    """Raise StaleIndexError when the index was built from another corpus or with other settings.

    `strict` compares every build setting (what `kotae index --if-stale` must rebuild for); otherwise only
    the settings the user set explicitly count, so an index built with `--model none` serves searches
    without repeating the flag.
    """
    fix = "run `kotae index` to rebuild it"
    if manifest.get("format") != FORMAT:
        raise StaleIndexError(f"The index was built by another version of kotae; {fix}.")
    built = manifest.get("settings", {})
    explicit = settings.model_fields_set
    for key, value in expected_settings(settings).items():
        field_name = "embed_model" if key == "requested_model" else key
        if not strict and field_name not in explicit:
            continue
        if built.get(key) != value:
            raise StaleIndexError(f"The index was built with {key}={built.get(key)!r} but {value!r} is configured; "
                                  f"{fix}.")
    if (check_corpus and settings.corpus_dir.is_dir()
            and manifest["corpus"]["fingerprint"] != fingerprint(settings.corpus_dir)):
        raise StaleIndexError(f"The documents in {settings.corpus_dir} changed since the index was built; {fix}.")


@dataclass(frozen=True)
class Index:
    """A loaded, read-only index: documents, chunks, and the retrieval structures over them."""

    folder: Path
    manifest: dict[str, Any]
    documents: dict[str, Document]
    chunks: tuple[Chunk, ...]
    lexical: LexicalIndex
    dense: DenseIndex | None = None
    lexicon: Lexicon = field(default_factory=lambda: Lexicon({}, {}))

    @property
    def model(self) -> str | None:
        dense = self.manifest.get("dense")
        return dense["model"] if dense else None


def load_index(settings: Settings, *, check: bool = True) -> Index:
    """Load the current build of `settings.index_dir`, refusing one that no longer matches."""
    manifest = read_manifest(settings.index_dir)
    if check:
        check_fresh(manifest, settings, strict=False)
    folder = current_build(settings.index_dir)
    assert folder is not None  # read_manifest found it
    try:
        return _read_build(folder, manifest, settings)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:  # faiss reports a bad file as RuntimeError
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise DamagedIndexError(f"The index in {folder} cannot be read ({reason}); run `kotae index` to rebuild "
                                f"it.") from exc


def _read_build(folder: Path, manifest: dict[str, Any], settings: Settings) -> Index:
    documents = {
        row["id"]: Document(id=row["id"], title=row["title"], text=row["text"], meta=row.get("meta", {}))
        for row in read_jsonl(folder / DOCUMENTS)
    }
    chunks = tuple(
        Chunk(id=row["id"], doc_id=row["doc_id"], start=row["start"], end=row["end"], text=row["text"],
              heading=row.get("heading", ""))
        for row in read_jsonl(folder / CHUNKS)
    )
    lexical = LexicalIndex.load(folder / LEXICAL)
    dense = _load_dense(folder, manifest, settings) if manifest.get("dense") else None
    lexicon = Lexicon.from_json(json.loads((folder / LEXICON).read_text(encoding="utf-8")))
    return Index(folder=folder, manifest=manifest, documents=documents, chunks=chunks, lexical=lexical,
                 dense=dense, lexicon=lexicon)


def _load_dense(folder: Path, manifest: dict[str, Any], settings: Settings) -> DenseIndex:
    params = SearchParams(ef_search=settings.hnsw_ef_search, nprobe=settings.ivf_nprobe)
    dense = DenseIndex.load(folder / DENSE, params=params)
    recorded = manifest["dense"].get("index_type", "flat")  # indexes from before index types were selectable
    if dense.index_type != recorded:
        raise DamagedIndexError(f"The vectors in {folder} are a {dense.index_type} index but the manifest says "
                                f"{recorded}; run `kotae index` to rebuild it.")
    return dense
