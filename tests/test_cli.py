"""The command line: results on stdout, one-line errors on stderr, exit codes a script can rely on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import writable

from kotae.cli import main

QUESTION = "図書館の館長は誰ですか"
RESULT_KEYS = {"id", "question", "lang", "mode", "query_terms", "passages"}
PASSAGE_KEYS = {"rank", "doc_id", "title", "chunk_id", "start", "end", "text", "score"}


@pytest.fixture(autouse=True)
def _cli_environment(monkeypatch):
    # The session indexes are lexical only; searching them needs the configured model to match (see
    # test_search_after_index_with_model_none_needs_no_setting for the case without this).
    monkeypatch.setenv("KOTAE_EMBED_MODEL", "none")
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps human-readable output at the terminal width


@pytest.fixture
def throwaway(monkeypatch):
    """Indexes this test builds of its own skip the English dictionary lookups (see support.THROWAWAY)."""
    monkeypatch.setenv("KOTAE_LEXICON", "false")


@pytest.fixture
def where(lexical_settings) -> list[str]:
    return ["--index", str(lexical_settings.index.index_dir), "--corpus", str(lexical_settings.index.corpus_dir)]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, out: str, err: str) -> str:
    assert code != 0
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert out == ""
    return lines[0]


def test_index_then_search(capsys, small_corpus, tmp_path, throwaway):
    out_dir = tmp_path / "index"
    code, out, err = run(capsys, "index", "--corpus", str(small_corpus), "--out", str(out_dir), "--model", "none")
    assert code == 0
    assert "Indexed 4 documents" in err and "vectors: none" in err
    assert (out_dir / "CURRENT").is_file()

    code, out, err = run(capsys, "search", "静岡茶まつりの来場者", "--json", "--index", str(out_dir),
                         "--corpus", str(small_corpus))
    assert code == 0, err
    assert json.loads(out)["passages"]


def test_index_quiet_prints_nothing(capsys, small_corpus, tmp_path, throwaway):
    code, out, err = run(capsys, "index", "--corpus", str(small_corpus), "--out", str(tmp_path / "i"),
                         "--model", "none", "--quiet")
    assert (code, out, err) == (0, "", "")


def test_index_if_stale_skips_an_up_to_date_index(capsys, small_corpus, tmp_path, throwaway):
    args = ["index", "--corpus", str(small_corpus), "--out", str(tmp_path / "i"), "--model", "none", "--if-stale"]
    assert run(capsys, *args)[0] == 0
    first = (tmp_path / "i" / "CURRENT").read_text(encoding="utf-8")
    code, _, err = run(capsys, *args)
    assert code == 0 and "up to date" in err
    assert (tmp_path / "i" / "CURRENT").read_text(encoding="utf-8") == first


def test_search_after_index_with_model_none_needs_no_setting(capsys, small_corpus, tmp_path, monkeypatch):
    monkeypatch.delenv("KOTAE_EMBED_MODEL")
    out_dir = tmp_path / "index"
    assert run(capsys, "index", "--corpus", str(small_corpus), "--out", str(out_dir), "--model", "none")[0] == 0
    code, out, err = run(capsys, "search", "静岡茶まつりの来場者", "--index", str(out_dir),
                         "--corpus", str(small_corpus))
    assert code == 0, err


def test_search_json_follows_the_contract(capsys, where, lexical_index):
    code, out, err = run(capsys, "search", QUESTION, "--json", "--top-k", "3", *where)
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == RESULT_KEYS
    assert result["question"] == QUESTION and result["mode"] == "lexical" and result["lang"] == "ja"
    assert len(result["passages"]) == 3
    for p in result["passages"]:
        assert set(p) == PASSAGE_KEYS
        assert lexical_index.documents[p["doc_id"]].text[p["start"]:p["end"]] == p["text"]
    assert any("館長は山田花子である。" in p["text"] for p in result["passages"])
    assert "\\u" not in out, "Japanese is printed as is"


def test_search_human_readable_shows_title_and_span(capsys, where):
    code, out, _ = run(capsys, "search", QUESTION, "--json", "--top-k", "3", *where)
    passages = json.loads(out)["passages"]
    code, out, err = run(capsys, "search", QUESTION, "--top-k", "3", *where)
    assert code == 0, err
    for p in passages:
        assert p["title"] in out
        assert f"{p['start']}–{p['end']}" in out
        assert p["text"].splitlines()[0].split("\t")[0] in out


def test_search_human_readable_shows_an_english_word_with_its_japanese(capsys, where):
    code, out, err = run(capsys, "search", "When did the library open?", "--top-k", "1", *where)
    assert code == 0, err
    assert "library → 図書館" in out and "{'en'" not in out


def test_search_with_no_known_words_says_so(capsys, where):
    code, out, err = run(capsys, "search", "xyzzy plugh", "--json", *where)
    assert code == 0, err
    result = json.loads(out)
    assert result["passages"] == [] and result["note"]


def test_batch_search_writes_one_line_per_question(capsys, where, tmp_path):
    batch = tmp_path / "questions.jsonl"
    rows = [{"id": "q1", "question": QUESTION}, {"id": "q2", "question": "蒸気機関車の運転の再開"},
            {"id": "q3", "question": "静岡茶まつりの来場者は何人ですか"}]
    batch.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows[:2]) + "\n\n"
                     + json.dumps(rows[2], ensure_ascii=False) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "search", "--batch", str(batch), "--top-k", "2", *where)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 3
    results = [json.loads(line) for line in lines]
    assert [r["id"] for r in results] == ["q1", "q2", "q3"]
    assert [r["question"] for r in results] == [r["question"] for r in rows]
    for r in results:
        assert set(r) == RESULT_KEYS
        assert len(r["passages"]) == 2


def test_show_prints_the_stored_text(capsys, where, lexical_index):
    doc = lexical_index.documents["river-railway"]
    code, out, err = run(capsys, "show", doc.id, *where)
    assert code == 0, err
    assert doc.title in out
    assert doc.text in out


def test_show_json(capsys, where, lexical_index):
    doc = lexical_index.documents["tea-festival"]
    code, out, _ = run(capsys, "show", doc.id, "--json", *where)
    assert code == 0
    shown = json.loads(out)
    assert (shown["id"], shown["title"], shown["text"]) == (doc.id, doc.title, doc.text)


# Errors: a non-zero exit, one line on stderr, nothing on stdout, no traceback.

@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question(capsys, where, question):
    line = assert_one_line_error(*run(capsys, "search", question, *where))
    assert "empty" in line


def test_no_question_and_no_batch(capsys, where):
    assert_one_line_error(*run(capsys, "search", *where))


def test_unknown_document_id(capsys, where):
    line = assert_one_line_error(*run(capsys, "show", "no-such-doc", *where))
    assert "no-such-doc" in line and "tea-festival" in line


def test_index_missing_corpus_folder(capsys, tmp_path):
    line = assert_one_line_error(*run(capsys, "index", "--corpus", str(tmp_path / "nowhere"),
                                      "--out", str(tmp_path / "i"), "--model", "none"))
    assert "nowhere" in line


def test_index_empty_corpus_folder(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    assert_one_line_error(*run(capsys, "index", "--corpus", str(tmp_path / "empty"),
                               "--out", str(tmp_path / "i"), "--model", "none", "--quiet"))


def test_index_reads_shift_jis_and_refuses_an_undecodable_file_only_when_strict(capsys, small_corpus, tmp_path):
    (small_corpus / "legacy.md").write_bytes("# 静岡の茶まつり\n\n新茶をふるまう。\n".encode("shift_jis"))
    (small_corpus / "garbage.md").write_bytes(bytes(range(128, 256)) * 2)
    line = assert_one_line_error(*run(capsys, "index", "--corpus", str(small_corpus), "--out", str(tmp_path / "i"),
                                      "--model", "none", "--quiet", "--strict"))
    assert "garbage.md: undecodable" in line and "--strict" in line
    code, _, err = run(capsys, "index", "--corpus", str(small_corpus), "--out", str(tmp_path / "i"), "--model",
                       "none", "--quiet")
    assert code == 0 and err == "kotae: skipped garbage.md: undecodable (not UTF-8, UTF-16, EUC-JP or Shift_JIS text)\n"


def test_malformed_batch_line(capsys, where, tmp_path):
    batch = tmp_path / "bad.jsonl"
    batch.write_text(json.dumps({"id": "q1", "question": QUESTION}, ensure_ascii=False) + '\n{"id": "q2", \n',
                     encoding="utf-8")
    line = assert_one_line_error(*run(capsys, "search", "--batch", str(batch), *where))
    assert ":2" in line


def test_batch_line_without_question(capsys, where, tmp_path):
    batch = tmp_path / "bad.jsonl"
    batch.write_text('{"id": "q1"}\n', encoding="utf-8")
    assert_one_line_error(*run(capsys, "search", "--batch", str(batch), *where))


def test_missing_batch_file(capsys, where, tmp_path):
    line = assert_one_line_error(*run(capsys, "search", "--batch", str(tmp_path / "none.jsonl"), *where))
    assert "none.jsonl" in line


def test_missing_index(capsys, tmp_path, corpus_dir):
    line = assert_one_line_error(*run(capsys, "search", QUESTION, "--index", str(tmp_path / "no-index"),
                                      "--corpus", str(corpus_dir)))
    assert "kotae index" in line


def test_dense_mode_without_vectors(capsys, where):
    line = assert_one_line_error(*run(capsys, "search", QUESTION, "--mode", "dense", *where))
    assert "--mode lexical" in line


def test_stale_index(capsys, small_corpus, tmp_path, throwaway):
    out_dir = tmp_path / "index"
    assert run(capsys, "index", "--corpus", str(small_corpus), "--out", str(out_dir), "--quiet")[0] == 0
    (small_corpus / "added.md").write_text("追加の文書です。\n", encoding="utf-8")
    line = assert_one_line_error(*run(capsys, "search", QUESTION, "--index", str(out_dir),
                                      "--corpus", str(small_corpus)))
    assert "kotae index" in line


@pytest.mark.parametrize("value", ["0", "51", "many"])
def test_top_k_out_of_range_is_a_usage_error(capsys, where, value):
    with pytest.raises(SystemExit) as exit_info:
        main(["search", QUESTION, "--top-k", value, *where])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--top-k" in err and "Traceback" not in err


@pytest.mark.slow  # starts the console script in a process of its own
def test_console_script_runs(lexical_settings):
    script = Path(sys.executable).with_name("kotae")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "kotae.cli"]
    env = {**os.environ, "KOTAE_EMBED_MODEL": "none", "HF_HUB_OFFLINE": "1"}
    helped = subprocess.run([*command, "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert helped.returncode == 0
    assert "search" in helped.stdout and "index" in helped.stdout

    searched = subprocess.run([*command, "search", QUESTION, "--json", "--top-k", "2",
                               "--index", str(lexical_settings.index.index_dir),
                               "--corpus", str(lexical_settings.index.corpus_dir)],
                              capture_output=True, text=True, env=env, timeout=120)
    assert searched.returncode == 0, searched.stderr
    assert len(json.loads(searched.stdout)["passages"]) == 2


def test_damaged_index_is_one_line_asking_for_a_rebuild(capsys, small_corpus, tmp_path, throwaway):
    out_dir = tmp_path / "index"
    assert run(capsys, "index", "--corpus", str(small_corpus), "--out", str(out_dir), "--quiet")[0] == 0
    current = out_dir / (out_dir / "CURRENT").read_text(encoding="utf-8").strip()
    writable(current / "chunks.jsonl").write_text('{"id": "cut short', encoding="utf-8")
    line = assert_one_line_error(*run(capsys, "search", QUESTION, "--index", str(out_dir),
                                      "--corpus", str(small_corpus)))
    assert "chunks.jsonl" in line and "kotae index" in line
    # `--if-stale` mends it like a stale index.
    assert run(capsys, "index", "--corpus", str(small_corpus), "--out", str(out_dir), "--if-stale", "--quiet")[0] == 0
    assert run(capsys, "search", QUESTION, "--index", str(out_dir), "--corpus", str(small_corpus))[0] == 0
