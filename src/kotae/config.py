"""One typed settings object, overridable from `KOTAE_*` environment variables and passed in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from kotae.dense import DEFAULT_EF_SEARCH, DEFAULT_NPROBE

Mode = Literal["auto", "lexical", "dense", "hybrid"]
MODES: tuple[str, ...] = ("auto", "lexical", "dense", "hybrid")

# Query/passage prefixes of well-known embedding families; anything else gets none unless configured.
KNOWN_PREFIXES: dict[str, tuple[str, str]] = {
    "intfloat/multilingual-e5": ("query: ", "passage: "),
    "intfloat/e5": ("query: ", "passage: "),
    "bge-m3": ("", ""),
    "cl-nagoya/ruri": ("クエリ: ", "文章: "),
}

DEFAULT_MODEL = "intfloat/multilingual-e5-small"


class Settings(BaseSettings):
    """Everything kotae can be configured with; `KOTAE_<NAME>` overrides each field."""

    model_config = SettingsConfigDict(env_prefix="KOTAE_", frozen=True, extra="ignore")

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")

    # Analysis and chunking.
    term_form: Literal["orthBase", "surface"] = "orthBase"
    chunk_target: int = Field(320, ge=50, le=5000, description="characters a chunk aims for")
    chunk_max: int = Field(800, ge=50, le=20000, description="a single unit longer than this is split")
    chunk_overlap: int = Field(1, ge=0, le=5, description="sentences repeated at the start of the next chunk")
    chunking: Literal["sentences", "fixed"] = Field(
        "sentences", description="sentence-aware chunks, or plain fixed-size windows of chunk_target characters")

    lexicon: bool = Field(True, description="use JMdict/JMnedict for English questions (needs jamdict-data)")

    # Dense retrieval.
    embed_model: str = DEFAULT_MODEL  # a name, a local folder, or "none"
    query_prefix: str | None = None  # None: the model family's known prefix
    passage_prefix: str | None = None
    embed_batch_size: int = Field(32, ge=1, le=4096)
    model_timeout: float = Field(10.0, gt=0, description="seconds to wait for the model hub")
    index_type: Literal["auto", "flat", "hnsw", "ivfpq"] = Field(
        "auto", description="FAISS index for the vectors: exact `flat`, an `hnsw` graph or compressed `ivfpq` "
        "codes; `auto` picks by size (flat below 50,000 vectors, HNSW up to 4 million, IVF-PQ beyond)")
    hnsw_ef_search: int = Field(DEFAULT_EF_SEARCH, ge=1, le=4096,
                                description="HNSW candidates kept per query (recall vs speed)")
    ivf_nprobe: int = Field(DEFAULT_NPROBE, ge=1, le=65536, description="IVF-PQ inverted lists visited per query")

    # Retrieval and fusion.
    mode: Mode = "auto"
    top_k: int = Field(5, ge=1, le=50)
    depth: int = Field(50, ge=1, le=1000, description="candidates taken from each retriever before fusion")
    rrf_k: int = Field(60, ge=1)
    weight_lexical: float = Field(1.0, ge=0, description="lexical weight in hybrid fusion (Japanese and mixed)")
    weight_dense: float = Field(1.0, ge=0, description="dense weight in hybrid fusion (Japanese and mixed)")
    weight_lexical_en: float = Field(1.0, ge=0, description="lexical weight in hybrid fusion, English questions")
    weight_dense_en: float = Field(1.0, ge=0, description="dense weight in hybrid fusion, English questions")
    type_weight: float = Field(0.5, ge=0, description="weight of answer-type terms (see answer_type)")

    # Answers.
    abstention_file: Path | None = Field(Path("eval/abstention.json"),
                                         description="learned abstention thresholds (kotae eval --calibrate)")
    examples_file: Path | None = Field(Path("eval/examples.json"),
                                       description='example questions the demo page offers: a JSON list of '
                                                   '{"lang": ..., "question": ...}')

    # Optional answer generation by a language model behind an OpenAI-compatible API (off when unset).
    llm_base_url: str | None = Field(None, description="e.g. http://127.0.0.1:8080/v1")
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = Field(30.0, gt=0, description="seconds to wait for the language model")

    # The HTTP API (`kotae serve`).
    host: str = Field("127.0.0.1", description="address the API listens on")
    port: int = Field(8000, ge=1, le=65535, description="port the API listens on")
    workers: int = Field(1, ge=1, le=64, description="server processes, each with its own copy of the index")
    cors_origins: Annotated[tuple[str, ...] | None, NoDecode] = Field(
        None, description="browser origins allowed to call the API, comma-separated (`*` for any); default: "
        "http://127.0.0.1 and http://localhost on the serving port")
    rate_limit: float = Field(60.0, ge=0, description="requests per minute per client address; 0 turns limiting off")
    rate_burst: int = Field(20, ge=1, description="requests a client may make at once before the rate applies")
    max_body: int = Field(65536, ge=1024, le=16 * 1024 * 1024, description="largest request body in bytes")
    admin_token: SecretStr | None = Field(
        None, description="bearer token for POST /v1/admin/reload; the endpoint does not exist without one")
    stream_keepalive: float = Field(15.0, gt=0, le=15, description="seconds between keep-alive comments in a stream")
    retrieval_threads: int | None = Field(
        None, ge=1, le=64, description="retrievals run at once per server process (default: the number of CPUs, at "
        "most 4); more requests wait their turn, as extra threads would only contend for Python's lock")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
        return value

    @field_validator("admin_token")
    @classmethod
    def _no_blank_token(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None

    @field_validator("embed_model")
    @classmethod
    def _strip_model(cls, value: str) -> str:
        return value.strip() or "none"

    @model_validator(mode="after")
    def _sizes(self) -> Settings:
        if self.chunk_max < self.chunk_target:
            raise ValueError("chunk_max must be at least chunk_target")
        return self

    @property
    def dense_enabled(self) -> bool:
        return self.embed_model.lower() != "none"

    def fusion_weights(self, lang: str) -> dict[str, float]:
        """Hybrid fusion weights for a question language: English questions reach the documents through
        a lexicon, so they may lean on the multilingual model more than Japanese ones."""
        if lang == "en":
            return {"lexical": self.weight_lexical_en, "dense": self.weight_dense_en}
        return {"lexical": self.weight_lexical, "dense": self.weight_dense}

    def prefixes(self) -> tuple[str, str]:
        """The (query, passage) prefixes for the configured model."""
        known = next((p for key, p in KNOWN_PREFIXES.items() if key in self.embed_model), ("", ""))
        query = known[0] if self.query_prefix is None else self.query_prefix
        passage = known[1] if self.passage_prefix is None else self.passage_prefix
        return query, passage
