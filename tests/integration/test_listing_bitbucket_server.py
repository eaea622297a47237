# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bitbucket Data Center listing against the local forge (under a context
path, /bbs): projects of 0, 1, 100, 101 and 3,000 repositories, personal
projects, Bearer and Basic tokens, a server that lowers `limit`, and the
errors a user can cause."""

from __future__ import annotations

import math

import pytest

from bulk_clone_engine.errors import AuthError, ConfigError, NotFoundError
from listing_support import list_repos  # noqa: E402
from tests.forge import Forge

TOKEN = "forge-token"
FAST = dict(max_wait=30, secondary_min_wait=0.05, max_tries=3, retry_base=0.01)
EDGE = [("EMPTY", 0), ("ONE", 1), ("HUNDRED", 100), ("HUNDREDONE", 101)]


@pytest.fixture(scope="module")
def bbs(tmp_path_factory):
    specs = ["bitbucket-server:%s:%d" % edge for edge in EDGE] + [
        "bitbucket-server:PRJ:60", "bitbucket-server:BIG:3000", "bitbucket-server-user:alice:7"]
    forge = Forge(specs=specs, root=str(tmp_path_factory.mktemp("forge-bbs-listing")), tokens=(TOKEN,))
    forge.start()
    yield forge
    forge.stop()


@pytest.fixture(autouse=True)
def _fresh(bbs):
    bbs.clear_faults()
    bbs.reset_counters()
    yield


def dc(forge, **extra):
    kwargs = dict(provider="bitbucket_server", api_url=forge.bitbucket_server_url, token=TOKEN, **FAST)
    kwargs.update(extra)
    return kwargs


def truth(forge, key):
    return {(r["id"], r["full_path"]) for r in forge.repos("bitbucket-server", key)}


def listed(result):
    pairs = [(r["id"], r["full_path"]) for r in result["repos"]]
    assert len(pairs) == len(set(pairs)), "a repository was listed twice"
    return set(pairs)


@pytest.mark.parametrize("key,size", EDGE, ids=[k for k, _size in EDGE])
def test_listing_equals_the_forge(bbs, key, size):
    expected = truth(bbs, key)
    assert len(expected) == size
    result = list_repos(dc(bbs), [key], None, {})
    assert listed(result) == expected and result["count"] == size
    assert bbs.counters()["api:bitbucket-server:list"] == max(1, math.ceil(size / 100.0))


def test_three_thousand_repositories(bbs):
    result = list_repos(dc(bbs), ["BIG"], "project", {})
    assert listed(result) == truth(bbs, "BIG") and result["count"] == 3000
    assert bbs.counters()["api:bitbucket-server:list"] == 30


def test_fields_match_the_forge(bbs):
    by_path = {r["full_path"]: r for r in bbs.repos("bitbucket-server", "PRJ")}
    result = list_repos(dc(bbs), ["PRJ"], None, {})
    assert {r["full_path"] for r in result["repos"]} == set(by_path)
    for repo in result["repos"]:
        want = by_path[repo["full_path"]]
        assert repo["provider"] == "bitbucket_server" and repo["owner"] == "PRJ" and repo["name"] == want["name"]
        assert repo["id"] == want["id"] and repo["clone_url"] == want["clone_url"] and "@" not in repo["clone_url"]
        assert repo["ssh_url"].startswith("ssh://git@")
        assert repo["archived"] is want["archived"] and repo["fork"] is want["fork"]
        assert repo["visibility"] == want["visibility"]
        # Data Center lists neither an update time nor the default branch:
        # no marker (every re-sync asks git) and origin/HEAD decides the branch.
        assert repo["marker"] == "" and repo["default_branch"] == ""


@pytest.mark.parametrize("owner,kind", [("~alice", None), ("alice", "user"), ("~alice", "project")])
def test_personal_projects(bbs, owner, kind):
    result = list_repos(dc(bbs), [owner], kind, {})
    assert listed(result) == truth(bbs, "~alice") and len(result["repos"]) == 7
    assert {r["owner"] for r in result["repos"]} == {"~alice"}


def test_basic_with_the_token_owner_and_api_url_with_the_rest_path(bbs):
    result = list_repos(dc(bbs, username="forge-admin", api_url=bbs.bitbucket_server_url + "/rest/api/1.0"),
                        ["PRJ"], None, {})
    assert listed(result) == truth(bbs, "PRJ")


def test_anonymous_lists_public_repositories_only(bbs):
    result = list_repos(dc(bbs, token=None), ["PRJ"], None, {})
    public = {(r["id"], r["full_path"]) for r in bbs.repos("bitbucket-server", "PRJ") if not r["private"]}
    assert listed(result) == public and public != truth(bbs, "PRJ")


def test_a_server_that_lowers_limit_is_followed_to_the_end(fresh_forge):
    forge = fresh_forge(["bitbucket-server:CAPPED:95"], bitbucket_server_max_limit=20)
    result = list_repos(dc(forge), ["CAPPED"], None, {})
    assert listed(result) == truth(forge, "CAPPED")
    assert forge.counters()["api:bitbucket-server:list"] == 5          # 20 at a time, whatever we asked


def test_unknown_project_names_it(bbs):
    with pytest.raises(NotFoundError) as caught:
        list_repos(dc(bbs), ["NOPE"], None, {})
    msg = str(caught.value)
    assert "project 'NOPE' was not found on Bitbucket Data Center" in msg and "Project NOPE does not exist." in msg


def test_unknown_personal_project_says_so(bbs):
    with pytest.raises(NotFoundError) as caught:
        list_repos(dc(bbs), ["nobody"], "user", {})
    assert "'~nobody'" in str(caught.value) and "personal project" in str(caught.value)


def test_bad_token_names_the_option(bbs):
    with pytest.raises(AuthError) as caught:
        list_repos(dc(bbs, token="wrong-token"), ["PRJ"], None, {})
    msg = str(caught.value)
    assert "check `token`" in msg and "wrong-token" not in msg


def test_basic_with_another_user_names_username(bbs):
    with pytest.raises(AuthError) as caught:
        list_repos(dc(bbs, username="someone-else"), ["PRJ"], None, {})
    assert "`username`" in str(caught.value) and "without username" in str(caught.value)


def test_api_url_that_is_not_bitbucket_names_api_url(bbs):
    with pytest.raises(ConfigError) as caught:
        list_repos(dc(bbs, api_url=bbs.url), ["PRJ"], None, {})
    assert "api_url %s does not answer like Bitbucket Data Center" % bbs.url in str(caught.value)


def test_api_url_is_required(bbs):
    with pytest.raises(ConfigError) as caught:
        list_repos(dc(bbs, api_url=None), ["PRJ"], None, {})
    assert "api_url is required for provider bitbucket_server" in str(caught.value)


def test_server_errors_and_cut_bodies_are_retried(bbs):
    bbs.inject({"kind": "status", "service": "bitbucket-server", "status": 503, "after": 2, "times": 1})
    bbs.inject({"kind": "truncate", "service": "bitbucket-server", "after": 3, "times": 1})
    result = list_repos(dc(bbs, per_page=30), ["HUNDREDONE"], None, {})
    assert listed(result) == truth(bbs, "HUNDREDONE") and result["stats"]["retries"] == 2
