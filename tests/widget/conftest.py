"""Fixtures of the widget's browser tests: one Chromium, host pages on other origins, and a real `kotae serve`
over the tiny corpus plus a document full of markup that must never run. Screenshots go to $TEST_ARTIFACTS (or a
temporary folder)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fakes import ServerLog
from support import REPO, make_settings, write_tiny_corpus
from widget_support import IN_CI, XSS_DOCUMENT, HostServer, Watched, chromium, free_port


@pytest.fixture(scope="module")
def browser():
    executable = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    missing = ("Playwright for Python is not installed" if sync_playwright is None else
               "no Chromium found (install Debian's `chromium`)" if executable is None else None)
    if missing:
        if IN_CI:
            pytest.fail(f"browser tests cannot run in CI: {missing}")
        pytest.skip(f"browser tests skipped: {missing}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    folder = os.environ.get("TEST_ARTIFACTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("widget-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def hosts():
    allowed, refused = HostServer(), HostServer()
    yield allowed, refused
    for host in (allowed, refused):
        if host.thread.is_alive():
            host.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, hosts, browser) -> str:
    """`kotae serve` on a free port over the test corpus; CORS allows the first host page's origin only.

    Started only once a browser is there to drive it (`browser` skips first when there is none)."""
    from kotae.build import build_index

    root = tmp_path_factory.mktemp("widget")
    corpus = write_tiny_corpus(root / "corpus")
    # A plain text file: kotae keeps its every character (Markdown and HTML files are stored without their tags),
    # so the widget must show the markup as text.
    (corpus / "xss-test.txt").write_text(XSS_DOCUMENT, encoding="utf-8")
    settings = make_settings(corpus, root / "index")
    build_index(settings)

    port = free_port()
    api = f"http://127.0.0.1:{port}"
    allowed, refused = hosts
    env = {**os.environ, "KOTAE_CORPUS_DIR": str(corpus), "KOTAE_INDEX_DIR": str(root / "index"),
           "KOTAE_EMBED_MODEL": "none", "KOTAE_RATE_LIMIT": "0", "KOTAE_CORS_ORIGINS": f"{api},{allowed.origin}"}
    kotae = Path(sys.executable).with_name("kotae")
    command = [str(kotae)] if kotae.exists() else [sys.executable, "-c", "import kotae.cli as c; exit(c.main())"]
    process = subprocess.Popen([*command, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log = ServerLog(process.stdout)
    try:
        log.wait_for(lambda e: e["message"].startswith("Uvicorn running on"))
        assert httpx.get(f"{api}/readyz", timeout=10, trust_env=False).status_code == 200
        allowed.serve(api)
        refused.serve(api)
        yield api
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def watched(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = Watched(context.new_page())
    yield page
    context.close()

