"""One Milvus collection per build: written, loaded, counted, searched and dropped through pymilvus' MilvusClient.

The same code talks to a Milvus Lite file (`…/milvus.db`, served inside this process), a Milvus standalone server
or a cluster (`http://host:19530`). pymilvus is imported here only, and only when the `milvus` store is used.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np

from kotae.config import IndexSettings
from kotae.errors import ConfigError, StoreUnavailableError

T = TypeVar("T")
ID, SPARSE, DENSE, NORM = "id", "sparse", "dense", "norm"
INSERT_BATCH = 2_000  # rows per insert call: well under gRPC's 64 MB message limit at 384 dimensions
HNSW_M, HNSW_EF_CONSTRUCTION = 32, 80  # as the local store's HNSW (kotae.dense)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def is_server(uri: str) -> bool:
    """A URL names a Milvus server; anything else is a Milvus Lite file."""
    return bool(_URL.match(uri))


def describe(uri: str) -> str:
    """The URI as messages show it: a server's address without any user information in it."""
    return re.sub(r"//[^/@]*@", "//", uri) if is_server(uri) else f"the Milvus Lite file {uri}"


def collection_name(prefix: str, build_id: str) -> str:
    """The collection of a build (Milvus names allow letters, digits and underscores)."""
    return f"{prefix}_{re.sub(r'[^A-Za-z0-9_]', '_', build_id)}"


class Milvus:
    """A connection to one Milvus, made on first use and made again after a failure, so that service resumes by
    itself once Milvus is back (for a Milvus Lite file, that restarts its server). Safe to share between threads."""

    def __init__(self, ix: IndexSettings) -> None:
        uri = ix.milvus_target
        if not is_server(uri) and not uri.endswith(".db"):
            raise ConfigError(f"KOTAE_MILVUS_URI {uri!r} is neither a server URL (http://host:19530) nor a Milvus "
                              "Lite file ending in .db.")
        self.uri = uri
        self.timeout = ix.milvus_timeout
        self._token = ix.milvus_token.get_secret_value() if ix.milvus_token else ""
        self._client = None
        self._lock = threading.Lock()

    def call(self, fn: Callable[[Any], T]) -> T:
        """`fn(client)`, any failure to reach Milvus raised as StoreUnavailableError."""
        with self._failures():
            return fn(self._connected())

    def _connected(self):
        with self._lock:
            if self._client is None:
                pymilvus = _pymilvus()
                if not is_server(self.uri):
                    from pathlib import Path

                    Path(self.uri).parent.mkdir(parents=True, exist_ok=True)
                # dedicated: a fresh channel of our own, not one pymilvus shares and may keep after a failure
                self._client = pymilvus.MilvusClient(self.uri, token=self._token, timeout=self.timeout,
                                                     dedicated=True)
            return self._client

    @contextmanager
    def _failures(self) -> Iterator[None]:
        try:
            yield
        except (ConfigError, StoreUnavailableError):
            raise
        except Exception as exc:  # pymilvus raises MilvusException, grpc its RpcError, Lite OSError and others
            self.reset()
            raise StoreUnavailableError(f"Milvus at {describe(self.uri)} cannot be reached or failed "
                                        f"({_short(exc)}); retry when it is back.") from exc

    def reset(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):  # closing a broken connection may fail too; it is dropped anyway
                client.close()

    def ping(self, name: str | None = None) -> None:
        """Return when Milvus answers (and has collection `name` loaded, loading it if it was released, as a
        restarted Milvus Lite or standalone server may have it); StoreUnavailableError otherwise."""
        def ping(client) -> None:
            if name is None:
                client.list_collections(timeout=self.timeout)
            elif "Loaded" not in str(client.get_load_state(name, timeout=self.timeout).get("state")):
                client.load_collection(name, timeout=self.timeout)

        self.call(ping)

    # Writing ----------------------------------------------------------------------------------------------

    def create(self, name: str, sparse: Sequence[dict[int, float]], norms: np.ndarray, vectors: np.ndarray | None,
               dense_index: str | None) -> None:
        """Write a collection of one row per chunk (row i is chunk i: its BM25 sparse vector, its BM25 length norm
        and its dense vector), index it and load it for search."""
        pymilvus = _pymilvus()

        def create(client) -> None:
            schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field(ID, pymilvus.DataType.INT64, is_primary=True)
            schema.add_field(SPARSE, pymilvus.DataType.SPARSE_FLOAT_VECTOR)
            schema.add_field(NORM, pymilvus.DataType.DOUBLE)
            if vectors is not None:
                schema.add_field(DENSE, pymilvus.DataType.FLOAT_VECTOR, dim=int(vectors.shape[1]))
            index = client.prepare_index_params()
            # An inverted index over the sparse dimensions, searched exactly (no dimensions dropped).
            index.add_index(SPARSE, index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
            if vectors is not None:
                params = {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION} if dense_index == "HNSW" else {}
                index.add_index(DENSE, index_type=dense_index, metric_type="IP", params=params)
            client.create_collection(name, schema=schema, index_params=index, timeout=self.timeout)
            for start in range(0, len(sparse), INSERT_BATCH):
                batch = sparse[start:start + INSERT_BATCH]
                rows = [{ID: start + n, SPARSE: row or {0: 0.0}, NORM: float(norms[start + n])}
                        for n, row in enumerate(batch)]
                if vectors is not None:
                    for n, row in enumerate(rows):
                        row[DENSE] = vectors[start + n].tolist()
                client.insert(name, rows, timeout=self.timeout)
            client.flush(name, timeout=self.timeout)
            client.load_collection(name, timeout=self.timeout)

        self.call(create)

    def drop(self, names: Sequence[str]) -> None:
        def drop(client) -> None:
            for name in names:
                client.drop_collection(name, timeout=self.timeout)

        self.call(drop)

    def collections(self, prefix: str) -> list[str]:
        return [n for n in self.call(lambda c: c.list_collections(timeout=self.timeout)) if n.startswith(prefix + "_")]

    # Reading ----------------------------------------------------------------------------------------------

    def count(self, name: str) -> int | None:
        """The rows of a collection, loading it first; None when there is no such collection."""
        def count(client) -> int | None:
            if not client.has_collection(name, timeout=self.timeout):
                return None
            client.load_collection(name, timeout=self.timeout)
            rows = client.query(name, filter="", output_fields=["count(*)"], timeout=self.timeout)
            return int(rows[0]["count(*)"])

        return self.call(count)

    def search(self, name: str, field: str, vector: Any, depth: int, params: dict[str, Any]) -> list[tuple[int, float]]:
        """The `depth` best rows for one query vector by inner product, as (row, score), best first, ties by row."""
        hits = [(int(h["id"]), float(h["distance"])) for h in self.search_rows(name, field, vector, depth, params)]
        return sorted(hits, key=lambda h: (-h[1], h[0]))

    def search_rows(self, name: str, field: str, vector: Any, depth: int, params: dict[str, Any],
                    fields: Sequence[str] = ()) -> list[Any]:
        """The `depth` best rows as Milvus returns them: id, distance and `fields` (under "entity")."""
        def search(client):
            return client.search(name, data=[vector], anns_field=field, limit=depth, output_fields=list(fields),
                                 search_params={"metric_type": "IP", "params": params}, timeout=self.timeout)

        try:
            found = self.call(search)
        except StoreUnavailableError:
            self.ping(name)  # back, but with the collection released: loaded again, and searched once more
            found = self.call(search)
        return list(found[0])


SPARSE_PARAMS = {"drop_ratio_search": 0.0}  # no query dimension dropped: exact BM25


def sparse_hits(milvus: Milvus, name: str, vector: dict[int, float], depth: int) -> list[tuple[int, float]]:
    """The lexical candidates: chunks by BM25 (the inner product of sparse vectors), positive scores only."""
    if not vector or depth <= 0:
        return []
    hits = milvus.search(name, SPARSE, vector, depth, SPARSE_PARAMS)
    return [(i, s) for i, s in hits if s > 0]  # as the local store's top_positive


def sparse_rows(milvus: Milvus, name: str, vector: dict[int, float],
                depth: int) -> list[tuple[int, dict[int, float], float]]:
    """The `depth` best chunks for `vector`, each with its own sparse vector and length norm, for rescoring."""
    if not vector or depth <= 0:
        return []
    rows = milvus.search_rows(name, SPARSE, vector, depth, SPARSE_PARAMS, fields=(SPARSE, NORM))
    return [(int(h["id"]), {int(k): float(v) for k, v in h["entity"][SPARSE].items()}, float(h["entity"][NORM]))
            for h in rows]


def _pymilvus():
    try:
        import pymilvus
    except ImportError as exc:
        raise ConfigError("The milvus store needs pymilvus and Milvus Lite: pip install 'kotae[milvus]'.") from exc
    return pymilvus


def _short(exc: Exception) -> str:
    text = " ".join(str(getattr(exc, "message", "") or exc).split())
    return (text[:160] + "…") if len(text) > 160 else text or exc.__class__.__name__
