# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bare repositories on disk, made cheaply enough for tens of thousands of repos.

Why not `git init` + `git commit` per repo: that is several processes per repo
and takes minutes for 10,000 repos. Instead every generated commit of every
repo goes through ONE `git fast-import` run into a shared object pool, and a
repo's bare directory is a handful of small files (HEAD, config, packed-refs,
objects/info/alternates) written directly, only when git first asks for that
repo. Directories are keyed by the repo's id, so renames never move them.

Repos that receive real pushes (the push-to-create owner `mirror-target`)
are ordinary standalone bare repos: there the directory is the truth.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional

AUTHOR = b"Forge Bot <bot@forge.test>"

_REPO_CONFIG = """[core]
\trepositoryformatversion = 0
\tfilemode = true
\tbare = true
[uploadpack]
\tallowFilter = true
\tallowAnySHA1InWant = true
\tallowTipSHA1InWant = true
\tallowReachableSHA1InWant = true
[gc]
\tauto = 0
[http]
\treceivepack = %s
[receive]
\tdenyDeleteCurrent = false
"""


@dataclass
class CommitPlan:
    """One commit to write. `parent` is a 40-hex sha, or a key of an earlier
    plan in the same batch, or None for a root commit."""

    key: str
    message: str
    timestamp: int
    files: Dict[str, bytes] = field(default_factory=dict)
    parent: Optional[str] = None


def _git_env() -> Dict[str, str]:
    env = dict(os.environ)
    # The forge must not pick up the developer's or CI's git configuration.
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    env.pop("GIT_DIR", None)
    env.pop("GIT_CONFIG_PARAMETERS", None)
    env.pop("GIT_CONFIG_COUNT", None)
    return env


class GitStore:
    """Owns <root>/pool.git (all generated objects) and <root>/repos/<key>.git."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self.pool = os.path.join(self.root, "pool.git")
        self.repos_dir = os.path.join(self.root, "repos")
        self.env = _git_env()
        self._write_lock = threading.Lock()     # one fast-import at a time
        self._dir_lock = threading.Lock()
        self._materialized: Dict[str, bool] = {}

    # -- setup -------------------------------------------------------------
    def reset(self) -> None:
        """Start from nothing: a forge is fresh on every start (same spec,
        same data), and stale loose refs from an earlier run must not leak in."""
        os.makedirs(self.root, exist_ok=True)
        for path in (self.pool, self.repos_dir):
            if os.path.isdir(path):
                shutil.rmtree(path)
        os.makedirs(self.repos_dir)
        subprocess.run(["git", "init", "--quiet", "--bare", self.pool], check=True,
                       env=self.env, stdout=subprocess.DEVNULL)
        with open(os.path.join(self.pool, "config"), "a", encoding="utf-8") as fh:
            fh.write("[gc]\n\tauto = 0\n[core]\n\tbigFileThreshold = 64m\n")
        self._materialized.clear()

    # -- objects -----------------------------------------------------------
    def write_commits(self, plans: Iterable[CommitPlan], git_dir: Optional[str] = None) -> Dict[str, str]:
        """Write commits with one fast-import run; returns plan key -> commit sha."""
        marks: Dict[str, int] = {}
        keys: List[str] = []
        target = git_dir or self.pool
        with self._write_lock:
            fd, marks_path = tempfile.mkstemp(prefix="forge-marks-", dir=self.root)
            os.close(fd)
            try:
                proc = subprocess.Popen(
                    ["git", "--git-dir", target, "fast-import", "--quiet", "--force",
                     "--export-marks=" + marks_path],
                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                    env=self.env)
                stdin = proc.stdin
                buf: List[bytes] = []
                size = 0
                for plan in plans:
                    mark = len(keys) + 1
                    marks[plan.key] = mark
                    keys.append(plan.key)
                    chunk = self._commit_bytes(plan, mark, marks)
                    buf.append(chunk)
                    size += len(chunk)
                    if size > 1 << 20:
                        stdin.write(b"".join(buf))
                        buf, size = [], 0
                buf.append(b"done\n")
                stdin.write(b"".join(buf))
                stdin.close()
                err = proc.stderr.read()
                if proc.wait() != 0:
                    raise RuntimeError("git fast-import failed: %s" % err.decode("utf-8", "replace"))
                by_mark: Dict[int, str] = {}
                with open(marks_path, "rb") as fh:
                    for line in fh:
                        mark_text, sha = line.split()
                        by_mark[int(mark_text[1:])] = sha.decode("ascii")
            finally:
                os.unlink(marks_path)
        return {key: by_mark[marks[key]] for key in keys}

    @staticmethod
    def _commit_bytes(plan: CommitPlan, mark: int, marks: Dict[str, int]) -> bytes:
        msg = plan.message.encode("utf-8")
        who = b"%s %d +0000" % (AUTHOR, plan.timestamp)
        out = [b"commit refs/heads/pool\nmark :%d\nauthor %s\ncommitter %s\ndata %d\n%s\n"
               % (mark, who, who, len(msg), msg)]
        if plan.parent is None:
            # fast-import would otherwise chain this commit onto the previous
            # plan's commit on the shared scratch branch.
            out.insert(0, b"reset refs/heads/pool\n")
        elif plan.parent in marks:
            out.append(b"from :%d\n" % marks[plan.parent])
        else:
            out.append(b"from %s\n" % plan.parent.encode("ascii"))
        for path, data in plan.files.items():
            out.append(b"M 100644 inline %s\ndata %d\n" % (path.encode("utf-8"), len(data)))
            out.append(data)
            out.append(b"\n")
        out.append(b"\n")
        return b"".join(out)

    # -- repo directories --------------------------------------------------
    def repo_path(self, dir_key: str) -> str:
        return os.path.join(self.repos_dir, dir_key + ".git")

    def is_materialized(self, dir_key: str) -> bool:
        return dir_key in self._materialized

    def materialize(self, dir_key: str, head: str, refs: Dict[str, str], pushable: bool) -> str:
        """Make sure the bare dir exists; cheap after the first call."""
        if dir_key in self._materialized:
            return self.repo_path(dir_key)
        with self._dir_lock:
            if dir_key in self._materialized:
                return self.repo_path(dir_key)
            path = self.repo_path(dir_key)
            if pushable:
                self._init_standalone(path, head)
            else:
                self._write_linked(path, head, refs)
            self._materialized[dir_key] = pushable
        return path

    def _write_linked(self, path: str, head: str, refs: Dict[str, str]) -> None:
        for sub in ("objects/info", "objects/pack", "refs/heads", "refs/tags"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)
        with open(os.path.join(path, "objects/info/alternates"), "w", encoding="utf-8") as fh:
            fh.write(os.path.join(self.pool, "objects") + "\n")
        with open(os.path.join(path, "config"), "w", encoding="utf-8") as fh:
            fh.write(_REPO_CONFIG % "false")
        self._write_refs(path, head, refs)

    def _init_standalone(self, path: str, head: str) -> None:
        if os.path.isdir(path):
            shutil.rmtree(path)
        for sub in ("objects/info", "objects/pack", "refs/heads", "refs/tags"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)
        with open(os.path.join(path, "config"), "w", encoding="utf-8") as fh:
            fh.write(_REPO_CONFIG % "true")
        self._write_refs(path, head, {})

    def write_refs(self, dir_key: str, head: str, refs: Dict[str, str]) -> None:
        """Publish new ref values of a generated repo (after push_commits)."""
        if dir_key in self._materialized:
            self._write_refs(self.repo_path(dir_key), head, refs)

    @staticmethod
    def _write_refs(path: str, head: str, refs: Dict[str, str]) -> None:
        lines = ["# pack-refs with: peeled fully-peeled sorted \n"]
        for name in sorted(refs):
            lines.append("%s %s\n" % (refs[name], name))
        # Readers (git processes serving other requests) must never see a
        # half-written file: write aside, then rename.
        for name, text in (("packed-refs", "".join(lines)), ("HEAD", "ref: refs/heads/%s\n" % head)):
            tmp = os.path.join(path, name + ".forge-tmp")
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, os.path.join(path, name))

    def read_refs(self, path: str) -> Dict[str, str]:
        out = subprocess.run(["git", "--git-dir", path, "for-each-ref", "--format=%(objectname) %(refname)"],
                             check=True, env=self.env, stdout=subprocess.PIPE).stdout.decode()
        refs: Dict[str, str] = {}
        for line in out.splitlines():
            sha, name = line.split(" ", 1)
            refs[name] = sha
        return refs

    def read_head(self, path: str) -> str:
        with open(os.path.join(path, "HEAD"), encoding="utf-8") as fh:
            text = fh.read().strip()
        return text[len("ref: refs/heads/"):] if text.startswith("ref: refs/heads/") else ""
