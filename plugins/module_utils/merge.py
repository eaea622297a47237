# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One report for a sharded matrix: the shards' JSON reports, combined.

Each shard of a matrix (``shard: i/N``) writes the console's JSON report
(``report_file``), which records its shard. A final job collects them
(actions/download-artifact) and ``bulk-clone merge-reports`` (the Action's
``mode: merge-reports``) adds them up into one result shaped like a run's,
so the same templates render it: totals, outcomes per owner, failures with
the shard they happened in, the slowest repositories across shards, and
each shard's own line.

Why a missing shard is named: a shard that never ran, or ran and lost its
report, would otherwise make the totals look complete. The count N comes
from the reports themselves (every one says i/N); each i in 0..N-1 without a
report is listed as missing and fails the merge, as does a shard whose own
run failed.
"""

from __future__ import annotations

import glob
import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from .errors import ConfigError
from .report import SLOWEST_KEPT

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
# Keys of a run's `stats` that add up across shards, and those where the largest counts (every
# shard lists the whole owner and keeps its share: `listed` and the forge's count are the same in each).
_SUMMED = ("requests", "pages", "retries", "seconds_waited", "selected", "duplicates_dropped",
           "bytes_received", "bytes_listed", "work_seconds", "backpressure_seconds")
_LARGEST = ("peak_queue", "listing_seconds", "listed", "expected")
FAILURES_PER_SHARD = 1000


@dataclass
class ShardReport:
    path: str
    data: Dict[str, Any]
    index: Optional[int]          # None for a run without a shard
    count: Optional[int]

    @property
    def label(self) -> str:
        if self.index is None:
            return os.path.basename(self.path)
        return "%d/%d" % (self.index, self.count)


def find_reports(patterns: Sequence[str]) -> List[str]:
    """Files, folders (every *.json under them) and glob patterns, each file once, in order."""
    found: List[str] = []
    for pattern in patterns:
        pattern = os.path.expanduser(pattern)
        if os.path.isdir(pattern):
            matches = sorted(glob.glob(os.path.join(pattern, "**", "*.json"), recursive=True)) + \
                sorted(glob.glob(os.path.join(pattern, "**", ".*.json"), recursive=True))
        elif glob.has_magic(pattern):
            matches = sorted(glob.glob(pattern, recursive=True))
        elif os.path.isfile(pattern):
            matches = [pattern]
        else:
            raise ConfigError("reports: %s does not exist: give report files, folders holding them, or glob "
                              "patterns" % pattern)
        for path in matches:
            path = os.path.abspath(path)
            if os.path.isfile(path) and path not in found:
                found.append(path)
    return found


def _is_report(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("counts"), dict) and isinstance(data.get("run"), dict)


def load_reports(paths: Iterable[str]) -> Tuple[List[ShardReport], List[str]]:
    """The reports among the files, and a note for each file that is not one."""
    reports: List[ShardReport] = []
    notes: List[str] = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            notes.append("%s is not a readable JSON report (%s); left out" % (path, getattr(exc, "strerror", None)
                                                                              or exc.__class__.__name__))
            continue
        if not _is_report(data):
            notes.append("%s is not a bulk-clone report; left out" % path)
            continue
        match = _SHARD.match(str((data.get("run") or {}).get("shard") or ""))
        index, count = (int(match.group(1)), int(match.group(2))) if match else (None, None)
        reports.append(ShardReport(path, data, index, count))
    return reports, notes


def _add_counts(total: Counter, counts: Dict[str, Any]) -> None:
    for key, value in counts.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            total[key] += value


def _shard_row(report: ShardReport) -> Dict[str, Any]:
    data = report.data
    return {"shard": report.label, "counts": dict(data.get("counts") or {}), "duration": data.get("duration") or 0,
            "failed": bool(data.get("failed")), "msg": data.get("msg"), "report": report.path,
            "interrupted": data.get("interrupted")}


def merge(reports: Sequence[ShardReport], shards: Optional[int] = None) -> Dict[str, Any]:
    """The merged result (a run's shape, plus ``shards`` and ``by_shard``)."""
    if not reports:
        raise ConfigError("no bulk-clone report was found: give the shards' report files (report_file of each "
                          "shard), the folder they were downloaded into, or a glob pattern")
    warnings: List[str] = []
    sharded = [r for r in reports if r.index is not None]
    counts_seen = Counter(r.count for r in sharded)
    expected = shards or (counts_seen.most_common(1)[0][0] if counts_seen else None)
    if len(counts_seen) > 1:
        warnings.append("the reports come from matrices of different sizes (%s); shards are counted out of %d"
                        % (", ".join("%d of /%d" % (n, c) for c, n in sorted(counts_seen.items())), expected))
    if sharded and len(sharded) != len(reports):
        warnings.append("%d report(s) have no shard: %s" % (
            len(reports) - len(sharded), ", ".join(r.path for r in reports if r.index is None)))

    by_index: Dict[int, ShardReport] = {}
    duplicates: List[str] = []
    used: List[ShardReport] = []
    for report in reports:
        if report.index is not None and expected is not None:
            if report.count != expected or report.index >= expected:
                warnings.append("%s is shard %s, not a shard of /%d; left out" % (report.path, report.label, expected))
                continue
            if report.index in by_index:
                duplicates.append(report.label)
                warnings.append("shard %s has two reports (%s and %s); the first is used" % (
                    report.label, by_index[report.index].path, report.path))
                continue
            by_index[report.index] = report
        used.append(report)
    missing = ["%d/%d" % (i, expected) for i in range(expected)] if expected else []
    missing = [label for label in missing if int(label.split("/")[0]) not in by_index]

    counts: Counter = Counter()
    per_owner: Dict[str, Counter] = {}
    stats: Dict[str, Any] = {}
    failures: List[Dict[str, Any]] = []
    held_back: List[Dict[str, Any]] = []
    slowest: List[Dict[str, Any]] = []
    push: Counter = Counter()
    owners: List[str] = []
    for report in sorted(used, key=lambda r: (r.index is None, r.index or 0, r.path)):
        data = report.data
        _add_counts(counts, data.get("counts") or {})
        for owner, owner_counts in (data.get("per_owner") or {}).items():
            _add_counts(per_owner.setdefault(owner, Counter()), owner_counts or {})
        run_stats = data.get("stats") or {}
        for key in _SUMMED:
            if isinstance(run_stats.get(key), (int, float)):
                stats[key] = stats.get(key, 0) + run_stats[key]
        for key in _LARGEST:
            if isinstance(run_stats.get(key), (int, float)):
                stats[key] = max(stats.get(key, 0), run_stats[key])
        failures += [dict(f, shard=report.label) for f in (data.get("failures") or [])[:FAILURES_PER_SHARD]]
        held_back += [dict(f, shard=report.label) for f in (data.get("held_back") or [])[:FAILURES_PER_SHARD]]
        slowest += [dict(s, shard=report.label) for s in data.get("slowest") or []]
        for key in ("pushed", "failed", "up_to_date"):
            if isinstance((data.get("push") or {}).get(key), int):
                push[key] += data["push"][key]
        owners += [o for o in (data.get("run") or {}).get("owners") or [] if o not in owners]
    first_run = dict(used[0].data.get("run") or {}) if used else {}
    first_run.update(owners=owners, shard=None)
    result: Dict[str, Any] = {
        "merged": True,
        "changed": any(r.data.get("changed") for r in used),
        "counts": dict(counts),
        "per_owner": {owner: dict(c) for owner, c in sorted(per_owner.items())},
        "failures": failures,
        "held_back": held_back,
        "repos": [],
        "gone": [],
        "slowest": sorted(slowest, key=lambda s: -float(s.get("duration") or 0))[:SLOWEST_KEPT],
        # The shards ran side by side: the matrix took as long as its slowest shard.
        "duration": max(float(r.data.get("duration") or 0) for r in used) if used else 0.0,
        "stats": stats,
        "run": first_run,
        "shards": {"count": expected, "ran": [r.label for r in used], "missing": missing, "duplicates": duplicates,
                   "failed": [r.label for r in used if r.data.get("failed")]},
        "by_shard": [_shard_row(r) for r in sorted(used, key=lambda r: (r.index is None, r.index or 0, r.path))],
        "warnings": warnings,
        "truncated": [],
    }
    if push:
        result["push"] = {"pushed": push["pushed"], "failed": push["failed"], "up_to_date": push["up_to_date"],
                          "failures": []}
    verdict = _verdict(result)
    if verdict:
        result["failed"] = True
        result["msg"] = verdict
    return result


def _verdict(result: Dict[str, Any]) -> Optional[str]:
    shards = result["shards"]
    problems = []
    if shards["missing"]:
        plural = "s" if len(shards["missing"]) > 1 else ""
        problems.append("no report from shard%s %s (the job did not run, or did not upload its report): the totals "
                        "cover %d of %d shards" % (plural, ", ".join(shards["missing"]), len(shards["ran"]),
                                                   shards["count"]))
    if shards["failed"]:
        plural = "s" if len(shards["failed"]) > 1 else ""
        reasons = ["%s: %s" % (row["shard"], row["msg"]) for row in result["by_shard"] if row["failed"]]
        problems.append("shard%s %s failed: %s" % (plural, ", ".join(shards["failed"]), "; ".join(reasons[:3])))
    return "; ".join(problems) or None


__all__ = ["ShardReport", "find_reports", "load_reports", "merge"]
