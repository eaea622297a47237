# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 13 point 4: the first clone beside `xargs -P C git clone`, figure by figure.

Reads what scenarios.first_clone measured (the two clients alternating in
the same run, ours first) and puts each of our figures beside the
baseline's with the ratio: wall time, client CPU (the client and its git
processes: what other load on the machine distorts least), and the git
requests per repository the forge served (3 is what `git clone` over
protocol v2 needs: info/refs, then upload-pack for the refs and the pack).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from .report import Target, _status, table

WALL_RATIO_LIMIT = 1.0
GIT_REQUESTS_PER_REPO = 3.0


def _sums(rows: List[Dict[str, Any]], ours: bool) -> Optional[Dict[str, float]]:
    mine = [r for r in rows if (r["client"] == "bulk_clone") == ours]
    if not mine or any(r["error"] for r in mine):
        return None
    clones = sum(r.get("clones") or 0 for r in mine)
    return {"seconds": sum(r["seconds"] for r in mine), "cpu_seconds": sum(r["cpu_seconds"] for r in mine),
            "git_per_repo": sum(r["git_requests"] for r in mine) / clones if clones else 0.0,
            "rounds": len(mine)}


def _ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return None if a is None or not b else a / b


def figures(clone: Dict[str, Any]) -> List[List[Any]]:
    ours, base = _sums(clone["rows"], True), _sums(clone["rows"], False)
    out = []
    for name, key in (("wall s, all rounds", "seconds"), ("client CPU s, all rounds", "cpu_seconds"),
                      ("git requests per repo", "git_per_repo")):
        a = ours[key] if ours else None
        b = base[key] if base else None
        ratio = _ratio(a, b)
        out.append([name, None if a is None else round(a, 2), None if b is None else round(b, 2),
                    None if ratio is None else "%.3fx" % ratio])
    return out


def section(clone: Dict[str, Any]) -> str:
    text = table(["first clone of %d, concurrency %d" % (clone["selected"], clone["concurrency"]), "bulk_clone",
                  "xargs -P %d git clone" % clone["concurrency"], "ratio"], figures(clone))
    return ("FIRST CLONE, figure by figure (issue 13 point 4: wall <= %.2fx xargs in the same run, %d git "
            "requests per repo)\n%s" % (WALL_RATIO_LIMIT, GIT_REQUESTS_PER_REPO, text))


def targets(clone: Dict[str, Any]) -> List[Target]:
    ours, base = _sums(clone["rows"], True), _sums(clone["rows"], False)
    ratio = _ratio(ours["seconds"] if ours else None, base["seconds"] if base else None)
    cpu = _ratio(ours["cpu_seconds"] if ours else None, base["cpu_seconds"] if base else None)
    per_repo = ours["git_per_repo"] if ours else None
    return [
        Target("issue 13: first clone of %d vs xargs, same run" % clone["selected"], "<= %.2fx" % WALL_RATIO_LIMIT,
               "-" if ratio is None else "%.3fx (client CPU %s)" % (ratio, "-" if cpu is None else "%.3fx" % cpu),
               _status(None if ratio is None else ratio <= WALL_RATIO_LIMIT)),
        Target("issue 13: git requests per repo, first clone", "<= %d" % GIT_REQUESTS_PER_REPO,
               "-" if per_repo is None else "%.2f" % per_repo,
               _status(None if per_repo is None else per_repo <= GIT_REQUESTS_PER_REPO)),
    ]
