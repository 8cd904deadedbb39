"""Markdown to the text kotae stores: the words without their markup, the document's lines and blank lines kept.

markdown-it-py (CommonMark, already installed with rich) parses the source into a syntax tree, which is walked to
plain text. A real parser knows what a regular expression would have to guess: that `*` in 注* is a character,
that `2.2 日本と` is not a list, where an HTML block or a table ends. Indented code blocks are switched off: in
documents, a line indented with a tab or four spaces is text (a table row led by an empty cell, a paragraph's
indent), not code.
"""

from __future__ import annotations

import re

from kotae.readers.base import BULLET, Block, Extracted, assemble, is_cjk
from kotae.readers.html import fragment_text
from kotae.readers.text import with_front_matter

# CommonMark decides whether ** or __ opens emphasis by the characters around it, rules made for languages with
# spaces between words: これは**「重要」**です and 日本の__方針__ stay literal. Such a pair around or beside
# Japanese text is emphasis all the same.
_STRONG = re.compile(r"(\*\*|__)(\S(?:.*?\S)?)\1")


def _strong(match: re.Match[str]) -> str:
    text, inner = match.string, match.group(2)
    near = (text[match.start() - 1:match.start()], inner[0], inner[-1], text[match.end():match.end() + 1])
    return inner if any(is_cjk(c) for c in near) else match.group()


def read_markdown(data: bytes) -> Extracted:
    """A Markdown file (front matter optional): headings as heading lines, list items with ・ or their number,
    table rows with tab-separated cells; emphasis, links (their text stays), images and HTML tags dropped."""
    return with_front_matter(data, markdown_text)


def markdown_text(source: str) -> Extracted:
    """The plain text of Markdown `source`, with the offsets of its headings."""
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("code")
    lines = source.split("\n")
    blocks = _blocks(SyntaxTreeNode(parser.parse(source)), lines)
    text, headings = assemble(blocks)
    return Extracted(text=text, headings=headings)


def _blocks(node, lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    for child in node.children:
        blank = bool(child.map) and child.map[0] > 0 and not lines[child.map[0] - 1].strip()
        kind = child.type
        if kind == "heading":
            blocks.append(Block(_inline(child.children[0]), heading=True))
        elif kind == "paragraph":
            blocks.append(Block(_inline(child.children[0]), blank_before=blank))
        elif kind in ("bullet_list", "ordered_list", "blockquote"):
            inner = _blocks(child, lines)
            if inner:
                inner[0] = Block(inner[0].text, inner[0].heading, blank)
            blocks.extend(inner)
        elif kind == "list_item":
            marker = f"{child.info}{child.markup} " if child.info else BULLET
            inner = _blocks(child, lines) or [Block("")]
            inner[0] = Block(marker + inner[0].text, False, blank)
            blocks.extend(inner)
        elif kind == "table":
            rows = [tr for part in child.children for tr in part.children]
            text = "\n".join("\t".join(_inline(cell.children[0]).replace("\n", " ") if cell.children else ""
                                       for cell in tr.children) for tr in rows)
            blocks.append(Block(text, blank_before=blank))
        elif kind in ("fence", "code_block"):
            blocks.append(Block(child.content, blank_before=blank))
        elif kind == "html_block":
            blocks.append(Block(fragment_text(child.content), blank_before=blank))
        else:  # a thematic break: nothing to read, but what follows it starts a new block
            blocks.append(Block(""))
    return blocks


def _inline(node) -> str:
    parts: list[str] = []
    for child in node.children:
        kind = child.type
        if kind == "text":
            parts.append(_STRONG.sub(_strong, child.content))
        elif kind == "code_inline":
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "html_inline":
            parts.append("\n" if child.content.lower().replace(" ", "").startswith(("<br>", "<br/>")) else "")
        elif kind != "image":  # emphasis, links, strike-through: their text without the markup
            parts.append(_inline(child))
    return "".join(parts)
