"""Abstention thresholds: the confidence below which kotae says the documents don't say, and their file."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kotae import data_file
from kotae.errors import ConfigError
from kotae.sentence_rank import FEATURES, Ranker

DEFAULT_THRESHOLD = 0.5  # for a mode and language the file has no learned value for
RULE = ("confidence = (coverage + w * relatedness) / (1 + w), w the relatedness weight (0 in lexical mode) that best "
        "ranks the unanswerable gold questions of each kind (off-topic, near miss) below the answerable ones; abstain "
        "when confidence < threshold; at most 4% of the answerable gold questions of each language and mode fall below "
        "it")


def shipped_file() -> Path:
    """The thresholds that install with kotae, learned on its gold set (`kotae eval --calibrate` rewrites them
    unless KOTAE_ABSTENTION_FILE names another file)."""
    return data_file("abstention.json")


@dataclass(frozen=True)
class Thresholds:
    """Confidence below which kotae abstains, per retrieval mode and question language."""

    values: Mapping[str, Mapping[str, float]]
    default: float = DEFAULT_THRESHOLD
    # How much the question's relatedness to the documents (the embedding model's cosine to the nearest passage)
    # counts next to lexical coverage, per mode and language; none: coverage alone.
    weights: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def get(self, mode: str, lang: str) -> float:
        by_lang = self.values.get(mode) or self.values.get("lexical") or {}
        return float(by_lang.get(lang, by_lang.get("ja", self.default)))

    def weight(self, mode: str, lang: str) -> float:
        by_lang = self.weights.get(mode) or {}
        return float(by_lang.get(lang, by_lang.get("ja", 0.0)))

    def confidence(self, coverage: float, relatedness: float | None, mode: str, lang: str) -> float:
        """The confidence compared with the threshold: the share of the question's weight the best passage covers,
        averaged with the question's relatedness to the documents where the mode has one and a weight is learned."""
        return combine(coverage, relatedness, self.weight(mode, lang))

    @classmethod
    def never(cls) -> Thresholds:
        """No abstention on confidence, for measuring: thresholds are applied afterwards."""
        return cls({}, default=0.0)

    @classmethod
    def load(cls, path: Path | None = None) -> Thresholds:
        """The thresholds in `path` (default: the shipped file); a file that is missing or unreadable is a
        ConfigError, never a silent default."""
        return load_calibration(path)[0]


def load_calibration(path: Path | None = None) -> tuple[Thresholds, Ranker]:
    """The thresholds and the sentence ranker's weights (see sentence_rank) that `kotae eval --calibrate` wrote
    into one file, `path` (default: the shipped file), read once; a mode and language without ranker weights rank
    by the default ones."""
    path = path or shipped_file()
    data = _read(path)
    thresholds = data.get("thresholds", {}) if isinstance(data, dict) else None
    if not isinstance(thresholds, dict) or not all(isinstance(v, dict) for v in thresholds.values()):
        raise ConfigError(f'The abstention file {path} must hold {{"thresholds": {{mode: {{lang: value}}}}}}.')
    weights = data.get("relatedness_weights", {})
    if not isinstance(weights, dict) or not all(isinstance(v, dict) for v in weights.values()):
        raise ConfigError(f'The abstention file {path} must hold "relatedness_weights" as {{mode: {{lang: w}}}}.')
    try:
        learned = Thresholds(_floats(thresholds), weights=_floats(weights))
    except (TypeError, ValueError):
        raise ConfigError(f"The abstention file {path} holds a threshold or weight that is not a number.") from None
    try:
        ranker = Ranker({mode: {lang: tuple(float(x) for x in w) for lang, w in v.items()}
                         for mode, v in _sentence_weights(data).items()})
    except (AttributeError, TypeError, ValueError):
        raise ConfigError(f'The abstention file {path} must hold "sentence_weights" as {{mode: {{lang: [numbers, '
                          f'one per feature: {", ".join(FEATURES)}]}}}}.') from None
    return learned, ranker


def combine(coverage: float, relatedness: float | None, weight: float) -> float:
    if relatedness is None or not weight:
        return coverage
    return (coverage + weight * relatedness) / (1 + weight)


def save_thresholds(path: Path | None, learned: Mapping[str, Mapping[str, float]], *, learned_from: str,
                    weights: Mapping[str, Mapping[str, float]] | None = None,
                    sentence_weights: Mapping[str, Mapping[str, Sequence[float]]] | None = None) -> Thresholds:
    """Merge newly learned thresholds, relatedness weights and sentence ranker weights (for some modes) into the
    file at `path` (default: the shipped file) and return the thresholds."""
    path = path or shipped_file()
    current = _read(path) if path.is_file() else {}
    thresholds = {**current.get("thresholds", {}), **{mode: dict(v) for mode, v in learned.items()}}
    kept = {mode: v for mode, v in current.get("relatedness_weights", {}).items() if mode not in learned}
    related = {**kept, **{mode: dict(v) for mode, v in (weights or {}).items()}}
    ranker = {**_sentence_weights(current),
              **{mode: {lang: list(w) for lang, w in v.items()} for mode, v in (sentence_weights or {}).items()}}
    data = {"learned_from": learned_from, "rule": RULE, "thresholds": thresholds, "relatedness_weights": related,
            "sentence_features": list(FEATURES), "sentence_weights": ranker}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return Thresholds(_floats(thresholds), weights=_floats(related))


def _sentence_weights(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The file's sentence ranker weights, unless they were learned for other features than kotae's (an older
    kotae's file): weights are matched to features by position, so those rank by the default weights instead."""
    if data.get("sentence_features", list(FEATURES)) != list(FEATURES):
        return {}
    return data.get("sentence_weights", {})


def _floats(values: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    return {mode: {lang: float(value) for lang, value in v.items()} for mode, v in values.items()}


def _read(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"The abstention file {path} does not exist; run `kotae eval --calibrate` to learn it, "
                          "or unset KOTAE_ABSTENTION_FILE to use the shipped thresholds.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"The abstention file {path} cannot be read ({exc.__class__.__name__}).") from None
