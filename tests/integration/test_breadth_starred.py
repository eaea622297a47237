# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 14 point 5: starred repositories as an owner kind (owner_kind starred)
on GitHub (REST, and GraphQL falling back to REST), GitLab and Gitea, for a
named user and for the token's own user; each repository placed under its
own owner; unstarring never prunes.
"""

from __future__ import annotations

import pytest
import requests

from bulk_clone_support import run
from listing_support import kwargs_for, list_repos

FAST = dict(max_wait=30, secondary_min_wait=0.05, max_tries=3, retry_base=0.01)
SERVICE = {"github": "github", "graphql": "github", "gitlab": "gitlab", "gitea": "gitea"}


@pytest.fixture(scope="module")
def stars(tmp_path_factory):
    from tests.forge import Forge
    specs = []
    for svc, org in (("github", "github"), ("gitlab", "gitlab"), ("gitea", "gitea")):
        specs += ["%s:%s-org:12%s" % (org, svc, ":flat=1" if svc == "gitlab" else ""),
                  "%s-user:alice:4:starred=5" % svc, "%s-user:forge-admin:3:starred=4" % svc]
    forge = Forge(specs=specs, root=str(tmp_path_factory.mktemp("forge-stars")), tokens=("forge-token",))
    forge.start()
    yield forge
    forge.stop()


def _expected(forge, service, login, as_login="forge-admin"):
    truth = forge.starred(service, login)
    if service == "gitea" and login != as_login:
        truth = [r for r in truth if not r["private"]]      # Gitea shows another user's public stars only
    return {(r["id"], r["full_path"]) for r in truth}


@pytest.mark.parametrize("flavour", ["github", "graphql", "gitlab", "gitea"])
@pytest.mark.parametrize("login", ["alice", ""], ids=["named-user", "token-user"])
def test_starred_listing_equals_the_forge(stars, flavour, login):
    service = SERVICE[flavour]
    expected = _expected(stars, service, login or "forge-admin")
    assert len({p.split("/")[0] for _i, p in expected}) >= 2, "the stars span several owners"
    result = list_repos(kwargs_for(stars, flavour, FAST, per_page=2), [login] if login else [], "starred", {})
    listed = [(r["id"], r["full_path"]) for r in result["repos"]]
    assert len(listed) == len(set(listed)) and set(listed) == expected
    # Each starred repository keeps its own owner: {owner}/{name} is its full path.
    assert all(r["full_path"] == "%s/%s" % (r["owner"], r["name"]) for r in result["repos"])


def test_the_forge_answers_like_the_documented_endpoints(stars):
    token = {"Authorization": "token forge-token"}
    alice = stars.starred("github", "alice")
    # GitHub: repository objects, newest star first by default; sort=created&direction=asc oldest first.
    newest = requests.get(stars.github_api + "/users/alice/starred", headers=token, timeout=10).json()
    assert [r["full_name"] for r in newest] == [r["full_path"] for r in reversed(alice)]
    oldest = requests.get(stars.github_api + "/user/starred", params={"sort": "created", "direction": "asc",
                                                                      "per_page": 2}, headers=token, timeout=10)
    assert [r["full_name"] for r in oldest.json()] == [r["full_path"] for r in stars.starred("github", "forge-admin")][:2]
    assert 'rel="last"' in oldest.headers["Link"] and "stargazers_count" in oldest.json()[0]
    assert requests.get(stars.github_api + "/user/starred", timeout=10).status_code == 401
    # GitLab: project objects with offset pages and X-Total.
    gl = requests.get(stars.gitlab_url + "/api/v4/users/alice/starred_projects",
                      params={"order_by": "id", "sort": "asc"}, headers={"PRIVATE-TOKEN": "forge-token"}, timeout=10)
    assert [p["id"] for p in gl.json()] == sorted(r["id"] for r in stars.starred("gitlab", "alice"))
    assert gl.headers["X-Total"] == "5" and "star_count" in gl.json()[0]
    # Gitea: another user's private stars are left out, yet X-Total-Count counts every star.
    tea = requests.get(stars.url + "/api/v1/users/alice/starred", headers=token, timeout=10)
    assert tea.headers["X-Total-Count"] == "5"
    assert {r["id"] for r in tea.json()} == {r["id"] for r in stars.starred("gitea", "alice") if not r["private"]}


def test_starred_without_a_user_needs_a_token(stars):
    from bulk_clone_engine.errors import ConfigError
    forge = kwargs_for(stars, "github", FAST)
    forge.pop("token")
    with pytest.raises(ConfigError, match="owner_kind starred with no owners lists the stars of the token's own user"):
        list_repos(forge, [], "starred", {})
    with pytest.raises(ConfigError, match="owner_kind 'starred' does not exist on bitbucket"):
        list_repos(dict(provider="bitbucket", token="x", **FAST), ["ws"], "starred", {})


def test_unstarring_never_prunes_and_says_why(fresh_forge, tmp_path, hermetic_git):
    forge = fresh_forge(["github:acme:9", "github-user:alice:3:starred=5"])
    dest = tmp_path / "stars"
    first = run(forge, dest, owners=["alice"], forge_extra=dict(owner_kind="starred"))
    assert not first.get("failed"), first.get("failures")
    starred = [r["full_path"] for r in forge.starred("github", "alice")]
    assert {r["full_path"] for r in first["repos"]} == set(starred)
    # Placed by their own owner and name, as any repository.
    assert all((dest / p).is_dir() for p in starred)
    dropped = starred[:2]
    forge.unstar_repos("github", "alice", dropped)
    again = run(forge, dest, owners=["alice"], forge_extra=dict(owner_kind="starred"), prune=True, max_prune=-1)
    assert not again.get("failed") and again["counts"].get("pruned", 0) == 0
    gone = {g["full_path"]: g for g in again["gone"]}
    assert set(gone) == set(dropped)
    assert {g["action"] for g in gone.values()} == {"kept"}
    assert {g["reason"] for g in gone.values()} == {
        "not starred any more (or gone), kept: a starred listing never prunes"}
    assert all((dest / p).exists() for p in dropped)


@pytest.mark.parametrize("flavour", ["github", "gitlab", "gitea"])
def test_an_unknown_user_is_named(stars, flavour):
    from bulk_clone_engine.errors import NotFoundError
    with pytest.raises(NotFoundError, match="nobody-here"):
        list_repos(kwargs_for(stars, flavour, FAST), ["nobody-here"], "starred", {})
