# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rate-limit budgets that really decrement and really reset.

A fixed window per (caller, resource), like GitHub's hourly budget and
GitLab's per-minute throttle: the window opens at the first request and the
budget refills when `reset_at` has passed.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Dict, Optional, Tuple


def _at(when: float) -> float:
    """Reset times are whole seconds, as the X-RateLimit-Reset header says:
    a client sleeping until the header's second must find the budget refilled."""
    return float(math.ceil(when))


@dataclass
class Bucket:
    limit: int
    remaining: int
    reset_at: float
    window: int
    exhausted_status: int = 403

    @property
    def used(self) -> int:
        return max(0, self.limit - self.remaining)


@dataclass
class Policy:
    limit: int
    window: int
    # set_rate_limit(remaining=...) also applies to callers not seen yet,
    # until the window it opened ends.
    start_remaining: Optional[int] = None
    start_until: float = 0.0


class Budgets:
    def __init__(self, defaults: Dict[str, Policy], anonymous: Optional[Dict[str, Policy]] = None) -> None:
        self._lock = threading.Lock()
        self._defaults = dict(defaults)
        self._anonymous = dict(anonymous or defaults)
        self._buckets: Dict[Tuple[str, str], Bucket] = {}

    def bucket(self, who: str, resource: str, anonymous: bool = False) -> Bucket:
        with self._lock:
            return self._bucket(who, resource, anonymous)

    def _bucket(self, who: str, resource: str, anonymous: bool) -> Bucket:
        key = (who, resource)
        now = time.time()
        found = self._buckets.get(key)
        if found is not None and now >= found.reset_at:
            found.remaining = found.limit
            found.reset_at = _at(now + found.window)
            found.exhausted_status = 403
        if found is None:
            table = self._anonymous if anonymous else self._defaults
            policy = table.get(resource) or table[next(iter(table))]
            found = Bucket(limit=policy.limit, remaining=policy.limit, reset_at=_at(now + policy.window),
                           window=policy.window)
            if policy.start_remaining is not None and now < policy.start_until:
                found.remaining = policy.start_remaining
                found.reset_at = policy.start_until
            self._buckets[key] = found
        return found

    def take(self, who: str, resource: str, cost: int = 1, anonymous: bool = False) -> Tuple[bool, Bucket]:
        """Spend `cost`; False when the budget is already empty."""
        with self._lock:
            bucket = self._bucket(who, resource, anonymous)
            if bucket.remaining <= 0:
                return False, bucket
            bucket.remaining = max(0, bucket.remaining - cost)
            return True, bucket

    def exhaust(self, who: str, resource: str, reset_in: float, status: int, anonymous: bool = False) -> Bucket:
        with self._lock:
            bucket = self._bucket(who, resource, anonymous)
            bucket.remaining = 0
            bucket.reset_at = _at(time.time() + reset_in)
            bucket.exhausted_status = status
            return bucket

    def configure(self, resource: str, limit: int, remaining: Optional[int], reset_in: float,
                  who: Optional[str] = None) -> None:
        """Change the budget of every caller (or one) for a resource, now and
        for callers that have not called yet."""
        with self._lock:
            now = time.time()
            if who is None:
                self._defaults[resource] = Policy(limit=limit, window=int(reset_in) or 1,
                                                  start_remaining=remaining, start_until=_at(now + reset_in))
                self._anonymous.setdefault(resource, self._defaults[resource])
            for (owner, res), bucket in self._buckets.items():
                if res != resource or (who is not None and owner != who):
                    continue
                if who is None and owner.startswith("anon:"):
                    continue                  # the 60/h anonymous budget stays as it is
                bucket.limit = limit
                bucket.remaining = limit if remaining is None else remaining
                bucket.reset_at = _at(now + reset_in)
                bucket.window = int(reset_in) or 1
            if who is not None and (who, resource) not in self._buckets:
                self._buckets[(who, resource)] = Bucket(
                    limit=limit, remaining=limit if remaining is None else remaining,
                    reset_at=_at(now + reset_in), window=int(reset_in) or 1)
