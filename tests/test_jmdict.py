"""Tests for kotae.jmdict: a tiny hand-made database, the xz fallback, and the installed jamdict-data."""

from __future__ import annotations

import dataclasses
import lzma
import sqlite3
import sys
from pathlib import Path

import pytest

from kotae.jmdict import Entry, JMdictUnavailable, database_path, entries_for_forms, iter_entries

_SCHEMA = """
CREATE TABLE Entry (idseq INTEGER NOT NULL UNIQUE);
CREATE TABLE Kanji (ID INTEGER PRIMARY KEY, idseq INTEGER, text TEXT);
CREATE TABLE Kana (ID INTEGER PRIMARY KEY, idseq INTEGER, text TEXT, nokanji BOOLEAN);
CREATE TABLE KJP (kid INTEGER, text TEXT);
CREATE TABLE KNP (kid INTEGER, text TEXT);
CREATE TABLE Sense (ID INTEGER PRIMARY KEY, idseq INTEGER);
CREATE TABLE SenseGloss (sid INTEGER, lang TEXT, gend TEXT, text TEXT);
CREATE TABLE misc (sid INTEGER, text TEXT);
CREATE TABLE NEEntry (idseq INTEGER NOT NULL UNIQUE);
CREATE TABLE NEKanji (ID INTEGER PRIMARY KEY, idseq INTEGER, text TEXT);
CREATE TABLE NEKana (ID INTEGER PRIMARY KEY, idseq INTEGER, text TEXT, nokanji BOOLEAN);
CREATE TABLE NETranslation (ID INTEGER PRIMARY KEY, idseq INTEGER);
CREATE TABLE NETransGloss (tid INTEGER, lang TEXT, gend TEXT, text TEXT);
CREATE TABLE NETransType (tid INTEGER, text TEXT);
CREATE INDEX Kanji_idseq ON Kanji(idseq);
CREATE INDEX Kana_idseq ON Kana(idseq);
"""


def _tiny_db(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(_SCHEMA)
    conn.executemany("INSERT INTO Entry VALUES (?)", [(1000010,), (1000020,), (1000030,), (9999999,)])
    conn.executemany(
        "INSERT INTO Kanji VALUES (?, ?, ?)",
        [(1, 1000010, "会談"), (2, 1000030, "鼎談"), (3, 1000030, "てい談"), (4, 9999999, "ＪＭｄｉｃｔ")],
    )
    conn.executemany(
        "INSERT INTO Kana VALUES (?, ?, ?, 0)",
        [(1, 1000010, "かいだん"), (2, 1000020, "だめ"), (3, 1000030, "ていだん"), (4, 1000030, "ていだん")],
    )
    conn.executemany("INSERT INTO KJP VALUES (1, ?)", [("news1",), ("ichi1",), ("nf01",)])
    conn.executemany(
        "INSERT INTO Sense VALUES (?, ?)",
        [(1, 1000010), (2, 1000010), (3, 1000020), (4, 1000030), (5, 9999999), (6, 1000010), (7, 1000010)],
    )
    conn.executemany(
        "INSERT INTO SenseGloss VALUES (?, ?, '', ?)",
        [
            (1, "eng", "conversation"),
            (1, "eng", "conference"),
            (2, "ger", "Gespräch"),
            (2, "eng", "interview"),
            (3, "ger", "nur Deutsch"),
            (4, "eng", "tripartite talk"),
            (5, "eng", "Creation Date"),
            (6, "eng", "old-fashioned chat"),
            (7, "eng", "summit talks"),
        ],
    )
    # A sense out of use is left out; one merely noted (an abbreviation) is kept.
    conn.executemany("INSERT INTO misc VALUES (?, ?)", [(6, "archaism"), (7, "abbreviation")])
    conn.executemany("INSERT INTO NEEntry VALUES (?)", [(5000001,)])
    conn.executemany("INSERT INTO NEKana VALUES (?, ?, ?, 0)", [(1, 5000001, "ビリニュス")])
    conn.executemany("INSERT INTO NETranslation VALUES (?, ?)", [(1, 5000001), (2, 5000001)])
    conn.executemany("INSERT INTO NETransGloss VALUES (?, 'eng', '', ?)", [(1, "Vilnius"), (2, "Wilno")])
    conn.executemany("INSERT INTO NETransType VALUES (?, ?)", [(1, "place"), (2, "place"), (2, "unclass")])
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return _tiny_db(tmp_path / "tiny.db")


def test_tiny_entries_keep_order_english_only_and_skip_meta(tiny: Path) -> None:
    entries = list(iter_entries(tiny))
    assert [e.forms for e in entries] == [
        ("会談", "かいだん"),
        ("鼎談", "てい談", "ていだん"),
        ("ビリニュス",),
    ]
    kaidan, teidan, vilnius = entries
    assert kaidan.senses == (("conversation", "conference"), ("interview",), ("summit talks",))
    assert kaidan.priority == 148 and teidan.priority == 0
    assert kaidan.source == "jmdict" and kaidan.name_types == ()
    assert vilnius == Entry("jmnedict", ("ビリニュス",), (("Vilnius",), ("Wilno",)), 0, ("place", "unclass"))


def test_tiny_include_names_false(tiny: Path) -> None:
    assert {e.source for e in iter_entries(tiny, include_names=False)} == {"jmdict"}


def test_tiny_entries_for_forms(tiny: Path) -> None:
    found = entries_for_forms({"ていだん", "ビリニュス", "無い"}, tiny)
    assert [e.forms[0] for e in found] == ["鼎談", "ビリニュス"]
    assert entries_for_forms(set(), tiny) == []
    assert entries_for_forms({"ビリニュス"}, tiny, include_names=False) == []


def test_entry_is_frozen(tiny: Path) -> None:
    entry = next(iter_entries(tiny))
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.priority = 1  # type: ignore[misc]


def test_not_a_jamdict_database(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).close()
    with pytest.raises(JMdictUnavailable):
        list(iter_entries(other))
    with pytest.raises(JMdictUnavailable, match="pip install jamdict-data"):
        list(iter_entries(tmp_path / "missing.db"))


def _fake_package(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    package = root / "jamdict_data"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    monkeypatch.delitem(sys.modules, "jamdict_data", raising=False)
    monkeypatch.syspath_prepend(str(root))
    return package


def test_database_path_unpacks_xz_into_cache_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = _fake_package(tmp_path / "site", monkeypatch)
    raw = _tiny_db(tmp_path / "raw.db").read_bytes()
    (package / "jamdict.db.xz").write_bytes(lzma.compress(raw))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    first = database_path()
    assert first.parent == tmp_path / "cache" / "kotae"
    assert first.read_bytes() == raw
    assert [p.name for p in first.parent.iterdir()] == [first.name]
    mtime = first.stat().st_mtime_ns
    assert database_path() == first and first.stat().st_mtime_ns == mtime
    assert len(list(iter_entries(first))) == 3


def test_database_path_without_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_package(tmp_path, monkeypatch)
    with pytest.raises(JMdictUnavailable, match="pip install jamdict-data"):
        database_path()


@pytest.fixture(scope="module")
def real_db() -> Path:
    try:
        return database_path()
    except JMdictUnavailable:
        pytest.skip("jamdict-data is not installed (pip install jamdict-data)")


def _glosses(entry: Entry) -> list[str]:
    return [gloss for sense in entry.senses for gloss in sense]


def test_real_defence(real_db: Path) -> None:
    (entry,) = [e for e in entries_for_forms({"防衛"}, real_db) if "防衛" in e.forms]
    assert {"defence", "defense"} & set(_glosses(entry))


def test_real_prime_minister(real_db: Path) -> None:
    entries = entries_for_forms({"首相"}, real_db)
    assert any("prime minister" in _glosses(e) for e in entries)
    assert entries[0].forms[:2] == ("首相", "しゅしょう")


def test_real_priority_common_beats_rare(real_db: Path) -> None:
    by_form = {e.forms[0]: e for e in entries_for_forms({"会談", "鼎談"}, real_db, include_names=False)}
    assert by_form["会談"].priority > by_form["鼎談"].priority


def test_real_senses_out_of_use_are_left_out(real_db: Path) -> None:
    east = [g for e in entries_for_forms({"東"}, real_db, include_names=False) if "東" in e.forms for g in _glosses(e)]
    assert "east" in east and not any("eastern Japan" in g for g in east)  # an archaism: 東 for "Japan"
    russia = [g for e in entries_for_forms({"露"}, real_db, include_names=False) for g in _glosses(e)]
    assert "Russia" in russia  # an abbreviation, in use


def test_real_place_names(real_db: Path) -> None:
    names = entries_for_forms({"ビリニュス", "ヴィリニュス", "フィンランド", "シュトルテンベルク"}, real_db)

    def glossed(form: str, source: str) -> set[str]:
        return {g for e in names if e.source == source and form in e.forms for g in _glosses(e)}

    assert "Vilnius" in glossed("ビリニュス", "jmnedict")
    assert "Vilnius" in glossed("ヴィリニュス", "jmnedict")
    assert "Finland" in glossed("フィンランド", "jmdict")
    assert "Finland" in glossed("フィンランド", "jmnedict")
    assert "Stoltenberg" in glossed("シュトルテンベルク", "jmnedict")
    assert any("place" in e.name_types for e in names if "ビリニュス" in e.forms)


@pytest.mark.slow  # walks the whole dictionary
def test_real_entries_for_forms_matches_full_iteration(real_db: Path) -> None:
    wanted = {"会談", "しゅしょう", "ＮＡＴＯ"}
    full = [e for e in iter_entries(real_db, include_names=False) if wanted & set(e.forms)]
    assert full and entries_for_forms(wanted, real_db, include_names=False) == full


@pytest.mark.slow  # walks the whole dictionary, names included
def test_real_iteration_is_complete(real_db: Path) -> None:
    counts = {"jmdict": 0, "jmnedict": 0}
    for entry in iter_entries(real_db):
        counts[entry.source] += 1
        assert entry.senses and entry.forms
    assert counts["jmdict"] > 150_000 and counts["jmnedict"] > 500_000
