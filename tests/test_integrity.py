"""Verified loads: every file of a build is checked against its manifest, and any damage is one line that names
the file, which `kotae index --if-stale` repairs. The damage matrix: each file of a build × each way it can be
spoilt."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from fakes import free_port
from support import (
    DAMAGES,
    THROWAWAY,
    TINY_CHUNKING,
    build_tiny,
    damage,
    make_settings,
    overwrite_in_place,
    rerecord,
    writable,
)

from kotae import lexical, store
from kotae.build import build_index
from kotae.cli import main
from kotae.config import DEFAULT_MODEL
from kotae.errors import DamagedIndexError, IndexWriteError, StaleIndexError
from kotae.integrity import file_records
from kotae.manifest import FORMAT
from kotae.store import current_build, load_index

QUESTION = "図書館の館長は誰ですか"
LEXICAL_FILES = [store.MANIFEST, store.DOCUMENTS, store.CHUNKS, store.LEXICON,
                 *(f"{store.LEXICAL}/{name}" for name in lexical.FILES), store.POINTER]
VECTORS = f"{store.DENSE}/vectors.faiss"
HOW = list(DAMAGES)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A lexical index of the tiny corpus, copied by each test (the corpus is shared and never changed)."""
    return build_tiny(tmp_path_factory.mktemp("template"))


@pytest.fixture(autouse=True)
def _throwaway_settings(monkeypatch):
    # The command line builds and checks with the settings the template was built with, so that `--if-stale`
    # finds an undamaged copy up to date and rebuilds only for damage.
    for name, value in {**TINY_CHUNKING, **THROWAWAY, "embed_model": "none"}.items():
        monkeypatch.setenv(f"KOTAE_{name.upper()}", str(value).lower() if isinstance(value, bool) else str(value))


def _copy(settings, tmp_path: Path):
    shutil.copytree(settings.index.index_dir, tmp_path / "index")
    return settings.replace(index_dir=tmp_path / "index")


def _target(settings, name: str) -> Path:
    index_dir = settings.index.index_dir
    return index_dir / name if name == store.POINTER else current_build(index_dir) / name


def _cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err


def _where(settings) -> list[str]:
    return ["--index", str(settings.index.index_dir), "--corpus", str(settings.index.corpus_dir)]


def _build_args(settings) -> list[str]:
    return ["--out", str(settings.index.index_dir), "--corpus", str(settings.index.corpus_dir)]


def _without_a_record_line(path: Path) -> None:
    """The manifest with a line of its first file record removed. Its middle line, as other files lose, may be a
    build timing, which nothing reads back (an index without it is whole); a file record is what it vouches for."""
    lines = writable(path).read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(n for n, line in enumerate(lines) if line.strip() == '"files": {') + 1  # "<path>": {
    path.write_text("".join(lines[:first + 1] + lines[first + 2:]), encoding="utf-8")


def _one_line(code: int, err: str, name: str) -> str:
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1, err
    assert name in lines[0] and "kotae index" in lines[0], lines[0]
    return lines[0]


def _assert_repaired(capsys, settings, name: str) -> None:
    """`--if-stale` rebuilds for the damage (its message names the file), and the rebuilt index serves."""
    code, err = _cli(capsys, "index", "--if-stale", *_build_args(settings))
    assert code == 0 and "Rebuilding" in err and name in err, err
    assert _cli(capsys, "index", "--verify", *_build_args(settings))[0] == 0
    assert _cli(capsys, "search", QUESTION, *_where(settings))[0] == 0


def _matrix(files: list[str]) -> list:
    """Every file × every damage; one damage per file runs in the quick loop, the rest are slow."""
    return [pytest.param(name, how, marks=() if i % len(HOW) == j else pytest.mark.slow, id=f"{name}-{how}")
            for i, name in enumerate(files) for j, how in enumerate(HOW)]


def test_an_undamaged_copy_is_up_to_date_and_intact(template, tmp_path, capsys):
    settings = _copy(template, tmp_path)
    code, err = _cli(capsys, "index", "--if-stale", *_build_args(settings))
    assert code == 0 and "up to date" in err
    code, err = _cli(capsys, "index", "--verify", *_build_args(settings))
    assert code == 0 and "is intact" in err and "SHA-256" in err


@pytest.mark.parametrize(("name", "how"), _matrix(LEXICAL_FILES))
def test_damage_is_one_line_naming_the_file_and_if_stale_repairs_it(template, tmp_path, capsys, name, how):
    settings = _copy(template, tmp_path)
    if name == store.MANIFEST and how == "line removed":
        _without_a_record_line(_target(settings, name))
    else:
        damage(_target(settings, name), how)
    _one_line(*_cli(capsys, "search", QUESTION, *_where(settings)), name)
    _one_line(*_cli(capsys, "index", "--verify", *_build_args(settings)), name)
    with pytest.raises(DamagedIndexError, match=name.replace(".", r"\.")):
        load_index(settings)
    _assert_repaired(capsys, settings, name)


@pytest.mark.parametrize("how", HOW)
def test_damaged_vectors_are_one_line_naming_them(bundled_settings, tmp_path, capsys, monkeypatch, how):
    monkeypatch.setenv("KOTAE_EMBED_MODEL", DEFAULT_MODEL)
    monkeypatch.delenv("KOTAE_LEXICON")  # the session's index with vectors has the English dictionary
    settings = _copy(bundled_settings, tmp_path)
    damage(_target(settings, VECTORS), how)
    _one_line(*_cli(capsys, "search", QUESTION, *_where(settings)), VECTORS)
    _one_line(*_cli(capsys, "index", "--verify", *_build_args(settings)), VECTORS)


@pytest.fixture(scope="module")
def vectors_template(tmp_path_factory):
    """An index with vectors from the bundled model, built as the other templates are, for `--if-stale` to repair."""
    return build_tiny(tmp_path_factory.mktemp("vectors"), embed_model=DEFAULT_MODEL)


@pytest.mark.slow  # each repair embeds the corpus again
@pytest.mark.parametrize("how", HOW)
def test_if_stale_repairs_damaged_vectors(vectors_template, tmp_path, capsys, monkeypatch, how):
    monkeypatch.setenv("KOTAE_EMBED_MODEL", DEFAULT_MODEL)
    settings = _copy(vectors_template, tmp_path)
    damage(_target(settings, VECTORS), how)
    _assert_repaired(capsys, settings, VECTORS)
    assert load_index(settings).dense is not None


@pytest.mark.parametrize("name", [store.DOCUMENTS, store.CHUNKS, store.LEXICON, f"{store.LEXICAL}/doclen.npy",
                                  f"{store.LEXICAL}/tf.data.npy"])
def test_bytes_changed_in_place_are_found_by_their_hash(template, tmp_path, capsys, name):
    settings = _copy(template, tmp_path)
    overwrite_in_place(_target(settings, name))
    with pytest.raises(DamagedIndexError, match="SHA-256"):
        load_index(settings, verify=True)
    line = _one_line(*_cli(capsys, "index", "--verify", *_build_args(settings)), name)
    assert "SHA-256" in line
    _assert_repaired(capsys, settings, name)


# What the sizes cannot tell: a damaged file recorded as if it had been built so. Counts and parsing still do.

@pytest.mark.parametrize(("name", "how", "says"), [
    (store.CHUNKS, "line removed", "holds [0-9]+ chunks where its manifest records"),  # rows would map wrongly
    (store.DOCUMENTS, "line removed", "holds 3 documents where its manifest records 4"),
    (store.CHUNKS, "truncated", "cannot be read"),
    (store.LEXICON, "garbage", "cannot be read"),
    (f"{store.LEXICAL}/doclen.npy", "emptied", "cannot be read .EOFError"),
    (f"{store.LEXICAL}/doclen.npy", "line removed", "cannot be read|chunk lengths"),
    (f"{store.LEXICAL}/vocab.index.json", "garbage", "cannot be read"),
])
def test_counts_and_parsing_catch_what_sizes_cannot(template, tmp_path, name, how, says):
    settings = _copy(template, tmp_path)
    build = current_build(settings.index.index_dir)
    damage(build / name, how)
    rerecord(build, name)
    with pytest.raises(DamagedIndexError, match=says) as caught:
        load_index(settings)
    assert name.split("/")[0] in str(caught.value)


def test_a_chunk_that_no_longer_quotes_its_document_is_found(template, tmp_path):
    settings = _copy(template, tmp_path)
    build = current_build(settings.index.index_dir)
    rows = [json.loads(line) for line in (build / store.CHUNKS).read_text(encoding="utf-8").splitlines()]
    rows[3]["start"] += 1  # same size, same count, but the citation would be off by one character
    writable(build / store.CHUNKS).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                              encoding="utf-8")
    rerecord(build, store.CHUNKS)
    with pytest.raises(DamagedIndexError, match="does not quote its document"):
        load_index(settings)


# The manifest and the pointer, as a probe left them.

def _edit_manifest(settings, edit) -> None:
    path = writable(current_build(settings.index.index_dir) / store.MANIFEST)
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(edit(data), ensure_ascii=False), encoding="utf-8")


def _without_fingerprint(data):
    del data["corpus"]["fingerprint"]
    return data


def _without_files(data):
    del data["files"]
    return data


def _unrecorded_chunks(data):
    del data["files"][store.CHUNKS]
    return data


@pytest.mark.parametrize(("edit", "says"), [
    (lambda data: [], "is not a manifest"),
    (_without_fingerprint, r"corpus\.fingerprint is missing"),
    (_without_files, "records no files"),
    (_unrecorded_chunks, "records no size or hash for chunks.jsonl"),
    (lambda data: {**data, "format": FORMAT - 1}, "another version of kotae"),
])
def test_a_manifest_that_is_not_this_format_is_one_line_and_if_stale_rebuilds(template, tmp_path, capsys, edit,
                                                                                 says):
    settings = _copy(template, tmp_path)
    _edit_manifest(settings, edit)
    code, err = _cli(capsys, "search", QUESTION, *_where(settings))
    line = _one_line(code, err, "kotae index")
    assert re.search(says, line), line
    with pytest.raises(StaleIndexError):
        load_index(settings)
    code, err = _cli(capsys, "index", "--if-stale", *_build_args(settings))
    assert code == 0 and "Rebuilding" in err
    assert load_index(settings).manifest.format == FORMAT


@pytest.mark.parametrize("pointer", [b"\xff\xfe\x00build", b"", b"build-that-is-not-there\n", b"../elsewhere\n"])
def test_an_unusable_current_pointer_is_one_line_and_if_stale_rebuilds(template, tmp_path, capsys, pointer):
    settings = _copy(template, tmp_path)
    (settings.index.index_dir / store.POINTER).write_bytes(pointer)
    _one_line(*_cli(capsys, "search", QUESTION, *_where(settings)), store.POINTER)
    code, err = _cli(capsys, "index", "--if-stale", *_build_args(settings))
    assert code == 0 and "Rebuilding" in err
    assert _cli(capsys, "search", QUESTION, *_where(settings))[0] == 0


# Files that cannot be read or written.

def test_a_file_that_cannot_be_opened_is_one_line(template, tmp_path, monkeypatch, capsys):
    settings = _copy(template, tmp_path)
    refused = _target(settings, f"{store.LEXICAL}/tf.indices.npy")
    real_open = open

    def guarded(file, *args, **kwargs):  # as for a file its reader may not open (mode 000, another owner)
        if isinstance(file, (str, os.PathLike)) and os.fspath(file) == os.fspath(refused):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded)
    monkeypatch.setattr("io.open", guarded)
    line = _one_line(*_cli(capsys, "search", QUESTION, *_where(settings)), "lexical/tf.indices.npy")
    assert "Permission denied" in line


def _modes_bind_this_process() -> bool:
    """Whether file modes stop this process (not for a superuser with its usual capabilities)."""
    import tempfile

    with tempfile.NamedTemporaryFile() as probe:
        os.chmod(probe.name, 0)
        try:
            open(probe.name, "rb").close()  # noqa: SIM115
        except PermissionError:
            return True
    return False


@pytest.mark.skipif(not _modes_bind_this_process(), reason="this process reads files whatever their mode")
def test_an_unreadable_file_is_one_line(template, tmp_path, capsys):
    settings = _copy(template, tmp_path)
    _target(settings, store.CHUNKS).chmod(0)
    _one_line(*_cli(capsys, "search", QUESTION, *_where(settings)), store.CHUNKS)


def test_an_index_folder_that_cannot_be_written_is_one_line(small_corpus, tmp_path, capsys):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    code, err = _cli(capsys, "index", "--corpus", str(small_corpus), "--out", str(blocked / "index"), "--quiet")
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and "cannot be written" in lines[0], err
    with pytest.raises(IndexWriteError):
        build_index(make_settings(small_corpus, blocked / "index", **TINY_CHUNKING, **THROWAWAY))


# Builds are immutable.

def test_published_builds_are_read_only_and_loading_writes_nothing(template, tmp_path, capsys):
    settings = _copy(template, tmp_path)
    build = current_build(settings.index.index_dir)
    paths = [build, *build.rglob("*")]
    assert all(not stat.S_IMODE(p.stat().st_mode) & 0o222 for p in paths), "every file and folder is read-only"
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in paths}
    records = file_records(build, leave_out=frozenset({store.MANIFEST}))
    load_index(settings, verify=True)
    assert _cli(capsys, "search", QUESTION, *_where(settings))[0] == 0
    assert _cli(capsys, "index", "--if-stale", *_build_args(settings))[0] == 0
    assert _cli(capsys, "index", "--verify", *_build_args(settings))[0] == 0
    assert {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in paths} == before
    assert file_records(build, leave_out=frozenset({store.MANIFEST})) == records


def test_sealed_builds_and_leftovers_are_removed_by_later_builds(template, tmp_path):
    settings = _copy(template, tmp_path)
    first = current_build(settings.index.index_dir)
    leftover = settings.index.index_dir / ".building-sealed"
    shutil.copytree(first, leftover)  # a build killed after sealing, before publishing
    for _ in range(2):
        build_index(settings)
    names = {p.name for p in settings.index.index_dir.iterdir()}
    assert first.name not in names and leftover.name not in names
    assert len([n for n in names if n.startswith("build-")]) == 2


@pytest.mark.parametrize("spoil", [lambda path: damage(path, "line removed"), overwrite_in_place])
def test_kotae_serve_refuses_a_damaged_index_in_one_line_before_listening(template, tmp_path, capsys, spoil):
    settings = _copy(template, tmp_path)
    spoil(_target(settings, store.CHUNKS))
    _one_line(*_cli(capsys, "serve", *_where(settings), "--port", str(free_port())), store.CHUNKS)
