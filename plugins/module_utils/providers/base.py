# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every provider offers the engine, and the pieces they share.

A provider turns one owner into a lazy stream of Repo records and tells the
git runner how to authenticate. Everything about pacing and retrying is the
limiter's job; a provider only translates its client's failures into the
limiter's signals (PrimaryLimit, SecondaryLimit, Transient) or into errors a
user can act on.
"""

from __future__ import annotations

import base64
import json
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple
from urllib.parse import urljoin, urlsplit

from ..config import ForgeConfig, OwnerRef, safe_url
from ..errors import ConfigError, ForgeError
from ..limiter import Limiter, Transient

try:
    import requests
    _SessionBase = requests.Session
    _UNREACHABLE: Tuple[type, ...] = (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                                      requests.exceptions.ChunkedEncodingError,
                                      requests.exceptions.ContentDecodingError)
    # requests decodes with simplejson when it is installed: its error is not json's.
    _BAD_JSON: Tuple[type, ...] = (json.JSONDecodeError, getattr(requests.exceptions, "JSONDecodeError", ValueError))
except ImportError:  # the providers that need requests say so (listing.missing_library)
    requests = None
    _SessionBase = object
    _UNREACHABLE = ()
    _BAD_JSON = (json.JSONDecodeError,)
from ..paginator import Page, PagesAtOnce, Paginator
from ..repo import Repo


class NotFoundAnswer(Exception):
    """A 404 the caller decides about (an unknown owner, a wrong api_url, a
    page that vanished); keeps the response where its body says more."""

    def __init__(self, message: str = "404", response: object = None) -> None:
        super().__init__(message)
        self.response = response


@dataclass
class ListingStats:
    requests: int = 0
    pages: int = 0
    repos: int = 0
    duplicates: int = 0
    bytes: int = 0          # bytes of the listing pages' bodies
    not_modified: int = 0   # conditional requests answered 304 (docs/forge-wire.md, "Conditional listing")
    pages_at_once: int = 0  # pages read several at a time (PagesAtOnce)


@dataclass
class OwnerStream:
    """One owner, opened: how to fetch its pages and, when the forge said
    so on the way, how many repositories it has (docs/forge-wire.md,
    "Totals before the listing"). Opening costs the one request that finds
    the owner; the total comes with it, so a progress display has a
    done/total and an ETA before the first page of repositories."""

    owner: OwnerRef
    fetch: Callable[[object], Page]
    first: object
    total: Optional[int] = None
    # Where the forge pages by number and the total is known: one page by
    # its number, and the last page's number (PagesAtOnce reads them several
    # at a time; docs/architecture.md, "Listing pages at once").
    page_fetch: Optional[Callable[[int], Page]] = None
    last_page: int = 0


@dataclass(frozen=True)
class GitAuth:
    """How git proves who it is to this forge: Basic user plus a token, or
    the token alone as Bearer (Bitbucket Data Center's project and
    repository tokens work only that way).

    `token` is a callable so that short-lived tokens (GitHub App installation
    tokens) are fetched fresh for each git process.
    """
    username: str
    token: Optional[Callable[[], Optional[str]]] = field(default=None, repr=False)
    bearer: bool = False

    def header(self, token: str) -> str:
        """The `Authorization: ...` line git sends (see GitRunner auth_header_for)."""
        if self.bearer:
            return "Authorization: Bearer " + token
        raw = ("%s:%s" % (self.username, token)).encode("utf-8")
        return "Authorization: Basic " + base64.b64encode(raw).decode("ascii")


def page_number(url: Optional[str]) -> Optional[int]:
    """The page=N of a Link URL, or None."""
    if not url:
        return None
    from urllib.parse import parse_qs, urlparse
    values = parse_qs(urlparse(url).query).get("page")
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


def parse_link_header(value: Optional[str]) -> Dict[str, str]:
    """rel -> URL. Tolerates both ", " (GitHub, GitLab) and "," (Gitea) separators."""
    links: Dict[str, str] = {}
    if not value:
        return links
    for part in value.split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces or not pieces[0].startswith("<"):
            continue
        url = pieces[0][1:-1]
        for attr in pieces[1:]:
            if attr.startswith("rel="):
                links[attr[4:].strip('"')] = url
    return links


def transport_failure(exc: Exception, what: str, where: str) -> Exception:
    """A cut-off body (a JSON decoding error) or a failed connection: worth
    another try, and if it persists the message says what to check.

    Anything else (a header the HTTP library refuses, an invalid URL, an
    invalid timeout) was never sent: retrying cannot help, and the library's
    text is left out because it repeats the refused header, token included.
    """
    if isinstance(exc, _BAD_JSON):
        return Transient("%s: unreadable JSON from %s (%s)" % (what, where, exc))
    if isinstance(exc, _UNREACHABLE):
        return Transient("%s: cannot reach %s (%s): check api_url and the network"
                         % (what, where, exc.__class__.__name__))
    return ForgeError("%s: the request to %s could not be sent (%s); check api_url, token and timeout"
                      % (what, where, exc.__class__.__name__))


def _origin(url: str) -> Tuple[str, str, Optional[int]]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(scheme)


class OriginBoundSession(_SessionBase):  # type: ignore[misc,valid-type]
    """A requests session that follows redirects only within the origin
    (scheme, host, port) of the request.

    requests itself follows a redirect anywhere and drops only the
    Authorization header on the way; a PRIVATE-TOKEN header (python-gitlab)
    goes along to the other host. Here a redirect to another origin is not
    followed at all: the 3xx comes back to the provider, which reports it
    (see api_redirect).
    """

    def get_redirect_target(self, resp):  # type: ignore[no-untyped-def]
        target = super().get_redirect_target(resp)
        if target and _origin(urljoin(resp.url, target)) != _origin(resp.url):
            return None
        return target


def api_redirect(api_url: str, what: str, status: int, location: Optional[str], path: Optional[str] = None,
                 detail: Optional[str] = None) -> ConfigError:
    """An API request answered with a redirect we do not follow: say where
    to, and which api_url would avoid it (when the target keeps the path).

    Never followed with the token: the target is another address than the
    one the user trusted with it.
    """
    base = urlsplit(api_url)
    target = urljoin("%s://%s%s" % (base.scheme, base.netloc.rpartition("@")[2], path or "/"), location or "")
    where = detail or ("to %s" % _origin_text(target) if location else "without a Location")
    suggestion = ""
    target_path = urlsplit(target).path
    if location and path and path.startswith("/") and target_path.endswith(path) and len(target_path) > len(path):
        suggestion = " (%s)" % safe_url(target[:target.index(target_path)] + target_path[:-len(path)])
    elif location and path and path.startswith("/") and target_path.endswith(path):
        suggestion = " (%s)" % _origin_text(target)
    return ConfigError("api_url %s redirected %s %s (HTTP %d); bulk_clone does not follow a redirect to another "
                       "address with the token: set api_url to the final address%s"
                       % (safe_url(api_url), what, where, status, suggestion))


def _origin_text(url: str) -> str:
    parts = urlsplit(url)
    return "%s://%s" % (parts.scheme, parts.netloc.rpartition("@")[2])


def iso_time(epoch: float) -> str:
    """The forges' timestamps compare as text on their first 19 characters (to the second)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def older_than(markers: List[str], since: str) -> bool:
    """Whether the oldest of a page's change markers is before ``since``."""
    known = [m[:19] for m in markers if m]
    return bool(known) and min(known) < since[:19]


class Provider:
    """Base class: subclasses implement `_owner_stream` and `git_auth`."""

    name = ""

    def __init__(self, cfg: ForgeConfig, limiter: Limiter) -> None:
        self.cfg = cfg
        self.limiter = limiter
        self.stats = ListingStats()
        # Set by the Listing when a journal is kept (listing_cache.ListingCache):
        # providers that can make their listing requests conditional do.
        self.cache = None
        # Set by the Listing: (owner, the forge's count) -> the time (epoch s) to
        # list changed repositories since, or None for a full listing.
        self.plan: Optional[Callable[[OwnerRef, Optional[int]], Optional[float]]] = None
        # Pages read at once where the total is known (1: one at a time), and
        # which owners may be (None: all); both set by the Listing.
        self.listing_workers = 1
        self.at_once: Optional[Callable[[OwnerRef], bool]] = None

    def changed_since(self, owner: OwnerRef, count: Optional[int], lag: float = 0.0) -> Optional[str]:
        """Whether to list only what changed since the last run (as an ISO
        time, ``lag`` seconds earlier still), or in full (None)."""
        since = self.plan(owner, count) if self.plan is not None else None
        return None if since is None else iso_time(since - lag)

    # A forge whose listing tells its total only inside the first page (GraphQL
    # totalCount, Bitbucket Cloud's size): open() fetches that page at once.
    total_in_first_page = False

    def open(self, owner: OwnerRef) -> OwnerStream:
        """Find the owner (one request) and learn its repository count on the way."""
        opened = self._owner_stream(owner)
        if isinstance(opened, OwnerStream):
            return opened
        fetch, first = opened[0], opened[1]
        total = opened[2] if len(opened) > 2 else None
        if total is None and self.total_in_first_page:
            page = fetch(first)
            total = page.total
            fetch = _first_page_cached(fetch, first, page)
        return OwnerStream(owner, fetch, first, total)

    def may_list_at_once(self, owner: OwnerRef) -> bool:
        """Whether this owner's pages may be read several at a time (set by the Listing)."""
        return self.listing_workers > 1 and (self.at_once is None or self.at_once(owner))

    def iter_repos(self, owner: OwnerRef, opened: Optional[OwnerStream] = None) -> Iterator[Repo]:
        """Every repo of one owner, each once, fetched one page ahead of the reader."""
        stream = opened if opened is not None else self.open(owner)
        paginator: Any = None
        if stream.page_fetch is not None and stream.last_page > 1 and self.may_list_at_once(owner):
            # The last page first, alone: if the forge has more than it said,
            # walk one page at a time instead (the estimate was off).
            probe = stream.page_fetch(stream.last_page)
            if probe.next is None:
                held = {stream.last_page: probe}
                page_fetch = stream.page_fetch

                def fetch_page(number: int) -> Page:
                    return held.pop(number) if number in held else page_fetch(number)
                paginator = PagesAtOnce(fetch_page, list(range(stream.last_page, 0, -1)),
                                        workers=self.listing_workers, key=lambda repo: repo.id)
        if paginator is None:
            paginator = Paginator(stream.fetch, stream.first, key=lambda repo: repo.id)
        stream = None
        try:
            for repo in paginator:
                self.stats.repos += 1
                yield repo
        finally:
            if isinstance(paginator, Paginator):
                paginator.close()
            self.stats.duplicates += paginator.stats.duplicates
            self.stats.bytes += paginator.stats.bytes
            if isinstance(paginator, PagesAtOnce):
                self.stats.pages_at_once += paginator.stats.pages

    def _owner_stream(self, owner: OwnerRef) -> Tuple:
        """(fetch, first token) or (fetch, first token, repository count)."""
        raise NotImplementedError

    def git_auth(self) -> GitAuth:
        raise NotImplementedError

    # --- extras (extras.py): none unless the forge has them ------------------------------

    def gists(self, owner: OwnerRef) -> Iterator[Repo]:
        """An owner's gists or personal snippets, as records of kind gist or snippet."""
        return iter(())

    def repo_gists(self, repo: Repo) -> Iterator[Repo]:
        """A project's own snippets (GitLab), as records of kind snippet."""
        return iter(())


def _first_page_cached(fetch: Callable[[object], Page], first: object, page: Page) -> Callable[[object], Page]:
    """fetch, except that the first call with the first token returns the page already fetched."""
    held = [page]

    def cached(token: object) -> Page:
        if held and token == first:
            return held.pop()
        return fetch(token)
    return cached


class ReversePageOrder:
    """The page order of an offset-paginated listing sorted oldest first.

    Why backwards: with `page=N` paging, a repo deleted behind the reader
    shifts every later repo one place towards the front, so the repo on the
    next page's first slot slides onto a page already read and is never seen.
    Walking from the last page to the first, a deletion only moves repos
    towards pages not yet read (or repeats one already read, which
    de-duplication by id absorbs); repos created meanwhile are appended after
    the end and shift nothing; a rename does not move a repo in created (or
    id) order. Formally: a repo's page number only ever decreases while we
    walk down one page at a time from a page at or beyond it, so at some
    step the page we read is the page it is on.

    The first page read (the probe) is the estimated last page (GitHub: from
    the owner record, public_repos + total_private_repos; GitLab and Gitea:
    from the total a one-item request reports), so no listing request is
    spent learning the page count: N repos cost exactly ceil(N / per_page)
    listing requests when the estimate is right. When it is wrong:
    - too low: rel="last" names the real last page; we walk down from there
      and read the probe page again in its turn (pages above it were read
      after it, so a repo may have slid onto it meanwhile);
    - too high: an empty probe steps back one page (the usual case: a few
      repos deleted since the estimate), then searches;
    - unknown (no totals and no rel="last", e.g. GitLab above 10,000
      results): the end is found by doubling and bisection, a handful of
      requests, before the walk down starts.
    A short page (fewer than per_page items) or a page without rel="next" is
    the last page (the latter only where the forge is known to send Link
    headers: links_reliable).

    Page numbers repeat (a probe read again), so the paginator gets tokens
    ``(step, page)``: see first_token() and next_token().
    """

    def __init__(self, probe: int, per_page: int = 0, links_reliable: bool = True) -> None:
        self.low = max(1, int(probe))
        self.per_page = per_page
        # False when the forge may leave Link headers out (a proxy, an old
        # server): then only a short page ends the listing.
        self.links_reliable = links_reliable
        self.plan: Optional[List[int]] = None
        self._full = 0                      # highest page seen full, with more after it
        self._empty: Optional[int] = None   # lowest page seen empty
        self._stepped_back = False
        self._last_read = 0

    @staticmethod
    def first_page(estimate: Optional[int], per_page: int) -> int:
        if not estimate or estimate <= per_page:
            return 1
        return int(math.ceil(estimate / float(per_page)))

    def first_token(self) -> Tuple[int, int]:
        return (0, self.low)

    def next_token(self, token: Tuple[int, int], count: int,
                   links: Mapping[str, str]) -> Optional[Tuple[int, int]]:
        step, page = token
        following = self.after(page, count, links)
        return None if following is None else (step + 1, following)

    def after(self, page: int, count: int, links: Mapping[str, str]) -> Optional[int]:
        """The page to read after `page`, or None when the listing is complete."""
        self._last_read = page
        if self.plan is None:
            self._find_end(page, count, links)
        if self.plan is None:
            return self._search_next()
        return self.plan.pop(0) if self.plan else None

    def _find_end(self, page: int, count: int, links: Mapping[str, str]) -> None:
        last = page_number(links.get("last"))
        if last is not None and last > page:
            # Walk down from the named last page, this one included again.
            self.plan = list(range(last, 0, -1))
            return
        if count == 0:
            if page <= 1:
                self.plan = []                      # an empty owner
                return
            self._empty = page if self._empty is None else min(self._empty, page)
            return
        more = "next" in links or (not self.links_reliable and bool(self.per_page) and count >= self.per_page)
        if not more or (self.per_page and count < self.per_page):
            self.plan = list(range(page - 1, 0, -1))   # this page is the last; it is read
            return
        self._full = max(self._full, page)

    def _search_next(self) -> Optional[int]:
        if self._empty is None:
            return max(2 * self._full, self._full + 1)          # doubling
        if self._full == 0 and not self._stepped_back:
            self._stepped_back = True
            return self._empty - 1                              # estimate one page too high
        if self._empty - self._full <= 1:
            # The highest full page is the last one. Unless it is the page
            # just read, it was read before the empty page above it: read it
            # again at the top of the walk.
            top = self._full - 1 if self._last_read == self._full else self._full
            self.plan = list(range(top, 0, -1))
            return self.plan.pop(0) if self.plan else None
        return (self._full + self._empty) // 2                   # bisection
