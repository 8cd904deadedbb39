"""HTML pages, and HTML inside Markdown, to text: the main content only, headings as heading lines, lists as
items, tables as rows of tab-separated cells.

Parsed with lxml, which python-docx needs anyway. On a 15,000-character Japanese page with navigation,
scripts and forms, lxml kept all of the article and none of the chrome in 0.3 ms, selectolax in 0.2 ms
(another compiled dependency), BeautifulSoup in 6 ms (html.parser) to 11 ms (html5lib); trafilatura took
8 ms, kept a menu that was not in a <nav>, and gave table cells one per line.
"""

from __future__ import annotations

import codecs
import re

from kotae.errors import CorpusError
from kotae.readers.base import BULLET, Block, Extracted, assemble, is_cjk
from kotae.readers.text import bom_encoding, decode

# Page chrome: never text of the document. A <header> or <footer> is chrome when it belongs to the page, not
# to an article or section inside it (HTML's own rule for the banner and content-info landmarks).
_NEVER = frozenset(("script", "style", "noscript", "template", "nav", "aside", "form", "button", "select", "textarea",
                    "iframe", "svg", "canvas", "object", "embed", "head", "title", "meta", "link", "datalist",
                    "dialog"))
_PAGE_LEVEL = frozenset(("header", "footer"))
_SECTIONING = frozenset(("article", "main", "section"))
_CHROME_ROLES = frozenset(("navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar",
                           "toolbar", "dialog"))
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_LINES = frozenset(("li", "tr", "dt", "dd", "option"))  # each on a line of its own, in a block with the others
_BLOCKS = frozenset(("p", "div", "section", "article", "main", "address", "blockquote", "pre", "figure", "figcaption",
                     "ul", "ol", "dl", "table", "caption", "details", "summary", "hr", "center", "fieldset", "header",
                     "footer")) | _HEADINGS
# Markers the walk leaves in the text, resolved once white space has been made plain.
BREAK, LINE, BR, CELL, HEAD, HEAD_END = "\x01", "\x02", "\x03", "\x04", "\x05", "\x06"
_WHITE = re.compile(r"[ \t\n\r\f]+")
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
# WHATWG's encoding labels for Japanese pages, mapped to the Python codecs that decode what browsers decode.
_LABELS = {"shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "windows-31j": "cp932",
           "ms_kanji": "cp932", "csshiftjis": "cp932", "euc-jp": "euc_jp", "x-euc-jp": "euc_jp",
           "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252"}


def read_html(data: bytes) -> Extracted:
    """An HTML page: the text of its <main> (or <body>) without page chrome; the title from <title> or the
    first <h1>."""
    import lxml.etree
    import lxml.html

    source, encoding = _decode_page(data)
    try:
        # An XHTML page's XML declaration names the encoding of bytes already decoded: lxml refuses it in a str.
        root = lxml.html.document_fromstring(_XML_DECLARATION.sub("", source, count=1))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise CorpusError(f"not a readable HTML page ({exc})") from None
    title = _plain(" ".join(root.xpath("//title//text()")))
    mains = root.xpath("//main | //*[@role='main']")
    body = mains[0] if mains else (root.find("body") if root.find("body") is not None else root)
    marked = _marked(body)
    if not title:
        title = next((_plain(h.text_content()) for h in body.iter("h1")), "")
    text, headings = assemble(_blocks(marked))
    if not text:
        raise CorpusError("no text")
    return Extracted(text=text, title=title or None, meta={"encoding": encoding}, headings=headings)


def fragment_text(source: str) -> str:
    """HTML written inside Markdown, as text: tags dropped, the source's own lines and tabs kept. A block tag
    starts a line, except beside a tab, where it wraps a cell of a tab-separated row."""
    import lxml.html

    root = lxml.html.document_fromstring(f"<html><body>{source}</body></html>")
    marked = _marked(root.find("body"), collapse=False)  # the source's own line ends are BR markers here
    breaks = f"[{BREAK}{LINE}{HEAD}{HEAD_END}]*"
    marked = re.sub(f"{breaks}\t{breaks}", "\t", marked)
    marked = re.sub(f"{breaks}{BR}{breaks}", "\n", marked)
    return re.sub(f"[{BREAK}{LINE}{HEAD}{HEAD_END}]+", "\n", marked).replace(CELL, "\t")


def _decode_page(data: bytes) -> tuple[str, str]:
    """A byte-order mark first, then the page's own <meta charset>, then kotae's encoding cascade."""
    if not bom_encoding(data):
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            label = declared.group(1).decode("ascii").lower()
            try:
                codec = _LABELS.get(label) or codecs.lookup(label).name
                return data.decode(codec).replace("\r\n", "\n"), codec
            except (LookupError, UnicodeDecodeError):
                pass  # a page that misstates its encoding is still read if the cascade can
    return decode(data)


def _marked(root, *, collapse: bool = True) -> str:
    """The text under `root` with markers for its structure; in a page, white space is HTML's (a run of it is
    one space, and none at a line end between Japanese characters)."""
    out: list[str] = []
    _walk(root, out, pre=not collapse)
    text = "".join(out)
    return _WHITE.sub(_space, text) if collapse else text


def _space(match: re.Match[str]) -> str:
    text, start, end = match.string, match.start(), match.end()
    if "\n" in match.group() and start > 0 and end < len(text) and is_cjk(text[start - 1]) and is_cjk(text[end]):
        return ""
    return " "


def _walk(el, out: list[str], *, pre: bool, inside: frozenset[str] = frozenset()) -> None:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if not tag or tag in _NEVER or (tag in _PAGE_LEVEL and not inside & _SECTIONING):
        return
    if el.get("hidden") is not None or el.get("aria-hidden") == "true" or el.get("role") in _CHROME_ROLES:
        return
    opening, closing = _markers(el, tag)
    out.append(opening)
    pre = pre or tag == "pre"
    if el.text:
        out.append(el.text.replace("\n", BR) if pre else el.text)
    for child in el:
        _walk(child, out, pre=pre, inside=inside | {tag})
        if child.tail:
            out.append(child.tail.replace("\n", BR) if pre else child.tail)
    out.append(closing)


def _markers(el, tag: str) -> tuple[str, str]:
    if tag in _HEADINGS:
        return HEAD, HEAD_END
    if tag == "br":
        return BR, ""
    if tag in ("td", "th"):
        first = not any(isinstance(s.tag, str) and s.tag in ("td", "th") for s in el.itersiblings(preceding=True))
        return ("" if first else CELL), ""
    if tag == "li":
        parent = el.getparent()
        if parent is not None and parent.tag == "ol":
            items = [s for s in parent if s.tag == "li"]
            start = int(parent.get("start")) if (parent.get("start") or "").isdigit() else 1
            return f"{LINE}{start + items.index(el)}. ", LINE
        return f"{LINE}{BULLET}", LINE
    if tag in _LINES:
        return LINE, LINE
    if tag in _BLOCKS:
        return BREAK, BREAK
    return "", ""


def _blocks(marked: str) -> list[Block]:
    """Marked text to blocks: a heading on its own, blank lines between blocks, lines within a block."""
    blocks: list[Block] = []
    heading = False
    for part in re.split(f"([{BREAK}{HEAD}{HEAD_END}])", marked):
        if part in (HEAD, HEAD_END):
            heading = part == HEAD
        elif part and part != BREAK:
            lines = re.sub(f"{LINE}(?:[ {LINE}]*{LINE})?", "\n", part)  # two items meet at one line end
            blocks.append(Block(lines.replace(BR, "\n").replace(CELL, "\t"), heading=heading))
    return blocks


def _plain(text: str) -> str:
    return _WHITE.sub(" ", text).strip()
