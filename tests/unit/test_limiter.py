# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The limiter on a fake clock: minutes of waiting run in microseconds."""

from __future__ import annotations

import threading
import time
from email.utils import formatdate

import pytest

from bulk_clone_engine.errors import AuthError, ConfigError, RateLimitError, TransientError
from bulk_clone_engine.limiter import Limiter, PrimaryLimit, SecondaryLimit, Transient
from bulk_clone_engine.providers import rate_headers

T0 = 1_800_000_000.0   # an epoch time in 2027; where the fake_time fixture starts (tests/conftest.py)


def either_forge(headers, now):
    """GitHub's reader or GitLab's, by the headers' names (one limiter, two forges' headers, in tests only)."""
    if any(str(k).lower().startswith("ratelimit-") for k in headers):
        return rate_headers.gitlab(headers, now)
    return rate_headers.github(headers, now)


def make(fake, **options) -> Limiter:
    waits = []
    options.setdefault("on_wait", lambda s, r: waits.append((s, r)))
    options.setdefault("read_headers", either_forge)
    profile = rate_headers.PROFILES[str(options.get("name", "GitHub")).lower()]
    options.setdefault("default_window", profile.default_window)
    options.setdefault("advice", profile.advice)
    limiter = Limiter(clock=fake.clock, sleep=fake.sleep, **options)
    limiter.test_waits = waits
    return limiter


def github_headers(remaining, reset_at, limit=5000, resource="core"):
    return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Used": str(limit - remaining), "X-RateLimit-Reset": str(int(reset_at)),
            "X-RateLimit-Resource": resource}


class Scripted:
    """fn for limiter.call: raises the scripted signals, then returns 'ok'."""

    def __init__(self, *outcomes) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.outcomes:
            outcome = self.outcomes.pop(0)
            if isinstance(outcome, BaseException):
                raise outcome
            if callable(outcome):
                return outcome()
        return ("ok", args, kwargs)


# ---- headers ----------------------------------------------------------------

def test_observe_reads_github_headers_in_any_case(fake_time):
    limiter = make(fake_time)
    headers = {"x-ratelimit-limit": "5000", "X-RATELIMIT-REMAINING": "4321", "X-Ratelimit-Used": "679",
               "x-ratelimit-reset": str(int(T0 + 1800)), "x-ratelimit-resource": "graphql"}
    budget = limiter.observe(headers)
    assert (budget.resource, budget.limit, budget.remaining, budget.used, budget.reset_at, budget.window) == \
        ("graphql", 5000, 4321, 679, T0 + 1800, "hour")
    assert limiter.stats.budgets["graphql"].remaining == 4321


def test_observe_reads_gitlab_headers_and_keeps_one_budget_per_resource(fake_time):
    limiter = make(fake_time, name="GitLab")
    limiter.observe(github_headers(100, T0 + 60, resource="core"))
    limiter.observe({"RateLimit-Limit": "2000", "RateLimit-Observed": "12", "RateLimit-Remaining": "1988",
                     "RateLimit-Reset": str(int(T0 + 42)), "RateLimit-Name": "throttle_authenticated_api"})
    budgets = limiter.stats.budgets
    assert budgets["throttle_authenticated_api"].remaining == 1988
    assert budgets["throttle_authenticated_api"].used == 12
    assert budgets["throttle_authenticated_api"].window == "minute"
    assert budgets["core"].remaining == 100


def test_reset_given_as_delta_seconds_becomes_epoch():
    budget = rate_headers.gitlab({"ratelimit-remaining": "5", "ratelimit-reset": "30"}, now=T0).budget
    assert budget.reset_at == T0 + 30


def test_headers_without_rate_limit_or_with_garbage_are_harmless(fake_time):
    limiter = make(fake_time)
    assert limiter.observe({"Content-Type": "application/json"}) is None
    budget = limiter.observe({"x-ratelimit-remaining": "lots", "x-ratelimit-reset": "soon"})
    assert budget.remaining is None and budget.reset_at is None
    assert limiter.call(Scripted())[0] == "ok"
    assert fake_time.sleeps == []


def test_retry_after_as_seconds_and_as_http_date():
    assert rate_headers.retry_after("42", now=T0) == 42.0
    assert rate_headers.retry_after(formatdate(T0 + 90, usegmt=True), now=T0) == pytest.approx(90.0)
    assert rate_headers.retry_after("not a date", now=T0) is None
    assert rate_headers.retry_after("", now=T0) is None
    # Every provider reads Retry-After with that one function.
    for provider in ("github", "gitlab", "gitea", "bitbucket", "bitbucket_server"):
        word = rate_headers.PROFILES[provider].read({"Retry-After": formatdate(T0 + 90, usegmt=True)}, T0)
        assert word.retry_after == pytest.approx(90.0)


def test_out_of_order_responses_in_one_window_keep_the_lowest_remaining(fake_time):
    limiter = make(fake_time)
    limiter.observe(github_headers(40, T0 + 600))
    limiter.observe(github_headers(45, T0 + 600))      # an older response, late
    assert limiter.stats.budgets["core"].remaining == 40
    limiter.observe(github_headers(4999, T0 + 4200))   # a new window
    assert limiter.stats.budgets["core"].remaining == 4999


# ---- pacing -------------------------------------------------------------------

def test_large_budget_is_not_throttled(fake_time):
    limiter = make(fake_time)
    limiter.observe(github_headers(4000, T0 + 3000))
    fn = Scripted()
    for page in range(50):
        limiter.call(fn, what="page %d" % page)
    assert fn.calls == 50
    assert fake_time.sleeps == []
    assert limiter.stats.calls == 50 and limiter.stats.retries == 0


def test_low_budget_is_spread_until_the_reset_then_waits_for_it(fake_time):
    limiter = make(fake_time)
    limiter.observe(github_headers(5, T0 + 100))   # 5 left, 100 s to reset: one call per 20 s
    fn = Scripted()
    for _i in range(5):
        limiter.call(fn)
    assert fake_time.sleeps == pytest.approx([20.0, 20.0, 20.0, 20.0])
    # The budget is spent: the sixth call waits for the reset (+1 s).
    limiter.call(fn)
    assert fake_time.sleeps[-1] == pytest.approx(21.0)
    assert fake_time.now == pytest.approx(T0 + 101)
    assert fn.calls == 6
    assert any("exhausted" in reason for _seconds, reason in limiter.test_waits)
    assert any("pacing GitHub core rate limit of 5000 requests/hour" in reason for _seconds, reason in limiter.test_waits)


def test_pacing_never_waits_longer_than_max_wait(fake_time):
    limiter = make(fake_time, max_wait=10)
    limiter.observe(github_headers(2, T0 + 3000))   # 1500 s per call if fully spread
    fn = Scripted()
    limiter.call(fn)
    limiter.call(fn)
    assert fake_time.sleeps == [10]


# ---- primary limit ------------------------------------------------------------

def test_primary_limit_waits_until_reset_plus_one_second_then_retries(fake_time):
    limiter = make(fake_time)
    fn = Scripted(PrimaryLimit(reset_at=T0 + 30, limit=5000, resource="core", message="API rate limit exceeded"))
    assert limiter.call(fn, "acme", what="GET /orgs/acme/repos page 3", per_page=100) == \
        ("ok", ("acme",), {"per_page": 100})
    assert fake_time.sleeps == [31.0]
    assert fn.calls == 2
    assert limiter.stats.retries == 1
    seconds, reason = limiter.test_waits[0]
    assert seconds == 31.0
    assert "GitHub core rate limit of 5000 requests/hour" in reason


def test_primary_limit_longer_than_max_wait_fails_with_an_actionable_message(fake_time):
    limiter = make(fake_time, max_wait=900)
    fn = Scripted(PrimaryLimit(reset_at=T0 + 3600, limit=5000, resource="core"))
    with pytest.raises(RateLimitError) as caught:
        limiter.call(fn, what="GET /orgs/acme/repos page 3")
    message = str(caught.value)
    assert "GitHub core rate limit of 5000 requests/hour" in message
    assert "resets at 2027-01-15T09:00:00Z" in message
    assert "Raise max_wait to at least 3601 s" in message
    assert "GitHub App" in message
    assert "run again after 2027-01-15T09:00:00Z" in message
    assert "GET /orgs/acme/repos page 3" in message
    assert fake_time.sleeps == []      # never a silent hang


def test_exhausted_budget_in_headers_stops_before_calling(fake_time):
    limiter = make(fake_time, max_wait=60)
    limiter.observe(github_headers(0, T0 + 1200, limit=1000))
    fn = Scripted()
    with pytest.raises(RateLimitError, match=r"core rate limit of 1000 requests/hour is used up"):
        limiter.call(fn)
    assert fn.calls == 0


def test_exhausted_budget_shorter_than_max_wait_is_waited_out(fake_time):
    limiter = make(fake_time, max_wait=60)
    limiter.observe(github_headers(0, T0 + 20))
    fn = Scripted()
    limiter.call(fn)
    assert fake_time.sleeps == [21.0]
    assert fn.calls == 1


def test_primary_limit_that_never_resets_gives_up(fake_time):
    limiter = make(fake_time, primary_max_tries=2)
    # The forge's clock is behind ours: the reset is always "now".
    fn = Scripted(*[PrimaryLimit(reset_at=T0 - 5, limit=60, resource="core") for _i in range(10)])
    with pytest.raises(RateLimitError, match="still used up"):
        limiter.call(fn)
    assert fn.calls == 3


def test_gitlab_limit_message_names_minutes(fake_time):
    limiter = make(fake_time, name="GitLab", max_wait=5)
    fn = Scripted(PrimaryLimit(reset_at=T0 + 50, limit=2000, resource="api"))
    with pytest.raises(RateLimitError, match="GitLab api rate limit of 2000 requests/minute"):
        limiter.call(fn)


# ---- secondary limit ----------------------------------------------------------

def test_secondary_limit_honours_retry_after(fake_time):
    limiter = make(fake_time)
    fn = Scripted(SecondaryLimit(retry_after=42, message="You have exceeded a secondary rate limit"))
    limiter.call(fn, what="GET /orgs/acme/repos page 2")
    assert fake_time.sleeps == [42.0]
    seconds, reason = limiter.test_waits[0]
    assert seconds == 42.0
    assert "GitHub secondary rate limit" in reason and "GET /orgs/acme/repos page 2" in reason


def test_secondary_limit_uses_retry_after_seen_in_the_error_response_headers(fake_time):
    limiter = make(fake_time, name="GitLab")

    def rejected():
        limiter.observe({"Retry-After": "17", "Content-Type": "text/plain"})
        raise SecondaryLimit(message="Retry later")

    fn = Scripted(rejected)
    limiter.call(fn)
    assert fake_time.sleeps == [17.0]


def test_stale_retry_after_from_an_earlier_call_is_ignored(fake_time):
    limiter = make(fake_time, secondary_min_wait=60)
    limiter.observe({"Retry-After": "3"})
    fake_time.sleep(1)     # time passes; then a secondary limit without Retry-After
    fake_time.sleeps.clear()
    limiter.call(Scripted(SecondaryLimit()))
    assert 60 <= fake_time.sleeps[0] <= 120


def test_secondary_limit_with_remaining_zero_waits_until_reset(fake_time):
    limiter = make(fake_time)
    limiter.call(Scripted(SecondaryLimit(remaining=0, reset_at=T0 + 300)))
    assert fake_time.sleeps == [301.0]


def test_secondary_limit_without_hints_backs_off_exponentially_from_the_minimum(fake_time):
    limiter = make(fake_time, secondary_min_wait=60)
    fn = Scripted(SecondaryLimit(remaining=3000), SecondaryLimit(remaining=3000), SecondaryLimit(remaining=3000))
    limiter.call(fn)
    first, second, third = fake_time.sleeps
    assert 60 <= first <= 120
    assert 120 <= second <= 240
    assert 240 <= third <= 480
    assert limiter.stats.retries == 3


def test_secondary_limit_gives_up_after_the_bound(fake_time):
    limiter = make(fake_time, secondary_min_wait=0.01, secondary_max_tries=3)
    fn = Scripted(*[SecondaryLimit() for _i in range(10)])
    with pytest.raises(RateLimitError, match="secondary rate limit hit 4 times in a row on GET /x") as caught:
        limiter.call(fn, what="GET /x")
    # The hint names an option users have (the API is called serially whatever `concurrency` is).
    assert "set max_calls_per_second" in str(caught.value) and "concurrency" not in str(caught.value)
    assert fn.calls == 4


def test_secondary_wait_longer_than_max_wait_fails_instead_of_hanging(fake_time):
    limiter = make(fake_time, max_wait=100)
    fn = Scripted(SecondaryLimit(retry_after=1000))
    with pytest.raises(RateLimitError, match=r"Raise max_wait to at least 1000 s"):
        limiter.call(fn)
    assert fake_time.sleeps == []


def test_secondary_pause_holds_every_thread_and_is_announced_once(fake_time):
    release = threading.Event()
    a_sleeping = threading.Event()
    sleeps_by_thread = []

    def sleep(seconds):
        sleeps_by_thread.append((threading.current_thread().name, seconds))
        if threading.current_thread().name == "A":
            a_sleeping.set()
            assert release.wait(5)
        fake_time.sleep(seconds)

    waits = []
    limiter = Limiter(clock=fake_time.clock, sleep=sleep, max_concurrent=4, on_wait=lambda s, r: waits.append(r),
                      read_headers=rate_headers.github)
    order = []
    fn_a = Scripted(SecondaryLimit(retry_after=30), lambda: order.append("A ran"))

    def fn_b():
        order.append("B ran")

    thread_a = threading.Thread(target=limiter.call, args=(fn_a,), name="A")
    thread_a.start()
    assert a_sleeping.wait(5)
    thread_b = threading.Thread(target=limiter.call, args=(fn_b,), name="B")
    thread_b.start()
    thread_b.join(5)
    release.set()
    thread_a.join(5)
    assert not thread_a.is_alive() and not thread_b.is_alive()
    # B was never told about the limit, yet it sat out the pause before running.
    assert ("B", 30.0) in sleeps_by_thread
    assert order == ["B ran", "A ran"]
    assert len(waits) == 1 and "secondary rate limit" in waits[0]
    assert limiter.stats.waited_seconds == 30.0


# ---- transient failures -------------------------------------------------------

def test_transient_failures_are_retried_with_growing_jittered_delays(fake_time):
    limiter = make(fake_time, backoff_base=1.0)
    fn = Scripted(Transient("502 Bad Gateway"), Transient("connection reset"), Transient("truncated JSON"))
    assert limiter.call(fn)[0] == "ok"
    assert fn.calls == 4
    assert len(fake_time.sleeps) == 3
    for n, delay in enumerate(fake_time.sleeps):
        assert 0 <= delay <= 2 ** n       # full jitter over 1, 2, 4 s
    assert limiter.stats.retries == 3


def test_transient_failures_give_up_after_max_tries_naming_what_failed(fake_time):
    limiter = make(fake_time, max_tries=6, backoff_base=0.001)
    fn = Scripted(*[Transient("503 Service Unavailable") for _i in range(10)])
    with pytest.raises(TransientError) as caught:
        limiter.call(fn, what="GET /groups/platform/projects page 7")
    assert not isinstance(caught.value, Transient)
    assert "GET /groups/platform/projects page 7 failed 6 times" in str(caught.value)
    assert "503 Service Unavailable" in str(caught.value)
    assert isinstance(caught.value.__cause__, Transient)
    assert fn.calls == 6


def test_other_errors_pass_through_without_retry(fake_time):
    limiter = make(fake_time)
    fn = Scripted(AuthError("bad credentials"))
    with pytest.raises(AuthError):
        limiter.call(fn)
    assert fn.calls == 1 and fake_time.sleeps == []


# ---- concurrency ----------------------------------------------------------------

def _run_threads(limiter, fn, threads=4, calls=5):
    errors = []

    def worker():
        try:
            for _i in range(calls):
                limiter.call(fn)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    pool = [threading.Thread(target=worker) for _i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(10)
    assert not errors


def test_one_call_in_flight_by_default_across_threads():
    limiter = Limiter()
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def fn():
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.002)
        with lock:
            state["now"] -= 1

    _run_threads(limiter, fn)
    assert state["max"] == 1
    assert limiter.stats.calls == 20


def test_max_concurrent_lets_that_many_calls_overlap():
    limiter = Limiter(max_concurrent=2)
    meet = threading.Barrier(2, timeout=5)
    # Two calls can only meet at the barrier if both are in flight at once.
    _run_threads(limiter, meet.wait, threads=2, calls=3)
    assert limiter.stats.calls == 6


def test_calls_per_second_ceiling_uses_the_injected_clock(fake_time):
    limiter = make(fake_time, max_calls_per_second=2)
    stamps = []
    for _i in range(7):
        limiter.call(lambda: stamps.append(fake_time.clock()))
    per_second = {}
    for stamp in stamps:
        per_second[int(stamp - T0)] = per_second.get(int(stamp - T0), 0) + 1
    assert max(per_second.values()) == 2
    assert stamps[-1] - T0 >= 3


def test_fractional_calls_per_second(fake_time):
    limiter = make(fake_time, max_calls_per_second=0.5)
    stamps = []
    for _i in range(3):
        limiter.call(lambda: stamps.append(fake_time.clock()))
    assert stamps[1] - stamps[0] >= 2 and stamps[2] - stamps[1] >= 2


# ---- stats, options, sharing ----------------------------------------------------

def test_wait_records_are_bounded(fake_time):
    limiter = make(fake_time, max_wait_records=3)
    fn = Scripted(*[SecondaryLimit(retry_after=n + 1) for n in range(5)])
    limiter.call(fn)
    stats = limiter.stats
    assert len(stats.waits) == 3
    assert stats.waits[-1].startswith("5.0 s: GitHub secondary rate limit")
    assert stats.waited_seconds == 1 + 2 + 3 + 4 + 5
    assert stats.as_dict()["retries"] == 5


def test_broken_on_wait_callback_does_not_break_the_call(fake_time):

    def broken(seconds, reason):
        raise ValueError("display gone")

    limiter = Limiter(clock=fake_time.clock, sleep=fake_time.sleep, on_wait=broken)
    assert limiter.call(Scripted(SecondaryLimit(retry_after=5)))[0] == "ok"


@pytest.mark.parametrize("option, value", [
    ("max_concurrent", 0), ("max_concurrent", 1.5), ("max_tries", 0), ("max_wait", -1),
    ("max_calls_per_second", 0), ("secondary_max_tries", "3"),
])
def test_bad_options_name_the_option(option, value):
    with pytest.raises(ConfigError, match=r"^%s: " % option):
        Limiter(**{option: value})


def test_primary_limit_without_a_reset_time_waits_the_minimum_then_gives_up(fake_time):
    limiter = make(fake_time, secondary_min_wait=7, primary_max_tries=2)
    fn = Scripted(*[PrimaryLimit(reset_at=0.0, limit=None, resource="core") for _i in range(5)])
    with pytest.raises(RateLimitError, match="still used up"):
        limiter.call(fn)
    assert fake_time.sleeps == [7, 7]


def test_gitlab_429_without_retry_after_waits_for_the_observed_reset(fake_time):
    limiter = make(fake_time, name="GitLab")

    def throttled():
        limiter.observe({"RateLimit-Limit": "600", "RateLimit-Remaining": "0",
                         "RateLimit-Reset": str(int(T0 + 25))})
        raise SecondaryLimit(message="GitLab throttled GET /groups/x/projects (429 Retry later)")

    limiter.call(Scripted(throttled))
    assert fake_time.sleeps == [26.0]


def test_the_forges_count_overrides_our_own_within_a_window(fake_time):
    limiter = make(fake_time)
    limiter.observe(github_headers(300, T0 + 600))
    for _i in range(5):
        limiter.call(Scripted())
    assert limiter.stats.budgets["core"].remaining == 295       # counted locally meanwhile
    limiter.observe(github_headers(299, T0 + 600))       # the forge charged only one (304s are free)
    assert limiter.stats.budgets["core"].remaining == 299


def test_the_limiter_reads_no_header_itself():
    """Issue 11 point 4: forge headers are read in providers/rate_headers.py only; the limiter obeys."""
    import inspect
    from bulk_clone_engine import limiter as module
    source = inspect.getsource(module).lower()
    for name in ("x-ratelimit-remaining", "x-ratelimit-reset", "ratelimit-remaining", "ratelimit-reset"):
        assert '"%s"' % name not in source
    assert "parsedate" not in source
    assert Limiter().observe({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(T0))}) is None
