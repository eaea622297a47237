# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Extras as records (extras.py): a wiki's URL, path and key; options refused
where a forge has no such extra."""

from __future__ import annotations

import pytest

from bulk_clone_engine.errors import ConfigError
from bulk_clone_engine.extras import wiki_of, wiki_url
from bulk_clone_engine.job import build_job
from bulk_clone_engine.layout import render_path
from bulk_clone_engine.providers.gitlab import wiki_enabled
from bulk_clone_engine.repo import REPO_FIELDS, Repo


def repo(**kw) -> Repo:
    base = dict(provider="github", host="github.com", owner="acme", name="api", full_path="acme/api", id=42,
                clone_url="https://github.com/acme/api.git", ssh_url="git@github.com:acme/api.git",
                web_url="https://github.com/acme/api", marker="2026-01-01T00:00:00Z", wiki=True)
    base.update(kw)
    return Repo(**base)


@pytest.mark.parametrize("url,want", [
    ("https://github.com/acme/api.git", "https://github.com/acme/api.wiki.git"),
    ("https://gitlab.example.com/g/sub/p", "https://gitlab.example.com/g/sub/p.wiki.git"),
    ("git@github.com:acme/api.git", "git@github.com:acme/api.wiki.git"),
    ("https://gitea.example.com/o/r.git/", "https://gitea.example.com/o/r.wiki.git"),
])
def test_wiki_url_puts_wiki_before_git(url, want):
    assert wiki_url(url) == want


def test_a_wiki_record_sits_beside_its_repo_with_its_own_key_and_no_marker():
    wiki = wiki_of(repo())
    assert wiki is not None and wiki.kind == "wiki"
    assert (wiki.name, wiki.full_path, wiki.clone_url) == ("api.wiki", "acme/api.wiki", "https://github.com/acme/api.wiki.git")
    assert wiki.key == "github:github.com:wiki-42" != repo().key
    assert wiki.marker == "" and wiki.default_branch == ""
    assert render_path("{owner}/{name}", wiki) == "acme/api.wiki"
    assert render_path("{full_path}", wiki) == "acme/api.wiki"


def test_no_wiki_record_when_the_forge_says_disabled():
    assert wiki_of(repo(wiki=False)) is None
    assert wiki_of(wiki_of(repo())) is None          # a wiki has no wiki


@pytest.mark.parametrize("project,want", [
    ({"wiki_access_level": "enabled", "wiki_enabled": True}, True),
    ({"wiki_access_level": "private"}, True),
    ({"wiki_access_level": "disabled", "wiki_enabled": True}, False),
    ({"wiki_enabled": True}, True),
    ({}, False),
])
def test_gitlab_wiki_access_level_wins_over_the_old_boolean(project, want):
    assert wiki_enabled(project) is want


def test_org_repos_records_carry_wiki_but_not_the_extras_fields():
    assert "wiki" in REPO_FIELDS and "kind" not in REPO_FIELDS and "ref" not in REPO_FIELDS
    assert set(repo().as_dict()) == set(REPO_FIELDS)


@pytest.mark.parametrize("provider", ["bitbucket", "bitbucket_server"])
def test_wikis_is_refused_where_the_forge_has_none_we_clone(tmp_path, provider):
    values = dict(provider=provider, api_url="https://bb.example.com", dest=str(tmp_path), owners=["x"],
                  wikis=True)
    with pytest.raises(ConfigError, match="wikis works with provider github, gitlab, gitea"):
        build_job(values, environ={})


def _pool(tmp_path, **values):
    from bulk_clone_engine.job import forge_pool
    from bulk_clone_engine.providers.base import GitAuth
    spec = build_job(dict(dest=str(tmp_path), owners=["alice"], token="ghp_" + "x" * 36, **values), environ={})
    return forge_pool(spec.forge, GitAuth("x-access-token", lambda: "ghp_" + "x" * 36), spec.sync)


def test_gist_github_com_is_a_git_origin_of_github_com_only(tmp_path):
    pool = _pool(tmp_path)
    assert pool.trusts("https://gist.github.com") and pool.trusts("https://github.com")
    assert not pool.trusts("https://gist.example.com")
    ghes = _pool(tmp_path, api_url="https://ghes.example.com/api/v3")
    assert ghes.trusts("https://ghes.example.com") and not ghes.trusts("https://gist.github.com")
    gitlab = _pool(tmp_path, provider="gitlab")
    assert not gitlab.trusts("https://gist.github.com")


@pytest.mark.parametrize("provider", ["gitea", "bitbucket"])
def test_gists_is_refused_where_the_forge_has_none(tmp_path, provider):
    values = dict(provider=provider, api_url="https://x.example.com", dest=str(tmp_path), owners=["x"], gists=True)
    with pytest.raises(ConfigError, match="gists works with provider github"):
        build_job(values, environ={})


def test_a_bad_gists_path_template_names_its_option(tmp_path):
    with pytest.raises(ConfigError, match="gists_path_template"):
        build_job(dict(dest=str(tmp_path), owners=["x"], gists=True, gists_path_template="gists/fixed"), environ={})


def test_a_gist_record_has_its_own_key():
    gist = Repo(provider="github", host="github.com", owner="alice", name="aa5a315d", full_path="alice/gists/aa5a315d",
                id=0, clone_url="https://gist.github.com/aa5a315d.git", kind="gist", ref="aa5a315d")
    assert gist.key == "github:github.com:gist-aa5a315d"
    assert render_path("{owner}/gists/{name}", gist) == "alice/gists/aa5a315d"
