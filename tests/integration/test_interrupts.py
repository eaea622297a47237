# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Interrupts end cleanly at every door (issue 10, points 8 and 9).

Real processes, real signals, real git: the forge stalls every pack so that
git processes are mid-transfer when the signal arrives. After it: the door
exits within 10 s with "interrupted ... after N", no git process is left, no
temporary clone is left, the lock is free and the journal lets a re-run
finish the job. The module's result is a normal failed result, never
"Module result deserialization failed"; a module whose Ansible is killed
notices by itself.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, List

import pytest

from ansible_support import ansible_env
from bulk_clone_support import run

# Not beside other tests (make test runs the rest in parallel): it looks for module processes by name in all of /proc.
pytestmark = pytest.mark.serial

STALL = {"kind": "stall_pack", "service": "git", "seconds": 120, "times": -1}


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def processes_under(dest: Path, name: str = "git") -> List[int]:
    """PIDs of processes named like `name` working under dest (by cwd or argv)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                argv = handle.read().decode("utf-8", "replace").split("\0")
            cwd = os.readlink("/proc/%s/cwd" % pid)
            with open("/proc/%s/stat" % pid) as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
        except OSError:
            continue
        if not argv or name not in os.path.basename(argv[0]):
            continue
        if cwd.startswith(str(dest)) or any(str(dest) in a for a in argv):
            found.append(int(pid))
    return found


def temp_clones(dest: Path) -> List[str]:
    temp = dest / ".bulk-clone-tmp"
    return sorted(p.name for p in temp.iterdir()) if temp.is_dir() else []


def assert_clean_after_interrupt(forge, dest: Path, total: int) -> None:
    wait_until(lambda: not processes_under(dest), 5, "git processes to be gone")
    assert temp_clones(dest) == []
    # The journal is intact and the lock free: a re-run finishes the job.
    forge.clear_faults()
    again = run(forge, dest, return_repos="none")
    assert not again.get("failed"), again["failures"]
    assert again["counts"]["total"] == total


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_console_stops_cleanly_on_a_signal(fresh_forge, hermetic_git, tmp_path, sig):
    forge = fresh_forge(["github:acme:20"])
    forge.inject(STALL)
    dest = tmp_path / "src"
    env = dict(os.environ, BULK_CLONE_TOKEN=forge.token)
    proc = subprocess.Popen([sys.executable, "-m", "bulk_clone_engine.console", "--api-url", forge.github_api,
                             "--owners", "acme", "--dest", str(dest), "--concurrency", "4"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until(lambda: len(processes_under(dest)) >= 4, 60, "four git processes")
        sent = time.monotonic()
        proc.send_signal(sig)
        out, _err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert took < 10, "took %.1f s to stop" % took
    assert proc.returncode == 130, out
    assert re.search(r"interrupted by %s after 0 (of 20 )?repositories" % sig.name, out), out
    assert "Traceback" not in out
    report = json.loads((dest / ".bulk-clone-report.json").read_text())
    assert report["interrupted"] == "interrupted by %s" % sig.name
    assert all(f["reason"].startswith(("interrupted while running", "not attempted"))
               for f in report["failures"])
    assert_clean_after_interrupt(forge, dest, 20)


def _module_processes() -> List[int]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as handle:
                    if b"AnsiballZ_bulk_clone" in handle.read():
                        found.append(int(pid))
            except OSError:
                continue
    return found


def _adhoc(forge, dest: Path, **env: str) -> subprocess.Popen:
    args = "owners=acme dest=%s api_url=%s concurrency=4" % (dest, forge.github_api)
    return subprocess.Popen(["ansible", "localhost", "-m", "gizzahub.bulk_clone.bulk_clone", "-a", args],
                            env=ansible_env(BULK_CLONE_TOKEN=forge.token, **env), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def test_the_module_returns_a_normal_failed_result_on_sigterm(fresh_forge, hermetic_git, tmp_path):
    forge = fresh_forge(["github:acme:12"])
    forge.inject(STALL)
    dest = tmp_path / "src"
    before = set(_module_processes())
    proc = _adhoc(forge, dest)
    try:
        wait_until(lambda: len(processes_under(dest)) >= 4, 90, "four git processes")
        modules = [p for p in _module_processes() if p not in before]
        assert modules, "the module process was not found"
        sent = time.monotonic()
        for pid in modules:
            os.kill(pid, signal.SIGTERM)
        wait_until(lambda: not set(_module_processes()) - before, 10, "the module to end")
        assert time.monotonic() - sent < 10
        out, _err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "localhost | FAILED!" in out, out
    assert re.search(r"interrupted by SIGTERM after 0 (of 12 )?repositories", out), out
    assert "deserialization" not in out and "MODULE FAILURE" not in out
    assert '"counts"' in out
    assert_clean_after_interrupt(forge, dest, 12)


def test_the_module_stops_by_itself_when_ansible_is_killed(fresh_forge, hermetic_git, tmp_path):
    forge = fresh_forge(["github:acme:12"])
    forge.inject(STALL)
    dest = tmp_path / "src"
    before = set(_module_processes())
    proc = _adhoc(forge, dest)
    try:
        wait_until(lambda: len(processes_under(dest)) >= 4, 90, "four git processes")
        modules = [p for p in _module_processes() if p not in before]
        assert modules
        # kill -9 of Ansible's main process alone: its worker, the shell and the
        # module go on living, and the module has to notice by itself.
        killed = time.monotonic()
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        try:
            wait_until(lambda: not set(_module_processes()) - before, 15, "the module to end by itself")
        except AssertionError:
            print(subprocess.run(["ps", "-eo", "pid,ppid,stat,args"], capture_output=True, text=True, check=False).stdout)
            raise
        assert time.monotonic() - killed < 15
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert_clean_after_interrupt(forge, dest, 12)
