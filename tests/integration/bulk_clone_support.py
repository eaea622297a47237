# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the bulk_clone end-to-end tests share: one call to run
the engine against a local forge, and ways to look at the resulting tree.

The `hermetic_git` fixture lives in tests/conftest.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional


REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_ENGINE = Path(__file__).with_name("run_engine.py")
TEMP_MARKER = ".bulk-clone-tmp-"

# Fast retries: the tests prove that retries happen, not how long they wait.
FAST_GIT = dict(git_tries=3, git_backoff_base=0.01)


def git(*args: Any, cwd: Any = None, check: bool = True) -> str:
    res = subprocess.run(["git"] + [str(a) for a in args], cwd=None if cwd is None else str(cwd),
                         capture_output=True, text=True, check=False)
    if check and res.returncode != 0:
        raise AssertionError("git %s failed (%d): %s" % (" ".join(map(str, args)), res.returncode, res.stderr))
    return res.stdout.strip()


def forge_kwargs(forge: Any, token: Optional[str] = None, **extra: Any) -> Dict[str, Any]:
    kwargs = dict(provider="github", api_url=forge.github_api, token=token or forge.token)
    kwargs.update(extra)
    return kwargs


def job_values(forge: Any, dest: Any, owners: Iterable[str] = ("acme",), token: Optional[str] = None,
               selection: Optional[Dict[str, Any]] = None, forge_extra: Optional[Dict[str, Any]] = None,
               **sync: Any) -> Dict[str, Any]:
    """The option values of one job (options.py names), as a door would pass them."""
    values = dict(FAST_GIT, dest=str(dest), concurrency=4, return_repos="all", owners=list(owners))
    values.update(forge_kwargs(forge, token, **(forge_extra or {})))
    values.update(selection or {})
    values.update(sync)
    return values


def run_values(values: Dict[str, Any], check_mode: bool = False, hooks: Any = None) -> Dict[str, Any]:
    """One job, in process, the way a door runs it: build, run, the result."""
    from bulk_clone_engine.job import build_job, result_of, run_job
    spec = build_job(values, check_mode=check_mode, environ={})
    return result_of(run_job(spec, hooks), spec)


def run(forge: Any, dest: Any, owners: Iterable[str] = ("acme",), token: Optional[str] = None,
        selection: Optional[Dict[str, Any]] = None, forge_extra: Optional[Dict[str, Any]] = None,
        check_mode: bool = False, hooks: Any = None, **sync: Any) -> Dict[str, Any]:
    """One engine run, in process, the way a front door calls it."""
    return run_values(job_values(forge, dest, owners, token, selection, forge_extra, **sync), check_mode, hooks)


def by_path(result: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """The per-repo results of a run (return_repos=all), keyed by full_path."""
    return {r["full_path"]: r for r in result["repos"]}


def outcomes(result: Dict[str, Any]) -> Dict[str, str]:
    return {path: r["outcome"] for path, r in by_path(result).items()}


def git_requests(forge: Any) -> int:
    counters = forge.counters()
    return sum(v for k, v in counters.items() if k.startswith("git:"))


def head_of(path: Path) -> Optional[str]:
    res = subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD^{commit}"], cwd=str(path),
                         capture_output=True, text=True, check=False)
    return res.stdout.strip() or None


def repo_heads(dest: Path, depth: int = 2) -> Dict[str, Optional[str]]:
    """{"owner/name": HEAD} for every repository `depth` folders below dest."""
    found: Dict[str, Optional[str]] = {}
    for path in sorted(Path(dest).glob("/".join(["*"] * depth))):
        if path.is_dir() and (os.path.lexists(path / ".git") or (path / "HEAD").is_file()):
            found[path.relative_to(dest).as_posix()] = head_of(path)
    return found


def folders(dest: Path) -> List[str]:
    """Every folder under dest outside .git folders, as relative paths."""
    out = []
    for dirpath, dirnames, _files in os.walk(dest):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        rel = Path(dirpath).relative_to(dest).as_posix()
        if rel != ".":
            out.append(rel)
    return sorted(out)


def leftover_temps(dest: Path) -> List[str]:
    return sorted(p for p in folders(dest) if TEMP_MARKER in p)


def tree_digest(root: Path) -> Dict[str, str]:
    """Path -> sha256 of content and mode, for every file and link under root:
    two equal digests mean nothing was written, moved or removed."""
    digest: Dict[str, str] = {}
    for dirpath, dirnames, files in os.walk(root):
        for name in dirnames + files:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            if os.path.islink(path):
                digest[rel] = "link:" + os.readlink(path)
            elif os.path.isdir(path):
                digest[rel] = "dir:%o" % st.st_mode
            else:
                with open(path, "rb") as handle:
                    digest[rel] = "%o:%s" % (st.st_mode, hashlib.sha256(handle.read()).hexdigest())
    return digest


def journal_lines(path: Path) -> List[Dict[str, Any]]:
    """Complete lines of a state journal (a torn last line is ignored, as the engine does)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    lines = []
    for raw in data[:data.rfind(b"\n") + 1].splitlines():
        if raw.strip():
            lines.append(json.loads(raw))
    return lines


def journal_paths(path: Path) -> Dict[str, str]:
    """key -> path of every repository the journal says is done."""
    done: Dict[str, str] = {}
    for line in journal_lines(path):
        if "key" not in line:
            continue
        if line.get("deleted"):
            done.pop(line["key"], None)
        else:
            done[line["key"]] = line.get("path")
    return done


def engine_process(config: Dict[str, Any], env: Optional[Dict[str, str]] = None) -> "subprocess.Popen[bytes]":
    """run_engine.py in a child process (so that it can be kill -9'd); the
    configuration, token included, goes through stdin, never argv."""
    child_env = dict(os.environ if env is None else env)
    child_env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + child_env.get("PYTHONPATH", "")
    proc = subprocess.Popen([sys.executable, str(RUN_ENGINE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=child_env, cwd=str(REPO_ROOT))
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(config).encode())
    proc.stdin.close()
    proc.stdin = None   # so that communicate() does not flush a closed file
    return proc


def engine_config(forge: Any, dest: Any, owners: Iterable[str] = ("acme",), token: Optional[str] = None,
                  **sync: Any) -> Dict[str, Any]:
    sync.setdefault("return_repos", "none")
    return {"values": job_values(forge, dest, owners, token, **sync), "check_mode": False}
