# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input gets a clear error that names what to change, before any work.

Unwritable folders and full disks are real: as root the tests mount small
tmpfs file systems (read-only, or a few KB big); they are skipped where
mounting is not allowed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from bulk_clone_support import (engine_config, engine_process, git_requests,
                                journal_paths, leftover_temps, outcomes, repo_heads, run)
from bulk_clone_engine.errors import ConfigError, NotFoundError, StateError

STATE = ".bulk-clone-state.jsonl"


@pytest.fixture
def org(fresh_forge, hermetic_git):
    return fresh_forge(["github:acme:6"])


@pytest.fixture
def tmpfs():
    """mount(size, readonly) -> a fresh tmpfs folder; unmounted afterwards."""
    mounted = []

    def mount(size: str = "1m", readonly: bool = False) -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs needs root")
        where = tempfile.mkdtemp(prefix="bulk-clone-tmpfs-")
        opts = "size=%s%s" % (size, ",ro" if readonly else "")
        res = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", where], capture_output=True, text=True, check=False)
        if res.returncode != 0:
            os.rmdir(where)
            pytest.skip("cannot mount a tmpfs here: %s" % res.stderr.strip())
        mounted.append(where)
        return Path(where)

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", where], check=False)
        os.rmdir(where)


def no_git_happened(forge) -> bool:
    return git_requests(forge) == 0


# -- dest ------------------------------------------------------------------------------------
def test_missing_dest_parent(org, tmp_path):
    dest = tmp_path / "nope" / "src"
    with pytest.raises(ConfigError) as info:
        run(org, dest)
    assert "parent of dest" in str(info.value) and str(tmp_path / "nope") in str(info.value)
    assert "create it or choose another dest" in str(info.value)
    assert not (tmp_path / "nope").exists() and no_git_happened(org)


def test_unwritable_dest_parent(org, tmp_path, tmpfs):
    if os.geteuid() == 0:
        parent = tmpfs("64k", readonly=True)     # root ignores permission bits, not a read-only mount
    else:
        parent = tmp_path / "locked"
        parent.mkdir()
        parent.chmod(0o555)
    with pytest.raises(ConfigError) as info:
        run(org, parent / "src")
    assert "%s is not writable" % parent in str(info.value)
    assert "choose another dest" in str(info.value)
    assert no_git_happened(org)


def test_dest_that_is_a_file(org, tmp_path):
    dest = tmp_path / "src"
    dest.write_text("I am a file\n")
    with pytest.raises(ConfigError, match="dest %s exists and is not a folder" % dest):
        run(org, dest)
    assert dest.read_text() == "I am a file\n"


def test_state_file_in_a_missing_folder(org, tmp_path):
    with pytest.raises(ConfigError) as info:
        run(org, tmp_path / "src", state_file=str(tmp_path / "nowhere" / "state.jsonl"))
    assert "state_file" in str(info.value) and str(tmp_path / "nowhere") in str(info.value)


# -- options ---------------------------------------------------------------------------------
@pytest.mark.parametrize("options, words", [
    (dict(strategy="yolo"), ["strategy 'yolo'", "clone, fetch, pull, reset, mirror"]),
    (dict(protocol="ftp"), ["protocol 'ftp'", "https or ssh"]),
    (dict(return_repos="some"), ["return_repos 'some'", "none, changed, all"]),
    (dict(concurrency=0), ["concurrency must be a whole number from 1 to 256"]),
    (dict(max_failures=-2), ["max_failures must be -1"]),
    (dict(depth=0), ["depth must be a positive whole number"]),
    (dict(filter="--upload-pack=evil"), ["filter must look like blob:none"]),
    (dict(path_template="{name.__class__}"), ["path_template", "is not allowed"]),
    (dict(path_template="all-in-one"), ["path_template", "include {name}"]),
    (dict(strategy="mirror", depth=1), ["depth cannot be used with strategy mirror", "remove depth"]),
    (dict(strategy="mirror", branch="main"), ["branch cannot be used with strategy mirror", "remove branch"]),
    (dict(strategy="mirror", filter="blob:none"), ["filter cannot be used with strategy mirror"]),
    (dict(strategy="mirror", submodules=True), ["submodules cannot be used with strategy mirror"]),
])
def test_bad_or_conflicting_options_name_what_to_change(org, tmp_path, options, words):
    with pytest.raises(ConfigError) as info:
        run(org, tmp_path / "src", **options)
    for word in words:
        assert word in str(info.value)
    assert not (tmp_path / "src").exists() and no_git_happened(org)


def test_token_and_github_app_together_is_refused(org, tmp_path):
    app = dict(app_id="123", app_private_key="-----BEGIN RSA PRIVATE KEY-----\n", app_installation_id=7)
    with pytest.raises(ConfigError, match="either token or the GitHub App settings, not both"):
        run(org, tmp_path / "src", forge_extra=app)
    with pytest.raises(ConfigError, match="app_id, app_private_key and app_installation_id together"):
        run(org, tmp_path / "src", forge_extra=dict(app_id="123"))
    assert no_git_happened(org)


def test_unknown_owner_names_the_owner(org, tmp_path):
    import requests
    root = requests.get(org.github_api + "/", headers={"Authorization": "token " + org.token}, timeout=10)
    if "current_user_url" not in root.text:
        # The provider tells a wrong api_url from an unknown owner by the API root.
        pytest.skip("the local forge does not serve the GitHub API root GET /api/v3/ yet")
    with pytest.raises(NotFoundError) as info:
        run(org, tmp_path / "src", owners=["no-such-org"])
    assert "no-such-org" in str(info.value)
    assert no_git_happened(org)


# -- the state journal -----------------------------------------------------------------------
def test_corrupt_state_file_is_refused_with_the_line_and_a_way_out(org, tmp_path):
    dest = tmp_path / "src"
    run(org, dest)
    state = dest / STATE
    lines = state.read_text().splitlines(True)
    lines.insert(2, "{this is not json\n")
    state.write_text("".join(lines))
    org.reset_counters()
    with pytest.raises(StateError) as info:
        run(org, dest)
    message = str(info.value)
    assert str(state) in message and "corrupt at line 3" in message
    assert "mv %s %s.bad" % (state, state) in message
    assert no_git_happened(org)
    # Following the advice works, and keeps the clones.
    state.rename(str(state) + ".bad")
    again = run(org, dest)
    assert set(outcomes(again).values()) == {"unchanged"} and not again.get("failed")


def test_a_torn_last_line_is_tolerated(org, tmp_path):
    dest = tmp_path / "src"
    run(org, dest)
    with open(dest / STATE, "a") as handle:
        handle.write('{"key":"github:127.0.0.1:1001","path":"acme/a')
    org.reset_counters()
    again = run(org, dest)
    assert set(outcomes(again).values()) == {"unchanged"} and no_git_happened(org)


def test_a_dest_locked_by_another_run_is_refused_clearly(org, tmp_path):
    dest = tmp_path / "src"
    # A real second run, held in the middle of a clone by a stalled pack.
    org.inject({"kind": "stall_pack", "service": "git", "seconds": 20, "times": -1})
    proc = engine_process(engine_config(org, dest, concurrency=1))
    lock = dest / ".bulk-clone.lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (lock.exists() and lock.read_text().strip()):
        time.sleep(0.02)
    try:
        # The lock belongs to dest: another state file does not get around it.
        for state_file in (None, str(tmp_path / "other-state.jsonl")):
            with pytest.raises(StateError) as info:
                run(org, dest, state_file=state_file)
            message = str(info.value)
            assert "another bulk-clone run (pid %d on %s, started " % (proc.pid, socket.gethostname()) in message
            assert "is syncing into %s" % dest in message and "Wait for it to finish" in message
            assert "lock_timeout" in message
            assert "remove" not in message and "delete" not in message    # never advise deleting the lock
        # lock_timeout waits for it (here: in vain, and says so).
        started = time.monotonic()
        with pytest.raises(StateError, match=r"after waiting 1s \(lock_timeout\)"):
            run(org, dest, lock_timeout=1.0)
        assert time.monotonic() - started >= 1.0
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    org.clear_faults()
    for pid in _processes_under(dest):
        os.kill(pid, signal.SIGKILL)
    # Once the holder is gone (kill -9 included) the lock is free again.
    result = run(org, dest)
    assert not result.get("failed") and leftover_temps(dest) == []


def _processes_under(root: Path):
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cwd = os.readlink("/proc/%s/cwd" % pid)
            except OSError:
                continue
            if cwd.startswith(str(root)):
                found.append(int(pid))
    return found


# -- full disks ------------------------------------------------------------------------------
def test_disk_full_stops_the_run_at_the_first_enospc_naming_the_disk(fresh_forge, hermetic_git, tmpfs):
    forge = fresh_forge(["github:acme:6:big=1"])
    big = [r["full_path"] for r in forge.repos("github", "acme") if r["big"]]
    mount = tmpfs("2m")
    dest = mount / "src"
    # One git at a time: a small clone running while the big one fills the
    # disk would (rightly) fail too, and the test would depend on scheduling.
    result = run(forge, dest, max_failures=-1, concurrency=1)
    failures = {f["full_path"]: f["reason"] for f in result["failures"]}
    assert "no space left on device: free disk space under dest" in failures[big[0]]
    assert forge.git_requests_by_repo("github")[big[0]]["info-refs"] == 1   # not retried
    # The run stopped there: nothing after the full disk was tried.
    assert result.get("failed") and "(mounted at %s) is full" % mount in result["msg"]
    tried = set(forge.git_requests_by_repo("github"))
    after = [p for p, r in failures.items() if p != big[0]]
    assert all("not attempted" in failures[p] for p in after) and not set(after) & tried
    assert leftover_temps(dest) == [] and not (dest / big[0]).exists()
    # The journal is intact: a re-run redoes none of the repositories already cloned.
    done = {p for p in tried if p != big[0]}
    forge.reset_counters()
    again = run(forge, dest, max_failures=-1, concurrency=1, exclude=[big[0].split("/")[1]])
    assert not set(forge.git_requests_by_repo("github")) & done
    assert again["counts"]["unchanged"] == len(done)


def test_journal_on_a_full_disk_stops_the_run_clearly_and_a_rerun_resumes(fresh_forge, hermetic_git,
                                                                          tmp_path, tmpfs):
    forge = fresh_forge(["github:acme:40"])
    dest = tmp_path / "src"
    # One page, taken by the lock file: the journal cannot even be started.
    state = tmpfs("4k") / "state.jsonl"
    with pytest.raises(StateError) as info:
        run(forge, dest, state_file=str(state))
    assert "cannot open the state journal %s (No space left on device)" % state in str(info.value)
    assert "free disk space" in str(info.value) and no_git_happened(forge)

    # Two pages: the lock, and room for about fifteen journal lines.
    state_dir = tmpfs("8k")
    state = state_dir / "state.jsonl"
    box = {}
    worker = threading.Thread(target=lambda: box.update(result=run(forge, dest, state_file=str(state))),
                              daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "the run hung when the journal could not be written"
    result = box["result"]
    assert result["failed"] is True
    assert "state journal %s could not be written (No space left on device)" % state in result["msg"]
    assert "free disk space" in result["msg"] and "re-run resumes" in result["msg"]
    assert result["counts"]["total"] < 40 or result["counts"]["failed"] > 0
    recorded = set(journal_paths(state).values())
    assert 0 < len(recorded) < 40

    subprocess.run(["mount", "-o", "remount,size=1m", str(state_dir)], check=True)
    forge.reset_counters()
    again = run(forge, dest, state_file=str(state))
    assert not again.get("failed"), again.get("msg")
    assert set(forge.git_requests_by_repo("github")).isdisjoint(recorded)
    truth = {r["full_path"]: r["head"] for r in forge.repos("github", "acme") if not r["disabled"]}
    assert repo_heads(dest) == truth


# -- hostile names from the forge ------------------------------------------------------------
# The forge lets a rename set any name (real forges refuse most of these; a
# compromised or buggy one, or a proxy, might not): every one is either
# refused for that repository alone, or lands strictly inside dest.
HOSTILE = {
    "acme/api-0": "..",
    "acme/tool-1": "../../escape",
    "acme/web-2": "x/../../../escape2",
    "acme/data-3": ".git",
    "acme/Cli-4": "-leading-dash",
    "acme/auth-5": ".bulk-clone-state.jsonl",
}
REFUSED = {"..", "../../escape", "x/../../../escape2", ".git", ".bulk-clone-state.jsonl"}


def entries(path: Path):
    return sorted(p.name for p in path.iterdir())


def test_hostile_repo_names_never_create_anything_outside_dest(fresh_forge, hermetic_git, tmp_path):
    forge = fresh_forge(["github:acme:8"])
    for full_path, name in HOSTILE.items():
        forge.rename_repo("github", full_path, name)
    dest = tmp_path / "box" / "src"
    dest.parent.mkdir()
    around = {p: entries(p) for p in (tmp_path, tmp_path.parent)}

    for template in ("{owner}/{name}", "{name}", "{full_path}"):
        result = run(forge, dest, path_template=template, max_failures=-1)
        by_name = {r["full_path"].split("/", 1)[1]: r for r in result["repos"]}
        for name in REFUSED:
            assert by_name[name]["outcome"] == "failed", (template, by_name[name])
            assert "refusing to place repository" in by_name[name]["reason"]
        assert by_name["-leading-dash"]["outcome"] in ("cloned", "unchanged")
        assert not result.get("msg")
    assert entries(dest.parent) == ["src"]
    assert {p: entries(p) for p in (tmp_path, tmp_path.parent)} == around
    for path in dest.rglob("*"):
        assert os.path.realpath(path).startswith(str(dest) + os.sep)
    # The state journal was not clobbered by the repo named like it.
    assert journal_paths(dest / STATE)
    assert (dest / "-leading-dash" / ".git").is_dir() and (dest / "acme" / "-leading-dash" / ".git").is_dir()


def test_a_symlink_under_dest_cannot_lead_clones_outside(fresh_forge, hermetic_git, tmp_path):
    forge = fresh_forge(["github:acme:3"])
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "src"
    dest.mkdir()
    (dest / "acme").symlink_to(outside)
    result = run(forge, dest, max_failures=-1)
    assert result["counts"]["failed"] == result["counts"]["total"] == 3
    assert all("outside dest" in f["reason"] for f in result["failures"])
    assert list(outside.iterdir()) == []


def test_journal_write_failing_on_a_full_disk_leaves_it_readable(tmpfs):
    """A write cut short by ENOSPC, then one that succeeds once space is back
    (a failed clone removes its temp folder): the journal must still load.
    (journal.py: truncate back to the last complete line when a write fails.)"""
    from bulk_clone_engine.journal import Journal
    box = tmpfs("12k")
    filler = box / "filler"
    filler.write_bytes(b"x" * 4096)
    journal = Journal.open(box / "state.jsonl")
    written = 0
    with pytest.raises(OSError):
        while True:
            journal.record("github:h:%d" % written, marker="2026-01-01T00:00:00Z", head="a" * 40,
                           path="acme/repo-%d" % written, outcome="pull:cloned", full_path="acme/repo-%d" % written)
            written += 1
    filler.unlink()
    journal.record("github:h:after", marker="m", head="b" * 40, path="acme/after", outcome="pull:cloned",
                   full_path="acme/after")
    journal.close()
    again = Journal.open(box / "state.jsonl", readonly=True)
    assert len(again) == written + 1 and again.get("github:h:after").path == "acme/after"
