# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""bulk_clone end to end against Bitbucket Cloud and Data Center on the
local forge, with real git: every kind of credential clones private
repositories; a Cloud re-sync with nothing changed runs no git at all
(updated_on); the user name Bitbucket writes into clone links reaches no
folder, remote URL, journal or result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import pytest

from bulk_clone_support import FAST_GIT, git, git_requests, outcomes, run_values

TOKEN = "forge-token"
API_TOKEN = "ATATT-e2e-api-token"
EMAIL = "forge-admin@forge.test"
FAST = dict(max_wait=30, secondary_min_wait=0.05, max_tries=3, retry_base=0.01)
SPECS = ["bitbucket:acme:14", "bitbucket-server:PRJ:10", "bitbucket-server-user:alice:3"]

AUTH_KINDS = {
    "cloud-access-token": ("bitbucket", "acme", dict(token=TOKEN)),
    "cloud-api-token": ("bitbucket", "acme", dict(token=API_TOKEN, username=EMAIL)),
    "server-bearer": ("bitbucket-server", "PRJ", dict(token=TOKEN)),
    "server-basic": ("bitbucket-server", "PRJ", dict(token=TOKEN, username="forge-admin")),
    "server-personal": ("bitbucket-server", "~alice", dict(token=TOKEN)),
}


@pytest.fixture
def bb(fresh_forge, hermetic_git):
    return fresh_forge(SPECS, bitbucket_api_tokens=[API_TOKEN])


def forge_options(forge, service: str, auth: Dict[str, Any]) -> Dict[str, Any]:
    if service == "bitbucket":
        base = dict(provider="bitbucket", api_url=forge.bitbucket_api)
    else:
        base = dict(provider="bitbucket_server", api_url=forge.bitbucket_server_url)
    return dict(base, **auth, **FAST)


def run(forge, dest: Path, kind: str, **sync: Any) -> Dict[str, Any]:
    service, owner, auth = AUTH_KINDS[kind]
    values = dict(FAST_GIT, dest=str(dest), concurrency=4, return_repos="all", strategy="pull", owners=[owner])
    values.update(forge_options(forge, service, auth))
    values.update(sync)
    return run_values(values)


def head(path: Path) -> str:
    return git("rev-parse", "HEAD", cwd=path)


@pytest.mark.parametrize("kind", sorted(AUTH_KINDS))
def test_every_credential_clones_private_repositories(bb, tmp_path, kind):
    service, owner, _credentials = AUTH_KINDS[kind]
    truth = {r["full_path"]: r for r in bb.repos(service, owner)}
    assert any(r["private"] and not r["empty"] for r in truth.values())
    result = run(bb, tmp_path, kind)
    assert not result.get("failed"), result.get("failed")
    assert set(outcomes(result)) == set(truth) and set(outcomes(result).values()) == {"cloned"}
    for full_path, want in truth.items():
        if not want["empty"]:
            assert head(tmp_path / full_path) == want["head"], full_path


def test_cloud_resync_without_change_runs_no_git(bb, tmp_path):
    run(bb, tmp_path, "cloud-access-token")
    bb.reset_counters()
    again = run(bb, tmp_path, "cloud-access-token")
    assert git_requests(bb) == 0                          # updated_on unchanged: no git process at all
    assert set(outcomes(again).values()) == {"unchanged"} and again["changed"] is False
    pushed = bb.push_commits("bitbucket", ["acme/tool-1"])[0]
    bb.reset_counters()
    third = run(bb, tmp_path, "cloud-access-token")
    assert outcomes(third)[pushed] == "updated"
    assert set(bb.git_requests_by_repo("bitbucket")) == {pushed}       # only the pushed one asked git
    assert head(tmp_path / pushed) == next(r["head"] for r in bb.repos("bitbucket", "acme")
                                           if r["full_path"] == pushed)


def test_server_resync_asks_git_but_changes_nothing(bb, tmp_path):
    """Data Center has no change marker: each re-sync fetches (one ref
    round trip per repository, no pack) and reports nothing changed."""
    run(bb, tmp_path, "server-bearer")
    bb.reset_counters()
    again = run(bb, tmp_path, "server-bearer")
    assert again["changed"] is False and set(outcomes(again).values()) == {"unchanged"}
    assert bb.counters().get("git:info-refs", 0) == 10


@pytest.mark.parametrize("kind", ["cloud-api-token", "server-basic"])
def test_the_user_name_in_clone_links_goes_nowhere(bb, tmp_path, kind):
    result = run(bb, tmp_path, kind)
    assert not result.get("failed")
    leaks = ("forge-admin@", EMAIL)
    for path in tmp_path.rglob("*"):
        assert not any(leak in path.name for leak in leaks), path
        if path.name == "config" and path.parent.name == ".git":
            remote = git("config", "--get", "remote.origin.url", cwd=path.parent.parent)
            assert "@" not in remote, remote
    journal = (tmp_path / ".bulk-clone-state.jsonl").read_text()
    assert not any(leak in journal for leak in leaks)
    assert not any(leak in json.dumps(result) for leak in leaks)


def test_a_429_during_a_clone_run_is_waited_out(bb, tmp_path):
    bb.inject({"kind": "bitbucket_429", "times": 2})
    result = run(bb, tmp_path, "cloud-access-token")
    assert not result.get("failed") and len(outcomes(result)) == 14
    assert bb.counters()["status:429"] == 2
