"""The chat widget (`GET /widget.js`) and its demo page (`GET /`), served from the package's static files."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Request, Response

from kotae_api.logs import LOG

# The demo page runs no inline script or style: everything comes from files of this origin, and the widget
# styles itself with constructed style sheets, which a CSP does not restrict.
DEMO_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
# Pages elsewhere embed widget.js: browsers may keep it for an hour, then revalidate with the ETag.
WIDGET_CACHE = "public, max-age=3600"
PAGE_CACHE = "no-cache"

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".html": "text/html; charset=utf-8"}


@cache
def asset(name: str) -> Asset:
    """A static file of the package, read once."""
    body = resources.files("kotae_api").joinpath("static", name).read_bytes()
    media_type = _MEDIA_TYPES[name[name.rindex("."):]]
    return Asset(body, media_type, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def _serve(request: Request, name: str, cache_control: str, **headers: str) -> Response:
    item = asset(name)
    headers = {"ETag": item.etag, "Cache-Control": cache_control, "X-Content-Type-Options": "nosniff", **headers}
    given = request.headers.get("if-none-match", "")
    if item.etag in (tag.strip().removeprefix("W/") for tag in given.split(",")) or given.strip() == "*":
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else item.body
    headers["Content-Length"] = str(len(item.body))
    return Response(body, media_type=item.media_type, headers=headers)


@router.api_route("/", methods=["GET", "HEAD"])
def demo_page(request: Request) -> Response:
    """The demo page: a short introduction, example questions and the widget, open."""
    return _serve(request, "index.html", PAGE_CACHE, **{"Content-Security-Policy": DEMO_CSP,
                                                         "Referrer-Policy": "no-referrer"})


@router.api_route("/widget.js", methods=["GET", "HEAD"])
def widget_js(request: Request) -> Response:
    """The embeddable chat widget."""
    return _serve(request, "widget.js", WIDGET_CACHE)


@router.api_route("/demo.js", methods=["GET", "HEAD"])
def demo_js(request: Request) -> Response:
    return _serve(request, "demo.js", PAGE_CACHE)


@router.api_route("/demo.css", methods=["GET", "HEAD"])
def demo_css(request: Request) -> Response:
    return _serve(request, "demo.css", PAGE_CACHE)


@router.get("/examples.json")
def examples(request: Request) -> Response:
    """The demo page's example questions: the collection is configuration, so they come from a file too (read
    once, when the app is made)."""
    return Response(json.dumps(request.app.state.examples, ensure_ascii=False), media_type="application/json",
                    headers={"Cache-Control": PAGE_CACHE})


def example_questions(path: Path | None) -> list[dict[str, str]]:
    """The well-formed entries of the examples file; none when it is missing or unreadable (logged)."""
    if path is None or not Path(path).is_file():
        return []
    try:
        rows = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        LOG.warning("the examples file cannot be read", extra={"path": str(path), "reason": str(exc)})
        return []
    if not isinstance(rows, list):
        rows = []
    good = [{"lang": str(r.get("lang", "")), "question": r["question"].strip()} for r in rows
            if isinstance(r, dict) and isinstance(r.get("question"), str) and r["question"].strip()]
    if len(good) < len(rows) or not good:
        LOG.warning("some example questions are malformed or missing", extra={"path": str(path)})
    return good


# Every path this module serves: cheap static files, which the rate limit leaves alone.
PATHS = frozenset(route.path for route in router.routes)
