# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tables for people, the targets of issues 3 and 4 with PASS/MISS, and
latest.json for machines. Pure functions of the scenario results."""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence

RSS_LIMIT_MB = 80.0
RSS_GROWTH_LIMIT = 1.2
CLONE_RATIO_LIMIT = 1.05
RESYNC_TIME_RATIO_LIMIT = 0.05
GRAPHQL_BYTES_RATIO_LIMIT = 0.1     # "an order of magnitude fewer bytes per repo"

PASS, MISS, NA = "PASS", "MISS", "n/a"


@dataclass
class Target:
    name: str
    target: str
    measured: str
    status: str


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], align_numbers: bool = True) -> str:
    """A plain text table, numbers right-aligned unless told otherwise, no dependency."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if align_numbers and _numeric(c) else c.ljust(w)
                         for c, w in zip(row, widths)).rstrip()

    line = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(list(headers)), line] + [fmt(r) for r in cells])


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "%.2f" % value if abs(value) < 100 else "%.0f" % value
    if isinstance(value, int):
        return "{:,}".format(value)
    return str(value)


def _numeric(text: str) -> bool:
    return bool(text) and text.replace(",", "").replace(".", "").lstrip("-").isdigit()


def human_bytes(n: Optional[int]) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return ("%d %s" % (n, unit)) if unit == "B" else ("%.1f %s" % (n, unit))
        n /= 1024.0
    return str(n)


def _status(ok: Optional[bool]) -> str:
    return NA if ok is None else (PASS if ok else MISS)


def _ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    if a is None or not b:
        return None
    return a / b


# -- sections ----------------------------------------------------------------------------------

def listing_section(rows: List[Dict[str, Any]]) -> str:
    body = []
    for r in rows:
        per_repo = (r["bytes"] / r["repos"]) if r.get("repos") else None
        body.append([r["size"], r["client"], r.get("repos"), r["api_requests"], human_bytes(r["bytes"]),
                     None if per_repo is None else int(per_repo), r["seconds"], r.get("cpu_seconds"),
                     r["rss_mb"], r.get("rss_before_mb"), r["error"] or ""])
    text = table(["repos in org", "client", "listed", "API requests", "bytes received", "bytes/repo",
                  "wall s", "client CPU s", "peak RSS MB", "RSS before MB", "error"], body)
    return ("LISTING (issue 3): one process per client; bytes are what the forge sent; RSS before is the\n"
            "client's peak after its imports, before the first request\n" + text)


def rss_growth(rows: List[Dict[str, Any]], client: str) -> Optional[Dict[str, Any]]:
    mine = sorted((r for r in rows if r["client"] == client and not r["error"] and r["rss_mb"]),
                  key=lambda r: r["size"])
    if len(mine) < 2:
        return None
    small, big = mine[0], mine[-1]
    return {"client": client, "small": small["size"], "big": big["size"], "rss_small": small["rss_mb"],
            "rss_big": big["rss_mb"], "ratio": round(big["rss_mb"] / small["rss_mb"], 3)}


def clone_section(result: Dict[str, Any]) -> str:
    body = [[r["client"], r.get("round"), r.get("clones"), r["seconds"], r.get("cpu_seconds"), r["git_requests"],
             r["api_requests"], human_bytes(r["bytes"]), r["rss_mb"], r["error"] or ""] for r in result["rows"]]
    text = table(["client", "round", "clones", "wall s", "client CPU s", "git requests", "API requests",
                  "bytes received", "peak RSS MB", "error"], body)
    ratio, cpu = result.get("ratio"), result.get("cpu_ratio")
    return ("FIRST CLONE (issue 4): %d repos, concurrency %d, each into a fresh folder; the two clients "
            "alternate, ours first\n%s\n"
            "bulk_clone / xargs git clone: wall %s, client CPU %s\n"
            "  (bulk_clone's wall time includes starting Python and listing the org; client CPU is the\n"
            "  client process plus its git processes, the part of the cost other load on the machine does\n"
            "  not distort; RSS of xargs is its largest git process)"
            % (result["selected"], result["concurrency"], text, _x(ratio), _x(cpu)))


def _x(ratio: Optional[float]) -> str:
    return "-" if ratio is None else "%.3fx" % ratio


def sync_section(result: Dict[str, Any]) -> str:
    k, r, n, f, p = (result.get(x, {}) for x in ("killed_run", "resume", "resync", "fetch_baseline",
                                                   "after_pushes"))
    steps = [
        ("first clone, SIGKILL half way", k, "killed after %s recorded, %s clones on disk"
         % (k.get("recorded_at_kill"), k.get("clones_at_kill"))),
        ("resume after SIGKILL", r, "%s left, %s repos contacted, %s redone, %s clones after"
         % (r.get("left_at_kill"), r.get("repos_contacted"), r.get("redone"), r.get("clones_after"))),
        ("re-sync, nothing changed", n, "changed=%s, outcomes %s" % (n.get("changed"), _outcomes(n))),
        ("xargs git fetch, every clone", f, ""),
        ("re-sync after %d pushes" % len(p.get("pushed", [])), p, "outcomes %s" % _outcomes(p)),
    ]
    body = [[name, row.get("seconds"), row.get("cpu_seconds"), row.get("api_requests"), row.get("git_requests"),
             human_bytes(row.get("bytes")), row.get("rss_mb"), row.get("error") or note]
            for name, row, note in steps if row]
    text = table(["step", "wall s", "client CPU s", "API requests", "git requests", "bytes received",
                  "peak RSS MB", "notes"], body)
    lines = ["SYNC (issue 4): %d repos, concurrency %d, strategy pull" % (result["selected"],
                                                                          result["concurrency"]), text]
    if p.get("git_by_repo") is not None:
        lines.append("git requests per repo after the pushes (info-refs / upload-pack / receive-pack):")
        pushed = set(p.get("pushed", []))
        for fp in sorted(set(p["git_by_repo"]) | pushed):
            c = p["git_by_repo"].get(fp, {})
            lines.append("  %-40s %d / %d / %d%s" % (fp, c.get("info-refs", 0), c.get("upload-pack", 0),
                                                     c.get("receive-pack", 0),
                                                     "" if fp in pushed else "   <- NOT PUSHED"))
    return "\n".join(lines)


def _outcomes(row: Dict[str, Any]) -> str:
    counts = row.get("outcomes") or {}
    return ", ".join("%s %s" % (k, v) for k, v in counts.items() if v and k != "total") or "-"


# -- targets -----------------------------------------------------------------------------------

def targets(listing_rows: Optional[List[Dict[str, Any]]], clone: Optional[Dict[str, Any]],
            sync: Optional[Dict[str, Any]]) -> List[Target]:
    out: List[Target] = []
    if listing_rows is not None:
        out += _listing_targets(listing_rows)
    if clone is not None:
        ratio = clone.get("ratio")
        measured = "-" if ratio is None else "%.3fx (client CPU %s)" % (ratio, _x(clone.get("cpu_ratio")))
        out.append(Target("first clone of %d: bulk_clone vs xargs -P %d git clone" % (clone["selected"],
                                                                                      clone["concurrency"]),
                          "<= %.2fx" % CLONE_RATIO_LIMIT, measured,
                          _status(None if ratio is None else ratio <= CLONE_RATIO_LIMIT)))
    if sync is not None:
        out += _sync_targets(sync)
    return out


def _listing_targets(rows: List[Dict[str, Any]]) -> List[Target]:
    out = []
    sizes = sorted({r["size"] for r in rows})
    for client in [c for c in ("ours rest", "ours graphql") if any(r["client"] == c for r in rows)]:
        api = client.split()[1]
        big = [r for r in rows if r["client"] == client and r["size"] == sizes[-1]]
        rss = big[0]["rss_mb"] if big and not big[0]["error"] else None
        out.append(Target("listing %s: peak RSS at %d repos" % (api, sizes[-1]), "<= %d MB" % RSS_LIMIT_MB,
                          "-" if rss is None else "%.1f MB" % rss,
                          _status(None if rss is None else rss <= RSS_LIMIT_MB)))
        growth = rss_growth(rows, client)
        out.append(Target("listing %s: peak RSS %d / %d repos" % (api, sizes[-1], sizes[0]),
                          "<= %.1fx" % RSS_GROWTH_LIMIT,
                          "-" if growth is None else "%.3fx (%.1f / %.1f MB)" % (
                              growth["ratio"], growth["rss_big"], growth["rss_small"]),
                          _status(None if growth is None else growth["ratio"] <= RSS_GROWTH_LIMIT)))
        mine = [r for r in rows if r["client"] == client]
        complete = None if any(r["error"] for r in mine) or not mine else all(r["complete"] for r in mine)
        out.append(Target("listing %s: every repo listed, once" % api,
                          ", ".join(str(s) for s in sizes),
                          ", ".join("-" if r["repos"] is None else str(r["repos"]) for r in mine),
                          _status(complete)))
        if api == "rest":
            ok = None if any(r["error"] for r in mine) or not mine else \
                all(r["list_requests"] == r["expected_list_requests"] for r in mine)
            out.append(Target("listing rest: listing requests = ceil(N/100)",
                              ", ".join(str(r["expected_list_requests"]) for r in mine),
                              ", ".join(str(r["list_requests"]) for r in mine), _status(ok)))
    rest = [r for r in rows if r["client"] == "ours rest" and r["size"] == sizes[-1] and not r["error"]]
    gql = [r for r in rows if r["client"] == "ours graphql" and r["size"] == sizes[-1] and not r["error"]]
    if any(r["client"] == "ours graphql" for r in rows):
        ratio = _ratio(gql[0]["bytes"], rest[0]["bytes"]) if rest and gql else None
        out.append(Target("listing: GraphQL bytes / REST bytes at %d" % sizes[-1],
                          "<= %.2fx" % GRAPHQL_BYTES_RATIO_LIMIT, "-" if ratio is None else "%.3fx" % ratio,
                          _status(None if ratio is None else ratio <= GRAPHQL_BYTES_RATIO_LIMIT)))
    return out


def _sync_targets(s: Dict[str, Any]) -> List[Target]:
    out = []
    size, selected = s["size"], s["selected"]
    n, f, p, r = (s.get(x) or {} for x in ("resync", "fetch_baseline", "after_pushes", "resume"))
    api_limit = math.ceil(size / 100) + 1
    ok = None if not n or n.get("error") else n["api_requests"] <= api_limit
    out.append(Target("no-change re-sync of %d: API requests" % size, "<= %d" % api_limit,
                      str(n.get("api_requests", "-")), _status(ok)))
    ok = None if not n or n.get("error") else n["git_requests"] == 0
    out.append(Target("no-change re-sync of %d: git requests" % size, "0", str(n.get("git_requests", "-")),
                      _status(ok)))
    ratio = None if not n or not f or n.get("error") or f.get("error") else _ratio(n["seconds"], f["seconds"])
    out.append(Target("no-change re-sync of %d vs xargs git fetch" % size, "<= %.2fx" % RESYNC_TIME_RATIO_LIMIT,
                      "-" if ratio is None else "%.4fx (%.1f s / %.1f s)" % (ratio, n["seconds"], f["seconds"]),
                      _status(None if ratio is None else ratio <= RESYNC_TIME_RATIO_LIMIT)))
    pushed = p.get("pushed") or []
    contacted = p.get("git_by_repo") or {}
    ok = None if not p or p.get("error") else set(contacted) == set(pushed)
    out.append(Target("re-sync after %d pushes: repos with git requests" % len(pushed),
                      "exactly the %d pushed" % len(pushed),
                      "%d repos (%d pushed among them)" % (len(contacted), len(set(contacted) & set(pushed))),
                      _status(ok)))
    k = s.get("killed_run") or {}
    ok = None if not r or r.get("error") else \
        (bool(k.get("killed")) and r["redone"] == 0 and r["clones_after"] == selected)
    measured = "%s redone, %s cloned" % (r.get("redone", "-"), r.get("clones_after", "-"))
    if k and not k.get("killed"):
        measured += " (but the first run ended before the kill)"
    out.append(Target("resume after SIGKILL half way: completed repos redone", "0, and all %d cloned" % selected,
                      measured, _status(ok)))
    return out


def summary_section(items: List[Target]) -> str:
    body = [[t.name, t.target, t.measured, t.status] for t in items]
    return "SUMMARY\n" + table(["what", "target", "measured", "result"], body, align_numbers=False)


def write_json(path: str, data: Dict[str, Any], items: List[Target]) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    data = dict(data, summary=[asdict(t) for t in items])
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True, default=str)
        fh.write("\n")
    os.replace(tmp, path)
