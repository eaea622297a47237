# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 13 point 1: a re-sync asks the forge only what changed, conditionally.

Against the local forge's GitHub REST (ETag/304 as GitHub documents it, a
304 not charged to the primary budget). What each test proves:
- ETag reuse: a no-change re-sync is answered 304 throughout, spends no
  budget and runs no git;
- stop-at-old-page: after pushes, the changed-first listing reads pages
  until the first one holding a repository pushed before the last run, and
  git runs for the pushed repositories only;
- count mismatch: a repository added or deleted changes the owner's count,
  which makes the run list in full (and only then is a deletion seen);
- renamed repositories keep the count: seen by the next full listing, at
  most full_listing_interval later (0: at once); so do archive flips (GitHub
  moves updated_at, not pushed_at, when a repository is archived).
Transfers are deletions and additions to the owners' listings: the count
check catches them in the run that follows.
"""

from __future__ import annotations

from typing import Any, Dict

from bulk_clone_support import FAST_GIT, forge_kwargs

OWNER = "acme"


def sync(forge: Any, dest: Any, **extra: Any) -> Any:
    from bulk_clone_engine import job
    values: Dict[str, Any] = dict(forge_kwargs(forge), owners=[OWNER], dest=str(dest), **FAST_GIT)
    values.update(extra)
    return job.run_job(job.build_job(values, environ={}))


def api(forge: Any) -> Dict[str, int]:
    counts = forge.counters()
    return {"requests": counts.get("api:github:rest", 0), "not_modified": counts.get("status:304", 0),
            "git": sum(v for k, v in counts.items() if k.startswith("git:"))}


def remaining(forge: Any) -> int:
    import json
    import urllib.request
    request = urllib.request.Request(forge.github_api + "/rate_limit", headers={"Authorization": "token " + forge.token})
    with urllib.request.urlopen(request) as answer:     # /rate_limit is free on GitHub, and on the forge
        return int(json.load(answer)["resources"]["core"]["remaining"])


def test_a_no_change_resync_is_answered_304_spends_no_budget_and_runs_no_git(fresh_forge, hermetic_git, tmp_path):
    forge = fresh_forge(["github:%s:250" % OWNER])
    first = sync(forge, tmp_path / "src")
    assert first.failed_count == 0
    assert first.listing["listing_modes"] == {"github %s auto:%s" % (forge.github_api, OWNER): "first"}
    before = remaining(forge)
    forge.reset_counters()
    second = sync(forge, tmp_path / "src")
    seen = api(forge)
    assert second.listing["listing_modes"] == {"github %s auto:%s" % (forge.github_api, OWNER): "changed"}
    assert seen["requests"] == seen["not_modified"] == 2          # GET /orgs/acme and one page, both 304
    assert seen["git"] == 0
    assert remaining(forge) == before                              # 304s are free
    assert second.listing["not_modified"] == 2


def test_pushes_are_fetched_and_the_listing_stops_at_the_first_old_page(fresh_forge, hermetic_git, tmp_path):
    forge = fresh_forge(["github:%s:250" % OWNER])
    sync(forge, tmp_path / "src", per_page=10)
    pushed = set(forge.push_commits("github", count=15))
    forge.reset_counters()
    report = sync(forge, tmp_path / "src", per_page=10)
    assert report.failed_count == 0
    assert set(forge.git_requests_by_repo("github")) == pushed     # git for the pushed repositories only
    # Pages 1 and 2 hold the 15 pushed; page 2 also holds older ones: the walk stops there, of 25 pages.
    assert report.listing["pages"] == 2
    assert api(forge)["requests"] == 3                             # /orgs (304) and two pages


def test_a_count_mismatch_lists_in_full_and_catches_additions_and_deletions(fresh_forge, hermetic_git, tmp_path):
    forge = fresh_forge(["github:%s:20" % OWNER])
    dest = tmp_path / "src"
    sync(forge, dest)
    added = forge.add_repos("github", OWNER, 1)
    report = sync(forge, dest)
    assert set(report.listing["listing_modes"].values()) == {"full"}
    assert (dest / added[0]).is_dir()
    gone = sorted(p for p in (r["full_path"] for r in forge.repos("github", OWNER)) if p not in added)[0]
    forge.delete_repos("github", [gone])
    report = sync(forge, dest)
    assert set(report.listing["listing_modes"].values()) == {"full"}
    assert [g["full_path"] for g in report.gone.items] == [gone]


def test_a_rename_keeps_the_count_and_is_seen_by_the_next_full_listing(fresh_forge, hermetic_git, tmp_path):
    forge = fresh_forge(["github:%s:20" % OWNER])
    dest = tmp_path / "src"
    sync(forge, dest, per_page=5)
    # The least recently pushed: on the last page of the changed-first order, which a re-sync does not read.
    old = min(forge.repos("github", OWNER), key=lambda r: (r["marker"], r["id"]))["full_path"]
    new = forge.rename_repo("github", old, "renamed-repo")
    changed = sync(forge, dest, per_page=5)
    assert set(changed.listing["listing_modes"].values()) == {"changed"}    # same count, no push: not seen yet
    assert changed.listing["pages"] == 1
    assert not (dest / new).exists()
    full = sync(forge, dest, per_page=5, full_listing_interval=0)
    assert set(full.listing["listing_modes"].values()) == {"full"}
    assert (dest / new).is_dir()


def test_an_archive_flip_is_seen_by_the_next_full_listing(fresh_forge, hermetic_git, tmp_path):
    forge = fresh_forge(["github:%s:20" % OWNER])
    dest = tmp_path / "src"
    sync(forge, dest, per_page=5, archived="exclude")
    old = min(forge.repos("github", OWNER), key=lambda r: (r["marker"], r["id"]))["full_path"]
    assert (dest / old).is_dir()
    forge.archive_repos("github", [old])
    changed = sync(forge, dest, per_page=5, archived="exclude")
    assert set(changed.listing["listing_modes"].values()) == {"changed"}    # same count, no push: not seen yet
    assert old not in [g["full_path"] for g in changed.gone.items]
    full = sync(forge, dest, per_page=5, archived="exclude", full_listing_interval=0)
    assert set(full.listing["listing_modes"].values()) == {"full"}
    kept = {g["full_path"]: g for g in full.gone.items}
    assert old in kept and "not selected" in str(kept[old]), kept           # archived now: kept, never pruned
    assert (dest / old).is_dir()


def test_gitlab_group_resync_lists_recent_activity_first_and_stops(fresh_forge, hermetic_git, tmp_path):
    """GitLab: the count from X-Total, then projects by last_activity_at desc, looking back an hour more
    (last_activity_at moves at most hourly). No ETag is relied on there: the saving is in requests."""
    import time as _time
    from bulk_clone_engine import job
    forge = fresh_forge(["gitlab:grp:60:flat=1"])
    dest = tmp_path / "src"
    values = dict(provider="gitlab", api_url=forge.gitlab_url, token=forge.token, owners=["grp"], dest=str(dest),
                  per_page=10, **FAST_GIT)
    job.run_job(job.build_job(values, environ={}))
    forge.reset_counters()
    report = job.run_job(job.build_job(values, environ={}))
    counts = forge.counters()
    assert set(report.listing["listing_modes"].values()) == {"changed"}
    assert counts.get("api:gitlab", 0) <= 3                  # the one-item page (X-Total) and changed pages
    recent = {r["full_path"] for r in forge.repos("gitlab", "grp") if r["marker"] and
              _time.mktime(_time.strptime(r["marker"][:19], "%Y-%m-%dT%H:%M:%S")) - _time.timezone > _time.time() - 3 * 3600}
    assert set(forge.git_requests_by_repo("gitlab")) <= recent
