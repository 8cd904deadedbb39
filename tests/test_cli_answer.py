"""`kotae ask` for people: the answer and one line per cited source; every passage in full only with --passages;
labels in the question's language."""

from __future__ import annotations

import json

import pytest

from kotae.cli import main

LIBRARIAN = "図書館の館長は誰ですか"
OFF_TOPIC = "量子コンピュータと人工衛星の価格は図書館でいくら?"  # near passages on the library, no answer


@pytest.fixture
def where(lexical_settings, tmp_path, monkeypatch):
    abstention = tmp_path / "abstention.json"  # the tests' own thresholds, as in test_answer.py
    abstention.write_text(json.dumps({"thresholds": {"lexical": {"ja": 0.3, "en": 0.4}}}), encoding="utf-8")
    monkeypatch.setenv("KOTAE_ABSTENTION_FILE", str(abstention))
    return ["--corpus", str(lexical_settings.index.corpus_dir), "--index", str(lexical_settings.index.index_dir)]


def test_the_answer_is_followed_by_one_line_per_cited_source(where, capsys):
    assert main(["ask", LIBRARIAN, "--json", *where]) == 0
    answer = json.loads(capsys.readouterr().out)
    cited = {s["citation"] for s in answer["answer"]["sentences"]}
    assert main(["ask", LIBRARIAN, *where]) == 0
    out = capsys.readouterr().out
    sources = [line for line in out.splitlines() if line.startswith("[")]
    assert len(sources) == len(cited) < len(answer["passages"])
    uncited = next(p for p in answer["passages"] if p["rank"] not in cited)
    assert uncited["text"][:30] not in out

    assert main(["ask", LIBRARIAN, "--passages", *where]) == 0
    full = capsys.readouterr().out
    assert all(p["text"].splitlines()[-1] in full for p in answer["passages"])


def test_an_abstention_lists_the_nearest_passages_in_the_question_language(where, capsys):
    assert main(["ask", OFF_TOPIC, *where]) == 0
    out = capsys.readouterr().out
    assert "資料には該当する記述が見つかりませんでした。" in out and "近い箇所" in out and "Nearest" not in out
    assert len([line for line in out.splitlines() if line.startswith("[")]) >= 1
