# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bring one repository on disk up to date with one strategy.

The rule above all others (DESIGN.md, "Never lose user data"): whatever a
person did in a clone - edits, untracked files, commits not pushed, local
branches, stashes - survives every strategy. When a strategy cannot proceed
without touching such work it skips the repository and says precisely what
is in the way; `reset` with `force` proceeds only after putting the work in
a stash and a backup branch.

Every outcome is a SyncResult, never an exception, so that one repository's
trouble never stops a run of ten thousand.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union
from urllib.parse import urlsplit

from .errors import ConfigError
from .gitrunner import GitError, GitRunner
from .layout import TEMP_MARKER

STRATEGIES = ("clone", "fetch", "pull", "reset", "mirror")

CLONED = "cloned"
UPDATED = "updated"
UNCHANGED = "unchanged"
SKIPPED = "skipped"
FAILED = "failed"
OUTCOMES = (CLONED, UPDATED, UNCHANGED, SKIPPED, FAILED)

BACKUP_BRANCH_PREFIX = "bulk-clone/backup/"
_FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "bulk-clone", "GIT_AUTHOR_EMAIL": "bulk-clone@localhost",
    "GIT_COMMITTER_NAME": "bulk-clone", "GIT_COMMITTER_EMAIL": "bulk-clone@localhost",
}
# git's markers of an operation a person has started and not finished.
_IN_PROGRESS = (
    ("MERGE_HEAD", "a merge"), ("rebase-merge", "a rebase"), ("rebase-apply", "a rebase or am"),
    ("CHERRY_PICK_HEAD", "a cherry-pick"), ("REVERT_HEAD", "a revert"), ("BISECT_LOG", "a bisect"),
)


@dataclass(frozen=True)
class SyncOptions:
    strategy: str = "clone"
    depth: Optional[int] = None            # clone only: shallow history
    filter: Optional[str] = None           # clone only: partial clone, e.g. blob:none
    branch: Optional[str] = None           # check out / follow this branch instead of the default
    submodules: bool = False               # clone --recurse-submodules; update them on pull/reset
    force: bool = False                    # reset even with local work (kept in stash + backup branch)
    # Other URLs under which origin counts as "this repository" (e.g. the
    # ssh URL when cloning over https). https and ssh URLs of one host/path
    # already match each other.
    also_accept: Tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ConfigError("strategy must be one of %s, got %r" % (", ".join(STRATEGIES), self.strategy))
        if self.depth is not None and (not isinstance(self.depth, int) or self.depth < 1):
            raise ConfigError("depth must be a positive integer, got %r" % (self.depth,))
        if self.filter is not None and not re.match(r"^[a-z]+(:[A-Za-z0-9=+._-]+)?$", self.filter):
            raise ConfigError("filter must look like blob:none or tree:0, got %r" % (self.filter,))
        if self.branch is not None and (not self.branch or self.branch.startswith("-")):
            raise ConfigError("branch must be a branch name, got %r" % (self.branch,))


@dataclass(frozen=True)
class SyncResult:
    outcome: str                 # one of OUTCOMES
    head: Optional[str]          # HEAD commit after the sync; None for an empty repository
    reason: str = ""             # for a person; always set for skipped and failed
    changed: bool = False        # something on disk changed (clone, moved HEAD, new or moved refs)


@dataclass
class LocalChanges:
    """Work in a clone that exists nowhere else."""

    modified: int = 0                                   # tracked files, staged or not
    untracked: int = 0                                  # untracked paths (a new folder counts once)
    unpushed: Dict[str, int] = field(default_factory=dict)   # branch -> commits on no remote branch
    local_only_branches: List[str] = field(default_factory=list)
    stashes: int = 0

    def blocks_reset(self) -> bool:
        return bool(self.modified or self.untracked or self.unpushed or self.local_only_branches or self.stashes)

    def describe(self) -> str:
        parts = []
        if self.modified:
            parts.append(_plural(self.modified, "modified file"))
        if self.untracked:
            parts.append(_plural(self.untracked, "untracked file"))
        for branch, count in self.unpushed.items():
            parts.append("%s on %s" % (_plural(count, "unpushed commit"), branch))
        if self.local_only_branches:
            shown = ", ".join(self.local_only_branches[:3])
            if len(self.local_only_branches) > 3:
                shown += ", ..."
            parts.append("%s (%s)" % (_plural(len(self.local_only_branches), "local-only branch", "local-only branches"),
                                      shown))
        if self.stashes:
            parts.append(_plural(self.stashes, "stash", "stashes"))
        return ", ".join(parts)


def _plural(n: int, word: str, plural: Optional[str] = None) -> str:
    return "%d %s" % (n, word if n == 1 else (plural or word + "s"))


class _Skip(Exception):
    """Internal: stop here and report the repository as skipped."""


# ---------------------------------------------------------------------------
def sync_repo(runner: GitRunner, path: Union[str, os.PathLike], url: str, default_branch: str,
              opts: SyncOptions) -> SyncResult:
    """Sync the repository at path (already vetted by layout.resolve) from url.

    default_branch is the forge's; if empty, origin/HEAD is used.
    """
    target = Path(path)
    try:
        kind = _inspect(target)
        if kind in ("missing", "empty-dir"):
            return _clone_new(runner, target, url, opts, replace_empty_dir=kind == "empty-dir")
        if kind == "not-git":
            return SyncResult(SKIPPED, None, "%s exists and is not a git repository; it was left alone "
                                             "(move it away, or change path_template)" % target)
        repo = _Repo(runner, target)
        if opts.strategy == "mirror":
            if kind != "bare":
                return SyncResult(SKIPPED, repo.head(), "%s is a working copy, but strategy mirror keeps bare "
                                                        "mirrors; use another dest for mirrors" % target)
            return _update(repo, url, opts, _fetch_only, default_branch)
        if kind == "bare":
            return SyncResult(SKIPPED, repo.head(), "%s is a bare repository, but strategy %s needs a working "
                                                    "copy; use another dest" % (target, opts.strategy))
        if not repo.is_toplevel():
            return SyncResult(SKIPPED, None, "git does not see %s as the top of a working copy; it was left "
                                             "alone" % target)
        if opts.strategy == "clone":
            return SyncResult(UNCHANGED, repo.head(), "already cloned (strategy clone leaves existing clones alone)")
        step = {"fetch": _fetch_only, "pull": _pull, "reset": _reset}[opts.strategy]
        return _update(repo, url, opts, step, default_branch)
    except GitError as exc:
        return SyncResult(FAILED, None, str(exc))
    except OSError as exc:
        return SyncResult(FAILED, None, "%s: %s" % (exc.strerror or exc, exc.filename or target))


def _inspect(target: Path) -> str:
    if not os.path.lexists(target):
        return "missing"
    if not target.is_dir():
        return "not-git"
    if os.path.lexists(target / ".git"):
        return "worktree"
    if (target / "HEAD").is_file() and (target / "objects").is_dir() and (target / "refs").is_dir():
        return "bare"
    with os.scandir(target) as entries:
        if next(entries, None) is None:
            return "empty-dir"
    return "not-git"


# -- new clones ---------------------------------------------------------------
def _temp_prefix(target: Path) -> str:
    # Bounded so that the temp name fits in 255 bytes whatever the repo name.
    short = target.name.encode("utf-8", "surrogateescape")[:150].decode("utf-8", "ignore")
    return ".%s%s" % (short, TEMP_MARKER)


def remove_leftover_temps(target: Path) -> int:
    """Remove temp folders that a killed run left for this target.

    Only this target's own prefix is matched: other workers may be cloning
    their own repositories into the same parent right now.
    """
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


def _clone_new(runner: GitRunner, target: Path, url: str, opts: SyncOptions, replace_empty_dir: bool) -> SyncResult:
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    remove_leftover_temps(target)
    mirror = opts.strategy == "mirror"
    args = ["clone", "--mirror"] if mirror else ["clone"]
    if opts.depth:
        args += ["--depth", str(opts.depth)]
    if opts.filter:
        args.append("--filter=%s" % opts.filter)
    if opts.branch and not mirror:
        args += ["--branch", opts.branch]
    if opts.submodules and not mirror:
        args.append("--recurse-submodules")
        if opts.depth:
            args.append("--shallow-submodules")

    def attempt() -> Path:
        # A fresh temp folder per try: a half-written clone is never reused,
        # and never sits at the real path where it could pass for a good one.
        tmp = parent / ("%s%s" % (_temp_prefix(target), secrets.token_hex(6)))
        try:
            runner.run(args + ["--", url, str(tmp)], cwd=parent)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return tmp

    tmp = runner.retrying(attempt)
    try:
        tmp_repo = _Repo(runner, tmp)
        head = tmp_repo.head()
        if replace_empty_dir:
            os.rmdir(target)   # fails, safely, if something appeared in it meanwhile
        os.rename(tmp, target)
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
    if opts.branch and not mirror:
        notes.append("branch %s" % opts.branch)
    return SyncResult(CLONED, head, "cloned" + (" (%s)" % ", ".join(notes) if notes else ""), True)


# -- existing clones ----------------------------------------------------------
class _Repo:
    """git plumbing for one existing repository."""

    def __init__(self, runner: GitRunner, path: Path) -> None:
        self.runner = runner
        self.path = path

    def git(self, *args: str, check: bool = True, retry: bool = False, env: Optional[Dict[str, str]] = None):
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


def _update(repo: _Repo, url: str, opts: SyncOptions, step, default_branch: str) -> SyncResult:
    origin = repo.origin_url()
    if origin is None:
        return SyncResult(SKIPPED, repo.head(), "%s has no remote 'origin'; it was left alone" % repo.path)
    if not _same_repo_url(origin, url, opts.also_accept):
        redact = repo.runner.redact
        return SyncResult(SKIPPED, repo.head(),
                          "origin points to %s, not %s; it was left alone (if it moved, run "
                          "`git -C %s remote set-url origin %s`)"
                          % (redact(origin), redact(url), repo.path, redact(url)))
    before = repo.snapshot()
    # --prune drops remote-tracking branches deleted upstream; local
    # branches and tags are never pruned.
    repo.git("fetch", "--prune", "origin", retry=True)
    try:
        outcome, reason = step(repo, opts, default_branch)
    except _Skip as skip:
        outcome, reason = SKIPPED, str(skip)
    after = repo.snapshot()
    changed = after != before
    if outcome == UNCHANGED and changed:
        outcome = UPDATED
    if outcome == SKIPPED and changed:
        reason += "; fetched new refs"
    return SyncResult(outcome, after[0], reason, changed)


def _fetch_only(repo: _Repo, opts: SyncOptions, default_branch: str) -> Tuple[str, str]:
    return UNCHANGED, ""


def _target_branch(repo: _Repo, opts: SyncOptions, default_branch: str) -> Optional[str]:
    if opts.branch:
        return opts.branch
    if default_branch:
        return default_branch
    res = repo.git("symbolic-ref", "-q", "refs/remotes/origin/HEAD", check=False)
    prefix = "refs/remotes/origin/"
    if res.ok and res.stdout.strip().startswith(prefix):
        return res.stdout.strip()[len(prefix):]
    return None


def _remote_tip(repo: _Repo, branch: Optional[str]) -> Tuple[str, Optional[str]]:
    if branch is None:
        return "origin/HEAD", None
    res = repo.git("rev-parse", "--verify", "-q", "refs/remotes/origin/%s^{commit}" % branch, check=False)
    return "origin/" + branch, (res.stdout.strip() if res.ok else None)


def _where_to(repo: _Repo, opts: SyncOptions, default_branch: str,
              action: str) -> Tuple[Optional[str], str, Optional[str]]:
    """(branch, remote ref, remote sha) that pull and reset move to.

    remote sha None means an empty upstream (nothing to do); a missing branch
    or a merge, rebase... left in progress stops here with the reason.
    """
    branch = _target_branch(repo, opts, default_branch)
    remote, remote_sha = _remote_tip(repo, branch)
    if remote_sha is None and repo.has_remote_branches():
        raise _Skip("origin has no branch %s; nothing to %s" % (branch or "HEAD", action))
    busy = repo.in_progress()
    if busy and remote_sha is not None:
        raise _Skip("%s is in progress in this clone; finish or abort it first" % busy)
    return branch, remote, remote_sha


def _pull(repo: _Repo, opts: SyncOptions, default_branch: str) -> Tuple[str, str]:
    branch, remote, remote_sha = _where_to(repo, opts, default_branch, "fast-forward to")
    if remote_sha is None:
        return UNCHANGED, "the upstream repository is empty"
    symbolic = repo.symbolic_head()
    if symbolic is None:
        raise _Skip("HEAD is detached; pull only fast-forwards branch %s" % branch)
    current = symbolic[len("refs/heads/"):]
    head = repo.head()
    modified, _untracked = repo.status_counts()
    if head is None:
        # Cloned while the upstream was empty: adopt the default branch now.
        if modified:
            raise _Skip("local changes: %s in a clone without commits" % _plural(modified, "staged file"))
        return _checkout(repo, opts, branch, remote, "checked out %s from %s (the clone was empty)" % (branch, remote))
    upstream = repo.git("for-each-ref", "--format=%(upstream)", symbolic).stdout.strip()
    tracking = upstream.replace("refs/remotes/", "") if upstream else "nothing"
    if current != branch:
        raise _Skip("on branch %s (tracking %s), not %s; pull only fast-forwards %s" % (current, tracking, branch, branch))
    if upstream != "refs/remotes/" + remote:
        raise _Skip("branch %s tracks %s, not %s; fix with `git branch -u %s %s`"
                    % (branch, tracking, remote, remote, branch))
    ahead, behind = (int(n) for n in repo.git("rev-list", "--left-right", "--count",
                                              "HEAD...%s" % remote).stdout.split())
    if behind == 0:
        return UNCHANGED, ("%s on %s not on %s; nothing to pull" % (_plural(ahead, "unpushed commit"), branch, remote)
                           if ahead else "")
    if ahead:
        raise _Skip("diverged from %s: %d ahead, %d behind" % (remote, ahead, behind))
    if modified:
        raise _Skip("local changes: %s; not fast-forwarding" % _plural(modified, "modified file"))
    merge = repo.git("merge", "--ff-only", "--no-stat", remote, check=False)
    if not merge.ok:
        raise _Skip("fast-forward refused by git: %s" % _git_message(merge.stderr))
    _update_submodules(repo, opts)
    return UPDATED, "fast-forwarded %s by %s" % (branch, _plural(behind, "commit"))


def _reset(repo: _Repo, opts: SyncOptions, default_branch: str) -> Tuple[str, str]:
    branch, remote, remote_sha = _where_to(repo, opts, default_branch, "reset to")
    if remote_sha is None:
        return UNCHANGED, "the upstream repository is empty"
    head = repo.head()
    symbolic = repo.symbolic_head()
    if symbolic == "refs/heads/" + branch and head == remote_sha and not repo.status_counts()[0]:
        return UNCHANGED, ""     # already there; untracked files, stashes, other branches untouched
    changes = repo.local_changes()
    if changes.blocks_reset() and not opts.force:
        raise _Skip("local changes: %s; not resetting to %s (with force they are kept in a stash and a "
                    "backup branch)" % (changes.describe(), remote))
    notes = []
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    # What checkout -B would leave unreachable: the target branch's old tip,
    # and a detached HEAD's own commits. Keep each under a backup branch.
    old_tips = []
    if repo.git("rev-parse", "--verify", "-q", "refs/heads/" + branch, check=False).ok:
        old_tips.append("refs/heads/" + branch)
    if symbolic is None and head is not None:
        old_tips.append("HEAD")
    for tip in old_tips:
        if repo.rev_count(tip, "--not", "--remotes") == 0:
            continue
        backup = _free_branch_name(repo, BACKUP_BRANCH_PREFIX + stamp)
        sha = repo.git("rev-parse", tip).stdout.strip()
        repo.git("branch", backup, sha)
        notes.append("kept old %s %s as branch %s" % ("HEAD" if tip == "HEAD" else branch, sha[:12], backup))
    if head is None and changes.modified:
        # git cannot stash in a clone without commits; nothing else could keep them.
        raise _Skip("local changes: %s staged in a clone without commits; not resetting"
                    % _plural(changes.modified, "file"))
    if head is not None and (changes.modified or changes.untracked):
        message = "bulk-clone: work saved before reset to %s at %s" % (remote, stamp)
        repo.git("stash", "push", "--include-untracked", "-m", message, env=repo.identity_env())
        saved = ", ".join(p for p in (_plural(changes.modified, "modified file") if changes.modified else "",
                                      _plural(changes.untracked, "untracked file") if changes.untracked else "") if p)
        notes.append("stashed %s as stash@{0} (%r)" % (saved, message))
    was = (" (was %s)" % head[:12]) if head else ""
    outcome, reason = _checkout(repo, opts, branch, remote, "reset %s to %s%s" % (branch, remote, was))
    if notes:
        reason += "; " + "; ".join(notes)
    return outcome, reason


def _checkout(repo: _Repo, opts: SyncOptions, branch: str, remote: str, reason: str) -> Tuple[str, str]:
    res = repo.git("checkout", "-q", "-B", branch, "--track", remote, check=False)
    if not res.ok:
        raise _Skip("git refused to check out %s: %s" % (remote, _git_message(res.stderr)))
    _update_submodules(repo, opts)
    return UPDATED, reason


def _update_submodules(repo: _Repo, opts: SyncOptions) -> None:
    if opts.submodules and (repo.path / ".gitmodules").is_file():
        repo.git("submodule", "update", "--init", "--recursive", retry=True)


def _free_branch_name(repo: _Repo, name: str) -> str:
    candidate, n = name, 1
    while repo.git("rev-parse", "--verify", "-q", "refs/heads/" + candidate, check=False).ok:
        n += 1
        candidate = "%s-%d" % (name, n)
    return candidate


def _git_message(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    return " ".join(lines[:4])[:400] or "no message"


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


def _same_repo_url(origin: str, url: str, also: Tuple[str, ...] = ()) -> bool:
    mine = _url_identity(origin)
    return any(mine == _url_identity(candidate) for candidate in (url,) + tuple(also))
