"""A build's files as they were written: recorded in the manifest, compared on load, and kept read-only.

Every load compares each file's size and the counts of what it holds with the manifest (a stat per file, so it
costs nothing); verification (`kotae index --verify`, `--if-stale`, and every reload of a server) also compares
SHA-256 hashes. Whatever goes wrong while reading a file (missing, unreadable, not UTF-8, cut short, not the
expected JSON or array) becomes one DamagedIndexError naming that file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path

from kotae.errors import DamagedIndexError, KotaeError
from kotae.manifest import FileRecord

# What reading a damaged file can raise: the OS, decoding (UnicodeDecodeError and JSONDecodeError are ValueErrors),
# numpy's short reads (EOFError), JSON of the wrong shape (KeyError, TypeError, IndexError, AttributeError), and
# FAISS, which reports a bad file as RuntimeError.
READ_ERRORS = (OSError, ValueError, EOFError, KeyError, TypeError, IndexError, AttributeError, RuntimeError,
               RecursionError)
_BLOCK = 1 << 20


def damaged(path: Path, problem: str, fix: str) -> DamagedIndexError:
    """The one-line error for a file of a build: `The index file P <problem>; <fix>.`"""
    return DamagedIndexError(f"The index file {path} {problem}; {fix}.")


def reason(exc: BaseException) -> str:
    """An exception as a short clause: its class and the first line of its message, without the path again."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.__class__.__name__}: {exc.strerror}"
    text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


@contextlib.contextmanager
def reading(path: Path, fix: str) -> Iterator[None]:
    """Turn any failure to read `path` (a file, or a folder of them) into a DamagedIndexError naming it, or the file
    in it that the operating system named."""
    try:
        yield
    except KotaeError:
        raise
    except FileNotFoundError as exc:
        raise damaged(_named(exc, path), "is missing", fix) from exc
    except READ_ERRORS as exc:
        raise damaged(_named(exc, path), f"cannot be read ({reason(exc)})", fix) from exc


def _named(exc: BaseException, path: Path) -> Path:
    filename = getattr(exc, "filename", None) if isinstance(exc, OSError) else None
    return Path(filename) if isinstance(filename, str) and filename else path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def file_records(folder: Path, *, leave_out: frozenset[str] = frozenset()) -> dict[str, FileRecord]:
    """Size and SHA-256 of every file under `folder`, by path relative to it (`lexical/doclen.npy`)."""
    records = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name not in leave_out:
            records[name] = FileRecord(size=path.stat().st_size, sha256=sha256_of(path))
    return records


def check_files(folder: Path, records: Mapping[str, FileRecord], *, hashes: bool, fix: str) -> None:
    """Each recorded file is there with its recorded size and, with `hashes`, its recorded SHA-256."""
    for name, record in records.items():
        path = folder / name
        with reading(path, fix):
            size = path.stat().st_size
        if size != record.size:
            raise damaged(path, f"has {size:,} bytes where its manifest records {record.size:,}", fix)
    if hashes:
        for name, record in records.items():
            path = folder / name
            with reading(path, fix):
                digest = sha256_of(path)
            if digest != record.sha256:
                raise damaged(path, "does not match the SHA-256 hash its manifest records", fix)


def expect_count(path: Path, what: str, found: int, recorded: int, fix: str) -> None:
    """A file holds as many things as the manifest says (the counts tie chunk i of every file together)."""
    if found != recorded:
        shown = f"{recorded:,}" if isinstance(recorded, int) else repr(recorded)  # a manifest edited by hand
        raise damaged(path, f"holds {found:,} {what} where its manifest records {shown}", fix)


def seal(folder: Path) -> None:
    """Make a finished build read-only (its files and folders lose their write bits), so that nothing edits a
    published build in place; a change is always a new build."""
    for root, _dirs, files in os.walk(folder, topdown=False):
        for name in [*files, "."]:
            path = os.path.join(root, name)
            os.chmod(path, stat.S_IMODE(os.lstat(path).st_mode) & ~0o222)


def remove_build(folder: Path) -> None:
    """Remove a build, sealed or not (a sealed folder's entries can only be removed once it is writable again)."""
    for root, _dirs, _files in os.walk(folder):
        with contextlib.suppress(OSError):
            os.chmod(root, stat.S_IMODE(os.lstat(root).st_mode) | stat.S_IWUSR)
    shutil.rmtree(folder, ignore_errors=True)
