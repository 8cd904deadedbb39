"""The index folder: versioned builds published atomically and read-only, a manifest, and loading with staleness
and integrity checks."""

from __future__ import annotations

import json
import os
import shlex
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kotae import dense as dense_files
from kotae import lexical as lexical_files
from kotae.config import IndexSettings, Settings
from kotae.dense import DenseIndex, SearchParams
from kotae.errors import IndexMissingError, IndexWriteError, StaleIndexError
from kotae.integrity import check_files, damaged, expect_count, file_records, reading, reason, remove_build, seal
from kotae.lexical import LexicalIndex
from kotae.lexicon import Lexicon
from kotae.lexicon import rules as lexicon_rules
from kotae.load import fingerprint
from kotae.manifest import REBUILD, Manifest
from kotae.sentences import SentenceVectors, load_sentences, sentence_files
from kotae.supplement import digest as supplement_digest
from kotae.types import Chunk, Document

if TYPE_CHECKING:
    from kotae.stores.base import RemoteSearch, Store
    from kotae.stores.sparse import TermStats

POINTER = "CURRENT"
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
CHUNKS = "chunks.jsonl"
LEXICAL = "lexical"
DENSE = "dense"
LEXICON = "lexicon.json"
_STAGING = ".building-"
_BUILD = "build-"

# A build's arrays are copied into memory up to this size, memory-mapped beyond it. A mapped file cut short while in
# use reads as zeros or kills the process with SIGBUS, which Python cannot catch; a copy costs its size per process
# and no query time (100,000 chunks: 213 MiB more, the same latency). Mapped files are read-only (`integrity.seal`).
MAP_ABOVE = 64 * 2**20


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
        remove_build(old)
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
    for old in index_dir.glob(_BUILD + "*"):
        if old.is_dir() and old.name not in (build_id, previous and previous.name):
            remove_build(old)
    return final


def current_build(index_dir: Path) -> Path | None:
    """The build `CURRENT` names, or None when there is none or the pointer is not usable."""
    try:
        return _pointed_build(index_dir, REBUILD)
    except StaleIndexError:
        return None


def _pointed_build(index_dir: Path, fix: str) -> Path | None:
    """The build `CURRENT` names; None without a `CURRENT`, DamagedIndexError when it cannot be used."""
    pointer = index_dir / POINTER
    try:
        raw = pointer.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise damaged(pointer, f"cannot be read ({reason(exc)})", fix) from exc
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise damaged(pointer, "is not UTF-8 text", fix) from exc
    folder = index_dir / name
    if not (name.startswith(_BUILD) and "/" not in name and "\\" not in name and folder.is_dir()):
        shown = name if len(name) <= 60 else name[:59] + "…"
        raise damaged(pointer, f"names {shown!r}, which is no build in {index_dir}", fix)
    return folder


def _index_command(index_dir: Path) -> str:
    default = index_dir == IndexSettings.model_fields["index_dir"].default
    return "kotae index" if default else f"kotae index --out {shlex.quote(str(index_dir))}"


def read_manifest(index_dir: Path, *, fix: str | None = None) -> Manifest:
    """The manifest of the current build; `fix` (`run `…` to rebuild it`) ends the message of any error."""
    fix = fix or f"run `{_index_command(index_dir)}` to rebuild it"
    return _manifest_of(_current_or_missing(index_dir, fix), fix)


def _current_or_missing(index_dir: Path, fix: str) -> Path:
    folder = _pointed_build(index_dir, fix)
    if folder is None:
        raise IndexMissingError(f"There is no index in {index_dir}; run `{_index_command(index_dir)}` to build it.")
    return folder


def _manifest_of(folder: Path, fix: str) -> Manifest:
    path = folder / MANIFEST
    with reading(path, fix):
        data = json.loads(path.read_text(encoding="utf-8"))
    return Manifest.from_json(data, where=str(path), fix=fix)


def build_settings(ix: IndexSettings) -> dict[str, Any]:
    """The parts of the settings an index is built for; any change makes the index stale (a user's lexicon pairs by
    their content, None without them, as an older index reads; how its lexicon was built: kotae.lexicon.rules)."""
    return {
        "term_form": ix.term_form, "chunking": ix.chunking,
        "chunk_target": ix.chunk_target, "chunk_max": ix.chunk_max, "chunk_overlap": ix.chunk_overlap,
        "requested_model": ix.embed_model if ix.dense_enabled else "none",
        "embed_engine": ix.bundled_engine,
        "lexicon": ix.lexicon, "index_type": ix.index_type,
        "lexicon_extra": supplement_digest(ix.lexicon_extra),
        "lexicon_rules": lexicon_rules() if ix.lexicon else None,
    }


def rebuild_command(settings: Settings, manifest: Manifest | None = None) -> str:
    """The command that rebuilds the index of `settings` from its corpus (with the model it was built with)."""
    ix, defaults = settings.index, IndexSettings.model_fields
    parts = ["kotae index"]
    # The corpus an index records is absolute: the default folder is left out however it is spelt.
    if ix.corpus_dir.resolve() != Path(defaults["corpus_dir"].default).resolve():
        parts.append(f"--corpus {shlex.quote(str(ix.corpus_dir))}")
    if ix.index_dir.resolve() != Path(defaults["index_dir"].default).resolve():
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
        # Loading says what is wrong, in one line; a rebuild still wants the corpus the manifest names, whatever
        # else in it (an older format, say) can no longer be used.
        recorded = _named_corpus(settings.index.index_dir)
    return settings.replace(corpus_dir=Path(recorded)) if recorded else settings


def _named_corpus(index_dir: Path) -> str | None:
    """The corpus folder the current build's manifest names, read leniently (any format), or None."""
    folder = current_build(index_dir)
    try:
        named = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["corpus"]["dir"] if folder else None
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return named if isinstance(named, str) and named else None


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
    built, wanted = manifest.store_kind, settings.index.store
    if (strict or "store" in explicit) and built != wanted:
        raise StaleIndexError(f"The index was built for the {built} store but {wanted!r} is configured (KOTAE_STORE); "
                              f"{fix}.")
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
    lexical: LexicalIndex | TermStats  # TermStats: the vocabulary and IDFs of a store that scores on its side
    dense: DenseIndex | Any | None = None  # anything with DenseIndex's search, dimension and size
    lexicon: Lexicon = field(default_factory=lambda: Lexicon({}, {}))
    remote: RemoteSearch | None = None  # the store that ranks lexically itself (Milvus); None for local files
    sentences: SentenceVectors | None = None  # the chunks' sentence vectors, in builds with vectors

    def ping(self) -> None:
        """Return when the store can search; StoreUnavailableError when it cannot (local files always can)."""
        if self.remote is not None:
            self.remote.ping()

    @property
    def model(self) -> str | None:
        return self.manifest.model


def load_index(settings: Settings, *, check: bool = True, verify: bool = False) -> Index:
    """Load the current build of `settings.index.index_dir`, refusing one that no longer matches its corpus or
    settings (unless `check` is false) or its manifest: each file's size and the counts of what they hold always,
    their SHA-256 hashes too with `verify`."""
    fix = f"run `{rebuild_command(settings)}` to rebuild it"
    folder = _current_or_missing(settings.index.index_dir, fix)  # once: a build published meanwhile is not mixed in
    manifest = _manifest_of(folder, fix)
    fix = f"run `{rebuild_command(settings, manifest)}` to rebuild it"
    if check:
        check_fresh(manifest, settings, strict=False)
    kept = _store_of(manifest)
    missing = sorted(set(kept.files(manifest)) - set(manifest.files))
    if missing:
        raise damaged(folder / MANIFEST, f"records no size or hash for {missing[0]}", fix)
    check_files(folder, manifest.files, hashes=verify, fix=fix)
    return kept.read(folder, manifest, settings, fix)


def _store_of(manifest: Manifest) -> Store:
    """The store a build's postings and vectors are read from."""
    from kotae import stores

    return stores.get(manifest.store_kind)


def local_files(manifest: Manifest) -> list[str]:
    """The files of a build of the local store."""
    names = [DOCUMENTS, CHUNKS, LEXICON, *(f"{LEXICAL}/{n}" for n in lexical_files.FILES)]
    return names + ([f"{DENSE}/{dense_files.FILE}"] if manifest.dense else []) + sentence_files(manifest)


def _mapped(manifest: Manifest, part: str) -> bool:
    """Whether the files of one part of a build (`lexical`, `dense`) are large enough to memory-map (MAP_ABOVE)."""
    return sum(r.size for name, r in manifest.files.items() if name.startswith(part + "/")) > MAP_ABOVE


def read_local_build(folder: Path, manifest: Manifest, settings: Settings, fix: str) -> Index:
    documents, chunks, lexicon = read_texts(folder, manifest, fix)
    with reading(folder / LEXICAL, fix):
        lexical = LexicalIndex.load(folder / LEXICAL, mmap=_mapped(manifest, LEXICAL))
        problem = lexical.mismatch()
    if problem:
        raise damaged(folder / LEXICAL, f"is inconsistent: {problem}", fix)
    expect_count(folder / LEXICAL, "chunks", lexical.size, len(chunks), fix)
    expect_count(folder / LEXICAL, "terms", len(lexical.vocab), manifest.lexical.vocabulary, fix)
    dense = _load_dense(folder, manifest, settings, len(chunks), fix) if manifest.dense else None
    return Index(folder=folder, manifest=manifest, documents=documents, chunks=chunks, lexical=lexical,
                 dense=dense, lexicon=lexicon, sentences=load_sentences(folder, manifest, len(chunks), fix))


def read_texts(folder: Path, manifest: Manifest, fix: str) -> tuple[dict[str, Document], tuple[Chunk, ...], Lexicon]:
    """What every store keeps in a build's folder: the documents, the chunks (each checked to quote its document)
    and the lexicon."""
    with reading(folder / DOCUMENTS, fix):
        documents = {
            row["id"]: Document(id=row["id"], title=row["title"], text=row["text"], meta=row.get("meta", {}))
            for row in read_jsonl(folder / DOCUMENTS)
        }
    expect_count(folder / DOCUMENTS, "documents", len(documents), manifest.corpus.documents, fix)
    with reading(folder / CHUNKS, fix):
        chunks = tuple(
            Chunk(id=row["id"], doc_id=row["doc_id"], start=row["start"], end=row["end"], text=row["text"],
                  heading=row.get("heading", ""))
            for row in read_jsonl(folder / CHUNKS)
        )
    expect_count(folder / CHUNKS, "chunks", len(chunks), manifest.chunker.chunks, fix)
    with reading(folder / CHUNKS, fix):
        _check_citations(folder / CHUNKS, chunks, documents, fix)
    with reading(folder / LEXICON, fix):
        lexicon = Lexicon.from_json(json.loads((folder / LEXICON).read_text(encoding="utf-8")))
    expect_count(folder / LEXICON, "English keys", len(lexicon.entries), manifest.lexicon.keys, fix)
    return documents, chunks, lexicon


def _check_citations(path: Path, chunks: tuple[Chunk, ...], documents: dict[str, Document], fix: str) -> None:
    """Every chunk quotes its document where it says: the contract every citation relies on, and a slice per chunk,
    which costs little beside parsing the chunks."""
    for chunk in chunks:
        doc = documents.get(chunk.doc_id)
        if doc is None or doc.text[chunk.start:chunk.end] != chunk.text:
            raise damaged(path, f"has chunk {chunk.id!r}, which does not quote its document", fix)


def _load_dense(folder: Path, manifest: Manifest, settings: Settings, chunks: int, fix: str) -> DenseIndex:
    params = SearchParams(ef_search=settings.retrieval.hnsw_ef_search, nprobe=settings.retrieval.ivf_nprobe)
    path = folder / DENSE / dense_files.FILE
    with reading(path, fix):
        dense = DenseIndex.load(folder / DENSE, params=params, mmap=_mapped(manifest, DENSE))
    info = manifest.dense
    assert info is not None  # only called for a build with vectors
    if dense.index_type != info.index_type:
        raise damaged(path, f"is a {dense.index_type} index but the manifest says {info.index_type}", fix)
    if dense.dimension != info.dimension:
        raise damaged(path, f"has vectors of {dense.dimension} dimensions where its manifest records "
                      f"{info.dimension}", fix)
    expect_count(path, "vectors", dense.size, info.vectors, fix)
    expect_count(path, "vectors", dense.size, chunks, fix)
    return dense


def write_build(index_dir: Path, manifest: Manifest, documents: Iterable[Document], chunks: Iterable[Chunk],
                lexical: LexicalIndex, lexicon: Lexicon, dense: DenseIndex | None, *,
                finish: Callable[[Manifest], Manifest] | None = None, sentences: SentenceVectors | None = None
                ) -> Manifest:
    """Write a build of the local store into a staging folder and publish it (see `write_folder`)."""

    def parts(staging: Path) -> None:
        lexical.save(staging / LEXICAL)
        if dense is not None:
            (staging / DENSE).mkdir()
            dense.save(staging / DENSE)

    return write_folder(index_dir, manifest, documents, chunks, lexicon, parts, finish=finish, sentences=sentences)


def write_folder(index_dir: Path, manifest: Manifest, documents: Iterable[Document], chunks: Iterable[Chunk],
                 lexicon: Lexicon, parts: Callable[[Path], None], *,
                 finish: Callable[[Manifest], Manifest] | None = None, sentences: SentenceVectors | None = None
                 ) -> Manifest:
    """Write a build into a staging folder (`parts` writes the store's own files there) and publish it, its
    manifest last (as `finish` completes it, once the rest is written), then sealed read-only; a failure leaves
    the build in service as it was, and an error of the file system is an IndexWriteError. Returns the manifest
    written."""
    try:
        staging = staging_folder(index_dir)
    except OSError as exc:
        raise _unwritable(index_dir, exc) from exc
    try:
        write_jsonl(staging / DOCUMENTS,
                    ({"id": d.id, "title": d.title, "meta": dict(d.meta), "text": d.text} for d in documents))
        write_jsonl(staging / CHUNKS, ({"id": c.id, "doc_id": c.doc_id, "start": c.start, "end": c.end,
                                        "heading": c.heading, "text": c.text} for c in chunks))
        write_json(staging / LEXICON, lexicon.to_json())
        parts(staging)
        if sentences is not None:
            sentences.save(staging)
        files = file_records(staging)
        manifest = replace(finish(manifest) if finish else manifest, files=files)
        write_json(staging / MANIFEST, manifest.to_json())
        seal(staging)
        publish(staging, manifest.build_id)
        return manifest
    except OSError as exc:
        remove_build(staging)
        raise _unwritable(index_dir, exc) from exc
    except BaseException:
        remove_build(staging)
        raise


def _unwritable(index_dir: Path, exc: OSError) -> IndexWriteError:
    return IndexWriteError(f"A build cannot be written into {index_dir} ({reason(exc)}); the index there is "
                           "unchanged.")
