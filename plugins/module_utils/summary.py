# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The run report as Markdown for a GitHub job summary, and as short text.

Pure functions of the report dict (what the console writes to the JSON
report file), so they are tested without a run and without a runner.

Why a byte budget: GitHub refuses a step summary over 1 MiB and then shows
nothing at all, so a 100,000-repository run with a few thousand failures
must still fit. Totals are always kept; only the tables are cut, each to a
row limit first and then, if the whole still does not fit, halved until it
does. The JSON report file keeps everything that a table leaves out.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Iterable, List, Mapping, Optional, Sequence, Tuple

from .progress import format_duration
from .sync import OUTCOMES

# GitHub's limit is 1 MiB per step summary; stay clearly below it, because
# the step may append a little more and UTF-8 counts bytes, not characters.
SUMMARY_LIMIT_BYTES = 1024 * 1024 - 16 * 1024
DEFAULT_MAX_ROWS = 100
MAX_CELL_CHARS = 300

OUTCOME_ICONS = {"cloned": "🆕", "updated": "🔄", "unchanged": "✔️", "skipped": "⏭️", "failed": "❌"}


def md_cell(value: Any, limit: int = MAX_CELL_CHARS) -> str:
    """A value made safe for one Markdown table cell.

    Reasons come from git and the forge: they may hold `|`, newlines or
    angle brackets that would break the table or be read as HTML.
    """
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
            .replace("`", "'"))


def md_code(value: Any) -> str:
    """Inline code for a path or URL template (backticks inside are replaced)."""
    return "`%s`" % md_cell(value).replace("`", "'")


def _n(value: Any) -> str:
    try:
        return "{:,}".format(int(value))
    except (TypeError, ValueError):
        return md_cell(value)


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]], align: Optional[Sequence[str]] = None) -> List[str]:
    align = align or ["---"] * len(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return lines


def throughput(counts: Mapping[str, Any], duration: float) -> Optional[float]:
    total = int(counts.get("total", 0) or 0)
    if duration <= 0 or total <= 0:
        return None
    return total / duration


def _rate(value: Optional[float]) -> str:
    if value is None:
        return "–"
    return ("%.1f repos/s" if value >= 1 else "%.2f repos/s") % value


def headline(report: Mapping[str, Any]) -> str:
    """One sentence: did it work, how many, how fast."""
    counts = report.get("counts") or {}
    total = int(counts.get("total", 0) or 0)
    failed = int(counts.get("failed", 0) or 0)
    duration = float(report.get("duration") or 0.0)
    icon = "❌" if report.get("failed") else ("⚠️" if failed or (report.get("push") or {}).get("failed") else "✅")
    parts = ["%s **%s repositories** in %s" % (icon, _n(total), format_duration(duration))]
    rate = throughput(counts, duration)
    if rate is not None:
        parts.append(_rate(rate))
    changed = int(counts.get("cloned", 0) or 0) + int(counts.get("updated", 0) or 0)
    parts.append("%s changed" % _n(changed))
    if failed:
        parts.append("%s failed" % _n(failed))
    return " · ".join(parts)


def _title(report: Mapping[str, Any]) -> str:
    run = report.get("run") or {}
    owners = run.get("owners") or []
    who = ", ".join(str(o) for o in owners[:5]) or str(run.get("owner_kind") or "")
    if len(owners) > 5:
        who += " and %d more" % (len(owners) - 5)
    title = "bulk-clone: %s" % md_cell(who or "repositories", 200)
    if run.get("provider"):
        title += " (%s)" % md_cell(run["provider"], 40)
    if run.get("shard"):
        title += ", shard %s" % md_cell(run["shard"], 20)
    return "## " + title


def outcome_rows(counts: Mapping[str, Any]) -> List[Tuple[str, str]]:
    rows = []
    for outcome in OUTCOMES:
        rows.append(("%s %s" % (OUTCOME_ICONS.get(outcome, ""), outcome), _n(counts.get(outcome, 0))))
    for extra in sorted(k for k in counts if k not in OUTCOMES and k != "total"):
        rows.append((md_cell(extra), _n(counts[extra])))
    rows.append(("**total**", "**%s**" % _n(counts.get("total", 0))))
    return rows


def _when(epoch: Any, now: Callable[[], float]) -> str:
    try:
        at = float(epoch)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(at) or at <= 0:
        return ""
    stamp = time.strftime("%H:%M UTC", time.gmtime(at))
    left = at - now()
    return " (resets %s, in %s)" % (stamp, format_duration(left)) if left > 0 else " (reset at %s)" % stamp


def api_lines(stats: Mapping[str, Any], now: Callable[[], float] = time.time) -> List[str]:
    """API cost of the listing, and the rate-limit budget the forge reported."""
    if not stats:
        return []
    lines = ["- **API**: %s requests, %s pages, %s retries, %s waited for rate limits" % (
        _n(stats.get("requests", 0)), _n(stats.get("pages", 0)), _n(stats.get("retries", 0)),
        format_duration(float(stats.get("seconds_waited") or 0.0)))]
    budgets = stats.get("rate_limit") or {}
    for resource in sorted(budgets):
        b = budgets[resource] or {}
        limit, remaining = b.get("limit"), b.get("remaining")
        if limit is None and remaining is None:
            continue
        used = ""
        if limit is not None and remaining is not None:
            used = "%s used, " % _n(max(0, int(limit) - int(remaining)))
        lines.append("- **Rate limit** (%s): %s%s of %s left%s" % (
            md_cell(resource, 40), used, _n(remaining), _n(limit), _when(b.get("reset_at"), now)))
    if not budgets:
        lines.append("- **Rate limit**: the forge reported none")
    listed = stats.get("listed")
    if listed is not None:
        excluded = stats.get("excluded") or {}
        why = ", ".join("%s %s" % (md_cell(k, 40), _n(v)) for k, v in sorted(excluded.items()))
        lines.append("- **Listing**: %s listed, %s selected%s" % (
            _n(listed), _n(stats.get("selected", 0)), (", excluded: " + why) if why else ""))
    return lines


def _owner_rows(per_owner: Mapping[str, Mapping[str, int]]) -> List[List[str]]:
    rows = []
    ordered = sorted(per_owner.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    for owner, counts in ordered:
        total = sum(int(v) for v in counts.values())
        rows.append([md_code(owner), _n(total)] + [_n(counts.get(o, 0)) for o in OUTCOMES])
    return rows


def _repo_rows(items: Sequence[Mapping[str, Any]], key: str = "reason") -> List[List[str]]:
    return [[md_code(item.get("full_path") or item.get("path") or item.get("key") or "?"),
             md_cell(item.get(key) or item.get("action") or "")] for item in items]


def _cut_note(shown: int, total: int, report_file: Optional[str]) -> List[str]:
    if shown >= total:
        return []
    where = (" in %s" % md_code(report_file)) if report_file else " in the JSON report"
    return ["", "_%s more not shown: the full list is%s._" % (_n(total - shown), where)]


def _section(title: str, header: Sequence[str], rows: List[List[str]], total: int, max_rows: int,
             report_file: Optional[str], align: Optional[Sequence[str]] = None) -> List[str]:
    if total <= 0:
        return []
    shown = rows[:max_rows]
    lines = ["", "### %s (%s)" % (title, _n(total)), ""]
    lines += _table(header, shown, align)
    lines += _cut_note(len(shown), total, report_file)
    return lines


def render_summary(report: Mapping[str, Any], max_rows: int = DEFAULT_MAX_ROWS,
                   limit_bytes: int = SUMMARY_LIMIT_BYTES, now: Callable[[], float] = time.time) -> str:
    """The job summary: always the totals; tables cut to fit ``limit_bytes``."""
    rows = max(0, int(max_rows))
    while True:
        text = _render(report, rows, now)
        if len(text.encode("utf-8")) <= limit_bytes or rows == 0:
            break
        rows //= 2
    if len(text.encode("utf-8")) > limit_bytes:
        # Only absurd inputs get here (megabytes of owner names): keep the
        # head, which holds the totals, and say where the rest is.
        encoded = text.encode("utf-8")[:max(0, limit_bytes - 200)]
        text = encoded.decode("utf-8", "ignore") + "\n\n_Summary cut to fit GitHub's 1 MiB limit._\n"
    return text


def _render(report: Mapping[str, Any], max_rows: int, now: Callable[[], float]) -> str:
    counts = report.get("counts") or {}
    run = report.get("run") or {}
    report_file = report.get("report_file")
    lines = [_title(report), "", headline(report), ""]
    if report.get("msg"):
        lines += ["> [!CAUTION]", "> " + md_cell(report["msg"], 1000), ""]
    for warning in (report.get("warnings") or [])[:max(1, max_rows // 10)]:
        lines += ["> [!WARNING]", "> " + md_cell(warning, 1000), ""]
    lines += _table(["outcome", "repositories"], outcome_rows(counts), ["---", "---:"])
    lines.append("")
    duration = float(report.get("duration") or 0.0)
    lines.append("- **Duration**: %s, throughput %s" % (
        format_duration(duration), _rate(throughput(counts, duration))))
    if run.get("strategy"):
        lines.append("- **Strategy**: %s, concurrency %s, into %s" % (
            md_cell(run["strategy"], 20), _n(run.get("concurrency", "?")), md_code(run.get("dest", ""))))
    lines += api_lines(report.get("stats") or {}, now)
    push = report.get("push")
    if push:
        lines.append("- **Push to** %s: %s pushed, %s failed, %s already up to date" % (
            md_code(push.get("url", "")), _n(push.get("pushed", 0)), _n(push.get("failed", 0)),
            _n(push.get("up_to_date", 0))))
    if report.get("state_file"):
        lines.append("- **State file**: %s" % md_code(report["state_file"]))
    if report_file:
        lines.append("- **Full report**: %s" % md_code(report_file))

    per_owner = report.get("per_owner") or {}
    owner_rows = _owner_rows(per_owner)
    lines += _section("Per owner", ["owner", "total"] + list(OUTCOMES), owner_rows, len(owner_rows), max_rows,
                      report_file, ["---"] + ["---:"] * (1 + len(OUTCOMES)))
    failures = report.get("failures") or []
    failed_total = max(len(failures), int(counts.get("failed", 0) or 0))
    lines += _section("Failures", ["repository", "reason"], _repo_rows(failures[:max_rows]), failed_total,
                      max_rows, report_file)
    if push and push.get("failures"):
        push_failures = push["failures"]
        lines += _section("Push failures", ["repository", "reason"], _repo_rows(push_failures[:max_rows]),
                          max(len(push_failures), int(push.get("failed", 0) or 0)), max_rows, report_file)
    skipped = report.get("skipped") or []
    lines += _section("Skipped", ["repository", "reason"], _repo_rows(skipped[:max_rows]),
                      max(len(skipped), int(counts.get("skipped", 0) or 0)), max_rows, report_file)
    gone = report.get("gone") or []
    lines += _section("Gone from the forge", ["repository", "action"], _repo_rows(gone[:max_rows], "action"),
                      len(gone), max_rows, report_file)
    lines.append("")
    return "\n".join(lines)


def render_text(report: Mapping[str, Any]) -> str:
    """A few plain lines for the end of the log (no Markdown)."""
    counts = report.get("counts") or {}
    duration = float(report.get("duration") or 0.0)
    parts = ["%s %s" % (_n(counts.get(o, 0)), o) for o in OUTCOMES]
    lines = ["bulk-clone: %s repositories in %s (%s): %s" % (
        _n(counts.get("total", 0)), format_duration(duration), _rate(throughput(counts, duration)),
        ", ".join(parts))]
    push = report.get("push")
    if push:
        lines.append("push-to: %s pushed, %s failed, %s already up to date" % (
            _n(push.get("pushed", 0)), _n(push.get("failed", 0)), _n(push.get("up_to_date", 0))))
    if report.get("report_file"):
        lines.append("full report: %s" % report["report_file"])
    return "\n".join(lines)


__all__ = ["SUMMARY_LIMIT_BYTES", "headline", "md_cell", "render_summary", "render_text", "throughput"]
