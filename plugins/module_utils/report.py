# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The record of one run: counts, the per-repo report, the verdict.

Why the per-repo entries go to a file as they happen: a run over 100,000
repositories must not hold 100,000 entries in memory, and a person wants
every one of them. Each finished repository is counted (a few integers) and
written as one JSON line to the report file beside the state journal; the
result a door returns keeps at most ``return_limit`` entries per list, says
which lists were cut (``truncated``) and where the whole report is.

Ansible's reserved result keys (changed, failed, skipped, msg...) are used
only for their meaning: the repositories held back are ``held_back``, never
``skipped``, which Ansible would read as "the task was skipped".
"""

from __future__ import annotations

import heapq
import json
import os
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .outcome import ORDER, Outcome

DEFAULT_RETURN_LIMIT = 1000
# The slowest repositories a report keeps (and a merged report shows), with their duration and bytes.
SLOWEST_KEPT = 10
# The reasons of repositories a stopped run left undone (job.py writes them).
NOT_ATTEMPTED = "not attempted"
INTERRUPTED = "interrupted while running"
UNFINISHED = (NOT_ATTEMPTED, INTERRUPTED)
# Journal entries (not listed repositories) that a run reports on.
GONE = "gone"
PRUNED = "pruned"


@dataclass
class RepoReport:
    full_path: str
    path: str
    outcome: Outcome
    reason: str = ""
    head: Optional[str] = None
    changed: bool = False
    before: Optional[str] = None
    duration: float = 0.0          # seconds of git work (0 when no git process ran)
    received: int = 0              # bytes git received for it (every try of every process)

    def as_dict(self) -> Dict[str, Any]:
        return {"full_path": self.full_path, "path": self.path, "outcome": str(self.outcome),
                "reason": self.reason, "head": self.head, "changed": self.changed,
                "duration": round(self.duration, 3), "bytes": self.received}


@dataclass
class StreamStats:
    """How the stream flowed, for the performance work: where the time went
    (listing vs git work), how full the work queue got, what came over the
    wire. The listing's own costs (requests, pages, rate budget) come from
    the listing (listing.stats()) and sit beside these in the result's
    ``stats``."""

    expected: Optional[int] = None       # the forge's announced count (Progress.expect)
    listing_seconds: Optional[float] = None   # from the start until the listing ended
    backpressure_seconds: float = 0.0    # the listing paused because every worker was busy
    work_seconds: float = 0.0            # git work, summed over repositories
    bytes_received: int = 0              # what git received, summed over repositories
    peak_queue: int = 0                  # the most repositories waiting for a worker at once

    def as_dict(self) -> Dict[str, Any]:
        return {"expected": self.expected,
                "listing_seconds": None if self.listing_seconds is None else round(self.listing_seconds, 3),
                "backpressure_seconds": round(self.backpressure_seconds, 3),
                "work_seconds": round(self.work_seconds, 3), "bytes_received": self.bytes_received,
                "peak_queue": self.peak_queue}


class _Slowest:
    """The ``limit`` longest repositories, in a heap: constant memory at any size."""

    def __init__(self, limit: int = SLOWEST_KEPT) -> None:
        self.limit = limit
        self._heap: List[Tuple[float, int, Dict[str, Any]]] = []
        self._n = 0

    def add(self, duration: float, entry: Dict[str, Any]) -> None:
        if duration <= 0:
            return
        self._n += 1
        item = (duration, self._n, entry)
        if len(self._heap) < self.limit:
            heapq.heappush(self._heap, item)
        elif duration > self._heap[0][0]:
            heapq.heapreplace(self._heap, item)

    def items(self) -> List[Dict[str, Any]]:
        return [entry for _d, _n, entry in sorted(self._heap, key=lambda i: (-i[0], i[1]))]


def diff_entry(item: RepoReport) -> Dict[str, str]:
    """One repository's diff, as Ansible's git module shows it: the commit before and after."""
    if item.before:
        before = item.before
    elif item.outcome in (Outcome.CLONED, Outcome.WOULD_CLONE):
        before = "(new clone)"
    else:
        before = "(not recorded: synced outside bulk-clone)"
    planned = {Outcome.WOULD_CLONE: "(would be cloned)", Outcome.WOULD_UPDATE: "(would be updated from the forge)"}
    after = item.head or planned.get(item.outcome, "(empty repository)")
    return {"before_header": item.full_path, "after_header": item.full_path, "before": before + "\n",
            "after": after + "\n"}


def report_path_for(journal_path: str) -> str:
    """The per-repo report beside the journal: X.jsonl -> X.report.jsonl."""
    base = journal_path[:-len(".jsonl")] if journal_path.endswith(".jsonl") else journal_path
    return base + ".report.jsonl"


class OwnerTally:
    """Outcomes per owner asked for (a GitLab subgroup counts for the group
    that was asked for), as counters, so memory does not grow per repo."""

    def __init__(self, owners: Sequence[str]) -> None:
        self._owners = sorted(((o.lower().strip("/"), o) for o in owners if o), key=lambda p: -len(p[0]))
        self.counts: Dict[str, Counter] = defaultdict(Counter)

    def owner_of(self, full_path: str, fallback: str) -> str:
        path = full_path.lower()
        for low, original in self._owners:
            if path.startswith(low + "/"):
                return original
        return fallback or "?"

    def count(self, full_path: str, fallback: str, outcome: str) -> None:
        self.counts[self.owner_of(full_path, fallback)][outcome] += 1

    def as_dict(self) -> Dict[str, Dict[str, int]]:
        return {owner: dict(c) for owner, c in sorted(self.counts.items())}


class _Capped:
    """A list that keeps its first ``limit`` items and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: List[Dict[str, Any]] = []
        self.total = 0

    def add(self, item: Dict[str, Any]) -> None:
        self.total += 1
        if len(self.items) < self.limit:
            self.items.append(item)

    @property
    def truncated(self) -> bool:
        return self.total > len(self.items)


@dataclass
class RunInfo:
    """What was asked, for reports and summaries (no secrets here)."""

    provider: str = ""
    api_url: str = ""
    owners: List[str] = field(default_factory=list)
    owner_kind: str = ""
    strategy: str = ""
    concurrency: int = 0
    dest: str = ""
    shard: Optional[str] = None
    check: bool = False

    def as_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


class RunReport:
    """Thread-safe: workers add entries while the listing thread plans."""

    def __init__(self, return_repos: str = "changed", return_limit: int = DEFAULT_RETURN_LIMIT,
                 sink_path: Optional[str] = None, owners: Sequence[str] = (), diff: bool = False) -> None:
        self.return_repos = return_repos
        self.return_limit = max(0, int(return_limit))
        self.sink_path = sink_path
        self.diff_wanted = diff
        self.counts: Counter = Counter()
        self.failures = _Capped(self.return_limit)
        self.held_back = _Capped(self.return_limit)
        self.repos = _Capped(self.return_limit)
        self.gone = _Capped(self.return_limit)
        self.diffs = _Capped(self.return_limit)
        self.slowest = _Slowest()
        self.stream = StreamStats()
        self.tally = OwnerTally(owners)
        self.changed = False
        self.duration = 0.0
        self.listing: Dict[str, Any] = {}
        self.complete_listing = False
        self.state_file = ""
        self.check_mode = False
        self.warnings: List[str] = []
        self.fatal: Optional[str] = None          # why the run stopped early
        self.interrupted: Optional[str] = None    # the signal or event that stopped it
        self.sections: Dict[str, Dict[str, Any]] = {}   # e.g. "push" from a hook
        self.extra_failures = 0                   # failures counted by hooks (pushes)
        self.unfinished = 0                       # failed because the run stopped, not by themselves
        self.run = RunInfo()
        self._lock = threading.Lock()
        self._sink: Optional[Any] = None
        self.sink_error: Optional[str] = None

    # -- the per-repo file --------------------------------------------------
    def open_sink(self) -> None:
        if not self.sink_path:
            return
        try:
            os.makedirs(os.path.dirname(os.path.abspath(self.sink_path)), exist_ok=True)
            self._sink = open(self.sink_path, "w", encoding="utf-8")
        except OSError as exc:
            self.sink_error = "the per-repository report %s could not be written (%s)" % (
                self.sink_path, exc.strerror or exc)
            self.sink_path = None

    def close_sink(self) -> None:
        with self._lock:
            if self._sink is not None:
                try:
                    self._sink.close()
                except OSError:
                    pass
                self._sink = None

    def _write(self, record: Dict[str, Any]) -> None:
        if self._sink is None:
            return
        try:
            self._sink.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        except OSError as exc:
            # The report is for people; the journal is the record. Keep going.
            self.sink_error = "the per-repository report %s stopped being written (%s)" % (
                self.sink_path, exc.strerror or exc)
            try:
                self._sink.close()
            except OSError:
                pass
            self._sink = None

    # -- entries ------------------------------------------------------------
    def add(self, item: RepoReport, owner: str = "") -> None:
        entry = item.as_dict()
        with self._lock:
            self.counts[item.outcome] += 1
            self.tally.count(item.full_path, owner, str(item.outcome))
            self.stream.work_seconds += item.duration
            self.stream.bytes_received += item.received
            self.slowest.add(item.duration, {k: entry[k] for k in ("full_path", "outcome", "duration", "bytes")})
            if item.changed:
                self.changed = True
            if item.outcome == Outcome.FAILED:
                self.failures.add(entry)
                if item.reason.startswith(UNFINISHED):
                    self.unfinished += 1
            elif item.outcome == Outcome.SKIPPED:
                self.held_back.add(entry)
            if self.return_repos == "all" or (self.return_repos == "changed" and (
                    item.changed or item.outcome in (Outcome.FAILED, Outcome.SKIPPED,
                                                     Outcome.WOULD_CLONE, Outcome.WOULD_UPDATE))):
                self.repos.add(entry)
            if self.diff_wanted and item.changed:
                self.diffs.add(diff_entry(item))
            self._write(entry)

    def add_gone(self, info: Dict[str, Any], pruned: bool = False) -> None:
        with self._lock:
            self.counts[GONE] += 1
            if pruned:
                self.counts[PRUNED] += 1
                self.changed = True
            self.gone.add(info)
            self._write(dict(info, outcome=GONE))

    def queued(self, depth: int) -> None:
        """The work queue holds ``depth`` repositories now."""
        with self._lock:
            self.stream.peak_queue = max(self.stream.peak_queue, depth)

    def warn(self, text: str) -> None:
        with self._lock:
            if text not in self.warnings:
                self.warnings.append(text)

    # -- reading ------------------------------------------------------------
    @property
    def failed_count(self) -> int:
        return self.counts.get(Outcome.FAILED, 0)

    def done_count(self) -> int:
        """Repositories that finished (not those an interrupt or an early stop left undone)."""
        return self.total() - self.unfinished

    def total(self) -> int:
        return sum(v for k, v in self.counts.items() if isinstance(k, Outcome))

    def count_dict(self) -> Dict[str, int]:
        counts = {str(o): self.counts.get(o, 0) for o in ORDER
                  if o not in (Outcome.WOULD_CLONE, Outcome.WOULD_UPDATE) or self.counts.get(o)}
        counts[GONE] = self.counts.get(GONE, 0)
        if self.counts.get(PRUNED):
            counts[PRUNED] = self.counts[PRUNED]
        counts["total"] = self.total()
        return counts

    def as_result(self) -> Dict[str, Any]:
        """The dict every door returns or renders (Ansible's reserved keys kept to their meaning)."""
        truncated = [name for name, lst in (("failures", self.failures), ("held_back", self.held_back),
                                            ("repos", self.repos), ("gone", self.gone)) if lst.truncated]
        result: Dict[str, Any] = {
            "changed": self.changed,
            "counts": self.count_dict(),
            "failures": list(self.failures.items),
            "held_back": list(self.held_back.items),
            "repos": list(self.repos.items),
            "gone": list(self.gone.items),
            "truncated": truncated,
            "duration": round(self.duration, 3),
            "stats": dict(self.listing, **self.stream.as_dict()),
            "slowest": self.slowest.items(),
            "per_owner": self.tally.as_dict(),
            "state_file": self.state_file,
            "report_file": self.sink_path,
            "run": self.run.as_dict(),
            "warnings": list(self.warnings) + ([self.sink_error] if self.sink_error else []),
        }
        if self.interrupted:
            result["interrupted"] = "interrupted " + self.interrupted
        result.update(self.sections)
        return result

    def verdict(self, max_failures: int) -> Optional[str]:
        """Why the run fails, or None: one wording for every door."""
        if self.interrupted:
            listed = self.listing.get("selected") if isinstance(self.listing, dict) else None
            if listed and self.listing.get("complete"):
                done = "%d of %d repositories" % (self.done_count(), listed)
            else:
                done = "%d repositories%s" % (self.done_count(), " (%d listed so far)" % listed if listed else "")
            return ("interrupted %s after %s; completed repositories are recorded and a re-run resumes"
                    % (self.interrupted, done))
        if self.fatal is not None:
            return "the run stopped early: %s" % self.fatal
        failures = self.failed_count + self.extra_failures
        if max_failures < 0 or failures <= max_failures:
            return None
        shown = "; ".join("%s: %s" % (f["full_path"], f["reason"]) for f in self.failures.items[:5])
        more = " (and %d more)" % (self.failures.total - 5) if self.failures.total > 5 else ""
        what = " or could not be pushed" if self.extra_failures else ""
        return ("%d of %d repositories failed%s (max_failures is %d)%s%s. Re-run to retry them; "
                "completed repositories are not redone." % (
                    failures, self.total(), what, max_failures, (": " + shown) if shown else "", more))
