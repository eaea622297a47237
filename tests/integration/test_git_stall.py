# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stalled transfers and interrupts (issue 10, points 12, 8 and 16), with real
git against the local forge's stall_pack fault on a repo with a 3 MiB blob.

The fault trickles half of the pack (rate) so that git shows bytes received,
then sends nothing more: the runner's stall timeout (1 or 2 s here) ends the
try. curl measures speed over its last 5 seconds, so a try ends some 6 s
after the stall timeout would suggest: these tests take seconds, not minutes.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest

from bulk_clone_engine.gitrunner import (
    TRANSIENT, GitError, GitInterrupted, GitRunner, allow_git_again, terminate_all_git,
)
from bulk_clone_engine.outcome import Outcome
from bulk_clone_engine.strategies import SyncOptions
from bulk_clone_engine.sync import sync_repo

CLONED = Outcome.CLONED
from bulk_clone_support import git  # noqa: E402

TOKEN = "forge-token"
RATE = 512 << 10          # half of the pack (1.5 MiB) arrives over about 3 s: git shows bytes every second


@pytest.fixture(autouse=True)
def _hermetic(hermetic_git):
    yield hermetic_git
    allow_git_again()


@pytest.fixture(scope="module")
def big_repo_forge(tmp_path_factory):
    from tests.forge import Forge
    forge = Forge(specs=["github:heavy:3:big=2"], root=str(tmp_path_factory.mktemp("forge-heavy")),
                  tokens=(TOKEN,))
    forge.start()
    yield forge
    forge.stop()


@pytest.fixture
def forge(big_repo_forge):
    big_repo_forge.clear_faults()
    big_repo_forge.reset_counters()
    return big_repo_forge


def big_repo(forge):
    return next(r for r in forge.repos("github", "heavy") if r["big"] and not r["disabled"])


def runner_for(forge, **kw):
    kw.setdefault("stall_timeout", 2)
    kw.setdefault("backoff_base", 0.01)
    kw.setdefault("backoff_max", 0.05)
    return GitRunner(token=TOKEN, origin=forge.url, timeout=300, **kw)


def stall(forge, repo, times=1, rate=RATE):
    forge.inject({"kind": "stall_pack", "path": repo["full_path"], "seconds": 120, "rate": rate, "times": times})


def test_a_stalled_pack_ends_the_try_which_is_retried_and_shows_bytes(forge, tmp_path):
    repo = big_repo(forge)
    stall(forge, repo)
    notices, seen = [], []

    def on_retry(exc, n, wait):
        notices.append((exc, exc.retry_notice(wait, n, 2)))
        seen.append(None)                  # where the first try ended
    runner = runner_for(forge, tries=2, on_retry=on_retry)
    target = tmp_path / "heavy" / repo["name"]
    with runner.reporting_progress(seen.append):
        # sync.py as it is today: it knows nothing of progress, the runner does.
        result = sync_repo(runner, target, repo["clone_url"], repo["default_branch"], SyncOptions())
    assert result.outcome == CLONED and git("rev-parse", "HEAD", cwd=target) == repo["head"]
    assert len(notices) == 1
    first, notice = notices[0]
    assert first.failure == (TRANSIENT, "no data received for 2 s (stalled transfer)")
    assert notice.startswith("git clone failed: no data received for 2 s (stalled transfer)")
    assert "will retry in" in notice
    # Bytes were reported while the first try was still receiving, before the
    # stall ended it; each try's count only goes up.
    first_try, second_try = seen[:seen.index(None)], seen[seen.index(None) + 1:]
    assert len(first_try) >= 2 and first_try == sorted(set(first_try))
    assert second_try == sorted(second_try) and second_try[-1] > first_try[-1]
    assert not [p for p in os.listdir(target.parent) if p != repo["name"]]      # no temp folder left


@pytest.mark.slow
def test_a_pack_that_stalls_every_time_gives_up_saying_so(forge, tmp_path):
    repo = big_repo(forge)
    stall(forge, repo, times=-1, rate=0)
    with pytest.raises(GitError) as info:
        runner_for(forge, tries=2, stall_timeout=1).run(["clone", "--", repo["clone_url"], str(tmp_path / "c")],
                                                        retry=True)
    message = str(info.value)
    assert message.startswith("git clone failed: no data received for 1 s (stalled transfer)")
    assert message.endswith("(gave up after 2 tries)") and "will retry" not in message
    assert forge.list_faults()[0]["fired"] == 2


def test_terminate_stops_a_running_clone_tree_and_its_temp_folder_can_go(forge, tmp_path):
    psutil = pytest.importorskip("psutil")
    repo = big_repo(forge)
    forge.inject({"kind": "stall_pack", "path": repo["full_path"], "seconds": 120, "rate": RATE // 4})
    receiving = threading.Event()
    outcome = []
    temp = tmp_path / ".clone-in-progress"
    runner = runner_for(forge, stall_timeout=60)

    def clone():
        try:
            runner.run(["clone", "--", repo["clone_url"], str(temp)], on_progress=lambda n: receiving.set())
        except GitInterrupted as exc:
            outcome.append(exc)
    worker = threading.Thread(target=clone)
    worker.start()
    assert receiving.wait(60), "git never reported bytes"
    me = psutil.Process()
    groups = {p.pid for p in me.children() if _cmdline(p)[:1] == ["git"] or _cmdline(p)[:1] == ["/usr/bin/git"]}
    tree = [p for p in me.children(recursive=True) if _pgid(p.pid) in groups]
    assert groups and any("remote-http" in " ".join(_cmdline(p)) for p in tree)

    assert terminate_all_git(grace=2.0) == 1
    worker.join(30)
    assert not worker.is_alive() and len(outcome) == 1 and "interrupted" in str(outcome[0])
    survivors = [p for p in psutil.process_iter() if _in_groups(p, groups)]
    assert survivors == []
    shutil.rmtree(temp, ignore_errors=True)
    assert not temp.exists()
    with pytest.raises(GitInterrupted):
        runner.run(["ls-remote", repo["clone_url"]])


def _cmdline(proc):
    try:
        return proc.cmdline()
    except Exception:       # a zombie or gone: psutil cannot read it
        return []


def _pgid(pid):
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def _in_groups(proc, groups):
    try:
        return _pgid(proc.pid) in groups and proc.status() != "zombie"
    except Exception:       # gone meanwhile
        return False
