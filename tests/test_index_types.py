"""Dense index types (flat, HNSW, IVF-PQ): each builds, searches, is recorded, and loads memory-mapped."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from support import THROWAWAY, make_settings

from kotae.build import build_index
from kotae.cli import main
from kotae.dense import FLAT_LIMIT, HNSW_LIMIT, INDEX_TYPES, DenseIndex, SearchParams, choose_index_type
from kotae.errors import ConfigError, StaleIndexError
from kotae.lexical import LexicalIndex
from kotae.retrieve import Retriever
from kotae.store import DENSE, LEXICAL, current_build, load_index

QUESTION = "図書館の館長は誰ですか"
# Recall@10 against exact search on clustered vectors; generous floors, as the point is "sane", not tuned.
MIN_RECALL = {"flat": 1.0, "hnsw": 0.9, "ivfpq": 0.8}


def clustered(n: int, dim: int = 32, *, clusters: int = 40, seed: int = 0) -> np.ndarray:
    """Unit vectors around a few centres, like sentence embeddings rather than uniform noise."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim))
    vectors = centres[rng.integers(0, clusters, n)] + 0.5 * rng.standard_normal((n, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return clustered(4000)


@pytest.fixture(scope="module")
def queries() -> np.ndarray:
    return clustered(50, seed=1)


@pytest.fixture(scope="module")
def built(vectors) -> dict[str, DenseIndex]:
    """Each index type built once over `vectors`, for the tests that only search, save or load it."""
    return {index_type: DenseIndex.build(vectors, index_type=index_type) for index_type in INDEX_TYPES}


@pytest.fixture(scope="module")
def exact(built, queries) -> list[list[tuple[int, float]]]:
    return built["flat"].search_many(queries, 10)


def recall_at_10(found: list[list[tuple[int, float]]], exact: list[list[tuple[int, float]]]) -> float:
    return float(np.mean([len({i for i, _ in f[:10]} & {i for i, _ in e[:10]}) / 10 for f, e in zip(found, exact)]))


@pytest.mark.parametrize("index_type", INDEX_TYPES)
def test_each_index_type_builds_searches_and_recalls(index_type, vectors, queries, built, exact):
    index = built[index_type]
    assert index.index_type == index_type
    assert (index.size, index.dimension) == (len(vectors), vectors.shape[1])
    found = index.search_many(queries, 10)
    assert all(len(hits) == 10 for hits in found)
    assert all(s1 >= s2 - 1e-4 for hits in found for (_, s1), (_, s2) in zip(hits, hits[1:])), "best first"
    assert recall_at_10(found, exact) >= MIN_RECALL[index_type]
    assert index.search(queries[0], 10) == found[0]


@pytest.mark.parametrize("index_type", INDEX_TYPES)
def test_memory_mapped_load_gives_the_same_results(index_type, vectors, queries, built, tmp_path):
    index = built[index_type]
    index.save(tmp_path)
    mapped = DenseIndex.load(tmp_path, mmap=True)
    copied = DenseIndex.load(tmp_path, mmap=False)
    expected = index.search_many(queries, 10)
    assert mapped.search_many(queries, 10) == expected
    assert copied.search_many(queries, 10) == expected
    assert mapped.size == len(vectors)
    assert mapped.index_type == copied.index_type == index_type  # read from the file, not passed in


def mapped_files() -> set[str]:
    return {line.split(maxsplit=5)[5].strip() for line in Path("/proc/self/maps").read_text().splitlines()
            if len(line.split(maxsplit=5)) == 6}


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux's /proc to see mappings")
@pytest.mark.parametrize("index_type", INDEX_TYPES)
def test_mmap_maps_the_index_file_instead_of_copying_it(index_type, built, tmp_path):
    built[index_type].save(tmp_path)
    path = str((tmp_path / "vectors.faiss").resolve())
    copied = DenseIndex.load(tmp_path, mmap=False)
    assert path not in mapped_files()
    mapped = DenseIndex.load(tmp_path, mmap=True)
    assert path in mapped_files()
    del copied, mapped


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux's /proc to see mappings")
def test_lexical_index_is_memory_mapped(lexical_settings):
    folder = current_build(lexical_settings.index.index_dir) / LEXICAL
    index = LexicalIndex.load(folder, mmap=True)
    mapped = mapped_files()
    for name in ("data.csc.index.npy", "indices.csc.index.npy", "tf.indices.npy", "tf.data.npy"):
        assert str((folder / name).resolve()) in mapped, name
    assert index.search(["図書"], 3)


def test_auto_chooses_by_size():
    assert choose_index_type(100) == "flat"
    assert choose_index_type(FLAT_LIMIT - 1) == "flat"
    assert choose_index_type(FLAT_LIMIT) == "hnsw"
    assert choose_index_type(HNSW_LIMIT) == "hnsw"
    assert choose_index_type(HNSW_LIMIT + 1) == "ivfpq"
    assert DenseIndex.build(clustered(200), index_type="auto").index_type == "flat"


def test_unknown_index_type_is_a_config_error():
    with pytest.raises(ConfigError, match="hnsw"):
        DenseIndex.build(clustered(20), index_type="annoy")


def test_search_parameters_change_what_approximate_indexes_visit(queries, built, exact):
    index = built["ivfpq"]
    nlist = index.describe()["nlist"]
    one = index.with_params(SearchParams(nprobe=1))
    every = index.with_params(SearchParams(nprobe=nlist))
    assert recall_at_10(every.search_many(queries, 10), exact) > recall_at_10(one.search_many(queries, 10), exact)


@pytest.mark.parametrize("index_type", ["hnsw", "ivfpq"])
def test_index_type_is_built_recorded_and_searched(index_type, small_corpus, tmp_path, tiny_model):
    settings = make_settings(small_corpus, tmp_path / "index", **THROWAWAY, embed_model=str(tiny_model),
                             index_type=index_type, hnsw_ef_search=40, ivf_nprobe=3)
    manifest = build_index(settings).manifest
    assert manifest.dense.index_type == index_type
    assert manifest.dense.requested_index_type == index_type
    assert manifest.settings["index_type"] == index_type
    index = load_index(settings)
    assert index.dense.index_type == index_type
    assert (index.dense.params.ef_search, index.dense.params.nprobe) == (40, 3)
    result = Retriever(index, settings).search(QUESTION, mode="dense", top_k=3)
    assert len(result.passages) == 3
    for p in result.passages:
        assert index.documents[p.doc_id].text[p.start:p.end] == p.text


def test_auto_builds_flat_for_a_small_corpus(dense_index):
    assert dense_index.manifest.dense.index_type == "flat"
    assert dense_index.manifest.dense.requested_index_type == "auto"
    assert dense_index.dense.index_type == "flat"


def test_cli_index_type_flag(small_corpus, tmp_path, tiny_model, capsys):
    out = tmp_path / "index"
    code = main(["index", "--corpus", str(small_corpus), "--out", str(out), "--model", str(tiny_model),
                 "--index-type", "hnsw", "--quiet"])
    assert code == 0, capsys.readouterr().err
    manifest = json.loads((current_build(out) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["dense"]["index_type"] == "hnsw"
    assert (current_build(out) / DENSE / "vectors.faiss").is_file()


def test_asking_for_another_index_type_makes_the_index_stale(lexical_settings):
    other = make_settings(lexical_settings.index.corpus_dir, lexical_settings.index.index_dir, index_type="hnsw")
    with pytest.raises(StaleIndexError, match="index_type"):
        load_index(other)
