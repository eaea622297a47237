# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The state journal: durability, torn lines, corruption, locking."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from bulk_clone_engine.errors import StateError
from bulk_clone_engine.journal import STATE_FILENAME, Entry, Journal, default_path, lock_path_for

SHA = "0123456789abcdef0123456789abcdef01234567"


def fields(i: int) -> dict:
    return dict(path="acme/repo-%d" % i, marker="2026-01-%02dT00:00:00Z" % (i % 28 + 1), head=SHA,
                outcome="cloned", full_path="acme/repo-%d" % i)


def lines_of(path) -> list:
    return Path(path).read_bytes().split(b"\n")


def test_default_location(tmp_path):
    assert default_path(tmp_path) == str(tmp_path / STATE_FILENAME)


def test_record_reopen_forget(tmp_path):
    path = default_path(tmp_path / "dest")        # dest does not exist yet
    with Journal.open(path) as j:
        j.record("github:h:1", **fields(1))
        j.record("github:h:2", **fields(2))
        j.record("github:h:1", path="acme/renamed", marker="m2", head=None, outcome="updated")
        j.forget("github:h:2")
    with Journal.open(path, readonly=True) as j:
        assert sorted(j.keys()) == ["github:h:1"]
        e = j.get("github:h:1")
        assert isinstance(e, Entry)
        assert (e.marker, e.head, e.path, e.outcome) == ("m2", None, "acme/renamed", "updated")
        assert j.get("github:h:2") is None and "github:h:2" not in j
    first = json.loads(lines_of(path)[0])
    assert first["bulk_clone_state"] == 1
    rec = json.loads(lines_of(path)[1])
    assert set(rec) == {"key", "path", "marker", "head", "strategy", "outcome", "ts", "full_path"}


def test_unknown_field_is_a_programming_error(tmp_path):
    with Journal.open(tmp_path / "j.jsonl") as j:
        with pytest.raises(TypeError, match="colour"):
            j.record("k", colour="blue")


def test_each_record_reaches_the_file_before_record_returns(tmp_path):
    path = tmp_path / "j.jsonl"
    with Journal.open(path) as j:
        j.record("k1", **fields(1))
        # Read through another file object while the journal is still open.
        assert b'"key":"k1"' in path.read_bytes()


@pytest.mark.parametrize("cut", [1, 10, -2, -1])
def test_torn_last_line_is_ignored_then_truncated_on_next_write(tmp_path, cut):
    path = tmp_path / "j.jsonl"
    with Journal.open(path) as j:
        for i in range(3):
            j.record("k%d" % i, **fields(i))
    data = path.read_bytes()
    last_start = data.rstrip(b"\n").rfind(b"\n") + 1
    last_line = data[last_start:]
    path.write_bytes(data[:last_start] + last_line[:cut if cut > 0 else len(last_line) + cut])
    with Journal.open(path, readonly=True) as j:
        assert sorted(j.keys()) == ["k0", "k1"]
    with Journal.open(path) as j:
        j.record("k9", **fields(9))
    raw = lines_of(path)
    assert raw[-1] == b""                       # ends with a newline
    parsed = [json.loads(x) for x in raw[:-1]]  # every line parses: the fragment is gone
    assert [p.get("key") for p in parsed[1:]] == ["k0", "k1", "k9"]


def test_nul_filled_tail_after_a_crash_is_a_torn_line(tmp_path):
    path = tmp_path / "j.jsonl"
    with Journal.open(path) as j:
        j.record("k0", **fields(0))
    with open(path, "ab") as f:
        f.write(b"\0" * 300)
    with Journal.open(path) as j:
        assert list(j.keys()) == ["k0"]


@pytest.mark.parametrize("bad, why", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"path": "x"}', "no string \"key\""),
    (b"\0\0\0\0", "not valid JSON"),
])
def test_corruption_before_the_last_line_is_a_state_error(tmp_path, bad, why):
    path = tmp_path / "j.jsonl"
    with Journal.open(path) as j:
        j.record("k0", **fields(0))
    with open(path, "ab") as f:
        f.write(bad + b"\n")
        f.write(json.dumps({"key": "k1"}).encode() + b"\n")
    with pytest.raises(StateError) as info:
        Journal.open(path)
    msg = str(info.value)
    assert str(path) in msg and "line 3" in msg and why in msg and "mv " in msg


def test_journal_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text('{"bulk_clone_state": 99}\n')
    with pytest.raises(StateError, match="newer bulk_clone"):
        Journal.open(path, readonly=True)


def test_unreadable_journal_names_the_path(tmp_path):
    path = tmp_path / "j.jsonl"
    path.mkdir()                         # a directory where the file should be
    with pytest.raises(StateError) as info:
        Journal.open(path, readonly=True)
    assert str(path) in str(info.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_journal_without_read_permission(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text("")
    path.chmod(0)
    with pytest.raises(StateError, match="Permission denied"):
        Journal.open(path, readonly=True)


def test_read_only_journal_cannot_be_written(tmp_path):
    path = tmp_path / "j.jsonl"
    with Journal.open(path) as j:
        j.record("k", **fields(1))
    with Journal.open(path, readonly=True) as j:
        with pytest.raises(StateError, match="read-only"):
            j.record("k2", **fields(2))


# -- locking --------------------------------------------------------------------
HOLDER = r"""
import sys, time
from bulk_clone_engine.journal import Journal
j = Journal.open(sys.argv[1])
j.record("held", path="p")
print("locked", flush=True)
time.sleep(60)
"""


def start_holder(path):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_run_on_the_same_dest_is_refused_naming_lock_and_pid(tmp_path):
    path = tmp_path / "j.jsonl"
    proc = start_holder(path)
    try:
        with pytest.raises(StateError) as info:
            Journal.open(path)
        msg = str(info.value)
        assert lock_path_for(str(path)) in msg and "(pid %d)" % proc.pid in msg and "another state_file" in msg
        assert "remove" not in msg and "delete" not in msg      # never advise deleting the lock by hand
        # A read-only look (check mode) is still possible while it runs.
        with Journal.open(path, readonly=True) as j:
            assert "held" in j
    finally:
        proc.kill()
        proc.wait()


def test_lock_of_a_process_killed_with_sigkill_does_not_block(tmp_path):
    path = tmp_path / "j.jsonl"
    proc = start_holder(path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert os.path.exists(lock_path_for(str(path)))        # the file stays ...
    with Journal.open(path) as j:                          # ... but the kernel released the lock
        assert "held" in j
        j.record("next", path="q")


def test_same_process_cannot_open_twice_for_writing(tmp_path):
    path = tmp_path / "j.jsonl"
    with Journal.open(path):
        with pytest.raises(StateError, match="another bulk-clone run"):
            Journal.open(path)
    with Journal.open(path):   # released on close
        pass


WRITER = r"""
import sys
from bulk_clone_engine.journal import Journal
j = Journal.open(sys.argv[1])
i = 0
while True:
    j.record("k%d" % i, path="acme/r%d" % i, marker="m" * 200, head="h" * 40, outcome="cloned")
    i += 1
    if i == 200:
        print("going", flush=True)
"""


@pytest.mark.parametrize("attempt", range(3))
def test_kill_9_while_writing_loses_at_most_the_line_being_written(tmp_path, attempt):
    path = tmp_path / "j.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "going"
    time.sleep(0.05 * attempt)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    complete = path.read_bytes().count(b"\n") - 1          # minus the header line
    with Journal.open(path) as j:
        assert len(j) == complete >= 200
        j.record("after", path="x")
    with Journal.open(path, readonly=True) as j:
        assert len(j) == complete + 1


def test_record_is_thread_safe(tmp_path):
    path = tmp_path / "j.jsonl"
    with Journal.open(path) as j:
        def work(t):
            for i in range(300):
                j.record("t%d-%d" % (t, i), **fields(i))
        threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(j) == 2400
    parsed = [json.loads(x) for x in lines_of(path)[1:-1]]
    assert len(parsed) == 2400 and len({p["key"] for p in parsed}) == 2400


def test_compact_keeps_one_line_per_live_repo_atomically(tmp_path):
    path = tmp_path / "j.jsonl"
    with Journal.open(path) as j:
        for round_ in range(5):
            for i in range(50):
                j.record("k%d" % i, **dict(fields(i), marker="round-%d" % round_))
        for i in range(10):
            j.forget("k%d" % i)
        before = dict(j.items())
        j.compact()
        assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []
        j.record("new", path="n")                      # still appendable after the swap
    raw = lines_of(path)
    assert len(raw) == 1 + 40 + 1 + 1                  # header, live repos, "new", trailing ""
    with Journal.open(path, readonly=True) as j:
        assert {k: v for k, v in j.items() if k != "new"} == before
        assert j.get("k20").marker == "round-4"


def test_index_matches_a_model_through_reopen_compact_and_torn_tail(tmp_path):
    """The index keeps only where each line is: whatever is recorded, forgotten,
    re-recorded, compacted, cut by a crash or reopened, get() answers as a dict of
    the last records would (ids out of order, keys that are not ids included)."""
    path = tmp_path / "j.jsonl"
    rng = random.Random(11)
    model = {}
    keys = ["github:h:%d" % rng.randrange(1, 10 ** 9) for _i in range(3000)] + ["gitlab:g:7", "odd-key", "github:h:007"]
    keys += ["bitbucket:b:%d" % (2 ** 63 - 1), "bitbucket:b:%d" % 2 ** 63, "bitbucket:b:%d" % (2 ** 62 + 5)]

    def check(j):
        assert len(j) == len(model)
        assert sorted(j.keys()) == sorted(model)
        for key in keys[::7] + keys[-3:]:
            e = j.get(key)
            assert (e.marker if e else None) == model.get(key), key

    with Journal.open(path) as j:
        for step in range(6000):
            key = rng.choice(keys)
            if rng.random() < 0.1:
                j.forget(key)
                model.pop(key, None)
            else:
                j.record(key, **dict(fields(step), marker="m%d" % step))
                model[key] = "m%d" % step
        check(j)
        j.compact()
        check(j)
        j.record(keys[0], **dict(fields(0), marker="after-compact"))
        model[keys[0]] = "after-compact"
    with Journal.open(path, readonly=True) as j:
        check(j)
    with open(path, "ab") as fh:              # a crash in the middle of a line
        fh.write(b'{"key":"github:h:1","marker":"to')
    with Journal.open(path) as j:
        check(j)
        j.record("github:h:1", **dict(fields(1), marker="after-crash"))
        model["github:h:1"] = "after-crash"
        keys.append("github:h:1")
        check(j)
    with Journal.open(path, readonly=True) as j:
        check(j)


def test_compacted_journal_is_in_id_order(tmp_path):
    """Compaction writes ids ascending, so the next open appends them onto the index."""
    path = tmp_path / "j.jsonl"
    with Journal.open(path) as j:
        for ident in (50, 3, 900, 12):
            j.record("github:h:%d" % ident, **fields(ident))
        j.compact()
    assert [json.loads(x)["key"] for x in lines_of(path)[1:-1]] == ["github:h:%d" % i for i in (3, 12, 50, 900)]


def test_open_journal_holds_no_entries_in_memory(tmp_path):
    """Issue 13 point 2: memory stays flat with the journal's size. The index
    keeps ~16 bytes per repository (idset.py), not the entries (~640 bytes
    each when they were held in a dict)."""
    path = tmp_path / "j.jsonl"
    n = 20000
    with Journal.open(path) as j:
        for i in range(n):
            j.record("github:github.com:%d" % (1000000 + 7 * i), **fields(i))
    tracemalloc.start()
    try:
        with Journal.open(path, readonly=True) as j:
            held, _peak = tracemalloc.get_traced_memory()
            assert len(j) == n and j.get("github:github.com:1000007").path == "acme/repo-1"
    finally:
        tracemalloc.stop()
    assert held < 40 * n, "%d bytes per entry" % (held // n)
