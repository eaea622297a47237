# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Gitea and Forgejo, on plain requests.

Written by hand because the dependency set has no Gitea client for Python
(the maintained SDK is Go) and the listing needs only a few GETs. The server
caps `limit` at its MAX_RESPONSE_ITEMS silently, so we ask /settings/api for
the cap once and page with exactly that size. Pages are read last first
(see ReversePageOrder): the one-item request that checks the owner also
tells the total, so the walk starts on the last page.
"""

from __future__ import annotations

import time
import traceback
from typing import Any, Dict, Optional, Tuple
from urllib.parse import quote

from ..config import ForgeConfig, OwnerRef
from ..errors import AuthError, ConfigError, ForgeError, NotFoundError
from ..limiter import Limiter, SecondaryLimit, Transient
from ..paginator import Page
from ..repo import Repo
from .base import (GitAuth, NotFoundAnswer, OriginBoundSession, OwnerStream, Provider, ReversePageOrder, api_redirect, page_number,
                   parse_link_header, transport_failure)
from .rate_headers import retry_after_only as read_rate_headers

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()


def gitea_api_base(api_url: str) -> str:
    url = api_url.rstrip("/")
    return url if url.endswith("/api/v1") else url + "/api/v1"


class GiteaProvider(Provider):
    name = "gitea"

    def __init__(self, cfg: ForgeConfig, limiter: Limiter) -> None:
        super().__init__(cfg, limiter)
        self._base = gitea_api_base(cfg.api_url)
        # Redirects to another origin are reported, not followed (see OriginBoundSession).
        self._session = OriginBoundSession()
        self._session.headers["User-Agent"] = "gizzahub-bulk-clone"
        self._session.headers["Accept"] = "application/json"
        if cfg.token:
            self._session.headers["Authorization"] = "token %s" % cfg.token
        self._page_size: Optional[int] = None

    def git_auth(self) -> GitAuth:
        token = self.cfg.token
        return GitAuth("oauth2", (lambda: token) if token else None)

    def _get(self, path: str, params: Optional[Dict[str, Any]], what: str):
        url = path if path.startswith("http") else self._base + path

        def attempt():
            self.stats.requests += 1
            try:
                response = self._session.get(url, params=params, timeout=self.cfg.timeout,
                                             verify=self.cfg.validate_certs)
            except requests.exceptions.RequestException as exc:
                raise transport_failure(exc, what, self._base)
            self.limiter.observe(response.headers)
            status = response.status_code
            if 300 <= status < 400:
                raise api_redirect(self.cfg.api_url, what, status, response.headers.get("Location"),
                                   "/api/v1" + path if path.startswith("/") else None)
            if status == 401:
                raise AuthError("Gitea at %s rejected the token (401) during %s: check `token`"
                                % (self._base, what))
            if status == 404:
                raise NotFoundAnswer(what)
            if status == 429:
                raise SecondaryLimit(read_rate_headers(response.headers, time.time()).retry_after,
                                     None, None, "Gitea throttled %s (429)" % what)
            if status >= 500:
                raise Transient("%s: Gitea answered %d" % (what, status))
            if status == 403:
                raise ForgeError("Gitea refused %s (403): the token lacks access" % what)
            if status >= 400:
                raise ForgeError("Gitea answered %d to %s: %s" % (status, what, response.text[:200]))
            try:
                return response, response.json()
            except ValueError as exc:
                raise transport_failure(exc, what, self._base)
        return self.limiter.call(attempt, what=what)

    def _check_api(self) -> None:
        try:
            data = self._get("/version", None, "GET /version")[1]
        except (NotFoundAnswer, ForgeError):
            data = None
        if not isinstance(data, dict) or "version" not in data:
            raise ConfigError("api_url %s does not answer like a Gitea or Forgejo server "
                              "(no /api/v1/version): give the server's base URL" % self.cfg.api_url)

    def _page_limit(self) -> int:
        if self._page_size is None:
            try:
                settings = self._get("/settings/api", None, "GET /settings/api")[1]
                cap = int(settings.get("max_response_items") or 50)
            except (NotFoundAnswer, ForgeError, ValueError, TypeError):
                cap = 50
            self._page_size = max(1, min(self.cfg.per_page, cap))
        return self._page_size

    def _count(self, path: str, what: str) -> Optional[int]:
        """How many repos `path` lists, from a one-item page (X-Total-Count, or
        rel="last" which then is the count); None when the server says neither.
        Raises NotFoundAnswer when the owner does not exist as that kind."""
        response = self._get(path, {"page": 1, "limit": 1}, what)[0]
        total = response.headers.get("X-Total-Count")
        if total is not None and total.strip().isdigit():
            return int(total)
        return page_number(parse_link_header(response.headers.get("Link")).get("last"))

    def _resolve(self, owner: OwnerRef) -> Tuple[str, Optional[int]]:
        """(list path, repo count). The count request doubles as the check
        that the owner exists as an org (or a user)."""
        name = quote(owner.name, safe="")
        if owner.kind == "starred":
            # X-Total-Count is the user's star count, private stars included even
            # where they are not shown: an estimate, corrected by the walk.
            path = "/users/%s/starred" % name if owner.name else "/user/starred"
            try:
                return path, self._count(path, "GET %s" % path)
            except NotFoundAnswer:
                self._check_api()
                raise NotFoundError("user %r was not found on Gitea at %s: with owner_kind starred, owners are "
                                    "user names" % (owner.name, self._base))
        if owner.kind in ("auto", "org"):
            path = "/orgs/%s/repos" % name
            try:
                return path, self._count(path, "GET /orgs/%s/repos" % owner.name)
            except NotFoundAnswer:
                if owner.kind == "org":
                    self._check_api()
                    raise NotFoundError("organization %r was not found on Gitea at %s: check the spelling "
                                        "and that the token can see it" % (owner.name, self._base))
        path = "/users/%s/repos" % name
        try:
            return path, self._count(path, "GET /users/%s/repos" % owner.name)
        except NotFoundAnswer:
            self._check_api()
            raise NotFoundError("owner %r was not found on Gitea at %s as %s: check the spelling and "
                                "owner_kind" % (owner.name, self._base,
                                                "a user" if owner.kind == "user" else "an organization or a user"))

    def _owner_stream(self, owner: OwnerRef):
        path, total = self._resolve(owner)
        limit = self._page_limit()
        # Starred repositories belong to many owners: each keeps its own.
        label = "" if owner.kind == "starred" else owner.name
        # Gitea lists by id, oldest first, with X-Total-Count: the same reverse
        # walk as GitHub (see ReversePageOrder), so repos deleted mid-listing
        # cannot hide others. Without a total, only short pages are trusted.
        last_page = ReversePageOrder.first_page(total, limit)
        order = ReversePageOrder(last_page, limit, links_reliable=total is not None)
        held: Dict[int, Any] = {}      # the probe page, read alone first, kept for a walk that follows

        def one_page(page: int) -> Tuple[Any, Any, Dict[str, str]]:
            what = "GET %s page %d" % (path, page)
            try:
                response, data = self._get(path, {"page": page, "limit": limit}, what)
            except NotFoundAnswer:
                raise NotFoundError("%s vanished while listing (404 on %s)" % (owner.name, what))
            if not isinstance(data, list):
                raise Transient("%s: expected a JSON list of repositories" % what)
            self.stats.pages += 1
            return response, data, parse_link_header(response.headers.get("Link"))

        def page_fetch(page: int) -> Page:
            got = one_page(page)
            if page == last_page:
                held[page] = got
            response, data, links = got
            return Page([self._from_api(r, label) for r in data], page + 1 if "next" in links else None,
                        raw_bytes=len(response.content or b""))

        def fetch(token: Tuple[int, int]) -> Page:
            page = token[1]
            got = held.pop(page, None) if token[0] == 0 else None
            response, data, links = got or one_page(page)
            repos = [self._from_api(r, label) for r in data]
            return Page(repos, order.next_token(token, len(data), links), raw_bytes=len(response.content or b""))

        if owner.kind == "starred":
            # The star count is an estimate (another user's private stars are
            # counted, not shown): walk one page at a time, announce no total.
            return fetch, order.first_token(), None
        if total is not None:
            return OwnerStream(owner, fetch, order.first_token(), total, page_fetch, last_page)
        return fetch, order.first_token(), total

    def _from_api(self, r: Dict[str, Any], owner: str) -> Repo:
        full = r.get("full_name") or "%s/%s" % (owner or (r.get("owner") or {}).get("login", ""), r["name"])
        return Repo(
            provider="gitea", host=self.cfg.host, owner=owner or full.rpartition("/")[0], name=r["name"],
            full_path=full,
            id=int(r["id"]), clone_url=r.get("clone_url") or "", ssh_url=r.get("ssh_url") or "",
            web_url=r.get("html_url") or "", default_branch=r.get("default_branch") or "",
            archived=bool(r.get("archived", False)), fork=bool(r.get("fork", False)),
            visibility="private" if r.get("private") else ("internal" if r.get("internal") else "public"),
            empty=bool(r.get("empty", False)), topics=tuple(r.get("topics") or ()),
            language=r.get("language") or None, size_kb=int(r.get("size") or 0),
            marker=r.get("updated_at") or "", wiki=bool(r.get("has_wiki", False)),
            pushed_at=r.get("updated_at") or "", stars=int(r.get("stars_count") or 0),
        )
