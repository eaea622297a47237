# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What each strategy may discard, exactly as the README and the module docs
say (strategies.Strategy.discards, written into README.md by
tools/gen_doors.py): each claim tested against a real upstream.

The upstream deletes a branch and rewrites another; the clone holds every
kind of local work: a modified file, an untracked file, a local-only branch,
a local tag, a stash and an unpushed commit on a side branch.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bulk_clone_engine.gitrunner import GitRunner
from bulk_clone_engine.outcome import Outcome
from bulk_clone_engine.strategies import STRATEGIES, SyncOptions
from bulk_clone_engine.sync import sync_repo
from tests.helpers_git import Upstream, git


# Every test runs git with a configuration of its own (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("git_home")


@pytest.fixture
def runner():
    return GitRunner(timeout=120, tries=2, backoff_base=0.01, backoff_max=0.02)


@pytest.fixture
def up(tmp_path):
    upstream = Upstream(tmp_path, "r", commits=2)
    for branch in ("doomed", "rewritten"):
        git("branch", branch, "main", cwd=upstream.work)
        git("push", "-q", "origin", branch, cwd=upstream.work)
    return upstream


def refs(path: Path) -> dict:
    out = git("for-each-ref", "--format=%(objectname) %(refname)", cwd=path)
    return {ref: sha for sha, ref in (line.split(" ") for line in out.splitlines())}


def upstream_changes(up: Upstream) -> None:
    """Delete one branch, rewrite another (a force-push), add a commit on main."""
    git("push", "-q", "origin", ":doomed", cwd=up.work)
    git("checkout", "-q", "rewritten", cwd=up.work)
    git("commit", "-q", "--amend", "-m", "rewritten upstream", cwd=up.work)
    git("push", "-q", "-f", "origin", "rewritten", cwd=up.work)
    git("checkout", "-q", "main", cwd=up.work)
    up.commit({"more.txt": "upstream\n"})


def local_work(clone: Path) -> dict:
    """Every kind of work of a person's own; returns what to look for afterwards."""
    git("checkout", "-q", "-b", "side", cwd=clone)
    (clone / "side.txt").write_text("side\n")
    git("add", "side.txt", cwd=clone)
    git("commit", "-q", "-m", "unpushed on side", cwd=clone)
    side = git("rev-parse", "HEAD", cwd=clone)
    git("checkout", "-q", "main", cwd=clone)
    git("tag", "my-tag", cwd=clone)
    (clone / "stashed.txt").write_text("stash me\n")
    git("add", "stashed.txt", cwd=clone)
    git("stash", "push", "-q", "-m", "my stash", cwd=clone)
    (clone / "file1.txt").write_text("edited locally\n")
    (clone / "untracked.txt").write_text("new\n")
    return {"side": side, "tag": git("rev-parse", "my-tag", cwd=clone)}


def sync(runner, path, up, strategy, **kw):
    return sync_repo(runner, path, up.url, "main", SyncOptions(strategy=strategy, **kw))


@pytest.mark.parametrize("strategy", ["fetch", "pull", "reset"])
def test_working_copy_strategies_discard_only_remote_tracking_branches_deleted_upstream(runner, up, tmp_path,
                                                                                        strategy):
    clone = tmp_path / "clone"
    assert sync(runner, clone, up, "clone").outcome == Outcome.CLONED
    assert "refs/remotes/origin/doomed" in refs(clone)
    kept = local_work(clone)
    upstream_changes(up)

    result = sync(runner, clone, up, strategy)
    after = refs(clone)
    # What the claim allows to go: the remote-tracking branch deleted upstream.
    assert "refs/remotes/origin/doomed" not in after
    assert after["refs/remotes/origin/rewritten"] == git("rev-parse", "rewritten", cwd=up.work)
    # Everything of the person's own is there, untouched.
    assert after["refs/heads/side"] == kept["side"]
    assert after["refs/tags/my-tag"] == kept["tag"]
    assert "my stash" in git("stash", "list", cwd=clone)
    assert (clone / "file1.txt").read_text() == "edited locally\n"
    assert (clone / "untracked.txt").read_text() == "new\n"
    # The local changes hold pull and reset back (reset without force).
    if strategy == "fetch":
        assert result.outcome == Outcome.UPDATED
    else:
        assert result.outcome == Outcome.SKIPPED and "local changes" in result.reason


def test_reset_with_force_moves_local_work_aside_and_deletes_none_of_it(runner, up, tmp_path):
    clone = tmp_path / "clone"
    sync(runner, clone, up, "clone")
    git("commit", "-q", "--allow-empty", "-m", "unpushed on main", cwd=clone)
    unpushed = git("rev-parse", "HEAD", cwd=clone)
    kept = local_work(clone)
    upstream_changes(up)
    result = sync(runner, clone, up, "reset", force=True)
    assert result.outcome == Outcome.UPDATED
    assert git("rev-parse", "HEAD", cwd=clone) == up.head()
    backups = git("for-each-ref", "--format=%(objectname)", "refs/heads/bulk-clone/backup", cwd=clone).split()
    assert unpushed in backups                                            # the old main, on a backup branch
    stashes = git("stash", "list", cwd=clone)
    assert "my stash" in stashes and "bulk-clone: work saved before reset" in stashes
    git("stash", "apply", "-q", "stash@{0}", cwd=clone)                   # the edits and the untracked file
    assert (clone / "file1.txt").read_text() == "edited locally\n" and (clone / "untracked.txt").exists()
    assert refs(clone)["refs/heads/side"] == kept["side"] and refs(clone)["refs/tags/my-tag"] == kept["tag"]


def test_clone_discards_nothing_and_never_contacts_the_forge(runner, up, tmp_path):
    clone = tmp_path / "clone"
    sync(runner, clone, up, "clone")
    kept = local_work(clone)
    before = refs(clone)
    upstream_changes(up)
    up_url = up.url
    result = sync_repo(runner, clone, up_url.replace("file://", "file:///nonexistent"), "main",
                       SyncOptions(strategy="clone"))
    assert result.outcome == Outcome.UNCHANGED        # an unreachable URL: nothing was asked of it
    assert refs(clone) == before and refs(clone)["refs/heads/side"] == kept["side"]


def test_mirror_makes_every_ref_match_the_forge(runner, up, tmp_path):
    mirror = tmp_path / "mirror.git"
    assert sync(runner, mirror, up, "mirror").outcome == Outcome.CLONED
    # Someone wrote into the mirror: the claim is that the mirror follows the forge, so this goes.
    git("update-ref", "refs/heads/written-in-the-mirror", "refs/heads/main", cwd=mirror)
    upstream_changes(up)
    assert sync(runner, mirror, up, "mirror").outcome == Outcome.UPDATED
    upstream = refs(up.bare)
    assert refs(mirror) == upstream


def test_every_strategy_states_what_it_may_discard():
    assert set(STRATEGIES) == {"clone", "fetch", "pull", "reset", "mirror"}
    assert all(s.discards for s in STRATEGIES.values())
