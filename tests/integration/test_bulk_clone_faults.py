# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Faults in the middle of a run: the run completes, or says exactly which
repositories failed and why; a re-run completes them and nothing else.

The forge injects the faults for real (tests/forge/faults.py): a connection
reset half way through a pack, 5xx on git, 403/404 on git, and secondary
rate limits and 5xx on the listing API.
"""

from __future__ import annotations

import pytest

from bulk_clone_support import git_requests, outcomes, repo_heads, run


def git_path(full_path: str) -> str:
    """A fault path regex matching every git request of one repository."""
    return "^/%s\\.git/" % full_path.replace(".", "\\.")


def truth(forge):
    return {r["full_path"]: r for r in forge.repos("github", "acme")}


@pytest.fixture
def org(fresh_forge, hermetic_git):
    return fresh_forge(["github:acme:16:big=2"])


def test_transient_faults_mid_run_are_retried_and_the_run_completes(org, tmp_path):
    repos = truth(org)
    big = [p for p, r in repos.items() if r["big"]]
    a, b, c = "acme/web-2", "acme/Cli-4", "acme/docs-8"
    for path in big:
        org.inject({"kind": "reset_pack", "service": "git", "path": git_path(path)})
    org.inject({"kind": "status", "service": "git", "path": git_path(a), "status": 500})
    org.inject({"kind": "status", "service": "git", "path": git_path(b), "status": 502, "times": 2})
    org.inject({"kind": "status", "service": "git", "path": git_path(c) + "git-upload-pack", "status": 503})
    org.inject({"kind": "secondary", "service": "github", "path": "/orgs/acme/repos", "retry_after": 1})
    org.inject({"kind": "status", "service": "github", "path": "/orgs/acme/repos", "status": 502, "after": 2})

    result = run(org, tmp_path / "src")
    assert not result.get("failed") and result["failures"] == []
    assert set(outcomes(result).values()) == {"cloned"}
    assert repo_heads(tmp_path / "src") == {p: r["head"] for p, r in repos.items()}
    fired = {f["kind"]: f["fired"] for f in org.list_faults()}
    assert all(f["fired"] >= 1 for f in org.list_faults()), org.list_faults()
    assert fired["secondary"] == 1
    # Each faulted repo was retried (more than the one info-refs a clean clone makes).
    per_repo = org.git_requests_by_repo("github")
    for path in big + [a, b]:
        assert per_repo[path]["info-refs"] >= 2, (path, per_repo[path])
    assert per_repo[b]["info-refs"] == 3
    assert result["stats"]["retries"] >= 2 and result["stats"]["seconds_waited"] >= 1


def test_permanent_faults_are_reported_per_repo_and_a_rerun_completes_only_them(org, tmp_path):
    repos = truth(org)
    missing, broken, denied = "acme/web-2", "acme/Cli-4", "acme/docs-8"
    org.inject({"kind": "git_status", "path": git_path(missing), "status": 404, "times": -1})
    org.inject({"kind": "status", "service": "git", "path": git_path(broken), "status": 500, "times": -1})
    org.inject({"kind": "git_status", "path": git_path(denied), "status": 403, "times": -1})
    dest = tmp_path / "src"

    result = run(org, dest, max_failures=0)
    assert result["failed"] is True
    failures = {f["full_path"]: f["reason"] for f in result["failures"]}
    assert set(failures) == {missing, broken, denied}
    assert "not found (404)" in failures[missing]
    assert "HTTP 5xx" in failures[broken] and "gave up after 3 tries" in failures[broken]
    assert "access denied (403)" in failures[denied]
    for path in (missing, broken, denied):
        assert path in result["msg"]
    assert "3 of %d repositories failed (max_failures is 0)" % len(repos) in result["msg"]
    assert "Re-run" in result["msg"]
    got = outcomes(result)
    assert {p for p, o in got.items() if o == "cloned"} == set(repos) - set(failures)
    # Permanent failures are not retried; transient ones are, up to git_tries.
    per_repo = org.git_requests_by_repo("github")
    assert per_repo[missing]["info-refs"] == per_repo[denied]["info-refs"] == 1
    assert per_repo[broken]["info-refs"] == 3
    # Nothing of a failed repository is left on disk.
    for path in failures:
        assert not (dest / path).exists()

    org.clear_faults()
    org.reset_counters()
    again = run(org, dest, max_failures=0)
    assert not again.get("failed")
    got = outcomes(again)
    assert {p for p, o in got.items() if o == "cloned"} == set(failures)
    assert set(org.git_requests_by_repo("github")) == set(failures)
    assert repo_heads(dest) == {p: r["head"] for p, r in repos.items()}


@pytest.mark.parametrize("max_failures, fails", [(-1, False), (1, False), (0, True)])
def test_max_failures_decides_when_the_task_fails(org, tmp_path, max_failures, fails):
    org.inject({"kind": "git_status", "path": git_path("acme/web-2"), "status": 404, "times": -1})
    result = run(org, tmp_path / "src", max_failures=max_failures)
    assert bool(result.get("failed")) is fails
    assert [f["full_path"] for f in result["failures"]] == ["acme/web-2"]
    assert result["counts"]["failed"] == 1 and result["counts"]["cloned"] == len(truth(org)) - 1


def test_a_fault_while_updating_is_retried_and_keeps_the_clone(org, tmp_path):
    dest = tmp_path / "src"
    run(org, dest)
    org.push_commits("github", ["acme/api-0", "acme/tool-1"])
    org.inject({"kind": "reset_pack", "service": "git", "path": git_path("acme/api-0")})
    org.inject({"kind": "status", "service": "git", "path": git_path("acme/tool-1"), "status": 503, "times": 5})
    result = run(org, dest, strategy="pull")
    got = outcomes(result)
    assert got["acme/api-0"] == "updated"
    assert got["acme/tool-1"] == "failed"
    reasons = {f["full_path"]: f["reason"] for f in result["failures"]}
    assert "HTTP 5xx" in reasons["acme/tool-1"] and "git fetch" in reasons["acme/tool-1"]
    heads = repo_heads(dest)
    repos = truth(org)
    assert heads["acme/api-0"] == repos["acme/api-0"]["head"]
    assert heads["acme/tool-1"] is not None   # the old clone is intact, just not updated
    org.clear_faults()
    again = run(org, dest, strategy="pull")
    assert outcomes(again)["acme/tool-1"] == "updated"
    assert repo_heads(dest)["acme/tool-1"] == repos["acme/tool-1"]["head"]


def test_git_work_never_spends_the_api_rate_limit(org, tmp_path):
    """git over HTTPS is not counted against the REST budget (GitHub counts
    it separately), so a run whose listing leaves little budget must still
    clone everything, and its request statistics must count API calls only."""
    repos = truth(org)
    org.set_rate_limit("github", limit=5000, remaining=8, reset_in=3600)
    result = run(org, tmp_path / "src", forge_extra={"max_wait": 2}, max_failures=-1)
    assert result["failures"] == [], result["failures"][:2]
    assert result["counts"]["cloned"] == len(repos)
    api_calls = org.counters().get("api:github:rest", 0)
    assert result["stats"]["requests"] == api_calls
    assert git_requests(org) > 0
