# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""wikis: true against the local forge's NAME.wiki.git (tests/forge/wikis.py),
with real git, on GitHub, GitLab and Gitea: created wikis are cloned beside
their repository as NAME.wiki; a wiki enabled but never written to is "no
wiki" (unchanged with that reason: neither failed nor held back); a re-sync asks git once per wiki (ls-remote)
and fetches only a wiki that moved; turning wikis off keeps the clones."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest

from bulk_clone_support import FAST_GIT, by_path, git, outcomes, run_values

from bulk_clone_engine.extras import NO_WIKI, WIKI_SAME

SPECS = ["github:acme:9", "gitlab:grp:9:flat=1", "gitea:tools:9"]
OWNERS = {"github": "acme", "gitlab": "grp", "gitea": "tools"}


@pytest.fixture
def wforge(fresh_forge, hermetic_git):
    return fresh_forge(SPECS)


def api(forge, service: str) -> Dict[str, Any]:
    url = {"github": forge.github_api, "gitlab": forge.gitlab_url, "gitea": forge.gitea_api}[service]
    return dict(provider=service, api_url=url, token=forge.token)


def run(forge, service: str, dest: Path, **sync: Any) -> Dict[str, Any]:
    values = dict(FAST_GIT, dest=str(dest), concurrency=4, return_repos="all", strategy="pull",
                  owners=[OWNERS[service]], wikis=True)
    values.update(api(forge, service))
    if "forge_api" in sync:
        values["api"] = sync.pop("forge_api")
    values.update(sync)
    return run_values(values)


def wikis(forge, service: str) -> Dict[str, Dict[str, Any]]:
    """full path of the repo -> the forge's truth about its wiki."""
    return {r["full_path"]: forge.wiki_truth(service, r["full_path"]) for r in forge.repos(service, OWNERS[service])}


@pytest.mark.parametrize("service", sorted(OWNERS))
def test_wikis_are_cloned_beside_their_repository_and_never_created_ones_are_no_wiki(wforge, tmp_path, service):
    truth = wikis(wforge, service)
    assert {(w["enabled"], w["exists"]) for w in truth.values()} == {(False, False), (True, False), (True, True)}
    result = run(wforge, service, tmp_path)
    assert not result.get("failed"), result.get("msg")
    got = by_path(result)
    for full_path, wiki in truth.items():
        entry = got.get(full_path + ".wiki")
        if not wiki["enabled"]:
            assert entry is None, full_path                 # disabled: not even asked for
        elif not wiki["exists"]:
            assert entry["outcome"] == "unchanged" and entry["reason"] == NO_WIKI, entry
            assert not (tmp_path / (full_path + ".wiki")).exists()
        else:
            assert entry["outcome"] == "cloned", entry
            assert git("rev-parse", "HEAD", cwd=tmp_path / (full_path + ".wiki")) == wiki["head"]
            assert (tmp_path / (full_path + ".wiki") / "Home.md").is_file()
    assert result["counts"]["failed"] == 0


def test_resync_costs_one_ls_remote_per_wiki_and_fetches_only_a_wiki_that_moved(wforge, tmp_path):
    truth = wikis(wforge, "github")
    created = sorted(p + ".wiki" for p, w in truth.items() if w["exists"])
    run(wforge, "github", tmp_path)
    wforge.reset_counters()
    again = run(wforge, "github", tmp_path)
    seen = outcomes(again)
    assert {seen[w] for w in created} == {"unchanged"}
    assert {by_path(again)[w]["reason"] for w in created} == {WIKI_SAME}
    requests = wforge.git_requests_by_repo("github")
    for wiki in created:
        assert requests[wiki]["info-refs"] == 1, (wiki, requests[wiki])        # one ref advertisement
    moved = created[0][:-len(".wiki")]
    head = wforge.push_wiki("github", moved)
    third = run(wforge, "github", tmp_path)
    assert outcomes(third)[moved + ".wiki"] == "updated"
    assert git("rev-parse", "HEAD", cwd=tmp_path / (moved + ".wiki")) == head
    assert {outcomes(third)[w] for w in created if w != moved + ".wiki"} == {"unchanged"}


def test_a_wiki_written_for_the_first_time_is_cloned_on_the_next_run(wforge, tmp_path):
    truth = wikis(wforge, "gitlab")
    never = sorted(p for p, w in truth.items() if w["enabled"] and not w["exists"])[0]
    assert outcomes(run(wforge, "gitlab", tmp_path))[never + ".wiki"] == "unchanged"
    head = wforge.push_wiki("gitlab", never)
    assert outcomes(run(wforge, "gitlab", tmp_path))[never + ".wiki"] == "cloned"
    assert git("rev-parse", "HEAD", cwd=tmp_path / (never + ".wiki")) == head


def test_turning_wikis_off_keeps_the_wiki_clones_even_with_prune(wforge, tmp_path):
    first = run(wforge, "gitea", tmp_path)
    cloned = sorted(p for p, o in outcomes(first).items() if p.endswith(".wiki") and o == "cloned")
    assert cloned
    off = run(wforge, "gitea", tmp_path, wikis=False, prune=True, full_listing_interval=0)
    assert not off.get("failed"), off.get("msg")
    kept = {g["full_path"]: g for g in off["gone"]}
    for wiki in cloned:
        assert kept[wiki]["action"] == "kept" and "wikis is off" in kept[wiki]["reason"]
        assert (tmp_path / wiki / "Home.md").is_file()


def test_mirror_wikis_are_bare_and_resync_by_ls_remote(wforge, tmp_path):
    truth = wikis(wforge, "github")
    created = sorted(p + ".wiki" for p, w in truth.items() if w["exists"])
    run(wforge, "github", tmp_path, strategy="mirror")
    again = run(wforge, "github", tmp_path, strategy="mirror")
    assert {by_path(again)[w]["reason"] for w in created} == {WIKI_SAME}
    assert (tmp_path / created[0] / "HEAD").is_file() and not (tmp_path / created[0] / ".git").exists()


def test_graphql_listing_reports_the_wiki_too(wforge, tmp_path):
    truth = wikis(wforge, "github")
    result = run(wforge, "github", tmp_path, forge_api="graphql")
    cloned = {p[:-len(".wiki")] for p, o in outcomes(result).items() if p.endswith(".wiki") and o == "cloned"}
    assert cloned == {p for p, w in truth.items() if w["exists"]}


def test_with_wikis_every_listing_is_full_so_no_wiki_is_left_out(wforge, tmp_path):
    """A changed-first listing (main's conditional re-sync) would visit only
    repositories pushed lately; their wikis move without a push, so with
    wikis every listing is full (per_page 2: a changed-first one would stop
    after the first page)."""
    created = sorted(p + ".wiki" for p, w in wikis(wforge, "github").items() if w["exists"])
    run(wforge, "github", tmp_path, per_page=2)
    again = run(wforge, "github", tmp_path, per_page=2)
    assert set(again["stats"]["listing_modes"].values()) == {"full"}
    assert {outcomes(again).get(w) for w in created} == {"unchanged"}
    plain = run(wforge, "github", tmp_path, per_page=2, wikis=False)
    assert set(plain["stats"]["listing_modes"].values()) == {"changed"}      # without wikis, the usual economy
