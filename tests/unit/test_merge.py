# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""merge.py on reports written by hand: the arithmetic, every shard named,
and the merged job summary within GitHub's 1 MiB. The same code on reports of
real shard runs: tests/integration/test_console_doors.py."""

from __future__ import annotations

import json

import pytest

from bulk_clone_engine.errors import ConfigError
from bulk_clone_engine.merge import find_reports, load_reports, merge
from bulk_clone_engine.summary import SUMMARY_LIMIT_BYTES, render_summary, render_text


def shard_report(index, count, cloned=3, failed=0, duration=10.0, failed_run=False, slow=()):
    failures = [{"full_path": "acme/bad-%d-%d" % (index, n), "reason": "git clone failed: not found (404)"}
                for n in range(failed)]
    data = {
        "run": {"provider": "github", "owners": ["acme"], "strategy": "mirror", "shard": "%d/%d" % (index, count)},
        "counts": {"cloned": cloned, "updated": 0, "unchanged": 1, "skipped": 0, "failed": failed, "gone": 0,
                   "total": cloned + 1 + failed},
        "per_owner": {"acme": {"cloned": cloned, "unchanged": 1, "failed": failed}},
        "failures": failures, "held_back": [], "changed": cloned > 0, "duration": duration,
        "stats": {"requests": 2, "pages": 1, "listed": 40, "selected": cloned + 1 + failed, "bytes_received": 1000,
                  "work_seconds": 5.0, "peak_queue": 4 + index, "expected": 40},
        "slowest": [{"full_path": path, "duration": d, "bytes": 10, "outcome": "cloned"} for path, d in slow],
    }
    if failed_run:
        data.update(failed=True, msg="%d of %d repositories failed (max_failures is 0)" % (failed, failed + 4))
    return data


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def test_totals_add_up_and_every_shard_is_accounted_for(tmp_path):
    paths = [write(tmp_path, "s%d.json" % i, shard_report(i, 3, cloned=i + 1, failed=1 if i == 1 else 0,
                                                          duration=10.0 * (i + 1),
                                                          slow=[("acme/slow-%d" % i, 100.0 - i)]))
             for i in range(3)]
    reports, notes = load_reports(paths)
    merged = merge(reports)
    assert notes == [] and "failed" not in merged
    assert merged["counts"]["cloned"] == 1 + 2 + 3 and merged["counts"]["failed"] == 1
    assert merged["counts"]["total"] == (1 + 1) + (2 + 1 + 1) + (3 + 1)
    assert merged["per_owner"]["acme"]["unchanged"] == 3
    assert merged["shards"] == {"count": 3, "ran": ["0/3", "1/3", "2/3"], "missing": [], "duplicates": [],
                                "failed": []}
    assert [f["shard"] for f in merged["failures"]] == ["1/3"]
    assert [s["full_path"] for s in merged["slowest"]] == ["acme/slow-0", "acme/slow-1", "acme/slow-2"]
    assert merged["duration"] == 30.0                      # side by side: the slowest shard
    # Each shard lists the whole owner: listed and the forge's count are not summed, work is.
    assert merged["stats"]["listed"] == 40 and merged["stats"]["expected"] == 40
    assert merged["stats"]["requests"] == 6 and merged["stats"]["bytes_received"] == 3000
    assert merged["stats"]["peak_queue"] == 6


def test_a_missing_shard_is_named_and_fails_the_merge(tmp_path):
    paths = [write(tmp_path, "s%d.json" % i, shard_report(i, 4)) for i in (0, 2)]
    merged = merge(load_reports(paths)[0])
    assert merged["shards"]["missing"] == ["1/4", "3/4"]
    assert merged["failed"] is True
    assert merged["msg"].startswith("no report from shards 1/4, 3/4 (the job did not run, or did not upload its "
                                    "report): the totals cover 2 of 4 shards")
    text = render_text(merged)
    assert "missing shards: 1/4, 3/4" in text
    summary = render_summary(merged)
    assert "**missing: 1/4, 3/4**" in summary and "2 of 4 shards" in summary.splitlines()[0]


def test_a_failed_shard_fails_the_merge_with_its_reason(tmp_path):
    paths = [write(tmp_path, "s%d.json" % i, shard_report(i, 2, failed=2 if i else 0, failed_run=bool(i)))
             for i in range(2)]
    merged = merge(load_reports(paths)[0])
    assert merged["shards"]["failed"] == ["1/2"]
    assert merged["msg"] == "shard 1/2 failed: 1/2: 2 of 6 repositories failed (max_failures is 0)"
    summary = render_summary(merged)
    assert "| 1/2 | 6 | 3 | 0 | 1 | 0 | 2 | 10s | ❌ 2 of 6 repositories failed (max_failures is 0) |" in summary


def test_duplicates_foreign_matrices_and_files_that_are_not_reports(tmp_path):
    write(tmp_path, "a.json", shard_report(0, 2))
    write(tmp_path, "b.json", shard_report(0, 2))              # the same shard twice
    write(tmp_path, "c.json", shard_report(1, 2))
    write(tmp_path, "d.json", shard_report(1, 3))              # another matrix
    write(tmp_path, "e.json", {"hello": "world"})
    (tmp_path / "f.json").write_text("{not json")
    (tmp_path / "nested").mkdir()
    write(tmp_path / "nested", ".hidden-report.json", shard_report(0, 5))
    paths = find_reports([str(tmp_path)])
    assert len(paths) == 7
    reports, notes = load_reports(paths)
    assert sorted(n.split(" ", 1)[1] for n in notes) == ["is not a bulk-clone report; left out",
                                                         "is not a readable JSON report (JSONDecodeError); left out"]
    merged = merge(reports)
    assert merged["shards"]["count"] == 2 and merged["shards"]["duplicates"] == ["0/2"]
    assert merged["shards"]["missing"] == []
    assert any("matrices of different sizes" in w for w in merged["warnings"])
    assert any("is shard 1/3, not a shard of /2" in w for w in merged["warnings"])
    assert merged["counts"]["total"] == 8


def test_nothing_to_merge_is_a_usage_error(tmp_path):
    with pytest.raises(ConfigError, match="no bulk-clone report was found"):
        merge([])
    with pytest.raises(ConfigError, match="does not exist"):
        find_reports([str(tmp_path / "nowhere")])
    assert find_reports([str(tmp_path / "*.json")]) == []


def test_a_16_shard_merge_with_thousands_of_failures_fits_the_summary(tmp_path):
    paths = []
    for i in range(16):
        data = shard_report(i, 16, cloned=6000, failed=1000, failed_run=True,
                            slow=[("acme/slow-%d-%d" % (i, n), float(n)) for n in range(10)])
        for f in data["failures"]:
            f["reason"] = "fatal: " + "x|<y> " * 60
        paths.append(write(tmp_path, "s%d.json" % i, data))
    merged = merge(load_reports(paths)[0])
    summary = render_summary(merged)
    assert len(summary.encode("utf-8")) <= SUMMARY_LIMIT_BYTES
    assert "| **total** | **112,016** |" in summary
    assert "### Failures by shard (16,000)" in summary and "more not shown" in summary
