# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One adaptive rate limiter per forge per process, shared by every thread.

Why one per forge and not one per thread: the forge counts requests per
token (primary limit) and punishes concurrent bursts (GitHub's secondary
limits), so the only place that can obey it is a single gate every API call
of the process goes through. Providers wrap each call:

    limiter.call(fn, *args, what="GET /orgs/acme/repos page 3", **kwargs)

and translate their client's exceptions into three signals raised from
inside ``fn``: ``SecondaryLimit``, ``PrimaryLimit`` and ``Transient``. They
feed response headers to ``observe()``, which reads them with the forge's
own reader (providers/rate_headers.py, handed over as ``read_headers``):
the limiter knows no header name, it only obeys what the reader says.

Why its own loop and not ``backoff.on_exception``: the delays are
backoff's (``backoff.expo`` with ``backoff.full_jitter``) and so is the
shape (max tries, a bound on the total time), but the decorator sleeps
with ``time.sleep``, which a stop request cannot cut short; here every
wait goes through the injected ``sleep`` (an Event wait at the doors, a
fake clock in tests) and is shared by every thread for forge-wide pauses.
The calls-per-second ceiling is ratelimit's ``limits``.

Rules (each one is what the forges document, see docs/forge-wire.md,
"Rate-limit headers"):

* Pacing. While a resource's remaining budget is above a reserve (10 % of its
  limit, at least ``reserve_min`` calls) calls are not slowed at all. Below
  the reserve, calls are spaced ``time_to_reset / remaining`` apart so that
  the last of the budget lasts until the reset instead of running out and
  stalling every thread for the rest of the window. A single pacing wait
  never exceeds ``max_wait``: pacing is a courtesy, not a reason to fail.
* Primary limit used up (a ``PrimaryLimit`` signal, or headers saying
  remaining 0): every thread waits until reset + 1 s, unless that is longer
  than ``max_wait``; then ``errors.RateLimitError`` says which limit, when it
  resets and what to change.
* Secondary limit: wait Retry-After if given; else until reset if remaining
  is 0; else between ``secondary_min_wait * 2**(n-1)`` and twice that on the
  n-th hit in a row (backoff's exponential series with its full jitter added
  on top, so it is never shorter than the minimum GitHub asks for). Every
  thread pauses, not only the one that was told. Gives up after
  ``secondary_max_tries`` hits.
* Transient failures: exponential backoff with full jitter (``backoff``),
  at most ``max_tries`` attempts and at most ``max_time`` seconds since the
  first, then ``errors.TransientError``.
* No silent hang: any wait longer than ``max_wait`` raises instead, and each
  wait of a second or more is announced through ``on_wait(seconds, reason)``.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Callable, Deque, Dict, List, Mapping, Optional, Tuple

from .errors import ConfigError, RateLimitError, TransientError

try:
    import backoff
    HAS_BACKOFF = True
    BACKOFF_IMPORT_ERROR = None
except ImportError:
    backoff = None
    HAS_BACKOFF = False
    BACKOFF_IMPORT_ERROR = traceback.format_exc()

try:
    from ratelimit import RateLimitException, limits
    HAS_RATELIMIT = True
    RATELIMIT_IMPORT_ERROR = None
except ImportError:
    RateLimitException = None
    limits = None
    HAS_RATELIMIT = False
    RATELIMIT_IMPORT_ERROR = traceback.format_exc()

IMPORT_ERROR = BACKOFF_IMPORT_ERROR or RATELIMIT_IMPORT_ERROR

log = logging.getLogger(__name__)

OnWait = Callable[[float, str], None]

# --------------------------------------------------------------------------
# Signals: providers raise these from inside the wrapped call.
# --------------------------------------------------------------------------


class SecondaryLimit(RateLimitError):
    """The forge asks to slow down (GitHub secondary limit, GitLab 429).

    A RateLimitError so that, should one escape a provider that forgot to
    wrap its call, the front door still shows a sensible message.
    """

    def __init__(self, retry_after: Optional[float] = None, reset_at: Optional[float] = None,
                 remaining: Optional[int] = None, message: str = "secondary rate limit") -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.reset_at = reset_at
        self.remaining = remaining
        self.message = message


class PrimaryLimit(RateLimitError):
    """The hourly/minutely budget is used up until ``reset_at`` (epoch s)."""

    def __init__(self, reset_at: float, limit: Optional[int] = None, resource: str = "core",
                 message: str = "rate limit exceeded") -> None:
        super().__init__(message)
        self.reset_at = reset_at
        self.limit = limit
        self.resource = resource
        self.message = message


class Transient(TransientError):
    """A failure worth retrying: 5xx, connection reset, truncated body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Budget:
    """The latest word of the forge on one rate-limit resource."""

    resource: str
    limit: Optional[int] = None
    remaining: Optional[int] = None
    used: Optional[int] = None
    reset_at: Optional[float] = None   # epoch seconds
    window: str = "hour"               # the limit counts requests per this
    observed_at: float = 0.0
    # Bitbucket Cloud tells neither remaining nor reset, only that less than
    # 20 % of the rolling hour's limit is left (X-RateLimit-NearLimit).
    near_limit: bool = False


@dataclass
class LimiterStats:
    """Counters for reports. ``calls`` counts attempts sent to the forge,
    ``retries`` the attempts that repeated an earlier one; ``waited_seconds``
    and ``waits`` count each pause once, however many threads sat it out."""

    calls: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    waits: List[str] = field(default_factory=list)
    budgets: Dict[str, Budget] = field(default_factory=dict)

    def as_dict(self) -> Dict[str, Any]:
        return {
            "calls": self.calls,
            "retries": self.retries,
            "waited_seconds": round(self.waited_seconds, 3),
            "waits": list(self.waits),
            "budgets": {
                name: {"limit": b.limit, "remaining": b.remaining, "reset_at": b.reset_at}
                for name, b in self.budgets.items()
            },
        }


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------
# The limiter
# --------------------------------------------------------------------------

class Limiter:
    """Thread-safe gate for every API call to one forge."""

    def __init__(self, name: str = "GitHub", *,
                 max_concurrent: int = 1,
                 read_headers: Optional[Callable[[Mapping[str, str], float], Any]] = None,
                 default_window: str = "hour",
                 advice: str = "use a token with a higher limit",
                 max_time: Optional[float] = None,
                 max_calls_per_second: Optional[float] = None,
                 max_wait: float = 900.0,
                 max_tries: int = 6,
                 backoff_base: float = 1.0,
                 backoff_max_delay: float = 60.0,
                 secondary_min_wait: float = 60.0,
                 secondary_max_tries: int = 5,
                 primary_max_tries: int = 3,
                 reserve_fraction: float = 0.1,
                 reserve_min: int = 10,
                 notify_min_seconds: float = 1.0,
                 max_wait_records: int = 100,
                 on_wait: Optional[OnWait] = None,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not HAS_BACKOFF or not HAS_RATELIMIT:
            missing = "backoff" if not HAS_BACKOFF else "ratelimit"
            raise ConfigError("the Python library %r is missing where the engine runs: "
                              "install it with `pip install %s`" % (missing, missing))
        _check_positive("max_concurrent", max_concurrent, integer=True)
        _check_positive("max_tries", max_tries, integer=True)
        _check_positive("secondary_max_tries", secondary_max_tries, integer=True)
        _check_positive("primary_max_tries", primary_max_tries, integer=True)
        if max_wait is None or max_wait < 0:
            raise ConfigError("max_wait: %r is not allowed; expected a number of seconds >= 0" % (max_wait,))
        if max_calls_per_second is not None:
            _check_positive("max_calls_per_second", max_calls_per_second)

        self.name = name
        self.read_headers = read_headers
        self.default_window = default_window
        self.advice = advice
        self.max_time = None if max_time is None else float(max_time)
        self.max_wait = float(max_wait)
        self.max_tries = int(max_tries)
        self.backoff_base = float(backoff_base)
        self.backoff_max_delay = float(backoff_max_delay)
        self.secondary_min_wait = float(secondary_min_wait)
        self.secondary_max_tries = int(secondary_max_tries)
        self.primary_max_tries = int(primary_max_tries)
        self.reserve_fraction = float(reserve_fraction)
        self.reserve_min = int(reserve_min)
        self.notify_min_seconds = float(notify_min_seconds)
        self.on_wait = on_wait
        self._clock = clock
        self._sleep = sleep

        self._lock = threading.RLock()
        self._slots = threading.BoundedSemaphore(int(max_concurrent))
        self._budgets: Dict[str, Budget] = {}     # the forge's word minus calls since
        self._observed: Dict[str, Budget] = {}    # the forge's word alone
        self._last_resource: Optional[str] = None
        self._retry_after: Optional[Tuple[float, float]] = None   # (seconds, observed_at)
        self._next_slot = 0.0
        # A pause every thread honours: (until, reason, id); the id lets only
        # the first thread that sits out a pause announce and count it.
        self._paused_until = 0.0
        self._pause_reason = ""
        self._pause_id = 0
        self._pause_announced = 0
        self._calls = 0
        self._retries = 0
        self._waited = 0.0
        self._waits: Deque[str] = deque(maxlen=max(1, int(max_wait_records)))
        self._ceiling = self._make_ceiling(max_calls_per_second)

    # ---- public -----------------------------------------------------------

    @property
    def stats(self) -> LimiterStats:
        """A consistent copy; safe to read while other threads call."""
        with self._lock:
            return LimiterStats(calls=self._calls, retries=self._retries,
                                waited_seconds=self._waited, waits=list(self._waits),
                                budgets=dict(self._budgets))

    def observe(self, headers: Mapping[str, str], now: Optional[float] = None) -> Optional[Budget]:
        """Learn the budget (and any Retry-After) from a response's headers,
        as the forge's reader reads them."""
        if self.read_headers is None or not headers:
            return None
        now = self._clock() if now is None else now
        word = self.read_headers(headers, now)
        with self._lock:
            if word.retry_after is not None:
                self._retry_after = (word.retry_after, now)
            if word.budget is None:
                return None
            self._remember(word.budget)
            return self._budgets[word.budget.resource]

    def call(self, fn: Callable[..., Any], *args: Any, what: str = "API call",
             resource: Optional[str] = None, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` within the forge's limits.

        ``what`` names the request in waits and errors; ``resource`` picks
        the budget that paces it (default: the one the forge reported last).
        """
        transient_delays = None
        secondary_delays = None
        transient_tries = secondary_hits = primary_hits = 0
        attempt = 0
        first_try = self._clock()
        while True:
            self._wait_for_turn(what, resource)
            attempt_started = self._clock()
            signal: Optional[Exception] = None
            with self._slots:
                self._pass_ceiling()
                with self._lock:
                    self._calls += 1
                    if attempt:
                        self._retries += 1
                    self._spend(resource)
                attempt += 1
                try:
                    return fn(*args, **kwargs)
                except (SecondaryLimit, PrimaryLimit, Transient) as exc:
                    signal = exc

            if isinstance(signal, PrimaryLimit):
                primary_hits += 1
                self._on_primary(signal, primary_hits, what)
            elif isinstance(signal, SecondaryLimit):
                secondary_hits += 1
                if secondary_delays is None:
                    secondary_delays = self._series(self.secondary_min_wait, None)
                self._on_secondary(signal, secondary_hits, secondary_delays, attempt_started, what)
            else:
                transient_tries += 1
                out_of_time = self.max_time is not None and self._clock() - first_try >= self.max_time
                if transient_tries >= self.max_tries or out_of_time:
                    raise TransientError(
                        "%s failed %d times in a row (last: %s); the %s API or the network is "
                        "unwell - check api_url and the network, or run again later (a rerun resumes)"
                        % (what, transient_tries, signal, self.name)) from signal
                if transient_delays is None:
                    transient_delays = self._series(self.backoff_base, self.backoff_max_delay)
                delay = min(backoff.full_jitter(next(transient_delays)), self.max_wait)
                self._wait(delay, "%s retry %d/%d after: %s" % (what, transient_tries + 1, self.max_tries, signal))

    # ---- signal handling ----------------------------------------------------

    def _on_primary(self, signal: PrimaryLimit, hits: int, what: str) -> None:
        now = self._clock()
        with self._lock:
            known = self._budgets.get(signal.resource)
            window = known.window if known else self._default_window(signal.resource)
            limit = signal.limit if signal.limit is not None else (known.limit if known else None)
            reset_at = signal.reset_at if signal.reset_at and signal.reset_at > 0 else None
            self._remember(Budget(resource=signal.resource, limit=None if limit is None else int(limit),
                                  remaining=0, reset_at=reset_at, window=window, observed_at=now))
            budget = self._budgets[signal.resource]
        if signal.reset_at and signal.reset_at > 0:
            wait = max(signal.reset_at - now + 1.0, 1.0)
        else:
            # No reset time given: wait the secondary minimum and let the
            # bound on tries end it if the forge keeps refusing.
            wait = self.secondary_min_wait
        if hits > self.primary_max_tries:
            raise RateLimitError(self._primary_message(budget, wait, what, waited_resets=hits - 1))
        if wait > self.max_wait:
            raise RateLimitError(self._primary_message(budget, wait, what))
        self._pause(now + wait, "%s exhausted until %s" % (self._limit_name(budget), _iso(now + wait)))

    def _on_secondary(self, signal: SecondaryLimit, hits: int, delays: Any,
                      attempt_started: float, what: str) -> None:
        now = self._clock()
        if hits > self.secondary_max_tries:
            raise RateLimitError(
                "%s secondary rate limit hit %d times in a row on %s. %s asks for fewer requests: "
                "set max_calls_per_second (e.g. 1), or run again in a few minutes (a rerun resumes)."
                % (self.name, hits, what, self.name))
        with self._lock:
            retry_after = signal.retry_after
            if retry_after is None and self._retry_after is not None:
                seconds, observed_at = self._retry_after
                if observed_at >= attempt_started:
                    retry_after = seconds
            budget = self._observed.get(self._last_resource or "")
        remaining = signal.remaining
        reset_at = signal.reset_at
        if budget is not None:
            # What the provider left out, the headers it fed to observe() may say.
            remaining = budget.remaining if remaining is None else remaining
            reset_at = budget.reset_at if reset_at is None else reset_at
        if retry_after is not None:
            wait, why = float(retry_after), "Retry-After"
        elif remaining == 0 and reset_at is not None and reset_at > now:
            wait, why = reset_at - now + 1.0, "remaining 0 until reset"
        else:
            base = next(delays)
            # backoff's full jitter on top of the base: never below the
            # minimum the forge asks for, spread so threads do not return
            # in lock-step.
            wait, why = base + backoff.full_jitter(base), "backoff after hit %d" % hits
        reason = "%s secondary rate limit (%s) on %s" % (self.name, why, what)
        if wait > self.max_wait:
            raise RateLimitError(
                "%s asks to wait %d s for its secondary rate limit on %s (%s), longer than max_wait "
                "(%d s). Raise max_wait to at least %d s, set max_calls_per_second (e.g. 1), or run again after %s."
                % (self.name, math.ceil(wait), what, why, self.max_wait, math.ceil(wait), _iso(now + wait)))
        self._pause(now + wait, reason)

    # ---- waiting ------------------------------------------------------------

    def _wait_for_turn(self, what: str, resource: Optional[str]) -> None:
        """Block until this call may go: shared pauses, exhaustion, pacing."""
        while True:
            announce = False
            with self._lock:
                now = self._clock()
                if self._paused_until > now:
                    wait, reason = self._paused_until - now, self._pause_reason
                    if self._pause_announced != self._pause_id:
                        self._pause_announced = self._pause_id
                        announce = True
                else:
                    budget = self._budgets.get(resource or self._last_resource or "")
                    wait, reason = self._budget_wait(budget, now, what)
                    if wait <= 0:
                        return
                    if budget is not None and budget.remaining is not None and budget.remaining <= 0:
                        # Exhausted: becomes a pause every thread shares.
                        if wait > self.max_wait:
                            raise RateLimitError(self._primary_message(budget, wait, what))
                        self._pause_locked(now + wait, reason)
                        self._pause_announced = self._pause_id
                    announce = True
            self._sleep_for(wait, reason, announce)

    def _budget_wait(self, budget: Optional[Budget], now: float, what: str) -> Tuple[float, str]:
        if budget is not None and budget.near_limit and budget.remaining is None and budget.limit:
            # A rolling window near its end: go no faster than the limit's own rate.
            if now < self._next_slot:
                return self._next_slot - now, "pacing %s: near the limit (X-RateLimit-NearLimit)" % (
                    self._limit_name(budget))
            spacing = (60.0 if budget.window == "minute" else 3600.0) / budget.limit
            self._next_slot = now + min(spacing, self.max_wait)
            return 0.0, ""
        if budget is None or budget.remaining is None or budget.reset_at is None:
            return 0.0, ""
        left = budget.reset_at - now
        if left <= 0:
            return 0.0, ""   # a new window has begun; the next response tells its budget
        if budget.remaining <= 0:
            return left + 1.0, "%s exhausted until %s" % (self._limit_name(budget), _iso(budget.reset_at))
        if budget.remaining > self._reserve(budget):
            return 0.0, ""
        if now < self._next_slot:
            return self._next_slot - now, (
                "pacing %s: %d left until %s" % (self._limit_name(budget), budget.remaining, _iso(budget.reset_at)))
        self._next_slot = now + min(left / budget.remaining, self.max_wait)
        return 0.0, ""

    def _reserve(self, budget: Budget) -> int:
        if budget.limit:
            return max(self.reserve_min, int(math.ceil(budget.limit * self.reserve_fraction)))
        return self.reserve_min

    def _pause(self, until: float, reason: str) -> None:
        with self._lock:
            self._pause_locked(until, reason)

    def _pause_locked(self, until: float, reason: str) -> None:
        if until > self._paused_until:
            self._paused_until = until
            self._pause_reason = reason
            self._pause_id += 1

    def _wait(self, seconds: float, reason: str) -> None:
        """A wait only this thread takes (transient backoff)."""
        if seconds > self.max_wait:
            raise RateLimitError("a wait of %d s (%s) is longer than max_wait (%d s); raise max_wait"
                                 % (math.ceil(seconds), reason, self.max_wait))
        self._sleep_for(seconds, reason, True)

    def _sleep_for(self, seconds: float, reason: str, announce: bool) -> None:
        if seconds <= 0:
            return
        if announce:
            with self._lock:
                self._waited += seconds
                self._waits.append("%.1f s: %s" % (seconds, reason))
            if seconds >= self.notify_min_seconds:
                log.info("waiting %.0f s for %s", seconds, reason)
                if self.on_wait is not None:
                    try:
                        self.on_wait(seconds, reason)
                    except Exception:  # a broken display must not stop the sync
                        log.exception("on_wait callback failed")
        self._sleep(seconds)

    # ---- the calls-per-second ceiling ---------------------------------------

    def _make_ceiling(self, per_second: Optional[float]) -> Optional[Callable[[], None]]:
        if not per_second:
            return None
        calls = max(1, int(per_second))
        # ratelimit counts `calls` per `period`; a fractional rate becomes a
        # longer period (0.5/s = 1 call per 2 s).
        gate = limits(calls=calls, period=calls / float(per_second), clock=self._clock, raise_on_limit=True)
        return gate(lambda: None)

    def _pass_ceiling(self) -> None:
        # ratelimit.sleep_and_retry does exactly this loop but with
        # time.sleep hard-wired; ours uses the injected sleep so tests run
        # on a fake clock.
        if self._ceiling is None:
            return
        while True:
            try:
                self._ceiling()
                return
            except RateLimitException as exc:
                self._sleep(max(float(exc.period_remaining), 0.001))

    # ---- budget bookkeeping -------------------------------------------------

    def _remember(self, new: Budget) -> None:
        """Take the forge's word. Within one window keep the lowest remaining
        it reported, because responses of parallel calls arrive out of order;
        compared with what the forge said, not with our own count (_spend),
        so that calls the forge did not charge for (304s) are given back."""
        old = self._observed.get(new.resource)
        if (old is not None and new.reset_at is not None and old.reset_at is not None
                and abs(old.reset_at - new.reset_at) < 1.0
                and old.remaining is not None and new.remaining is not None
                and old.remaining < new.remaining):
            new = replace(new, remaining=old.remaining)
        self._observed[new.resource] = new
        self._budgets[new.resource] = new
        self._last_resource = new.resource

    def _spend(self, resource: Optional[str]) -> None:
        """Count a call against the budget before the forge answers, so
        pacing holds even for calls whose headers are never observed."""
        name = resource or self._last_resource
        budget = self._budgets.get(name or "")
        if budget is None or budget.remaining is None or budget.remaining <= 0:
            return
        self._budgets[budget.resource] = replace(
            budget, remaining=budget.remaining - 1, used=None if budget.used is None else budget.used + 1)

    # ---- messages -----------------------------------------------------------

    def _limit_name(self, budget: Budget) -> str:
        name = "%s %s rate limit" % (self.name, budget.resource)
        if budget.limit:
            name += " of %d requests/%s" % (budget.limit, budget.window)
        return name

    def _default_window(self, resource: str) -> str:
        return self.default_window

    def _primary_message(self, budget: Budget, wait: float, what: str, waited_resets: int = 0) -> str:
        reset_at = budget.reset_at if budget.reset_at is not None else self._clock() + wait
        advice = self.advice
        if waited_resets:
            # The forge's clock and ours disagree, or another client spends
            # the same token: waiting again would not help.
            return ("%s is still used up (during %s) after waiting for its reset %d times; another "
                    "client may be spending the same token, or the clocks disagree. Use a separate "
                    "token, %s, or run again after %s."
                    % (self._limit_name(budget), what, waited_resets, advice, _iso(reset_at)))
        return ("%s is used up (during %s). It resets at %s, %d s from now, which is longer than "
                "max_wait (%d s). Raise max_wait to at least %d s, %s, or run again after %s."
                % (self._limit_name(budget), what, _iso(reset_at), math.ceil(wait), self.max_wait,
                   math.ceil(wait), advice, _iso(reset_at)))

    @staticmethod
    def _series(factor: float, max_value: Optional[float]) -> Any:
        """backoff's exponential generator, primed the way backoff primes it."""
        delays = backoff.expo(base=2, factor=factor, max_value=max_value)
        next(delays)
        return delays


def _check_positive(name: str, value: Any, integer: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
    if integer:
        ok = ok and float(value).is_integer()
    if not ok:
        raise ConfigError("%s: %r is not allowed; expected a %s greater than 0"
                          % (name, value, "whole number" if integer else "number"))
