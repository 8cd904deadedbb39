"""The chat widget in a real browser: questions streamed into cited answers, follow-ups, English, abstention,
and documents whose markup never runs."""

from __future__ import annotations

import json

import pytest
from widget_support import (
    ANNOUNCE_SPY,
    ANSWER,
    EN_QUESTION,
    JA_FOLLOW_UP,
    JA_QUESTION,
    UNANSWERABLE,
    XSS_QUESTION,
    ask,
    document_text,
    last_reply,
    widget,
)

pytestmark = pytest.mark.slow  # a browser and a server process


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
    assert ANSWER in reply.locator(".answer").inner_text()
    # Announced once, when finished: the streamed draft is hidden from assistive technology.
    announced = page.evaluate("window.__announced")
    assert len([a for a in announced if ANSWER in a]) == 1
    assert widget(page, ".log [aria-hidden=true]").count() == 0

    cite = reply.locator(".answer .cite").first
    assert cite.inner_text() == "[1]"
    source = reply.locator(".sources li").first
    assert "図書館" in source.locator(".title").inner_text()
    assert ANSWER in source.locator("q").inner_text()
    page.screenshot(path=str(artifacts / "widget-desktop.png"))

    cite.click()
    mark = widget(page, ".doc mark")
    mark.wait_for()
    assert widget(page, ".chat").is_hidden()
    assert f"{ANSWER}に開館した" in mark.inner_text()
    text = document_text(server, "city-library")
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
    # Sent as chat messages: the question, then kotae's answer to it.
    assert [m["role"] for m in history] == ["user", "assistant"] and history[0]["content"] == JA_QUESTION
    assert ANSWER in history[1]["content"]

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
    assert ANSWER in reply.locator(".answer").inner_text()
    assert "Japanese" in reply.locator(".note").inner_text()
    glosses = reply.locator(".glosses li").all_inner_texts()
    assert any("図書館" in g and "library" in g for g in glosses)
    assert reply.locator(".cite").count() >= 1
    watched.assert_clean()


def test_the_short_answer_stands_above_the_quote_and_opens_its_span(server, watched, artifacts):
    page = watched.page
    page.goto(server + "/")
    ask(page, EN_QUESTION)
    reply = last_reply(page)
    short = reply.locator(".short")
    assert short.inner_text() == f"1 April 2021 ({ANSWER}) [1]"
    # Above the quote, which no longer repeats it.
    assert short.evaluate("e => e.nextElementSibling.className") == "answer"
    assert not reply.locator(".answer").inner_text().startswith("1 April 2021")
    page.screenshot(path=str(artifacts / "widget-short-answer.png"))
    short.locator(".cite").click()
    mark = widget(page, ".doc mark")
    mark.wait_for()
    assert mark.inner_text() == ANSWER  # only the short answer is marked, inside its tinted passage
    assert "松本市中央図書館" in widget(page, ".doc .ctx").inner_text()
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
