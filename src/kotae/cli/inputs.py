"""Files the command line reads: batch questions and conversation histories, each refused in one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kotae.conversation import read_history
from kotae.errors import ConfigError, HistoryError


def batch_questions(path: Path) -> list[tuple[str | None, str, list[dict[str, Any]]]]:
    """The (id, question, history) of each line of a JSONL file of {"id", "question", "history"} objects (id and
    history optional; a history as in `--history`)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"The batch file {path} does not exist.") from None
    except UnicodeDecodeError:
        raise ConfigError(f"The batch file {path} is not UTF-8 text.") from None
    rows: list[tuple[str | None, str, list[dict[str, Any]]]] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row: Any = json.loads(line)
        except json.JSONDecodeError:
            raise ConfigError(f"{path}:{n} is not valid JSON.") from None
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"].strip():
            raise ConfigError(f'{path}:{n} needs a non-empty "question" string.')
        qid, history = row.get("id"), row.get("history") or []
        try:
            read_history(history)
        except HistoryError as exc:
            raise ConfigError(f"{path}:{n}: {exc}") from None
        rows.append((None if qid is None else str(qid), row["question"], history))
    return rows


def history(path: Path | None) -> list[dict[str, Any]]:
    """The earlier turns of a conversation from a JSON file, oldest first; none without a file."""
    if path is None:
        return []
    try:
        turns = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"The history file {path} does not exist.") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"The history file {path} is not JSON ({exc.msg} at line {exc.lineno}).") from None
    try:
        read_history(turns)
    except HistoryError as exc:
        raise ConfigError(f"The history file {path}: {exc}") from None
    return turns
