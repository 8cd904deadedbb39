"""Loading a corpus folder: front matter, fallbacks, and clear errors for folders kotae cannot use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kotae.errors import CorpusError
from kotae.load import fingerprint, load_corpus


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_corpus_folder_loads_with_front_matter(corpus_docs, corpus_dir):
    files = sorted(corpus_dir.glob("*.md"))
    assert [d.id for d in corpus_docs] == [f.stem for f in files]
    for doc, path in zip(corpus_docs, files):
        raw = path.read_text(encoding="utf-8")
        assert doc.title and doc.title in raw
        assert not doc.text.startswith("---")
        assert raw.endswith(doc.text), "the body is stored verbatim"
        assert doc.meta["source"] and doc.meta["file"] == path.name


def test_front_matter_is_parsed(tmp_path):
    _write(tmp_path, "doc.md", "---\nid: my-doc\ntitle: \"日本とNATO\"\nsource: 外務省\npublished: 2023-07-12\n"
                               "lang: ja\n---\n本文の一行目。\n二行目。\n")
    [doc] = load_corpus(tmp_path)
    assert doc.id == "my-doc"
    assert doc.title == "日本とNATO"
    assert doc.text == "本文の一行目。\n二行目。\n"
    assert doc.meta["source"] == "外務省"
    assert doc.meta["published"] == "2023-07-12"  # a YAML date comes back as text
    assert doc.meta["lang"] == "ja"
    assert doc.meta["file"] == "doc.md"


def test_file_without_front_matter_uses_first_line_and_file_name(tmp_path):
    _write(tmp_path, "My Notes 2024.txt", "\n# 防衛協力の概要\n\n本文です。\n")
    [doc] = load_corpus(tmp_path)
    assert doc.id == "my-notes-2024"
    assert doc.title == "防衛協力の概要"
    assert doc.text == "\n# 防衛協力の概要\n\n本文です。\n"


def test_japanese_file_name_without_front_matter_loads(tmp_path):
    _write(tmp_path, "防衛白書.md", "防衛白書の概要\n\n日本の防衛について。\n")
    [doc] = load_corpus(tmp_path)
    assert doc.id
    assert doc.title == "防衛白書の概要"


def test_bom_and_windows_line_ends_are_dropped(tmp_path):
    (tmp_path / "a.md").write_bytes("\ufeff---\nid: a\ntitle: T\n---\n一行目。\r\n二行目。\r\n".encode())
    [doc] = load_corpus(tmp_path)
    assert doc.id == "a"
    assert doc.text == "一行目。\n二行目。\n"


def test_readme_and_other_files_are_not_documents(tmp_path):
    _write(tmp_path, "README.md", "# About this corpus\n")
    _write(tmp_path, "notes.json", "{}")
    _write(tmp_path, "doc.md", "本文です。\n")
    assert [d.id for d in load_corpus(tmp_path)] == ["doc"]


def test_non_utf8_file_names_the_file(tmp_path):
    _write(tmp_path, "good.md", "本文です。\n")
    (tmp_path / "shift-jis.md").write_bytes("日本とNATOの協力".encode("shift_jis"))
    with pytest.raises(CorpusError, match=r"shift-jis\.md") as err:
        load_corpus(tmp_path)
    assert "UTF-8" in str(err.value)


def test_missing_folder(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nowhere")


def test_empty_folder(tmp_path):
    with pytest.raises(CorpusError):
        load_corpus(tmp_path)


def test_folder_with_only_a_readme_is_empty(tmp_path):
    _write(tmp_path, "README.md", "# Corpus\n\nPut documents here.\n")
    with pytest.raises(CorpusError):
        load_corpus(tmp_path)


@pytest.mark.parametrize(("name", "text"), [
    ("empty.md", "---\nid: empty\ntitle: 空\n---\n\n  \n"),  # no text
    ("broken.md", "---\nid: [unclosed\n---\n本文。\n"),  # front matter that is not YAML
])
def test_a_bad_document_is_a_corpus_error_naming_the_file(tmp_path, name, text):
    _write(tmp_path, name, text)
    with pytest.raises(CorpusError, match=re.escape(name)):
        load_corpus(tmp_path)


def test_duplicate_ids_name_both_files(tmp_path):
    _write(tmp_path, "first.md", "---\nid: same\ntitle: A\n---\n本文A。\n")
    _write(tmp_path, "second.md", "---\nid: same\ntitle: B\n---\n本文B。\n")
    with pytest.raises(CorpusError) as err:
        load_corpus(tmp_path)
    assert "first.md" in str(err.value) and "second.md" in str(err.value)


def test_same_slug_from_two_files_is_a_duplicate(tmp_path):
    _write(tmp_path, "Report.md", "本文A。\n")
    _write(tmp_path, "report.txt", "本文B。\n")
    with pytest.raises(CorpusError, match="same id"):
        load_corpus(tmp_path)


@pytest.mark.parametrize("bad_id", ["../etc/passwd", "a/b", "a\\\\b", "/abs", ".hidden"])
def test_ids_shaped_like_paths_are_rejected(tmp_path, bad_id):
    _write(tmp_path, "x.md", f"---\nid: \"{bad_id}\"\ntitle: X\n---\n本文。\n")
    with pytest.raises(CorpusError, match=r"x\.md"):
        load_corpus(tmp_path)


def test_fingerprint_changes_with_any_document(small_corpus):
    before = fingerprint(small_corpus)
    assert fingerprint(small_corpus) == before
    path = next(small_corpus.glob("*.md"))
    path.write_text(path.read_text(encoding="utf-8") + "追記。\n", encoding="utf-8")
    assert fingerprint(small_corpus) != before
