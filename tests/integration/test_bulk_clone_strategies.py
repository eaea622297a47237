# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""bulk_clone end to end, every strategy, against the local forge and real git.

One small org holds every case a clone can be in: new, unchanged, changed
upstream, diverged (local commit + upstream push), dirty, with unpushed
commits, with stashes, with untracked files and local branches. After each
run the test checks what the engine reported, what the tree holds, and above
all that nothing local was lost.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict

import pytest

from bulk_clone_support import (git, git_requests, head_of, journal_paths, leftover_temps,
                                outcomes, repo_heads, run, tree_digest)

ORG = ["github:acme:9"]
# Roles, by the forge's deterministic names (see tests/forge/data.py).
UNCHANGED_REPO = "acme/api-0"
CHANGED = "acme/tool-1"           # private: the token is needed for git too
DIVERGED = "acme/web-2"           # local commit + upstream push
UNPUSHED_ONLY = "acme/data-3"     # local commit, nothing new upstream
DIRTY = "acme/Cli-4"              # modified tracked file + upstream push (default branch master)
STASHED = "acme/auth-5"           # a stash + upstream push (default branch develop)
UNTRACKED = "acme/infra_kit-6"    # untracked file + local-only branch + upstream push (trunk)
EMPTY = "acme/ops-7"              # an empty repository on the forge
PUSHED = [CHANGED, DIVERGED, DIRTY, STASHED, UNTRACKED]


def truth(forge) -> Dict[str, dict]:
    return {r["full_path"]: r for r in forge.repos("github", "acme")}


class Local:
    """The local work put into the clones, and the proof it is still there."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.commits: Dict[str, str] = {}

    def path(self, full_path: str) -> Path:
        return self.dest / full_path

    def make(self) -> None:
        for repo in (DIVERGED, UNPUSHED_ONLY):
            p = self.path(repo)
            (p / "local.txt").write_text("my work on %s\n" % repo)
            git("add", "local.txt", cwd=p)
            git("commit", "-q", "-m", "local work", cwd=p)
            self.commits[repo] = head_of(p)
        (self.path(DIRTY) / "README.md").write_text("my unsaved edit\n")
        stashed = self.path(STASHED)
        (stashed / "README.md").write_text("stashed edit\n")
        git("stash", "push", "-q", "-m", "my precious stash", cwd=stashed)
        untracked = self.path(UNTRACKED)
        (untracked / "notes.txt").write_text("untracked notes\n")
        git("branch", "my-topic", cwd=untracked)

    def assert_nothing_lost(self) -> None:
        for repo, sha in self.commits.items():
            p = self.path(repo)
            assert git("cat-file", "-t", sha, cwd=p) == "commit"
            holders = git("for-each-ref", "--contains", sha, "--format=%(refname)", cwd=p).split()
            assert [h for h in holders if h.startswith("refs/heads/")], "%s: local commit %s not on any branch" % (
                repo, sha)
        dirty = self.path(DIRTY)
        kept_in_stash = "my unsaved edit" in git("stash", "show", "-p", cwd=dirty, check=False)
        assert (dirty / "README.md").read_text() == "my unsaved edit\n" or kept_in_stash
        stashes = git("stash", "list", cwd=self.path(STASHED))
        assert "my precious stash" in stashes
        assert "stashed edit" in git("stash", "show", "-p", "stash@{%d}" % _stash_index(stashes, "my precious stash"),
                                     cwd=self.path(STASHED))
        untracked = self.path(UNTRACKED)
        in_stash = "untracked notes" in git("log", "-g", "-p", "--format=", "refs/stash", "--", ".",
                                            cwd=untracked, check=False) or _untracked_in_stash(untracked)
        assert (untracked / "notes.txt").is_file() or in_stash
        assert git("rev-parse", "--verify", "-q", "refs/heads/my-topic", cwd=untracked)


def _stash_index(listing: str, message: str) -> int:
    for index, line in enumerate(listing.splitlines()):
        if message in line:
            return index
    raise AssertionError("stash %r not found in %r" % (message, listing))


def _untracked_in_stash(path: Path) -> bool:
    # `git stash push --include-untracked` keeps untracked files in the stash's third parent.
    res = git("show", "--format=", "--name-only", "stash@{0}^3", cwd=path, check=False)
    return "notes.txt" in res


@pytest.fixture
def org(fresh_forge, hermetic_git):
    return fresh_forge(ORG)


def first_sync(forge, dest, strategy):
    first = run(forge, dest, strategy=strategy)
    assert not first.get("failed"), first
    repos = truth(forge)
    assert set(outcomes(first).values()) == {"cloned"}
    assert set(outcomes(first)) == set(repos)
    assert first["changed"] is True
    for full_path, info in repos.items():
        assert head_of(dest / full_path) == info["head"], full_path
    assert leftover_temps(dest) == []
    return first


def assert_noop(forge, dest, strategy, **options):
    forge.reset_counters()
    again = run(forge, dest, strategy=strategy, **options)
    assert again["changed"] is False, again
    assert git_requests(forge) == 0, forge.counters()
    assert set(outcomes(again).values()) == {"unchanged"}
    return again


# -- working-copy strategies -----------------------------------------------------------------
EXPECTED = {
    # strategy: {repo: outcome} on the run after the local work and the upstream pushes
    "fetch": {CHANGED: "updated", DIVERGED: "updated", DIRTY: "updated", STASHED: "updated",
              UNTRACKED: "updated"},
    "pull": {CHANGED: "updated", DIVERGED: "skipped", DIRTY: "skipped", STASHED: "updated",
             UNTRACKED: "updated"},
    "reset": {CHANGED: "updated", DIVERGED: "skipped", DIRTY: "skipped", STASHED: "skipped",
              UNTRACKED: "skipped"},
}
REASONS = {
    ("pull", DIVERGED): "diverged", ("pull", DIRTY): "local changes: 1 modified file",
    ("reset", DIVERGED): "1 unpushed commit", ("reset", DIRTY): "1 modified file",
    ("reset", STASHED): "1 stash", ("reset", UNTRACKED): "1 untracked file",
}


@pytest.mark.parametrize("strategy", ["fetch", "pull", "reset"])
def test_working_copy_strategy_every_case_and_nothing_local_lost(org, tmp_path, strategy):
    dest = tmp_path / "src"
    first_sync(org, dest, strategy)
    assert_noop(org, dest, strategy)

    local = Local(dest)
    local.make()
    before = {p: head_of(dest / p) for p in truth(org)}
    org.push_commits("github", PUSHED)
    new = org.add_repos("github", "acme", 1)[0]
    upstream = truth(org)
    org.reset_counters()

    third = run(org, dest, strategy=strategy)
    got = outcomes(third)
    expected = dict(EXPECTED[strategy])
    expected.update({new: "cloned", UNCHANGED_REPO: "unchanged", UNPUSHED_ONLY: "unchanged", EMPTY: "unchanged",
                     "acme/docs-8": "unchanged"})
    assert got == expected, json.dumps(third["repos"], indent=1)
    assert third["changed"] is True and not third.get("failed")
    reasons = {r["full_path"]: r["reason"] for r in third["repos"]}
    for (strat, repo), text in REASONS.items():
        if strat == strategy:
            assert text in reasons[repo], reasons[repo]
    # Skipped repos are listed with their reason; counts add up.
    assert sorted(r["full_path"] for r in third["held_back"]) == sorted(
        p for p, o in expected.items() if o == "skipped")
    assert third["counts"]["total"] == len(upstream)

    # Repos the forge reports unchanged got no git request at all.
    by_repo = org.git_requests_by_repo("github")
    for quiet in (UNCHANGED_REPO, UNPUSHED_ONLY, EMPTY, "acme/docs-8"):
        assert quiet not in by_repo, (quiet, by_repo.get(quiet))

    heads = {p: head_of(dest / p) for p in upstream}
    assert heads[new] == upstream[new]["head"]
    moved = {p for p, o in expected.items() if o == "updated" and strategy != "fetch"}
    for p in PUSHED:
        if p in moved:
            assert heads[p] == upstream[p]["head"], p
        else:
            assert heads[p] == before[p], "%s moved under strategy %s" % (p, strategy)
        # whatever the strategy did to the work tree, the remote-tracking ref has the new commit
        branch = upstream[p]["default_branch"]
        assert git("rev-parse", "refs/remotes/origin/" + branch, cwd=dest / p) == upstream[p]["head"]
    if strategy == "fetch":
        assert (dest / DIRTY / "README.md").read_text() == "my unsaved edit\n"
    local.assert_nothing_lost()
    assert leftover_temps(dest) == []

    # Nothing new upstream: no change; repos skipped for local work are checked again.
    org.reset_counters()
    fourth = run(org, dest, strategy=strategy)
    assert fourth["changed"] is False, fourth["repos"]
    skipped = {p for p, o in expected.items() if o == "skipped"}
    assert {r["full_path"] for r in fourth["held_back"]} == skipped
    assert set(org.git_requests_by_repo("github")) == skipped
    local.assert_nothing_lost()


def test_forced_reset_moves_every_clone_and_keeps_all_local_work(org, tmp_path):
    dest = tmp_path / "src"
    first_sync(org, dest, "reset")
    local = Local(dest)
    local.make()
    org.push_commits("github", PUSHED)
    upstream = truth(org)

    result = run(org, dest, strategy="reset", force=True)
    got = outcomes(result)
    assert {p: got[p] for p in PUSHED} == {p: "updated" for p in PUSHED}, result["repos"]
    for p in PUSHED:
        assert head_of(dest / p) == upstream[p]["head"], p
        assert git("status", "--porcelain", "--untracked-files=no", cwd=dest / p) == ""
    reasons = {r["full_path"]: r["reason"] for r in result["repos"]}
    assert "bulk-clone/backup/" in reasons[DIVERGED] and "stash" in reasons[DIRTY]
    # The diverged commit lives on a backup branch; the edit and the untracked file in stashes.
    backups = git("for-each-ref", "--format=%(refname:short)", "refs/heads/bulk-clone/backup", cwd=dest / DIVERGED)
    assert backups and git("rev-parse", backups.split()[0], cwd=dest / DIVERGED) == local.commits[DIVERGED]
    local.assert_nothing_lost()
    # Unpushed work in a repo that did not move upstream is not even looked at.
    assert head_of(dest / UNPUSHED_ONLY) == local.commits[UNPUSHED_ONLY]


# -- clone -----------------------------------------------------------------------------------
def test_clone_strategy_clones_new_repos_and_leaves_existing_alone(org, tmp_path):
    dest = tmp_path / "src"
    first_sync(org, dest, "clone")
    assert_noop(org, dest, "clone")
    local = Local(dest)
    local.make()
    org.push_commits("github", PUSHED)
    new = org.add_repos("github", "acme", 1)[0]
    digest_before = {p: tree_digest(dest / p) for p in PUSHED}
    org.reset_counters()

    result = run(org, dest, strategy="clone")
    got = outcomes(result)
    assert got.pop(new) == "cloned"
    assert set(got.values()) == {"unchanged"}
    assert set(org.git_requests_by_repo("github")) == {new}
    assert {p: tree_digest(dest / p) for p in PUSHED} == digest_before
    local.assert_nothing_lost()
    assert_noop(org, dest, "clone")


# -- mirror ----------------------------------------------------------------------------------
def test_mirror_keeps_bare_copies_of_every_ref_and_leaves_working_copies_alone(org, tmp_path):
    dest = tmp_path / "backup"
    first = run(org, dest, strategy="mirror")
    assert set(outcomes(first).values()) == {"cloned"}
    upstream = truth(org)
    for p, info in upstream.items():
        assert git("rev-parse", "--is-bare-repository", cwd=dest / p) == "true"
        assert head_of(dest / p) == info["head"]
    feature = git("for-each-ref", "--format=%(refname)", cwd=dest / UNCHANGED_REPO).split()
    assert "refs/tags/v1.0" in feature and any(r.startswith("refs/heads/feature/") for r in feature)
    assert_noop(org, dest, "mirror")

    # A working copy where a mirror should be is reported, never touched.
    intruder = dest / "acme" / "docs-8"
    import shutil
    shutil.rmtree(intruder)
    git("clone", "-q", org.clone_url(org.state.get("github", "acme/docs-8")), intruder)
    (intruder / "mine.txt").write_text("not a mirror\n")
    intruder_digest = tree_digest(intruder)

    org.push_commits("github", [CHANGED, DIVERGED, "acme/docs-8"])
    new = org.add_repos("github", "acme", 1)[0]
    upstream = truth(org)
    result = run(org, dest, strategy="mirror")
    got = outcomes(result)
    assert got[CHANGED] == got[DIVERGED] == "updated" and got[new] == "cloned"
    assert got["acme/docs-8"] == "skipped" and "working copy" in by_reason(result)["acme/docs-8"]
    assert tree_digest(intruder) == intruder_digest
    for p in (CHANGED, DIVERGED, new):
        assert head_of(dest / p) == upstream[p]["head"]
    assert leftover_temps(dest) == []


def by_reason(result) -> Dict[str, str]:
    return {r["full_path"]: r["reason"] for r in result["repos"]}


# -- check mode ------------------------------------------------------------------------------
@pytest.mark.parametrize("strategy", ["pull", "mirror"])
def test_check_mode_returns_the_plan_and_touches_nothing(org, tmp_path, strategy):
    dest = tmp_path / "src"
    first_sync(org, dest, strategy)
    org.push_commits("github", [CHANGED])
    new = org.add_repos("github", "acme", 1)[0]
    digest = tree_digest(tmp_path)
    org.reset_counters()

    plan = run(org, dest, strategy=strategy, check_mode=True)
    got = outcomes(plan)
    assert got.pop(new) == "would clone"
    assert got.pop(CHANGED) == "would update"
    assert set(got.values()) == {"unchanged"}
    assert plan["changed"] is True
    assert git_requests(org) == 0
    assert tree_digest(tmp_path) == digest

    # And the real run then does exactly what was planned.
    real = outcomes(run(org, dest, strategy=strategy))
    assert (real[new], real[CHANGED]) == ("cloned", "updated")


def test_check_mode_on_a_new_dest_creates_nothing(org, tmp_path):
    dest = tmp_path / "fresh"
    plan = run(org, dest, check_mode=True)
    assert set(outcomes(plan).values()) == {"would clone"}
    assert plan["counts"]["total"] == len(truth(org))
    assert not dest.exists()
    assert git_requests(org) == 0


def test_check_mode_with_nothing_to_do_reports_no_change(org, tmp_path):
    dest = tmp_path / "src"
    first_sync(org, dest, "pull")
    plan = run(org, dest, check_mode=True)
    assert plan["changed"] is False
    assert set(outcomes(plan).values()) == {"unchanged"}


# -- prune -----------------------------------------------------------------------------------
def test_repos_gone_upstream_are_reported_and_pruned_only_without_local_work(org, tmp_path):
    dest = tmp_path / "src"
    first_sync(org, dest, "pull")
    local = Local(dest)
    local.make()
    gone = [UNCHANGED_REPO, UNPUSHED_ONLY, STASHED]
    org.delete_repos("github", gone)

    reported = run(org, dest)
    assert sorted(g["full_path"] for g in reported["gone"]) == sorted(gone)
    assert {g["action"] for g in reported["gone"]} == {"gone upstream"}
    assert all((dest / p).is_dir() for p in gone)

    pruned = run(org, dest, prune=True)
    actions = {g["full_path"]: g for g in pruned["gone"]}
    assert actions[UNCHANGED_REPO]["action"] == "trashed"
    assert actions[UNPUSHED_ONLY]["action"] == "kept" and "unpushed commit" in actions[UNPUSHED_ONLY]["reason"]
    assert actions[STASHED]["action"] == "kept" and "stash" in actions[STASHED]["reason"]
    assert not (dest / UNCHANGED_REPO).exists()
    # Recoverable: the clone sits whole in the dated trash folder the report names.
    trash = Path(actions[UNCHANGED_REPO]["trash_path"])
    assert trash.is_relative_to(dest / ".bulk-clone-trash") and head_of(trash) is not None
    assert pruned["changed"] is True and pruned["counts"]["pruned"] == 1
    assert head_of(dest / UNPUSHED_ONLY) == local.commits[UNPUSHED_ONLY]
    assert "my precious stash" in git("stash", "list", cwd=dest / STASHED)
    # The removed repo is forgotten; the kept ones are still reported on the next run.
    keys = journal_paths(dest / ".bulk-clone-state.jsonl")
    assert UNCHANGED_REPO not in keys.values() and UNPUSHED_ONLY in keys.values()
    again = run(org, dest, prune=True)
    assert sorted(g["full_path"] for g in again["gone"]) == sorted([UNPUSHED_ONLY, STASHED])
    assert again["changed"] is False


def test_mirror_prune_moves_bare_copies_of_deleted_repos_to_the_trash(org, tmp_path):
    dest = tmp_path / "backup"
    run(org, dest, strategy="mirror")
    head = git("rev-parse", "HEAD", cwd=dest / CHANGED)
    org.delete_repos("github", [CHANGED])
    result = run(org, dest, strategy="mirror", prune=True)
    assert [(g["full_path"], g["action"]) for g in result["gone"]] == [(CHANGED, "trashed")]
    assert not (dest / CHANGED).exists()
    # A mirror of a deleted repository may be the last copy: it is kept whole.
    assert git("rev-parse", "HEAD", cwd=result["gone"][0]["trash_path"]) == head
    assert set(repo_heads(dest)) == set(truth(org))


def test_a_repo_renamed_on_the_forge_is_cloned_at_its_new_path_and_the_old_clone_kept(org, tmp_path):
    dest = tmp_path / "src"
    first_sync(org, dest, "pull")
    local = Local(dest)
    local.make()
    org.rename_repo("github", DIVERGED, "web-renamed")
    result = run(org, dest)
    got = by_reason(result)
    assert outcomes(result)["acme/web-renamed"] == "cloned"
    assert "renamed or moved it from %s" % DIVERGED in got["acme/web-renamed"]
    assert "left alone" in got["acme/web-renamed"]
    # The old clone, with its local commit, is still where it was.
    assert head_of(dest / DIVERGED) == local.commits[DIVERGED]
    assert result["gone"] == []
    assert_noop(org, dest, "pull")


# -- GitLab and Gitea ------------------------------------------------------------------------
def test_gitlab_subgroups_are_folders_and_the_coarse_marker_never_hides_a_push(fresh_forge, hermetic_git,
                                                                               tmp_path):
    """GitLab moves last_activity_at at most once an hour (the forge does the
    same): a second push within the hour leaves the marker where it was, and
    must still be fetched. Repos whose marker is old are skipped without git."""
    forge = fresh_forge(["gitlab:grp:8"])
    gitlab = dict(forge_extra=dict(provider="gitlab", api_url=forge.gitlab_url), owners=["grp"])
    dest = tmp_path / "src"
    first = run(forge, dest, **gitlab)
    truth_gl = {r["full_path"]: r for r in forge.repos("gitlab", "grp")}
    assert set(outcomes(first).values()) == {"cloned"}
    nested = [p for p in truth_gl if p.count("/") >= 3]
    assert nested, "the forge should nest projects in grp/sub-a/deep"
    for path, info in truth_gl.items():
        assert head_of(dest / path) == info["head"], path      # subgroups kept as folders

    target = forge.push_commits("gitlab", [nested[0]])[0]
    moved = {r["full_path"]: r["marker"] for r in forge.repos("gitlab", "grp")}[target]
    assert moved != truth_gl[target]["marker"]                 # an old marker moves on a push
    assert outcomes(run(forge, dest, **gitlab))[target] == "updated"
    forge.push_commits("gitlab", [target])
    after = {r["full_path"]: r for r in forge.repos("gitlab", "grp")}
    assert after[target]["marker"] == moved                    # a recent one is frozen for an hour
    forge.reset_counters()
    third = run(forge, dest, **gitlab)
    assert outcomes(third)[target] == "updated"
    assert head_of(dest / target) == after[target]["head"]
    # Only the recently active repo needed git; the others' markers are old enough to trust.
    assert set(forge.git_requests_by_repo("gitlab")) == {target}


def test_gitea_org_clone_update_and_noop(fresh_forge, hermetic_git, tmp_path):
    forge = fresh_forge(["gitea:tea:6"])
    gitea = dict(forge_extra=dict(provider="gitea", api_url=forge.gitea_api), owners=["tea"])
    dest = tmp_path / "src"
    assert set(outcomes(run(forge, dest, **gitea)).values()) == {"cloned"}
    pushed = forge.push_commits("gitea", count=1)[0]
    second = run(forge, dest, **gitea)
    assert outcomes(second)[pushed] == "updated"
    assert head_of(dest / pushed) == {r["full_path"]: r["head"] for r in forge.repos("gitea", "tea")}[pushed]
    forge.reset_counters()
    third = run(forge, dest, **gitea)
    assert third["changed"] is False and git_requests(forge) == 0
