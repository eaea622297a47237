# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 3 acceptance, GitLab: a group with all its nested subgroups, a
user, at 0, 1, 100, 101, 120 (nested) and 10,050 projects (above 10,000
GitLab leaves out X-Total, X-Total-Pages and rel="last").
"""

from __future__ import annotations

import pytest

from listing_support import list_repos, open_listing  # noqa: E402

TOKEN = "forge-token"
FAST = dict(max_wait=30, secondary_min_wait=0.05, max_tries=3, retry_base=0.01)

EDGE = [("gl-empty", 0), ("gl-one", 1), ("gl-hundred", 100), ("gl-hundred-one", 101), ("platform", 120)]


def gl(forge, token=TOKEN, **extra):
    kwargs = dict(provider="gitlab", api_url=forge.gitlab_url, token=token, **FAST)
    kwargs.update(extra)
    return kwargs


def truth(forge, owner):
    return {(r["id"], r["full_path"]) for r in forge.repos("gitlab", owner)}


def listed(result):
    pairs = [(r["id"], r["full_path"]) for r in result["repos"]]
    assert len(pairs) == len(set(pairs)), "a project was listed twice"
    return set(pairs)


@pytest.mark.parametrize("owner,size", EDGE, ids=[o for o, _size in EDGE])
def test_group_listing_equals_the_forge(forge, owner, size):
    expected = truth(forge, owner)
    assert len(expected) == size
    result = list_repos(gl(forge), [owner], "group", {})
    assert listed(result) == expected
    assert result["count"] == size
    assert result["stats"]["listed"] == size and result["stats"]["excluded"] == {}


def test_nested_group_spans_every_subgroup(forge):
    expected = truth(forge, "platform")
    namespaces = {path.rpartition("/")[0] for _repo_id, path in expected}
    # The fixture really nests: the listing must reach two levels down.
    assert {"platform", "platform/sub-a", "platform/sub-a/deep", "platform/sub-b"} <= namespaces
    result = list_repos(gl(forge), ["platform"], None, {})
    assert listed(result) == expected
    assert {r["owner"] for r in result["repos"]} == namespaces


def test_a_subgroup_alone(forge):
    expected = truth(forge, "platform/sub-a")
    assert any("/deep/" in p for _repo_id, p in expected)
    result = list_repos(gl(forge), ["platform/sub-a"], "group", {})
    assert listed(result) == expected


def test_fields_match_the_forge(forge):
    by_id = {r["id"]: r for r in forge.repos("gitlab", "platform")}
    result = list_repos(gl(forge), ["platform"], None, {})
    for repo in result["repos"]:
        want = by_id[repo["id"]]
        assert repo["provider"] == "gitlab"
        assert repo["owner"] == want["owner"]
        assert repo["name"] == want["name"]          # the path, even when the display name differs
        assert repo["full_path"] == want["full_path"]
        assert repo["clone_url"] == want["clone_url"]
        assert repo["default_branch"] == want["default_branch"]
        assert repo["archived"] is want["archived"]
        assert repo["fork"] is want["fork"], repo["full_path"]
        assert repo["empty"] is want["empty"]
        assert repo["visibility"] == want["visibility"]
        assert repo["marker"] == want["marker"]
        assert sorted(repo["topics"]) == sorted(want["topics"])
    assert {r["visibility"] for r in result["repos"]} == {"public", "private", "internal"}


@pytest.mark.parametrize("kind", ["user", "auto"])
def test_user_projects(forge, kind):
    expected = truth(forge, "alice")
    assert len(expected) == 15
    result = list_repos(gl(forge), ["alice"], kind, {})
    assert listed(result) == expected


def test_group_and_its_subgroup_listed_once(forge):
    expected = truth(forge, "platform")
    result = list_repos(gl(forge), ["platform", "platform/sub-b", "gl-one"], None, {})
    assert listed(result) == expected | truth(forge, "gl-one")


def test_api_url_with_api_v4_suffix_works(forge):
    result = list_repos(gl(forge, api_url=forge.gitlab_url + "/api/v4"), ["gl-one"], None, {})
    assert listed(result) == truth(forge, "gl-one")


def test_stats_report_the_gitlab_budget(forge):
    result = list_repos(gl(forge), ["gl-hundred-one"], None, {})
    budget = result["stats"]["rate_limit"]
    assert budget, "RateLimit-* headers were not read"
    (only,) = budget.values()
    assert only["limit"] == 2000 and only["remaining"] < 2000


@pytest.mark.slow
def test_10050_projects_without_totals(big_gitlab_forge):
    forge = big_gitlab_forge
    forge.reset_counters()
    expected = truth(forge, "biggroup")
    assert len(expected) == 10050
    result = list_repos(gl(forge), ["biggroup"], "group", {})
    assert listed(result) == expected
    # 101 pages of 100, plus at most a handful of requests to find the end
    # when GitLab leaves the totals out.
    assert 101 <= forge.counters()["api:gitlab:list"] <= 101 + 10


def test_listing_is_lazy(big_gitlab_forge):
    import time
    forge = big_gitlab_forge
    forge.reset_counters()
    listing = open_listing(gl(forge), ["biggroup"], "group", {})
    stream = iter(listing)
    assert next(stream).full_path.startswith("biggroup/")
    for _i in range(30):      # let the read-ahead come to rest on its bounded queue
        before = forge.counters().get("api:gitlab:list", 0)
        time.sleep(0.1)
        if forge.counters().get("api:gitlab:list", 0) == before:
            break
    pages = forge.counters().get("api:gitlab:list", 0)
    stream.close()
    # Finding the end of a listing without totals may cost a few probes;
    # reading the whole group would cost 101.
    assert pages <= 12, "fetched %d pages to read one project" % pages
