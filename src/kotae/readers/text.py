"""Plain text files: the encoding cascade, an optional front-matter block, and the text with plain white space."""

from __future__ import annotations

import re
from typing import Any

import yaml

from kotae.errors import CorpusError
from kotae.readers.base import Extracted, tidy

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
# Japanese text in a legacy encoding: EUC-JP before CP932 (Shift_JIS), as Shift_JIS lead bytes are invalid in
# EUC-JP while EUC-JP text often decodes as CP932's half-width katakana. A strict cascade, not a guesser: each
# decoding must succeed on every byte, and the likeliest Japanese one wins.
_LEGACY = ("euc_jp", "cp932")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def bom_encoding(data: bytes) -> str | None:
    """The encoding a byte-order mark at the start of `data` names, if any."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return None


def decode(data: bytes) -> tuple[str, str]:
    """The text of a file's bytes and the encoding it was in: UTF-8 (with or without BOM), UTF-16 with BOM, EUC-JP
    or CP932/Shift_JIS. A BOM and Windows line ends are encoding artefacts, not text: dropped, so offsets are
    stable. CorpusError when no encoding fits."""
    marked = bom_encoding(data)
    if marked:
        try:
            text, encoding = data.decode(marked), marked
        except UnicodeDecodeError:
            raise CorpusError(f"undecodable (marked as {marked.upper().removesuffix('-SIG')} but not)") from None
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            fits = []
            for candidate in _LEGACY:
                try:
                    fits.append((len(_JAPANESE.findall(data.decode(candidate))), candidate))
                except UnicodeDecodeError:
                    continue
            if not fits:
                raise CorpusError("undecodable (not UTF-8, UTF-16, EUC-JP or Shift_JIS text)") from None
            encoding = max(fits, key=lambda f: f[0])[1]
            text = data.decode(encoding)
    return text.removeprefix("\ufeff").replace("\r\n", "\n"), encoding


def front_matter(raw: str) -> tuple[dict[str, Any], str]:
    """The front-matter block's keys (none when there is no block) and the body after it."""
    match = _FRONT_MATTER.match(raw)
    if not match:
        return {}, raw
    try:
        loaded = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise CorpusError(f"the front matter is not valid YAML ({exc.__class__.__name__})") from exc
    if not isinstance(loaded, dict):
        raise CorpusError("the front matter must be a mapping of keys to values")
    meta = {str(k): (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in loaded.items()}
    return meta, raw[match.end():]


def with_front_matter(data: bytes, clean: Any) -> Extracted:
    """A text file read through `clean` (body text to an Extracted), its front matter in `meta` and `title`."""
    raw, encoding = decode(data)
    meta, body = front_matter(raw)
    extracted = clean(body)
    title = meta.pop("title", None)
    return Extracted(text=extracted.text, title=str(title) if title else extracted.title,
                     meta={**extracted.meta, **meta, "encoding": encoding}, headings=extracted.headings)


def read_text(data: bytes) -> Extracted:
    """A plain text file: every character is text (a `#` is a hash, not a heading); only white space is made
    plain, as in every format."""
    return with_front_matter(data, lambda body: Extracted(tidy(body)))
