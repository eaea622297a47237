# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bring one repository on disk up to date with one strategy.

What is at the path (worktree.inspect) decides between a new clone and an
update; the strategy object (strategies.py) supplies the git steps. A new
clone is built in a temporary folder and renamed into place only when
complete, so a half-written clone never sits where it could pass for a good
one. Every outcome is a SyncResult, never an exception.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import threading
from pathlib import Path
from typing import Optional, Set, Tuple, Union
from urllib.parse import urlsplit

from .gitrunner import GitError, GitRunner
from .layout import TEMP_MARKER
from .lfs import fetch_lfs
from .outcome import Outcome, SyncResult
from .strategies import Hold, Strategy, SyncOptions
from .worktree import Clone, Kind, inspect


def sync_repo(runner: GitRunner, path: Union[str, os.PathLike], url: str, default_branch: str,
              opts: SyncOptions, temp_dir: Optional[Path] = None,
              sweeper: Optional["LeftoverSweeper"] = None) -> SyncResult:
    """Sync the repository at path (already vetted by layout.resolve) from url.

    default_branch is the forge's; if empty, origin/HEAD is used. New clones
    are built under temp_dir (default: next to path). sweeper: the run's
    LeftoverSweeper (each parent folder looked at once per run, not once per
    repository).
    """
    target = Path(path)
    strategy = opts.plan
    try:
        kind = inspect(target)
        if kind in (Kind.MISSING, Kind.EMPTY_DIR):
            return _with_lfs(runner, target, opts, _clone_new(runner, target, url, opts, kind == Kind.EMPTY_DIR,
                                                              temp_dir, sweeper))
        if kind == Kind.NOT_GIT:
            return SyncResult(Outcome.SKIPPED, None, "%s exists and is not a git repository; it was left alone "
                                                     "(move it away, or change path_template)" % target)
        clone = Clone(runner, target)
        if strategy.bare and kind != Kind.BARE:
            return SyncResult(Outcome.SKIPPED, clone.head(), "%s is a working copy, but strategy %s keeps bare "
                                                             "mirrors; use another dest for mirrors"
                              % (target, strategy.name))
        if not strategy.bare and kind == Kind.BARE:
            return SyncResult(Outcome.SKIPPED, clone.head(), "%s is a bare repository, but strategy %s needs a "
                                                             "working copy; use another dest"
                              % (target, strategy.name))
        if not strategy.bare and not clone.is_toplevel():
            return SyncResult(Outcome.SKIPPED, None, "git does not see %s as the top of a working copy; it was "
                                                     "left alone" % target)
        if not strategy.touches_existing:
            return SyncResult(Outcome.UNCHANGED, clone.head(),
                              "already cloned (strategy %s leaves existing clones alone)" % strategy.name)
        return _with_lfs(runner, target, opts, _update(clone, url, opts, strategy, default_branch))
    except GitError as exc:
        return SyncResult(Outcome.FAILED, None, str(exc))
    except OSError as exc:
        return SyncResult(Outcome.FAILED, None, "%s: %s" % (exc.strerror or exc, exc.filename or target))


def _with_lfs(runner: GitRunner, target: Path, opts: SyncOptions, result: SyncResult) -> SyncResult:
    """With lfs: the LFS objects of a clone now in place (lfs.py); a failure
    raises GitError, so the repository fails and the next run tries again."""
    if not opts.lfs or result.head is None or not result.outcome.synced:
        return result
    fetch_lfs(runner, target, opts.plan.bare)
    return result


# -- new clones ---------------------------------------------------------------
def _temp_prefix(target: Path) -> str:
    # Bounded so that the temp name fits in 255 bytes whatever the repo name.
    short = target.name.encode("utf-8", "surrogateescape")[:150].decode("utf-8", "ignore")
    return ".%s%s" % (short, TEMP_MARKER)


def remove_leftover_temps(target: Path) -> int:
    """Remove temp folders that a killed run of an older version left next to
    this target. Only this target's own prefix is matched: other workers may
    be cloning their own repositories into the same parent right now."""
    parent = target.parent
    prefix = _temp_prefix(target)
    removed = 0
    try:
        entries = [e for e in os.scandir(parent) if e.name.startswith(prefix)]
    except FileNotFoundError:
        return 0
    for entry in entries:
        shutil.rmtree(entry.path, ignore_errors=True)
        removed += 1
    return removed


class LeftoverSweeper:
    """Temp folders an older version left next to the targets, removed once
    per parent folder and run.

    Why: looking in the parent for every new clone scans a folder that holds
    up to all of an owner's repositories, once per repository: O(n^2) directory
    entries (10^8 at 10,000 repos) with the GIL held. A run that builds its
    clones in its own temp_dir (job.py) never puts temps next to the targets,
    so one look per parent finds every leftover there is."""

    def __init__(self) -> None:
        self._done: Set[str] = set()
        self._lock = threading.Lock()

    def sweep(self, target: Path) -> None:
        parent = str(target.parent)
        # Held during the sweep: a worker that reaches the same parent meanwhile
        # waits, so that the sibling temp of its cross-device move
        # (_move_into_place) can never be taken for a leftover.
        with self._lock:
            if parent in self._done:
                return
            self._done.add(parent)
            try:
                entries = [e.path for e in os.scandir(parent) if e.name.startswith(".") and TEMP_MARKER in e.name]
            except FileNotFoundError:
                return
            for path in entries:
                shutil.rmtree(path, ignore_errors=True)


def _clone_new(runner: GitRunner, target: Path, url: str, opts: SyncOptions, replace_empty_dir: bool,
               temp_dir: Optional[Path], sweeper: Optional[LeftoverSweeper] = None) -> SyncResult:
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    if sweeper is not None and temp_dir is not None:
        sweeper.sweep(target)
    else:
        remove_leftover_temps(target)
    args = opts.plan.clone_args(opts)
    where = Path(temp_dir) if temp_dir is not None else parent
    where.mkdir(parents=True, exist_ok=True)

    def attempt() -> Path:
        # A fresh temp folder per try: a half-written clone is never reused,
        # and never sits at the real path where it could pass for a good one.
        tmp = where / ("%s%s" % (_temp_prefix(target), secrets.token_hex(6)))
        try:
            runner.run(args + ["--", url, str(tmp)], cwd=where)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return tmp

    tmp = runner.retrying(attempt)
    try:
        head = fresh_clone_head(runner, tmp, opts.plan.bare)
        if replace_empty_dir:
            os.rmdir(target)   # fails, safely, if something appeared in it meanwhile
        _move_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    notes = []
    if head is None:
        notes.append("the repository is empty")
    if opts.depth:
        notes.append("depth %d" % opts.depth)
    if opts.filter:
        notes.append("filter %s" % opts.filter)
    if opts.branch and not opts.plan.bare:
        notes.append("branch %s" % opts.branch)
    return SyncResult(Outcome.CLONED, head, "cloned" + (" (%s)" % ", ".join(notes) if notes else ""), True)


_OBJECT_ID = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def fresh_clone_head(runner: GitRunner, tmp: Path, bare: bool) -> Optional[str]:
    """The commit HEAD names in a clone git has just written, read from its
    files: a `git rev-parse` per repository fewer (issue 13 point 4).

    A fresh clone of the files ref backend has HEAD either detached (an
    object id) or naming a branch whose ref git wrote as a loose file or into
    packed-refs; no ref at all is an unborn branch (an empty repository),
    as rev-parse would say. Anything else (the reftable backend, an
    unexpected HEAD) is asked of git, as before."""
    git_dir = tmp if bare else tmp / ".git"
    try:
        head = (git_dir / "HEAD").read_text("utf-8").strip()
        if _OBJECT_ID.match(head):
            return head
        ref = head[len("ref: "):].strip() if head.startswith("ref: ") else ""
        if ref.startswith("refs/heads/") and ".." not in ref and not (git_dir / "reftable").exists():
            try:
                loose = (git_dir / ref).read_text("utf-8").strip()
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                loose = None
            if loose is not None:
                if _OBJECT_ID.match(loose):
                    return loose
            else:
                try:
                    packed = (git_dir / "packed-refs").read_text("utf-8")
                except FileNotFoundError:
                    packed = ""
                for line in packed.splitlines():
                    value, _sep, name = line.partition(" ")
                    if name == ref and _OBJECT_ID.match(value):
                        return value
                return None
    except (OSError, UnicodeDecodeError):
        pass
    return Clone(runner, tmp).head()


def _move_into_place(tmp: Path, target: Path) -> None:
    """Rename the finished clone onto its path; os.rename is atomic within a
    file system. A target folder on another file system than the temp folder
    (a mount under dest) gets a copy next to it first, then the rename."""
    try:
        os.rename(tmp, target)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    sibling = target.parent / ("%s%s" % (_temp_prefix(target), secrets.token_hex(6)))
    try:
        shutil.copytree(tmp, sibling, symlinks=True)
        os.rename(sibling, target)
    except BaseException:
        shutil.rmtree(sibling, ignore_errors=True)
        raise
    shutil.rmtree(tmp, ignore_errors=True)


# -- existing clones ----------------------------------------------------------
def _update(clone: Clone, url: str, opts: SyncOptions, strategy: Strategy, default_branch: str) -> SyncResult:
    origin = clone.origin_url()
    if origin is None:
        return SyncResult(Outcome.SKIPPED, clone.head(), "%s has no remote 'origin'; it was left alone" % clone.path)
    if not same_repo_url(origin, url):
        redact = clone.runner.redact
        return SyncResult(Outcome.SKIPPED, clone.head(),
                          "origin points to %s, not %s; it was left alone (if it moved, run "
                          "`git -C %s remote set-url origin %s`)"
                          % (redact(origin), redact(url), clone.path, redact(url)))
    before = clone.snapshot()
    clone.git(*strategy.fetch_args(), retry=True)
    try:
        outcome, reason = strategy.step(clone, opts, default_branch)
    except Hold as hold:
        outcome, reason = Outcome.SKIPPED, str(hold)
    after = clone.snapshot()
    changed = after != before
    if outcome == Outcome.UNCHANGED and changed:
        outcome = Outcome.UPDATED
    if outcome == Outcome.SKIPPED and changed:
        reason += "; fetched new refs"
    return SyncResult(outcome, after[0], reason, changed, before=before[0])


# -- URLs ---------------------------------------------------------------------
_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?([^:/]+):(?!//)(.*)$")


def _url_identity(url: str) -> Tuple[str, str]:
    """(host, path) with scheme, credentials, port, `.git` and slashes
    dropped, so https://h/o/r.git, ssh://git@h:22/o/r and git@h:o/r agree."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme and parts.scheme != "file" and "://" in url:
        host, path = (parts.hostname or "").lower(), parts.path
    elif parts.scheme == "file":
        host, path = "", parts.path
    else:
        match = _SCP_LIKE.match(url)
        if match and not os.path.isabs(url):
            host, path = match.group(1).lower(), "/" + match.group(2)
        else:
            host, path = "", os.path.abspath(url)
    path = path.rstrip("/")
    if path.endswith(".git"):
        path = path[:-4]
    return host, path.rstrip("/")


def same_repo_url(origin: str, url: str) -> bool:
    """Whether a clone's origin is the repository at url (https and ssh forms agree)."""
    return _url_identity(origin) == _url_identity(url)
