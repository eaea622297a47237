# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Remove a clone the forge no longer lists, but only when nothing is lost.

A working copy is removed only when it has no uncommitted or untracked
files, no commits missing from its remote-tracking branches, no local-only
branches and no stashes: such work may exist nowhere else, least of all
upstream, where the repository is gone. A bare mirror holds nothing of the
user's own and is removed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Tuple

from .errors import BulkCloneError
from .gitrunner import GitError, GitRunner
from .layout import resolve
from .sync import _Repo


def prune_path(dest: str, relpath: str, bare: bool, runner: GitRunner) -> Tuple[bool, str]:
    """(removed, why) for the clone at dest/relpath."""
    try:
        target = resolve(dest, relpath)
    except BulkCloneError as exc:
        return False, str(exc)
    if not os.path.lexists(target):
        return True, "already gone from disk"
    if bare:
        if not (target / "HEAD").is_file():
            return False, "%s is not a bare mirror; left alone" % target
    else:
        if not (target / ".git").exists():
            return False, "%s is not a git working copy; left alone" % target
        try:
            changes = _Repo(runner, Path(target)).local_changes()
        except GitError as exc:
            return False, "could not inspect %s (%s); left alone" % (target, exc)
        if changes.blocks_reset():
            return False, "kept: local work would be lost (%s)" % changes.describe()
    shutil.rmtree(target)
    return True, "removed: gone upstream or no longer selected, nothing unpushed"
