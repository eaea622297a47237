# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The end report as Markdown for a GitHub job summary, and as short text.

Both render from Jinja2 templates (templates.py), and a user can pass their
own (summary_template); these are pure functions of the result dict, tested
without a run and without a runner.

Why a byte budget: GitHub refuses a step summary over 1 MiB and then shows
nothing at all, so a 100,000-repository run with a few thousand failures
must still fit. Totals are always kept; only the tables are cut, each to a
row limit first and then, if the whole still does not fit, halved until it
does. The report file keeps everything that a table leaves out.
"""

from __future__ import annotations

import math
import time
import traceback
from typing import Any, Callable, List, Mapping, Optional, Sequence

from .errors import ConfigError
from .outcome import Outcome
from .progress import format_bytes, format_duration
from .templates import MERGED_MD, MERGED_TXT, REPORT_TXT, SUMMARY_MD

try:
    import jinja2
    HAS_JINJA2 = True
    JINJA2_IMPORT_ERROR = None
except ImportError:
    jinja2 = None
    HAS_JINJA2 = False
    JINJA2_IMPORT_ERROR = traceback.format_exc()

# The outcomes every report lists, in order (check mode's appear when counted).
OUTCOMES = tuple(str(o) for o in (Outcome.CLONED, Outcome.UPDATED, Outcome.UNCHANGED, Outcome.SKIPPED,
                                  Outcome.FAILED))

# GitHub's limit is 1 MiB per step summary; stay clearly below it, because
# the step may append a little more and UTF-8 counts bytes, not characters.
SUMMARY_LIMIT_BYTES = 1024 * 1024 - 16 * 1024
DEFAULT_MAX_ROWS = 100
MAX_CELL_CHARS = 300

OUTCOME_ICONS = {"cloned": "🆕", "updated": "🔄", "unchanged": "✔️", "skipped": "⏭️", "failed": "❌",
                 "gone": "🗑️", "would clone": "🆕", "would update": "🔄"}


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


def plural(count: Any, one: str, many: Optional[str] = None) -> str:
    """"1 page", "3 pages", "1,234 requests"."""
    return "%s %s" % (_n(count), one if count == 1 else (many or one + "s"))


def _n(value: Any) -> str:
    try:
        return "{:,}".format(int(value))
    except (TypeError, ValueError):
        return md_cell(value)


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
    would = int(counts.get(str(Outcome.WOULD_CLONE), 0) or 0) + int(counts.get(str(Outcome.WOULD_UPDATE), 0) or 0)
    parts.append("%s would change (check mode)" % _n(would) if would else "%s changed" % _n(changed))
    if failed:
        parts.append("%s failed" % _n(failed))
    return " · ".join(parts)


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
    lines = ["- **API**: %s, %s, %s, %s waited for rate limits" % (
        plural(stats.get("requests", 0), "request"), plural(stats.get("pages", 0), "page"),
        plural(stats.get("retries", 0), "retry", "retries"), format_duration(float(stats.get("seconds_waited") or 0.0)))]
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
        announced = stats.get("expected")
        lines.append("- **Listing**: %s listed%s, %s selected%s" % (
            _n(listed), " (the forge announced %s)" % _n(announced) if announced is not None else "",
            _n(stats.get("selected", 0)), (", excluded: " + why) if why else ""))
    stream = stream_text(stats)
    if stream:
        lines.append("- **Stream**: " + stream)
    return lines


def stream_text(stats: Mapping[str, Any]) -> str:
    """Where the time and the bytes went: "listing 2s (paused 1s by busy
    workers), git work 35s, 12.3 MiB received, 1.2 MiB listed, queue peak 8"."""
    parts = []
    if stats.get("listing_seconds") is not None:
        paused = float(stats.get("backpressure_seconds") or 0.0)
        parts.append("listing %s%s" % (format_duration(float(stats["listing_seconds"])),
                                       " (paused %s by busy workers)" % format_duration(paused) if paused >= 1 else ""))
    # What a run without git work (check mode, nothing changed) did not do is left out.
    if stats.get("work_seconds"):
        parts.append("git work %s" % format_duration(float(stats["work_seconds"])))
    if stats.get("bytes_received"):
        parts.append("%s received" % format_bytes(int(stats["bytes_received"])))
    if stats.get("bytes_listed"):
        parts.append("%s listed" % format_bytes(int(stats["bytes_listed"])))
    if stats.get("peak_queue"):
        parts.append("queue peak %s" % _n(stats["peak_queue"]))
    return ", ".join(parts)


def _owner_rows(per_owner: Mapping[str, Mapping[str, int]], outcomes: Sequence[str] = OUTCOMES) -> List[List[str]]:
    rows = []
    ordered = sorted(per_owner.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    for owner, counts in ordered:
        total = sum(int(v) for v in counts.values())
        rows.append([md_code(owner), _n(total)] + [_n(counts.get(o, 0)) for o in outcomes])
    return rows


def _repo_rows(items: Optional[Sequence[Mapping[str, Any]]], key: str = "reason") -> List[List[str]]:
    return [[md_code(item.get("full_path") or item.get("path") or item.get("key") or "?"),
             md_cell(item.get(key) or item.get("action") or "")] for item in (items or [])]


def _environment() -> Any:
    if not HAS_JINJA2:
        raise ConfigError("the Python library jinja2 is needed to render the report: pip install jinja2\n%s"
                          % JINJA2_IMPORT_ERROR)
    env = jinja2.Environment(autoescape=False, keep_trailing_newline=True, undefined=jinja2.ChainableUndefined)
    env.filters.update(cell=md_cell, code=md_code, n=_n, duration=lambda s: format_duration(float(s or 0)),
                       rate=_rate, when=lambda e: _when(e, time.time), bytes=lambda b: format_bytes(int(b or 0)))
    return env


def _context(report: Mapping[str, Any], max_rows: int, now: Callable[[], float]) -> dict:
    counts = report.get("counts") or {}
    outcomes = list(OUTCOMES) + [o for o in (str(Outcome.WOULD_CLONE), str(Outcome.WOULD_UPDATE)) if counts.get(o)]
    return dict(r=report, max_rows=max_rows, outcomes=outcomes, icons=OUTCOME_ICONS, headline=headline(report),
                throughput=throughput(counts, float(report.get("duration") or 0.0)),
                api_lines=api_lines(report.get("stats") or {}, now), stream=stream_text(report.get("stats") or {}),
                owner_rows=_owner_rows(report.get("per_owner") or {}, outcomes), rows=_repo_rows,
                slowest_rows=_slowest_rows(report.get("slowest") or []),
                shard_rows=_shard_rows(report.get("by_shard") or [], outcomes),
                shard_failure_rows=_shard_failure_rows(report.get("failures") or []))


def seconds(value: Any) -> str:
    """0.4s, 12.3s, 3m12s: tenths below a minute, where repositories differ."""
    value = float(value or 0)
    return "%.1fs" % value if value < 60 else format_duration(value)


def _slowest_rows(items: Sequence[Mapping[str, Any]]) -> List[List[str]]:
    return [[md_code(item.get("full_path") or "?")] + ([md_cell(item["shard"], 20)] if "shard" in item else []) +
            [seconds(item.get("duration")), format_bytes(int(item.get("bytes") or 0)),
             md_cell(item.get("outcome") or "")] for item in items]


def _shard_rows(rows: Sequence[Mapping[str, Any]], outcomes: Sequence[str]) -> List[List[str]]:
    out = []
    for row in rows:
        counts = row.get("counts") or {}
        verdict = "❌ " + md_cell(row.get("msg") or "failed", 200) if row.get("failed") else "✅"
        out.append([md_cell(row.get("shard"), 40), _n(counts.get("total", 0))] +
                   [_n(counts.get(o, 0)) for o in outcomes] +
                   [format_duration(float(row.get("duration") or 0)), verdict])
    return out


def _shard_failure_rows(items: Sequence[Mapping[str, Any]]) -> List[List[str]]:
    return [[md_cell(item.get("shard") or "", 40), md_code(item.get("full_path") or "?"),
             md_cell(item.get("reason") or "")] for item in items]


def render_template(path_or_text: str, report: Mapping[str, Any], max_rows: int = DEFAULT_MAX_ROWS,
                    now: Callable[[], float] = time.time, is_path: bool = True) -> str:
    """Render a template (a file's path, or the text itself) with the report's context."""
    env = _environment()
    if is_path:
        try:
            with open(path_or_text, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise ConfigError("summary_template %s cannot be read: %s" % (path_or_text, exc.strerror or exc)) from None
    else:
        text = path_or_text
    try:
        return env.from_string(text).render(**_context(report, max_rows, now))
    except jinja2.TemplateError as exc:
        where = path_or_text if is_path else "the built-in template"
        raise ConfigError("summary_template %s does not render: %s" % (where, exc)) from None


def render_summary(report: Mapping[str, Any], max_rows: int = DEFAULT_MAX_ROWS,
                   limit_bytes: int = SUMMARY_LIMIT_BYTES, now: Callable[[], float] = time.time,
                   template: Optional[str] = None) -> str:
    """The job summary: always the totals; tables cut to fit ``limit_bytes``.
    A merged report (merge.py) renders with the built-in template for a matrix."""
    builtin = MERGED_MD if report.get("merged") else SUMMARY_MD
    rows = max(0, int(max_rows))
    while True:
        text = render_template(template, report, rows, now) if template else \
            render_template(builtin, report, rows, now, is_path=False)
        if len(text.encode("utf-8")) <= limit_bytes or rows == 0:
            break
        rows //= 2
    if len(text.encode("utf-8")) > limit_bytes:
        # Only absurd inputs get here (megabytes of owner names): keep the
        # head, which holds the totals, and say where the rest is.
        encoded = text.encode("utf-8")[:max(0, limit_bytes - 200)]
        text = encoded.decode("utf-8", "ignore") + "\n\n_Summary cut to fit GitHub's 1 MiB limit._\n"
    return text


def render_text(report: Mapping[str, Any], template: Optional[str] = None) -> str:
    """A few plain lines for the end of the log (no Markdown)."""
    if template:
        return render_template(template, report)
    builtin = MERGED_TXT if report.get("merged") else REPORT_TXT
    return render_template(builtin, report, is_path=False).rstrip("\n")


__all__ = ["OUTCOMES", "SUMMARY_LIMIT_BYTES", "headline", "md_cell", "render_summary", "render_template",
           "render_text", "stream_text", "throughput"]
