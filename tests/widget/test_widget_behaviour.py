"""The chat widget in a real browser: keyboard and IME, embedding under a strict CSP, refused origins, phone
width, failures with a retry, and readable contrast."""

from __future__ import annotations

import contextlib

import pytest
from widget_support import (
    ANSWER,
    CONTRAST,
    EN_QUESTION,
    JA_QUESTION,
    STREAM_CUT,
    STREAM_ERROR,
    TIMEOUT_MS,
    UNANSWERABLE,
    Watched,
    ask,
    last_reply,
    widget,
)

pytestmark = pytest.mark.slow  # a browser and a server process


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
    assert ANSWER in reply.locator(".answer").inner_text()
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
    retry.click(timeout=TIMEOUT_MS)  # waits for Retry-After's seconds to pass; a busy machine may be slow
    answer = widget(page, ".msg.bot .answer")
    answer.wait_for()
    assert ANSWER in answer.inner_text()
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
    assert ANSWER in widget(page, ".doc mark").inner_text()
    watched.assert_clean()


def test_text_has_readable_contrast(server, watched):
    page = watched.page
    page.goto(server + "/")
    ask(page, EN_QUESTION)
    ask(page, UNANSWERABLE)
    page.route("**/v1/ask/stream", lambda route: route.fulfill(status=500, body="{}"))
    ask(page, JA_QUESTION)
    parts = ("header h2, header button, .launcher, .welcome, .msg.user, .short, .answer, .cite, .note, .glosses, h3, "
             ".ref .title, .ref q, .badge, .abstained p, .error p, .rid, .retry, .send, textarea")
    ratios = page.locator("kotae-chat").evaluate_all(CONTRAST, parts)
    assert len(ratios) >= 19
    low = [(name, ratio) for name, ratio in ratios if ratio < 4.5]
    assert low == []  # WCAG AA for normal text
