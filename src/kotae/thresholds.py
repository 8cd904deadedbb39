"""Abstention thresholds: the confidence below which kotae says the documents don't say, and their file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from kotae.errors import ConfigError

DEFAULT_THRESHOLD = 0.5  # for a mode and language the file has no learned value for
RULE = ("abstain when confidence < threshold; at most 5% of the answerable gold questions of each language and mode "
        "fall below it")


def shipped_file() -> Path:
    """The thresholds that install with kotae, learned on its gold set (`kotae eval --calibrate` rewrites them
    unless KOTAE_ABSTENTION_FILE names another file)."""
    return Path(str(files("kotae") / "data" / "abstention.json"))


@dataclass(frozen=True)
class Thresholds:
    """Confidence below which kotae abstains, per retrieval mode and question language."""

    values: Mapping[str, Mapping[str, float]]
    default: float = DEFAULT_THRESHOLD

    def get(self, mode: str, lang: str) -> float:
        by_lang = self.values.get(mode) or self.values.get("lexical") or {}
        return float(by_lang.get(lang, by_lang.get("ja", self.default)))

    @classmethod
    def never(cls) -> Thresholds:
        """No abstention on confidence, for measuring: thresholds are applied afterwards."""
        return cls({}, default=0.0)

    @classmethod
    def load(cls, path: Path | None = None) -> Thresholds:
        """The thresholds in `path` (default: the shipped file); a file that is missing or unreadable is a
        ConfigError, never a silent default."""
        data = _read(path or shipped_file())
        thresholds = data.get("thresholds", {}) if isinstance(data, dict) else None
        if not isinstance(thresholds, dict) or not all(isinstance(v, dict) for v in thresholds.values()):
            raise ConfigError(f'The abstention file {path} must hold {{"thresholds": {{mode: {{lang: value}}}}}}.')
        return cls({mode: {lang: float(value) for lang, value in v.items()} for mode, v in thresholds.items()})


def save_thresholds(path: Path | None, learned: Mapping[str, Mapping[str, float]], *, learned_from: str) -> Thresholds:
    """Merge newly learned thresholds (for some modes) into the file at `path` (default: the shipped file) and
    return all of them."""
    path = path or shipped_file()
    current = _read(path) if path.is_file() else {}
    thresholds = {**current.get("thresholds", {}), **{mode: dict(v) for mode, v in learned.items()}}
    data = {"learned_from": learned_from, "rule": RULE, "thresholds": thresholds}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return Thresholds(thresholds)


def _read(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"The abstention file {path} does not exist; run `kotae eval --calibrate` to learn it, "
                          "or unset KOTAE_ABSTENTION_FILE to use the shipped thresholds.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"The abstention file {path} cannot be read ({exc.__class__.__name__}).") from None
