# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The measured programs: `python -m bench.client '<job as JSON>'`.

Each run is one process doing one job, so its peak RSS (ru_maxrss of
RUSAGE_SELF: this process alone, not the git processes it starts) is the
job's own. The last line on stdout is one JSON object with the result.
The token comes from BULK_CLONE_TOKEN, never argv, as the product asks of
itself.

Jobs (field "kind"):
    listing     our streaming listing of one owner (api rest|graphql); repos are
                consumed one by one and dropped, as bulk_clone consumes them
    naive       PyGithub's `list(org.get_repos())`: everything held at once, the
                way most scripts do it; the baseline for memory
    bulk_clone  our whole job (bulk_clone_engine.engine.bulk_clone) into dest
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from typing import Any, Dict

TOKEN_ENV = "BULK_CLONE_TOKEN"


def peak_rss_kb() -> int:
    # Linux reports ru_maxrss in KiB.
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def run_listing(job: Dict[str, Any]) -> Dict[str, Any]:
    from bulk_clone_engine.job import build_job
    from bulk_clone_engine.listing import make_listing
    from bulk_clone_engine.providers import github as _github  # noqa: F401  (import cost before the baseline)
    values = dict(provider=job.get("provider", "github"), api_url=job["api_url"], api=job.get("api", "rest"),
                  owners=[job["owner"]], owner_kind=job.get("owner_kind", "org"))
    rss_before = peak_rss_kb()
    started = time.monotonic()
    spec = build_job(values, "org_repos")
    listing = make_listing(spec.forge, spec.owners, spec.selection)
    listed = 0
    for _repo in listing:
        listed += 1
    seconds = time.monotonic() - started
    stats = listing.stats()
    return {"listed": stats["listed"], "selected": listed, "stats": stats, "seconds": seconds,
            "rss_before_kb": rss_before}


def run_naive(job: Dict[str, Any]) -> Dict[str, Any]:
    import github
    gh = github.Github(base_url=job["api_url"], auth=github.Auth.Token(os.environ[TOKEN_ENV]),
                       per_page=100, retry=None)
    rss_before = peak_rss_kb()
    started = time.monotonic()
    repos = list(gh.get_organization(job["owner"]).get_repos())
    seconds = time.monotonic() - started
    # The list is still alive here: that is the point of the baseline.
    return {"listed": len(repos), "selected": len(repos), "seconds": seconds, "rss_before_kb": rss_before}


def run_bulk_clone(job: Dict[str, Any]) -> Dict[str, Any]:
    from bulk_clone_engine.job import build_job, result_of, run_job
    from bulk_clone_engine.providers import github as _github  # noqa: F401
    values = dict(provider=job.get("provider", "github"), api_url=job["api_url"], api=job.get("api", "rest"),
                  owners=[job["owner"]], owner_kind=job.get("owner_kind", "org"), dest=job["dest"],
                  concurrency=job.get("concurrency", 8), strategy=job.get("strategy", "pull"),
                  return_repos="none", max_failures=-1)
    rss_before = peak_rss_kb()
    started = time.monotonic()
    spec = build_job(values)
    result = result_of(run_job(spec), spec)
    seconds = time.monotonic() - started
    return {"counts": result["counts"], "changed": result["changed"], "seconds": seconds,
            "engine_duration": result["duration"], "failures": result["failures"][:5],
            "stats": result["stats"], "rss_before_kb": rss_before}


JOBS = {"listing": run_listing, "naive": run_naive, "bulk_clone": run_bulk_clone}


def main(argv: Any = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    job = json.loads(argv[0])
    out = JOBS[job["kind"]](job)
    out["rss_kb"] = peak_rss_kb()
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["cpu_self"] = round(own.ru_utime + own.ru_stime, 3)          # this Python process
    out["cpu_children"] = round(kids.ru_utime + kids.ru_stime, 3)    # the git processes it ran
    sys.stdout.write(json.dumps(out, default=str) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
