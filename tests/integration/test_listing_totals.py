# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 12 point 7: each owner's repository total is known before the
listing, at the cost of the one request that finds the owner, on every
forge; the listing that follows reuses what was opened (no request twice).
"""

from __future__ import annotations

import pytest

from listing_support import kwargs_for, open_listing  # noqa: E402

FAST = dict(max_wait=30, secondary_min_wait=0.05, max_tries=3, retry_base=0.01)

CASES = [
    ("github", "acme", "org", "github", "api:github:rest"),
    ("graphql", "acme", "org", "github", "api:github:graphql"),
    ("gitlab", "platform", "group", "gitlab", "api:gitlab"),
    ("gitea", "tools", "org", "gitea", "api:gitea"),
    ("github", "empty-org", "org", "github", "api:github:rest"),
]


@pytest.mark.parametrize("flavour,owner,kind,service,counter", CASES, ids=["-".join(c[:2]) for c in CASES])
def test_the_total_comes_with_the_request_that_finds_the_owner(forge, flavour, owner, kind, service, counter):
    truth = forge.repos(service, owner)
    listing = open_listing(kwargs_for(forge, flavour, FAST), [owner], kind, {})
    forge.reset_counters()
    assert listing.open_owners() == len(truth)
    opened = forge.counters().get(counter, 0)
    assert opened <= 2            # Gitea also asks /settings/api for its page cap later, never here
    assert opened >= 1
    list(listing)
    assert listing.counts.listed == len(truth)        # selected or not, every repo came
    # Iterating spent only the listing's pages: nothing of the opening was asked again.
    assert listing.stats()["requests"] == forge.counters().get(counter, 0)
    assert listing.stats()["bytes_listed"] > 0 or not truth


def test_bitbucket_size_is_the_total(fresh_forge):
    forge = fresh_forge(["bitbucket:acme:130"])
    kwargs = dict(provider="bitbucket", api_url=forge.bitbucket_api, token="forge-token", **FAST)
    listing = open_listing(kwargs, ["acme"], None, {})
    assert listing.open_owners() == 130
    assert forge.counters().get("api:bitbucket:list", 0) == 1     # the first page, kept for the listing
    assert len(list(listing)) == 130
    assert forge.counters().get("api:bitbucket:list", 0) == listing.stats()["pages"]
    assert listing.stats()["bytes_listed"] > 0


def test_a_shard_expects_its_share(forge):
    listing = open_listing(kwargs_for(forge, "github", FAST), ["acme"], "org", {"shard": "1/4"})
    assert listing.open_owners() == -(-len(forge.repos("github", "acme")) // 4)


@pytest.mark.parametrize("flavour,owner,kind,service", [("github", "acme", "org", "github"),
                                                        ("gitlab", "platform", "group", "gitlab"),
                                                        ("gitea", "tools", "org", "gitea")])
def test_a_first_listing_into_a_dest_reads_pages_at_once_in_page_order(forge, tmp_path, flavour, owner, kind, service):
    """Issue 13 point 3: with the total known, pages are read several at a time (PagesAtOnce) and come out
    in the order the one-at-a-time walk gives; the run is not taken as full (no prune after it)."""
    from bulk_clone_engine.listing_cache import ListingCache
    small = dict(FAST, per_page=10)
    sequential = open_listing(kwargs_for(forge, flavour, small), [owner], kind, {})
    walked = [r.id for r in sequential]
    at_once = open_listing(kwargs_for(forge, flavour, small), [owner], kind, {})
    at_once.use_cache(ListingCache(str(tmp_path / "cache")), 86400.0)
    read = [r.id for r in at_once]
    assert read == walked and at_once.counts.listed == len(forge.repos(service, owner))
    assert set(at_once.modes.values()) == {"first"} and not at_once.full
    assert at_once.stats()["pages_at_once"] > 1 and sequential.stats()["pages_at_once"] == 0


def test_the_module_progress_file_has_the_total_before_the_listing_ends(fresh_forge, hermetic_git, tmp_path):
    """Issue 12 point 7 at the module's door (progress_file): every listing page is held back a
    second, and the first progress file already carries the forge's count as its total."""
    import json
    import threading
    from bulk_clone_support import FAST_GIT, forge_kwargs
    from bulk_clone_engine import job

    forge = fresh_forge(["github:acme:250"])
    total = len(forge.repos("github", "acme"))
    forge.inject({"kind": "slow", "service": "github", "path": r"/orgs/acme/repos", "seconds": 1, "times": -1})
    progress = tmp_path / "progress.json"
    values = dict(forge_kwargs(forge), owners=["acme"], dest=str(tmp_path / "src"), progress_file=str(progress),
                  per_page=100, **FAST_GIT)
    done = threading.Event()
    runner = threading.Thread(target=lambda: (job.run_job(job.build_job(values, check_mode=True, environ={})),
                                              done.set()))
    runner.start()
    first = None
    try:
        while first is None and not done.is_set():
            if progress.exists():
                first = json.loads(progress.read_text())
            done.wait(0.02)
    finally:
        runner.join(120)
    assert first is not None, "no progress file while the listing was held back"
    assert first["expected"] == total and first["total"] == total, first
    assert first["done"] < total, first                         # written before the listing ended
