# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stream a paginated listing one page ahead of its reader.

Why a thread and a bounded queue: the next page's request overlaps with the
work on the current one (selection, planning, handing repos to workers), yet
a reader that stops reading stops the listing: the fetching thread needs a
credit per page and the reader hands one back each time it takes a page, so
while the reader works through page k at most pages up to k + lookahead
have been fetched, and memory stays flat however large the owner is.

Why not PyGithub's PaginatedList or python-gitlab's iterator directly: they
fetch on demand in the reader's thread (no overlap) and know nothing of the
shared limiter or of de-duplication across pages; the providers still use
those clients for each single page.

Pages are chained by an opaque token (a URL, a page number, a cursor): the
listing ends when a page says ``next is None``. An empty page with a next
token does not end it: a provider may legitimately drop every item of a
page, and stopping there would silently lose the rest.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Hashable, Iterator, List, Optional, Set, Tuple, TypeVar

from .errors import ForgeError

Item = TypeVar("Item")
Token = Any

_PAGE = "page"
_END = "end"
_ERROR = "error"


@dataclass
class Page(Generic[Item]):
    """One answer of the forge: its items and the token of the next page."""

    items: List[Item]
    next: Optional[Token] = None
    raw_bytes: int = 0                  # the body's size on the wire, for the stream statistics
    total: Optional[int] = None         # the listing's size, where the page tells it


@dataclass
class PageStats:
    """What the reader received: pages, unique items, dropped duplicates,
    and the bytes the forge sent for them."""

    pages: int = 0
    items: int = 0
    duplicates: int = 0
    bytes: int = 0


def _item_id(item: Any) -> Hashable:
    return item.id


def _new_items(page: Page, stats: PageStats, key: Callable[[Any], Hashable],
               seen: Set[Hashable]) -> Iterator[Any]:
    """A page's items not seen before, counted in stats (both readers:
    Paginator one page ahead, PagesAtOnce several at a time)."""
    stats.pages += 1
    stats.bytes += page.raw_bytes or 0
    for item in page.items:
        ident = key(item)
        if ident in seen:
            stats.duplicates += 1
            continue
        seen.add(ident)
        stats.items += 1
        yield item


@dataclass
class _Shared:
    """State the fetching thread and the reader both touch."""

    stop: threading.Event = field(default_factory=threading.Event)
    fetched: int = 0
    # Fetch credits: one per page the reader may be ahead by. The reader
    # returns one each time it takes a page, so while it works through page
    # k the thread may fetch page k+1 and no further (a full queue alone
    # would let it fetch k+2 while k+1 waits in the queue).
    credits: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(1))


class Paginator(Generic[Item]):
    """Iterable once over the unique items of a paginated listing.

    ``fetch(token) -> Page`` runs in a background thread, ``first`` is the
    first page's token. Items are de-duplicated by ``key`` across pages
    (offset paging repeats an item when the listing shifts under it); only
    the set of keys is kept, never the items. An exception raised by
    ``fetch`` reaches the reader after the items of every earlier page.
    Leaving the loop early (break, an exception, ``close()``) stops the
    fetching thread.
    """

    def __init__(self, fetch: Callable[[Token], Page], first: Token, *,
                 key: Callable[[Any], Hashable] = _item_id, lookahead: int = 1,
                 name: str = "listing", join_timeout: float = 1.0) -> None:
        if not isinstance(lookahead, int) or lookahead < 1:
            raise ValueError("lookahead must be a whole number >= 1, not %r" % (lookahead,))
        self.stats = PageStats()
        self._fetch = fetch
        self._first = first
        self._key = key
        self._name = name
        self._join_timeout = join_timeout
        self._queue: "queue.Queue[Tuple[str, Any]]" = queue.Queue(maxsize=lookahead)
        self._shared = _Shared(credits=threading.Semaphore(lookahead))
        self._thread: Optional[threading.Thread] = None
        self._started = False

    # ---- the reader's side ------------------------------------------------

    def __iter__(self) -> Iterator[Item]:
        # A generator, so that `break` in a for loop closes it (and with it
        # the fetching thread) as soon as the loop lets go of it.
        if self._started:
            raise RuntimeError("a Paginator can be iterated only once; make a new one")
        self._started = True
        return self._items()

    def _items(self) -> Iterator[Item]:
        self._start()
        seen: Set[Hashable] = set()
        try:
            while True:
                kind, payload = self._take()
                if kind == _END:
                    return
                if kind == _ERROR:
                    raise payload
                page, payload = payload, None
                yield from _new_items(page, self.stats, self._key, seen)
                page = None
        finally:
            self.close()

    def _take(self) -> Tuple[str, Any]:
        while True:
            try:
                message = self._queue.get(timeout=0.5)
                self._shared.credits.release()
                return message
            except queue.Empty:
                thread = self._thread
                if thread is not None and not thread.is_alive() and self._queue.empty():
                    raise RuntimeError("the %s fetch thread ended without a word" % self._name)

    @property
    def fetched_pages(self) -> int:
        """Pages fetched so far, including those not yet read."""
        return self._shared.fetched

    @property
    def running(self) -> bool:
        """Whether the fetching thread is still alive."""
        return self._thread is not None and self._thread.is_alive()

    def close(self) -> None:
        """Stop fetching. Idempotent; safe from any thread.

        A request already on the wire cannot be recalled: the thread finishes
        it, throws the page away and ends; close() waits ``join_timeout`` for
        that and then lets the (daemon) thread finish on its own.
        """
        self._shared.stop.set()
        self._drain()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(self._join_timeout)
            self._drain()

    def __enter__(self) -> "Paginator[Item]":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _drain(self) -> None:
        # Emptying the queue wakes a fetching thread blocked on put(), which
        # then sees the stop flag.
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    # ---- the fetching side ------------------------------------------------

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._produce, name="paginator-%s" % self._name,
                                        args=(self._fetch, self._first, self._queue, self._shared),
                                        daemon=True)
        self._thread.start()

    @staticmethod
    def _produce(fetch: Callable[[Token], Page], first: Token,
                 out: "queue.Queue[Tuple[str, Any]]", shared: _Shared) -> None:
        # A static method that gets only what it needs: a thread holding
        # `self` would keep an abandoned Paginator alive.
        def put(message: Tuple[str, Any]) -> bool:
            while not shared.stop.is_set():
                try:
                    out.put(message, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        token = first
        tokens: Set[Hashable] = set()
        try:
            tokens.add(first)
        except TypeError:
            pass

        def credit() -> bool:
            while not shared.stop.is_set():
                if shared.credits.acquire(timeout=0.1):
                    return True
            return False

        try:
            while credit():
                page = fetch(token)
                shared.fetched += 1
                if not put((_PAGE, page)):
                    return
                token, page = page.next, None
                if token is None:
                    break
                try:
                    repeated = token in tokens
                    tokens.add(token)
                except TypeError:   # an unhashable token: no loop check
                    repeated = False
                if repeated:
                    raise ForgeError("the forge sent the next-page token %r twice; stopping the listing "
                                     "rather than looping forever (a bug or a proxy rewriting links)"
                                     % (token,))
            else:
                return
            put((_END, None))
        except BaseException as exc:  # every failure must reach the reader
            put((_ERROR, exc))


class PagesAtOnce(Generic[Item]):
    """The items of numbered pages fetched several at a time, in page order.

    Why: when the forge has told the total, every page number is known
    before the first one is read, so the pages need not wait for each other;
    each still goes through the one limiter, which bounds how many are in
    flight (its ``max_concurrent``) and paces them like any other call. The
    reader gets the pages in the order given, whatever order they arrive in,
    with at most ``window`` pages held; items are de-duplicated by ``key`` as
    in Paginator. Leaving the loop early cancels what has not started.

    Only for page-number listings of a known size: a keyset or cursor listing
    learns its next token from the page before it and stays sequential.
    """

    def __init__(self, fetch_page: Callable[[int], Page], pages: List[int], *, workers: int = 4,
                 key: Callable[[Any], Hashable] = _item_id, name: str = "listing") -> None:
        self.stats = PageStats()
        self._fetch = fetch_page
        self._pages = list(pages)
        self._workers = max(1, int(workers))
        self._key = key
        self._name = name

    def __iter__(self) -> Iterator[Item]:
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor
        seen: Set[Hashable] = set()
        pool = ThreadPoolExecutor(self._workers, thread_name_prefix="pages-%s" % self._name)
        pending: "deque[Any]" = deque()
        numbers = iter(self._pages)
        try:
            for number in numbers:
                pending.append(pool.submit(self._fetch, number))
                if len(pending) >= 2 * self._workers:
                    break
            while pending:
                page = pending.popleft().result()
                following = next(numbers, None)
                if following is not None:
                    pending.append(pool.submit(self._fetch, following))
                yield from _new_items(page, self.stats, self._key, seen)
        finally:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=False)
