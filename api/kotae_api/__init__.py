"""kotae's HTTP API: FastAPI routes over one loaded index, with problem+json errors."""

from kotae_api.app import create_app

__all__ = ["create_app"]
