"""Loading a corpus folder: front matter, fallbacks, and clear errors for folders kotae cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest

from kotae.errors import CorpusError
from kotae.load import fingerprint, load_corpus, read_corpus


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
        assert not doc.text.startswith("---") and "#" not in doc.text and "- " not in doc.text
        for line in doc.text.splitlines():
            assert line.removeprefix("・ ") in raw, "every line is the source's, without its markup"
        assert doc.meta["source"] and doc.meta["file"] == path.name


def test_front_matter_is_parsed(tmp_path):
    _write(tmp_path, "doc.md", "---\nid: my-doc\ntitle: \"日本とNATO\"\nsource: 外務省\npublished: 2023-07-12\n"
                               "lang: ja\n---\n本文の一行目。\n二行目。\n")
    [doc] = load_corpus(tmp_path)
    assert doc.id == "my-doc"
    assert doc.title == "日本とNATO"
    assert doc.text == "本文の一行目。\n二行目。"
    assert doc.meta["source"] == "外務省"
    assert doc.meta["published"] == "2023-07-12"  # a YAML date comes back as text
    assert doc.meta["lang"] == "ja"
    assert doc.meta["file"] == "doc.md"


def test_file_without_front_matter_uses_first_line_and_file_name(tmp_path):
    _write(tmp_path, "My Notes 2024.txt", "\n# 防衛協力の概要\n\n本文です。\n")
    [doc] = load_corpus(tmp_path)
    assert doc.id == "my-notes-2024"
    assert doc.title == "防衛協力の概要"
    assert doc.text == "# 防衛協力の概要\n\n本文です。", "plain text is not Markdown: only its blank edges go"


def test_japanese_file_name_without_front_matter_loads(tmp_path):
    _write(tmp_path, "防衛白書.md", "防衛白書の概要\n\n日本の防衛について。\n")
    [doc] = load_corpus(tmp_path)
    assert doc.id
    assert doc.title == "防衛白書の概要"


def test_bom_and_windows_line_ends_are_dropped(tmp_path):
    (tmp_path / "a.md").write_bytes("\ufeff---\nid: a\ntitle: T\n---\n一行目。\r\n二行目。\r\n".encode())
    [doc] = load_corpus(tmp_path)
    assert doc.id == "a"
    assert doc.text == "一行目。\n二行目。"


def test_readme_and_other_files_are_not_documents(tmp_path):
    _write(tmp_path, "README.md", "# About this corpus\n")
    _write(tmp_path, "notes.json", "{}")
    _write(tmp_path, "doc.md", "本文です。\n")
    assert [d.id for d in load_corpus(tmp_path)] == ["doc"]


@pytest.mark.parametrize(("encoding", "data"), [
    ("utf-8", "本文です。日本とNATOの協力。\n".encode()),
    ("utf-8-sig", "\ufeff本文です。日本とNATOの協力。\n".encode()),
    ("utf-16", "本文です。日本とNATOの協力。\n".encode("utf-16")),
    ("cp932", "本文です。日本とNATOの協力。ﾊﾝｶｸ\n".encode("cp932")),
    ("euc_jp", "本文です。日本とNATOの協力。\n".encode("euc_jp")),
])
def test_japanese_encodings_are_detected_and_recorded(tmp_path, encoding, data):
    (tmp_path / "doc.txt").write_bytes(data)
    [doc] = load_corpus(tmp_path)
    assert doc.text.startswith("本文です。日本とNATOの協力。") and doc.meta["encoding"] == encoding


def test_bad_files_are_skipped_with_a_reason_and_the_rest_is_read(tmp_path):
    _write(tmp_path, "good.md", "本文です。\n")
    (tmp_path / "binary.md").write_bytes(bytes(range(128, 256)) * 4)
    _write(tmp_path, "empty.md", "---\nid: empty\ntitle: 空\n---\n\n  \n")
    _write(tmp_path, "broken.md", "---\nid: [unclosed\n---\n本文。\n")
    _write(tmp_path, "slides.pptx", "PK")
    _write(tmp_path, ".secret.md", "本文。\n")
    _write(tmp_path / ".git", "config", "x")
    corpus = read_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["good"]
    reasons = {s.path: s.reason for s in corpus.skipped}
    assert reasons["binary.md"].startswith("undecodable") and reasons["empty.md"] == "empty"
    assert "front matter is not valid YAML" in reasons["broken.md"]
    assert reasons["slides.pptx"] == "unsupported type (.pptx)" and reasons[".secret.md"] == "hidden"
    assert reasons[".git/"] == "hidden folder" and len(reasons) == 6


def test_subfolders_are_read_and_ids_come_from_the_relative_path(tmp_path):
    _write(tmp_path / "a", "readme.md", "Aの説明です。\n")
    _write(tmp_path / "b", "readme.md", "Bの説明です。\n")
    _write(tmp_path, "README.md", "# このコーパスについて\n")  # the folder's own README is not a document
    docs = load_corpus(tmp_path)
    assert [(d.id, d.meta["file"]) for d in docs] == [("a-readme", "a/readme.md"), ("b-readme", "b/readme.md")]


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


def test_a_second_document_with_the_same_id_is_skipped_naming_the_first(tmp_path):
    _write(tmp_path, "first.md", "---\nid: same\ntitle: A\n---\n本文A。\n")
    _write(tmp_path, "second.md", "---\nid: same\ntitle: B\n---\n本文B。\n")
    _write(tmp_path, "Report.md", "本文A。\n")
    _write(tmp_path, "report.txt", "本文B。\n")
    corpus = read_corpus(tmp_path)
    assert [d.meta["file"] for d in corpus.documents] == ["Report.md", "first.md"]
    assert [str(s) for s in corpus.skipped] == ["report.txt: has the same id 'report' as Report.md",
                                                "second.md: has the same id 'same' as first.md"]


@pytest.mark.parametrize("bad_id", ["../etc/passwd", "a/b", "a\\\\b", "/abs", ".hidden"])
def test_ids_shaped_like_paths_are_refused(tmp_path, bad_id):
    _write(tmp_path, "good.md", "本文です。\n")
    _write(tmp_path, "x.md", f"---\nid: \"{bad_id}\"\ntitle: X\n---\n本文。\n")
    [skipped] = read_corpus(tmp_path).skipped
    assert skipped.path == "x.md" and "no slashes or spaces" in skipped.reason


def test_fingerprint_changes_with_any_document(small_corpus):
    before = fingerprint(small_corpus)
    assert fingerprint(small_corpus) == before
    path = next(small_corpus.glob("*.md"))
    path.write_text(path.read_text(encoding="utf-8") + "追記。\n", encoding="utf-8")
    assert fingerprint(small_corpus) != before


def test_fingerprint_changes_when_the_readers_store_other_text(small_corpus, monkeypatch):
    import kotae.load

    before = fingerprint(small_corpus)
    monkeypatch.setattr(kotae.load, "READERS_VERSION", kotae.load.READERS_VERSION + 1)
    assert fingerprint(small_corpus) != before
