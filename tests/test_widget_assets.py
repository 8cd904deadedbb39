"""The widget's files as the API serves them: types, caching, the demo page's CSP, and what the code may not do."""

from __future__ import annotations

import fnmatch
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from support import REPO, make_settings

STATIC = resources.files("kotae_api").joinpath("static")
MAX_WIDGET_BYTES = 30 * 1024


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from kotae_api import create_app

    # The widget's files are served whether or not an index is loaded.
    folder = tmp_path_factory.mktemp("no-index")
    return TestClient(create_app(make_settings(folder, folder / "index")))


def test_widget_js_is_served_small_with_caching_headers(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "max-age=" in response.headers["cache-control"]
    assert response.content == STATIC.joinpath("widget.js").read_bytes()
    assert len(response.content) < MAX_WIDGET_BYTES

    etag = response.headers["etag"]
    again = client.get("/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert client.get("/widget.js", headers={"If-None-Match": '"other"'}).status_code == 200

    head = client.head("/widget.js")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(response.content))


@pytest.mark.parametrize(("path", "media_type"), [("/demo.js", "text/javascript"), ("/demo.css", "text/css"),
                                                   ("/", "text/html")])
def test_demo_files_are_served_with_their_types(client, path, media_type):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert response.headers["etag"]


def test_demo_page_has_a_strict_csp(client):
    csp = client.get("/").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe" not in csp


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline: list[str] = []
        self.questions: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.inline += [name for name in attributes if name.startswith("on") or name == "style"]
        if tag == "style":
            self.inline.append("<style>")
        if tag == "script":
            self.scripts.append(attributes)
            self._in_script = True
        if "data-question" in attributes:
            self.questions.append(attributes["data-question"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append("inline script")


def test_demo_page_runs_no_inline_code_and_asks_in_both_languages(client):
    page = _Page()
    page.feed(client.get("/").text)
    assert page.inline == []
    assert [s["src"] for s in page.scripts] == ["widget.js", "demo.js"]
    assert all("defer" in s for s in page.scripts)
    widget = page.scripts[0]
    assert widget["data-open"] == "true" and widget["data-lang"] == "auto"
    assert page.questions == []  # the collection is configuration: example questions come from a file


def examples_app(folder, examples_file):
    """The API (with no index) offering the example questions of `examples_file`."""
    from kotae_api import create_app
    from kotae_api.settings import ServerSettings

    return create_app(make_settings(folder, folder / "index"), ServerSettings(examples_file=examples_file))


def test_example_questions_come_from_the_configured_file_in_both_languages(tmp_path):
    default = TestClient(examples_app(tmp_path, REPO / "eval" / "examples.json")).get("/examples.json")
    assert default.status_code == 200 and default.headers["content-type"] == "application/json"
    rows = default.json()
    assert {r["lang"] for r in rows} == {"ja", "en"} and all(r["question"].strip() for r in rows)

    own = tmp_path / "examples.json"
    own.write_text('[{"lang": "en", "question": " Where? "}, {"question": ""}, 3, {"lang": "ja"}]', encoding="utf-8")
    served = TestClient(examples_app(tmp_path, own))
    assert served.get("/examples.json").json() == [{"lang": "en", "question": "Where?"}]
    own.write_text("{not json", encoding="utf-8")
    assert served.get("/examples.json").json() == [{"lang": "en", "question": "Where?"}]  # read at start-up
    broken = TestClient(examples_app(tmp_path, own))
    assert broken.get("/examples.json").json() == []
    none = TestClient(examples_app(tmp_path, tmp_path / "absent.json"))
    assert none.get("/examples.json").json() == []


@pytest.mark.parametrize("name", ["widget.js", "demo.js"])
def test_scripts_never_build_html_from_strings_or_evaluate_code(name):
    source = STATIC.joinpath(name).read_text(encoding="utf-8")
    forbidden = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\s*\(|new Function|"
                           r"setTimeout\s*\(\s*['\"]|\.style\b|setAttribute\(\s*['\"](?:style|on)")
    assert forbidden.findall(source) == []


def test_static_files_are_package_data():
    tomllib = pytest.importorskip("tomllib")
    patterns = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["kotae_api"]
    folder = Path(str(STATIC))
    files = [p.relative_to(folder.parent).as_posix() for p in folder.iterdir() if p.is_file()]
    assert {"static/widget.js", "static/index.html", "static/demo.js", "static/demo.css"} <= set(files)
    assert all(any(fnmatch.fnmatch(f, p) for p in patterns) for f in files)


def test_openapi_request_examples_are_the_configured_questions(tmp_path):
    own = tmp_path / "examples.json"
    own.write_text('[{"lang": "en", "question": "How tall is the tower?"}, {"lang": "ja", "question": "塔の高さは?"}]',
                   encoding="utf-8")

    def body_examples(examples_file, path):
        schema = TestClient(examples_app(tmp_path, examples_file))
        operation = schema.get("/openapi.json").json()["paths"][path]["post"]
        return operation["requestBody"]["content"]["application/json"]["examples"]

    for path in ("/v1/ask", "/v1/ask/stream", "/v1/search"):
        examples = body_examples(own, path)
        assert examples["ja"]["value"]["question"] == "塔の高さは?"
        assert examples["en"]["value"]["question"] == "How tall is the tower?"
    assert body_examples(own, "/v1/ask")["follow-up"]["value"]["history"][0]["question"] == "塔の高さは?"
    # Without an examples file the examples are still one question in each language, about no collection.
    fallback = body_examples(tmp_path / "absent.json", "/v1/ask")
    assert fallback["ja"]["value"]["question"] != "塔の高さは?"
    assert not fallback["ja"]["value"]["question"].isascii() and fallback["en"]["value"]["question"].isascii()
