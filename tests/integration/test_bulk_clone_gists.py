# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""gists: true against the local forge (tests/forge/gists.py), with real git:
GitHub users' public gists, the token's own gists with secret ones
(owner_kind self), GitLab project snippets and the token user's personal
snippets, cloned under {owner}/gists/{id} (or gists_path_template) from their
git pull URLs; re-synced by updated_at; organizations have none."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest

from bulk_clone_support import FAST_GIT, by_path, git, outcomes, run_values

SPECS = ["github-user:forge-admin:2:gists=3", "github-user:alice:1:gists=3", "github:acme:2",
         "gitlab:grp:3:flat=1,snippets=2", "gitlab-user:forge-admin:1:snippets=2"]


@pytest.fixture
def gforge(fresh_forge, hermetic_git):
    return fresh_forge(SPECS)


def run(forge, dest: Path, service: str = "github", **sync: Any) -> Dict[str, Any]:
    url = forge.github_api if service == "github" else forge.gitlab_url
    values = dict(FAST_GIT, dest=str(dest), concurrency=4, return_repos="all", strategy="pull",
                  provider=service, api_url=url, token=forge.token, gists=True)
    values.update(sync)
    return run_values(values)


def gists_of(forge, service: str, owner: str = "", public_only: bool = False) -> Dict[str, Dict[str, Any]]:
    return {g["id"]: g for g in forge.gists_truth(service)
            if (not owner or g["owner"] == owner) and (g["public"] or not public_only)}


def test_a_users_public_gists_are_cloned_under_owner_gists_id(gforge, tmp_path):
    want = gists_of(gforge, "github", "alice", public_only=True)
    assert want and len(want) < len(gists_of(gforge, "github", "alice"))      # one secret gist is not listed
    result = run(gforge, tmp_path, owners=["alice"])
    assert not result.get("failed"), result.get("msg")
    got = outcomes(result)
    assert {p for p in got if "/gists/" in p} == {"alice/gists/%s" % i for i in want}
    for ident, gist in want.items():
        path = tmp_path / "alice" / "gists" / ident
        assert git("rev-parse", "HEAD", cwd=path) == gist["head"]
        assert (path / gist["filename"]).is_file()
    assert "alice/" + gforge.repos("github", "alice")[0]["name"] in got          # the repositories as usual


def test_the_tokens_own_gists_include_secret_ones_and_resync_by_updated_at(gforge, tmp_path):
    want = gists_of(gforge, "github", "forge-admin")
    assert any(not g["public"] for g in want.values())
    first = run(gforge, tmp_path, owner_kind="self")
    assert {p for p in outcomes(first) if "/gists/" in p} == {"forge-admin/gists/%s" % i for i in want}
    gforge.reset_counters()
    again = run(gforge, tmp_path, owner_kind="self")
    assert {o for p, o in outcomes(again).items() if "/gists/" in p} == {"unchanged"}
    assert not any(k.startswith("git:") for k in gforge.counters())               # updated_at unchanged: no git
    ident = sorted(want)[0]
    head = gforge.push_gist("github", ident)
    third = run(gforge, tmp_path, owner_kind="self")
    assert outcomes(third)["forge-admin/gists/" + ident] == "updated"
    assert git("rev-parse", "HEAD", cwd=tmp_path / "forge-admin" / "gists" / ident) == head


def test_organizations_have_no_gists_and_the_template_places_them(gforge, tmp_path):
    org = run(gforge, tmp_path / "org", owners=["acme"])
    assert not any("/gists/" in p for p in outcomes(org))
    placed = run(gforge, tmp_path / "t", owners=["alice"], gists_path_template="gists/{owner}-{name}")
    ident = sorted(gists_of(gforge, "github", "alice", public_only=True))[0]
    assert (tmp_path / "t" / "gists" / ("alice-" + ident) / ".git").is_dir()
    assert by_path(placed)  # nothing failed to place
    assert not placed.get("failed"), placed.get("msg")


def test_gitlab_project_snippets_and_personal_snippets(gforge, tmp_path):
    snippets = gists_of(gforge, "gitlab")
    project = {i: s for i, s in snippets.items() if s["project"]}
    personal = {i: s for i, s in snippets.items() if not s["project"]}
    assert project and personal
    group = run(gforge, tmp_path, "gitlab", owners=["grp"])
    assert not group.get("failed"), group.get("msg")
    assert {p for p in outcomes(group) if "/gists/" in p} == {"grp/gists/%s" % i for i in project}
    for ident, snippet in project.items():                                     # a private one needs the token
        assert git("rev-parse", "HEAD", cwd=tmp_path / "grp" / "gists" / ident) == snippet["head"]
    mine = run(gforge, tmp_path, "gitlab", owners=["forge-admin"], owner_kind="user")
    assert {p for p in outcomes(mine) if "/gists/" in p} == {"forge-admin/gists/%s" % i for i in personal}


def test_gists_off_later_keeps_the_clones_even_with_prune(gforge, tmp_path):
    run(gforge, tmp_path, owners=["alice"])
    off = run(gforge, tmp_path, owners=["alice"], gists=False, prune=True, full_listing_interval=0)
    kept = [g for g in off["gone"] if "/gists/" in g["full_path"]]
    assert kept and {g["reason"] for g in kept} == {"gists is off in this run, kept"}
    assert all((tmp_path / g["full_path"] / ".git").is_dir() for g in kept)
