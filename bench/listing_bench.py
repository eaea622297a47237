# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 13 points 1 and 3: the listing side of a re-sync, and a first listing.

`python -m bench.listing_bench [--sizes 1000,10000,100000]`, or a part of
`python -m bench` (which calls ``section``).

Rows, for each size N of one GitHub org on the local forge:
- first listing, one page at a time (what org_repos and every earlier
  version do) against pages read at once (an owner's first listing into a
  dest, docs/architecture.md "Listing pages at once"): wall time and the ratio;
- no-op re-sync: the listing of a re-sync when nothing changed, before
  (a full listing, ceil(N/100) + 1 requests, all charged) and now
  (conditional, changed-first): API requests, rate budget spent (read from
  the forge's GET /rate_limit, which is free), 304s and wall time.

Only the listing is run here (no git): cloning 100,000 repositories to then
re-sync them is out of a bench run's reach. That a no-change re-sync runs no
git at all is proven by tests/integration/test_conditional_listing.py; the
whole job's no-change re-sync time is the sync suite's row.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from typing import Any, Callable, Dict, List, Optional

DEFAULT_SIZES = "1000,10000,100000"
RTT = 0.05          # seconds a listing page spends on the network in the round-trip rows


def _listing(api_url: str, owner: str, token: str, cache_dir: Optional[str]):
    from bulk_clone_engine.job import build_job
    from bulk_clone_engine.listing import make_listing
    from bulk_clone_engine.listing_cache import ListingCache
    spec = build_job(dict(provider="github", api_url=api_url, owners=[owner], owner_kind="org", token=token),
                     "org_repos", environ={})
    listing = make_listing(spec.forge, spec.owners, spec.selection)
    if cache_dir is not None:
        listing.use_cache(ListingCache(cache_dir), 86400.0)
    return listing


def _remaining(api_url: str, token: str) -> int:
    request = urllib.request.Request(api_url + "/rate_limit", headers={"Authorization": "token " + token})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return int(json.load(answer)["resources"]["core"]["remaining"])


def _run(forge: Any, owner: str, token: str, cache_dir: Optional[str], finish: bool) -> Dict[str, Any]:
    """One listing of owner, to the end: seconds, requests, 304s, budget, the mode taken."""
    before = _remaining(forge.github_api, token)
    forge.reset_counters()
    started = time.monotonic()
    listing = _listing(forge.github_api, owner, token, cache_dir)
    listing.open_owners()
    listed = sum(1 for _repo in listing)
    seconds = time.monotonic() - started
    if finish:
        listing.finish(clean=True)
    counters = forge.counters()
    stats = listing.stats()
    return {"seconds": round(seconds, 3), "listed": stats["listed"], "selected": listed,
            "requests": counters.get("api:github:rest", 0), "not_modified": counters.get("status:304", 0),
            "budget": before - _remaining(forge.github_api, token),
            "modes": sorted(set(stats.get("listing_modes", {}).values())) or ["no cache"]}


def section(forge: Any, token: str, sizes: List[int], owners: Dict[int, str], workdir: str,
            log: Callable[[str], None] = print) -> Dict[str, Any]:
    """Measure every row; returns what latest.json keeps under "listing_resync"."""
    forge.set_rate_limit("github", limit=10 ** 7)          # the measure is the cost, not the waiting
    rows = []
    # Warm up (imports, the forge's caches) so the first measured row does not pay for them.
    _run(forge, owners[sizes[0]], token, None, finish=False)
    for size in sizes:
        owner = owners[size]
        cache = os.path.join(workdir, "listing-cache-%d" % size)
        shutil.rmtree(cache, ignore_errors=True)
        log("listing %d: one page at a time ..." % size)
        sequential = _run(forge, owner, token, None, finish=False)
        log("listing %d: pages at once (first listing into a dest) ..." % size)
        at_once = _run(forge, owner, token, cache, finish=True)
        log("listing %d: no-op re-sync ..." % size)
        resync = _run(forge, owner, token, cache, finish=True)
        rows.append({"size": size, "expected_full_requests": math.ceil(size / 100) + 1,
                     "sequential": sequential, "at_once": at_once, "resync": resync})
        shutil.rmtree(cache, ignore_errors=True)
    # The same first listings with a network's round trip: the local forge answers a page in a few
    # milliseconds of its own CPU, which on 2 cores is the whole cost, so reading pages at once has
    # nothing to overlap; a real forge's page costs a round trip and the forge's time, which pages
    # read at once do overlap. The forge's "slow" fault holds every listing page for RTT seconds.
    rtt_rows = []
    for size in sizes:
        owner = owners[size]
        cache = os.path.join(workdir, "listing-cache-rtt-%d" % size)
        shutil.rmtree(cache, ignore_errors=True)
        forge.inject({"kind": "slow", "service": "github", "path": r"/orgs/%s/repos" % owner,
                      "seconds": RTT, "times": -1})
        try:
            log("listing %d with a %d ms round trip: one page at a time ..." % (size, RTT * 1000))
            sequential = _run(forge, owner, token, None, finish=False)
            log("listing %d with a %d ms round trip: pages at once ..." % (size, RTT * 1000))
            at_once = _run(forge, owner, token, cache, finish=False)
        finally:
            forge.clear_faults()
            shutil.rmtree(cache, ignore_errors=True)
        rtt_rows.append({"size": size, "rtt": RTT, "sequential": sequential, "at_once": at_once})
    forge.reset_rate_limits()                               # what follows gets the forge's usual budget
    return {"rows": rows, "rtt_rows": rtt_rows}


def render(data: Dict[str, Any]) -> str:
    lines = ["Listing (issue 13 points 1 and 3; the listing only, no git):",
             "  first listing of N repos: one page at a time vs pages at once (goal <= 0.5x)",
             "  %8s  %12s  %12s  %7s" % ("N", "sequential s", "at once s", "ratio")]
    for row in data["rows"]:
        seq, once = row["sequential"], row["at_once"]
        ratio = once["seconds"] / seq["seconds"] if seq["seconds"] else float("nan")
        lines.append("  %8d  %12.2f  %12.2f  %6.2fx" % (row["size"], seq["seconds"], once["seconds"], ratio))
    for row in data.get("rtt_rows") or []:
        seq, once = row["sequential"], row["at_once"]
        ratio = once["seconds"] / seq["seconds"] if seq["seconds"] else float("nan")
        lines.append("  %8d  %12.2f  %12.2f  %6.2fx  (each page %d ms on the network)" % (
            row["size"], seq["seconds"], once["seconds"], ratio, row["rtt"] * 1000))
    lines += ["  no-op re-sync listing: before (full, unconditional) vs now (conditional, changed-first);"
              " goal at 10,000: <= 3 requests, 0 budget",
              "  %8s  %17s  %17s  %13s  %s" % ("N", "requests bef/now", "budget bef/now", "seconds b/n", "304s")]
    for row in data["rows"]:
        seq, now = row["sequential"], row["resync"]
        lines.append("  %8d  %8d / %-6d  %8d / %-6d  %6.2f / %-5.2f  %d (%s)" % (
            row["size"], seq["requests"], now["requests"], seq["budget"], now["budget"], seq["seconds"],
            now["seconds"], now["not_modified"], ",".join(now["modes"])))
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.listing_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="org sizes (default %(default)s)")
    parser.add_argument("--results", default=None, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    from tests.forge import ForgeProcess
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    owners = {size: "bench-%d" % size for size in sizes}
    workdir = tempfile.mkdtemp(prefix="bulk-clone-listing-bench-")
    began = time.monotonic()

    def log(message: str) -> None:
        sys.stderr.write("[listing bench %6.1fs] %s\n" % (time.monotonic() - began, message))
        sys.stderr.flush()

    forge = ForgeProcess(specs=["github:%s:%d" % (owners[s], s) for s in sizes], root=os.path.join(workdir, "forge"))
    try:
        log("starting the forge")
        forge.start()
        data = section(forge, forge.token, sizes, owners, workdir, log)
    finally:
        forge.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(render(data))
    if args.results:
        with open(args.results, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
    return 0


if __name__ == "__main__":
    if os.path.dirname(os.path.dirname(os.path.abspath(__file__))) not in sys.path:
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main())
