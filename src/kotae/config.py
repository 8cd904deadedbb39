"""One typed settings object, overridable from `KOTAE_*` environment variables and passed in."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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

    # Optional answer generation by a language model behind an OpenAI-compatible API (off when unset).
    llm_base_url: str | None = Field(None, description="e.g. http://127.0.0.1:8080/v1")
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = Field(30.0, gt=0, description="seconds to wait for the language model")

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
