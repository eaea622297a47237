# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 14 point 7 against the local forge: pushed_within (GitHub pushed_at,
GraphQL pushedAt, GitLab last_activity_at, Gitea updated_at), min_stars
(stargazers_count, stargazerCount, star_count, stars_count) and glob:
patterns; and a filter change never prunes a clone.
"""

from __future__ import annotations

import re

import pytest

from bulk_clone_support import run
from listing_support import kwargs_for, list_repos

FAST = dict(max_wait=30, secondary_min_wait=0.05, max_tries=3, retry_base=0.01)
OWNER = {"github": "acme", "graphql": "acme", "gitlab": "grp", "gitea": "tea"}
SERVICE = {"github": "github", "graphql": "github", "gitlab": "gitlab", "gitea": "gitea"}


@pytest.fixture(scope="module")
def active(tmp_path_factory):
    """Old repositories (the forge's pushes are from 2015), three of each owner pushed to now."""
    from tests.forge import Forge
    forge = Forge(specs=["github:acme:30", "gitlab:grp:30:flat=1", "gitea:tea:30"],
                  root=str(tmp_path_factory.mktemp("forge-active")), tokens=("forge-token",))
    forge.start()
    pushed = {}
    for service, owner in (("github", "acme"), ("gitlab", "grp"), ("gitea", "tea")):
        targets = [r["full_path"] for r in forge.repos(service, owner) if not r["empty"] and not r["archived"]][2:5]
        pushed[service] = set(forge.push_commits(service, targets))
    forge.pushed = pushed          # type: ignore[attr-defined]
    yield forge
    forge.stop()


def _stars(forge, service, owner):
    """The forge's star counts (index % 50 within the owner), read back from its own truth by position."""
    with forge.state.lock:
        return {r.full_path: r.index % 50 for r in forge.state.repos[service].values()
                if r.namespace.lower() == owner}


@pytest.mark.parametrize("flavour", ["github", "graphql", "gitlab", "gitea"])
def test_pushed_within_keeps_what_was_pushed_lately(active, flavour):
    result = list_repos(kwargs_for(active, flavour, FAST), [OWNER[flavour]], None, {"pushed_within": "1d"})
    assert {r["full_path"] for r in result["repos"]} == active.pushed[SERVICE[flavour]]
    assert result["stats"]["excluded"] == {"pushed_within": 30 - 3}
    assert all(r["pushed_at"] for r in result["repos"])
    four_weeks = list_repos(kwargs_for(active, flavour, FAST), [OWNER[flavour]], None, {"pushed_within": "4w"})
    assert {r["full_path"] for r in four_weeks["repos"]} == active.pushed[SERVICE[flavour]]


@pytest.mark.parametrize("flavour", ["github", "graphql", "gitlab", "gitea"])
def test_min_stars_reads_each_forges_star_count(active, flavour):
    stars = _stars(active, SERVICE[flavour], OWNER[flavour])
    result = list_repos(kwargs_for(active, flavour, FAST), [OWNER[flavour]], None, {"min_stars": 20, "disabled": "include"})
    assert {r["full_path"]: r["stars"] for r in result["repos"]} == {p: n for p, n in stars.items() if n >= 20}


@pytest.mark.parametrize("flavour", ["github", "gitlab", "gitea"])
def test_glob_include_and_exclude(active, flavour):
    owner = OWNER[flavour]
    names = {p.rsplit("/", 1)[1]: p for p in _stars(active, SERVICE[flavour], owner)}
    result = list_repos(kwargs_for(active, flavour, FAST), [owner], None,
                        {"include": ["glob:%s/*" % owner, "^nothing$"], "exclude": ["glob:*-1?"], "disabled": "include"})
    expected = {p for n, p in names.items() if not re.fullmatch(r".*-1.", n)}       # web-12 out, web-1 and web-21 in
    assert {r["full_path"] for r in result["repos"]} == expected
    assert result["stats"]["excluded"].get("exclude") == len(names) - len(expected) == 10


def test_a_filter_change_never_prunes_a_clone(active, tmp_path, hermetic_git):
    dest = tmp_path / "src"
    forge = dict(provider="gitea", api_url=active.url)
    first = run(active, dest, owners=["tea"], forge_extra=forge)
    assert not first.get("failed"), first.get("failures")
    cloned = sorted(p.name for p in (dest / "tea").iterdir())
    narrowed = run(active, dest, owners=["tea"], forge_extra=forge, prune=True, max_prune=-1,
                   pushed_within="1d", min_stars=1, include=["glob:*-2*"])
    assert not narrowed.get("failed") and narrowed["counts"].get("pruned", 0) == 0
    assert sorted(p.name for p in (dest / "tea").iterdir()) == cloned
    assert narrowed["gone"] and {g["reason"] for g in narrowed["gone"]} == {"not selected, kept"}


def test_bitbucket_cloud_filters_on_updated_on_and_has_no_stars(fresh_forge):
    from bulk_clone_engine.errors import ConfigError
    forge = fresh_forge(["bitbucket:ws:8"])
    pushed = set(forge.push_commits("bitbucket", [r["full_path"] for r in forge.repos("bitbucket", "ws")
                                                  if not r["empty"]][:2]))
    bitbucket = dict(provider="bitbucket", api_url=forge.bitbucket_api, token="forge-token", **FAST)
    result = list_repos(bitbucket, ["ws"], None, {"pushed_within": "12h"})
    assert {r["full_path"] for r in result["repos"]} == pushed
    assert all(r["pushed_at"].endswith("+00:00") for r in result["repos"])      # microseconds and +00:00
    with pytest.raises(ConfigError, match="min_stars: Bitbucket Cloud has no stars"):
        list_repos(bitbucket, ["ws"], None, {"min_stars": 1})
    with pytest.raises(ConfigError, match="pushed_within: Bitbucket Data Center lists no activity time"):
        list_repos(dict(provider="bitbucket_server", api_url=forge.bitbucket_server_url, token="forge-token", **FAST),
                   ["PRJ"], None, {"pushed_within": "1d"})
