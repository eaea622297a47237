# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SIGTERM, SIGINT and SIGHUP end a run the same way at every door.

Why a flag and not an exception: a KeyboardInterrupt raised into whatever
the main thread is doing can land between a journal write and its
bookkeeping. The handler only asks the run to stop (job.Hooks.stop); the
run then stops starting work, ends its git processes, records what
finished, and returns a normal result that says it was interrupted.
A second signal of the same kind restores the default action, so a person
who presses Ctrl-C twice gets the process killed at once.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator

STOP_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP")


@contextmanager
def stop_on_signals(stop: Callable[[str], None]) -> Iterator[None]:
    """Within the block, the stop signals call stop(reason) (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: Dict[int, Any] = {}
    received: Dict[int, int] = {}

    def handler(signum: int, frame: Any) -> None:
        received[signum] = received.get(signum, 0) + 1
        if received[signum] > 1:
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)
            return
        stop("interrupted by %s" % signal.Signals(signum).name)

    for name in STOP_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
