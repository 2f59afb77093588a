"""The Tantivy index on disk: an opened folder, the alias naming the live one,
the writers' file lock, and the engine's failures as SearchUnavailable.

Several processes share the folder (see tantivy_index), so nothing here trusts
what it saw a moment ago: a reader compares meta.json's signature before each
read, the alias is replaced whole and atomically, and the lock is a flock,
which the kernel releases even when its holder dies.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import time
from pathlib import Path
from typing import Iterator

import tantivy

from portrait.search.port import SearchUnavailable
from portrait.search.tantivy_schema import SCHEMA, register_tokenizers


def _signature(path: Path) -> bytes:
    """meta.json's bytes: every commit (and merge) writes a new opstamp into it. Not its
    stat: a commit, its merge and the next can replace the file within one timestamp
    tick, and the freed inode is handed out again, so (inode, mtime, size) could repeat
    and leave a reader on an old commit. Replaced by a rename, it is read whole, old or
    new; a few kilobytes."""
    return path.read_bytes()


class Opened:
    """One index folder opened, and which commit its reader shows."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.name = path.name
        self._meta = path / "meta.json"
        if create:
            tantivy.Index(SCHEMA, path=str(path), reuse=False)  # writes meta.json
        # Taken before opening: a commit in between is reloaded on the next refresh.
        self._seen = _signature(self._meta)
        self.index = tantivy.Index.open(str(path))
        if self.index.schema != SCHEMA:
            # Written by an older release (its fields differ): reads and writes would fail
            # field by field. A rebuild fills a fresh folder with today's fields.
            raise ValueError(f"the search index {path.name} has an older layout: rebuild it "
                             "(portrait search reindex)")
        register_tokenizers(self.index)
        self.index.config_reader("manual")  # reloads follow meta.json (see refresh)
        self.schema = self.index.schema

    def refresh(self) -> None:
        """Reload if a commit replaced meta.json since (FileNotFoundError if the
        folder was removed: the caller reopens through the alias)."""
        current = _signature(self._meta)  # before reloading: a later commit reloads again
        if current != self._seen:
            self.index.reload()
            self._seen = current


class Alias:
    """The file naming the live index folder; replaced whole, never edited."""

    def __init__(self, directory: Path, alias: str) -> None:
        self.path = directory / f"{alias}.alias"

    def read(self) -> str | None:
        try:
            return self.path.read_text().strip() or None
        except FileNotFoundError:
            return None  # nothing indexed yet

    def point_to(self, folder: str) -> None:
        draft = self.path.with_name(f"{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        draft.write_text(folder)
        os.replace(draft, self.path)


@contextlib.contextmanager
def flock(path: Path, *, timeout_seconds: float) -> Iterator[None]:
    """Hold an exclusive lock on `path` (across processes, and across threads
    opening it separately), waiting at most `timeout_seconds`."""
    with open(path, "a+b") as handle:
        deadline = time.monotonic() + timeout_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SearchUnavailable("the search index is busy (another writer holds it)")
                time.sleep(0.01)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class unavailable:
    """Turn the engine's failures (a folder that cannot be opened or written, a
    lock, a panic inside Tantivy) into SearchUnavailable: the API answers 503,
    the consumer lets the queue retry.

    A class, not a generator: a batch enters it once per document, and a
    generator-based context manager costs several times as much to enter."""

    __slots__ = ("action",)

    def __init__(self, action: str) -> None:
        self.action = action

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: object) -> bool:
        if exc is None or isinstance(exc, SearchUnavailable):
            return False
        # PanicException is pyo3's, a BaseException; any other BaseException passes.
        if isinstance(exc, (OSError, ValueError, RuntimeError)) \
                or type(exc).__name__ == "PanicException":
            raise SearchUnavailable(f"search index: cannot {self.action}: {exc}") from exc
        return False
