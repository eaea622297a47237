# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The console's live progress bar on a terminal, drawn with rich.

What it shows, redrawn four times a second: a bar, done/total (the forge's
count, "~224", until the listing ends), the rate, the ETA, the failures so
far, and the repositories in flight, longest first, with the bytes git has
received for each (a large clone is visibly moving, or visibly stuck).

When: only when standard output is a terminal and the run is not in CI
(GITHUB_ACTIONS=true or CI=true: a log keeps every frame of a bar) and TERM
is not "dumb". Elsewhere the console prints the plain progress lines
(progress.LineLogger), which read well in a log and in a pipe. NO_COLOR (set
and not empty, https://no-color.org) turns colours off; the bar still moves.

Why a snapshot kept by a subscriber: Progress calls subscribers under its
lock, from worker threads; rich redraws from its own thread. The subscriber
only keeps the latest snapshot (one assignment) and the drawing thread reads
it, so neither ever waits for the other.
"""

from __future__ import annotations

import traceback
from typing import Any, Callable, List, Mapping, Optional, TextIO

from .progress import Progress, ProgressEvent, ProgressSnapshot, count_text, format_bytes, format_duration

try:
    from rich.console import Console, Group
    from rich.live import Live
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text
    HAS_RICH = True
    RICH_IMPORT_ERROR = None
except ImportError:
    HAS_RICH = False
    RICH_IMPORT_ERROR = traceback.format_exc()

BAR_WIDTH = 32
REFRESH_PER_SECOND = 4


def in_ci(environ: Mapping[str, str]) -> bool:
    return environ.get("GITHUB_ACTIONS") == "true" or environ.get("CI", "").lower() in ("true", "1")


def wants_bar(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """A live bar for a person at a terminal; plain lines for logs, pipes and CI."""
    if not HAS_RICH or in_ci(environ) or environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def no_color(environ: Mapping[str, str]) -> bool:
    return environ.get("NO_COLOR", "") != ""


def bar_lines(snapshot: ProgressSnapshot, title: str) -> Any:
    """The renderable for one snapshot (a rich Group): the bar line, then one line per repository in flight."""
    percent = snapshot.percent
    head = Table.grid(padding=(0, 1))
    head.add_row(
        Text(title, style="bold"),
        ProgressBar(total=snapshot.total if snapshot.total else None, completed=snapshot.finished,
                    width=BAR_WIDTH, pulse=snapshot.total is None),
        _facts(snapshot, percent))
    lines: List[Any] = [head]
    if not snapshot.complete:
        for path, seconds, received in snapshot.running:
            line = Text("  ↓ ", style="dim")
            line.append(path)
            if received:
                line.append("  %s" % format_bytes(received), style="cyan")
            line.append("  %s" % format_duration(seconds), style="dim")
            lines.append(line)
        more = snapshot.in_flight - len(snapshot.running)
        if more > 0:
            lines.append(Text("  + %d more in flight" % more, style="dim"))
    return Group(*lines)


def _facts(snapshot: ProgressSnapshot, percent: Optional[float]) -> Any:
    text = Text(count_text(snapshot))
    if percent is not None:
        text.append(" %.1f%%" % percent)
    elif not snapshot.listing_done:
        text.append(" (listing)", style="dim")
    if snapshot.complete:
        text.append(" in %s" % format_duration(snapshot.elapsed))
        if snapshot.elapsed > 0 and snapshot.finished:
            text.append(" · %s/s" % _rate(snapshot.finished / snapshot.elapsed))
    else:
        if snapshot.rate > 0:
            text.append(" · %s/s" % _rate(snapshot.rate))
        if snapshot.eta_seconds is not None and snapshot.rate > 0:
            text.append(" · ETA %s" % format_duration(snapshot.eta_seconds), style="cyan")
    if snapshot.failed:
        text.append(" · {:,} failed".format(snapshot.failed), style="bold red")
    return text


def _rate(value: float) -> str:
    return ("%.1f" if value >= 1 else "%.2f") % value


class LiveBar:
    """A Progress subscriber that draws the bar until close()."""

    def __init__(self, progress: Progress, stream: TextIO, environ: Mapping[str, str], title: str) -> None:
        self.console = Console(file=stream, no_color=no_color(environ), highlight=False, soft_wrap=False)
        self.title = title
        self._snapshot = progress.current()
        self._unsubscribe: Callable[[], None] = progress.subscribe(self)
        self._live = Live(console=self.console, get_renderable=self._render, refresh_per_second=REFRESH_PER_SECOND,
                          transient=False, redirect_stdout=False, redirect_stderr=False)
        self._live.start()

    def __call__(self, event: ProgressEvent) -> None:
        self._snapshot = event.snapshot

    def _render(self) -> Any:
        return bar_lines(self._snapshot, self.title)

    def print(self, line: str) -> None:
        """A line above the bar (a rate-limit wait, a warning)."""
        self.console.print(Text(line), soft_wrap=True)

    def close(self, snapshot: Optional[ProgressSnapshot] = None) -> None:
        """Draw the last state and stop (the final frame stays on the screen)."""
        self._unsubscribe()
        if snapshot is not None:
            self._snapshot = snapshot
        self._live.refresh()
        self._live.stop()


__all__ = ["HAS_RICH", "LiveBar", "bar_lines", "in_ci", "no_color", "wants_bar"]
