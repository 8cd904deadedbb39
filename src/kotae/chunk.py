"""Chunking: documents into spans that quote the text exactly, sentence-aware or in fixed-size windows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from kotae.types import Chunk, Document

Kind = Literal["heading", "bullet", "row", "sentence"]

TERMINALS = frozenset("。！？!?")
OPENERS = {"「": "」", "『": "』", "（": "）", "(": ")", "【": "】", "〈": "〉", "《": "》"}
CLOSERS = frozenset(OPENERS.values())
# Closing quotes or brackets right after a terminal still belong to the sentence (…した。」).
TRAILERS = CLOSERS | frozenset("”’\"'")
_BULLET = re.compile(r"^\s*(?:[-*+・•●○◆◇■□▪➤▶►※]|[①-⑳㉑-㉟]|\(?\d{1,2}[).．]\s|\d{1,2}\.\d)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S")
# Headings a document marks as such: Markdown, numbered (1. / (1) / ①), or led by a symbol (●, ■, ➤, 【).
_MARKED_HEADING = re.compile(r"\s*(?:#|[●■◆◇▶►➤【]|\d{1,2}[.．]\s|\(\d{1,2}\)|[①-⑳])")
_SOFT_BREAKS = "、，,;；:： \u3000\t"
HEADING_MAX = 40
ROW_TITLE = 20  # characters of a line that titles the rows after it (see heads_rows)
_LABEL = re.compile(r"[A-Za-z0-9][\w'&.-]*(?:[ \t]+[A-Za-z0-9][\w'&.-]*){0,2}", re.A)  # see is_label
# A sentence that opens with a demonstrative speaks of what the sentence before it named (この中では: in the plan just
# named; そのうえで: what its speaker said next).
_REFERS_BACK = re.compile(r"この|その|これ(?!まで|から)|それ|こうした|そうした|こうして|そこで")
# A heading gives context to the chunks after it only this far (in targets): slide-like documents
# have many short stand-alone lines, and a stray one must not colour a whole document.
HEADING_REACH = 2


@dataclass(frozen=True)
class Unit:
    """A piece of text that is never split when it fits: a sentence, a bullet item, a table row, a heading."""

    start: int
    end: int
    kind: Kind


def split_sentences(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Sentence spans in `text[start:end]`: split after 。！？!? outside 「」 and （）, never inside them."""
    end = len(text) if end is None else end
    depth: list[str] = []
    begin = start
    i = start
    while i < end:
        ch = text[i]
        if ch in OPENERS:
            # A bracket left open on its line (a typo in the source) would otherwise hold every later
            # terminal of the range inside it; only one closed on the same line counts.
            line_end = text.find("\n", i, end)
            if text.find(OPENERS[ch], i + 1, end if line_end < 0 else line_end) >= 0:
                depth.append(OPENERS[ch])
        elif depth and ch == depth[-1]:
            depth.pop()
        elif ch in TERMINALS and not depth:
            j = i + 1
            while j < end and (text[j] in TERMINALS or text[j] in TRAILERS):
                j += 1
            yield from _trimmed(text, begin, j)
            begin = i = j
            continue
        i += 1
    yield from _trimmed(text, begin, end)


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end


def split_units(text: str, headings: frozenset[int] = frozenset()) -> list[Unit]:
    """Lines into units: headings, bullet items and table rows whole; prose split into sentences. A line that
    starts at one of `headings` is a heading whatever its length."""
    lines = _lines(text)
    units: list[Unit] = []
    for n, (start, end) in enumerate(lines):
        line = text[start:end]
        if not line.strip():
            continue
        s, e = next(_trimmed(text, start, end))
        if start in headings:
            units.append(Unit(s, e, "heading"))
        elif "\t" in line:
            units.append(Unit(s, e, "row"))
        elif _is_heading(text, lines, n):
            units.append(Unit(s, e, "heading"))
        elif _BULLET.match(line):
            units.append(Unit(s, e, "bullet"))
        else:
            units.extend(Unit(a, b, "sentence") for a, b in split_sentences(text, start, end))
    return units


def _lines(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _is_heading(text: str, lines: list[tuple[int, int]], n: int) -> bool:
    """A Markdown heading, or a short line standing alone between blank lines with no sentence end."""
    line = text[lines[n][0]:lines[n][1]].strip()
    if _MD_HEADING.match(line):
        return True
    if len(line) > HEADING_MAX or line[-1] in TERMINALS or line[-1] in "、，," or line[0] in "-*+・•":
        return False

    def blank(k: int) -> bool:
        return k < 0 or k >= len(lines) or not text[lines[k][0]:lines[k][1]].strip()

    return blank(n - 1) and blank(n + 1)


def is_label(text: str) -> bool:
    """Whether a line is at most three words of Latin letters and digits with no sentence end (STRATEGIC, NATO 2022):
    a slide's or a figure's label, which names something and says nothing of it."""
    line = text.strip()
    return bool(_LABEL.fullmatch(line)) and not line.endswith((".", "!", "?"))


def heads_rows(text: str) -> bool:
    """Whether a line can title the table rows after it: short, no sentence (海上連合軍 over 司令部: ノースウッド)."""
    line = text.strip()
    return 0 < len(line) <= ROW_TITLE and not any(mark in line for mark in TERMINALS | {"．"})


def _split_long(text: str, unit: Unit, limit: int) -> list[Unit]:
    """Last resort for one unit longer than `limit`: sentences, then soft breaks, then a hard cut."""
    pieces = list(split_sentences(text, unit.start, unit.end))
    if len(pieces) == 1:
        pieces = []
        pos = unit.start
        while unit.end - pos > limit:
            window = text[pos:pos + limit]
            cut = max(window.rfind(ch) for ch in _SOFT_BREAKS)
            cut = pos + (cut + 1 if cut > limit // 3 else limit)
            pieces.append((pos, cut))
            pos = cut
        pieces.append((pos, unit.end))
    out: list[Unit] = []
    for a, b in pieces:
        for s, e in _trimmed(text, a, b):
            sub = Unit(s, e, unit.kind)
            out.extend(_split_long(text, sub, limit) if e - s > limit and (s, e) != (unit.start, unit.end) else [sub])
    return out


def chunk_document(doc: Document, *, target: int = 320, maximum: int = 1000, overlap: int = 1) -> list[Chunk]:
    """Pack units into chunks of about `target` characters, repeating `overlap` units between neighbours."""
    units: list[Unit] = []
    headings = frozenset(doc.headings)
    for unit in split_units(doc.text, headings):
        units.extend(_split_long(doc.text, unit, maximum) if unit.end - unit.start > maximum else [unit])

    # In a document that marks its headings, a plain short line between blank lines (a list of names, a
    # date) still ends a section but is not the context of what follows: the marked heading above stays.
    # Headings the file's format marks (Markdown, HTML, Word styles) are marked ones.
    marked = [u.kind == "heading" and (u.start in headings or bool(_MARKED_HEADING.match(doc.text, u.start)))
              for u in units]
    plain_context = not any(marked)
    chunks: list[Chunk] = []
    current: list[Unit] = []
    lead = 0  # units carried before the overlap (the sentence it refers back to), not counted in a chunk's size
    heading = ""
    heading_end = 0
    current_heading = ""

    def emit() -> None:
        start, end = current[0].start, current[-1].end
        chunks.append(Chunk(id=f"{doc.id}:{len(chunks)}", doc_id=doc.id, start=start, end=end,
                            text=doc.text[start:end], heading=current_heading))

    for unit, is_marked in zip(units, marked):
        size = unit.end - current[lead].start if current else 0
        section_break = unit.kind == "heading" and current and size >= target // 3
        # A chunk far below target would be a stub (a lone heading line): let it grow past target instead.
        stub = current and current[-1].end - current[lead].start < target // 4 and size <= maximum
        if current and ((size > target and not stub) or section_break):
            emit()
            carry = [] if section_break else _overlap(current, overlap, target, doc.text)
            fits = carry and unit.end - carry[0].start <= maximum
            current = carry if fits else []
            lead = max(len(current) - overlap, 0)
            current_heading = heading if unit.start - heading_end <= HEADING_REACH * target else ""
        if unit.kind == "heading" and (is_marked or plain_context):
            heading, heading_end = doc.text[unit.start:unit.end], unit.end
        if not current:
            current_heading = heading
        current.append(unit)
    if current:
        emit()
    return _merge_tiny_tail(chunks, doc, target, maximum)


def _merge_tiny_tail(chunks: list[Chunk], doc: Document, target: int, maximum: int) -> list[Chunk]:
    """Fold a last chunk much smaller than the target (a sign-off line) into the one before it."""
    if len(chunks) < 2 or len(chunks[-1].text) >= target // 4:
        return chunks
    prev, last = chunks[-2], chunks[-1]
    if last.end - prev.start > maximum:
        return chunks
    merged = Chunk(id=prev.id, doc_id=doc.id, start=prev.start, end=last.end,
                   text=doc.text[prev.start:last.end], heading=prev.heading)
    return [*chunks[:-2], merged]


def _overlap(units: list[Unit], count: int, target: int, text: str) -> list[Unit]:
    """The last `count` units, unless they are headings or too long to be worth repeating; with the sentence before
    them where the first refers back to it (この中では, そのうえで), as the next chunk would otherwise start without
    what it speaks of."""
    if count <= 0 or len(units) <= count:
        return []
    tail = units[-count:]
    before = units[-count - 1]
    if (tail[0].kind == before.kind == "sentence" and _REFERS_BACK.match(text, tail[0].start)
            and tail[-1].end - before.start <= target // 2):
        tail = units[-count - 1:]
    if any(u.kind == "heading" for u in tail) or sum(u.end - u.start for u in tail) > target // 2:
        return []
    return tail


def chunk_fixed(doc: Document, size: int) -> list[Chunk]:
    """Consecutive windows of `size` characters, the last one shorter: the plain baseline to beat."""
    if size < 1:
        raise ValueError("a window needs at least one character")
    return [Chunk(id=f"{doc.id}:{n}", doc_id=doc.id, start=start, end=min(start + size, len(doc.text)),
                  text=doc.text[start:start + size], heading="")
            for n, start in enumerate(range(0, len(doc.text), size))]


ChunkMethod = Literal["sentences", "fixed"]


def chunk_corpus(docs: list[Document], *, target: int, maximum: int, overlap: int,
                 method: ChunkMethod = "sentences") -> list[Chunk]:
    """Chunk every document with `method`; "fixed" uses windows of `target` characters and ignores the rest."""
    if method == "fixed":
        return [c for doc in docs for c in chunk_fixed(doc, target)]
    if method != "sentences":
        raise ValueError(f"unknown chunking method {method!r}")
    return [c for doc in docs for c in chunk_document(doc, target=target, maximum=maximum, overlap=overlap)]
