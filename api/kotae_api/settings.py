"""The HTTP server's settings (`KOTAE_*` variables), apart from the library's."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from kotae.config import CONFIG_FILE, FromFile
from kotae_api.schemas import largest_request


class ServerSettings(FromFile):
    """How `kotae serve` listens, whom it lets in, and what its demo page offers."""

    model_config = SettingsConfigDict(env_prefix="KOTAE_", frozen=True, extra="ignore", toml_file=CONFIG_FILE)

    host: str = Field("127.0.0.1", description="address the API listens on")
    port: int = Field(8000, ge=1, le=65535, description="port the API listens on")
    workers: int = Field(1, ge=1, le=64, description="server processes, each with its own copy of the index and "
                         "its share of the CPUs for the embedding model")
    cors_origins: Annotated[tuple[str, ...] | None, NoDecode] = Field(
        None, description="browser origins allowed to call the API, comma-separated (`*` for any); default: "
        "http://127.0.0.1 and http://localhost on the serving port")
    rate_limit: float = Field(60.0, ge=0, description="requests per minute per client address; 0 turns limiting off")
    rate_burst: int = Field(20, ge=1, description="requests a client may make at once before the rate applies")
    max_body: int = Field(
        default_factory=lambda: largest_request(), ge=1024, le=16 * 1024 * 1024,
        description="largest request body in bytes (default: the largest body the request schemas admit, so that "
        "every valid request fits)")
    body_timeout: float = Field(10.0, gt=0, le=300, description="seconds a client has to send the whole request "
                                "body; a body still incomplete then is answered 408 and the connection closed")
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="addresses (or networks) of reverse proxies whose X-Forwarded-For header names the client, "
        "comma-separated; default none, so that no client can choose the address it is rate-limited by")
    admin_token: SecretStr | None = Field(
        None, description="bearer token for POST /v1/admin/reload; the endpoint does not exist without one")
    stream_keepalive: float = Field(15.0, gt=0, le=15, description="seconds between keep-alive comments in a stream")
    retrieval_threads: int | None = Field(
        None, ge=1, le=64, description="retrievals run at once per server process (default: the number of CPUs, at "
        "most 4); more requests wait their turn, as extra threads would only contend for Python's lock")
    model_threads: int | None = Field(
        None, ge=1, le=64, description="retrievals that run the embedding model (dense and hybrid) at once per "
        "server process (default: 8 per CPU); the model runs outside Python's lock, and questions waiting for it "
        "together are encoded in one call")
    examples_file: Path | None = Field(Path("eval/examples.json"),
                                       description='example questions the demo page offers: a JSON list of '
                                                   '{"lang": ..., "question": ...}')

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(p.strip() for p in value.split(",") if p.strip())
        return value

    @field_validator("admin_token")
    @classmethod
    def _no_blank_token(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None
