# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The state journal's own costs, measured (they were a unit test that could
only print them): loading a journal of N repositories (seconds, memory per
entry, size on disk) and one record() with batched fsync against an fsync per
line. No forge and no git: the journal alone."""

from __future__ import annotations

import os
import tempfile
import time
import tracemalloc
from typing import Any, Dict

SHA = "0123456789abcdef0123456789abcdef01234567"


def _fields(i: int) -> Dict[str, str]:
    return dict(path="acme/repo-%d" % i, marker="2026-01-%02dT00:00:00Z" % (i % 28 + 1), head=SHA,
                outcome="cloned", full_path="acme/repo-%d" % i)


def bench_load(n: int, directory: str) -> Dict[str, Any]:
    """Write a journal of n repositories, then time and size loading it."""
    from bulk_clone_engine.journal import Journal
    path = os.path.join(directory, "bench-%d.jsonl" % n)
    with Journal.open(path) as j:
        for i in range(n):
            j.record("github:github.com:%d" % (1000000 + i), **_fields(i))
    start = time.perf_counter()
    with Journal.open(path, readonly=True) as j:
        seconds = time.perf_counter() - start
        count = len(j)
    tracemalloc.start()
    with Journal.open(path, readonly=True) as j:
        size, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"entries": count, "load_seconds": round(seconds, 4), "bytes_per_entry": round(size / max(n, 1)),
            "file_bytes": os.path.getsize(path)}


def bench_record(n: int, directory: str) -> Dict[str, float]:
    """Cost of one record() with batched fsync versus an fsync per line."""
    import bulk_clone_engine.journal as journal_mod
    out = {}
    for label, interval in (("batched", journal_mod.FSYNC_INTERVAL), ("fsync_each", 0.0)):
        saved = journal_mod.FSYNC_INTERVAL
        journal_mod.FSYNC_INTERVAL = interval
        try:
            with journal_mod.Journal.open(os.path.join(directory, "rec-%s.jsonl" % label)) as j:
                start = time.perf_counter()
                for i in range(n):
                    j.record("k%d" % i, **_fields(i))
                out[label + "_us"] = round((time.perf_counter() - start) / n * 1e6, 1)
        finally:
            journal_mod.FSYNC_INTERVAL = saved
    return out


def measure(entries: int = 10000, records: int = 500) -> Dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bulk-clone-bench-journal-") as directory:
        return {"load": bench_load(entries, directory), "record": bench_record(records, directory)}


def section(result: Dict[str, Any]) -> str:
    load, record = result["load"], result["record"]
    return ("journal: load %d entries in %.3f s, %d B/entry in memory, %d B on disk; record() %.1f us batched, "
            "%.1f us with an fsync per line" % (load["entries"], load["load_seconds"], load["bytes_per_entry"],
                                                 load["file_bytes"], record["batched_us"], record["fsync_each_us"]))
