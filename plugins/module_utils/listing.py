# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""List -> select: every selected repo of the given owners, streamed.

This is the first half of the pipeline and the whole of org_repos. Repos
flow through one at a time; what is kept between them is a set of keys (to
list a repo once even when two owners overlap) and counters.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, Optional, Sequence, Tuple

from .config import ForgeConfig, OwnerRef
from .errors import Interrupted
from .idset import IdSet
from .limiter import Limiter
from .listing_cache import ListingCache, OwnerState
from .providers.base import OwnerStream, Provider
from .repo import Repo
from .selection import Selection


def missing_library(provider: str) -> Optional[Tuple[str, str]]:
    """The pip package a provider needs and the import error, or None."""
    if provider == "github":
        from .providers import github as mod
        if not mod.HAS_PYGITHUB:
            return "PyGithub", mod.PYGITHUB_IMPORT_ERROR or ""
    elif provider == "gitlab":
        from .providers import gitlab as mod
        if not mod.HAS_PYTHON_GITLAB:
            return "python-gitlab", mod.PYTHON_GITLAB_IMPORT_ERROR or ""
    from .providers import gitea as mod
    if not mod.HAS_REQUESTS:
        return "requests", mod.REQUESTS_IMPORT_ERROR or ""
    from . import limiter as lim
    if not getattr(lim, "HAS_BACKOFF", True):
        return "backoff", getattr(lim, "BACKOFF_IMPORT_ERROR", "") or ""
    return None


def make_limiter(cfg: ForgeConfig, on_wait: Optional[Callable[[float, str], None]] = None,
                 interrupt: Optional[threading.Event] = None) -> Limiter:
    """The forge's limiter; its waits end early (Interrupted) when interrupt is set."""
    extra: Dict[str, Any] = {}
    if interrupt is not None:
        def sleep(seconds: float) -> None:
            if interrupt.wait(seconds):
                raise Interrupted("interrupted while waiting for the forge's rate limit")
        extra["sleep"] = sleep
    from .providers.rate_headers import PROFILES
    profile = PROFILES[cfg.provider]
    return Limiter(
        profile.name,
        read_headers=profile.read,
        default_window=profile.default_window,
        advice=profile.advice,
        max_concurrent=LISTING_WORKERS,
        max_wait=cfg.max_wait,
        secondary_min_wait=cfg.secondary_min_wait,
        max_tries=cfg.max_tries,
        backoff_base=cfg.retry_base,
        max_calls_per_second=cfg.max_calls_per_second,
        on_wait=on_wait,
        **extra
    )


def make_provider(cfg: ForgeConfig, limiter: Optional[Limiter] = None) -> Provider:
    limiter = limiter or make_limiter(cfg)
    if cfg.provider == "github":
        from .providers.github import GitHubProvider
        return GitHubProvider(cfg, limiter)
    if cfg.provider == "gitlab":
        from .providers.gitlab import GitLabProvider
        return GitLabProvider(cfg, limiter)
    if cfg.provider == "bitbucket":
        from .providers.bitbucket import BitbucketProvider
        return BitbucketProvider(cfg, limiter)
    if cfg.provider == "bitbucket_server":
        from .providers.bitbucket_server import BitbucketServerProvider
        return BitbucketServerProvider(cfg, limiter)
    from .providers.gitea import GiteaProvider
    return GiteaProvider(cfg, limiter)


# Seconds the forge's clock may run behind ours (changed-first listing).
CLOCK_MARGIN = 300.0

# Pages read at once where the forge pages by number and told the total
# (docs/architecture.md, "Listing pages at once"); every one still goes
# through the limiter, whose max_concurrent this is.
LISTING_WORKERS = 4


@dataclass
class ListingCounts:
    listed: int = 0
    selected: int = 0
    excluded: Counter = field(default_factory=Counter)
    per_owner: Counter = field(default_factory=Counter)


def selection_key(selection: Selection, owners: Sequence[OwnerRef]) -> str:
    """A fingerprint of what a run selects: its owners and every filter, but
    not the moment pushed_within counts from (that moves every run)."""
    parts = sorted("%s:%s" % (owner.kind, owner.name) for owner in owners)
    for item in dataclasses.fields(selection):
        if item.name != "pushed_after":
            value = getattr(selection, item.name)
            parts.append("%s=%r" % (item.name, sorted(map(repr, value)) if isinstance(value, (set, frozenset)) else value))
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


class Listing:
    """Iterate the selected repos of several owners, each repo once."""

    def __init__(self, provider: Provider, owners: Sequence[OwnerRef], selection: Selection) -> None:
        self.provider = provider
        self.owners = tuple(owners)
        self.selection = selection
        self.counts = ListingCounts()
        self._seen = IdSet()          # 8 bytes per id, not ~70 (idset.py)
        self._opened: Dict[int, OwnerStream] = {}
        self.complete = False
        self.expected: Optional[int] = None
        self.cache: Optional[ListingCache] = None
        self.full_listing_interval = 86400.0
        self.prune = False
        self.started_at = time.time()
        self.selection_key = selection_key(selection, self.owners)
        self.modes: Dict[str, str] = {}             # owner key -> "full" | "changed"
        self._counts: Dict[str, Optional[int]] = {}  # owner key -> the forge's count at opening
        provider.listing_workers = LISTING_WORKERS
        provider.at_once = self._at_once_ok

    def _at_once_ok(self, owner: OwnerRef) -> bool:
        """Pages read several at a time may miss a repository deleted while
        they are read (a later one slides onto a page already read; the
        one-at-a-time reverse walk cannot miss it). So only on an owner's
        first listing into a dest: nothing is pruned after it (it is not taken
        as full), and a repository missed that way changes the owner's count,
        which makes the next run list in full (a deletion plus an addition
        that keep the count: within full_listing_interval). org_repos and
        check mode keep no cache and read one page at a time."""
        if self.cache is None:
            return False
        key = self._owner_key(owner)
        if key not in self.modes and not self.cache.owner(key).listed_at:
            # A provider that does not plan (GitLab, Gitea): first listing all the same.
            self._counts.setdefault(key, None)
            self.modes[key] = "first"
        return self.modes.get(key) == "first"

    # ---- conditional, changed-first listing (docs/architecture.md, "Conditional listing") ----

    def use_cache(self, cache: ListingCache, full_listing_interval: float, prune: bool = False) -> None:
        """Keep ETags and pages beside the journal, and list only what changed
        when the forge's count says nothing was added or removed, at least one
        full listing every full_listing_interval seconds."""
        self.cache = cache
        self.full_listing_interval = float(full_listing_interval)
        self.prune = prune
        self.provider.cache = cache
        self.provider.plan = self._plan

    def _owner_key(self, owner: OwnerRef) -> str:
        cfg = self.provider.cfg
        return "%s %s %s:%s" % (cfg.provider, cfg.api_url, owner.kind, owner.name)

    def _plan(self, owner: OwnerRef, count: Optional[int]) -> Optional[float]:
        """The time (epoch s) to list changes since, or None for a full listing:
        full unless the last run was clean, its full listing is younger than
        full_listing_interval and the forge's count is the one it saw then."""
        key = self._owner_key(owner)
        self._counts[key] = count
        state = self.cache.owner(key) if self.cache is not None else OwnerState()
        fresh = self.started_at - state.full_at < self.full_listing_interval
        if not state.listed_at and count is not None:
            self.modes[key] = "first"
            return None
        # With prune on, repositories the last full listing found gone (and kept: prune off, local work)
        # are acted on now, which needs a full listing.
        # Another selection than the last run's (an include typo, a new shard, an owner left out) lists in
        # full: only a full listing tells which clones are not selected any more and must be kept.
        if (count is None or state.count != count or not state.clean or not fresh or not state.listed_at
                or (self.prune and state.gone) or state.selection != self.selection_key):
            self.modes[key] = "full"
            return None
        self.modes[key] = "changed"
        # A margin for the forge's clock running behind ours: a page more, never a push missed.
        return state.listed_at - CLOCK_MARGIN

    @property
    def full(self) -> bool:
        """Whether every owner was listed in full (what prune and gone-detection need)."""
        return all(mode == "full" for mode in self.modes.values())

    def finish(self, clean: bool, gone: bool = False) -> None:
        """Remember, for the next run, what this listing saw. Only after the
        listing went to its end; a full listing also resets the count and
        the interval, and drops pages no longer part of any listing."""
        cache = self.cache
        if cache is None or not self.complete:
            return
        for key, mode in self.modes.items():
            state = cache.owner(key)
            state.listed_at = self.started_at
            state.clean = clean
            state.selection = self.selection_key
            if mode in ("full", "first"):
                state.count = self._counts.get(key)
                state.full_at = self.started_at
                state.gone = gone
            cache.set_owner(key, state)
        if self.modes and all(mode in ("full", "first") for mode in self.modes.values()):
            cache.forget_untouched()
        cache.save()

    def open_owners(self) -> Optional[int]:
        """Find every owner now and return how many repositories the forge
        says they hold (None when no forge said). It costs nothing extra:
        the request that finds an owner is the one that tells its count
        (docs/forge-wire.md, "Totals before the listing"), and iterating
        later reuses what was opened. With a shard, this run's share."""
        total: Optional[int] = None
        for index, owner in enumerate(self.owners):
            stream = self._opened.get(index)
            if stream is None:
                stream = self._opened[index] = self.provider.open(owner)
            if stream.total is not None:
                total = (total or 0) + stream.total
        shard = getattr(self.selection, "shard", None)
        if total is not None and shard is not None and shard.count > 1:
            total = -(-total // shard.count)
        self.expected = total
        return total

    def __iter__(self) -> Iterator[Repo]:
        for index, owner in enumerate(self.owners):
            for repo in self.provider.iter_repos(owner, self._opened.pop(index, None)):
                if repo.id in self._seen:
                    continue
                self._seen.add(repo.id)
                self.counts.listed += 1
                reason = self.selection.why_not(repo)
                if reason is not None:
                    self.counts.excluded[reason.split(":")[0]] += 1
                    continue
                self.counts.selected += 1
                self.counts.per_owner[owner.name or owner.kind] += 1
                yield repo
        self.complete = True

    def saw(self, repo_id: int) -> bool:
        """Whether the forge listed this repository id in this run (selected or not)."""
        return repo_id in self._seen

    def stats(self) -> Dict[str, Any]:
        """Request statistics for results and summaries."""
        lim = self.provider.limiter.stats
        budget = {}
        for resource, b in (getattr(lim, "budgets", None) or {}).items():
            budget[resource] = {"limit": b.limit, "remaining": b.remaining, "reset_at": b.reset_at}
        return {
            "requests": self.provider.stats.requests,
            "pages": self.provider.stats.pages,
            "bytes_listed": self.provider.stats.bytes,
            "not_modified": self.provider.stats.not_modified,
            "pages_at_once": self.provider.stats.pages_at_once,
            "listing_modes": dict(sorted(self.modes.items())),
            "duplicates_dropped": self.provider.stats.duplicates,
            "retries": lim.retries,
            "seconds_waited": round(lim.waited_seconds, 3),
            "rate_limit": budget,
            "listed": self.counts.listed,
            "selected": self.counts.selected,
            "excluded": dict(self.counts.excluded),
        }


def make_listing(cfg: ForgeConfig, owners: Sequence[OwnerRef], selection: Selection,
                 on_wait: Optional[Callable[[float, str], None]] = None,
                 interrupt: Optional[threading.Event] = None) -> Listing:
    return Listing(make_provider(cfg, make_limiter(cfg, on_wait, interrupt)), owners, selection)
