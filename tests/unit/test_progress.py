# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Progress: counts, moving-window rate, ETA, events, renderers."""

from __future__ import annotations

import json
import os
import re
import threading

import pytest

from bulk_clone_engine.progress import (
    LineLogger, Progress, ProgressFileWriter, ProgressSnapshot, format_duration,
    render_line,
)
from bulk_clone_engine.repo import Repo


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def repo(path):
    return Repo(provider="gitlab", host="gitlab.com", owner=path.rsplit("/", 1)[0], name=path.rsplit("/", 1)[1],
                full_path=path, id=1, clone_url="https://gitlab.com/%s.git" % path)


def test_events_carry_kind_repo_path_detail_and_the_state_after_them():
    progress = Progress(clock=FakeClock())
    events = []
    progress.subscribe(events.append)
    progress.planned(3)
    progress.started(repo("platform/backend/api"))
    progress.done(repo("platform/backend/api"), "cloned")
    progress.started("platform/backend/web")
    progress.failed("platform/backend/web", "git clone: 403 Forbidden")
    progress.listing_done()
    assert [e.kind for e in events] == ["planned", "started", "done", "started", "failed", "listing_done"]
    assert events[0].count == 3
    assert events[2].repo == "platform/backend/api" and events[2].detail == "cloned"
    assert events[4].detail == "git clone: 403 Forbidden"
    assert events[3].snapshot.in_flight == 1
    final = events[-1].snapshot
    assert (final.planned, final.started, final.done, final.failed, final.finished, final.total) == (3, 2, 1, 1, 2, 3)
    assert final.outcomes == {"cloned": 1}
    assert final.percent == pytest.approx(66.666, rel=1e-3)
    assert events[-1].count == 3


def test_total_is_unknown_while_the_listing_streams():
    progress = Progress(clock=FakeClock())
    progress.planned(5)
    progress.done("a/b")
    progress.done("a/c")
    snap = progress.current()
    assert snap.total is None and snap.percent is None and snap.eta_seconds is None
    assert render_line(snap).startswith("2/5+ repos (listing)")
    progress.listing_done(400)
    assert progress.current().total == 400


def test_rate_is_a_moving_window_and_gives_an_eta():
    clock = FakeClock()
    progress = Progress(clock=clock, window=30)
    progress.planned(1000)
    progress.listing_done()
    for second in range(10):
        for _i in range(10):
            progress.done("acme/r%d" % second)
        clock.now += 1
    snap = progress.current()
    assert snap.rate == pytest.approx(10.0)
    assert snap.eta_seconds == pytest.approx(90.0)
    assert render_line(snap) == "100/1,000 repos (10.0%), 10.0/s, ETA 1m30s"
    # A stall: nothing finishes for longer than the window; the rate falls to 0.
    clock.now += 40
    stalled = progress.current()
    assert stalled.rate == 0.0 and stalled.eta_seconds is None
    assert render_line(stalled) == "100/1,000 repos (10.0%)"
    # Work resumes: only the recent finishes count.
    for _i in range(30):
        progress.done("acme/late")
    clock.now += 1
    assert progress.current().rate == pytest.approx(1.0)


def test_render_line_matches_the_documented_form():
    snap = ProgressSnapshot(at=0, elapsed=60, planned=10_000, started=1_240, done=1_231, failed=3,
                            total=10_000, listing_done=True, complete=False, rate=45.6, eta_seconds=192)
    assert render_line(snap) == "1,234/10,000 repos (12.3%), 45.6/s, ETA 3m12s, 3 failed"


def test_final_line_gives_the_average_rate_and_duration():
    clock = FakeClock()
    progress = Progress(clock=clock)
    progress.planned(10)
    for n in range(10):
        clock.now += 0.5
        progress.done("acme/%d" % n, "unchanged")
    progress.finish()
    snap = progress.current()
    assert snap.complete and snap.total == 10 and snap.eta_seconds == 0.0
    assert render_line(snap) == "10/10 repos (100.0%) in 5s, 2.0/s"


@pytest.mark.parametrize("seconds, text", [(0, "0s"), (42.4, "42s"), (192, "3m12s"), (3720, "1h02m"),
                                           (90061, "25h01m")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_threads_report_concurrently_without_losing_counts_or_order():
    progress = Progress()
    finished_seen = []
    progress.subscribe(lambda e: finished_seen.append(e.snapshot.finished) if e.kind == "done" else None)

    def worker(n):
        for i in range(1000):
            progress.started("acme/%d-%d" % (n, i))
            progress.done("acme/%d-%d" % (n, i), "cloned")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    snap = progress.current()
    assert snap.done == 8000 and snap.started == 8000 and snap.outcomes == {"cloned": 8000}
    assert finished_seen == list(range(1, 8001))


def test_a_failing_subscriber_is_kept_away_from_the_engine_and_can_unsubscribe():
    progress = Progress()
    calls = []

    def broken(event):
        calls.append(event.kind)
        raise RuntimeError("renderer crashed")

    unsubscribe = progress.subscribe(broken)
    progress.planned()
    unsubscribe()
    progress.planned()
    assert calls == ["planned"]
    assert progress.current().planned == 2


def read_json(path):
    """What a poller of the progress file sees (None before the first write)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


def test_line_logger_writes_first_then_every_few_seconds_and_at_the_end():
    clock = FakeClock()
    progress = Progress(clock=clock)
    lines = []
    progress.subscribe(LineLogger(lines.append, every=5))
    progress.planned(4)
    progress.listing_done()
    for n in range(4):
        clock.now += 2
        progress.done("acme/%d" % n)
    progress.finish()
    # t=0 planned (first), t=6 third done (>= 5 s later), finish (always).
    assert len(lines) == 3
    assert lines[0] == "0/4+ repos (listing)"
    assert lines[1].startswith("3/4 repos (75.0%)")
    assert lines[2].startswith("4/4 repos (100.0%) in 8s")


def test_progress_file_is_written_throttled_and_at_the_end(tmp_path):
    clock = FakeClock()
    progress = Progress(clock=clock)
    path = tmp_path / "state" / "progress.json"
    writer = ProgressFileWriter(str(path), every=5)
    progress.subscribe(writer)
    assert read_json(str(path)) is None
    progress.planned(3)                       # t=0: first write
    assert read_json(str(path))["planned"] == 3
    clock.now += 1
    progress.done("acme/a", "cloned")         # t=1: too soon
    assert read_json(str(path))["done"] == 0
    clock.now += 5
    progress.failed("acme/b", "timeout")      # t=6: due
    assert read_json(str(path))["failed"] == 1
    progress.done("acme/c", "updated")
    progress.finish()                         # always written
    data = read_json(str(path))
    assert writer.writes == 3
    assert data["complete"] is True and data["finished"] == 3 and data["total"] == 3
    assert data["outcomes"] == {"cloned": 1, "updated": 1}
    assert data["line"] == "3/3 repos (100.0%) in 6s, 0.50/s, 1 failed"
    assert data["updated_at"].endswith("Z")
    assert os.listdir(str(path.parent)) == ["progress.json"]     # no temp files left behind


def test_progress_file_readers_never_see_a_partial_file(tmp_path):
    path = str(tmp_path / "progress.json")
    writer = ProgressFileWriter(path, every=0)
    progress = Progress()
    progress.subscribe(writer)
    progress.planned()
    stop = threading.Event()
    bad = []

    def reader():
        while not stop.is_set():
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            try:
                json.loads(text)
            except ValueError:
                bad.append(text)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for n in range(300):
            progress.done("acme/%d" % n)
    finally:
        stop.set()
        thread.join()
    assert bad == []
    assert read_json(path)["done"] == 300


def test_long_running_repos_show_in_the_line_with_their_bytes():
    clock = FakeClock()
    progress = Progress(clock=clock)
    lines = []
    progress.subscribe(LineLogger(lines.append, every=5))
    progress.planned(2)
    progress.started("acme/big")
    progress.started("acme/small")
    progress.received("acme/big", 5 * 1024 * 1024)
    clock.now += 12
    progress.done("acme/small", "cloned")
    progress.tick()
    assert "running: acme/big 5.0 MiB in 12s" in lines[-1]
    assert "acme/small" not in lines[-1]
    # A tick alone (nothing finished for a while) still produces a line when due.
    clock.now += 6
    progress.received("acme/big", 9 * 1024 * 1024)
    progress.tick()
    assert "acme/big 9.0 MiB in 18s" in lines[-1]
    progress.done("acme/big", "cloned")
    progress.finish()
    assert "running" not in lines[-1]


def test_an_expected_total_gives_a_total_and_eta_before_the_listing_ends():
    clock = FakeClock()
    progress = Progress(clock=clock)
    progress.expect(300)
    progress.expect(100)             # a second owner adds up
    progress.planned(10)
    for i in range(10):
        progress.started("r%d" % i)
        clock.now += 1
        progress.done("r%d" % i, "cloned")
    snap = progress.current()
    assert snap.total == 400 and not snap.listing_done
    assert snap.eta_seconds == pytest.approx(390.0)
    assert "10/~400 repos (2.5%)" in render_line(snap)     # "~": the forge's count, not yet the listing's
    progress.listing_done()          # the exact count wins
    assert progress.current().total == 10


def _bar_text(snapshot, width=120):
    """What the live bar draws for a snapshot, as plain text (rich renders it; no terminal needed)."""
    import io
    from rich.console import Console
    from bulk_clone_engine.console_bar import bar_lines
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, force_terminal=False).print(bar_lines(snapshot, "syncing"))
    return out.getvalue()


def test_every_renderer_shows_the_forges_total_rate_and_eta_from_the_first_line(tmp_path):
    """Point 7: with the forge's count (Progress.expect) every door shows done/total at
    once, and rate and ETA from the first finishes: the log line (console and Action
    log), the module's progress_file, the live bar and the end report."""
    from bulk_clone_engine.summary import api_lines
    clock = FakeClock()
    progress = Progress(clock=clock)
    lines = []
    progress.subscribe(LineLogger(lines.append, every=5))
    path = tmp_path / "progress.json"
    progress.subscribe(ProgressFileWriter(str(path), every=5))
    progress.expect(224)
    progress.planned()                                     # the first event: the first line and write
    assert lines == ["0/~224 repos (0.0%)"]
    first = read_json(str(path))
    assert first["total"] == 224 and first["total_estimated"] is True and first["expected"] == 224
    assert first["line"] == "0/~224 repos (0.0%)"
    assert "0/~224 repos 0.0%" in _bar_text(progress.current())

    progress.planned(9)
    for n in range(6):
        progress.started("acme/%d" % n)
        clock.now += 1
        progress.done("acme/%d" % n, "cloned")           # t=5: the second line is due
    assert lines[-1] == "5/~224 repos (2.2%), 1.0/s, ETA 3m39s"
    assert read_json(str(path))["eta_seconds"] == 219.0
    drawn = _bar_text(progress.current())
    assert "6/~224 repos 2.7%" in drawn and "1.0/s" in drawn and "ETA 3m38s" in drawn

    progress.listing_done(230)                             # the listing's exact count replaces the forge's
    snap = progress.current()
    assert snap.total == 230 and not snap.estimated and render_line(snap).startswith("6/230 repos (2.6%)")
    progress.finish()
    # The end report says what the forge announced.
    stats = {"requests": 3, "pages": 3, "listed": 230, "selected": 230, "expected": 224}
    assert "- **Listing**: 230 listed (the forge announced 224), 230 selected" in api_lines(stats)


def test_the_bar_shows_the_repositories_in_flight_with_their_bytes_and_failures():
    clock = FakeClock()
    progress = Progress(clock=clock)
    progress.expect(10)
    progress.planned(10)
    for name in ("acme/big", "acme/small", "acme/a", "acme/b", "acme/c", "acme/d"):
        progress.started(name)
        clock.now += 1
    progress.received("acme/big", 5 * 1024 * 1024)
    progress.failed("acme/d", "not found")
    drawn = _bar_text(progress.current())
    assert "1 failed" in drawn
    assert re.search(r"↓ acme/big\s+5\.0 MiB\s+6s", drawn), drawn      # longest first, with its bytes
    assert "acme/small" in drawn and "+ 1 more in flight" in drawn      # four shown, the fifth counted
    # Progress lines name only the slow ones (past SLOW_AFTER_SECONDS): none yet.
    assert "running" not in render_line(progress.current())
