# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 13 point 2: peak RSS of the doors at 1,000 / 10,000 / 100,000 repos.

Each door runs as the user runs it, in a process of its own, with default
options: the module (`python -m ansible_collections...bulk_clone ARGS.json`,
what Ansible starts) and the console (`python -m bulk_clone_engine.console`,
what the Action runs). Peak RSS is wait4's: the largest process of the
door's tree (the door itself; its git processes are far smaller).

Per size, four runs per door:
    check, no journal      check mode into an empty dest
    check, journal of N    check mode after the journal holds N repositories
    re-sync, journal of N  a real run in which nothing changed: the journal is
                           read, every repository looked up, the report file
                           written, the journal compacted (no git runs)
    first clone (git)      a real first clone, git and all (sizes up to
                           --memory-clone-limit, 1,000 by default: cloning
                           100,000 repositories takes hours)

The journal of N is seeded from the forge's own listing through our listing
code (markers as a real run records them) with an empty `.git` folder per
repository, so that the re-sync finds every clone in place; it is what a
first clone of N would leave behind, without the hours of git.

The journal rows: load time and size on disk at the largest size, and the
same entries in an sqlite3 database (WAL), the alternative weighed in
docs/architecture.md ("Memory at 100,000 repositories").

Every figure is printed beside its baseline (the 10,000-repo figure, and the
80 MB bound) with the ratio. `--memory-baseline-root DIR` adds the module
door of another checkout (e.g. the main branch) measured in the same run.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

from .measure import REPO_ROOT, hermetic_env, run_process
from .report import NA, Target, _status, table

RSS_LIMIT_MB = 80.0
RSS_GROWTH_LIMIT = 1.2
JOURNAL_LOAD_LIMIT_S = 1.0
DEFAULT_SIZES = (1000, 10000, 100000)
DOORS = ("module", "console")
MODES = ("check, no journal", "check, journal of N", "re-sync, journal of N", "first clone (git)")

_JOURNAL_PROBE = r"""
import json, sys, time
from bulk_clone_engine.journal import Journal
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0])
before = rss()
started = time.perf_counter()
journal = Journal.open(sys.argv[1], readonly=True)
loaded = time.perf_counter() - started
held = rss() - before
keys = list(journal.keys())
started = time.perf_counter()
for key in keys:
    journal.get(key)
lookup = (time.perf_counter() - started) / max(1, len(keys))
print(json.dumps({"entries": len(journal), "load_seconds": loaded, "lookup_us": lookup * 1e6,
                  "rss_growth_mb": held / 1024.0}))
"""

_SQLITE_PROBE = r"""
import json, sqlite3, sys, time
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0])
before = rss()
started = time.perf_counter()
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA journal_mode=WAL")
count = db.execute("SELECT count(*) FROM repos").fetchone()[0]
loaded = time.perf_counter() - started
held = rss() - before
keys = [k for (k,) in db.execute("SELECT key FROM repos")]
started = time.perf_counter()
for key in keys:
    db.execute("SELECT marker, head, path, outcome, full_path, ts, strategy FROM repos WHERE key=?", (key,)).fetchone()
lookup = (time.perf_counter() - started) / max(1, len(keys))
print(json.dumps({"entries": count, "load_seconds": loaded, "lookup_us": lookup * 1e6,
                  "rss_growth_mb": held / 1024.0}))
"""


def owner_for(size: int) -> str:
    return "mem-%d" % size


def _door_argv(door: str, api_url: str, owner: str, dest: str, check: bool, workdir: str,
               python: str) -> List[str]:
    if door == "console":
        argv = [python, "-m", "bulk_clone_engine.console", "--api-url", api_url, "--owners", owner, "--dest", dest]
        return argv + (["--check"] if check else [])
    args = os.path.join(workdir, "module-args-%d.json" % abs(hash((owner, dest, check))))
    with open(args, "w", encoding="utf-8") as fh:
        json.dump({"ANSIBLE_MODULE_ARGS": {"api_url": api_url, "owners": [owner], "dest": dest,
                                           "_ansible_check_mode": check}}, fh)
    return [python, "-m", "ansible_collections.gizzahub.bulk_clone.plugins.modules.bulk_clone", args]


def _collections_root(code_root: str, workdir: str) -> str:
    """A collections path holding gizzahub.bulk_clone from code_root."""
    root = os.path.join(workdir, "collections-%d" % abs(hash(code_root)))
    link = os.path.join(root, "ansible_collections", "gizzahub", "bulk_clone")
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(code_root, link)
    return root


def _door_env(base: Dict[str, str], code_root: str, workdir: str) -> Dict[str, str]:
    env = dict(base)
    env["PYTHONPATH"] = os.pathsep.join([_collections_root(code_root, workdir), REPO_ROOT, env.get("PYTHONPATH", "")])
    return env


def run_door(door: str, api_url: str, owner: str, dest: str, check: bool, env: Dict[str, str], workdir: str,
             code_root: str = REPO_ROOT) -> Dict[str, Any]:
    argv = _door_argv(door, api_url, owner, dest, check, workdir, sys.executable)
    run = run_process(argv, _door_env(env, code_root, workdir))
    counts = None
    if door == "module":
        try:
            counts = json.loads(run.stdout.strip().splitlines()[-1]).get("counts")
        except (ValueError, IndexError, AttributeError):
            counts = None
    error = None if run.returncode == 0 else "exit %d: %s" % (run.returncode, (run.stderr or run.stdout)[-300:])
    return {"rss_mb": round(run.tree_rss_kb / 1024.0, 1), "seconds": round(run.wall, 2),
            "cpu_seconds": round(run.cpu, 2), "counts": counts, "error": error}


def seed_journal_in_child(api_url: str, owner: str, dest: str, env: Dict[str, str]) -> Dict[str, Any]:
    """seed_journal() in a process of its own.

    Why: a child's peak RSS as wait4 reports it includes the parent's when the
    child was spawned (Linux records the pre-exec image's high-water mark, and
    subprocess uses vfork), so the bench process must never grow by listing
    100,000 repositories itself, or every door measured after it would show
    the bench's peak instead of its own."""
    code = ("import json, sys; from bench.memory_bench import seed_journal; "
            "print(json.dumps(seed_journal(*sys.argv[1:])))")
    run = run_process([sys.executable, "-c", code, api_url, owner, dest], env)
    if run.returncode != 0:
        raise RuntimeError("seeding the journal failed: %s" % run.stderr[-500:])
    return json.loads(run.stdout.strip().splitlines()[-1])


def seed_journal(api_url: str, owner: str, dest: str) -> Dict[str, Any]:
    """What a first clone of the owner leaves behind, without git: one journal
    line per selected repository (our listing's marker, the default path) and an
    empty .git folder where the clone would be (token from BULK_CLONE_TOKEN)."""
    from bulk_clone_engine.job import build_job
    from bulk_clone_engine.journal import Journal
    from bulk_clone_engine.layout import render_path
    from bulk_clone_engine.listing import make_listing

    spec = build_job({"api_url": api_url, "owners": [owner], "dest": dest})
    journal = Journal.open(spec.sync.journal_path)
    seeded = 0
    try:
        for repo in make_listing(spec.forge, spec.owners, spec.selection):
            rel = render_path(spec.sync.path_template, repo)
            os.makedirs(os.path.join(dest, *rel.split("/"), ".git"), exist_ok=True)
            journal.record(repo.key, path=rel, marker=repo.marker, head="0" * 40, strategy=spec.sync.strategy,
                           outcome="cloned", full_path=repo.full_path)
            seeded += 1
        journal.compact()
    finally:
        journal.close()
    return {"seeded": seeded, "journal": spec.sync.journal_path}


def journal_figures_in_child(journal_path: str, workdir: str, env: Dict[str, str]) -> Dict[str, Any]:
    """journal_figures() in a process of its own (see seed_journal_in_child)."""
    code = ("import json, sys, os; from bench.memory_bench import journal_figures; "
            "print(json.dumps(journal_figures(sys.argv[1], sys.argv[2], dict(os.environ))))")
    run = run_process([sys.executable, "-c", code, journal_path, workdir], env)
    if run.returncode != 0:
        return {"error": run.stderr[-500:]}
    return json.loads(run.stdout.strip().splitlines()[-1])


def journal_figures(journal_path: str, workdir: str, env: Dict[str, str]) -> Dict[str, Any]:
    """Load time, lookup cost and size on disk of our journal and of the same
    entries in sqlite3 (WAL), each probed in a fresh process."""
    from bulk_clone_engine.journal import Journal

    db_path = os.path.join(workdir, "journal-alternative.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db_path + suffix):
            os.unlink(db_path + suffix)
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE repos (key TEXT PRIMARY KEY, path TEXT, marker TEXT, head TEXT, strategy TEXT, "
               "outcome TEXT, full_path TEXT, ts TEXT) WITHOUT ROWID")
    with Journal.open(journal_path, readonly=True) as journal:
        rows = ((k, e.path, e.marker, e.head, e.strategy, e.outcome, e.full_path, e.ts) for k, e in journal.items())
        db.execute("BEGIN")
        db.executemany("INSERT INTO repos VALUES (?,?,?,?,?,?,?,?)", rows)
        db.execute("COMMIT")
    # What one record() costs in each: an append of one line, a committed row
    # (synchronous=NORMAL: in WAL mode a commit survives a crash of the process,
    # as an appended line does; neither waits for the disk).
    db.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    for index in range(2000):
        db.execute("INSERT OR REPLACE INTO repos VALUES (?,?,?,?,?,?,?,?)",
                   ("bench:probe:%d" % index, "p", "m", "h", "pull", "cloned", "p", "t"))
    sqlite_record_us = (time.perf_counter() - started) / 2000 * 1e6
    db.execute("DELETE FROM repos WHERE key LIKE 'bench:probe:%'")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    probe_journal = os.path.join(workdir, "journal-probe.jsonl")
    shutil.copyfile(journal_path, probe_journal)
    with Journal.open(probe_journal) as journal:
        started = time.perf_counter()
        for index in range(2000):
            journal.record("bench:probe:%d" % index, path="p", marker="m", head="h", strategy="pull",
                           outcome="cloned", full_path="p")
        jsonl_record_us = (time.perf_counter() - started) / 2000 * 1e6
    os.unlink(probe_journal)
    out: Dict[str, Any] = {}
    for name, code, path in (("journal (JSON lines)", _JOURNAL_PROBE, journal_path),
                             ("sqlite3 (WAL)", _SQLITE_PROBE, db_path)):
        run = run_process([sys.executable, "-c", code, path], env)
        try:
            figures = json.loads(run.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            figures = {"error": (run.stderr or run.stdout)[-300:]}
        figures["bytes_on_disk"] = os.path.getsize(path)
        figures["record_us"] = round(jsonl_record_us if path == journal_path else sqlite_record_us, 1)
        out[name] = figures
    return out


def _remove(path: str) -> None:
    """rm -rf in a child: shutil.rmtree of 100,000 folders lists them all in this
    process, and its peak would show in every door measured after it."""
    subprocess.run(["rm", "-rf", "--", path], check=False)


def run(forge: Any, workdir: str, token: str, sizes: List[int], clone_limit: int = 1000,
        baseline_root: Optional[str] = None, log: Callable[[str], None] = print,
        doors: Sequence[str] = DOORS) -> Dict[str, Any]:
    """Every door, mode and size; returns the rows and the journal figures."""
    env = hermetic_env({"BULK_CLONE_TOKEN": token})
    rows: List[Dict[str, Any]] = []
    roots = [("ours", REPO_ROOT)] + ([("baseline", os.path.abspath(baseline_root))] if baseline_root else [])
    journal = None
    for size in sizes:
        owner = owner_for(size)
        for code, code_root in roots:
            for door in (doors if code == "ours" else ("module",)):
                tag = "%s %s" % (door, "" if code == "ours" else "(baseline)")
                dest = os.path.join(workdir, "mem-%s-%s-%d" % (code, door, size))
                _remove(dest)
                os.makedirs(dest)

                def measure(mode: str, check: bool, where: str = dest) -> None:
                    # Every run lists the owner: 1,000 requests at 100,000 repos. The forge's
                    # budget (5,000 an hour, as GitHub's) would make later runs wait for it.
                    forge.reset_rate_limits()
                    log("memory %d %s, %s ..." % (size, tag.strip(), mode))
                    row = run_door(door, forge.github_api, owner, where, check, env, workdir, code_root)
                    row.update(size=size, door=door, code=code, mode=mode)
                    rows.append(row)
                    failed = " - FAILED " + row["error"] if row["error"] else ""
                    log("memory %d %s, %s: %.1f MB, %.1f s %s%s" % (size, tag.strip(), mode, row["rss_mb"],
                                                                    row["seconds"], row["counts"] or "", failed))

                measure(MODES[0], True)
                forge.reset_rate_limits()
                seeded = seed_journal_in_child(forge.github_api, owner, dest, _door_env(env, REPO_ROOT, workdir))
                measure(MODES[1], True)
                measure(MODES[2], False)
                if code == "ours" and door == doors[0] and size == max(sizes):
                    journal = dict(journal_figures_in_child(seeded["journal"], workdir,
                                                            _door_env(env, REPO_ROOT, workdir)), size=size)
                _remove(dest)
                if size <= clone_limit:
                    fresh = dest + "-clone"
                    _remove(fresh)
                    os.makedirs(fresh)
                    measure(MODES[3], False, fresh)
                    _remove(fresh)
    return {"sizes": list(sizes), "rows": rows, "journal": journal, "clone_limit": clone_limit}


# -- report -------------------------------------------------------------------------------------

def _rss(rows: List[Dict[str, Any]], code: str, door: str, mode: str, size: int) -> Optional[float]:
    for r in rows:
        if (r["code"], r["door"], r["mode"], r["size"]) == (code, door, mode, size) and not r["error"]:
            return r["rss_mb"]
    return None


def section(result: Dict[str, Any]) -> str:
    rows, sizes = result["rows"], result["sizes"]
    big, base = max(sizes), (10000 if 10000 in sizes and max(sizes) > 10000 else min(sizes))
    body = []
    for code in ("ours", "baseline"):
        for door in DOORS:
            for mode in MODES:
                figures = [_rss(rows, code, door, mode, s) for s in sizes]
                if all(f is None for f in figures):
                    continue
                b, g = _rss(rows, code, door, mode, base), _rss(rows, code, door, mode, big)
                ratio = None if b is None or g is None else g / b
                body.append([door + ("" if code == "ours" else " (baseline)"), mode] + figures +
                            [None if ratio is None else "%.3fx" % ratio])
    text = table(["door", "mode"] + ["%s repos MB" % "{:,}".format(s) for s in sizes] +
                 ["%s / %s" % ("{:,}".format(big), "{:,}".format(base))], body)
    lines = ["MEMORY (issue 13 point 2): peak RSS per door with default options; bound %.0f MB at %s repos and "
             "<= %.1fx the %s figure" % (RSS_LIMIT_MB, "{:,}".format(big), RSS_GROWTH_LIMIT, "{:,}".format(base)),
             text]
    errors = ["  %s %s %d: %s" % (r["door"], r["mode"], r["size"], r["error"]) for r in rows if r["error"]]
    lines += errors
    journal = result.get("journal")
    if journal:
        body = [[name, f.get("entries"), f.get("load_seconds"), f.get("lookup_us"), f.get("record_us"),
                 round(f.get("bytes_on_disk", 0) / 1e6, 1), f.get("rss_growth_mb"), f.get("error", "")]
                for name, f in journal.items() if isinstance(f, dict)]
        lines.append("JOURNAL at %s repos (each probed in a fresh process; the sqlite3 row is the alternative weighed)"
                     % "{:,}".format(journal["size"]))
        lines.append(table(["storage", "entries", "load s", "lookup us", "record us", "MB on disk",
                            "RSS held MB", "error"], body))
    return "\n".join(lines)


def targets(result: Dict[str, Any]) -> List[Target]:
    rows, sizes = result["rows"], result["sizes"]
    big, base = max(sizes), (10000 if 10000 in sizes and max(sizes) > 10000 else min(sizes))
    out = []
    for door in DOORS:
        for mode in MODES[:3]:
            g, b = _rss(rows, "ours", door, mode, big), _rss(rows, "ours", door, mode, base)
            out.append(Target("%s %s: peak RSS at %s" % (door, mode, "{:,}".format(big)), "<= %.0f MB" % RSS_LIMIT_MB,
                              "-" if g is None else "%.1f MB" % g, _status(None if g is None else g <= RSS_LIMIT_MB)))
            ratio = None if g is None or b is None else g / b
            out.append(Target("%s %s: RSS %s / %s" % (door, mode, "{:,}".format(big), "{:,}".format(base)),
                              "<= %.1fx" % RSS_GROWTH_LIMIT, "-" if ratio is None else "%.3fx" % ratio,
                              _status(None if ratio is None else ratio <= RSS_GROWTH_LIMIT)))
    journal = (result.get("journal") or {}).get("journal (JSON lines)") or {}
    load = journal.get("load_seconds")
    out.append(Target("journal load at %s" % "{:,}".format(big), "<= %.1f s" % JOURNAL_LOAD_LIMIT_S,
                      "-" if load is None else "%.3f s (%.1f MB on disk)" % (load, journal["bytes_on_disk"] / 1e6),
                      NA if load is None else _status(load <= JOURNAL_LOAD_LIMIT_S)))
    return out


def run_standalone(workdir: str, sizes: List[int], clone_limit: int = 1000, baseline_root: Optional[str] = None,
                   log: Callable[[str], None] = print, doors: Sequence[str] = DOORS) -> Dict[str, Any]:
    """run() against a forge of its own (owners mem-N), started and stopped here."""
    from tests.forge import ForgeProcess

    where = os.path.join(workdir, "memory")
    os.makedirs(where, exist_ok=True)
    forge = ForgeProcess(specs=["github:%s:%d" % (owner_for(s), s) for s in sizes], root=os.path.join(where, "forge"))
    try:
        forge.start()
        return run(forge, where, forge.token, sizes, clone_limit, baseline_root, log=log, doors=doors)
    finally:
        forge.stop()
        _remove(where)


def main(argv: Optional[List[str]] = None) -> int:
    """`python -m bench.memory_bench [--sizes 1000,10000,100000] [--baseline-root DIR]`: this part alone."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.memory_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES))
    parser.add_argument("--clone-limit", type=int, default=1000)
    parser.add_argument("--baseline-root", default=None)
    parser.add_argument("--doors", default=",".join(DOORS), help="module,console (default both)")
    parser.add_argument("--results", default=None, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    workdir = tempfile.mkdtemp(prefix="bulk-clone-memory-")
    try:
        result = run_standalone(workdir, sizes, args.clone_limit, args.baseline_root,
                                log=lambda m: sys.stderr.write("[memory] %s\n" % m),
                                doors=[d for d in args.doors.split(",") if d in DOORS])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(section(result))
    print("\n".join("%-60s %-10s %-30s %s" % (t.name, t.target, t.measured, t.status) for t in targets(result)))
    if args.results:
        with open(args.results, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
