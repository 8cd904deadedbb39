"""Building and loading the index folder: manifest, safe file formats, atomic rebuilds, staleness."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from support import THROWAWAY, TINY_CHUNKING, make_settings, rerecord, writable, write_tiny_corpus

import kotae.lexical
from kotae import store
from kotae.build import build_index
from kotae.errors import CorpusError, DamagedIndexError, IndexMissingError, StaleIndexError
from kotae.load import fingerprint, load_corpus
from kotae.manifest import FORMAT
from kotae.retrieve import Retriever
from kotae.store import load_index

QUESTION = "静岡茶まつりの来場者"
_NON_ASCII_ESCAPE = re.compile(r"\\u(?!00[0-7])[0-9a-fA-F]{4}")


@pytest.fixture
def built(small_corpus, tmp_path):
    """An index of a private copy of the tiny corpus, for a test that changes, rebuilds or damages it."""
    settings = make_settings(small_corpus, tmp_path / "index", **THROWAWAY)
    result = build_index(settings)
    return settings, result


@pytest.fixture(scope="module")
def read_only(tmp_path_factory):
    """An index of a copy of the tiny corpus shared by the tests that only read them: (settings, result, corpus)."""
    folder = tmp_path_factory.mktemp("store")
    corpus = write_tiny_corpus(folder / "corpus")
    settings = make_settings(corpus, folder / "index")
    return settings, build_index(settings), corpus


def _passages(settings) -> list[tuple[str, int, int]]:
    result = Retriever(load_index(settings), settings).search(QUESTION, top_k=5)
    return [(p.chunk_id, p.start, p.end) for p in result.passages]


def test_manifest_records_what_the_index_was_built_from(read_only):
    settings, result, small_corpus = read_only
    index = load_index(settings)
    manifest = index.manifest
    assert manifest == result.manifest
    assert manifest.format == FORMAT
    assert manifest.corpus.fingerprint == fingerprint(small_corpus)
    assert manifest.corpus.documents == 4 == len(index.documents)
    assert manifest.corpus.characters == sum(len(d.text) for d in index.documents.values())
    assert manifest.analyzer.tokenizer and manifest.analyzer.term_form == settings.index.term_form
    chunker = manifest.chunker
    assert (chunker.target, chunker.max, chunker.overlap) == \
        (settings.index.chunk_target, settings.index.chunk_max, settings.index.chunk_overlap)
    assert chunker.chunks == len(index.chunks) > 2
    assert manifest.lexical.vocabulary == len(index.lexical.vocab) > 100
    assert manifest.dense is None and index.dense is None
    built_at = datetime.fromisoformat(manifest.built_at)
    assert built_at.tzinfo is not None
    assert manifest.build_seconds and all(v >= 0 for v in manifest.build_seconds.values())
    assert index.folder.name == manifest.build_id


def test_index_stores_the_documents_and_chunks_verbatim(read_only):
    settings, _, small_corpus = read_only
    index = load_index(settings)
    docs = load_corpus(small_corpus)
    assert {d.id: (d.title, d.text) for d in docs} == {d.id: (d.title, d.text) for d in index.documents.values()}
    for chunk in index.chunks:
        assert index.documents[chunk.doc_id].text[chunk.start:chunk.end] == chunk.text


def test_index_files_are_plain_json_and_numpy_without_pickles(read_only):
    settings, _, _ = read_only
    folder = load_index(settings).folder
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix in (".pkl", ".pickle", ".joblib")]
    json_files = [p for p in files if p.suffix in (".json", ".jsonl")]
    assert {"manifest.json", "documents.jsonl", "chunks.jsonl"} <= {p.name for p in json_files}
    for path in json_files:
        text = path.read_text(encoding="utf-8")
        assert not _NON_ASCII_ESCAPE.search(text), f"{path.name} escapes Japanese"
        if path.suffix == ".jsonl":
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
            assert rows
        else:
            json.loads(text)
    documents = (folder / "documents.jsonl").read_text(encoding="utf-8")
    assert "静岡茶まつりの記録" in documents and "ザルツブルクとの姉妹都市交流" in documents
    for path in files:
        if path.suffix == ".npy":
            np.load(path, allow_pickle=False)
        else:
            assert path.suffix in (".json", ".jsonl", ".faiss"), f"unexpected file format {path.name}"


def _fail(*_args, **_kwargs):
    raise RuntimeError("disk full")


def _interrupt(*_args, **_kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize(("target", "attribute", "error"), [
    (kotae.lexical.LexicalIndex, "save", _fail),
    (store, "write_json", _fail),
    (store, "write_jsonl", _interrupt),
])
def test_a_failed_rebuild_leaves_the_old_index_in_place(built, monkeypatch, target, attribute, error):
    settings, first = built
    before = _passages(settings)
    assert before
    pointer = (settings.index.index_dir / store.POINTER).read_text(encoding="utf-8")

    monkeypatch.setattr(target, attribute, error)
    with pytest.raises((RuntimeError, KeyboardInterrupt)):
        build_index(settings)
    monkeypatch.undo()

    assert (settings.index.index_dir / store.POINTER).read_text(encoding="utf-8") == pointer
    index = load_index(settings)
    assert index.manifest.build_id == first.manifest.build_id
    assert _passages(settings) == before
    leftovers = [p.name for p in settings.index.index_dir.iterdir() if p.name.startswith(".")]
    assert leftovers == [], "no staging folder or temporary pointer is left behind"
    assert [p.name for p in settings.index.index_dir.glob("build-*")] == [first.manifest.build_id]


def test_a_staging_folder_left_by_a_killed_build_is_cleaned_up(built):
    settings, _ = built
    stale = settings.index.index_dir / ".building-deadbeef"
    stale.mkdir()
    (stale / "chunks.jsonl").write_text("{}\n", encoding="utf-8")
    build_index(settings)
    assert not stale.exists()


def test_rebuilds_publish_the_new_build_and_prune_old_ones(built):
    settings, first = built
    ids = [first.manifest.build_id]
    for _ in range(3):
        ids.append(build_index(settings).manifest.build_id)
    assert len(set(ids)) == 4
    assert load_index(settings).manifest.build_id == ids[-1]
    remaining = sorted(p.name for p in settings.index.index_dir.glob("build-*"))
    assert ids[-1] in remaining and len(remaining) <= 2


def test_modified_document_makes_the_index_stale(built, small_corpus):
    settings, _ = built
    path = small_corpus / "tea-festival.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n追記された一文です。\n", encoding="utf-8")
    with pytest.raises(StaleIndexError, match="kotae index"):
        load_index(settings)
    build_index(settings)
    assert load_index(settings)  # fresh again after a rebuild


def test_added_document_makes_the_index_stale(built, small_corpus):
    settings, _ = built
    (small_corpus / "new.md").write_text("新しい文書です。\n", encoding="utf-8")
    with pytest.raises(StaleIndexError, match="kotae index"):
        load_index(settings)


@pytest.mark.parametrize("change", [{"chunk_target": 200}, {"chunk_max": 1200}, {"chunk_overlap": 0},
                                    {"term_form": "surface"}])
def test_changed_chunking_or_analysis_settings_make_the_index_stale(read_only, change):
    settings, _, _ = read_only
    changed = make_settings(settings.index.corpus_dir, settings.index.index_dir, **change)
    with pytest.raises(StaleIndexError, match="kotae index"):
        load_index(changed)


def test_missing_index(tmp_path, small_corpus):
    with pytest.raises(IndexMissingError, match="kotae index"):
        load_index(make_settings(small_corpus, tmp_path / "never-built"))


def test_index_without_a_current_build_is_missing(built):
    settings, _ = built
    (settings.index.index_dir / store.POINTER).unlink()
    with pytest.raises(IndexMissingError):
        load_index(settings)


def test_failed_corpus_load_creates_no_index_folder(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CorpusError):
        build_index(make_settings(empty, tmp_path / "index"))
    assert not (tmp_path / "index").exists()



def _current(settings) -> Path:
    return store.current_build(settings.index.index_dir)


def _dense_copy(dense_settings, tmp_path):
    shutil.copytree(dense_settings.index.index_dir, tmp_path / "index")
    settings = make_settings(dense_settings.index.corpus_dir, tmp_path / "index",
                             embed_model=dense_settings.index.embed_model, **TINY_CHUNKING)
    return settings, _current(settings)


def test_damaged_vectors_are_reported_for_rebuilding(dense_settings, tmp_path):
    settings, folder = _dense_copy(dense_settings, tmp_path)
    writable(folder / store.DENSE / "vectors.faiss").write_bytes(b"not a faiss index")
    with pytest.raises(DamagedIndexError, match="vectors.faiss has 17 bytes"):
        load_index(settings)
    rerecord(folder, f"{store.DENSE}/vectors.faiss")  # recorded as built: FAISS itself refuses it
    with pytest.raises(DamagedIndexError, match="vectors.faiss cannot be read"):
        load_index(settings)


def test_vectors_of_another_type_than_the_manifest_says_are_reported(dense_settings, tmp_path):
    settings, folder = _dense_copy(dense_settings, tmp_path)
    assert load_index(settings).dense.index_type == "flat"
    manifest = json.loads((folder / store.MANIFEST).read_text(encoding="utf-8"))
    manifest["dense"]["index_type"] = "hnsw"
    writable(folder / store.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(DamagedIndexError, match="flat index but the manifest says hnsw"):
        load_index(settings)
