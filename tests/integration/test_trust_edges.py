# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Trust at the edges, end to end through the job (issue 10).

- credentials go only to the forge's git origin and the hosts named in
  git_hosts, whatever a listing says (a capture server stands for a stranger);
- a prune removes only what the forge confirmed gone, into a trash folder,
  and never more than max_prune;
- temp folders of killed runs are swept at the start of the next run;
- a dest below a file is named as such.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bulk_clone_support import head_of, journal_paths, run
from tests.forge.capture import CaptureServer, credential_like

STATE = ".bulk-clone-state.jsonl"


@pytest.fixture
def org(fresh_forge):
    return fresh_forge(["github:acme:12", "github:beta:3"])


def _private_and_public(forge):
    repos = [r for r in forge.repos("github", "acme") if not r["empty"]]
    return next(r for r in repos if r["private"]), next(r for r in repos if not r["private"])


# -- credentials go to the forge and nowhere else ---------------------------------------
def test_a_clone_url_on_another_host_is_cloned_without_credentials_and_says_so(org, tmp_path):
    private, public = _private_and_public(org)
    with CaptureServer() as capture:
        org.inject({"kind": "foreign_clone_url", "service": "github", "base": capture.url,
                    "repos": [private["full_path"]], "times": -1})
        result = run(org, tmp_path / "src", owners=["acme"], max_failures=-1)
        assert capture.requests, "git went to the stranger's host (without credentials)"
        assert not any(credential_like(r, org.token) for r in capture.requests)
    repos = {r["full_path"]: r for r in result["repos"]}
    host = capture.url.split("://", 1)[1]
    assert repos[private["full_path"]]["outcome"] == "failed"
    assert "clone URL on %s, not the forge's; credentials withheld" % host in repos[private["full_path"]]["reason"]
    # Everything on the forge's own origin was cloned with the token as usual.
    others = [p for p in repos if p != private["full_path"]]
    assert others and all(repos[p]["outcome"] == "cloned" for p in others)

    # A public repository listed on another origin (the same forge under another
    # name) still clones, without credentials, and says so.
    org.clear_faults()
    org.inject({"kind": "foreign_clone_url", "service": "github", "base": "http://localhost:%d" % org.port,
                "repos": [public["full_path"]], "times": -1})
    again = run(org, tmp_path / "other", owners=["acme"], max_failures=-1)
    reason = {r["full_path"]: r for r in again["repos"]}[public["full_path"]]
    assert reason["outcome"] == "cloned"
    assert "clone URL on localhost:%d, not the forge's; credentials withheld" % org.port in reason["reason"]
    assert head_of(tmp_path / "other" / public["full_path"]) == public["head"]


def test_git_hosts_names_another_host_that_may_receive_the_token(org, tmp_path):
    private, _public = _private_and_public(org)
    other = "localhost:%d" % org.port
    org.inject({"kind": "foreign_clone_url", "service": "github", "base": "http://" + other,
                "repos": [private["full_path"]], "times": -1})
    result = run(org, tmp_path / "src", owners=["acme"], git_hosts=[other])
    assert not result.get("failed"), result["failures"]
    assert head_of(tmp_path / "src" / private["full_path"]) == private["head"]
    assert "withheld" not in {r["full_path"]: r for r in result["repos"]}[private["full_path"]]["reason"]


# -- a prune never destroys what a typo merely left out --------------------------------
def test_a_filter_typo_prunes_nothing_and_says_not_selected_kept(org, tmp_path):
    dest = tmp_path / "src"
    run(org, dest, owners=["acme"])
    before = sorted(p.name for p in (dest / "acme").iterdir())
    typo = run(org, dest, owners=["acme"], include=["^wbe-"], prune=True)     # meant ^web-
    assert typo["counts"].get("pruned", 0) == 0 and not typo.get("failed")
    assert sorted(p.name for p in (dest / "acme").iterdir()) == before
    actions = {(g["action"], g["reason"]) for g in typo["gone"]}
    assert actions == {("kept", "not selected, kept")}
    assert len(typo["gone"]) == 12
    # The same for a shard: the other shards' clones are kept.
    shard = run(org, dest, owners=["acme"], shard="0/3", prune=True)
    assert shard["counts"].get("pruned", 0) == 0
    assert {g["reason"] for g in shard["gone"]} == {"not selected, kept"}
    assert sorted(p.name for p in (dest / "acme").iterdir()) == before


def test_an_owner_not_in_this_run_is_kept(org, tmp_path):
    dest = tmp_path / "src"
    run(org, dest, owners=["acme", "beta"])
    only_acme = run(org, dest, owners=["acme"], prune=True)
    assert only_acme["counts"].get("pruned", 0) == 0
    assert {g["full_path"].split("/")[0] for g in only_acme["gone"]} == {"beta"}
    assert {g["reason"] for g in only_acme["gone"]} == {"not in this run's owners, kept"}
    assert len(list((dest / "beta").iterdir())) == 3


def test_confirmed_gone_goes_to_the_trash_and_max_prune_stops_a_mass_prune(org, tmp_path):
    dest = tmp_path / "src"
    run(org, dest, owners=["acme"])
    acme = sorted(r["full_path"] for r in org.repos("github", "acme"))
    doomed = acme[:4]
    heads = {p: head_of(dest / p) for p in doomed}
    org.delete_repos("github", doomed)

    # Above max_prune: nothing is pruned, the run fails naming the number and the option.
    refused = run(org, dest, owners=["acme"], prune=True, max_prune=3)
    assert refused.get("failed")
    assert "4 clones would be pruned, more than max_prune (3); nothing was pruned" in refused["msg"]
    assert all((dest / p).is_dir() for p in doomed)
    assert {g["action"] for g in refused["gone"]} == {"kept"}

    pruned = run(org, dest, owners=["acme"], prune=True, max_prune=4)
    assert not pruned.get("failed") and pruned["counts"]["pruned"] == 4
    for item in pruned["gone"]:
        assert item["action"] == "trashed"
        trash = Path(item["trash_path"])
        assert trash.parent.parent.parent == dest / ".bulk-clone-trash"      # trash/<time>/acme/name
        assert head_of(trash) == heads[item["full_path"]]                    # recoverable, whole
        assert not (dest / item["full_path"]).exists()
        assert item["trash_path"] in item["reason"]
    assert not set(doomed) & set(journal_paths(dest / STATE).values())


def test_prune_delete_deletes_for_good(org, tmp_path):
    dest = tmp_path / "src"
    run(org, dest, owners=["acme"])
    gone = sorted(r["full_path"] for r in org.repos("github", "acme"))[0]
    org.delete_repos("github", [gone])
    result = run(org, dest, owners=["acme"], prune=True, prune_delete=True)
    assert [(g["full_path"], g["action"]) for g in result["gone"]] == [(gone, "removed")]
    assert not (dest / gone).exists() and not (dest / ".bulk-clone-trash").exists()


# -- leftovers of killed runs -------------------------------------------------------------
def test_temp_folders_of_earlier_runs_are_swept_at_the_start(org, tmp_path):
    dest = tmp_path / "src"
    run(org, dest, owners=["beta"])
    leftover = dest / ".bulk-clone-tmp" / ".web-1.bulk-clone-tmp-0123456789ab"
    leftover.mkdir(parents=True)
    (leftover / "HEAD").write_text("ref: refs/heads/main\n")
    org.reset_counters()
    result = run(org, dest, owners=["beta"])        # nothing to clone: the sweep does not depend on work
    assert set(r["outcome"] for r in result["repos"]) == {"unchanged"}
    assert not (dest / ".bulk-clone-tmp").exists()


# -- messages -----------------------------------------------------------------------------
def test_a_dest_below_a_regular_file_is_named_as_such(org, tmp_path):
    from bulk_clone_engine.errors import ConfigError
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError) as info:
        run(org, blocker / "src")
    assert "%s is a file, not a folder" % blocker in str(info.value)
    assert "does not exist" not in str(info.value)
    assert os.path.isfile(blocker)
