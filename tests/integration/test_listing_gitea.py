# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 3 acceptance, Gitea: orgs and users at 0, 1, 100, 101, 60 and
10,000 repos, with the server's silent page cap (max_response_items) obeyed.
"""

from __future__ import annotations

import math

import pytest

from listing_support import list_repos, open_listing  # noqa: E402

TOKEN = "forge-token"
FAST = dict(max_wait=30, secondary_min_wait=0.05, max_tries=3, retry_base=0.01)

EDGE = [("tea-empty", 0), ("tea-one", 1), ("tea-hundred", 100), ("tea-hundred-one", 101), ("tools", 60)]


def gt(forge, token=TOKEN, **extra):
    kwargs = dict(provider="gitea", api_url=forge.url, token=token, **FAST)
    kwargs.update(extra)
    return kwargs


def truth(forge, owner):
    return {(r["id"], r["full_path"]) for r in forge.repos("gitea", owner)}


def listed(result):
    pairs = [(r["id"], r["full_path"]) for r in result["repos"]]
    assert len(pairs) == len(set(pairs)), "a repo was listed twice"
    return set(pairs)


@pytest.mark.parametrize("owner,size", EDGE, ids=[o for o, _size in EDGE])
def test_org_listing_equals_the_forge(forge, owner, size):
    expected = truth(forge, owner)
    assert len(expected) == size
    result = list_repos(gt(forge), [owner], "org", {})
    assert listed(result) == expected
    assert result["count"] == size
    # The server caps pages at 50 whatever we ask: one page per 50 repos, and
    # at most one more request (to learn the total before walking).
    pages = forge.counters().get("api:gitea:list", 0)
    assert max(1, math.ceil(size / 50.0)) <= pages <= max(1, math.ceil(size / 50.0)) + 1


def test_a_lower_server_cap_is_obeyed(fresh_forge):
    forge = fresh_forge(["gitea:capped:45"], gitea_max_items=10)
    result = list_repos(gt(forge), ["capped"], "org", {})
    assert listed(result) == truth(forge, "capped")


def test_fields_match_the_forge(forge):
    by_id = {r["id"]: r for r in forge.repos("gitea", "tools")}
    result = list_repos(gt(forge), ["tools"], None, {})
    for repo in result["repos"]:
        want = by_id[repo["id"]]
        assert repo["provider"] == "gitea"
        assert repo["owner"] == "tools"
        assert repo["name"] == want["name"]
        assert repo["full_path"] == want["full_path"]
        assert repo["clone_url"] == want["clone_url"]
        assert repo["default_branch"] == want["default_branch"]
        assert repo["archived"] is want["archived"]
        assert repo["fork"] is want["fork"]
        assert repo["empty"] is want["empty"]
        assert repo["visibility"] == want["visibility"]
        assert repo["marker"] == want["marker"]
        assert sorted(repo["topics"]) == sorted(want["topics"])
        assert repo["language"] == want["language"]


@pytest.mark.parametrize("kind", ["user", "auto"])
def test_user_repos(forge, kind):
    expected = truth(forge, "alice")
    assert len(expected) == 15
    assert listed(list_repos(gt(forge), ["alice"], kind, {})) == expected


def test_api_url_with_api_v1_suffix_works(forge):
    result = list_repos(gt(forge, api_url=forge.gitea_api), ["tea-one"], None, {})
    assert listed(result) == truth(forge, "tea-one")


@pytest.mark.slow
def test_10000_repos(big_gitea_forge):
    forge = big_gitea_forge
    forge.reset_counters()
    expected = truth(forge, "bigtea")
    result = list_repos(gt(forge), ["bigtea"], "org", {})
    assert listed(result) == expected
    assert 200 <= forge.counters()["api:gitea:list"] <= 201


def test_listing_is_lazy(big_gitea_forge):
    import time
    forge = big_gitea_forge
    forge.reset_counters()
    listing = open_listing(gt(forge), ["bigtea"], "org", {})
    stream = iter(listing)
    assert next(stream).full_path.startswith("bigtea/")
    for _i in range(30):
        before = forge.counters().get("api:gitea:list", 0)
        time.sleep(0.1)
        if forge.counters().get("api:gitea:list", 0) == before:
            break
    pages = forge.counters().get("api:gitea:list", 0)
    stream.close()
    assert pages <= 4, "fetched %d pages to read one repo" % pages
