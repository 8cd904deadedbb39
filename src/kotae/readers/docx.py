"""Word (.docx) files: paragraphs and tables in document order, headings as heading lines, a table row per line.

python-docx reads the document's XML with lxml. It walks paragraphs and tables in their order, and knows the
built-in heading styles; on a 174-paragraph Japanese document with tables it kept every paragraph in order in
23 ms, docx2python in 59 ms.
"""

from __future__ import annotations

import io
import re
import zipfile

from kotae.errors import CorpusError
from kotae.readers.base import BULLET, Block, Extracted, assemble

_HEADING_STYLE = re.compile(r"^(?:heading \d|title|subtitle)$", re.IGNORECASE)


def read_docx(data: bytes) -> Extracted:
    """A .docx file's paragraphs, headings and tables (cells apart by tabs); the title from the document's
    properties, or its first Title-styled paragraph."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    blocks: list[Block] = []
    try:
        document = docx.Document(io.BytesIO(data))
        title = (document.core_properties.title or "").strip()
        # A paragraph's style looked up by python-docx searches every style each time: named once here instead
        # (a 174-paragraph file took 250 ms the first way, 22 ms this way).
        styles = {style.style_id: style.name or "" for style in document.styles}
        _add(document, blocks, styles)
    except (PackageNotFoundError, zipfile.BadZipFile):
        raise CorpusError("not a Word document (no .docx package inside)") from None
    except Exception as exc:  # a damaged file can fail anywhere in the parser; it is skipped, the build goes on
        raise CorpusError(f"not a readable Word document ({exc.__class__.__name__})") from None
    if not title:
        title = next((b.text for b in blocks if b.heading and b.text.strip()), "")
    text, headings = assemble(blocks)
    if not text:
        raise CorpusError("empty")
    return Extracted(text=text, title=title or None, headings=headings)


def _add(container, blocks: list[Block], styles: dict[str, str]) -> None:
    """The document body's paragraphs and tables, in order."""
    from docx.table import Table

    in_list = False
    for item in container.iter_inner_content():
        if isinstance(item, Table):
            rows = ["\t".join(_cell_text(cell) for cell in _distinct(row.cells)) for row in item.rows]
            blocks.append(Block("\n".join(rows)))
            in_list = False
            continue
        style = styles.get(item._p.style or "", "")
        # A Word paragraph is a Markdown paragraph (a blank line apart), except the items of one list, which
        # stand on consecutive lines. The numbers Word draws are not in the text, so every item gets a ・.
        heading = bool(_HEADING_STYLE.match(style))
        numbered = item._p.pPr is not None and item._p.pPr.numPr is not None
        listed = not heading and (style.lower().startswith("list") or numbered)
        text = item.text
        if listed and text.strip():
            text = BULLET + text.strip()
        blocks.append(Block(text, heading=heading, blank_before=not (listed and in_list)))
        in_list = listed


def _distinct(cells):
    """A row's cells, a merged cell once (python-docx repeats it for each grid column it spans)."""
    seen: list = []
    for cell in cells:
        if not any(cell._tc is s._tc for s in seen):
            seen.append(cell)
    return seen


def _cell_text(cell) -> str:
    return " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
