# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench` end to end at toy sizes (a forge process, real clones), so its
code paths cannot rot between the (long) real runs. Nothing here looks at
timings: the bench's own numbers are checked for what they count (repos,
requests, redone work), not speed."""

from __future__ import annotations

import io
import json
import math
import os
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from bench import report  # noqa: E402
from bench.__main__ import parse_args, run  # noqa: E402


@pytest.mark.slow
def test_bench_runs_end_to_end_at_toy_sizes(tmp_path):
    results = tmp_path / "latest.json"
    args = parse_args(["--listing-sizes", "5,120", "--clone-size", "12", "--sync-size", "40", "--pushes", "3",
                       "--journal-size", "50", "--concurrency", "4", "--memory-sizes", "20,60", "--results", str(results),
                       "--workdir", str(tmp_path / "work")])
    out = io.StringIO()
    data = run(args, out=out)
    text = out.getvalue()
    assert "sizes used: listing 5, 120 repos" in text and "SUMMARY" in text

    listing = data["listing"]
    ours = [r for r in listing if r["client"].startswith("ours")]
    assert {(r["size"], r["api"]) for r in ours} == {(5, "rest"), (5, "graphql"), (120, "rest"), (120, "graphql")}
    for row in listing:
        assert row["error"] is None and row["repos"] == row["size"], row
        assert row["rss_mb"] and row["rss_mb"] > 5
        assert row["bytes"] > 0
    for row in ours:
        if row["api"] == "rest":
            assert row["list_requests"] == math.ceil(row["size"] / 100)

    clone = data["first_clone"]
    for row in clone["rows"]:
        assert row["error"] is None and row["clones"] == clone["selected"], row
        assert row["git_requests"] > 0
    assert clone["ratio"] is not None
    assert "FIRST CLONE, figure by figure" in text

    memory = data["memory"]
    assert {(r["door"], r["size"]) for r in memory["rows"]} == {(d, s) for d in ("module", "console") for s in (20, 60)}
    assert all(r["error"] is None and r["rss_mb"] > 5 for r in memory["rows"]), memory["rows"]
    assert 0 < memory["journal"]["journal (JSON lines)"]["entries"] <= 60

    sync = data["sync"]
    selected = sync["selected"]
    assert sync["killed_run"]["killed"], "the first run should have been killed half way"
    assert sync["killed_run"]["recorded_at_kill"] >= selected // 2
    assert sync["resume"]["error"] is None
    assert sync["resume"]["redone"] == 0
    assert sync["resume"]["clones_after"] == selected
    assert sync["resync"]["git_requests"] == 0 and sync["resync"]["changed"] is False
    assert sync["resync"]["api_requests"] <= math.ceil(40 / 100) + 1
    assert sync["fetch_baseline"]["error"] is None and sync["fetch_baseline"]["git_requests"] >= selected
    pushes = sync["after_pushes"]
    assert len(pushes["pushed"]) == 3 and pushes["only_pushed_contacted"] is True

    assert data["journal"]["load"]["entries"] == 50
    assert set(data["journal"]["record"]) == {"batched_us", "fsync_each_us"}

    saved = json.loads(results.read_text())
    statuses = {t["name"]: t["status"] for t in saved["summary"]}
    assert statuses["no-change re-sync of 40: git requests"] == report.PASS
    assert statuses["re-sync after 3 pushes: repos with git requests"] == report.PASS
    assert statuses["resume after SIGKILL half way: completed repos redone"] == report.PASS
    assert all(status in (report.PASS, report.MISS) for status in statuses.values()), statuses
