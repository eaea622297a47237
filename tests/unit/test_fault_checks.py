# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The counts of `make faults` (bench/fault_checks.py) see what they claim to
see: each is shown a real git tree (or a real process) with the damage it
counts, and the same tree without it. A matrix of zeros means something only
if a loss, a corruption, an overwrite or a leak would not have been zero."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from urllib.parse import quote

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from bench import fault_checks as checks  # noqa: E402

TOKEN = "ghp_Qw3eRt5yUi7oPa9sDf2gHj4kLz6xCv8b"


@pytest.fixture
def git_env(tmp_path, monkeypatch):
    cfg = tmp_path / "gitconfig"
    cfg.write_text("[user]\n\tname = T\n\temail = t@example.invalid\n[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(cfg))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return cfg


def run_git(*args, cwd=None) -> str:
    return subprocess.run(["git"] + list(args), cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def dest(tmp_path, git_env):
    """dest/acme/{one,two}: clones of two upstream repos with a commit each."""
    dest = tmp_path / "dest"
    for name in ("one", "two"):
        upstream = tmp_path / "upstream" / name
        upstream.mkdir(parents=True)
        run_git("init", "-q", cwd=upstream)
        (upstream / "README").write_text(name + "\n")
        run_git("add", "README", cwd=upstream)
        run_git("commit", "-q", "-m", "first", cwd=upstream)
        run_git("clone", "-q", str(upstream), str(dest / "acme" / name))
    return dest


def test_clean_clones_count_nothing(dest):
    heads = checks.clones(dest)
    assert set(heads) == {"acme/one", "acme/two"} and all(heads.values())
    assert checks.repos_lost(dest, heads, checks.Expectations()) == []
    assert checks.repos_corrupted(dest) == []


def test_a_missing_clone_a_wrong_head_and_a_lost_kept_clone_are_lost(dest):
    truth = checks.clones(dest)
    truth["acme/three"] = "0" * 40
    truth["acme/two"] = "1" * 40
    expect = checks.Expectations(keep={"acme/gone-upstream": "2" * 40})
    lost = checks.repos_lost(dest, truth, expect)
    assert [line.split(":")[0] for line in lost] == ["acme/three", "acme/two", "acme/gone-upstream"]


def test_the_trash_must_hold_what_was_pruned_and_nothing_else(dest):
    heads = checks.clones(dest)
    trash = dest / ".bulk-clone-trash" / "20260101T000000Z" / "acme"
    trash.mkdir(parents=True)
    os.rename(dest / "acme" / "two", trash / "two")
    truth = {"acme/one": heads["acme/one"]}
    assert checks.repos_lost(dest, truth, checks.Expectations(trash={"acme/two": heads["acme/two"]})) == []
    assert checks.repos_lost(dest, truth, checks.Expectations()) == [
        "acme/two: in the trash but should not have been pruned"]
    assert checks.repos_lost(dest, truth, checks.Expectations(trash={"acme/one": heads["acme/one"]}))[0] == \
        "acme/one: pruned but not in the trash"


def test_a_seeded_clone_may_carry_local_commits_on_top_of_the_forge(dest):
    truth = checks.clones(dest)
    checks.seed(dest / "acme" / "one")
    assert checks.repos_lost(dest, truth, checks.Expectations())[0].startswith("acme/one: HEAD")
    assert checks.repos_lost(dest, truth, checks.Expectations(seeded={"acme/one"})) == []


def test_fsck_failures_half_clones_and_temp_folders_are_corrupted(dest):
    one = dest / "acme" / "one"
    blob = run_git("rev-parse", "HEAD:README", cwd=one)
    os.remove(one / ".git" / "objects" / blob[:2] / blob[2:])
    (dest / "acme" / "half").mkdir()
    (dest / "acme" / "half" / "HEAD").write_text("ref: refs/heads/main\n")
    (dest / ".bulk-clone-tmp" / ".x.bulk-clone-tmp-0123").mkdir(parents=True)
    found = checks.repos_corrupted(dest)
    assert [line.split(":")[0] for line in found] == ["acme/half", "acme/one",
                                                      ".bulk-clone-tmp/.x.bulk-clone-tmp-0123"]
    assert "git fsck failed" in found[1]


def test_every_piece_of_seeded_work_is_counted_when_overwritten(dest):
    one, two = dest / "acme" / "one", dest / "acme" / "two"
    seeds = [checks.seed(one), checks.seed(two)]
    assert checks.changes_overwritten(seeds) == []
    # What a careless sync would do to one of them.
    run_git("reset", "-q", "--hard", "origin/HEAD", cwd=one)
    run_git("clean", "-qfdx", cwd=one)
    run_git("stash", "clear", cwd=one)
    run_git("reflog", "expire", "--expire=now", "--all", cwd=one)
    run_git("gc", "-q", "--prune=now", cwd=one)
    gone = checks.changes_overwritten(seeds)
    assert gone == ["one: the unpushed commit is on no branch", "one: the stash is gone",
                    "one: the uncommitted change is gone", "one: the untracked file is gone"]


@pytest.mark.parametrize("shown", [
    TOKEN,
    "Authorization: Basic " + base64.b64encode(("x-access-token:" + TOKEN).encode()).decode(),
    "Basic " + base64.b64encode(("someone-else:" + TOKEN).encode()).decode(),
    quote(TOKEN + "\n", safe=""),
    json.dumps({"t": TOKEN + "\n"}),
    repr(TOKEN + "\n"),
    "cut at " + TOKEN[10:18],
], ids=["raw", "basic", "basic-any-user", "url-encoded", "json", "repr", "8-chars"])
def test_a_token_is_found_in_every_form(shown):
    finder = checks.LeakFinder([TOKEN + "\n"])
    assert finder.in_text("some text %s more" % shown)
    assert "***" in finder.mask(shown)


def test_nothing_is_found_where_there_is_no_token(dest):
    finder = checks.LeakFinder([TOKEN])
    assert finder.in_text("token *** was masked; ghp_ is a prefix") is None
    assert finder.in_files(dest) == []
    (dest / "acme" / "one" / ".git" / "config").write_text("[http]\n\textraHeader = Authorization: Bearer %s\n"
                                                           % TOKEN)
    assert finder.in_files(dest) == [os.path.join("acme", "one", ".git", "config")]


def test_the_argv_poller_sees_a_short_lived_process_and_leaves_the_harness_out():
    harness = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "--token", TOKEN])
    poller = checks.ArgvPoller(harness=[harness.pid])
    try:
        poller.start()
        subprocess.run([sys.executable, "-c", "pass", "git", TOKEN], check=True)
        time.sleep(0.05)
    finally:
        poller.stop()
        harness.kill()
        harness.wait()
    finder = checks.LeakFinder([TOKEN])
    hits = [cmd for cmd in poller.seen if finder.in_text(cmd)]
    assert hits == ["%s -c pass git %s" % (sys.executable, TOKEN)]
