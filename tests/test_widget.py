"""The chat widget in a real browser: headless Chromium (the system's) driving a real `kotae serve`.

One server on a test corpus (the real documents plus one full of markup that must never run), two small
host pages on other origins (one allowed by CORS, one not), one browser for the whole module. Screenshots go
to $TEST_ARTIFACTS (or a temporary folder).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from conftest import CORPUS, REPO, make_settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TIMEOUT_MS = 15_000

JA_QUESTION = "日本とNATOが共同政治宣言に署名したのはいつ?"
JA_FOLLOW_UP = "それはどこで署名されましたか?"
EN_QUESTION = "When did Japan and NATO sign their joint political declaration?"
UNANSWERABLE = "量子コンピュータの価格はいくらですか?"
XSS_QUESTION = "秘密の合言葉は何ですか?"

# Every payload sets a flag or opens a dialog if it ever runs.
XSS_DOCUMENT = """---
id: xss-test
title: "<img src=x onerror=\\"window.__kotaeXss='title'\\">マークアップ試験"
source: "javascript:window.__kotaeXss='source'"
published: "2024"
lang: ja
notes: "A test document whose text is full of markup."
---
マークアップ試験

秘密の合言葉は<script>window.__kotaeXss='script';alert('script')</script>ひまわりです。
画像<img src=x onerror="window.__kotaeXss='img';alert('img')">も文字として表示されます。
詳しくは<a href="javascript:window.__kotaeXss='link';alert('link')">こちら</a>を参照してください。
[リンク](javascript:alert('md'))もあります。
"""

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A page on another site</title>
<link rel="stylesheet" href="/host.css">
<script src="{api}/widget.js" data-api="{api}" data-lang="en" data-title="Ask our documents" defer></script>
</head><body><h1>Someone else's page</h1><p>With its own styles.</p></body></html>
"""
# A host page's own CSS must not reach inside the widget.
HOST_CSS = "button, textarea { display: none !important; } * { color: #f0f !important; font-size: 30px; }"

# Records what a screen reader would hear from the transcript: nodes added outside aria-hidden subtrees.
ANNOUNCE_SPY = """() => {
  const log = document.querySelector('kotae-chat').shadowRoot.querySelector('[role=log]');
  window.__announced = [];
  const hidden = (node) => {
    const el = node.nodeType === 1 ? node : node.parentElement;
    return !!(el && el.closest('[aria-hidden="true"]'));
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'characterData' && !hidden(r.target)) window.__announced.push(r.target.data);
      for (const n of r.addedNodes) if (!hidden(n)) window.__announced.push(n.textContent);
    }
  }).observe(log, {childList: true, subtree: true, characterData: true});
}"""

CSP_SPY = """document.addEventListener('securitypolicyviolation', (e) => {
  (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI);
});"""


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
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


class _HostServer:
    """A tiny web server on its own port: one page embedding the widget, under a strict CSP."""

    def __init__(self) -> None:
        self.page = self.csp = ""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                if self.path == "/host.css":
                    body, kind = HOST_CSS.encode(), "text/css"
                else:
                    body, kind = owner.page.encode(), "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Security-Policy", owner.csp)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def serve(self, api: str) -> None:
        self.page = HOST_PAGE.format(api=api)
        self.csp = (f"default-src 'none'; script-src {api}; connect-src {api}; style-src 'self'; "
                    "img-src 'none'; base-uri 'none'")
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def hosts():
    allowed, refused = _HostServer(), _HostServer()
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
    corpus = root / "corpus"
    corpus.mkdir()
    for path in CORPUS.glob("*.md"):
        shutil.copy(path, corpus / path.name)
    (corpus / "xss-test.md").write_text(XSS_DOCUMENT, encoding="utf-8")
    settings = make_settings(corpus, root / "index")
    build_index(settings)

    port = _free_port()
    api = f"http://127.0.0.1:{port}"
    allowed, refused = hosts
    env = {**os.environ, "KOTAE_CORPUS_DIR": str(corpus), "KOTAE_INDEX_DIR": str(root / "index"),
           "KOTAE_EMBED_MODEL": "none", "KOTAE_RATE_LIMIT": "0", "KOTAE_CORS_ORIGINS": f"{api},{allowed.origin}"}
    kotae = Path(sys.executable).with_name("kotae")
    command = [str(kotae)] if kotae.exists() else [sys.executable, "-c", "import kotae.cli as c; exit(c.main())"]
    log = open(root / "server.log", "wb")  # noqa: SIM115 (closed below, after the server stops)
    process = subprocess.Popen([*command, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=REPO,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{api}/readyz", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("kotae serve did not start:\n" + (root / "server.log").read_text(errors="replace"))
            time.sleep(0.2)
        allowed.serve(api)
        refused.serve(api)
        yield api
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


class Watched:
    """A page with what must never happen recorded: dialogs, uncaught errors, CSP violations."""

    def __init__(self, page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.add_init_script(CSP_SPY)
        page.set_default_timeout(TIMEOUT_MS)

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.__csp || []")

    def assert_clean(self) -> None:
        assert self.dialogs == [], "a dialog opened"
        assert self.errors == [], "uncaught errors in the page"
        assert self.csp_violations() == []


@pytest.fixture
def watched(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = Watched(context.new_page())
    yield page
    context.close()


def widget(page, selector: str = ""):
    return page.locator(f"kotae-chat {selector}".strip())


def ask(page, question: str) -> None:
    """Type a question, press Enter, wait for the finished answer (or error) that follows it."""
    done = widget(page, ".msg.bot:not(.draft)")
    before = done.count()
    widget(page, "textarea").fill(question)
    widget(page, "textarea").press("Enter")
    done.nth(before).wait_for()


def last_reply(page):
    return widget(page, ".msg.bot:not(.draft)").last


def document_text(api: str, doc_id: str) -> str:
    return httpx.get(f"{api}/v1/documents/{doc_id}", trust_env=False).json()["text"]


def test_demo_page_opens_the_widget_with_examples_and_embed_snippet(server, watched):
    page = watched.page
    response = page.goto(server + "/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert widget(page, ".panel").is_visible()
    assert widget(page, ".launcher").get_attribute("aria-expanded") == "true"
    # The page's lang is Japanese, so the widget's own strings are.
    assert widget(page, ".send").inner_text() == "送信"
    examples = page.locator("button[data-question]")
    examples.first.wait_for()  # the page fetches them from the server's examples file
    questions = [examples.nth(i).get_attribute("data-question") for i in range(examples.count())]
    assert any(q.isascii() for q in questions) and any(not q.isascii() for q in questions)
    assert f'src="{server}/widget.js"' in page.locator("#snippet").inner_text()
    examples.first.click()
    widget(page, ".msg.bot:not(.draft)").first.wait_for()
    assert widget(page, ".msg.user").first.inner_text() == questions[0]
    watched.assert_clean()


def test_japanese_question_streams_a_cited_answer_and_opens_the_highlighted_span(server, watched, artifacts):
    page = watched.page
    page.goto(server + "/")
    page.evaluate(ANNOUNCE_SPY)
    with page.expect_request("**/v1/ask/stream") as request:
        ask(page, JA_QUESTION)
    assert json.loads(request.value.post_data) == {"question": JA_QUESTION, "history": []}
    reply = last_reply(page)
    assert "2013年4月" in reply.locator(".answer").inner_text()
    # Announced once, when finished: the streamed draft is hidden from assistive technology.
    announced = page.evaluate("window.__announced")
    assert len([a for a in announced if "2013年4月" in a]) == 1
    assert widget(page, ".log [aria-hidden=true]").count() == 0

    cite = reply.locator(".cite").first
    assert cite.inner_text() == "[1]"
    source = reply.locator(".sources li").first
    assert "NATO" in source.locator(".title").inner_text()
    assert "2013年4月" in source.locator("q").inner_text()
    page.screenshot(path=str(artifacts / "widget-desktop.png"))

    cite.click()
    mark = widget(page, ".doc mark")
    mark.wait_for()
    assert widget(page, ".chat").is_hidden()
    assert "2013年4月に共同政治宣言に署名" in mark.inner_text()
    text = document_text(server, "nato-cpe-japan-2025")
    assert mark.inner_text() in text
    # The span is scrolled into view inside the document pane.
    pane, box = widget(page, ".doc").bounding_box(), mark.bounding_box()
    assert pane["y"] <= box["y"] and box["y"] + box["height"] <= pane["y"] + pane["height"]
    page.screenshot(path=str(artifacts / "widget-source.png"))

    # Esc leaves the source view first, with focus back on the citation.
    page.keyboard.press("Escape")
    assert widget(page, ".chat").is_visible()
    assert page.evaluate("document.querySelector('kotae-chat').shadowRoot.activeElement.className") == "cite"
    watched.assert_clean()


def test_follow_up_sends_history_kept_for_the_session_and_new_conversation_clears_it(server, watched):
    page = watched.page
    page.goto(server + "/")
    ask(page, JA_QUESTION)
    with page.expect_request("**/v1/ask/stream") as request:
        ask(page, JA_FOLLOW_UP)
    history = json.loads(request.value.post_data)["history"]
    assert [turn["question"] for turn in history] == [JA_QUESTION]
    assert "2013年4月" in history[0]["answer"]

    page.reload()  # the conversation stays for the page session
    assert [u.inner_text() for u in widget(page, ".msg.user").all()] == [JA_QUESTION, JA_FOLLOW_UP]
    assert widget(page, ".msg.bot .cite").count() >= 2

    widget(page, "header .new").click()
    assert widget(page, ".msg").count() == 0
    assert page.evaluate("sessionStorage.length") == 0
    with page.expect_request("**/v1/ask/stream") as request:
        ask(page, JA_FOLLOW_UP)
    assert json.loads(request.value.post_data)["history"] == []
    watched.assert_clean()


def test_english_question_shows_glosses_and_the_japanese_source_note(server, watched):
    page = watched.page
    page.goto(server + "/")
    ask(page, EN_QUESTION)
    reply = last_reply(page)
    assert "2013年4月" in reply.locator(".answer").inner_text()
    assert "Japanese" in reply.locator(".note").inner_text()
    glosses = reply.locator(".glosses li").all_inner_texts()
    assert any("宣言" in g and "declaration" in g for g in glosses)
    assert reply.locator(".cite").count() >= 1
    watched.assert_clean()


def test_unanswerable_question_looks_different_from_an_answer(server, watched):
    page = watched.page
    page.goto(server + "/")
    ask(page, JA_QUESTION)
    ask(page, UNANSWERABLE)
    answered, abstained = widget(page, ".msg.bot").nth(0), widget(page, ".msg.bot").nth(1)
    assert "abstained" in abstained.get_attribute("class")
    assert "abstained" not in answered.get_attribute("class")
    assert abstained.locator(".badge").inner_text() == "資料に記述なし"
    assert "見つかりませんでした" in abstained.inner_text()
    assert abstained.locator(".cite").count() == 0
    assert abstained.locator(".sources li").count() >= 1  # the nearest passages, labelled as such
    style = "e => getComputedStyle(e).borderStyle + ' ' + getComputedStyle(e).backgroundColor"
    assert abstained.evaluate(style) != answered.evaluate(style)
    watched.assert_clean()


def test_markup_in_documents_is_shown_as_text_and_never_runs(server, watched):
    page = watched.page
    page.goto(server + "/")
    ask(page, XSS_QUESTION)
    reply = last_reply(page)
    assert "<script>" in reply.locator(".answer").inner_text()
    assert "<img src=x" in reply.locator(".sources .title").first.inner_text()
    reply.locator(".cite").first.click()
    widget(page, ".doc mark").wait_for()
    doc = widget(page, ".doc").inner_text()
    for payload in ("<script>window.__kotaeXss", '<img src=x onerror="window.__kotaeXss', 'href="javascript:',
                    "(javascript:alert('md'))"):
        assert payload in doc
    assert "javascript:" in widget(page, ".meta").inner_text()
    # Nothing was turned into markup: no element from the document exists, and no link but http(s).
    root = "document.querySelector('kotae-chat').shadowRoot"
    assert page.evaluate(f"{root}.querySelectorAll('script, img, iframe, object').length") == 0
    hrefs = page.evaluate(f"[...{root}.querySelectorAll('[href]')].map(a => a.getAttribute('href'))")
    assert all(h.startswith(("http://", "https://")) for h in hrefs)
    assert page.evaluate("window.__kotaeXss") is None
    watched.assert_clean()


def test_enter_during_ime_composition_never_sends(server, watched):
    page = watched.page
    page.goto(server + "/")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "/v1/ask" in r.url else None)
    box = widget(page, "textarea")
    box.click()
    # A real composition through the browser's IME interface: Enter confirms the conversion, nothing is sent.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.imeSetComposition", {"text": "きょうと", "selectionStart": 4, "selectionEnd": 4})
    page.keyboard.press("Enter")
    cdp.send("Input.insertText", {"text": "京都"})
    # Browsers that report composition only through keyCode 229 (Safari) must not send either.
    box.evaluate("""b => b.dispatchEvent(new KeyboardEvent('keydown',
        {key: 'Enter', keyCode: 229, which: 229, bubbles: true, cancelable: true, composed: true}))""")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("NATO")
    page.wait_for_timeout(300)
    assert sent == []
    assert widget(page, ".msg.user").count() == 0
    assert "京都" in box.input_value() and "\nNATO" in box.input_value()
    # Enter after the conversion sends.
    page.keyboard.press("Enter")
    last_reply(page).wait_for()
    assert len(sent) == 1
    assert box.input_value() == ""
    watched.assert_clean()


def test_keyboard_only_escape_closes_and_focus_returns_to_the_launcher(server, watched):
    page = watched.page
    page.goto(server + "/")
    launcher = widget(page, ".launcher")
    active = "document.querySelector('kotae-chat').shadowRoot.activeElement?.className ?? null"
    widget(page, "textarea").focus()
    page.keyboard.press("Escape")
    assert widget(page, ".panel").is_hidden()
    assert launcher.get_attribute("aria-expanded") == "false"
    assert page.evaluate(active) == "launcher"
    assert launcher.get_attribute("aria-controls") == "kotae-panel"
    assert launcher.inner_text().strip() == "kotae 答え"  # a labelled button

    page.keyboard.press("Enter")  # opens again, focus in the question box
    assert widget(page, ".panel").is_visible()
    assert launcher.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.querySelector('kotae-chat').shadowRoot.activeElement.tagName") == "TEXTAREA"
    page.keyboard.type(JA_QUESTION)
    page.keyboard.press("Enter")
    last_reply(page).wait_for()
    # Tab reaches the citation from the top of the panel; Enter opens the source, Esc comes back.
    widget(page, "header .close").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate(active) == "cite":
            break
    assert page.evaluate(active) == "cite"
    page.keyboard.press("Enter")
    widget(page, ".doc mark").wait_for()
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    assert widget(page, ".panel").is_hidden()
    assert page.evaluate(active) == "launcher"
    watched.assert_clean()


def test_host_page_on_another_origin_embeds_the_widget_under_a_strict_csp(server, hosts, watched, artifacts):
    allowed, _ = hosts
    page = watched.page
    page.goto(allowed.origin + "/")
    launcher = widget(page, ".launcher")
    assert launcher.is_visible()  # the host page hides every button of its own
    assert launcher.get_attribute("aria-expanded") == "false"
    assert launcher.inner_text().strip() == "Ask our documents"
    launcher.click()
    assert widget(page, "textarea").get_attribute("placeholder").startswith("Ask in Japanese or English")
    # The widget's own styles apply under the host's CSP, and the host's styles stay out.
    style = "e => [getComputedStyle(e).color, getComputedStyle(e).fontSize, getComputedStyle(e).backgroundColor]"
    assert launcher.evaluate(style) == ["rgb(255, 255, 255)", "15px", "rgb(29, 78, 216)"]
    assert widget(page, ".welcome").evaluate(style)[:2] == ["rgb(75, 85, 99)", "15px"]
    assert widget(page, ".panel").evaluate(style)[0] == "rgb(31, 41, 55)"
    ask(page, EN_QUESTION)
    reply = last_reply(page)
    assert "2013年4月" in reply.locator(".answer").inner_text()
    reply.locator(".cite").first.click()
    widget(page, ".doc mark").wait_for()
    assert widget(page, ".back").inner_text().endswith("Back to the conversation")
    page.screenshot(path=str(artifacts / "widget-host-page.png"))
    watched.assert_clean()


def test_origin_not_on_the_allow_list_is_refused_with_a_polite_message(server, hosts, watched):
    _, refused = hosts
    page = watched.page
    page.goto(refused.origin + "/")
    widget(page, ".launcher").click()
    ask(page, EN_QUESTION)
    reply = last_reply(page)
    assert "error" in reply.get_attribute("class")
    assert "can't be reached" in reply.inner_text()
    assert reply.locator(".retry").is_enabled()
    assert widget(page, ".answer").count() == 0
    assert watched.dialogs == [] and watched.errors == []


def test_phone_width_layout_fits_the_viewport(server, browser, artifacts):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ja-JP", is_mobile=True,
                                  has_touch=True)
    page = Watched(context.new_page())
    try:
        page.page.goto(server + "/")
        ask(page.page, EN_QUESTION)
        panel = widget(page.page, ".panel").bounding_box()
        assert panel["x"] >= 0 and panel["y"] >= 0
        assert panel["x"] + panel["width"] <= 360 and panel["y"] + panel["height"] <= 740
        for part in ("textarea", ".send", "header .close", "header .new"):
            box = widget(page.page, part).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360, part
        overflow = widget(page.page, ".log").evaluate("e => e.scrollWidth - e.clientWidth")
        assert overflow <= 0
        page.page.screenshot(path=str(artifacts / "widget-phone.png"))
        page.assert_clean()
    finally:
        context.close()


STREAM_CUT = ('event: meta\ndata: {"type":"meta","request_id":"r1","lang":"ja"}\n\n'
              ': keep-alive\n\n'
              'event: delta\ndata: {"type":"delta","text":"途中までの回答"}\n\n')
STREAM_ERROR = STREAM_CUT + 'event: error\ndata: {"type":"error","problem":{"status":500,"title":"x"}}\n\n'


@pytest.mark.parametrize(("name", "reply", "message"), [
    ("rate limited", {"status": 429, "headers": {"Retry-After": "2", "Content-Type": "application/problem+json"},
                      "body": '{"status":429,"title":"Too many requests"}'}, "2秒後にもう一度"),
    ("server error", {"status": 500, "content_type": "application/problem+json", "body": '{"status":500}'},
     "サーバーで問題が発生しました"),
    ("stream cut", {"status": 200, "content_type": "text/event-stream", "body": STREAM_CUT}, "途中で途切れました"),
    ("error event", {"status": 200, "content_type": "text/event-stream", "body": STREAM_ERROR},
     "サーバーで問題が発生しました"),
    ("network down", None, "サービスに接続できません"),
    ("no reply", "hang", "時間がかかっています"),
], ids=["rate-limited", "server-error", "stream-cut", "error-event", "network-down", "no-reply"])
def test_failures_give_a_polite_message_and_a_retry_that_works(server, watched, name, reply, message):
    page = watched.page
    page.goto(server + "/")
    if reply == "hang":
        widget(page).evaluate("el => { el.timeoutMs = 1000; }")
    hung = []

    def fail(route):
        if reply is None:
            route.abort("internetdisconnected")
        elif reply == "hang":
            hung.append(route)  # never answered: the widget's own time limit must end the wait
        else:
            route.fulfill(**reply)

    page.route("**/v1/ask/stream", fail)
    ask(page, JA_QUESTION)
    error = last_reply(page)
    assert "error" in error.get_attribute("class")
    assert message in error.inner_text()
    assert "途中までの回答" not in widget(page, ".log").inner_text()
    assert widget(page, ".spin").count() == 0  # no spinner left behind
    assert widget(page, ".send").is_enabled()
    retry = error.locator(".retry")
    if name == "rate limited":
        assert retry.is_disabled()  # until the time Retry-After gives
    page.unroute("**/v1/ask/stream")
    for route in hung:
        with contextlib.suppress(Exception):  # already ended by the widget's abort
            route.abort()
    retry.click(timeout=5000)
    answer = widget(page, ".msg.bot .answer")
    answer.wait_for()
    assert "2013年4月" in answer.inner_text()
    assert widget(page, ".msg.user").count() == 1  # the retry did not repeat the question
    assert widget(page, ".error").count() == 0
    assert watched.dialogs == [] and watched.errors == []


def test_refused_question_shows_the_reason_without_a_retry(server, watched):
    page = watched.page
    page.goto(server + "/")
    page.route("**/v1/ask/stream", lambda route: route.fulfill(
        status=422, content_type="application/problem+json",
        body='{"status":422,"title":"Invalid request","detail":"question: <b>too long</b>"}'))
    ask(page, JA_QUESTION)
    error = last_reply(page)
    assert "question: <b>too long</b>" in error.inner_text()
    assert error.locator(".retry").count() == 0
    assert widget(page, "b").count() == 0
    watched.assert_clean()


def test_document_that_fails_to_load_offers_a_retry(server, watched):
    page = watched.page
    page.goto(server + "/")
    ask(page, JA_QUESTION)
    page.route("**/v1/documents/**", lambda route: route.fulfill(status=503, body="{}"))
    last_reply(page).locator(".cite").first.click()
    retry = widget(page, ".doc .retry")
    retry.wait_for()
    assert "読み込めませんでした" in widget(page, ".doc").inner_text()
    page.unroute("**/v1/documents/**")
    retry.click()
    assert "2013年4月" in widget(page, ".doc mark").inner_text()
    watched.assert_clean()


# WCAG contrast ratio of each element's text against the first background behind it, across the shadow root.
CONTRAST = """(hosts, selector) => hosts.flatMap((host) => [...host.shadowRoot.querySelectorAll(selector)])
.map((el) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  let node = el, back = null;
  while (node && !back) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || c[3] > 0) back = c;
    node = node.parentElement || (node.getRootNode() && node.getRootNode().host) || null;
  }
  const lum = (c) => c.slice(0, 3).map((v) => v / 255)
    .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(back || [255, 255, 255])].sort((x, y) => y - x);
  return [el.className || el.tagName, Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100];
})"""


def test_text_has_readable_contrast(server, watched):
    page = watched.page
    page.goto(server + "/")
    ask(page, EN_QUESTION)
    ask(page, UNANSWERABLE)
    page.route("**/v1/ask/stream", lambda route: route.fulfill(status=500, body="{}"))
    ask(page, JA_QUESTION)
    parts = ("header h2, header button, .launcher, .welcome, .msg.user, .answer, .cite, .note, .glosses, h3, "
             ".ref .title, .ref q, .badge, .abstained p, .error p, .rid, .retry, .send, textarea")
    ratios = page.locator("kotae-chat").evaluate_all(CONTRAST, parts)
    assert len(ratios) >= 19
    low = [(name, ratio) for name, ratio in ratios if ratio < 4.5]
    assert low == []  # WCAG AA for normal text
