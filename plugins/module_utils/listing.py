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

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, Optional, Sequence, Tuple

from .config import ForgeConfig, OwnerRef
from .errors import Interrupted
from .idset import IdSet
from .limiter import Limiter
from .providers.base import Provider
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
    return Limiter(
        max_wait=cfg.max_wait,
        secondary_min_wait=cfg.secondary_min_wait,
        max_tries=cfg.max_tries,
        backoff_base=cfg.retry_base,
        max_calls_per_second=cfg.max_calls_per_second,
        on_wait=on_wait,
        name={"github": "GitHub", "gitlab": "GitLab", "gitea": "Gitea", "bitbucket": "Bitbucket",
              "bitbucket_server": "Bitbucket Data Center"}[cfg.provider],
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


@dataclass
class ListingCounts:
    listed: int = 0
    selected: int = 0
    excluded: Counter = field(default_factory=Counter)
    per_owner: Counter = field(default_factory=Counter)


class Listing:
    """Iterate the selected repos of several owners, each repo once."""

    def __init__(self, provider: Provider, owners: Sequence[OwnerRef], selection: Selection) -> None:
        self.provider = provider
        self.owners = tuple(owners)
        self.selection = selection
        self.counts = ListingCounts()
        self._seen = IdSet()          # 16 bytes per id, not ~70 (idset.py)
        self.complete = False

    def __iter__(self) -> Iterator[Repo]:
        for owner in self.owners:
            for repo in self.provider.iter_repos(owner):
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
