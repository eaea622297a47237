# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One run per dest at a time.

Why the lock belongs to dest and not to the state file: two runs into one
dest with different state files would each clear the other's temporary
clones and race for the same folders. The lock file lives in dest.

Why flock and not a PID file: the kernel drops a flock when its holder dies,
even by kill -9, so a dead run never blocks the next one and nobody is ever
told to delete a lock file by hand. The holder's PID, host and start time are
written into the file only to name the other run in the message.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import time
from datetime import datetime, timezone
from typing import Callable, Dict, Optional

from .errors import StateError

LOCK_FILENAME = ".bulk-clone.lock"
POLL_SECONDS = 0.2


def lock_path(dest: str) -> str:
    return os.path.join(dest, LOCK_FILENAME)


def _describe(holder: Dict[str, object]) -> str:
    if not holder:
        return "another bulk-clone run"
    return "another bulk-clone run (pid %s on %s, started %s)" % (
        holder.get("pid", "?"), holder.get("host", "?"), holder.get("started_at", "?"))


class DestLock:
    """Held for the whole run; released by close() or by the process's death."""

    def __init__(self, dest: str, timeout: float = 0.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.path = lock_path(dest)
        self.timeout = max(0.0, float(timeout))
        self._clock = clock
        self._sleep = sleep
        self._fd: Optional[int] = None

    def acquire(self) -> "DestLock":
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StateError("cannot create the lock file %s: %s; check the permissions of %s"
                             % (self.path, exc.strerror, os.path.dirname(self.path))) from None
        deadline = self._clock() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise StateError("cannot lock %s: %s" % (self.path, exc.strerror)) from None
            if self._clock() >= deadline:
                holder = _read_holder(fd)
                os.close(fd)
                waited = " after waiting %ds (lock_timeout)" % round(self.timeout) if self.timeout else ""
                raise StateError(
                    "%s is syncing into %s%s. Wait for it to finish, stop it, set lock_timeout to wait for it, "
                    "or choose another dest. (The lock is released the moment that process ends, however it "
                    "ends.)" % (_describe(holder), os.path.dirname(self.path), waited))
            self._sleep(POLL_SECONDS)
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode("utf-8"), 0)
        self._fd = fd
        return self

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)   # releases the flock; the file stays (its content is stale, never trusted)
            self._fd = None

    def __enter__(self) -> "DestLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_holder(fd: int) -> Dict[str, object]:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8", "replace") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
