# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 14 point 6: a whole GitLab instance (owner_kind all, keyset over
GET /projects) and projects shared with a group (with_shared), against the
local forge, listing and syncing; a project no longer shared is never pruned.
"""

from __future__ import annotations

import pytest

from bulk_clone_support import run
from listing_support import list_repos

TOKEN = "forge-token"
FAST = dict(max_wait=30, secondary_min_wait=0.05, max_tries=3, retry_base=0.01)


def gl(forge, **extra):
    kwargs = dict(provider="gitlab", api_url=forge.gitlab_url, token=TOKEN, **FAST)
    kwargs.update(extra)
    return kwargs


@pytest.fixture
def instance(fresh_forge):
    return fresh_forge(["gitlab:grp:6:flat=1,shared=2", "gitlab:platform:9", "gitlab-user:bob:4"])


def _every_project(forge):
    with forge.state.lock:
        return {(r.id, r.full_path) for r in forge.state.repos["gitlab"].values()}


def test_owner_kind_all_lists_every_project_of_the_instance_by_keyset(instance):
    expected = _every_project(instance)
    assert len(expected) == 6 + 9 + 4 + 3          # forge-admin's 3 projects too
    instance.reset_counters()
    result = list_repos(gl(instance, per_page=5), [], "all", {})
    listed = [(r["id"], r["full_path"]) for r in result["repos"]]
    assert len(listed) == len(set(listed)) and set(listed) == expected
    # Keyset pages: ceil(22 / 5) requests, each following the `next` Link verbatim.
    assert result["stats"]["pages"] == 5
    assert instance.counters()["api:gitlab:list"] == 5
    # Every project is placed under its own namespace (subgroups included).
    assert {r["owner"] for r in result["repos"]} >= {"grp", "platform/sub-a/deep", "bob", "forge-admin"}


def test_owner_kind_all_takes_no_owners_and_only_exists_on_gitlab(instance):
    from bulk_clone_engine.errors import ConfigError
    with pytest.raises(ConfigError, match="owner_kind all lists every project of the instance"):
        list_repos(gl(instance), ["grp"], "all", {})
    with pytest.raises(ConfigError, match="owner_kind 'all' does not exist on github"):
        list_repos(dict(provider="github", api_url=instance.github_api, token=TOKEN, **FAST), [], "all", {})


def test_with_shared_adds_the_projects_shared_with_the_group(instance):
    own = {r["full_path"] for r in instance.repos("gitlab", "grp")}
    shared_ids = set(instance.state.owner("gitlab", "grp").shared)
    assert len(own) == 6 and len(shared_ids) == 2
    default = list_repos(gl(instance), ["grp"], "group", {})
    assert {r["full_path"] for r in default["repos"]} == own          # ours: with_shared off
    shared = list_repos(gl(instance, with_shared=True), ["grp"], "group", {})
    extra = [r for r in shared["repos"] if r["full_path"] not in own]
    assert {r["id"] for r in extra} == shared_ids
    # A shared project keeps its own namespace: {owner}/{name} puts it beside, not inside, grp.
    assert {r["owner"] for r in extra} == {"forge-admin"}


def test_with_shared_is_refused_off_gitlab(instance):
    from bulk_clone_engine.errors import ConfigError
    with pytest.raises(ConfigError, match="with_shared is a GitLab setting"):
        list_repos(dict(provider="gitea", api_url=instance.url, token=TOKEN, with_shared=True, **FAST),
                   ["x"], None, {})


def test_a_project_no_longer_shared_is_never_pruned(instance, tmp_path, hermetic_git):
    dest = tmp_path / "src"
    forge = dict(provider="gitlab", api_url=instance.gitlab_url)
    first = run(instance, dest, owners=["grp"], forge_extra=dict(forge, with_shared=True))
    assert not first.get("failed"), first.get("failures")
    shared_paths = {r["full_path"] for r in first["repos"] if r["full_path"].startswith("forge-admin/")}
    assert len(shared_paths) == 2
    again = run(instance, dest, owners=["grp"], forge_extra=forge, prune=True)
    assert again["counts"].get("pruned", 0) == 0 and not again.get("failed")
    assert {g["full_path"] for g in again["gone"]} == shared_paths
    assert {g["action"] for g in again["gone"]} == {"kept"}
    assert all((dest / p).is_dir() for p in shared_paths)


def test_owner_kind_all_prunes_only_what_left_the_instance(instance, tmp_path, hermetic_git):
    dest = tmp_path / "all"
    forge = dict(provider="gitlab", api_url=instance.gitlab_url, owner_kind="all")
    first = run(instance, dest, owners=[], forge_extra=forge)
    assert not first.get("failed"), first.get("failures")
    victim = next(r for r in instance.repos("gitlab", "bob") if not r["empty"])
    assert (dest / victim["full_path"]).is_dir()
    instance.delete_repos("gitlab", [victim["full_path"]])
    # A filter that leaves most of the instance out prunes nothing but the deleted project.
    again = run(instance, dest, owners=[], forge_extra=forge, include=["^bob/"], prune=True)
    assert again["counts"].get("pruned", 0) == 1, again["gone"]
    gone = {g["full_path"]: g for g in again["gone"]}
    assert gone[victim["full_path"]]["action"] == "trashed"
    assert {g["reason"] for p, g in gone.items() if p != victim["full_path"]} == {"not selected, kept"}
    assert not (dest / victim["full_path"]).exists()


def test_owner_kind_all_is_refused_on_gitlab_com():
    from bulk_clone_engine.errors import ConfigError
    with pytest.raises(ConfigError, match="on gitlab.com that is every public project of the site"):
        list_repos(dict(provider="gitlab", token=TOKEN, **FAST), [], "all", {})
