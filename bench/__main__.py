# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`python -m bench` (what `make bench` runs). See bench/__init__.py.

Default sizes are the issues' own: listing 1,000 and 10,000 repos, first
clone of 1,000, and the sync suite (resume, no-change re-sync, fetch
baseline, pushes) over 10,000 real clones. On the 2-core machine this was
written on the whole run took 13 minutes (quiet machine), most of it the
10,000 clones and the 10,000 fetches of the baseline. --quick shrinks every
size tenfold; the sizes used are always printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from . import clone_bench, journal_timing, listing_bench, memory_bench, report, scenarios
from .measure import REPO_ROOT, hermetic_env

DEFAULT_RESULTS = os.path.join(REPO_ROOT, "bench", "results", "latest.json")


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listing-sizes", default="1000,10000", help="org sizes to list (default 1000,10000)")
    parser.add_argument("--apis", default="rest,graphql", help="listing APIs (default rest,graphql)")
    parser.add_argument("--clone-size", type=int, default=1000, help="first clone vs xargs (default 1000)")
    parser.add_argument("--clone-rounds", type=int, default=2,
                        help="alternate bulk_clone and xargs this many times each (default 2)")
    parser.add_argument("--sync-size", type=int, default=10000,
                        help="resume / re-sync / fetch / pushes suite (default 10000)")
    parser.add_argument("--journal-size", type=int, default=10000,
                        help="entries of the journal whose load is timed (default 10000)")
    parser.add_argument("--pushes", type=int, default=10, help="pushes before the last re-sync (default 10)")
    parser.add_argument("--concurrency", type=int, default=8, help="C for bulk_clone and xargs -P (default 8)")
    parser.add_argument("--quick", action="store_true", help="sizes / 10: listing 100,1000; clone 100; sync 1000")
    parser.add_argument("--memory-sizes", default="1000,10000,100000",
                        help="peak RSS of the doors at these sizes (default 1000,10000,100000; bench/memory_bench.py)")
    parser.add_argument("--skip", default="", help="comma list of listing,resync,clone,sync,journal,memory to leave out")
    parser.add_argument("--no-naive", action="store_true", help="leave out the naive PyGithub baseline")
    parser.add_argument("--results", default=DEFAULT_RESULTS, help="where to write the JSON (default %(default)s)")
    parser.add_argument("--workdir", default=None, help="scratch folder (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (clones, forge)")
    args = parser.parse_args(argv)
    if args.quick:
        args.listing_sizes, args.clone_size, args.sync_size, args.journal_size = "100,1000", 100, 1000, 1000
        args.memory_sizes = "100,1000,10000"
    args.listing = sorted({int(s) for s in args.listing_sizes.split(",") if s.strip()})
    args.api_list = [a.strip() for a in args.apis.split(",") if a.strip()]
    args.skipped = {s.strip() for s in args.skip.split(",") if s.strip()}
    args.memory = sorted({int(s) for s in args.memory_sizes.split(",") if s.strip()})
    return args


def _machine() -> Dict[str, Any]:
    git = subprocess.run(["git", "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "git": git,
            "platform": platform.platform(), "load_at_start": _load()}


def _load() -> Optional[float]:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _cpu_seconds() -> Optional[Dict[str, float]]:
    """CPU time the whole machine spent busy (/proc/stat) and the part spent by
    this process and every child it has reaped (the forge, each client, their
    git processes): the difference is other people's work."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    ticks = float(os.sysconf("SC_CLK_TCK"))
    busy = sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)   # all but idle and iowait
    t = os.times()
    return {"machine": busy / ticks, "ours": t.user + t.system + t.children_user + t.children_system}


def _others_share(before: Optional[Dict[str, float]], after: Optional[Dict[str, float]],
                  wall: float) -> Optional[float]:
    if not before or not after or wall <= 0:
        return None
    others = (after["machine"] - before["machine"]) - (after["ours"] - before["ours"])
    return max(0.0, others) / (wall * (os.cpu_count() or 1))


def _busy_warning(share: Optional[float]) -> str:
    """Timings mean little on a machine busy with something else: say so."""
    if share is None or share < 0.15:
        return ""
    return ("WARNING: other work used %.0f%% of this machine's CPU time during the run: wall times and "
            "their ratios are unreliable; run again on a quiet machine.\n" % (100 * share))


def run(args: argparse.Namespace, out=sys.stdout) -> Dict[str, Any]:
    """The whole bench; returns what latest.json holds."""
    from tests.forge import ForgeProcess

    began = time.monotonic()
    cpu_before = _cpu_seconds()

    def log(message: str) -> None:
        sys.stderr.write("[bench %6.1fs] %s\n" % (time.monotonic() - began, message))
        sys.stderr.flush()

    sizes = scenarios.unique(
        (args.listing if "listing" not in args.skipped else []) +
        ([args.clone_size] if "clone" not in args.skipped else []) +
        ([args.sync_size] if "sync" not in args.skipped else []))
    workdir = args.workdir or tempfile.mkdtemp(prefix="bulk-clone-bench-")
    os.makedirs(workdir, exist_ok=True)
    owners = {size: scenarios.owner_for(size) for size in sizes}
    specs = ["github:%s:%d" % (owners[s], s) for s in sizes]
    data: Dict[str, Any] = {
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": _machine(),
        "sizes": {"listing": args.listing, "clone": args.clone_size, "sync": args.sync_size,
                  "pushes": args.pushes, "concurrency": args.concurrency},
        "skipped": sorted(args.skipped),
    }
    out.write("bulk_clone bench - sizes used: listing %s repos (%s%s); first clone %d; sync suite %d; "
              "concurrency %d\n" % (", ".join(str(s) for s in args.listing), "/".join(args.api_list),
                                    "" if args.no_naive else " + naive PyGithub", args.clone_size,
                                    args.sync_size, args.concurrency))
    out.write("machine: %(cpus)s CPUs, Python %(python)s, %(git)s, load average %(load_at_start)s\n\n"
              % data["machine"])
    out.flush()
    log("starting the forge (%s) in %s" % (", ".join(specs), workdir))
    forge = ForgeProcess(specs=specs, root=os.path.join(workdir, "forge"))
    listing_rows = clone = sync = memory = None
    try:
        forge.start()
        data["forge_build_seconds"] = forge._info.get("build_seconds")
        env = hermetic_env({"BULK_CLONE_TOKEN": forge.token})
        ctx = scenarios.Context(forge=forge, workdir=workdir, concurrency=args.concurrency, env=env, log=log,
                                owners=owners)
        if "listing" not in args.skipped:
            listing_rows = scenarios.listing(ctx, args.listing, args.api_list, naive=not args.no_naive)
            data["listing"] = listing_rows
            data["listing_rss_growth"] = [g for g in (report.rss_growth(listing_rows, c) for c in
                                                      ("ours rest", "ours graphql", "naive PyGithub list()"))
                                          if g]
            out.write(report.listing_section(listing_rows) + "\n")
            for g in data["listing_rss_growth"]:
                out.write("  %s: peak RSS %d -> %d repos: %.1f -> %.1f MB = %.3fx\n" % (
                    g["client"], g["small"], g["big"], g["rss_small"], g["rss_big"], g["ratio"]))
            out.write("\n")
            out.flush()
        if "listing" not in args.skipped and "resync" not in args.skipped:
            data["listing_resync"] = listing_bench.section(forge, forge.token, args.listing, owners, workdir, log)
            out.write(listing_bench.render(data["listing_resync"]) + "\n\n")
            out.flush()
        if "clone" not in args.skipped:
            clone = scenarios.timed(scenarios.first_clone, ctx, args.clone_size, rounds=args.clone_rounds)
            data["first_clone"] = clone
            out.write(report.clone_section(clone) + "\n\n")
            out.write(clone_bench.section(clone) + "\n\n")
            out.flush()
            if not args.keep:
                for index in range(args.clone_rounds):
                    for name in ("clone-ours-%d" % index, "clone-xargs-%d" % index):
                        shutil.rmtree(os.path.join(workdir, name), ignore_errors=True)
        if "sync" not in args.skipped:
            sync = scenarios.timed(scenarios.sync_suite, ctx, args.sync_size, args.pushes)
            data["sync"] = sync
            out.write(report.sync_section(sync) + "\n\n")
            out.flush()
    finally:
        forge.stop()
    try:
        if "memory" not in args.skipped:
            memory = memory_bench.run_standalone(workdir, args.memory, log=log)
            data["memory"] = memory
            out.write(memory_bench.section(memory) + "\n\n")
            out.flush()
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    if "journal" not in args.skipped:
        log("journal load and record costs (%d entries)" % args.journal_size)
        data["journal"] = journal_timing.measure(entries=args.journal_size)
        out.write(journal_timing.section(data["journal"]) + "\n\n")
        out.flush()
    data["total_seconds"] = round(time.monotonic() - began, 1)
    share = _others_share(cpu_before, _cpu_seconds(), data["total_seconds"])
    data["machine"]["cpu_share_of_other_work"] = None if share is None else round(share, 3)
    items = report.targets(listing_rows, clone, sync)
    items += (clone_bench.targets(clone) if clone else []) + (memory_bench.targets(memory) if memory else [])
    out.write(report.summary_section(items) + "\n")
    out.write(_busy_warning(share))
    out.write("total %.0f s; results in %s\n" % (data["total_seconds"], args.results))
    out.flush()
    report.write_json(args.results, data, items)
    data["summary"] = [t.__dict__ for t in items]
    return data


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if REPO_ROOT not in sys.path:
        sys.path.insert(0, REPO_ROOT)
    data = run(args)
    # A benchmark reports; a MISS is a result, not an error. It exits non-zero
    # only when something could not be measured (a client failed).
    return 1 if any(t["status"] == report.NA for t in data["summary"]) else 0


if __name__ == "__main__":
    sys.exit(main())
