# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One answer to "what is at this path, and does it hold work of its own?"

The strategies (before they move anything) and prune (before it removes
anything) ask the same questions, so they are answered once, here: what
kind of thing a path is (``inspect``), and which work in a clone exists
nowhere else (``Clone.local_changes``): modified and untracked files,
commits on no remote branch, local-only branches, stashes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .gitrunner import GitResult, GitRunner

# git's markers of an operation a person has started and not finished.
_IN_PROGRESS = (
    ("MERGE_HEAD", "a merge"), ("rebase-merge", "a rebase"), ("rebase-apply", "a rebase or am"),
    ("CHERRY_PICK_HEAD", "a cherry-pick"), ("REVERT_HEAD", "a revert"), ("BISECT_LOG", "a bisect"),
)
_FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "bulk-clone", "GIT_AUTHOR_EMAIL": "bulk-clone@localhost",
    "GIT_COMMITTER_NAME": "bulk-clone", "GIT_COMMITTER_EMAIL": "bulk-clone@localhost",
}


class Kind(str, Enum):
    MISSING = "missing"
    EMPTY_DIR = "empty-dir"
    NOT_GIT = "not-git"
    WORKTREE = "worktree"
    BARE = "bare"


def inspect(target: Path) -> Kind:
    """What is at target, from the file system alone (no git process)."""
    if not os.path.lexists(target):
        return Kind.MISSING
    if not target.is_dir():
        return Kind.NOT_GIT
    if os.path.lexists(target / ".git"):
        return Kind.WORKTREE
    if (target / "HEAD").is_file() and (target / "objects").is_dir() and (target / "refs").is_dir():
        return Kind.BARE
    with os.scandir(target) as entries:
        if next(entries, None) is None:
            return Kind.EMPTY_DIR
    return Kind.NOT_GIT


def plural(n: int, word: str, many: Optional[str] = None) -> str:
    return "%d %s" % (n, word if n == 1 else (many or word + "s"))


@dataclass
class LocalChanges:
    """Work in a clone that exists nowhere else."""

    modified: int = 0                                   # tracked files, staged or not
    untracked: int = 0                                  # untracked paths (a new folder counts once)
    unpushed: Dict[str, int] = field(default_factory=dict)   # branch -> commits on no remote branch
    local_only_branches: List[str] = field(default_factory=list)
    stashes: int = 0

    def __bool__(self) -> bool:
        return bool(self.modified or self.untracked or self.unpushed or self.local_only_branches or self.stashes)

    def describe(self) -> str:
        parts = []
        if self.modified:
            parts.append(plural(self.modified, "modified file"))
        if self.untracked:
            parts.append(plural(self.untracked, "untracked file"))
        for branch, count in self.unpushed.items():
            parts.append("%s on %s" % (plural(count, "unpushed commit"), branch))
        if self.local_only_branches:
            shown = ", ".join(self.local_only_branches[:3])
            if len(self.local_only_branches) > 3:
                shown += ", ..."
            parts.append("%s (%s)" % (plural(len(self.local_only_branches), "local-only branch",
                                             "local-only branches"), shown))
        if self.stashes:
            parts.append(plural(self.stashes, "stash", "stashes"))
        return ", ".join(parts)


class Clone:
    """git plumbing for one existing repository (working copy or bare)."""

    def __init__(self, runner: GitRunner, path: Path) -> None:
        self.runner = runner
        self.path = Path(path)

    def git(self, *args: str, check: bool = True, retry: bool = False,
            env: Optional[Dict[str, str]] = None) -> GitResult:
        return self.runner.run(list(args), cwd=self.path, check=check, retry=retry, env=env)

    def is_toplevel(self) -> bool:
        top = self.git("rev-parse", "--show-toplevel").stdout.strip()
        return os.path.realpath(top) == os.path.realpath(self.path)

    def has_remote_branches(self) -> bool:
        return bool(self.git("for-each-ref", "--count=1", "--format=%(refname)", "refs/remotes/origin").stdout.strip())

    def head(self) -> Optional[str]:
        res = self.git("rev-parse", "--verify", "-q", "HEAD^{commit}", check=False)
        return res.stdout.strip() if res.ok and res.stdout.strip() else None

    def symbolic_head(self) -> Optional[str]:
        res = self.git("symbolic-ref", "-q", "HEAD", check=False)
        return res.stdout.strip() if res.ok else None

    def refs(self) -> Dict[str, str]:
        out = self.git("for-each-ref", "--format=%(objectname) %(refname)").stdout
        return dict(reversed(line.split(" ", 1)) for line in out.splitlines() if " " in line)

    def snapshot(self) -> Tuple[Optional[str], Optional[str], Dict[str, str]]:
        """(HEAD, symbolic HEAD, every ref): equal before and after means nothing moved."""
        return self.head(), self.symbolic_head(), self.refs()

    def origin_url(self) -> Optional[str]:
        res = self.git("config", "--get", "remote.origin.url", check=False)
        return res.stdout.strip() if res.ok else None

    def git_dir(self) -> Path:
        return Path(self.git("rev-parse", "--absolute-git-dir").stdout.strip())

    def rev_count(self, *spec: str) -> int:
        return int(self.git("rev-list", "--count", *spec).stdout.strip() or "0")

    def in_progress(self) -> Optional[str]:
        git_dir = self.git_dir()
        for name, what in _IN_PROGRESS:
            if os.path.lexists(git_dir / name):
                return what
        return None

    def status_counts(self) -> Tuple[int, int]:
        """(tracked files changed, untracked paths), ignored files excluded."""
        out = self.git("status", "--porcelain=v1", "-z", "--untracked-files=normal").stdout
        tokens = out.split("\0")
        modified = untracked = 0
        i = 0
        while i < len(tokens):
            entry = tokens[i]
            i += 1
            if len(entry) < 3:
                continue
            if entry.startswith("??"):
                untracked += 1
            else:
                modified += 1
                if entry[0] in "RC":
                    i += 1   # a rename carries its old path as the next token
        return modified, untracked

    def local_changes(self) -> LocalChanges:
        changes = LocalChanges()
        changes.modified, changes.untracked = self.status_counts()
        branches = []
        upstream_of = {}
        out = self.git("for-each-ref", "--format=%(refname:short)%00%(upstream)", "refs/heads").stdout
        for line in out.splitlines():
            name, _sep, upstream = line.partition("\0")
            branches.append(name)
            upstream_of[name] = upstream
        remote_refs = set(self.git("for-each-ref", "--format=%(refname)", "refs/remotes").stdout.split())
        remote_names = {ref.split("/", 3)[3] for ref in remote_refs if ref.count("/") >= 3}
        # One rev-list for all branches; per-branch counts only if needed.
        if branches and self.rev_count("--branches", "--not", "--remotes"):
            for name in branches:
                count = self.rev_count("refs/heads/" + name, "--not", "--remotes")
                if count:
                    changes.unpushed[name] = count
        if self.symbolic_head() is None and self.head() is not None:
            count = self.rev_count("HEAD", "--not", "--remotes", "--branches")
            if count:
                changes.unpushed["detached HEAD"] = count
        for name in branches:
            upstream = upstream_of[name]
            if (upstream and upstream in remote_refs) or name in remote_names:
                continue
            changes.local_only_branches.append(name)
        stash = self.git("rev-parse", "--verify", "-q", "refs/stash", check=False)
        if stash.ok:
            changes.stashes = len(self.git("log", "-g", "--format=%H", "refs/stash").stdout.split())
        return changes

    def identity_env(self) -> Optional[Dict[str, str]]:
        """A committer identity for git stash when the host has none (CI)."""
        return None if self.git("var", "GIT_COMMITTER_IDENT", check=False).ok else dict(_FALLBACK_IDENTITY)


def local_work(runner: GitRunner, path: Path) -> Tuple[Kind, Optional[LocalChanges]]:
    """What is at path and, for a working copy, its work that exists nowhere else.

    A bare mirror holds no work of a person's own (nobody commits in it), so
    its changes are None; so are a missing path and anything that is not git.
    """
    kind = inspect(path)
    if kind != Kind.WORKTREE:
        return kind, None
    return kind, Clone(runner, path).local_changes()
