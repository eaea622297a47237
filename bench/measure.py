# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run one measured process and read what it cost: wall time, peak RSS, and
the requests and bytes the forge served it.

Why os.wait4 and not RUSAGE_CHILDREN: the bench starts many children one
after the other, and RUSAGE_CHILDREN keeps the maximum over all of them, so a
later, smaller run would inherit an earlier peak. wait4 gives the rusage of
one child (its ru_maxrss is the largest process of that child's tree, e.g.
the biggest git of an xargs run); our own clients also report RUSAGE_SELF,
which excludes the git processes they start.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POLL_SECONDS = 0.1


@dataclass
class ProcessRun:
    """One finished (or killed) process."""

    argv: List[str]
    returncode: int
    wall: float
    tree_rss_kb: int               # wait4: the largest process of the child's tree
    cpu: float                     # wait4: user + system seconds of the child and the processes it reaped
    stdout: str
    stderr: str
    killed: bool = False


@dataclass
class Measured:
    """A measured client run: the process, its JSON result, the forge's counts."""

    label: str
    run: ProcessRun
    result: Optional[Dict[str, Any]]
    counters: Dict[str, int] = field(default_factory=dict)
    error: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def rss_mb(self) -> Optional[float]:
        """The client's own peak RSS if it reported one, else its tree's largest process."""
        if self.result and "rss_kb" in self.result:
            return self.result["rss_kb"] / 1024.0
        return self.run.tree_rss_kb / 1024.0 if self.run.tree_rss_kb else None


def hermetic_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The same environment for every measured client: no system or user git
    config (a developer's credential helper or url.insteadOf would change what
    is measured), no inherited GIT_CONFIG_* or GIT_DIR."""
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("GIT_CONFIG") or k in ("GIT_DIR", "GIT_WORK_TREE"))}
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["PYTHONPATH"] = REPO_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra or {})
    return env


def git_token_env(origin: str, token: str) -> Dict[str, str]:
    """What a careful shell user gives `git clone`: the token in an extraHeader
    carried by GIT_CONFIG_* (the same channel our engine uses), so the
    baseline pays the same authentication cost."""
    basic = base64.b64encode(("x-access-token:%s" % token).encode()).decode()
    return {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.%s/.extraHeader" % origin.rstrip("/"),
            "GIT_CONFIG_VALUE_0": "Authorization: Basic %s" % basic}


def run_process(argv: Sequence[str], env: Dict[str, str], stdin_text: Optional[str] = None,
                cwd: Optional[str] = None, kill_when: Optional[Callable[[], bool]] = None) -> ProcessRun:
    """Run argv in its own session; with kill_when, SIGKILL the whole session
    (the client and its git processes, as a cancelled CI job or a stopped
    container would) as soon as it returns True."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as inp:
        if stdin_text is not None:
            inp.write(stdin_text.encode("utf-8"))
            inp.seek(0)
        started = time.monotonic()
        proc = subprocess.Popen(list(argv), stdin=inp if stdin_text is not None else subprocess.DEVNULL,
                                stdout=out, stderr=err, env=env, cwd=cwd or REPO_ROOT, start_new_session=True)
        killed = False
        try:
            if kill_when is None:
                _, status, usage = os.wait4(proc.pid, 0)
            else:
                while True:
                    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                    if pid:
                        break
                    if kill_when():
                        os.killpg(proc.pid, signal.SIGKILL)
                        killed = True
                        _, status, usage = os.wait4(proc.pid, 0)
                        break
                    time.sleep(POLL_SECONDS)
        except BaseException:
            _kill_session(proc.pid)
            raise
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)   # wait4 reaped it, tell Popen
        if killed:
            _kill_session(proc.pid)    # git processes that outlived their parent
        out.seek(0)
        err.seek(0)
        return ProcessRun(list(argv), proc.returncode, wall, int(usage.ru_maxrss),
                          usage.ru_utime + usage.ru_stime, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), killed)


def _kill_session(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def client_argv(job: Dict[str, Any]) -> List[str]:
    return [sys.executable, "-m", "bench.client", json.dumps(job)]


def last_json_line(text: str) -> Optional[Dict[str, Any]]:
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def counter_delta(before: Dict[str, int], after: Dict[str, int]) -> Dict[str, int]:
    keys = set(before) | set(after)
    return {k: after.get(k, 0) - before.get(k, 0) for k in sorted(keys) if after.get(k, 0) != before.get(k, 0)}


def measure(label: str, forge: Any, argv: Sequence[str], env: Dict[str, str], stdin_text: Optional[str] = None,
            kill_when: Optional[Callable[[], bool]] = None, expect_json: bool = True) -> Measured:
    """Run a client between two reads of the forge's counters."""
    before = forge.counters()
    run = run_process(argv, env, stdin_text=stdin_text, kill_when=kill_when)
    delta = counter_delta(before, forge.counters())
    result = last_json_line(run.stdout) if expect_json else None
    error = None
    if run.killed:
        pass                       # killed on purpose: no exit status or result to judge
    elif run.returncode != 0:
        error = "exit %d: %s" % (run.returncode, _tail(run.stderr))
    elif expect_json and result is None:
        error = "no result line: %s" % _tail(run.stderr)
    return Measured(label, run, result, delta, error)


def _tail(text: str, lines: int = 3) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept)[-400:] or "(no output)"


# -- what the forge counted -------------------------------------------------------------

def api_requests(counters: Dict[str, int]) -> int:
    """API calls of every service. `api:<service>:list` is a subset of the
    service's own counter (GitHub splits rest and graphql), so it is left out."""
    total = 0
    for key, value in counters.items():
        parts = key.split(":")
        if parts[0] != "api" or parts[-1] == "list":
            continue
        if parts[1] == "github" and len(parts) == 2:
            continue
        total += value
    return total


def list_requests(counters: Dict[str, int]) -> int:
    return sum(v for k, v in counters.items() if k.startswith("api:") and k.endswith(":list"))


def git_requests(counters: Dict[str, int]) -> int:
    return sum(v for k, v in counters.items() if k.startswith("git:"))


def bytes_sent(counters: Dict[str, int]) -> int:
    return counters.get("bytes:sent", 0)
