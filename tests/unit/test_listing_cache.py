# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The listing cache is only a cache: what does not read is ignored, never trusted."""

from __future__ import annotations

from bulk_clone_engine.listing_cache import ListingCache, OwnerState, repos_to_rows, request_key, rows_to_repos
from bulk_clone_engine.repo import Repo

REPO = Repo(provider="github", host="h", owner="o", name="n", full_path="o/n", id=7, clone_url="u",
            topics=("a", "b"), marker="2026-01-01T00:00:00Z")


def test_pages_round_trip_and_survive_a_restart(tmp_path):
    cache = ListingCache(str(tmp_path / "c"))
    key = request_key("GET", "/orgs/o/repos", {"page": 2, "per_page": 100})
    cache.store(key, 'W/"x"', repos_to_rows([REPO]))
    cache.set_owner("github o", OwnerState(count=3, full_at=1.0, listed_at=2.0, clean=True, gone=True))
    cache.save()
    again = ListingCache(str(tmp_path / "c"))
    assert again.etag(key) == 'W/"x"'
    assert rows_to_repos(again.load(key)) == [REPO]
    assert again.owner("github o") == OwnerState(count=3, full_at=1.0, listed_at=2.0, clean=True, gone=True)


def test_a_broken_index_or_page_or_other_fields_cost_a_full_answer(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "index.json").write_text("{not json")
    cache = ListingCache(str(folder))
    assert cache.etag("anything") is None and cache.owner("x") == OwnerState()
    cache.store("k", 'W/"e"', {"fields": ["id"], "rows": [[1]]})
    assert rows_to_repos(cache.load("k")) is None                 # written by another version
    for name in folder.iterdir():
        if name.name != "index.json":
            name.write_text("{torn")
    assert cache.load("k") is None


def test_a_full_listing_drops_answers_it_did_not_use(tmp_path):
    cache = ListingCache(str(tmp_path / "c"))
    cache.store("old", 'W/"1"', {"v": 1})
    cache.save()
    fresh = ListingCache(str(tmp_path / "c"))
    fresh.store("new", 'W/"2"', {"v": 2})
    fresh.forget_untouched()
    assert fresh.etag("old") is None and fresh.etag("new") == 'W/"2"'


def test_the_selection_key_moves_with_owners_and_filters_but_not_with_the_clock():
    """A run whose selection differs from the last one's lists in full (listing.py, _plan): only a
    full listing tells which clones are not selected any more, to keep and report them."""
    from bulk_clone_engine.config import OwnerRef
    from bulk_clone_engine.listing import selection_key
    from bulk_clone_engine.selection import compile_selection

    acme = (OwnerRef("acme"),)
    base = selection_key(compile_selection(now=1000.0, include=["api"], pushed_within="30d"), acme)
    assert base == selection_key(compile_selection(now=2000.0, include=["api"], pushed_within="30d"), acme)
    assert base != selection_key(compile_selection(now=1000.0, include=["apo"], pushed_within="30d"), acme)
    assert base != selection_key(compile_selection(now=1000.0, include=["api"], pushed_within="31d"), acme)
    assert base != selection_key(compile_selection(now=1000.0, include=["api"], pushed_within="30d", shard="1/2"), acme)
    assert base != selection_key(compile_selection(now=1000.0, include=["api"], pushed_within="30d"),
                                 acme + (OwnerRef("beta"),))
