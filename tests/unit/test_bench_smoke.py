# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bench's counting and verdicts, without a forge (the end-to-end run at
toy sizes is tests/integration/test_bench_end_to_end.py). Nothing here looks
at timings: the bench's numbers are checked for what they count."""

from __future__ import annotations

import math
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from bench import report  # noqa: E402
from bench.measure import api_requests, counter_delta, git_requests, list_requests  # noqa: E402
from bench.scenarios import JournalWatcher  # noqa: E402


def test_forge_counters_are_split_into_api_and_git_requests():
    counters = {"api:github:rest": 11, "api:github:list": 10, "api:github:graphql": 3, "api:gitlab": 4,
                "api:gitlab:list": 2, "git:info-refs": 5, "git:upload-pack": 9, "bytes:sent": 100, "status:200": 30}
    assert api_requests(counters) == 18
    assert list_requests(counters) == 12
    assert git_requests(counters) == 14
    assert counter_delta({"a": 1, "b": 2}, {"a": 1, "b": 5, "c": 1}) == {"b": 3, "c": 1}


def test_journal_watcher_counts_repos_as_lines_land_and_waits_for_a_torn_line(tmp_path):
    path = tmp_path / "state.jsonl"
    watcher = JournalWatcher(str(path))
    assert watcher.poll() == 0                       # not there yet
    with open(path, "w") as fh:
        fh.write('{"bulk_clone_state":1}\n{"key":"k1","full_path":"o/a"}\n{"key":"k2","full_p')
    assert watcher.poll() == 1                       # the torn line is not a repo yet
    with open(path, "a") as fh:
        fh.write('ath":"o/b"}\n{"key":"k1","full_path":"o/a"}\n{"key":"k1","deleted":true}\n')
    assert watcher.poll() == 1
    assert watcher.full_paths == {"k2": "o/b"}


def test_targets_say_miss_when_a_figure_is_past_its_target_and_na_when_missing():
    rows = [{"size": s, "client": "ours rest", "rss_mb": rss, "error": None, "repos": s, "complete": True,
             "list_requests": math.ceil(s / 100), "expected_list_requests": math.ceil(s / 100), "bytes": 1}
            for s, rss in ((1000, 40.0), (10000, 90.0))]
    found = {t.name: t.status for t in report.targets(rows, None, None)}
    assert found["listing rest: peak RSS at 10000 repos"] == report.MISS
    assert found["listing rest: peak RSS 10000 / 1000 repos"] == report.MISS      # 2.25x
    assert found["listing rest: listing requests = ceil(N/100)"] == report.PASS
    clone = {"selected": 10, "concurrency": 8, "ratio": None}
    assert report.targets(None, clone, None)[0].status == report.NA


def test_a_resume_that_was_never_interrupted_proves_nothing():
    ok = {"error": None, "api_requests": 11, "git_requests": 0, "seconds": 1.0}
    sync = {"size": 1000, "selected": 990, "resync": ok, "fetch_baseline": dict(ok, seconds=100.0),
            "after_pushes": dict(ok, pushed=["o/a"], git_by_repo={"o/a": {"upload-pack": 2}}),
            "resume": dict(ok, redone=0, clones_after=990), "killed_run": {"killed": False}}
    found = {t.name: t for t in report.targets(None, None, sync)}
    resume = found["resume after SIGKILL half way: completed repos redone"]
    assert resume.status == report.MISS and "ended before the kill" in resume.measured
    sync["killed_run"] = {"killed": True}
    found = {t.name: t.status for t in report.targets(None, None, sync)}
    assert found["resume after SIGKILL half way: completed repos redone"] == report.PASS
    assert found["no-change re-sync of 1000 vs xargs git fetch"] == report.PASS      # 0.01x
    assert found["re-sync after 1 pushes: repos with git requests"] == report.PASS
