# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The per-destination state journal: what was synced, at which marker.

Why an append-only JSON-lines file: each finished repository costs one
write() of one line, so kill -9 at any moment loses at most the line being
written, and a torn last line is recognisable (it has no newline). A
database would be overkill and sqlite's locking does not help a second
*process*, which is what we must refuse.

Durability: every line is written with os.write straight to the kernel, so
it survives the death of this process. fsync (survival of a power cut) is
batched: at most every FSYNC_INTERVAL seconds and at close/compact, and
outside the lock. Measured on ext4/virtio: a record costs ~20-60 us batched
and ~250-450 us with an fsync per line (`make bench` reports the record
cost, bench/memory_bench.py); on network disks an fsync can take tens of
ms, which inside the lock would serialise the workers and the planner.
What a power cut can cost us, at most a second of lines, only makes the
next run re-check those repositories.

Memory: the journal is not held in memory. The index keeps, per repository,
where its latest line is (offset and length packed in one 64-bit integer, in
idset.IntMap: 16 bytes per repository with its id); get() reads that line
back with os.pread. The file is read once at open, line by line, and
compaction writes it in id order, so that the next open appends the ids
straight onto the index. Why this and not sqlite3: docs/architecture.md,
"Memory at 100,000 repositories" (measured side by side).
"""

from __future__ import annotations

import errno
import fcntl
import itertools
import json
import os
import threading
import time
from datetime import datetime, timezone
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple, Union

from .errors import StateError
from .idset import IntMap

STATE_FILENAME = ".bulk-clone-state.jsonl"
FORMAT_VERSION = 1
FSYNC_INTERVAL = 1.0
_HEADER_KEY = "bulk_clone_state"
_FIELDS = ("path", "marker", "head", "strategy", "outcome", "full_path")
_LEN_BITS = 20                      # a line's length in the low bits of its index value
_MAX_LEN = (1 << _LEN_BITS) - 1     # longer lines (never seen: paths are short) go to the small dict
_READ_CHUNK = 1 << 20
_MAX_ID = str(2 ** 63 - 1)


class Entry(NamedTuple):
    """One repository's last recorded sync (a tuple: 10^5 of them stay small).

    ``strategy`` is the strategy that synced it and ``outcome`` what that
    sync did (outcome.Outcome values); a marker recorded under one strategy
    says nothing about a clone another strategy would keep.
    """

    marker: Optional[str]
    head: Optional[str]
    path: Optional[str]
    outcome: Optional[str]
    full_path: Optional[str]
    ts: Optional[str]
    strategy: Optional[str] = None


class _Index:
    """key -> where its latest line is (offset, length), in ~16 bytes a key.

    Keys are "provider:host:id" (repo.Repo.key): the ids go to one IntMap
    per "provider:host", the value being offset << _LEN_BITS | length. Any
    other key (or an absurdly long line) goes to a plain dict, which stays
    empty in practice."""

    def __init__(self) -> None:
        self._maps: Dict[str, IntMap] = {}
        self._other: Dict[str, Tuple[int, int]] = {}
        self._last: Tuple[str, Optional[IntMap]] = ("", None)    # the prefix of nearly every key

    @staticmethod
    def _split(key: str) -> Optional[Tuple[str, int]]:
        prefix, sep, tail = key.rpartition(":")
        # Only the canonical spelling of an id, so that the key rebuilt from it is the same string.
        # Up to 2**63 - 1 (Bitbucket Cloud's ids, derived from uuids, use all 63 bits).
        if sep and tail.isascii() and tail.isdigit() and (tail[0] != "0" or tail == "0") and (
                len(tail) < 19 or (len(tail) == 19 and tail <= _MAX_ID)):
            return prefix, int(tail)
        return None

    def get(self, key: str) -> Optional[Tuple[int, int]]:
        split = self._split(key)
        if split is not None:
            ids = self._maps.get(split[0])
            value = ids.get(split[1]) if ids is not None else None
            if value is not None:
                return value >> _LEN_BITS, value & _MAX_LEN
        return self._other.get(key)

    def set(self, key: str, offset: int, length: int) -> None:
        split = self._split(key)
        if split is None or length > _MAX_LEN:
            self.delete(key)
            self._other[key] = (offset, length)
            return
        if self._other:
            self._other.pop(key, None)
        prefix, ids = self._last
        if prefix != split[0] or ids is None:
            ids = self._maps.get(split[0])
            if ids is None:
                ids = self._maps[split[0]] = IntMap()
            self._last = (split[0], ids)
        ids.append_or_set(split[1], offset << _LEN_BITS | length)

    def delete(self, key: str) -> None:
        self._other.pop(key, None)
        split = self._split(key)
        if split is not None and split[0] in self._maps:
            self._maps[split[0]].discard(split[1])

    def __len__(self) -> int:
        return sum(len(m) for m in self._maps.values()) + len(self._other)

    def keys(self) -> Iterator[str]:
        """Every key, in the order compaction writes them (ids ascending per
        prefix), over copies taken now: the index may change meanwhile."""
        parts = [(prefix, self._maps[prefix].items()) for prefix in sorted(self._maps)]
        other = list(self._other)
        numbered = ("%s:%d" % (prefix, ident) for prefix, pairs in parts for ident, _value in pairs)
        return itertools.chain(numbered, other)


def default_path(dest: Union[str, os.PathLike]) -> str:
    return os.path.join(os.fspath(dest), STATE_FILENAME)


def lock_path_for(path: str) -> str:
    return path + ".lock"


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _move_away_hint(path: str) -> str:
    return ("move it away (mv %s %s.bad) to start over: the next run re-checks every repository "
            "and keeps existing clones" % (path, path))


class Journal:
    """Open with Journal.open(); use as a context manager."""

    def __init__(self, path: str, readonly: bool) -> None:
        self.path = path
        self.readonly = readonly
        self._index = _Index()
        self._lock = threading.Lock()
        self._fd: Optional[int] = None      # appends
        self._rfd: Optional[int] = None     # reads (os.pread of one line)
        self._lock_fd: Optional[int] = None
        self._valid_size = 0          # bytes up to the end of the last complete line
        self._needs_truncate = False  # a torn last line is cut away on the next write
        self._last_fsync = 0.0
        self._dirty = False

    # -- opening ---------------------------------------------------------
    @classmethod
    def open(cls, path: Union[str, os.PathLike], *, readonly: bool = False) -> "Journal":
        journal = cls(os.fspath(path), readonly)
        try:
            if not readonly:
                journal._acquire_lock()
            journal._load()
            if not readonly:
                journal._open_for_append()
        except BaseException:
            journal.close()
            raise
        return journal

    def _acquire_lock(self) -> None:
        parent = os.path.dirname(self.path) or "."
        lock_path = lock_path_for(self.path)
        try:
            os.makedirs(parent, exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StateError("cannot create the lock file %s: %s; check the permissions of %s"
                             % (lock_path, exc.strerror, parent)) from None
        try:
            # flock, not a pid file: the kernel drops it when the holder dies,
            # even by kill -9, so a crashed run never blocks the next one.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                os.close(fd)
                raise StateError("cannot lock %s: %s" % (lock_path, exc.strerror)) from None
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise StateError("another bulk-clone run (pid %s) is using the state file %s (it holds %s); wait "
                             "for it to finish, or give this run another state_file. The lock is released the "
                             "moment that process ends, however it ends." % (holder, self.path, lock_path)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, ("%d\n" % os.getpid()).encode("ascii"), 0)
        self._lock_fd = fd

    def _load(self) -> None:
        """Read the file once, line by line, into the index (nothing else is
        kept): memory stays flat whatever its size; a torn last line is
        remembered and cut away before the next write."""
        try:
            self._rfd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StateError("cannot read the state journal %s: %s; fix its permissions or %s"
                             % (self.path, exc.strerror, _move_away_hint(self.path))) from None
        # The C scanner on str, without json.loads' per-call encoding
        # detection: about three times faster, still exact per line.
        scan = json.JSONDecoder().raw_decode
        offset, lineno, rest = 0, 0, b""
        while True:
            try:
                chunk = os.read(self._rfd, _READ_CHUNK)
            except OSError as exc:
                raise StateError("cannot read the state journal %s: %s; fix its permissions or %s"
                                 % (self.path, exc.strerror, _move_away_hint(self.path))) from None
            if not chunk:
                break
            data = rest + chunk
            end = data.rfind(b"\n") + 1
            rest = data[end:]
            block = data[:end]
            if not block.isascii():
                for raw in block.split(b"\n")[:-1]:
                    lineno += 1
                    self._load_line(raw, offset, lineno, scan)
                    offset += len(raw) + 1
                continue
            # The common case, inlined (10^5 lines): ASCII, so a line's length in
            # characters is its length in bytes; anything unusual takes _load_line.
            index_set = self._index.set
            for line in block.decode("ascii").split("\n")[:-1]:
                lineno += 1
                length = len(line) + 1
                try:
                    obj, stop = scan(line)
                except ValueError:
                    obj, stop = None, -1
                if stop == length - 1 and obj.__class__ is dict:
                    key = obj.get("key")
                    if key.__class__ is str and not obj.get("deleted"):
                        index_set(key, offset, length)
                        offset += length
                        continue
                self._load_line(line.encode("ascii"), offset, lineno, scan)
                offset += length
        self._valid_size = offset
        self._needs_truncate = bool(rest)

    def _load_line(self, raw: bytes, offset: int, lineno: int, scan: Callable[[str], Tuple[object, int]]) -> None:
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self._corrupt(lineno, "not UTF-8 text") from None
        if not line.strip():
            return
        try:
            obj, stop = scan(line)
            if stop != len(line):
                raise ValueError("extra data after the object")
        except ValueError:
            try:
                json.loads(line)
                why = "extra data after the object"
            except ValueError as exc:
                why = str(exc)
            raise self._corrupt(lineno, "not valid JSON: %s" % why) from None
        if not isinstance(obj, dict):
            raise self._corrupt(lineno, "not a JSON object")
        key = obj.get("key")
        if not isinstance(key, str):
            if key is None and _HEADER_KEY in obj:
                self._check_header(obj, lineno)
                return
            raise self._corrupt(lineno, "no string \"key\" field")
        if obj.get("deleted"):
            self._index.delete(key)
        else:
            self._index.set(key, offset, len(raw) + 1)

    def _corrupt(self, lineno: int, why: str) -> StateError:
        return StateError("the state journal %s is corrupt at line %d (%s); %s"
                          % (self.path, lineno, why, _move_away_hint(self.path)))

    def _check_header(self, obj: dict, lineno: int) -> None:
        version = obj.get(_HEADER_KEY)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise StateError("the state journal %s (line %d) was written by a newer bulk_clone (format %r, "
                             "this one reads %d); upgrade, or %s"
                             % (self.path, lineno, version, FORMAT_VERSION, _move_away_hint(self.path)))

    def _open_for_append(self) -> None:
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            raise StateError("cannot write the state journal %s: %s; fix its permissions or %s"
                             % (self.path, exc.strerror, _move_away_hint(self.path))) from None
        if self._rfd is None:
            self._rfd = os.open(self.path, os.O_RDONLY)
        if os.fstat(self._fd).st_size == 0:
            self._write(self._header_line())

    @staticmethod
    def _header_line() -> bytes:
        return (json.dumps({_HEADER_KEY: FORMAT_VERSION, "ts": _utc_now()}) + "\n").encode()

    # -- reading ---------------------------------------------------------
    def get(self, key: str) -> Optional[Entry]:
        with self._lock:
            where = self._index.get(key)
            if where is None or self._rfd is None:
                return None
            raw = os.pread(self._rfd, where[1], where[0])
        return _entry_of(_scan(raw.decode("utf-8"))[0])

    def keys(self) -> Iterator[str]:
        """Every key, over a copy of the index taken now (16 bytes a key, not
        a list of strings): the journal may be written meanwhile."""
        with self._lock:
            return self._index.keys()

    def items(self) -> Iterator[Tuple[str, Entry]]:
        for key in self.keys():
            entry = self.get(key)
            if entry is not None:
                yield key, entry

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._index.get(key) is not None

    # -- writing ---------------------------------------------------------
    def record(self, key: str, **fields: Optional[str]) -> Entry:
        """Append one finished repository; safe to call from worker threads."""
        unknown = set(fields) - set(_FIELDS)
        if unknown:
            raise TypeError("unknown journal field(s): %s" % ", ".join(sorted(unknown)))
        ts = _utc_now()
        line = {"key": key}
        line.update({f: fields.get(f) for f in _FIELDS})
        line["ts"] = ts
        entry = Entry(fields.get("marker"), fields.get("head"), fields.get("path"),
                      _intern(fields.get("outcome")), fields.get("full_path"), ts, _intern(fields.get("strategy")))
        data = (json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            offset = self._write(data)
            self._index.set(key, offset, len(data))
            due = self._fsync_due()
        _fsync_outside_lock(due)
        return entry

    def forget(self, key: str) -> None:
        """Drop a repository (pruned, or moved out of the selection)."""
        data = (json.dumps({"key": key, "deleted": True, "ts": _utc_now()}, separators=(",", ":")) + "\n").encode()
        with self._lock:
            self._write(data)
            self._index.delete(key)
            due = self._fsync_due()
        _fsync_outside_lock(due)

    def _write(self, data: bytes) -> int:
        """Append data; returns the offset it starts at."""
        if self._fd is None:
            raise StateError("the state journal %s is open read-only (or closed); it cannot be written" % self.path)
        if self._needs_truncate:
            os.ftruncate(self._fd, self._valid_size)
            self._needs_truncate = False
        try:
            _write_all(self._fd, data)
        except OSError:
            # A write cut short (ENOSPC) leaves part of a line behind; a later
            # good line after it would make the file corrupt in the middle.
            # Cut back to the last complete line now, or before the next write.
            try:
                os.ftruncate(self._fd, self._valid_size)
            except OSError:
                self._needs_truncate = True
            raise
        offset = self._valid_size
        self._valid_size += len(data)
        self._dirty = True
        return offset

    def _fsync_due(self) -> Optional[int]:
        """The fd to fsync now (FSYNC_INTERVAL has passed), or None; under the lock.

        The fsync itself runs after the lock is released: on a busy disk it
        can take tens of ms, and every worker's record() and the planner's
        get() wait for this lock."""
        now = time.monotonic()
        if not self._dirty or now - self._last_fsync < FSYNC_INTERVAL:
            return None
        self._last_fsync = now
        self._dirty = False
        return self._fd

    def sync(self) -> None:
        with self._lock:
            if self._fd is not None and self._dirty:
                os.fsync(self._fd)
                self._dirty = False
                self._last_fsync = time.monotonic()

    def compact(self) -> None:
        """Rewrite the file with one line per live repository, atomically:
        a crash leaves either the old file or the new one, never half."""
        if self._fd is None:
            raise StateError("the state journal %s is open read-only (or closed); it cannot be compacted" % self.path)
        with self._lock:
            tmp = "%s.tmp-%d" % (self.path, os.getpid())
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            index = _Index()
            try:
                header = self._header_line()
                chunks: List[bytes] = [header]
                offset = len(header)
                # In id order (the index's order), so that the next open appends
                # the ids straight onto its arrays.
                for key in self._index.keys():
                    where = self._index.get(key)
                    e = _entry_of(_scan(os.pread(self._rfd, where[1], where[0]).decode("utf-8"))[0])
                    data = (json.dumps({"key": key, "path": e.path, "marker": e.marker, "head": e.head,
                                        "strategy": e.strategy, "outcome": e.outcome, "ts": e.ts,
                                        "full_path": e.full_path},
                                       separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
                    index.set(key, offset, len(data))
                    offset += len(data)
                    chunks.append(data)
                    if len(chunks) >= 1024:
                        _write_all(fd, b"".join(chunks))
                        chunks = []
                _write_all(fd, b"".join(chunks))
                os.fsync(fd)
            except BaseException:
                os.close(fd)
                os.unlink(tmp)
                raise
            os.close(fd)
            os.replace(tmp, self.path)
            _fsync_dir(os.path.dirname(self.path) or ".")
            os.close(self._fd)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
            if self._rfd is not None:
                os.close(self._rfd)
            self._rfd = os.open(self.path, os.O_RDONLY)
            self._index = index
            self._valid_size = os.fstat(self._fd).st_size
            self._needs_truncate = False
            self._dirty = False

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                if self._dirty:
                    os.fsync(self._fd)
                os.close(self._fd)
                self._fd = None
            if self._rfd is not None:
                os.close(self._rfd)
                self._rfd = None
            if self._lock_fd is not None:
                os.close(self._lock_fd)   # releases the flock
                self._lock_fd = None

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_interned: Dict[str, str] = {}


_scan = json.JSONDecoder().raw_decode


def _entry_of(obj: Dict[str, Optional[str]]) -> Entry:
    """The Entry of one journal line."""
    get = obj.get
    outcome, strategy = get("outcome"), get("strategy")
    if strategy is None and isinstance(outcome, str) and ":" in outcome:
        # Written before strategy had a field of its own: "pull:updated".
        strategy, _sep, outcome = outcome.partition(":")
    return Entry(get("marker"), get("head"), get("path"), _interned.get(outcome, outcome), get("full_path"),
                 get("ts"), _interned.get(strategy, strategy))


def _intern(value: Optional[str]) -> Optional[str]:
    # Outcomes repeat for every entry; share one string object per value.
    if value is None:
        return None
    return _interned.setdefault(value, value)


def _fsync_outside_lock(fd: Optional[int]) -> None:
    if fd is None:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno != errno.EBADF:      # closed meanwhile (the run ended): close() synced it
            raise


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
