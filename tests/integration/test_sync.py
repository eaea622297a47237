# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""sync_repo, every strategy, against real upstream repositories.

The recurring proof is that nothing local is lost: edits, untracked files,
unpushed commits, local branches and stashes are checked after every run.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bulk_clone_engine.errors import ConfigError  # noqa: E402
from bulk_clone_engine.gitrunner import GitRunner  # noqa: E402
from bulk_clone_engine.layout import PathError, render_path, resolve  # noqa: E402
from bulk_clone_engine.repo import Repo  # noqa: E402
from bulk_clone_engine.outcome import Outcome  # noqa: E402
from bulk_clone_engine.strategies import BACKUP_BRANCH_PREFIX, SyncOptions  # noqa: E402
from bulk_clone_engine.sync import _url_identity, sync_repo  # noqa: E402

from tests.helpers_git import GitHttpServer, Upstream, all_files_text, git  # noqa: E402

CLONED, UPDATED, UNCHANGED, SKIPPED, FAILED = (Outcome.CLONED, Outcome.UPDATED, Outcome.UNCHANGED, Outcome.SKIPPED,
                                               Outcome.FAILED)

TOKEN = "glpat-Sync5ecretTokenValue0987"


# Every test runs git with a configuration of its own (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("git_home")


@pytest.fixture
def runner():
    return GitRunner(timeout=120, tries=2, backoff_base=0.01, backoff_max=0.02)


@pytest.fixture
def up(tmp_path):
    return Upstream(tmp_path, "r", commits=2)


@pytest.fixture
def dest(tmp_path):
    return tmp_path / "dest" / "acme" / "r"


def sync(runner, path, up, strategy, default_branch="main", **kw):
    return sync_repo(runner, path, up.url, default_branch, SyncOptions(strategy=strategy, **kw))


def cloned(runner, path, up):
    res = sync(runner, path, up, "clone")
    assert res.outcome == CLONED, res
    return path


def head(path) -> str:
    return git("rev-parse", "HEAD", cwd=path)


def commit_local(path, name="local.txt", text="mine\n", message="local work") -> str:
    (path / name).write_text(text)
    git("add", name, cwd=path)
    git("commit", "-q", "-m", message, cwd=path)
    return head(path)


def stash_something(path):
    (path / "file1.txt").write_text("stashed edit\n")
    git("stash", "push", "-q", "-m", "my stash", cwd=path)


def stash_count(path) -> int:
    return len(git("stash", "list", cwd=path).splitlines())


def temp_leftovers(parent: Path):
    return [p.name for p in parent.iterdir() if ".bulk-clone-tmp-" in p.name] if parent.exists() else []


# -- new repositories --------------------------------------------------------------
@pytest.mark.parametrize("strategy", ["clone", "fetch", "pull", "reset"])
def test_new_repo_is_cloned_by_every_working_copy_strategy(runner, up, dest, strategy):
    res = sync(runner, dest, up, strategy)
    assert (res.outcome, res.changed, res.head) == (CLONED, True, up.head())
    assert head(dest) == up.head() and (dest / "file2.txt").read_text() == "content 2\n"
    assert git("config", "--get", "remote.origin.url", cwd=dest) == up.url
    assert temp_leftovers(dest.parent) == []


def test_new_repo_mirror_is_bare_with_all_refs(runner, up, dest):
    up.commit(branch="feature")
    git("tag", "v1", up.head(), cwd=up.bare)
    res = sync(runner, dest, up, "mirror")
    assert (res.outcome, res.changed, res.head) == (CLONED, True, up.head())
    assert git("rev-parse", "--is-bare-repository", cwd=dest) == "true"
    assert git("config", "--get", "remote.origin.mirror", cwd=dest) == "true"
    refs = git("for-each-ref", "--format=%(refname)", cwd=dest).split()
    assert {"refs/heads/main", "refs/heads/feature", "refs/tags/v1"} <= set(refs)


def test_empty_upstream_clones_with_no_head_then_gets_content(runner, tmp_path, dest):
    up = Upstream(tmp_path, "empty", commits=0)
    res = sync(runner, dest, up, "pull")
    assert (res.outcome, res.head, res.changed) == (CLONED, None, True)
    assert "empty" in res.reason
    assert sync(runner, dest, up, "pull").outcome == UNCHANGED
    up.commit()
    res = sync(runner, dest, up, "pull")
    assert (res.outcome, res.head, res.changed) == (UPDATED, up.head(), True)
    assert git("rev-parse", "--abbrev-ref", "@{u}", cwd=dest) == "origin/main"


def test_empty_upstream_then_reset(runner, tmp_path, dest):
    up = Upstream(tmp_path, "empty", commits=0)
    assert sync(runner, dest, up, "reset").head is None
    up.commit()
    res = sync(runner, dest, up, "reset")
    assert (res.outcome, res.head) == (UPDATED, up.head())


def test_empty_upstream_forced_reset_keeps_untracked_files(runner, tmp_path, dest):
    up = Upstream(tmp_path, "empty", commits=0)
    sync(runner, dest, up, "reset")
    (dest / "notes.txt").write_text("mine\n")
    up.commit()
    assert sync(runner, dest, up, "reset").outcome == SKIPPED          # 1 untracked file
    res = sync(runner, dest, up, "reset", force=True)
    assert (res.outcome, res.head) == (UPDATED, up.head())
    assert (dest / "notes.txt").read_text() == "mine\n"


def test_leftover_temp_folder_from_a_killed_run_is_removed_never_used(runner, up, dest):
    dest.parent.mkdir(parents=True)
    leftover = dest.parent / ".r.bulk-clone-tmp-0123456789ab"
    git("init", "-q", leftover)                       # looks like a repo, is half a clone
    (leftover / "partial").write_text("x")
    other = dest.parent / ".other.bulk-clone-tmp-0123456789ab"
    other.mkdir()                                     # another repository's: not ours to touch
    res = sync(runner, dest, up, "pull")
    assert res.outcome == CLONED and head(dest) == up.head()
    assert not leftover.exists() and other.exists()


def test_failed_clone_leaves_neither_target_nor_temp(runner, tmp_path, dest):
    res = sync_repo(runner, dest, (tmp_path / "nope.git").as_uri(), "main", SyncOptions(strategy="pull"))
    assert res.outcome == FAILED and not res.changed
    assert res.reason.startswith("git clone failed: repository not found"), res.reason
    assert not dest.exists() and temp_leftovers(dest.parent) == []


def test_transient_clone_failure_is_retried_from_a_fresh_folder(tmp_path, up, dest):
    with GitHttpServer(up.bare.parent) as forge:
        forge.mode = 502
        healed = []

        def heal(exc, n, wait):
            healed.append(sorted(temp_leftovers(dest.parent)))
            forge.mode = "serve"

        runner = GitRunner(tries=3, backoff_base=0.01, on_retry=heal)
        res = sync_repo(runner, dest, forge.url("r.git"), "main", SyncOptions(strategy="fetch"))
    assert res.outcome == CLONED and res.head == up.head()
    assert healed == [[]]                           # the failed try's folder was gone before the retry
    assert temp_leftovers(dest.parent) == []


def test_kill_9_during_clone_never_leaves_something_taken_for_a_repo(tmp_path, up, dest):
    psutil = pytest.importorskip("psutil")
    code = ("import sys; from pathlib import Path\n"
            "from bulk_clone_engine.gitrunner import GitRunner\n"
            "from bulk_clone_engine.sync import sync_repo\n"
            "from bulk_clone_engine.strategies import SyncOptions\n"
            "sync_repo(GitRunner(), Path(sys.argv[1]), sys.argv[2], 'main', SyncOptions(strategy='pull'))\n")
    with GitHttpServer(up.bare.parent) as forge:
        forge.mode = "stall"
        child = subprocess.Popen([sys.executable, "-c", code, str(dest), forge.url("r.git")])
        try:
            deadline = time.monotonic() + 30
            while not temp_leftovers(dest.parent) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert temp_leftovers(dest.parent), "git never started the clone"
        finally:
            # Kill the whole run at once, as an OOM kill or a stopped container would.
            family = psutil.Process(child.pid).children(recursive=True)
            child.send_signal(signal.SIGKILL)
            for p in family:
                try:
                    p.kill()
                except psutil.NoSuchProcess:
                    pass
            child.wait()
        assert not dest.exists()                  # the half clone is not at the real path
        forge.mode = "serve"
        forge.release.set()
        res = sync_repo(GitRunner(), dest, forge.url("r.git"), "main", SyncOptions(strategy="pull"))
    assert res.outcome == CLONED and head(dest) == up.head()
    assert temp_leftovers(dest.parent) == []


def test_depth_filter_branch_are_honoured(runner, up, tmp_path):
    up.commit(branch="dev")
    up.commit(files={"big.txt": "v1\n"})
    up.commit(files={"big.txt": "v2\n"})
    shallow = tmp_path / "d" / "shallow"
    res = sync(runner, shallow, up, "pull", depth=1)
    assert res.outcome == CLONED and "depth 1" in res.reason
    assert git("rev-parse", "--is-shallow-repository", cwd=shallow) == "true"
    assert git("rev-list", "--count", "HEAD", cwd=shallow) == "1"

    partial = tmp_path / "d" / "partial"
    assert sync(runner, partial, up, "fetch", filter="blob:none").outcome == CLONED
    assert git("config", "--get", "remote.origin.partialclonefilter", cwd=partial) == "blob:none"
    missing = git("rev-list", "--objects", "--all", "--missing=print", cwd=partial)
    assert any(line.startswith("?") for line in missing.splitlines())     # old blobs not downloaded

    dev = tmp_path / "d" / "dev"
    assert sync(runner, dev, up, "pull", branch="dev").outcome == CLONED
    assert git("symbolic-ref", "--short", "HEAD", cwd=dev) == "dev"
    new = up.commit(branch="dev")
    res = sync(runner, dev, up, "pull", branch="dev")
    assert (res.outcome, res.head) == (UPDATED, new)

    # A shallow clone keeps fast-forwarding.
    up.commit()
    res = sync(runner, shallow, up, "pull", depth=1)
    assert (res.outcome, res.head) == (UPDATED, up.head())


def test_submodules_cloned_and_updated_on_pull(runner, tmp_path, dest):
    lib = Upstream(tmp_path, "lib")
    sup = Upstream(tmp_path, "super")
    git("-c", "protocol.file.allow=always", "submodule", "add", "-q", lib.url, "lib", cwd=sup.work)
    git("commit", "-q", "-m", "add lib", cwd=sup.work)
    git("push", "-q", "origin", "HEAD:main", cwd=sup.work)
    runner = GitRunner(tries=1, config={"protocol.file.allow": "always"})
    assert sync(runner, dest, sup, "pull", submodules=True).outcome == CLONED
    assert git("rev-parse", "HEAD", cwd=dest / "lib") == lib.head()
    new_lib = lib.commit()
    git("submodule", "update", "-q", "--remote", "lib", cwd=sup.work)
    git("commit", "-q", "-am", "bump lib", cwd=sup.work)
    git("push", "-q", "origin", "HEAD:main", cwd=sup.work)
    res = sync(runner, dest, sup, "pull", submodules=True)
    assert res.outcome == UPDATED
    assert git("rev-parse", "HEAD", cwd=dest / "lib") == new_lib


# -- what is already at the target ---------------------------------------------------
@pytest.mark.parametrize("strategy", ["clone", "fetch", "pull", "reset", "mirror"])
def test_existing_non_git_folder_is_never_overwritten(runner, up, dest, strategy):
    dest.mkdir(parents=True)
    (dest / "notes.txt").write_text("precious\n")
    res = sync(runner, dest, up, strategy)
    assert res.outcome == SKIPPED and "not a git repository" in res.reason and not res.changed
    assert os.listdir(dest) == ["notes.txt"] and (dest / "notes.txt").read_text() == "precious\n"


def test_existing_file_at_target_is_left_alone(runner, up, dest):
    dest.parent.mkdir(parents=True)
    dest.write_text("a file\n")
    assert sync(runner, dest, up, "pull").outcome == SKIPPED
    assert dest.read_text() == "a file\n"


def test_existing_empty_folder_is_filled(runner, up, dest):
    dest.mkdir(parents=True)
    assert sync(runner, dest, up, "pull").outcome == CLONED
    assert head(dest) == up.head()


def test_working_copy_and_mirror_do_not_mix(runner, up, tmp_path):
    work, bare = tmp_path / "w", tmp_path / "b"
    cloned(runner, work, up)
    assert sync(runner, bare, up, "mirror").outcome == CLONED
    res = sync(runner, work, up, "mirror")
    assert res.outcome == SKIPPED and "working copy" in res.reason
    res = sync(runner, bare, up, "pull")
    assert res.outcome == SKIPPED and "bare" in res.reason


@pytest.mark.parametrize("strategy", ["fetch", "pull", "reset"])
def test_wrong_origin_is_skipped_untouched(runner, up, tmp_path, dest, strategy):
    cloned(runner, dest, up)
    other = Upstream(tmp_path, "other")
    git("remote", "set-url", "origin", other.url, cwd=dest)
    up.commit()
    before = git("for-each-ref", cwd=dest)
    res = sync(runner, dest, up, strategy)
    assert res.outcome == SKIPPED and not res.changed
    assert other.url in res.reason and up.url in res.reason and "set-url" in res.reason
    assert git("for-each-ref", cwd=dest) == before


def test_missing_origin_is_skipped(runner, up, dest):
    cloned(runner, dest, up)
    git("remote", "remove", "origin", cwd=dest)
    res = sync(runner, dest, up, "pull")
    assert res.outcome == SKIPPED and "no remote 'origin'" in res.reason


def test_same_repository_under_another_url_form_is_accepted(runner, up, dest):
    cloned(runner, dest, up)
    git("remote", "set-url", "origin", str(up.bare), cwd=dest)      # plain path instead of file://
    up.commit()
    assert sync(runner, dest, up, "pull").outcome == UPDATED
    alt = "https://mirror.example/acme/r.git"
    git("remote", "set-url", "origin", alt, cwd=dest)
    assert sync(runner, dest, up, "fetch").outcome == SKIPPED


@pytest.mark.parametrize("a, b", [
    ("https://github.com/acme/r.git", "git@github.com:acme/r"),
    ("https://github.com/acme/r", "ssh://git@GitHub.com:22/acme/r.git/"),
    ("https://x-access-token:t@github.com/acme/r.git", "https://github.com/acme/r"),
    ("file:///srv/git/r.git", "/srv/git/r"),
])
def test_url_forms_of_one_repository_match(a, b):
    assert _url_identity(a) == _url_identity(b)


@pytest.mark.parametrize("a, b", [
    ("https://github.com/acme/r.git", "https://github.com/acme/r2.git"),
    ("https://github.com/acme/r.git", "https://gitlab.com/acme/r.git"),
])
def test_url_forms_of_different_repositories_differ(a, b):
    assert _url_identity(a) != _url_identity(b)


# -- clone ------------------------------------------------------------------------------
def test_clone_strategy_leaves_existing_repos_alone(runner, up, dest):
    cloned(runner, dest, up)
    old = head(dest)
    up.commit()
    res = sync(runner, dest, up, "clone")
    assert (res.outcome, res.changed, res.head) == (UNCHANGED, False, old)
    assert git("rev-parse", "origin/main", cwd=dest) == old       # not even fetched


# -- fetch ------------------------------------------------------------------------------
def test_fetch_unchanged_reports_no_change(runner, up, dest):
    cloned(runner, dest, up)
    res = sync(runner, dest, up, "fetch")
    assert (res.outcome, res.changed, res.head) == (UNCHANGED, False, up.head())


def test_fetch_updates_remote_refs_only_and_keeps_everything_local(runner, up, dest):
    cloned(runner, dest, up)
    old = commit_local(dest)
    stash_something(dest)
    (dest / "file1.txt").write_text("edited\n")
    (dest / "untracked.txt").write_text("u\n")
    up.commit(branch="gone")
    assert sync(runner, dest, up, "fetch").changed
    git("push", "-q", "origin", ":gone", cwd=up.work)
    new = up.commit()
    res = sync(runner, dest, up, "fetch")
    assert (res.outcome, res.changed, res.head) == (UPDATED, True, old)
    assert git("rev-parse", "origin/main", cwd=dest) == new
    assert git("branch", "-r", "--list", "origin/gone", cwd=dest) == ""       # pruned
    assert (dest / "file1.txt").read_text() == "edited\n" and (dest / "untracked.txt").exists()
    assert stash_count(dest) == 1


def test_fetch_sees_a_new_tag_as_a_change(runner, up, dest):
    cloned(runner, dest, up)
    git("tag", "v9", up.head(), cwd=up.bare)
    res = sync(runner, dest, up, "fetch")
    assert res.changed and git("rev-parse", "v9", cwd=dest) == up.head()


# -- pull -------------------------------------------------------------------------------
def test_pull_unchanged(runner, up, dest):
    cloned(runner, dest, up)
    res = sync(runner, dest, up, "pull")
    assert (res.outcome, res.changed) == (UNCHANGED, False)


def test_pull_fast_forwards_with_untracked_files_present(runner, up, dest):
    cloned(runner, dest, up)
    (dest / "scratch.txt").write_text("keep me\n")
    new = up.commit()
    res = sync(runner, dest, up, "pull")
    assert (res.outcome, res.changed, res.head) == (UPDATED, True, new)
    assert "fast-forwarded main by 1 commit" in res.reason
    assert (dest / "scratch.txt").read_text() == "keep me\n"


def test_pull_skips_modified_files_but_fetches(runner, up, dest):
    cloned(runner, dest, up)
    old = head(dest)
    (dest / "file1.txt").write_text("my edit\n")
    new = up.commit()
    res = sync(runner, dest, up, "pull")
    assert res.outcome == SKIPPED and res.changed
    assert res.reason.startswith("local changes: 1 modified file") and "fetched new refs" in res.reason
    assert head(dest) == old and git("rev-parse", "origin/main", cwd=dest) == new
    assert (dest / "file1.txt").read_text() == "my edit\n"


def test_pull_reports_divergence_and_keeps_local_commit(runner, up, dest):
    cloned(runner, dest, up)
    mine = commit_local(dest)
    up.commit()
    up.commit()
    res = sync(runner, dest, up, "pull")
    assert res.outcome == SKIPPED
    assert "diverged from origin/main: 1 ahead, 2 behind" in res.reason
    assert head(dest) == mine


def test_pull_after_upstream_force_push_is_divergence(runner, up, dest):
    cloned(runner, dest, up)
    old = head(dest)
    up.rewrite_history()
    res = sync(runner, dest, up, "pull")
    assert res.outcome == SKIPPED and "diverged" in res.reason and head(dest) == old


def test_pull_ahead_only_is_unchanged(runner, up, dest):
    cloned(runner, dest, up)
    mine = commit_local(dest)
    res = sync(runner, dest, up, "pull")
    assert (res.outcome, res.head, res.changed) == (UNCHANGED, mine, False)
    assert "1 unpushed commit on main" in res.reason


def test_pull_on_another_branch_or_detached_only_fetches(runner, up, dest):
    cloned(runner, dest, up)
    git("checkout", "-q", "-b", "topic", cwd=dest)
    up.commit()
    res = sync(runner, dest, up, "pull")
    assert res.outcome == SKIPPED and "on branch topic" in res.reason and "not main" in res.reason
    git("checkout", "-q", "--detach", "HEAD", cwd=dest)
    res = sync(runner, dest, up, "pull")
    assert res.outcome == SKIPPED and "detached" in res.reason


def test_pull_skips_a_default_branch_that_tracks_something_else(runner, up, dest):
    cloned(runner, dest, up)
    git("branch", "--unset-upstream", cwd=dest)
    up.commit()
    res = sync(runner, dest, up, "pull")
    assert res.outcome == SKIPPED and "branch main tracks nothing, not origin/main" in res.reason


def test_pull_refuses_to_overwrite_an_untracked_file(runner, up, dest):
    cloned(runner, dest, up)
    (dest / "incoming.txt").write_text("mine, untracked\n")
    up.commit(files={"incoming.txt": "theirs\n"})
    res = sync(runner, dest, up, "pull")
    assert res.outcome == SKIPPED and "fast-forward refused" in res.reason
    assert (dest / "incoming.txt").read_text() == "mine, untracked\n"


def test_pull_uses_origin_head_when_default_branch_unknown(runner, up, dest):
    cloned(runner, dest, up)
    new = up.commit()
    res = sync(runner, dest, up, "pull", default_branch="")
    assert (res.outcome, res.head) == (UPDATED, new)


def test_pull_skips_during_a_merge(runner, up, dest):
    cloned(runner, dest, up)
    commit_local(dest, "file1.txt", "ours\n")
    up.commit(files={"file1.txt": "theirs\n"})
    git("fetch", "-q", cwd=dest)
    git("merge", "origin/main", cwd=dest, check=False)            # conflict: merge in progress
    res = sync(runner, dest, up, "pull")
    assert res.outcome == SKIPPED and "a merge is in progress" in res.reason


# -- reset ------------------------------------------------------------------------------
def make_everything_local(path):
    """Every kind of local work, to prove reset keeps all of it."""
    mine = commit_local(path)
    git("branch", "wip", cwd=path)
    git("checkout", "-q", "wip", cwd=path)
    commit_local(path, "wip.txt", "wip\n", "wip work")
    git("checkout", "-q", "main", cwd=path)
    stash_something(path)
    (path / "file1.txt").write_text("uncommitted edit\n")
    (path / "staged.txt").write_text("staged\n")
    git("add", "staged.txt", cwd=path)
    (path / "untracked.txt").write_text("untracked\n")
    return mine


def test_reset_unchanged_and_clean_update(runner, up, dest):
    cloned(runner, dest, up)
    res = sync(runner, dest, up, "reset")
    assert (res.outcome, res.changed) == (UNCHANGED, False)
    new = up.commit()
    res = sync(runner, dest, up, "reset")
    assert (res.outcome, res.changed, res.head) == (UPDATED, True, new)
    assert git("status", "--porcelain", cwd=dest) == ""


@pytest.mark.parametrize("make, expected", [
    (lambda p: (p / "file1.txt").write_text("x\n"), "1 modified file"),
    (lambda p: (p / "new.txt").write_text("x\n"), "1 untracked file"),
    (commit_local, "1 unpushed commit on main"),
    (stash_something, "1 stash"),
    (lambda p: git("branch", "wip", cwd=p), "1 local-only branch (wip)"),
])
def test_reset_refuses_each_kind_of_local_work_without_force(runner, up, dest, make, expected):
    cloned(runner, dest, up)
    make(dest)
    state = (head(dest), git("status", "--porcelain", cwd=dest), git("stash", "list", cwd=dest))
    up.commit()
    res = sync(runner, dest, up, "reset")
    assert res.outcome == SKIPPED
    assert res.reason.startswith("local changes: " + expected + ";"), res.reason
    assert "force" in res.reason
    assert (head(dest), git("status", "--porcelain", cwd=dest), git("stash", "list", cwd=dest)) == state


def test_reset_reason_lists_everything_precisely(runner, up, dest):
    cloned(runner, dest, up)
    make_everything_local(dest)
    up.commit()
    res = sync(runner, dest, up, "reset")
    assert res.outcome == SKIPPED
    assert res.reason.startswith("local changes: 2 modified files, 1 untracked file, 1 unpushed commit on main, "
                                 "2 unpushed commits on wip, 1 local-only branch (wip), 1 stash;"), res.reason


def test_forced_reset_loses_nothing(runner, up, dest):
    cloned(runner, dest, up)
    mine = make_everything_local(dest)
    wip = git("rev-parse", "wip", cwd=dest)
    new = up.commit()
    res = sync(runner, dest, up, "reset", force=True)
    assert (res.outcome, res.changed, res.head) == (UPDATED, True, new)
    assert git("symbolic-ref", "--short", "HEAD", cwd=dest) == "main"
    assert git("status", "--porcelain", cwd=dest) == ""
    backups = git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/" + BACKUP_BRANCH_PREFIX,
                  cwd=dest).splitlines()
    assert len(backups) == 1 and backups[0].endswith(mine)
    backup_name = backups[0].split()[0]
    assert backup_name in res.reason and "stashed 2 modified files, 1 untracked file" in res.reason
    assert git("rev-parse", "wip", cwd=dest) == wip                 # other branches untouched
    assert stash_count(dest) == 2                                   # the user's stash is still there
    # ... and the saved work comes back exactly.
    git("checkout", "-q", backup_name, cwd=dest)
    git("stash", "pop", "-q", "--index", cwd=dest)
    assert (dest / "file1.txt").read_text() == "uncommitted edit\n"
    assert (dest / "staged.txt").read_text() == "staged\n"
    assert (dest / "untracked.txt").read_text() == "untracked\n"
    assert (dest / "local.txt").read_text() == "mine\n"
    assert stash_count(dest) == 1 and "my stash" in git("stash", "list", cwd=dest)


def test_forced_reset_after_upstream_rewrite_keeps_old_history(runner, up, dest):
    cloned(runner, dest, up)
    mine = commit_local(dest)
    new = up.rewrite_history()
    res = sync(runner, dest, up, "reset", force=True)
    assert (res.outcome, res.head) == (UPDATED, new)
    assert mine in git("for-each-ref", "--format=%(objectname)", "refs/heads/" + BACKUP_BRANCH_PREFIX, cwd=dest)


def test_reset_switches_a_clean_pushed_branch_back_to_default(runner, up, dest):
    up.commit(branch="topic")
    cloned(runner, dest, up)
    git("checkout", "-q", "topic", cwd=dest)
    res = sync(runner, dest, up, "reset")
    assert res.outcome == UPDATED
    assert git("symbolic-ref", "--short", "HEAD", cwd=dest) == "main" and head(dest) == up.head()
    assert git("rev-parse", "topic", cwd=dest) == up.head("topic")


def test_reset_from_detached_head_keeps_its_commits(runner, up, dest):
    cloned(runner, dest, up)
    git("checkout", "-q", "--detach", cwd=dest)
    mine = commit_local(dest)
    res = sync(runner, dest, up, "reset")
    assert res.outcome == SKIPPED and "1 unpushed commit on detached HEAD" in res.reason
    res = sync(runner, dest, up, "reset", force=True)
    assert res.outcome == UPDATED and head(dest) == up.head()
    assert mine in git("for-each-ref", "--format=%(objectname)", "refs/heads/" + BACKUP_BRANCH_PREFIX, cwd=dest)


def test_reset_skips_during_a_merge_even_with_force(runner, up, dest):
    cloned(runner, dest, up)
    commit_local(dest, "file1.txt", "ours\n")
    up.commit(files={"file1.txt": "theirs\n"})
    git("fetch", "-q", cwd=dest)
    git("merge", "origin/main", cwd=dest, check=False)
    res = sync(runner, dest, up, "reset", force=True)
    assert res.outcome == SKIPPED and "a merge is in progress" in res.reason
    assert os.path.exists(dest / ".git" / "MERGE_HEAD")


def test_forced_reset_works_without_a_git_identity(runner, up, dest, tmp_path, monkeypatch):
    cloned(runner, dest, up)
    (dest / "file1.txt").write_text("edit\n")
    up.commit()
    bare_cfg = tmp_path / "noident.gitconfig"
    bare_cfg.write_text("[user]\n\tuseConfigOnly = true\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(bare_cfg))
    for var in ("EMAIL", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var, raising=False)
    assert git("var", "GIT_COMMITTER_IDENT", cwd=dest, check=False) == ""     # really no identity
    res = sync(runner, dest, up, "reset", force=True)
    assert res.outcome == UPDATED, res.reason
    assert "edit" in git("stash", "show", "-p", cwd=dest)


# -- mirror -----------------------------------------------------------------------------
def test_mirror_updates_and_prunes(runner, up, dest):
    up.commit(branch="old")
    assert sync(runner, dest, up, "mirror").outcome == CLONED
    res = sync(runner, dest, up, "mirror")
    assert (res.outcome, res.changed) == (UNCHANGED, False)
    git("push", "-q", "origin", ":old", cwd=up.work)
    new = up.commit()
    git("tag", "v2", new, cwd=up.bare)
    res = sync(runner, dest, up, "mirror")
    assert (res.outcome, res.changed, res.head) == (UPDATED, True, new)
    refs = set(git("for-each-ref", "--format=%(refname)", cwd=dest).split())
    assert "refs/heads/old" not in refs and "refs/tags/v2" in refs


# -- the token ---------------------------------------------------------------------------
def test_token_never_in_argv_or_on_disk_through_clone_fetch_pull_reset(tmp_path, up, dest):
    header_value = "Basic " + base64.b64encode(("oauth2:" + TOKEN).encode()).decode()
    real = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True, check=False).stdout.strip()
    log = tmp_path / "argv.log"
    wrapper = tmp_path / "bin" / "git"
    wrapper.parent.mkdir()
    wrapper.write_text('#!/bin/sh\nprintf "%%s\\n" "$*" >> "%s"\nexec "%s" "$@"\n' % (log, real))
    wrapper.chmod(0o755)
    with GitHttpServer(up.bare.parent, require_auth=header_value) as forge:
        runner = GitRunner(git=str(wrapper), token=TOKEN, origin=forge.origin, username="oauth2", tries=1)
        url = forge.url("r.git")
        results = [sync_repo(runner, dest, url, "main", SyncOptions(strategy="pull"))]
        up.commit()
        for strategy in ("fetch", "pull", "reset"):
            results.append(sync_repo(runner, dest, url, "main", SyncOptions(strategy=strategy)))
        results.append(sync_repo(runner, tmp_path / "m", url, "main", SyncOptions(strategy="mirror")))
    assert [r.outcome for r in results] == [CLONED, UPDATED, UPDATED, UNCHANGED, CLONED], results
    assert {r["authorization"] for r in forge.requests} == {header_value}
    logged = log.read_text()
    assert "fetch" in logged and TOKEN not in logged and header_value not in logged
    for repo_dir in (dest, tmp_path / "m"):
        text = all_files_text(repo_dir)
        assert TOKEN not in text and header_value.split()[1] not in text


# -- hostile names end to end ------------------------------------------------------------
@pytest.mark.parametrize("name", ["../../escape", ".git", "a/../../b", "/abs"])
def test_hostile_names_never_reach_the_disk(tmp_path, name):
    root = tmp_path / "dest"
    root.mkdir()
    repo = Repo(provider="gitea", host="h", owner="acme", name=name, full_path="acme/" + name, id=1,
                clone_url="https://h/x.git")
    with pytest.raises(PathError) as info:
        resolve(root, render_path("{owner}/{name}", repo), repo.full_path)
    assert repr(repo.full_path) in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dest"] and list(root.iterdir()) == []


def test_bad_options_are_config_errors():
    with pytest.raises(ConfigError, match="strategy"):
        SyncOptions(strategy="yolo")
    with pytest.raises(ConfigError, match="depth"):
        SyncOptions(depth=0)
    with pytest.raises(ConfigError, match="filter"):
        SyncOptions(filter="--upload-pack=evil")
    with pytest.raises(ConfigError, match="branch"):
        SyncOptions(branch="--orphan")
