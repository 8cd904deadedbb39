"""What the browser tests of the chat widget share: the questions, pages and scripts they use, the host-page
server, a watched page, and the helpers that drive the widget."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TIMEOUT_MS = 15_000

JA_QUESTION = "松本市中央図書館の新館が開館したのはいつ?"
JA_FOLLOW_UP = "館長は誰ですか?"
EN_QUESTION = "When did the library open?"
ANSWER = "2021年4月1日"  # in the answer to JA_QUESTION and EN_QUESTION
UNANSWERABLE = "量子コンピュータと人工衛星の価格は図書館でいくら?"  # near passages on the library, no answer
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


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HostServer:
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


STREAM_CUT = ('event: meta\ndata: {"type":"meta","request_id":"r1","lang":"ja"}\n\n'
              ': keep-alive\n\n'
              'event: delta\ndata: {"type":"delta","text":"途中までの回答"}\n\n')
STREAM_ERROR = STREAM_CUT + 'event: error\ndata: {"type":"error","problem":{"status":500,"title":"x"}}\n\n'

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


