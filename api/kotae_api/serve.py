"""`kotae serve`: the API under uvicorn, in one process or several, each given the same settings."""

from __future__ import annotations

import json
import os
from typing import Any

from fastapi import FastAPI

from kotae.config import Settings
from kotae.store import load_index, with_recorded_corpus
from kotae_api.app import create_app
from kotae_api.logs import log_config
from kotae_api.settings import ServerSettings

# uvicorn starts worker processes that build their app from an import string, so the settings this process was
# given travel to them in one variable, exactly as given (explicit fields only), not re-read piecemeal.
HANDOFF = "KOTAE_SERVE_SETTINGS"


def serve(settings: Settings, server: ServerSettings) -> None:
    """Serve the index in `settings` until interrupted; a missing or stale index is refused before listening."""
    import uvicorn

    settings = with_recorded_corpus(settings)
    # One line here rather than a server that starts and answers 503: the index is loaded and verified before
    # listening (a single process then serves what was loaded; workers load their own).
    index = load_index(settings, verify=True)
    options: dict[str, Any] = {"host": server.host, "port": server.port, "log_config": log_config(),
                               "access_log": False, "timeout_graceful_shutdown": 10, **proxy_options(server)}
    if server.workers == 1:
        uvicorn.run(create_app(settings, server, index=index), **options)
        return
    del index
    os.environ[HANDOFF] = json.dumps({"settings": worker_settings(settings, server.workers).explicit(),
                                      "server": _explicit_server(server)})
    uvicorn.run("kotae_api.serve:worker_app", factory=True, workers=server.workers, **options)


def worker_settings(settings: Settings, workers: int) -> Settings:
    """What each of `workers` processes is given: the settings, with the embedding model's share of the CPUs where
    they do not set its cores. Each process has its own Python lock; with one process per core, the questions' own
    Python runs side by side as their encoding does (on 2 cores, 16 clients asking distinct questions: 160–170
    questions a second against 130–140 from one process), where every process encoding on every core would take
    cores from each other."""
    if workers <= 1 or settings.index.embed_threads is not None:
        return settings
    return settings.replace(embed_threads=max(1, (os.cpu_count() or 1) // workers))


def proxy_options(server: ServerSettings) -> dict[str, Any]:
    """uvicorn's handling of X-Forwarded-For: off unless proxies are trusted, and then only from them. (uvicorn
    itself trusts 127.0.0.1 by default, which lets any local client choose the address it is rate-limited by.)"""
    trusted = list(server.trusted_proxies)
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or ""}


def worker_app() -> FastAPI:
    """The app of one worker process started by `serve`, with the settings `serve` was given."""
    given = json.loads(os.environ.get(HANDOFF) or "{}")
    return create_app(Settings.of(**given.get("settings", {})), ServerSettings(**given.get("server", {})))


def _explicit_server(server: ServerSettings) -> dict[str, Any]:
    values = server.model_dump(mode="json", include=server.model_fields_set)
    if server.admin_token is not None and "admin_token" in values:
        values["admin_token"] = server.admin_token.get_secret_value()
    return values
