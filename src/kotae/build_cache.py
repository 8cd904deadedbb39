"""What a build computed, kept by content so that the next build redoes only what changed.

Three kinds of work are kept, each under a hash of everything its result depends on:

    extracted  a file's bytes, its type and the readers' version   → its clean text, title, metadata, headings
    terms      a chunk's text and heading and the analyzer          → its BM25 terms
    vectors    a passage's text and the model's fingerprint         → its vector

so changing one file of a thousand re-reads, re-analyses and re-embeds that file's chunks only. The cache is one
SQLite file beside the published builds (`cache.sqlite` in the index folder), never inside one; deleting it costs
one full build. SQLite rather than a folder of small files: one file to remove, atomic writes, and a thousand
lookups in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kotae.readers import Extracted

FILE = "cache.sqlite"
_TABLES = ("extracted", "terms", "vectors", "sentences")  # sentences: the vectors of sentences (see kotae.sentences)


def key(*parts: str | bytes) -> str:
    """A hash of the parts, each told apart from the next."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


@dataclass
class CacheStats:
    """How much of a build's work the cache saved: hits and misses per kind."""

    hits: dict[str, int]
    misses: dict[str, int]

    def line(self) -> str:
        """What was reused, in one line; empty when nothing was (a first build says nothing)."""
        parts = [f"{kind} {self.hits[kind]}/{self.hits[kind] + self.misses[kind]}" for kind in _TABLES
                 if self.hits[kind] + self.misses[kind]]
        return "Reused from earlier builds: " + ", ".join(parts) + "." if any(self.hits.values()) else ""


class BuildCache:
    """The cache of one index folder; `BuildCache.off()` keeps nothing (every lookup misses)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.stats = CacheStats({k: 0 for k in _TABLES}, {k: 0 for k in _TABLES})
        self._db: sqlite3.Connection | None = None
        self._broken = False

    def _open(self, *, create: bool) -> sqlite3.Connection | None:
        """The database, opened on first use; created (with the index folder) only to write into it, so a build
        that fails before it has anything to keep leaves no folder behind."""
        if self._db is None and self.path is not None and not self._broken and (create or self.path.exists()):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(self.path, check_same_thread=False)
                for table in _TABLES:
                    self._db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value BLOB)")
            except (sqlite3.DatabaseError, OSError):
                # An unreadable cache is only lost time: the build goes on without one.
                self._broken, self._db = True, None
        return self._db

    @classmethod
    def off(cls) -> BuildCache:
        return cls(None)

    def close(self) -> None:
        if self._db is not None:
            self._db.commit()
            self._db.close()
            self._db = None

    def __enter__(self) -> BuildCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, table: str, keys: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        db = self._open(create=False)
        if db is not None:
            try:
                for start in range(0, len(keys), 500):  # SQLite's limit on parameters per statement
                    part = keys[start:start + 500]
                    marks = ",".join("?" * len(part))
                    found.update(db.execute(f"SELECT key, value FROM {table} WHERE key IN ({marks})", part))
            except sqlite3.DatabaseError:
                self._broken, found = True, {}
        self.stats.hits[table] += sum(1 for k in set(keys) if k in found)
        self.stats.misses[table] += sum(1 for k in set(keys) if k not in found)
        return found

    def _put(self, table: str, items: Iterable[tuple[str, bytes]]) -> None:
        items = list(items)
        db = self._open(create=True) if items else None
        if db is not None:
            try:
                with db:
                    db.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?)", items)
            except sqlite3.DatabaseError:  # a full disk or a damaged file: keep building, without the cache
                self._broken = True

    def extracted(self, data: bytes, suffix: str, version: int, read: Callable[[bytes], Extracted]) -> Extracted:
        """What `read` makes of a file's bytes, from the cache when these bytes were read before."""
        k = key(data, suffix, str(version))
        hit = self._get("extracted", [k]).get(k)
        if hit is not None:
            row = json.loads(hit)
            return Extracted(text=row["text"], title=row["title"], meta=row["meta"], headings=tuple(row["headings"]))
        extracted = read(data)
        row: dict[str, Any] = {"text": extracted.text, "title": extracted.title, "meta": dict(extracted.meta),
                               "headings": list(extracted.headings)}
        self._put("extracted", [(k, json.dumps(row, ensure_ascii=False).encode())])
        return extracted

    def terms(self, keys: Sequence[str], compute: Callable[[list[int]], list[list[str]]]) -> list[list[str]]:
        """The terms of each item; `compute(indexes)` gives those of the items not cached under their key."""
        found = self._get("terms", keys)
        out: list[list[str] | None] = [json.loads(found[k]) if k in found else None for k in keys]
        missing = [i for i, terms in enumerate(out) if terms is None]
        if missing:
            for i, terms in zip(missing, compute(missing)):
                out[i] = terms
            self._put("terms", [(keys[i], json.dumps(out[i], ensure_ascii=False).encode()) for i in missing])
        return out  # type: ignore[return-value]

    def vectors(self, keys: Sequence[str], dimension: int | None, encode: Callable[[list[int]], np.ndarray], *,
                kind: str = "vectors") -> np.ndarray:
        """One float32 row per key; `encode(indexes)` gives the rows of those not cached (all at once, so the model
        can batch them). Rows of another dimension than the model's are not used."""
        found = self._get(kind, keys)
        rows: list[np.ndarray | None] = [np.frombuffer(found[k], dtype=np.float32) if k in found else None
                                         for k in keys]
        if dimension is not None:
            rows = [r if r is not None and r.shape == (dimension,) else None for r in rows]
        missing = [i for i, r in enumerate(rows) if r is None]
        if missing:
            encoded = np.asarray(encode(missing), dtype=np.float32)
            for i, vector in zip(missing, encoded):
                rows[i] = vector
            self._put(kind, [(keys[i], np.ascontiguousarray(rows[i]).tobytes()) for i in missing])
        if not rows:
            return np.empty((0, dimension or 0), dtype=np.float32)
        return np.stack(rows)  # type: ignore[arg-type]
