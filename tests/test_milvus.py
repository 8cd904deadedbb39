"""The milvus store against Milvus Lite, served on a local port so that tests can stop it and start it again."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import assert_problem, make_app
from fastapi.testclient import TestClient
from support import TINY_CHUNKING, build, write_tiny_corpus

from kotae import open as open_kotae
from kotae.config import Settings
from kotae.errors import DamagedIndexError, StaleIndexError, StoreUnavailableError
from kotae.store import load_index, read_manifest
from kotae.stores.milvus import Milvus

pytestmark = pytest.mark.slow
QUESTIONS = ["松本市中央図書館の新館はいつ開館した？", "館長は誰ですか", "When did the new library open?",
             "How much will the renovation cost?"]


class LiteServer:
    """Milvus Lite's gRPC server over one data folder, on one port, stopped and started at will."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._running = None
        self.start()

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        from milvus_lite.adapter.grpc.server import start_server_in_thread

        self._running = start_server_in_thread(data_dir=str(self.folder), host="127.0.0.1", port=self.port)[:2]

    def stop(self) -> None:
        if self._running:
            server, db = self._running
            server.stop(grace=0).wait()
            db.close()
            self._running = None


@pytest.fixture
def lite(tmp_path) -> Iterator[LiteServer]:
    server = LiteServer(tmp_path / "milvus")
    try:
        yield server
    finally:
        server.stop()


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _milvus_build(corpus: Path, index: Path, uri: str, **overrides) -> Settings:
    return build(corpus, index, store="milvus", milvus_uri=uri, embed_model="none", **TINY_CHUNKING, **overrides)


def test_hybrid_search_over_milvus_ranks_as_the_local_store(tmp_path, corpus_dir, bundled_settings):
    # A Milvus Lite file, as a user's first try would be: the default place, in the index folder.
    settings = build(corpus_dir, tmp_path / "index", store="milvus", embed_model=bundled_settings.index.embed_model,
                     **TINY_CHUNKING)
    milvus, local = open_kotae(settings=settings), open_kotae(settings=bundled_settings)
    assert milvus.index.remote is not None and milvus.index.manifest.store.dense_index == "flat"
    assert (tmp_path / "index" / "milvus.db").exists()
    for question in QUESTIONS:
        for mode in ("lexical", "dense", "hybrid"):
            ours = [(p.chunk_id, p.score) for p in milvus.search(question, mode=mode, top_k=5).passages]
            theirs = [(p.chunk_id, p.score) for p in local.search(question, mode=mode, top_k=5).passages]
            if question.isascii() and mode != "dense":
                # English questions' structured queries are approximated by one sparse vector (see sparse.py)
                assert ours[0][0] == theirs[0][0], (question, mode)
                assert len({c for c, _ in ours} & {c for c, _ in theirs}) >= min(3, len(theirs)), (question, mode)
                continue
            assert [c for c, _ in ours] == [c for c, _ in theirs], (question, mode)
            assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], abs=1e-4), (question, mode)
    assert milvus.ask(QUESTIONS[1]).to_dict()["answer"] == local.ask(QUESTIONS[1]).to_dict()["answer"]


def test_each_build_is_a_new_collection_and_old_ones_are_dropped(tmp_path, corpus_dir, lite):
    index = tmp_path / "index"
    names = []
    for _ in range(3):
        settings = _milvus_build(corpus_dir, index, lite.uri, milvus_token="root:Secret-Token")
        names.append(read_manifest(index).store.collection)
    assert len(set(names)) == 3
    # The new build and the one before it (a running server may still search it) are kept.
    assert sorted(Milvus(settings.index).collections("kotae")) == sorted(names[1:])
    text = "".join(p.read_text(encoding="utf-8") for p in index.glob("build-*/manifest.json"))
    assert "Secret-Token" not in text and lite.uri not in text
    assert json.loads((index / read_manifest(index).build_id / "manifest.json").read_text())["store"] == {
        "kind": "milvus", "collection": names[-1], "dense_index": None}


def test_a_failed_build_leaves_the_index_in_service(tmp_path, lite, monkeypatch):
    corpus = write_tiny_corpus(tmp_path / "corpus")
    settings = _milvus_build(corpus, tmp_path / "index", lite.uri)
    before = read_manifest(settings.index.index_dir)
    (corpus / "extra.md").write_text("---\nid: extra\ntitle: 追加\n---\n追加の文書である。\n", encoding="utf-8")
    with pytest.raises(StoreUnavailableError, match="cannot be reached"):
        _milvus_build(corpus, tmp_path / "index", _closed_port())

    from kotae import store

    def broken(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "write_folder", broken)  # after the collection was written and loaded
    with pytest.raises(OSError):
        _milvus_build(corpus, tmp_path / "index", lite.uri)
    monkeypatch.undo()
    assert read_manifest(settings.index.index_dir).build_id == before.build_id
    assert Milvus(settings.index).collections("kotae") == [before.store.collection]
    index = load_index(settings, check=False)
    assert len(index.chunks) == before.chunker.chunks


def test_loading_checks_that_every_chunk_is_in_the_collection(tmp_path, corpus_dir, lite):
    settings = _milvus_build(corpus_dir, tmp_path / "index", lite.uri)
    name = read_manifest(settings.index.index_dir).store.collection
    milvus = Milvus(settings.index)
    milvus.call(lambda c: c.delete(name, ids=[0]))
    with pytest.raises(DamagedIndexError, match="holds"):
        load_index(settings)
    milvus.drop([name])
    with pytest.raises(DamagedIndexError, match="missing from Milvus"):
        load_index(settings)


def test_an_index_is_searched_with_the_store_it_was_built_for(tmp_path, corpus_dir, lite):
    settings = _milvus_build(corpus_dir, tmp_path / "index", lite.uri)
    with pytest.raises(StaleIndexError, match="milvus store"):
        load_index(settings.replace(store="local"))


def test_while_milvus_is_down_requests_get_503_and_service_resumes(tmp_path, corpus_dir, lite):
    settings = _milvus_build(corpus_dir, tmp_path / "index", lite.uri)
    with TestClient(make_app(settings)) as client:
        search = {"question": QUESTIONS[0]}
        assert client.post("/v1/search", json=search).status_code == 200
        assert client.get("/readyz").status_code == 200
        lite.stop()
        response = client.post("/v1/search", json=search)
        body = assert_problem(response, 503)
        assert body["type"] == "urn:kotae:problem:store-unavailable" and "Milvus" in body["detail"]
        assert int(response.headers["Retry-After"]) > 0
        assert_problem(client.get("/readyz"), 503)
        assert_problem(client.post("/v1/ask", json=search), 503)
        lite.start()
        assert client.get("/readyz").status_code == 200
        back = client.post("/v1/search", json=search).json()
        assert back.get("passages"), back


def test_serve_says_in_one_line_that_milvus_cannot_be_reached(tmp_path, corpus_dir, lite, monkeypatch, capsys):
    from kotae.cli import main

    index = tmp_path / "index"
    _milvus_build(corpus_dir, index, lite.uri)
    monkeypatch.setenv("KOTAE_STORE", "milvus")
    monkeypatch.setenv("KOTAE_MILVUS_URI", _closed_port())
    monkeypatch.setenv("KOTAE_MILVUS_TOKEN", "root:Secret-Token")
    with contextlib.suppress(SystemExit):
        code = main(["serve", "--index", str(index), "--port", "1"])
        assert code != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Milvus at http://127.0.0.1:" in err and "cannot be reached" in err
    assert "Secret-Token" not in err
