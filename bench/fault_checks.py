# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The four counts of the fault matrix, taken from the disk, git, /proc and
a stranger's server: never from the product's own result or report, which
is the thing under test.

- lost: a repository the forge lists that is not on disk at its path with
  the forge's HEAD, or a clone that had to be kept and is gone (or, for a
  prune, not whole in the trash);
- corrupted: a clone `git fsck --connectivity-only` refuses, a folder at a
  repository's place that is no complete git repository, a temporary clone
  left behind;
- user changes overwritten: seeded local work (a modified file, an
  untracked file, an unpushed commit, a stash) that is no longer there;
- tokens leaked: a file, a text (output, result, message, log line), an
  argv or a request to a stranger that carries a secret in any form.
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple
from urllib.parse import quote, quote_plus

RESERVED = ".bulk-clone-"
TEMP_DIR = ".bulk-clone-tmp"
TEMP_MARKER = ".bulk-clone-tmp-"
TRASH_DIR = ".bulk-clone-trash"


def git(path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(path)] + list(args), capture_output=True, text=True)


def head_of(path: Path) -> Optional[str]:
    return git(path, "rev-parse", "--verify", "-q", "HEAD^{commit}").stdout.strip() or None


def is_ancestor(path: Path, older: str, newer: str) -> bool:
    return git(path, "merge-base", "--is-ancestor", older, newer).returncode == 0


# ---------------------------------------------------------------------------
# repos lost
# ---------------------------------------------------------------------------

def truth(forge, owners: Iterable[str]) -> Dict[str, Optional[str]]:
    """full path -> HEAD of the default branch, for every repository the forge
    lists and a run selects by default (disabled ones are excluded)."""
    heads: Dict[str, Optional[str]] = {}
    for owner in owners:
        for repo in forge.repos("github", owner):
            if not repo["disabled"]:
                heads[repo["full_path"]] = repo["head"]
    return heads


def clones(dest: Path) -> Dict[str, Optional[str]]:
    """{"owner/name": HEAD} of every working copy two folders below dest."""
    found: Dict[str, Optional[str]] = {}
    if not dest.is_dir():
        return found
    for owner in sorted(dest.iterdir()):
        if owner.name.startswith(RESERVED) or not owner.is_dir():
            continue
        for repo in sorted(owner.iterdir()):
            if repo.is_dir() and os.path.lexists(repo / ".git"):
                found["%s/%s" % (owner.name, repo.name)] = head_of(repo)
    return found


def trashed(dest: Path) -> Dict[str, Tuple[Path, Optional[str]]]:
    """{"owner/name": (where, HEAD)} of every clone in dest's trash (any date)."""
    found: Dict[str, Tuple[Path, Optional[str]]] = {}
    root = dest / TRASH_DIR
    if not root.is_dir():
        return found
    for stamp in sorted(root.iterdir()):
        for owner in sorted(p for p in stamp.iterdir() if p.is_dir()):
            for repo in sorted(p for p in owner.iterdir() if p.is_dir()):
                found["%s/%s" % (owner.name, repo.name)] = (repo, head_of(repo))
    return found


@dataclass
class Expectations:
    """What a scenario says must be true of dest beyond the forge's truth:
    clones that must still be in place (with their HEAD before the fault),
    clones that must be whole in the trash, and seeded clones whose HEAD
    carries local commits on top of the forge's."""

    keep: Dict[str, Optional[str]] = field(default_factory=dict)
    trash: Dict[str, Optional[str]] = field(default_factory=dict)
    seeded: Set[str] = field(default_factory=set)


def repos_lost(dest: Path, forge_truth: Dict[str, Optional[str]], expect: Expectations) -> List[str]:
    on_disk = clones(dest)
    lost = []
    for path, head in sorted(forge_truth.items()):
        if path not in on_disk:
            lost.append("%s: not on disk" % path)
        elif on_disk[path] != head and not (path in expect.seeded and head
                                            and is_ancestor(dest / path, head, on_disk[path] or "HEAD")):
            lost.append("%s: HEAD %s, the forge's is %s" % (path, on_disk[path], head))
    for path, head in sorted(expect.keep.items()):
        if path not in forge_truth and path not in on_disk:
            lost.append("%s: a clone to keep is gone" % path)
        elif path not in forge_truth and on_disk[path] != head:
            lost.append("%s: a kept clone moved from %s to %s" % (path, head, on_disk[path]))
    in_trash = trashed(dest)
    for path, head in sorted(expect.trash.items()):
        if path not in in_trash:
            lost.append("%s: pruned but not in the trash" % path)
        elif in_trash[path][1] != head:
            lost.append("%s: in the trash with HEAD %s, was %s" % (path, in_trash[path][1], head))
    for path in sorted(set(in_trash) - set(expect.trash)):
        lost.append("%s: in the trash but should not have been pruned" % path)
    return lost


# ---------------------------------------------------------------------------
# repos corrupted
# ---------------------------------------------------------------------------

def repos_corrupted(dest: Path) -> List[str]:
    """Every folder at a repository's place must be a complete git repository
    that fsck accepts; no temporary clone may be left anywhere under dest."""
    bad = []
    if not dest.is_dir():
        return bad
    places: List[Path] = []
    for owner in sorted(p for p in dest.iterdir() if p.is_dir() and not p.name.startswith(RESERVED)):
        places += sorted(p for p in owner.iterdir() if p.is_dir())
    places += [where for where, _head in trashed(dest).values()]
    for place in places:
        rel = place.relative_to(dest).as_posix()
        if TEMP_MARKER in place.name:
            bad.append("%s: a temporary clone left behind" % rel)
        elif not os.path.lexists(place / ".git"):
            bad.append("%s: a folder at a repository's place that is not a git working copy" % rel)
        else:
            res = git(place, "fsck", "--connectivity-only", "--no-progress")
            if res.returncode != 0:
                bad.append("%s: git fsck failed: %s" % (rel, (res.stderr or res.stdout).strip()[:200]))
    temp = dest / TEMP_DIR
    if temp.is_dir():
        bad += ["%s/%s: a temporary clone left behind" % (TEMP_DIR, p.name) for p in sorted(temp.iterdir())]
    for dirpath, dirnames, _files in os.walk(dest):
        dirnames[:] = [d for d in dirnames if d != ".git" and d != TEMP_DIR]
        bad += ["%s: a temporary clone left behind" % os.path.relpath(os.path.join(dirpath, d), dest)
                for d in dirnames if TEMP_MARKER in d]
    return bad


# ---------------------------------------------------------------------------
# user changes
# ---------------------------------------------------------------------------

@dataclass
class Seed:
    """The local work seeded into one clone, and how to find it again."""

    path: Path
    commit: str            # an unpushed commit on the checked-out branch
    stash: str             # a stash entry
    modified: str          # content of a tracked file changed and not committed
    untracked: str         # content of a file git does not know


LOCAL_FILE = "local-work.txt"
UNTRACKED_FILE = "notes-not-tracked.txt"


def _must(res: subprocess.CompletedProcess, what: str) -> str:
    if res.returncode != 0:
        raise RuntimeError("seeding local work failed at %s: %s" % (what, res.stderr.strip()))
    return res.stdout.strip()


def seed(clone: Path) -> Seed:
    """An unpushed commit, a stash, then a modified tracked file and an untracked file."""
    (clone / LOCAL_FILE).write_text("committed locally, never pushed\n")
    _must(git(clone, "add", LOCAL_FILE), "add")
    _must(git(clone, "commit", "-q", "-m", "local commit"), "commit")
    commit = _must(git(clone, "rev-parse", "HEAD"), "rev-parse")
    (clone / LOCAL_FILE).write_text("stashed change\n")
    _must(git(clone, "stash", "push", "-q", "-m", "local stash"), "stash")
    stash = _must(git(clone, "rev-parse", "refs/stash"), "rev-parse stash")
    modified = "work in progress, not committed\n"
    (clone / LOCAL_FILE).write_text(modified)
    untracked = "a note git does not track\n"
    (clone / UNTRACKED_FILE).write_text(untracked)
    return Seed(clone, commit, stash, modified, untracked)


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text()
    except OSError:
        return None


def changes_overwritten(seeds: Sequence[Seed]) -> List[str]:
    """Each piece of seeded work that is no longer where the person left it."""
    gone = []
    for s in seeds:
        name = s.path.name
        on_a_branch = git(s.path, "for-each-ref", "--contains", s.commit, "refs/heads").stdout.strip()
        if not on_a_branch:
            gone.append("%s: the unpushed commit is on no branch" % name)
        stashes = git(s.path, "log", "-g", "--format=%H", "refs/stash").stdout.split()
        if s.stash not in stashes:
            gone.append("%s: the stash is gone" % name)
        if _read(s.path / LOCAL_FILE) != s.modified:
            gone.append("%s: the uncommitted change is gone" % name)
        if _read(s.path / UNTRACKED_FILE) != s.untracked:
            gone.append("%s: the untracked file is gone" % name)
    return gone


# ---------------------------------------------------------------------------
# tokens leaked
# ---------------------------------------------------------------------------

BASIC_USERS = ("x-access-token", "oauth2", "x-token-auth", "forge-admin", "git", "x", "")


def secret_forms(secret: str) -> Set[str]:
    """Every form a secret can take in text: the product's own list
    (redact.forms_of), plus forms built here independently of it: raw,
    escaped, URL-encoded, base64 alone and inside a Basic header for the
    user names git and the forges use, and any 8 characters of it in a
    row (a prefix printed before a cut)."""
    from bulk_clone_engine.redact import forms_of
    forms = set(forms_of(secret))
    for value in {secret, secret.strip()}:
        forms |= {value, repr(value)[1:-1], value.encode("unicode_escape").decode("ascii"),
                  quote(value, safe=""), quote_plus(value), base64.b64encode(value.encode()).decode()}
        forms |= {base64.b64encode(("%s:%s" % (user, value)).encode()).decode() for user in BASIC_USERS}
    stripped = secret.strip()
    forms |= {stripped[i:i + 8] for i in range(len(stripped) - 7) if not any(c < " " for c in stripped[i:i + 8])}
    return {f for f in forms if len(f) >= 8}


class LeakFinder:
    """Looks for any form of the scenario's secrets in files, texts and argv."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = [s for s in secrets if s]
        forms: Set[str] = set()
        for secret in self.secrets:
            forms |= secret_forms(secret)
        self.forms = sorted(forms, key=len, reverse=True)
        self._bytes = [f.encode("utf-8") for f in self.forms]

    def in_text(self, text: str) -> Optional[str]:
        return next((f for f in self.forms if f in text), None)

    def mask(self, text: str) -> str:
        """text with every form replaced, so that a finding can be shown."""
        for form in self.forms:
            text = text.replace(form, "***")
        return text

    def in_files(self, root: Path) -> List[str]:
        found = []
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                path = os.path.join(dirpath, name)
                try:
                    with open(path, "rb") as handle:
                        data = handle.read()
                except OSError:
                    continue
                if any(form in data for form in self._bytes):
                    found.append(os.path.relpath(path, root))
        return found


class ArgvPoller(threading.Thread):
    """The argv of every process on the machine, read from /proc every few
    milliseconds while a scenario runs (git's helpers such as git-remote-http
    live for a transfer only). `harness` holds PIDs whose argv carries the
    token by the bench's own design (the forge's process, given --token): it
    and its forks (which show its argv until they exec) are left out."""

    def __init__(self, harness: Iterable[int] = (), every: float = 0.005) -> None:
        super().__init__(daemon=True, name="argv-poller")
        self.ignore = {str(p) for p in harness}
        self.harness_argv = {_cmdline(str(p)) for p in harness} - {""}
        self.every = every
        self.stop_event = threading.Event()
        self.seen: Set[str] = set()

    def run(self) -> None:
        while not self.stop_event.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit() or pid in self.ignore:
                    continue
                argv = _cmdline(pid)
                if argv and argv not in self.harness_argv:
                    self.seen.add(argv)
            self.stop_event.wait(self.every)

    def stop(self) -> None:
        self.stop_event.set()
        self.join()

    def git_commands(self) -> int:
        return sum(1 for c in self.seen if c.split(" ", 1)[0].endswith(("git", "git-remote-http")))


# ---------------------------------------------------------------------------
# processes
# ---------------------------------------------------------------------------

def _cmdline(pid: str) -> str:
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as handle:
            raw = handle.read()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()


def _argv_cwd(pid: str) -> Optional[Tuple[List[str], str]]:
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as handle:
            argv = handle.read().decode("utf-8", "replace").split("\0")
        cwd = os.readlink("/proc/%s/cwd" % pid)
        with open("/proc/%s/stat" % pid) as handle:
            if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                return None
    except OSError:
        return None
    return argv, cwd


def processes_under(root: Path, name: str = "git") -> List[int]:
    """Live processes named like `name` working under root (by cwd or argv)."""
    found = []
    prefix = str(root)
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        seen = _argv_cwd(pid)
        if seen is None:
            continue
        argv, cwd = seen
        if not argv or name not in os.path.basename(argv[0]):
            continue
        inside = cwd == prefix or cwd.startswith(prefix + os.sep)
        if inside or any(a == prefix or prefix + os.sep in a for a in argv):
            found.append(int(pid))
    return found


def processes_with(marker: str) -> List[int]:
    """Live processes whose argv contains marker."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            seen = _argv_cwd(pid)
            if seen is not None and any(marker in a for a in seen[0]):
                found.append(int(pid))
    return found
