# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The paginator: look-ahead, backpressure, de-duplication, errors, early stop."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from bulk_clone_engine.errors import ForgeError
from bulk_clone_engine.paginator import Page, Paginator


class Item:
    def __init__(self, id):
        self.id = id


class Pages:
    """A listing of `count` pages of `size` items; counts fetches."""

    def __init__(self, count=20, size=3, fail_at=None, overlap=0):
        self.count = count
        self.size = size
        self.fail_at = fail_at
        self.overlap = overlap
        self.fetched = 0
        self.changed = threading.Condition()

    def __call__(self, page):
        if page == self.fail_at:
            raise ConnectionError("page %d: connection reset" % page)
        start = (page - 1) * self.size - (self.overlap if page > 1 else 0)
        items = [Item(i) for i in range(start, page * self.size)]
        with self.changed:
            self.fetched += 1
            self.changed.notify_all()
        return Page(items, page + 1 if page < self.count else None, raw_bytes=100)

    def wait_for(self, n, timeout=5.0):
        with self.changed:
            return self.changed.wait_for(lambda: self.fetched >= n, timeout)


def test_yields_every_item_in_order_and_counts():
    pages = Pages(count=5, size=4)
    paginator = Paginator(pages, 1)
    assert [item.id for item in paginator] == list(range(20))
    assert (paginator.stats.pages, paginator.stats.items, paginator.stats.duplicates,
            paginator.stats.bytes) == (5, 20, 0, 500)
    assert not paginator.running


def test_nothing_is_fetched_before_the_first_item_is_asked_for():
    pages = Pages()
    paginator = Paginator(pages, 1)
    iterator = iter(paginator)
    assert pages.fetched == 0 and not paginator.running   # no fetching thread exists yet
    assert next(iterator).id == 0
    iterator.close()


@pytest.mark.parametrize("lookahead", [1, 3])
def test_slow_reader_holds_the_fetcher_at_most_lookahead_pages_ahead(lookahead):
    pages = Pages(count=30, size=2)
    paginator = Paginator(pages, 1, lookahead=lookahead)
    highest_lead = 0
    for n, item in enumerate(paginator):
        if n == 0:
            # The fetcher must reach the bound (look-ahead works) and stop
            # there (backpressure works): one page more would wake us at once.
            assert pages.wait_for(1 + lookahead)
            assert not pages.wait_for(2 + lookahead, timeout=0.2)
        lead = pages.fetched - paginator.stats.pages
        highest_lead = max(highest_lead, lead)
        assert lead <= lookahead, "fetched %d pages, read %d" % (pages.fetched, paginator.stats.pages)
        if n == 10:
            break
    assert highest_lead == lookahead


def test_duplicates_across_pages_are_dropped_and_counted():
    pages = Pages(count=4, size=5, overlap=2)   # each page repeats 2 items of the previous one
    paginator = Paginator(pages, 1)
    ids = [item.id for item in paginator]
    assert ids == list(range(20))
    assert paginator.stats.duplicates == 6
    assert paginator.stats.items == 20


def test_custom_key():
    def fetch(token):
        return Page([{"path": "a/x"}, {"path": "A/X".lower()}, {"path": "b/y"}], None)

    assert [d["path"] for d in Paginator(fetch, None, key=lambda d: d["path"])] == ["a/x", "b/y"]


def test_fetch_error_surfaces_after_the_items_of_earlier_pages():
    pages = Pages(count=10, size=3, fail_at=3)
    got = []
    with pytest.raises(ConnectionError, match="page 3: connection reset"):
        for item in Paginator(pages, 1):
            got.append(item.id)
    assert got == list(range(6))


def test_break_stops_the_fetch_thread():
    pages = Pages(count=10 ** 6, size=1)
    paginator = Paginator(pages, 1, lookahead=2)
    for item in paginator:
        if item.id == 3:
            break
    assert not paginator.running      # the for loop's generator closed it: nothing fetches any more
    assert pages.fetched <= 4 + 2 + 1


def test_close_on_the_stream_iterator_stops_fetching():
    pages = Pages(count=10 ** 6, size=1)
    iterator = iter(Paginator(pages, 1))
    assert next(iterator).id == 0
    iterator.close()
    fetched = pages.fetched
    assert not pages.wait_for(fetched + 1, timeout=0.2)   # a fetch after close would wake us at once
    with pytest.raises(StopIteration):
        next(iterator)


def test_close_during_a_slow_fetch_returns_and_the_thread_ends_after_it():
    release = threading.Event()
    started = threading.Event()
    fetched = []

    def fetch(page):
        fetched.append(page)
        if page == 2:
            started.set()
            release.wait(5)
        return Page([Item(page)], page + 1)

    paginator = Paginator(fetch, 1, join_timeout=0.05, name="slow")
    iterator = iter(paginator)
    assert next(iterator).id == 1
    assert started.wait(5)
    paginator.close()                 # page 2 is still on the wire
    assert paginator.running
    thread = next(t for t in threading.enumerate() if t.name == "paginator-slow")
    release.set()
    thread.join(5)
    assert not paginator.running
    assert fetched == [1, 2]          # page 2's answer was thrown away, page 3 never asked


def test_items_are_not_kept_after_they_are_read():
    pages = Pages(count=200, size=10)
    refs = []
    for item in Paginator(pages, 1):
        if item.id < 10:
            refs.append(weakref.ref(item))
        if item.id == 1500:
            break
    del item
    gc.collect()
    assert len(refs) == 10
    assert all(ref() is None for ref in refs)


def test_a_repeated_next_token_is_an_error_not_an_endless_loop():
    def fetch(token):
        return Page([Item(token)], "page-2" if token == "page-1" else "page-1")

    with pytest.raises(ForgeError, match="'page-1' twice"):
        list(Paginator(fetch, "page-1"))


def test_an_empty_page_with_a_next_token_does_not_end_the_listing():
    def fetch(page):
        return Page([] if page == 2 else [Item(page)], page + 1 if page < 4 else None)

    assert [item.id for item in Paginator(fetch, 1)] == [1, 3, 4]


def test_a_paginator_is_iterated_once():
    paginator = Paginator(Pages(count=1), 1)
    list(paginator)
    with pytest.raises(RuntimeError, match="only once"):
        iter(paginator)


def test_lookahead_must_be_positive():
    with pytest.raises(ValueError, match="lookahead"):
        Paginator(Pages(), 1, lookahead=0)


# ---- pages read at once (issue 13 point 3) ---------------------------------------------

def test_pages_at_once_keep_the_page_order_whatever_order_they_arrive_in():
    """Page 3 (asked first) answers only after page 1 has: the reader still gets 3, 2, 1."""
    from bulk_clone_engine.paginator import PagesAtOnce
    one_answered = threading.Event()
    in_flight = []

    def fetch_page(number):
        in_flight.append(number)
        if number == 3:
            assert one_answered.wait(5)
        page = Page([Item(number * 10 + k) for k in range(2)] + [Item(11)])   # 11 repeats across pages
        if number == 1:
            one_answered.set()
        return page

    pages = PagesAtOnce(fetch_page, [3, 2, 1], workers=3)
    assert [item.id for item in pages] == [30, 31, 11, 20, 21, 10]
    assert sorted(in_flight) == [1, 2, 3]
    assert (pages.stats.pages, pages.stats.items, pages.stats.duplicates) == (3, 6, 3)


def test_pages_at_once_hold_a_bounded_window_and_stop_when_the_reader_stops():
    from bulk_clone_engine.paginator import PagesAtOnce
    asked = []

    def fetch_page(number):
        asked.append(number)
        return Page([Item(number)])

    iterator = iter(PagesAtOnce(fetch_page, list(range(100, 0, -1)), workers=2))
    assert next(iterator).id == 100
    iterator.close()
    assert len(asked) <= 1 + 2 * 2 + 2        # the window (2 x workers), one refill, one in a worker's hand
