"""The index folder: versioned builds published atomically, a manifest, and loading with staleness checks."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kotae.config import IndexSettings, Settings
from kotae.dense import DenseIndex, SearchParams
from kotae.errors import DamagedIndexError, IndexMissingError, StaleIndexError
from kotae.lexical import LexicalIndex
from kotae.lexicon import Lexicon
from kotae.load import fingerprint
from kotae.manifest import Manifest
from kotae.types import Chunk, Document

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


def read_manifest(index_dir: Path) -> Manifest:
    folder = current_build(index_dir)
    if folder is None:
        command = "kotae index" if index_dir == IndexSettings.model_fields["index_dir"].default else \
            f"kotae index --out {shlex.quote(str(index_dir))}"
        raise IndexMissingError(f"There is no index in {index_dir}; run `{command}` to build it.")
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DamagedIndexError(f"The manifest {path} cannot be read ({exc.__class__.__name__}); run `kotae index` "
                                "to rebuild the index.") from exc
    return Manifest.from_json(data, where=str(path))


def build_settings(ix: IndexSettings) -> dict[str, Any]:
    """The parts of the settings an index is built for; any change makes the index stale."""
    return {
        "term_form": ix.term_form,
        "chunk_target": ix.chunk_target,
        "chunk_max": ix.chunk_max,
        "chunk_overlap": ix.chunk_overlap,
        "chunking": ix.chunking,
        "requested_model": ix.embed_model if ix.dense_enabled else "none",
        "lexicon": ix.lexicon,
        "index_type": ix.index_type,
    }


def rebuild_command(settings: Settings, manifest: Manifest | None = None) -> str:
    """The command that rebuilds the index of `settings` from its corpus (with the model it was built with)."""
    ix, defaults = settings.index, IndexSettings.model_fields
    parts = ["kotae index"]
    if ix.corpus_dir != defaults["corpus_dir"].default:
        parts.append(f"--corpus {shlex.quote(str(ix.corpus_dir))}")
    if ix.index_dir != defaults["index_dir"].default:
        parts.append(f"--out {shlex.quote(str(ix.index_dir))}")
    model = manifest.settings.get("requested_model") if manifest else None
    if model and model != ix.embed_model:
        parts.append(f"--model {shlex.quote(str(model))}")
    return " ".join(parts)


def with_recorded_corpus(settings: Settings) -> Settings:
    """`settings` with the corpus the index was built from, unless a corpus was set explicitly (an option, the
    environment or kotae.toml): an index remembers its corpus."""
    if "corpus_dir" in settings.index.model_fields_set:
        return settings
    try:
        recorded = read_manifest(settings.index.index_dir).corpus.dir
    except (IndexMissingError, StaleIndexError):
        return settings  # loading says what is wrong, in one line
    return settings.replace(corpus_dir=Path(recorded)) if recorded else settings


def check_fresh(manifest: Manifest, settings: Settings, *, check_corpus: bool = True, strict: bool = True) -> None:
    """Raise StaleIndexError when the index was built from another corpus or with other settings.

    `strict` compares every build setting (what `kotae index --if-stale` must rebuild for); otherwise only
    the settings the user set explicitly count, so an index built with `--model none` serves searches
    without repeating the flag.
    """
    fix = f"run `{rebuild_command(settings, manifest)}` to rebuild it"
    explicit = settings.index.model_fields_set
    for key, value in build_settings(settings.index).items():
        field_name = "embed_model" if key == "requested_model" else key
        if not strict and field_name not in explicit:
            continue
        if manifest.settings.get(key) != value:
            raise StaleIndexError(f"The index was built with {key}={manifest.settings.get(key)!r} but {value!r} is "
                                  f"configured; {fix}.")
    corpus_dir = settings.index.corpus_dir
    if check_corpus and corpus_dir.is_dir() and manifest.corpus.fingerprint != fingerprint(corpus_dir):
        raise StaleIndexError(f"The documents in {corpus_dir} changed since the index was built; {fix}.")


@dataclass(frozen=True)
class Index:
    """A loaded, read-only index: documents, chunks, and the retrieval structures over them."""

    folder: Path
    manifest: Manifest
    documents: dict[str, Document]
    chunks: tuple[Chunk, ...]
    lexical: LexicalIndex
    dense: DenseIndex | None = None
    lexicon: Lexicon = field(default_factory=lambda: Lexicon({}, {}))

    @property
    def model(self) -> str | None:
        return self.manifest.model


def load_index(settings: Settings, *, check: bool = True) -> Index:
    """Load the current build of `settings.index.index_dir`, refusing one that no longer matches."""
    manifest = read_manifest(settings.index.index_dir)
    if check:
        check_fresh(manifest, settings, strict=False)
    folder = current_build(settings.index.index_dir)
    assert folder is not None  # read_manifest found it
    try:
        return _read_build(folder, manifest, settings)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:  # faiss reports a bad file as RuntimeError
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise DamagedIndexError(f"The index in {folder} cannot be read ({reason}); run `kotae index` to rebuild "
                                f"it.") from exc


def _read_build(folder: Path, manifest: Manifest, settings: Settings) -> Index:
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
    dense = _load_dense(folder, manifest, settings) if manifest.dense else None
    lexicon = Lexicon.from_json(json.loads((folder / LEXICON).read_text(encoding="utf-8")))
    return Index(folder=folder, manifest=manifest, documents=documents, chunks=chunks, lexical=lexical,
                 dense=dense, lexicon=lexicon)


def _load_dense(folder: Path, manifest: Manifest, settings: Settings) -> DenseIndex:
    params = SearchParams(ef_search=settings.retrieval.hnsw_ef_search, nprobe=settings.retrieval.ivf_nprobe)
    dense = DenseIndex.load(folder / DENSE, params=params)
    recorded = manifest.dense.index_type if manifest.dense else None
    if dense.index_type != recorded:
        raise DamagedIndexError(f"The vectors in {folder} are a {dense.index_type} index but the manifest says "
                                f"{recorded}; run `kotae index` to rebuild it.")
    return dense


def write_build(index_dir: Path, manifest: Manifest, documents: Iterable[Document], chunks: Iterable[Chunk],
                lexical: LexicalIndex, lexicon: Lexicon, dense: DenseIndex | None, *,
                finish: Callable[[Manifest], Manifest] | None = None) -> Manifest:
    """Write a build into a staging folder and publish it, its manifest last (as `finish` completes it, once the
    rest is written); a failure leaves the build in service as it was. Returns the manifest written."""
    staging = staging_folder(index_dir)
    try:
        write_jsonl(staging / DOCUMENTS,
                    ({"id": d.id, "title": d.title, "meta": dict(d.meta), "text": d.text} for d in documents))
        write_jsonl(staging / CHUNKS, ({"id": c.id, "doc_id": c.doc_id, "start": c.start, "end": c.end,
                                        "heading": c.heading, "text": c.text} for c in chunks))
        lexical.save(staging / LEXICAL)
        write_json(staging / LEXICON, lexicon.to_json())
        if dense is not None:
            (staging / DENSE).mkdir()
            dense.save(staging / DENSE)
        manifest = finish(manifest) if finish else manifest
        write_json(staging / MANIFEST, manifest.to_json())
        publish(staging, manifest.build_id)
        return manifest
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
