# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every rate-limit header of every forge, read in one place per forge.

Why here and not in the limiter: the limiter obeys (waits, paces, gives
up); what a header means is forge knowledge and differs per forge (GitHub
and Bitbucket Cloud send ``X-RateLimit-*``, GitLab ``RateLimit-*`` with a
per-minute window, Retry-After is delta seconds or an HTTP date). Each
provider hands the limiter its reader (``PROFILES[provider].read``) and
reads its own refusals (429, 403) with the same function, so a header is
parsed one way only. The wire facts are in docs/forge-wire.md, "Rate-limit
headers".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Callable, Dict, Mapping, Optional

from ..limiter import Budget

# A reset header below this is a number of seconds, not an epoch time: the
# IETF RateLimit draft sends deltas, GitHub and GitLab send epoch seconds.
_EPOCH_THRESHOLD = 1000000000.0

# GitHub counts these resources per minute, all others per hour.
_GITHUB_PER_MINUTE = frozenset(("search", "code_search", "code_scanning_upload"))


@dataclass(frozen=True)
class RateWord:
    """What one answer's headers say about the limits: the budget (None when
    the forge sent none) and Retry-After in seconds (None when absent)."""

    budget: Optional[Budget] = None
    retry_after: Optional[float] = None


Reader = Callable[[Mapping[str, str], float], RateWord]


@dataclass(frozen=True)
class ForgeProfile:
    """What the limiter needs to know about one forge, and nothing more."""

    name: str                 # in messages: "GitHub api rate limit of ..."
    read: Reader
    default_window: str       # the window of a limit the forge named without headers
    advice: str               # how to get a higher limit


# ---- primitives ---------------------------------------------------------------

def lower_headers(headers: Optional[Mapping[str, str]]) -> Dict[str, str]:
    return {str(k).lower(): str(v).strip() for k, v in (headers or {}).items()}


def to_int(value: Optional[str]) -> Optional[int]:
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def epoch_or_delta(value: Optional[str], now: float) -> Optional[float]:
    """Epoch seconds from a reset header (epoch or delta seconds)."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number >= _EPOCH_THRESHOLD else now + number


def retry_after(value: Optional[str], now: float) -> Optional[float]:
    """Seconds to wait from Retry-After: delta seconds or an HTTP date (RFC 9110)."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now)


# ---- one reader per forge --------------------------------------------------------

def _x_ratelimit(lower: Mapping[str, str], now: float, default_resource: str) -> Optional[Budget]:
    if "x-ratelimit-remaining" not in lower and "x-ratelimit-limit" not in lower:
        return None
    resource = lower.get("x-ratelimit-resource") or default_resource
    return Budget(
        resource=resource,
        limit=to_int(lower.get("x-ratelimit-limit")),
        remaining=to_int(lower.get("x-ratelimit-remaining")),
        used=to_int(lower.get("x-ratelimit-used")),
        reset_at=epoch_or_delta(lower.get("x-ratelimit-reset"), now),
        window="minute" if resource in _GITHUB_PER_MINUTE else "hour",
        observed_at=now,
        near_limit=lower.get("x-ratelimit-nearlimit", "").lower() == "true",
    )


def github(headers: Mapping[str, str], now: float) -> RateWord:
    """X-RateLimit-{Limit,Remaining,Used,Reset(epoch),Resource}, Retry-After (seconds)."""
    lower = lower_headers(headers)
    return RateWord(_x_ratelimit(lower, now, "core"), retry_after(lower.get("retry-after"), now))


def bitbucket(headers: Mapping[str, str], now: float) -> RateWord:
    """Access tokens get X-RateLimit-Limit, -Resource and -NearLimit (no remaining, no reset)."""
    lower = lower_headers(headers)
    return RateWord(_x_ratelimit(lower, now, "core"), retry_after(lower.get("retry-after"), now))


def gitlab(headers: Mapping[str, str], now: float) -> RateWord:
    """RateLimit-{Limit,Observed,Remaining,Reset(epoch)}, RateLimit-Name; Retry-After
    in seconds or as an HTTP date. Windows are per minute."""
    lower = lower_headers(headers)
    budget = None
    if "ratelimit-remaining" in lower or "ratelimit-limit" in lower:
        budget = Budget(
            resource=lower.get("ratelimit-name") or "api",
            limit=to_int(lower.get("ratelimit-limit")),
            remaining=to_int(lower.get("ratelimit-remaining")),
            used=to_int(lower.get("ratelimit-observed")),
            reset_at=epoch_or_delta(lower.get("ratelimit-reset"), now),
            window="minute",
            observed_at=now,
        )
    return RateWord(budget, retry_after(lower.get("retry-after"), now))


def retry_after_only(headers: Mapping[str, str], now: float) -> RateWord:
    """Gitea, Forgejo and Bitbucket Data Center send no budget headers; a 429 may carry Retry-After."""
    return RateWord(None, retry_after(lower_headers(headers).get("retry-after"), now))


PROFILES: Dict[str, ForgeProfile] = {
    "github": ForgeProfile("GitHub", github, "hour",
                           "use a token with a higher limit (a GitHub App installation gets up to 12,500 "
                           "requests/hour)"),
    "gitlab": ForgeProfile("GitLab", gitlab, "minute",
                           "use a token with a higher limit (the GitLab administrator sets the user and IP "
                           "rate limits)"),
    "gitea": ForgeProfile("Gitea", retry_after_only, "hour", "use a token with a higher limit"),
    "bitbucket": ForgeProfile("Bitbucket", bitbucket, "hour",
                              "use a workspace access token (its limit grows with the workspace's paid seats, "
                              "up to 10,000 requests/hour)"),
    "bitbucket_server": ForgeProfile("Bitbucket Data Center", retry_after_only, "hour",
                                     "use a token with a higher limit"),
}
