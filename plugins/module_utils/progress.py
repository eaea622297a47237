# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Progress of a run, as events every front door can render.

Why one object fed by the engine and read by subscribers: the engine should
not know whether it runs under Ansible (a JSON file for async users), in a
GitHub Action (log lines, a job summary) or in a terminal. It reports
planned / started / done / failed; each front door subscribes the renderers
it wants. Counts, rate and ETA are computed once, here.

Counting: ``finished`` = ``done`` + ``failed``. While the listing streams,
the total is the forge's own count when it gave one (``expect``: the
snapshot's ``estimated`` is then true and renderers write "~224") and
unknown otherwise (``total`` None, ``planned`` is a lower bound); after
``listing_done(total)`` the total is exact. A rate and an ETA follow from
the first finishes whenever there is a total, estimated or exact.

Rate is a moving window (default 30 s) of finishes, kept as one counter per
second, so memory is bounded however fast repos finish, and a stall shows
as a falling rate instead of being hidden by a long average.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

log = logging.getLogger(__name__)

KINDS = ("planned", "started", "done", "failed", "listing_done", "tick", "finished")
# A repository running longer than this shows in progress lines, with the bytes it received.
SLOW_AFTER_SECONDS = 10.0
# The in-flight repositories a snapshot carries, longest-running first (the live bar shows them all,
# a progress line only those past SLOW_AFTER_SECONDS).
MAX_SHOWN_RUNNING = 4


@dataclass(frozen=True)
class ProgressSnapshot:
    """The state of a run at one moment; immutable, safe to hand around."""

    at: float                    # Progress clock (monotonic seconds)
    elapsed: float
    planned: int
    started: int
    done: int
    failed: int
    total: Optional[int]         # None while the listing streams and the forge gave no count
    listing_done: bool
    complete: bool               # the run has ended
    rate: float                  # finishes per second over the moving window
    eta_seconds: Optional[float]
    outcomes: Dict[str, int] = field(default_factory=dict)
    # The longest-running repositories in flight (at most MAX_SHOWN_RUNNING): (full path, seconds, bytes received).
    running: Tuple[Tuple[str, float, int], ...] = ()
    # The total is the forge's announced count (Progress.expect), not yet the listing's exact one.
    estimated: bool = False
    expected: Optional[int] = None     # what the forge announced, kept for the end report

    @property
    def slow(self) -> Tuple[Tuple[str, float, int], ...]:
        """The running repositories worth a mention in a log line: past SLOW_AFTER_SECONDS."""
        return tuple(r for r in self.running if r[1] >= SLOW_AFTER_SECONDS)

    @property
    def finished(self) -> int:
        return self.done + self.failed

    @property
    def in_flight(self) -> int:
        return max(0, self.started - self.finished)

    @property
    def percent(self) -> Optional[float]:
        if self.total is None:
            return None
        if self.total <= 0:
            return 100.0
        return min(100.0, 100.0 * self.finished / self.total)

    def as_dict(self) -> Dict[str, Any]:
        return {
            "planned": self.planned, "started": self.started, "in_flight": self.in_flight,
            "done": self.done, "failed": self.failed, "finished": self.finished, "total": self.total,
            "total_estimated": self.estimated, "expected": self.expected,
            "percent": None if self.percent is None else round(self.percent, 1),
            "rate_per_second": round(self.rate, 3),
            "eta_seconds": None if self.eta_seconds is None else round(self.eta_seconds, 1),
            "elapsed_seconds": round(self.elapsed, 1), "listing_done": self.listing_done,
            "complete": self.complete, "outcomes": dict(self.outcomes),
            "running": [{"repo": path, "seconds": round(seconds, 1), "bytes": received}
                        for path, seconds, received in self.running],
        }


@dataclass(frozen=True)
class ProgressEvent:
    """What just happened, with the state right after it.

    ``repo`` is the full path (never the Repo, so that subscribers keep
    nothing alive); ``detail`` is the outcome of "done" or the reason of
    "failed"; ``count`` is n for "planned" and the total for "listing_done".
    """

    kind: str
    snapshot: ProgressSnapshot
    repo: Optional[str] = None
    detail: Optional[str] = None
    count: Optional[int] = None


Subscriber = Callable[[ProgressEvent], None]


class Progress:
    """Thread-safe counters of one run, with subscribers.

    Subscribers are called in event order, under the object's lock, from the
    thread that reported the event: they must be quick (renderers below
    write at most every few seconds). One that raises is logged and kept.
    """

    def __init__(self, *, window: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        if window <= 0:
            raise ValueError("window must be > 0 seconds")
        self._clock = clock
        self._window = float(window)
        self._lock = threading.RLock()
        self._start = clock()
        self._planned = 0
        self._started = 0
        self._done = 0
        self._failed = 0
        self._total: Optional[int] = None
        self._expected: Optional[int] = None    # the forge's count before the listing ends
        self._listing_done = False
        self._complete = False
        self._outcomes: Counter = Counter()
        self._buckets: Deque[List[int]] = deque()     # [second, finishes in it]
        self._subscribers: List[Subscriber] = []
        self._running: Dict[str, List[float]] = {}      # path -> [started at, bytes]: at most concurrency

    # ---- subscribers ------------------------------------------------------

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns a function that removes it."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)
        return unsubscribe

    # ---- what the engine reports ------------------------------------------

    def planned(self, n: int = 1) -> None:
        with self._lock:
            self._planned += n
            self._emit("planned", count=n)

    def started(self, repo: Any) -> None:
        with self._lock:
            self._started += 1
            self._running[_path(repo)] = [self._clock(), 0]
            self._emit("started", repo=_path(repo))

    def received(self, repo: Any, received: int) -> None:
        """Bytes a running clone or fetch received so far (no event: tick() shows it)."""
        with self._lock:
            entry = self._running.get(_path(repo))
            if entry is not None:
                entry[1] = received

    def tick(self) -> None:
        """Time passed: lets throttled renderers speak even when nothing finishes
        (a long clone, a rate-limit wait)."""
        with self._lock:
            self._emit("tick")

    def done(self, repo: Any, outcome: str = "done") -> None:
        with self._lock:
            self._running.pop(_path(repo), None)
            self._done += 1
            self._outcomes[outcome] += 1
            self._count_finish()
            self._emit("done", repo=_path(repo), detail=outcome)

    def failed(self, repo: Any, reason: str) -> None:
        with self._lock:
            self._running.pop(_path(repo), None)
            self._failed += 1
            self._count_finish()
            self._emit("failed", repo=_path(repo), detail=reason)

    def expect(self, total: int) -> None:
        """The forge says about this many repositories will come (GET /orgs,
        X-Total...): a total and an ETA from the first progress line; the
        listing's end replaces it with the exact count. Several owners add up:
        call it once per owner with that owner's count."""
        with self._lock:
            self._expected = (self._expected or 0) + max(0, int(total))

    def listing_done(self, total: Optional[int] = None) -> None:
        """The listing has ended: ``total`` work items (default: as planned)."""
        with self._lock:
            self._listing_done = True
            self._total = self._planned if total is None else int(total)
            self._emit("listing_done", count=self._total)

    def finish(self) -> None:
        """The run has ended (also after an error): renderers write last words."""
        with self._lock:
            if not self._listing_done:
                self._listing_done = True
                self._total = self._planned
            self._complete = True
            self._emit("finished")

    # ---- reading ----------------------------------------------------------

    def current(self) -> ProgressSnapshot:
        with self._lock:
            return self._snapshot(self._clock())

    # ---- internals --------------------------------------------------------

    def _count_finish(self) -> None:
        second = int(self._clock())
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1][1] += 1
        else:
            self._buckets.append([second, 1])
        self._prune(second)

    def _prune(self, second: float) -> None:
        while self._buckets and self._buckets[0][0] <= second - self._window:
            self._buckets.popleft()

    def _rate(self, now: float) -> float:
        self._prune(int(now))
        span = min(self._window, now - self._start)
        if span <= 0:
            return 0.0
        return sum(bucket[1] for bucket in self._buckets) / span

    def _snapshot(self, now: float) -> ProgressSnapshot:
        rate = self._rate(now)
        total = self._total
        estimated = False
        if total is None and self._expected is not None:
            total = max(self._expected, self._planned)
            estimated = True
        if total is not None:
            total = max(total, self._done + self._failed)
        eta = None
        if total is not None and rate > 0:
            eta = (total - self._done - self._failed) / rate
        elif total is not None and total == self._done + self._failed:
            eta = 0.0
        longest = sorted(((now - at, path, int(received)) for path, (at, received) in self._running.items()),
                         key=lambda r: (-r[0], r[1]))[:MAX_SHOWN_RUNNING]
        return ProgressSnapshot(
            at=now, elapsed=now - self._start, planned=self._planned, started=self._started,
            done=self._done, failed=self._failed, total=total, listing_done=self._listing_done,
            complete=self._complete, rate=rate, eta_seconds=eta, outcomes=dict(self._outcomes),
            running=tuple((path, seconds, received) for seconds, path, received in longest),
            estimated=estimated, expected=self._expected)

    def _emit(self, kind: str, repo: Optional[str] = None, detail: Optional[str] = None,
              count: Optional[int] = None) -> None:
        if not self._subscribers:
            return
        event = ProgressEvent(kind=kind, snapshot=self._snapshot(self._clock()), repo=repo,
                              detail=detail, count=count)
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:  # a broken renderer must not stop the sync
                log.exception("progress subscriber %r failed on %s", subscriber, kind)


def _path(repo: Any) -> str:
    return getattr(repo, "full_path", None) or str(repo)


# --------------------------------------------------------------------------
# Renderers
# --------------------------------------------------------------------------

def format_duration(seconds: float) -> str:
    """42s, 3m12s, 1h02m: short enough for a log line."""
    seconds = int(round(max(0.0, seconds)))
    if seconds < 60:
        return "%ds" % seconds
    if seconds < 3600:
        return "%dm%02ds" % (seconds // 60, seconds % 60)
    return "%dh%02dm" % (seconds // 3600, (seconds % 3600) // 60)


def _rate_text(rate: float) -> str:
    return ("%.1f/s" if rate >= 1 else "%.2f/s") % rate


def count_text(snapshot: ProgressSnapshot) -> str:
    """"1,234/10,000 repos", "1,234/~10,000 repos" (the forge's count, the
    listing still streaming) or "1,234/1,300+ repos" (no count yet)."""
    if snapshot.total is None:
        return "{:,}/{:,}+ repos".format(snapshot.finished, snapshot.planned)
    return "{:,}/{}{:,} repos".format(snapshot.finished, "~" if snapshot.estimated else "", snapshot.total)


def render_line(snapshot: ProgressSnapshot) -> str:
    """"1,234/10,000 repos (12.3%), 45.6/s, ETA 3m12s, 3 failed"."""
    parts = []
    if snapshot.total is None:
        parts.append(count_text(snapshot) + " (listing)")
    else:
        parts.append("%s (%.1f%%)" % (count_text(snapshot), snapshot.percent))
    if snapshot.complete:
        parts[0] += " in %s" % format_duration(snapshot.elapsed)
        if snapshot.elapsed > 0 and snapshot.finished:
            parts.append(_rate_text(snapshot.finished / snapshot.elapsed))
    elif snapshot.rate > 0:
        parts.append(_rate_text(snapshot.rate))
        if snapshot.eta_seconds is not None:
            parts.append("ETA %s" % format_duration(snapshot.eta_seconds))
    if snapshot.failed:
        parts.append("{:,} failed".format(snapshot.failed))
    line = ", ".join(parts)
    if snapshot.slow and not snapshot.complete:
        shown = ["%s %s in %s" % (path, format_bytes(received), format_duration(seconds))
                 for path, seconds, received in snapshot.slow]
        line += "; running: " + ", ".join(shown)
    return line


def format_bytes(count: int) -> str:
    """12.3 MiB: what git's own progress meter shows."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return ("%d %s" if unit == "B" else "%.1f %s") % (value, unit)
        value /= 1024
    return "%d B" % count


class _Throttle:
    """Due at the first event, every ``every`` seconds of the Progress
    clock after that, and always at the end of the run."""

    def __init__(self, every: float) -> None:
        self.every = float(every)
        self.last: Optional[float] = None

    def due(self, event: ProgressEvent) -> bool:
        at = event.snapshot.at
        if event.kind == "finished" or self.last is None or at - self.last >= self.every:
            self.last = at
            return True
        return False


class LineLogger:
    """Subscriber that emits render_line() every few seconds and at the end
    (a log line in the Action's log, on stderr in a terminal)."""

    def __init__(self, emit: Callable[[str], None], every: float = 5.0) -> None:
        self._emit = emit
        self._throttle = _Throttle(every)

    def __call__(self, event: ProgressEvent) -> None:
        if self._throttle.due(event):
            self._emit(render_line(event.snapshot))


def write_json_atomic(path: str, data: Any, indent: Optional[int] = None) -> None:
    """Replace a JSON file so that a reader sees the old or the new content, never half."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=indent, sort_keys=True, ensure_ascii=False)
            handle.write("\n")
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


class ProgressFileWriter:
    """Subscriber that keeps a small JSON file up to date, for Ansible users
    who run the module with ``async`` and poll the file.

    Written to a temporary file next to it and renamed over it, so a reader
    sees the old or the new content, never half of one. Not fsync'ed: after
    a crash a stale progress file is harmless, and the journal is the record.
    """

    def __init__(self, path: str, every: float = 5.0) -> None:
        self.path = os.path.abspath(path)
        self._throttle = _Throttle(every)
        self.writes = 0

    def __call__(self, event: ProgressEvent) -> None:
        if self._throttle.due(event):
            self.write(event.snapshot)

    def write(self, snapshot: ProgressSnapshot) -> None:
        data = snapshot.as_dict()
        data["line"] = render_line(snapshot)
        data["updated_at"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        write_json_atomic(self.path, data)
        self.writes += 1


__all__ = ["KINDS", "LineLogger", "Progress", "ProgressEvent", "ProgressFileWriter", "ProgressSnapshot",
           "count_text", "format_bytes", "format_duration", "render_line"]
