# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Who is calling Bitbucket Cloud or Data Center, by Bitbucket's own rules.

The other services accept a token wherever it appears (see web.credentials);
Bitbucket is stricter, and the strictness is what the client must get right:

Cloud (support.atlassian.com bitbucket-cloud docs: using-access-tokens,
using-api-tokens, and the app password deprecation notice):
- access tokens (the forge's tokens): REST `Authorization: Bearer T`; git
  Basic with the fixed user `x-token-auth`;
- user API tokens (Forge(bitbucket_api_tokens=...), owned by forge-admin):
  REST Basic with the Atlassian account email (forge-admin@forge.test); git
  Basic with the Bitbucket username (forge-admin) or the fixed user
  `x-bitbucket-api-token-auth`, never the email; as Bearer they are refused
  ("Token is invalid, expired, or not supported for this endpoint.");
- app passwords (Forge(bitbucket_app_passwords=...)): switched off, every
  request carrying one answers 401, REST and git alike.

Data Center (confluence.atlassian.com bitbucketserver "HTTP access tokens"):
HTTP access tokens (the forge's tokens, personal tokens of their login) as
`Authorization: Bearer T`, or Basic with the token owner's user name.
"""

from __future__ import annotations

import base64
import collections
import math
import threading
import time
from dataclasses import dataclass
from typing import Deque, Dict, Optional, Sequence, Tuple, Union

from .auth import ADMIN_LOGIN, Principal, TokenBook
from .web import Request

API_TOKEN_GIT_USER = "x-bitbucket-api-token-auth"
ACCESS_TOKEN_GIT_USER = "x-token-auth"
EMAIL_DOMAIN = "forge.test"


class Refused(Exception):
    """Credentials were presented and Bitbucket would refuse them (401).
    `basic` says whether they came as Basic (the 401 then is a challenge)."""

    def __init__(self, basic: bool) -> None:
        super().__init__("refused")
        self.basic = basic


def email_of(login: str) -> str:
    return "%s@%s" % (login, EMAIL_DOMAIN)


def as_list(value: Union[None, str, Sequence[str]]) -> Tuple[str, ...]:
    """A list option, also from a command line (comma-separated)."""
    if not value:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(value)


def parse_authorization(req: Request) -> Tuple[str, str, str]:
    """(scheme, user, secret): ("", "", "") without credentials; Bearer has no user."""
    header = (req.header("Authorization") or "").strip()
    scheme, _sep, value = header.partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme == "bearer" and value:
        return "bearer", "", value
    if scheme == "basic" and value:
        try:
            user, _sep, secret = base64.b64decode(value).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return "basic", "", ""
        return "basic", user, secret
    return "", "", ""


class BitbucketAuth:
    """Identifies callers for both Bitbucket services."""

    def __init__(self, tokens: TokenBook, api_tokens: Sequence[str] = (), app_passwords: Sequence[str] = ()) -> None:
        self.tokens = tokens
        self.api_tokens = frozenset(api_tokens)
        self.app_passwords = frozenset(app_passwords)

    def _api_token_principal(self, token: str) -> Principal:
        return Principal(token=token, login=ADMIN_LOGIN, user_id=1, kind="user", admin=True)

    def cloud_rest(self, req: Request) -> Optional[Principal]:
        """None: anonymous. Raises Refused."""
        scheme, user, secret = parse_authorization(req)
        if not scheme:
            return None
        if secret in self.app_passwords:
            raise Refused(scheme == "basic")
        if scheme == "bearer":
            found = self.tokens.lookup(secret)
            if found is None:
                raise Refused(False)
            return Principal(token=found.token, login=found.login, user_id=found.user_id, kind="access_token")
        if secret in self.api_tokens and user.lower() == email_of(ADMIN_LOGIN):
            return self._api_token_principal(secret)
        raise Refused(True)

    def cloud_git(self, req: Request) -> Optional[Principal]:
        scheme, user, secret = parse_authorization(req)
        if not scheme:
            return None
        if scheme != "basic" or secret in self.app_passwords:
            raise Refused(scheme == "basic")
        if user == ACCESS_TOKEN_GIT_USER:
            found = self.tokens.lookup(secret)
            if found is not None:
                return found
        elif secret in self.api_tokens and user in (API_TOKEN_GIT_USER, ADMIN_LOGIN):
            return self._api_token_principal(secret)
        raise Refused(True)

    def server(self, req: Request) -> Optional[Principal]:
        """Data Center, REST and git alike."""
        scheme, user, secret = parse_authorization(req)
        if not scheme:
            return None
        found = self.tokens.lookup(secret)
        if found is None or (scheme == "basic" and user.lower() != found.login.lower()):
            raise Refused(scheme == "basic")
        return found


@dataclass
class Window:
    limit: int
    seconds: float
    times: Deque[float]


class RollingBudgets:
    """Bitbucket Cloud's request limit: a rolling window (one hour) per
    caller, not a budget that refills at a reset time. A request is refused
    while `limit` requests lie within the last `seconds`."""

    def __init__(self, limit: int = 1000, seconds: float = 3600.0, anonymous_limit: int = 60) -> None:
        self._lock = threading.Lock()
        self.limit, self.seconds, self.anonymous_limit = limit, seconds, anonymous_limit
        self._start_spent = 0           # set_rate_limit(remaining=...) for callers not seen yet
        self._windows: Dict[str, Window] = {}

    def _window(self, who: str, anonymous: bool) -> Window:
        found = self._windows.get(who)
        if found is None:
            limit = self.anonymous_limit if anonymous else self.limit
            spent = 0 if anonymous else min(self._start_spent, limit)
            found = self._windows[who] = Window(limit, self.seconds, collections.deque([time.monotonic()] * spent))
        return found

    def take(self, who: str, anonymous: bool) -> Tuple[bool, int, int]:
        """(allowed, limit, left after this request)."""
        now = time.monotonic()
        with self._lock:
            window = self._window(who, anonymous)
            while window.times and window.times[0] <= now - window.seconds:
                window.times.popleft()
            if len(window.times) >= window.limit:
                return False, window.limit, 0
            window.times.append(now)
            return True, window.limit, window.limit - len(window.times)

    def configure(self, limit: int, remaining: Optional[int], seconds: float, who: Optional[str] = None) -> None:
        """A new limit and window length for everyone (anonymous callers
        keep theirs) or for one caller; `remaining` pre-spends the window so
        that only that many requests are left."""
        now = time.monotonic()
        spent = 0 if remaining is None else max(0, limit - remaining)
        with self._lock:
            if who is None:
                self.limit, self.seconds, self._start_spent = limit, seconds, spent
                self._windows = {k: w for k, w in self._windows.items() if k.startswith("anon:")}
            else:
                self._windows[who] = Window(limit, seconds, collections.deque([now] * spent))

    @staticmethod
    def near_limit(limit: int, left: int) -> bool:
        """Bitbucket's X-RateLimit-NearLimit: less than 20 % of the limit left."""
        return left < math.ceil(limit * 0.2)
