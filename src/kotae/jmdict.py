"""English glosses for Japanese words, read from the JMdict/JMnedict SQLite database of jamdict-data."""

from __future__ import annotations

import contextlib
import importlib.util
import lzma
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from kotae.config import default_cache_dir

_INSTALL_HINT = "The JMdict/JMnedict database is not installed; run `pip install jamdict-data`."

# JMdict's ent_seq 9999999 is a pseudo-entry carrying the file's creation date, not a word.
_JMDICT_META_IDSEQ = 9999999

# JMdict's sense notes for words out of use, or hardly in use.
UNUSED_SENSES = frozenset({"archaism", "obsolete term", "obscure term", "rare", "dated term", "poetical term"})
_PRIMARY_MARKERS = frozenset({"news1", "ichi1", "spec1", "spec2", "gai1"})
_SECONDARY_MARKERS = frozenset({"news2", "ichi2", "gai2"})

_REQUIRED_TABLES = frozenset(
    {"Entry", "Kanji", "Kana", "Sense", "SenseGloss", "KJP", "KNP", "misc"}
    | {"NEEntry", "NEKanji", "NEKana", "NETranslation", "NETransGloss", "NETransType"}
)


class JMdictUnavailable(RuntimeError):
    """The jamdict-data database cannot be found or read."""

    def __init__(self, message: str = _INSTALL_HINT) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class Entry:
    """One JMdict word or JMnedict name with its English glosses.

    ``source`` is "jmdict" or "jmnedict"; ``forms`` lists kanji then kana spellings in dictionary order;
    ``senses`` holds the English glosses of each sense (JMnedict: each translation) in order; ``priority``
    is higher for more common words (0 for unmarked words and all names); ``name_types`` holds JMnedict
    types such as "surname", "place", "organization" (empty for JMdict).
    """

    source: str
    forms: tuple[str, ...]
    senses: tuple[tuple[str, ...], ...]
    priority: int
    name_types: tuple[str, ...]


def _decompress(xz: Path, cache_dir: Path) -> Path:
    stat = xz.stat()
    # Size and mtime in the name make an upgraded jamdict-data miss the stale copy.
    target = cache_dir / f"jamdict-{stat.st_size}-{int(stat.st_mtime)}.db"
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=cache_dir, prefix=".jamdict-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, lzma.open(xz) as src:
            shutil.copyfileobj(src, out, length=1 << 20)
            out.flush()
            os.fsync(out.fileno())
        # Rename last so a concurrent or interrupted run never sees a half-written database.
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return target


def database_path(cache_dir: Path | None = None) -> Path:
    """Return the jamdict-data SQLite file, unpacking a shipped ``jamdict.db.xz`` into `cache_dir` (default: the
    settings' default cache folder) once."""
    spec = importlib.util.find_spec("jamdict_data")
    if spec is None or not spec.submodule_search_locations:
        raise JMdictUnavailable()
    for location in spec.submodule_search_locations:
        package = Path(location)
        db = package / "jamdict.db"
        if db.is_file() and db.stat().st_size > 0:
            return db
        xz = package / "jamdict.db.xz"
        if xz.is_file():
            return _decompress(xz, cache_dir or default_cache_dir())
    raise JMdictUnavailable()


def _connect(path: Path | None, cache_dir: Path | None = None) -> sqlite3.Connection:
    db = database_path(cache_dir) if path is None else Path(path)
    if not db.is_file():
        raise JMdictUnavailable(f"No JMdict database at {db}; run `pip install jamdict-data`.")
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise JMdictUnavailable(f"{db} is not a jamdict database; run `pip install jamdict-data`.") from exc
    if not tables >= _REQUIRED_TABLES:
        conn.close()
        raise JMdictUnavailable(f"{db} is not a jamdict database; run `pip install jamdict-data`.")
    return conn


def _marker_score(markers: Iterable[str]) -> int:
    # Per form: 50 per "common" marker (news1/ichi1/spec1/spec2/gai1, JMdict's (P) set), 10 per
    # news2/ichi2/gai2, plus 49-NN for nfNN (nf01 = the 500 most frequent newspaper words);
    # an entry takes its best form's score, so 会談/首相 (news1+ichi1+nf01) score 148.
    score = 0
    for marker in markers:
        if marker in _PRIMARY_MARKERS:
            score += 50
        elif marker in _SECONDARY_MARKERS:
            score += 10
        elif marker.startswith("nf") and marker[2:].isdigit():
            score += max(0, 49 - int(marker[2:]))
    return score


class _Stream:
    """Rows sorted by idseq, handed out one idseq at a time."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self._rows = iter(rows)
        self._row: tuple | None = next(self._rows, None)

    def take(self, idseq: int) -> list[tuple]:
        rows, row = self._rows, self._row
        while row is not None and row[0] < idseq:
            row = next(rows, None)
        out = []
        while row is not None and row[0] == idseq:
            out.append(row)
            row = next(rows, None)
        self._row = row
        return out


def _iter_source(conn: sqlite3.Connection, source: str, ids_table: str | None) -> Iterator[Entry]:
    names = source == "jmnedict"
    kanji_t, kana_t = ("NEKanji", "NEKana") if names else ("Kanji", "Kana")
    if names:
        sense_t, gloss_t, sense_fk = "NETranslation", "NETransGloss", "tid"
    else:
        sense_t, gloss_t, sense_fk = "Sense", "SenseGloss", "sid"

    def only(col: str) -> str:
        return f"AND {col} IN (SELECT idseq FROM temp.{ids_table})" if ids_table else ""

    # Senses JMdict marks as no longer or hardly in use (古都 read こと, "former capital"; 露 "dew", "open") would
    # translate English words into Japanese that means something else in any modern text.
    # (Per sense, through misc's index on sid: a list of every such sense would be read for each lookup.)
    unused = "" if names else (f"AND NOT EXISTS (SELECT 1 FROM misc m WHERE m.sid = s.ID AND m.text IN "
                               f"({', '.join(repr(m) for m in sorted(UNUSED_SENSES))}))")
    # Separate cursors are merged on idseq in Python: a single join would multiply forms by glosses.
    # The unary + keeps SQLite off the lang index, which matches every row and forces a full sort.
    glosses = conn.execute(
        f"SELECT s.idseq, s.ID, g.text FROM {sense_t} s JOIN {gloss_t} g ON g.{sense_fk} = s.ID "
        f"WHERE +g.lang = 'eng' AND s.idseq != {_JMDICT_META_IDSEQ} {only('s.idseq')} {unused} "
        f"ORDER BY s.idseq, s.ID, g.rowid"
    )
    kanji, kana = (
        _Stream(conn.execute(f"SELECT idseq, text FROM {table} WHERE 1 {only('idseq')} ORDER BY idseq, ID"))
        for table in (kanji_t, kana_t)
    )
    types: _Stream | None = None
    priority: dict[int, int] = {}
    if names:
        types = _Stream(
            conn.execute(
                f"SELECT t.idseq, y.text FROM NETranslation t JOIN NETransType y ON y.tid = t.ID "
                f"WHERE 1 {only('t.idseq')} ORDER BY t.idseq, t.ID, y.rowid"
            )
        )
    else:
        for form_t, pri_t in (("Kanji", "KJP"), ("Kana", "KNP")):
            rows = conn.execute(
                f"SELECT f.idseq, f.ID, p.text FROM {form_t} f JOIN {pri_t} p ON p.kid = f.ID "
                f"WHERE 1 {only('f.idseq')} ORDER BY f.ID"
            )
            for (idseq, _), group in groupby(rows, key=itemgetter(0, 1)):
                score = _marker_score(row[2] for row in group)
                if score > priority.get(idseq, 0):
                    priority[idseq] = score

    # Driving the merge from the glosses skips entries without English, which an English lexicon cannot use.
    for idseq, gloss_rows in groupby(glosses, key=itemgetter(0)):
        senses = tuple(tuple(row[2] for row in sense) for _, sense in groupby(gloss_rows, key=itemgetter(1)))
        forms = tuple(dict.fromkeys([row[1] for row in kanji.take(idseq) + kana.take(idseq)]))
        if not forms:
            continue
        name_types = tuple(dict.fromkeys(row[1] for row in types.take(idseq))) if types else ()
        yield Entry(source, forms, senses, priority.get(idseq, 0), name_types)


def iter_entries(path: Path | None = None, *, include_names: bool = True) -> Iterator[Entry]:
    """Yield all JMdict entries in sequence order, then all JMnedict names unless ``include_names`` is off."""
    conn = _connect(path)
    try:
        yield from _iter_source(conn, "jmdict", None)
        if include_names:
            yield from _iter_source(conn, "jmnedict", None)
    finally:
        conn.close()


def entries_for_forms(
    forms: set[str], path: Path | None = None, *, include_names: bool = True, cache_dir: Path | None = None
) -> list[Entry]:
    """Return the entries having at least one kanji or kana form in ``forms``, JMdict first."""
    if not forms:
        return []
    conn = _connect(path, cache_dir)
    try:
        return _lookup(conn, forms, include_names)
    finally:
        conn.close()


class Dictionary:
    """JMdict entries looked up one form at a time, on a connection kept open in each thread that asks (an SQLite
    connection stays in the thread that opened it)."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self._cache_dir = cache_dir
        self._local = threading.local()

    def entries(self, form: str) -> list[Entry]:
        """The JMdict words (not names) written `form`; JMdictUnavailable where the database cannot be read."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = _connect(None, self._cache_dir)
        return _lookup(conn, {form}, include_names=False)


def _lookup(conn: sqlite3.Connection, forms: set[str], include_names: bool) -> list[Entry]:
    conn.execute("DROP TABLE IF EXISTS temp.kotae_forms")
    conn.execute("CREATE TEMP TABLE kotae_forms (text TEXT PRIMARY KEY) WITHOUT ROWID")
    conn.executemany("INSERT OR IGNORE INTO temp.kotae_forms VALUES (?)", ((f,) for f in forms))
    result: list[Entry] = []
    sources = [("jmdict", "Kanji", "Kana")]
    if include_names:
        sources.append(("jmnedict", "NEKanji", "NEKana"))
    for source, kanji_t, kana_t in sources:
        ids_table = f"kotae_ids_{source}"
        conn.execute(f"DROP TABLE IF EXISTS temp.{ids_table}")
        # Driving the lookup from the small forms table uses the text indexes instead of scanning them.
        conn.execute(
            f"CREATE TEMP TABLE {ids_table} AS "
            f"SELECT k.idseq FROM temp.kotae_forms w CROSS JOIN {kanji_t} k ON k.text = w.text "
            f"UNION SELECT k.idseq FROM temp.kotae_forms w CROSS JOIN {kana_t} k ON k.text = w.text"
        )
        result.extend(_iter_source(conn, source, ids_table))
    return result
