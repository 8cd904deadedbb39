"""A user's own folder and index: the index remembers its corpus, stale messages name the command that rebuilds
that index, kotae.toml sets folders once, and a gold file for other documents is refused."""

from __future__ import annotations

import pytest
from support import GOLD, THROWAWAY, TINY_CHUNKING, write_tiny_corpus

from kotae.cli import main

QUESTION = "松本市中央図書館の新館はいつ開館しましたか"


@pytest.fixture
def own(tmp_path, monkeypatch):
    """The tiny corpus in a folder of its own, indexed into another with `kotae index --corpus … --out …`; the
    working folder holds neither (nor a corpus/ of its own)."""
    for name, value in {**TINY_CHUNKING, **THROWAWAY, "embed_model": "none"}.items():
        monkeypatch.setenv(f"KOTAE_{name.upper()}", str(value))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    corpus, index = write_tiny_corpus(tmp_path / "docs"), tmp_path / "docs-index"
    assert main(["index", "--corpus", str(corpus), "--out", str(index), "--quiet"]) == 0
    return corpus, index


def test_commands_given_an_index_use_the_corpus_it_was_built_from(own, capsys):
    corpus, index = own
    capsys.readouterr()
    assert main(["ask", QUESTION, "--index", str(index), "--json"]) == 0
    assert "2021年4月1日" in capsys.readouterr().out
    assert main(["show", "city-library", "--index", str(index)]) == 0


def test_a_stale_index_names_the_command_that_rebuilds_it(own, capsys, monkeypatch):
    corpus, index = own
    (corpus / "city-library.md").write_text((corpus / "city-library.md").read_text(encoding="utf-8") + "\n追記。\n",
                                            encoding="utf-8")
    capsys.readouterr()
    assert main(["search", QUESTION, "--index", str(index)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "changed since the index was built" in err
    assert f"run `kotae index --corpus {corpus} --out {index}` to rebuild it" in err  # KOTAE_EMBED_MODEL says none
    monkeypatch.delenv("KOTAE_EMBED_MODEL")  # where the index's own model is not configured, the command names it
    assert main(["search", QUESTION, "--index", str(index)]) == 1
    assert f"run `kotae index --corpus {corpus} --out {index} --model none` to rebuild it" in capsys.readouterr().err


def test_if_stale_rebuilds_an_index_from_the_corpus_it_was_built_from(own, capsys):
    """Even when the manifest is of an older format, the corpus it names is the one rebuilt from."""
    import json

    from kotae.store import MANIFEST, current_build

    corpus, index = own
    manifest = current_build(index) / MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.chmod(0o644)
    manifest.write_text(json.dumps({**data, "format": 3}), encoding="utf-8")
    capsys.readouterr()
    assert main(["search", QUESTION, "--index", str(index)]) == 1
    assert f"run `kotae index --corpus {corpus} --out {index}` to rebuild it" in capsys.readouterr().err
    assert main(["index", "--if-stale", "--out", str(index)]) == 0  # no corpus/ here: the recorded one is used
    assert "Rebuilding" in capsys.readouterr().err
    assert main(["ask", QUESTION, "--index", str(index), "--json"]) == 0
    assert "2021年4月1日" in capsys.readouterr().out


def test_kotae_toml_in_the_working_folder_sets_the_folders_once(own, capsys):
    corpus, index = own
    (own[0].parent / "work" / "kotae.toml").write_text(f'index_dir = "{index}"\ntop_k = 2\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["search", QUESTION, "--json"]) == 0
    out = capsys.readouterr().out
    assert '"doc_id": "city-library"' in out and out.count('"rank"') == 2


def test_a_gold_file_for_other_documents_is_refused_in_one_line(own, capsys):
    _, index = own
    capsys.readouterr()
    assert main(["eval", "--index", str(index), "--gold", str(GOLD)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "quote the documents indexed in" in err and "Only 0 of the" in err


def test_a_bad_file_is_skipped_by_name_and_strict_builds_nothing(tmp_path, monkeypatch, capsys):
    for name, value in {**TINY_CHUNKING, **THROWAWAY, "embed_model": "none"}.items():
        monkeypatch.setenv(f"KOTAE_{name.upper()}", str(value))
    corpus = write_tiny_corpus(tmp_path / "docs")
    (corpus / "old").mkdir()
    (corpus / "old" / "memo.txt").write_bytes("# 古いメモ\n\n倉庫の鍵は事務室の金庫に保管している。\n".encode("cp932"))
    (corpus / "broken.md").write_bytes(b"\xff\xfe\x00")  # a UTF-16 mark and half a character
    strict = main(["index", "--corpus", str(corpus), "--out", str(tmp_path / "strict"), "--strict", "--quiet"])
    err = capsys.readouterr().err
    assert strict == 1 and "broken.md" in err and not (tmp_path / "strict" / "CURRENT").exists()
    assert main(["index", "--corpus", str(corpus), "--out", str(tmp_path / "index")]) == 0
    err = capsys.readouterr().err
    assert "kotae: skipped broken.md: " in err and "(1 file skipped)" in err
    assert main(["ask", "倉庫の鍵はどこに保管していますか", "--index", str(tmp_path / "index"), "--json"]) == 0
    answer = capsys.readouterr().out
    assert '"doc_id": "old-memo"' in answer and "事務室の金庫" in answer
