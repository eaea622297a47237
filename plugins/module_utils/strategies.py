# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One object per strategy: its git steps and what it may discard.

The rule above all others: whatever a person did in a working copy - edits,
untracked files, commits not pushed, local branches, stashes - survives
every strategy. When a strategy cannot proceed without touching such work
it holds the repository back (Outcome.SKIPPED) and says precisely what is in
the way; `reset` with `force` proceeds only after putting the work in a
stash and a backup branch. What each strategy may discard is stated in
``discards`` (shown in the module docs and the README, and tested in
tests/integration/test_bulk_clone_strategies.py).

Adding a strategy: a subclass here, its name in options.STRATEGIES, and a
test of its ``discards`` claim (docs/architecture.md, "Adding a strategy").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Dict, List, Optional, Tuple

from .errors import ConfigError
from .outcome import Outcome
from .worktree import Clone, plural

BACKUP_BRANCH_PREFIX = "bulk-clone/backup/"


@dataclass(frozen=True)
class SyncOptions:
    strategy: str = "clone"
    depth: Optional[int] = None            # new clones only: shallow history
    filter: Optional[str] = None           # new clones only: partial clone, e.g. blob:none
    branch: Optional[str] = None           # check out / follow this branch instead of the default
    submodules: bool = False               # clone --recurse-submodules; update them on pull/reset
    force: bool = False                    # reset even with local work (kept in stash + backup branch)
    lfs: bool = False                      # fetch LFS objects after each clone or update (lfs.py)

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ConfigError("strategy %r is not known: use one of %s" % (self.strategy, ", ".join(STRATEGIES)))
        if self.depth is not None and (not isinstance(self.depth, int) or self.depth < 1):
            raise ConfigError("depth must be a positive whole number, not %r" % (self.depth,))
        if self.filter is not None and not re.match(r"^[a-z]+(:[A-Za-z0-9=+._-]+)?$", self.filter):
            raise ConfigError("filter must look like blob:none or tree:0, not %r" % (self.filter,))
        if self.branch is not None and (not self.branch or self.branch.startswith("-")):
            raise ConfigError("branch must be a branch name, not %r" % (self.branch,))
        STRATEGIES[self.strategy].check(self)

    @property
    def plan(self) -> "Strategy":
        return STRATEGIES[self.strategy]


class Hold(Exception):
    """Stop here and hold the repository back (Outcome.SKIPPED) with this reason."""


class Strategy:
    """What one strategy does to a new and to an existing repository."""

    name = ""
    bare = False          # keeps bare --mirror copies instead of working copies
    touches_existing = True
    discards = ""         # what it may discard, for the docs (a promise: tested)

    def check(self, opts: SyncOptions) -> None:
        """Refuse options this strategy cannot honour (ConfigError)."""

    def clone_args(self, opts: SyncOptions) -> List[str]:
        args = ["clone"]
        if opts.depth:
            args += ["--depth", str(opts.depth)]
        if opts.filter:
            args.append("--filter=%s" % opts.filter)
        if opts.branch:
            args += ["--branch", opts.branch]
        if opts.submodules:
            args.append("--recurse-submodules")
            if opts.depth:
                args.append("--shallow-submodules")
        return args

    def fetch_args(self) -> List[str]:
        # --prune drops remote-tracking branches deleted upstream; local
        # branches and tags are never pruned.
        return ["fetch", "--prune", "origin"]

    def step(self, clone: Clone, opts: SyncOptions, default_branch: str) -> Tuple[Outcome, str]:
        """After the fetch: move the work tree (or not). Raise Hold to hold back."""
        return Outcome.UNCHANGED, ""


class CloneOnly(Strategy):
    name = "clone"
    touches_existing = False
    discards = "nothing: existing clones are never contacted or changed"


class Fetch(Strategy):
    name = "fetch"
    discards = ("remote-tracking branches (origin/*) deleted upstream; the work tree, local branches, "
                "tags and stashes are never touched")


class Pull(Strategy):
    name = "pull"
    discards = ("remote-tracking branches deleted upstream; the checked-out branch only moves by "
                "fast-forward, and never with local changes in the way")

    def step(self, clone: Clone, opts: SyncOptions, default_branch: str) -> Tuple[Outcome, str]:
        branch, remote, remote_sha = _where_to(clone, opts, default_branch, "fast-forward to")
        if remote_sha is None:
            return Outcome.UNCHANGED, "the upstream repository is empty"
        symbolic = clone.symbolic_head()
        if symbolic is None:
            raise Hold("HEAD is detached; pull only fast-forwards branch %s" % branch)
        current = symbolic[len("refs/heads/"):]
        head = clone.head()
        modified, _untracked = clone.status_counts()
        if head is None:
            # Cloned while the upstream was empty: adopt the default branch now.
            if modified:
                raise Hold("local changes: %s in a clone without commits" % plural(modified, "staged file"))
            return _checkout(clone, opts, branch, remote,
                             "checked out %s from %s (the clone was empty)" % (branch, remote))
        upstream = clone.git("for-each-ref", "--format=%(upstream)", symbolic).stdout.strip()
        tracking = upstream.replace("refs/remotes/", "") if upstream else "nothing"
        if current != branch:
            raise Hold("on branch %s (tracking %s), not %s; pull only fast-forwards %s"
                       % (current, tracking, branch, branch))
        if upstream != "refs/remotes/" + remote:
            raise Hold("branch %s tracks %s, not %s; fix with `git branch -u %s %s`"
                       % (branch, tracking, remote, remote, branch))
        ahead, behind = (int(n) for n in clone.git("rev-list", "--left-right", "--count",
                                                   "HEAD...%s" % remote).stdout.split())
        if behind == 0:
            return Outcome.UNCHANGED, ("%s on %s not on %s; nothing to pull"
                                       % (plural(ahead, "unpushed commit"), branch, remote) if ahead else "")
        if ahead:
            raise Hold("diverged from %s: %d ahead, %d behind" % (remote, ahead, behind))
        if modified:
            raise Hold("local changes: %s; not fast-forwarding" % plural(modified, "modified file"))
        merge = clone.git("merge", "--ff-only", "--no-stat", remote, check=False)
        if not merge.ok:
            raise Hold("fast-forward refused by git: %s" % git_message(merge.stderr))
        _update_submodules(clone, opts)
        return Outcome.UPDATED, "fast-forwarded %s by %s" % (branch, plural(behind, "commit"))


class Reset(Strategy):
    name = "reset"
    discards = ("remote-tracking branches deleted upstream; with force, local work is moved aside into a "
                "stash and a bulk-clone/backup/<time> branch, never deleted")

    def step(self, clone: Clone, opts: SyncOptions, default_branch: str) -> Tuple[Outcome, str]:
        branch, remote, remote_sha = _where_to(clone, opts, default_branch, "reset to")
        if remote_sha is None:
            return Outcome.UNCHANGED, "the upstream repository is empty"
        head = clone.head()
        symbolic = clone.symbolic_head()
        if symbolic == "refs/heads/" + branch and head == remote_sha and not clone.status_counts()[0]:
            return Outcome.UNCHANGED, ""   # already there; untracked files, stashes, other branches untouched
        changes = clone.local_changes()
        if changes and not opts.force:
            raise Hold("local changes: %s; not resetting to %s (with force they are kept in a stash and a "
                       "backup branch)" % (changes.describe(), remote))
        notes = []
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        # What checkout -B would leave unreachable: the target branch's old tip,
        # and a detached HEAD's own commits. Keep each under a backup branch.
        old_tips = []
        if clone.git("rev-parse", "--verify", "-q", "refs/heads/" + branch, check=False).ok:
            old_tips.append("refs/heads/" + branch)
        if symbolic is None and head is not None:
            old_tips.append("HEAD")
        for tip in old_tips:
            if clone.rev_count(tip, "--not", "--remotes") == 0:
                continue
            backup = _free_branch_name(clone, BACKUP_BRANCH_PREFIX + stamp)
            sha = clone.git("rev-parse", tip).stdout.strip()
            clone.git("branch", backup, sha)
            notes.append("kept old %s %s as branch %s" % ("HEAD" if tip == "HEAD" else branch, sha[:12], backup))
        if head is None and changes.modified:
            # git cannot stash in a clone without commits; nothing else could keep them.
            raise Hold("local changes: %s staged in a clone without commits; not resetting"
                       % plural(changes.modified, "file"))
        if head is not None and (changes.modified or changes.untracked):
            message = "bulk-clone: work saved before reset to %s at %s" % (remote, stamp)
            clone.git("stash", "push", "--include-untracked", "-m", message, env=clone.identity_env())
            saved = ", ".join(p for p in (plural(changes.modified, "modified file") if changes.modified else "",
                                          plural(changes.untracked, "untracked file") if changes.untracked else "")
                              if p)
            notes.append("stashed %s as stash@{0} (%r)" % (saved, message))
        was = (" (was %s)" % head[:12]) if head else ""
        outcome, reason = _checkout(clone, opts, branch, remote, "reset %s to %s%s" % (branch, remote, was))
        if notes:
            reason += "; " + "; ".join(notes)
        return outcome, reason


class Mirror(Strategy):
    name = "mirror"
    bare = True
    discards = ("every ref deleted or rewritten upstream, as `git fetch --prune` into a bare mirror does: a "
                "mirror is a copy of the forge and holds no work of its own")

    def check(self, opts: SyncOptions) -> None:
        for option in ("depth", "branch", "filter"):
            if getattr(opts, option) is not None:
                raise ConfigError("%s cannot be used with strategy mirror: a mirror is a complete copy "
                                  "of every ref; remove %s or choose another strategy" % (option, option))
        if opts.submodules:
            raise ConfigError("submodules cannot be used with strategy mirror (a mirror has no work tree)")

    def clone_args(self, opts: SyncOptions) -> List[str]:
        return ["clone", "--mirror"]

    def fetch_args(self) -> List[str]:
        # A --mirror clone's refspec is +refs/*:refs/*; --prune makes it exact.
        return ["fetch", "--prune", "origin"]


STRATEGIES: Dict[str, Strategy] = {s.name: s for s in (CloneOnly(), Fetch(), Pull(), Reset(), Mirror())}


# -- shared steps ------------------------------------------------------------
def _target_branch(clone: Clone, opts: SyncOptions, default_branch: str) -> Optional[str]:
    if opts.branch:
        return opts.branch
    if default_branch:
        return default_branch
    res = clone.git("symbolic-ref", "-q", "refs/remotes/origin/HEAD", check=False)
    prefix = "refs/remotes/origin/"
    if res.ok and res.stdout.strip().startswith(prefix):
        return res.stdout.strip()[len(prefix):]
    return None


def _where_to(clone: Clone, opts: SyncOptions, default_branch: str,
              action: str) -> Tuple[Optional[str], str, Optional[str]]:
    """(branch, remote ref, remote sha) that pull and reset move to.

    remote sha None means an empty upstream (nothing to do); a missing branch
    or a merge, rebase... left in progress holds the repository back.
    """
    branch = _target_branch(clone, opts, default_branch)
    if branch is None:
        remote, remote_sha = "origin/HEAD", None
    else:
        res = clone.git("rev-parse", "--verify", "-q", "refs/remotes/origin/%s^{commit}" % branch, check=False)
        remote, remote_sha = "origin/" + branch, (res.stdout.strip() if res.ok else None)
    if remote_sha is None and clone.has_remote_branches():
        raise Hold("origin has no branch %s; nothing to %s" % (branch or "HEAD", action))
    busy = clone.in_progress()
    if busy and remote_sha is not None:
        raise Hold("%s is in progress in this clone; finish or abort it first" % busy)
    return branch, remote, remote_sha


def _checkout(clone: Clone, opts: SyncOptions, branch: str, remote: str, reason: str) -> Tuple[Outcome, str]:
    res = clone.git("checkout", "-q", "-B", branch, "--track", remote, check=False)
    if not res.ok:
        raise Hold("git refused to check out %s: %s" % (remote, git_message(res.stderr)))
    _update_submodules(clone, opts)
    return Outcome.UPDATED, reason


def _update_submodules(clone: Clone, opts: SyncOptions) -> None:
    if opts.submodules and (clone.path / ".gitmodules").is_file():
        clone.git("submodule", "update", "--init", "--recursive", retry=True)


def _free_branch_name(clone: Clone, name: str) -> str:
    candidate, n = name, 1
    while clone.git("rev-parse", "--verify", "-q", "refs/heads/" + candidate, check=False).ok:
        n += 1
        candidate = "%s-%d" % (name, n)
    return candidate


def git_message(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    return " ".join(lines[:4])[:400] or "no message"


def describe_all() -> Dict[str, str]:
    """strategy -> what it may discard (docs and the parity test read this)."""
    return {name: s.discards for name, s in STRATEGIES.items()}
