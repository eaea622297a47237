# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The token appears nowhere but in the environment of the git processes.

Checked while real runs go on (clone, fetch, pull, reset, mirror, a failing
repo, a progress file): every file under dest (.git/config, the journal and
its lock included), the argv of every process seen (a wrapper `git` first on
PATH logs what the engine runs; a thread polls /proc/*/cmdline for what git
runs itself, e.g. git-remote-http), the results, the log records and the
progress file. The Ansible side (-vvv output) is in test_bulk_clone_ansible.py.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import threading
from pathlib import Path
from typing import List, Set

import pytest

from bulk_clone_support import engine_config, engine_process, outcomes, run

# Not beside other tests (make test runs the rest in parallel): it reads the argv of every process on the machine.
pytestmark = pytest.mark.serial

TOKEN = "ghp_Zx9SecretBulkCloneToken4711abcdef"
BASIC = base64.b64encode(("x-access-token:" + TOKEN).encode()).decode()
FORMS = (TOKEN, BASIC, TOKEN[4:20])


def leaks(text: str) -> List[str]:
    return [form for form in FORMS if form in text]


def files_containing_secret(root: Path) -> List[str]:
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath, name)
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if any(form.encode() in data for form in FORMS):
                found.append(str(path))
    return found


class CmdlinePoller(threading.Thread):
    """Records the argv of every process visible in /proc while it runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.seen: Set[str] = set()

    def run(self) -> None:
        me = str(os.getpid())
        while not self.stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit() or pid == me:
                    continue
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as handle:
                        raw = handle.read()
                except OSError:
                    continue
                if raw:
                    self.seen.add(raw.replace(b"\0", b" ").decode("utf-8", "replace"))
            self.stop.wait(0.002)

    def __enter__(self) -> "CmdlinePoller":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.join()


@pytest.fixture
def git_wrapper(tmp_path, monkeypatch):
    """A `git` first on PATH that logs its argv, then runs the real git."""
    real = shutil.which("git")
    log = tmp_path / "git-argv.log"
    wrapper = tmp_path / "bin" / "git"
    wrapper.parent.mkdir()
    wrapper.write_text('#!/bin/sh\nprintf "%%s\\n" "$*" >> "%s"\nexec "%s" "$@"\n' % (log, real))
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", "%s%s%s" % (wrapper.parent, os.pathsep, os.environ["PATH"]))
    return log


@pytest.fixture
def org(fresh_forge, hermetic_git):
    return fresh_forge(["github:acme:12"], tokens=(TOKEN,))


def test_token_nowhere_through_every_strategy_a_failure_and_a_progress_file(org, tmp_path, git_wrapper, caplog,
                                                                            monkeypatch):
    caplog.set_level(logging.DEBUG)
    # git's own tracing, unredacted, must not carry the header into our results either.
    monkeypatch.setenv("GIT_TRACE_CURL", "1")
    monkeypatch.setenv("GIT_TRACE_REDACT", "0")
    private = [r["full_path"] for r in org.repos("github", "acme") if r["private"]]
    assert private, "the org must have private repos, which need the token for git"
    dest, mirrors = tmp_path / "src", tmp_path / "mirrors"
    progress = tmp_path / "progress.json"
    results = []
    with CmdlinePoller() as poller:
        results.append(run(org, dest, token=TOKEN, progress_file=str(progress)))
        org.push_commits("github", [private[0], "acme/api-0"])
        org.inject({"kind": "status", "service": "git", "path": "^/acme/api-0\\.git/", "status": 500, "times": -1})
        for strategy in ("fetch", "pull", "reset"):
            results.append(run(org, dest, token=TOKEN, strategy=strategy, max_failures=-1,
                               progress_file=str(progress)))
            org.push_commits("github", [private[0]])
        org.clear_faults()
        results.append(run(org, mirrors, token=TOKEN, strategy="mirror", progress_file=str(progress)))
    assert set(outcomes(results[0]).values()) == {"cloned"}
    assert {outcomes(r)[private[0]] for r in results[1:4]} == {"updated"}
    failure = results[1]["failures"][0]
    assert failure["full_path"] == "acme/api-0" and "HTTP 5xx" in failure["reason"]
    assert set(outcomes(results[4]).values()) == {"cloned"}

    # Files: clones, mirrors, .git/config, the journal, its lock, the progress file.
    assert (dest / ".bulk-clone-state.jsonl").is_file() and progress.is_file()
    assert files_containing_secret(tmp_path) == []   # dest, mirrors, progress file and the argv log
    for repo in private:
        assert TOKEN not in (dest / repo / ".git" / "config").read_text()
    # argv: what the engine ran, and what git ran underneath.
    logged = git_wrapper.read_text()
    assert "clone" in logged and "fetch" in logged
    assert leaks(logged) == []
    git_seen = [c for c in poller.seen if "remote-http" in c or " clone " in c or " fetch " in c]
    assert git_seen, "the poller saw no git process at all"
    assert [c for c in poller.seen if leaks(c)] == []
    # Results and log records.
    assert leaks(json.dumps(results)) == []
    assert leaks("\n".join(r.getMessage() for r in caplog.records)) == []
    assert leaks(progress.read_text()) == []


def test_token_nowhere_in_a_killed_and_resumed_run_or_its_output(org, tmp_path):
    """The same through the runner process: its stdout/stderr, and the files a
    kill leaves behind (temporary clone folders, a torn journal line)."""
    import signal
    import time
    dest = tmp_path / "src"
    proc = engine_process(engine_config(org, dest, token=TOKEN, concurrency=2))
    deadline = time.monotonic() + 60
    while proc.poll() is None and not (dest / ".bulk-clone-state.jsonl").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    out, err = proc.communicate()
    assert leaks(out.decode() + err.decode()) == []
    assert files_containing_secret(dest) == []
    proc = engine_process(engine_config(org, dest, token=TOKEN, return_repos="all"))
    out, err = proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert leaks(out.decode() + err.decode()) == []
    assert json.loads(out)["counts"]["failed"] == 0
    assert files_containing_secret(dest) == []


def test_a_wrong_token_fails_with_a_clear_message_that_does_not_echo_it(org, tmp_path):
    from bulk_clone_engine.errors import AuthError
    wrong = "ghp_WrongTokenValue0000000000000000"
    with pytest.raises(AuthError) as info:
        run(org, tmp_path / "src", token=wrong)
    message = str(info.value)
    assert wrong not in message and wrong[4:20] not in message
    assert "token" in message.lower()
