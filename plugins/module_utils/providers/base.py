# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# SPDX-License-Identifier: MIT
"""What every provider offers the engine, and the pieces they share.

A provider turns one owner into a lazy stream of Repo records and tells the
git runner how to authenticate. Everything about pacing and retrying is the
limiter's job; a provider only translates its client's failures into the
limiter's signals (PrimaryLimit, SecondaryLimit, Transient) or into errors a
user can act on.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Tuple

from ..config import ForgeConfig, OwnerRef
from ..limiter import Limiter
from ..paginator import Page, Paginator
from ..repo import Repo


@dataclass
class ListingStats:
    requests: int = 0
    pages: int = 0
    repos: int = 0
    duplicates: int = 0

    def as_dict(self) -> Dict[str, int]:
        return {"requests": self.requests, "pages": self.pages, "repos": self.repos,
                "duplicates": self.duplicates}


@dataclass(frozen=True)
class GitAuth:
    """How git proves who it is to this forge: Basic user plus a token.

    `token` is a callable so that short-lived tokens (GitHub App installation
    tokens) are fetched fresh for each git process.
    """
    username: str
    token: Optional[Callable[[], Optional[str]]] = field(default=None, repr=False)


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


class Provider:
    """Base class: subclasses implement `_owner_stream` and `git_auth`."""

    name = ""

    def __init__(self, cfg: ForgeConfig, limiter: Limiter) -> None:
        self.cfg = cfg
        self.limiter = limiter
        self.stats = ListingStats()

    def iter_repos(self, owner: OwnerRef) -> Iterator[Repo]:
        """Every repo of one owner, each once, fetched one page ahead of the reader."""
        fetch, first = self._owner_stream(owner)
        paginator = Paginator(fetch, first, key=lambda repo: repo.id)
        try:
            for repo in paginator:
                self.stats.repos += 1
                yield repo
        finally:
            paginator.close()
            self.stats.duplicates += paginator.stats.duplicates

    def _owner_stream(self, owner: OwnerRef) -> Tuple[Callable[[object], Page], object]:
        raise NotImplementedError

    def git_auth(self) -> GitAuth:
        raise NotImplementedError

    def describe(self) -> str:
        return "%s at %s" % (self.name, self.cfg.api_url)


class ReversePageOrder:
    """The page order of an offset-paginated listing sorted oldest first.

    Why backwards: with `page=N` paging, a repo deleted behind the reader
    shifts every later repo one place towards the front, so the repo on the
    next page's first slot slides onto a page already read and is never seen.
    Walking from the last page to the first, a deletion only moves repos
    towards pages not yet read (or repeats one already read, which
    de-duplication by id absorbs); repos created meanwhile are appended after
    the end and shift nothing; a rename does not move a repo in created order.

    The first page read (the probe) is the estimated last page, computed from
    the owner record (public_repos + total_private_repos), so no listing
    request is spent learning the page count: N repos cost exactly
    ceil(N / per_page) listing requests. rel="last" corrects an estimate that
    was too low; an empty probe page steps back when it was too high.
    """

    def __init__(self, probe: int) -> None:
        self.low = probe
        self.plan: Optional[List[int]] = None

    @staticmethod
    def first_page(estimate: Optional[int], per_page: int) -> int:
        if not estimate or estimate <= per_page:
            return 1
        return int(math.ceil(estimate / float(per_page)))

    def after(self, page: int, count: int, links: Mapping[str, str]) -> Optional[int]:
        """The page to read after `page`, or None when the listing is complete."""
        if self.plan is None:
            if count == 0 and 1 < page <= self.low:
                self.low = page - 1
                return page - 1
            last = page_number(links.get("last"))
            if last and last > page:
                self.plan = list(range(last, page, -1))
            elif "next" in links:
                return page + 1
            else:
                self.plan = []
            self.plan += list(range(self.low - 1, 0, -1))
        return self.plan.pop(0) if self.plan else None
