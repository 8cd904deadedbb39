"""English→Japanese pairs beside the dictionary: the bundled supplement (common renderings JMdict lacks, such as
分野 for "area") and a user's own file of the same shape."""

from __future__ import annotations

import hashlib
from pathlib import Path

from kotae import data_file
from kotae.errors import ConfigError


def bundled() -> Path:
    return data_file("lexicon_supplement.tsv")


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """The (English, Japanese) pairs of a supplement file: one `English<TAB>Japanese` a line, `#` comments and
    blank lines ignored; ConfigError naming the first line that is neither."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The lexicon supplement {path} cannot be read ({exc.__class__.__name__}).") from exc
    pairs = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) != 2 or not all(parts):
            raise ConfigError(f"{path}, line {number}: write one English word or phrase, a tab, and its Japanese.")
        pairs.append((parts[0], parts[1]))
    return pairs


def digest(path: Path | None) -> str | None:
    """What an index records of a user's supplement: its content's hash (None without one), so that editing it
    makes the index stale."""
    if path is None:
        return None
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError as exc:
        raise ConfigError(f"The lexicon supplement {path} cannot be read ({exc.__class__.__name__}).") from exc
