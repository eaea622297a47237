# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Remove clones of repositories the forge confirmed gone, recoverably.

Three guards, because a prune acts on what a listing did *not* say, and a
typo in a filter says nothing about the forge:

1. Only confirmed gone: a clone is a candidate only when its repository is
   absent from a complete, unfiltered listing of an owner listed in this run
   (job.py decides; filters, shards and owners not in this run never make a
   candidate).
2. Recoverable: a pruned clone is renamed into ``dest/.bulk-clone-trash/<time>/``
   (same file system: instant, nothing copied) and reported with that path;
   deleting for good is the explicit ``prune_delete``. A mirror of a
   repository deleted upstream may be its last copy: it goes to the trash
   like any other clone.
3. A safety valve like rsync's --max-delete: above ``max_prune`` candidates
   nothing is pruned and the run fails naming the number and the option.

A working copy holding work of its own (worktree.LocalChanges) is kept
whatever the options say.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Tuple

from .errors import BulkCloneError
from .gitrunner import GitError, GitRunner
from .layout import resolve
from .worktree import Kind, LocalChanges, local_work

TRASH_DIRNAME = ".bulk-clone-trash"


def trash_root(dest: str) -> str:
    return os.path.join(dest, TRASH_DIRNAME)


@dataclass(frozen=True)
class PruneSettings:
    """prune, prune_delete and max_prune (defaults in options.py)."""

    enabled: bool
    delete: bool                       # delete for good instead of moving into the trash
    max_prune: int


@dataclass(frozen=True)
class PruneResult:
    action: str            # removed | trashed | kept | already gone
    reason: str
    trash_path: Optional[str] = None

    @property
    def removed(self) -> bool:
        return self.action in ("removed", "trashed", "already gone")


class Pruner:
    """Prunes clones under one dest, all into one dated trash folder."""

    def __init__(self, dest: str, bare: bool, runner: GitRunner, settings: PruneSettings) -> None:
        self.dest = dest
        self.bare = bare
        self.runner = runner
        self.settings = settings
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.trash = os.path.join(trash_root(dest), stamp)

    def too_many(self, candidates: int) -> Optional[str]:
        """The failure message when candidates exceed max_prune, else None."""
        limit = self.settings.max_prune
        if limit < 0 or candidates <= limit:
            return None
        return ("%d clones would be pruned, more than max_prune (%d); nothing was pruned. If the forge really "
                "deleted them, raise max_prune to at least %d (or -1 for no limit) and run again; if not, check "
                "owners, include/exclude and shard" % (candidates, limit, candidates))

    def prune(self, relpath: str) -> PruneResult:
        try:
            target = resolve(self.dest, relpath)
        except BulkCloneError as exc:
            return PruneResult("kept", str(exc))
        kind, changes = safe_local_work(self.runner, Path(target)) if not self.bare else (_kind_bare(target), None)
        if kind == Kind.MISSING:
            return PruneResult("already gone", "already gone from disk")
        if self.bare and kind != Kind.BARE:
            return PruneResult("kept", "%s is not a bare mirror; left alone" % target)
        if not self.bare and kind != Kind.WORKTREE:
            return PruneResult("kept", "%s is not a git working copy; left alone" % target)
        if changes is None and not self.bare:
            return PruneResult("kept", "could not inspect %s; left alone" % target)
        if changes:
            return PruneResult("kept", "kept: local work would be lost (%s)" % changes.describe())
        if self.settings.delete:
            shutil.rmtree(target)
            return PruneResult("removed", "deleted for good (prune_delete): gone upstream, nothing unpushed")
        where = os.path.join(self.trash, *relpath.split("/"))
        os.makedirs(os.path.dirname(where), exist_ok=True)
        os.rename(target, where)
        return PruneResult("trashed", "gone upstream; moved to %s (delete it when you no longer need it)" % where,
                           where)


def _kind_bare(target: Path) -> Kind:
    if not os.path.lexists(target):
        return Kind.MISSING
    if (Path(target) / "HEAD").is_file():
        return Kind.BARE
    return Kind.NOT_GIT


def safe_local_work(runner: GitRunner, target: Path) -> Tuple[Kind, Optional[LocalChanges]]:
    """local_work that reports a git failure as 'could not inspect' (None)."""
    try:
        return local_work(runner, target)
    except GitError:
        return Kind.WORKTREE, None
