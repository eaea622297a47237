# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every git process of this Python process, and the one way to end them all.

Why a process-wide registry: each git runs in a session (process group) of
its own, so that a timeout can kill git together with git-remote-http and
index-pack. The price is that a SIGTERM or Ctrl-C sent to us never reaches
them: without this registry they would outlive us, keep downloading and keep
writing into temp folders nobody will rename. A front door's signal handler
calls terminate_all(); from then on no runner starts another git process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from typing import Any, List, Set

from .errors import BulkCloneError

_lock = threading.Lock()
_live: Set["subprocess.Popen[bytes]"] = set()
_terminating = threading.Event()


class GitInterrupted(BulkCloneError):
    """git was stopped, or not started, because the run is being interrupted.

    Not a GitError: it is no verdict on the repository, and retrying it would
    defeat the interrupt. Callers let it pass up to the front door."""


def start(argv: List[str], **popen_kwargs: Any) -> "subprocess.Popen[bytes]":
    """Popen in a new session, registered; refused once terminating.

    The flag is checked again after registering, under the same lock that
    terminate_all() takes to set it and to snapshot the registry, so that a
    process started while terminate_all() runs is either in its snapshot or
    ends itself here."""
    if _terminating.is_set():
        raise GitInterrupted("not starting git: the run is being interrupted")
    proc = subprocess.Popen(argv, start_new_session=True, **popen_kwargs)
    with _lock:
        _live.add(proc)
        late = _terminating.is_set()
    if late:
        kill_group(proc, signal.SIGKILL)
        proc.wait()
        finished(proc)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        raise GitInterrupted("git stopped: the run is being interrupted")
    return proc


def finished(proc: "subprocess.Popen[bytes]") -> None:
    with _lock:
        _live.discard(proc)


def kill_group(proc: "subprocess.Popen[bytes]", sig: int = signal.SIGKILL) -> None:
    """Signal git's whole process group (its pgid is its pid: new session)."""
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def group_alive(pgid: int) -> bool:
    """True while any process of the group exists (a zombie still counts
    until its parent reaps it, which the wait below does for git itself)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_terminating() -> bool:
    return _terminating.is_set()


def wait_unless_terminating(seconds: float) -> bool:
    """Sleep for a retry's backoff; True if an interrupt cut it short."""
    return _terminating.wait(max(0.0, seconds))


def terminate_all(grace: float = 2.0) -> int:
    """Stop every running git process tree of every runner; returns how many
    git processes were running.

    SIGTERM to each group first (git removes its own half-written files on
    SIGTERM), SIGKILL to whatever is left after `grace` seconds, then wait
    until git itself is reaped. From the first line on, runners refuse to
    start new processes and raise GitInterrupted instead."""
    with _lock:
        _terminating.set()
        procs = list(_live)
    for proc in procs:
        kill_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + max(0.0, grace)
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for proc in procs:
        # Children of git (git-remote-http, index-pack) may outlive git
        # itself after a SIGTERM: the group is killed either way.
        kill_group(proc, signal.SIGKILL)
    for proc in procs:
        proc.wait()
    # Grandchildren are reaped by init (or a subreaper): give that a moment.
    settle = time.monotonic() + 2.0
    while time.monotonic() < settle and any(group_alive(p.pid) and _has_live_member(p.pid) for p in procs):
        time.sleep(0.02)
    return len(procs)


def _has_live_member(pgid: int) -> bool:
    """A group member that is not a zombie (Linux: /proc; elsewhere assume yes)."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return True
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as fh:
                stat = fh.read().decode("ascii", "replace")
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may contain spaces and parens.
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) >= 3 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


def reset() -> None:
    """Allow git processes again (tests; a long-lived host after an interrupt)."""
    _terminating.clear()


def live_count() -> int:
    with _lock:
        return len(_live)
