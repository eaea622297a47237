# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The job summary: totals always, tables cut, never over GitHub's 1 MiB."""

from __future__ import annotations

import re

from bulk_clone_engine.summary import (SUMMARY_LIMIT_BYTES, headline, md_cell, render_summary, render_text,
                                       throughput)

MIB = 1024 * 1024


def synthetic_report(repos: int = 100_000, failed: int = 100_000, owners: int = 3_000,
                     reason_len: int = 400) -> dict:
    """A worst case: every repo failed with a long reason, thousands of owners."""
    reason = ("fatal: unable to access 'https://x/y.git/': " + "é|<b>`x`</b> " * 100)[:reason_len]
    failures = [{"full_path": "org-%d/repo-%06d" % (i % owners, i), "path": "org-%d/repo-%06d" % (i % owners, i),
                 "outcome": "failed", "reason": reason, "head": None, "changed": False}
                for i in range(failed)]
    per_owner = {"org-%d" % i: {"cloned": (repos - failed) // owners, "failed": failed // owners}
                 for i in range(owners)}
    return {
        "run": {"provider": "github", "owners": ["org-%d" % i for i in range(owners)], "strategy": "mirror",
                "concurrency": 16, "dest": "/srv/mirror", "shard": "0/4"},
        "counts": {"cloned": repos - failed, "updated": 0, "unchanged": 0, "skipped": 0, "failed": failed,
                   "total": repos, "gone": 2},
        "failures": failures,
        "skipped": [],
        "gone": [{"key": "github:github.com:1", "full_path": "org-1/old", "path": "org-1/old",
                  "action": "reported"}] * 2,
        "duration": 3600.0,
        "stats": {"requests": 1003, "pages": 1000, "retries": 4, "seconds_waited": 61.5,
                  "rate_limit": {"core": {"limit": 5000, "remaining": 3997, "reset_at": 2_000_000_000.0}},
                  "listed": 100_500, "selected": repos, "excluded": {"archived": 500}},
        "per_owner": per_owner,
        "report_file": "/tmp/report.json",
        "state_file": "/srv/mirror/.bulk-clone-state.jsonl",
        "failed": True,
        "msg": "100000 of 100000 repositories failed (max_failures is 0)",
    }


def test_100k_repo_report_fits_under_one_mib_and_keeps_totals():
    report = synthetic_report()
    text = render_summary(report, now=lambda: 1_999_999_000.0)
    size = len(text.encode("utf-8"))
    assert size < MIB
    assert size <= SUMMARY_LIMIT_BYTES
    # Totals survive the cut, exactly.
    assert "| **total** | **100,000** |" in text
    assert re.search(r"\| ❌ failed \| 100,000 \|", text)
    assert "### Failures (100,000)" in text
    assert "### Per owner (3,000)" in text
    # The failures table is cut and says where the rest is.
    failure_rows = [ln for ln in text.splitlines() if ln.startswith("| `org-") and "fatal" in ln]
    assert 0 < len(failure_rows) <= 100
    assert "99,900 more not shown: the full list is in `/tmp/report.json`" in text
    # API budget used and left.
    assert "1,003 used, 3,997 of 5,000 left" in text
    assert "1,003 requests" in text


def test_rows_halve_until_the_byte_budget_fits():
    report = synthetic_report(repos=20_000, failed=20_000, owners=10)
    small = render_summary(report, max_rows=1000, limit_bytes=64 * 1024)
    assert len(small.encode("utf-8")) <= 64 * 1024
    assert "| **total** | **20,000** |" in small
    rows = [ln for ln in small.splitlines() if ln.startswith("| `org-") and "fatal" in ln]
    assert 0 < len(rows) < 1000


def test_cells_cannot_break_the_table_or_inject_html():
    cell = md_cell("a|b\nc <script>alert(1)</script> `x`")
    assert "\n" not in cell
    assert "<" not in cell and ">" not in cell
    assert "\\|" in cell and "|" not in cell.replace("\\|", "")
    assert len(md_cell("x" * 1000)) == 300


def test_small_clean_run_reads_well():
    report = {"run": {"provider": "gitlab", "owners": ["platform"], "strategy": "mirror", "concurrency": 4,
                      "dest": "/d"},
              "counts": {"cloned": 3, "updated": 1, "unchanged": 6, "skipped": 0, "failed": 0, "total": 10},
              "duration": 5.0, "failures": [], "skipped": [], "gone": [],
              "stats": {"requests": 2, "pages": 1, "retries": 0, "seconds_waited": 0, "rate_limit": {},
                        "listed": 10, "selected": 10, "excluded": {}},
              "per_owner": {"platform": {"cloned": 3, "updated": 1, "unchanged": 6}},
              "push": {"url": "https://backup/{name}.git", "pushed": 4, "failed": 0, "up_to_date": 6}}
    text = render_summary(report)
    assert text.startswith("## bulk-clone: platform (gitlab)")
    assert headline(report).startswith("✅ **10 repositories** in 5s")
    assert "2.0 repos/s" in text
    assert "4 changed" in text
    assert "| `platform` | 10 | 3 | 1 | 6 | 0 | 0 |" in text
    assert "4 pushed, 0 failed, 6 already up to date" in text
    assert "### Failures" not in text
    assert "the forge reported none" in text
    assert throughput(report["counts"], 0) is None
    plain = render_text(report)
    assert "10 repositories" in plain and "4 pushed" in plain and "|" not in plain


def test_failed_run_is_flagged_with_the_reason():
    report = synthetic_report(repos=10, failed=2, owners=1)
    text = render_summary(report)
    assert headline(report).startswith("❌")
    assert "> [!CAUTION]" in text
    assert "max_failures is 0" in text
    assert "### Failures (2)" in text
    assert "more not shown" not in text.split("### Failures")[1].split("###")[0]


def test_engine_warnings_are_shown():
    report = synthetic_report(repos=3, failed=0, owners=1)
    report["warnings"] = ["the state journal /d/s.jsonl was not compacted (No space left on device)"]
    text = render_summary(report)
    assert "> [!WARNING]\n> the state journal /d/s.jsonl was not compacted" in text
