# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bitbucket Cloud (REST 2.0), on plain requests.

Why not atlassian-python-api (read at 5.0.5): its Cloud pager
(BitbucketCloudBase._get_paged) is a generator that returns the parsed JSON
only, so the limiter would never see a success's X-RateLimit-* headers; it
stops at the first page whose `values` is empty even when `next` is given;
it hides page boundaries, which our one-page-ahead Paginator needs; its
urllib3 retry would have to be switched off like PyGithub's; and it brings
six more packages (oauthlib, requests-oauthlib, jmespath, beautifulsoup4,
deprecated, typing-extensions) to every host for two GETs. What we would
keep of it (a session with the auth header, statuses mapped to errors) is a
few lines of requests, as in gitea.py.

Owners are workspaces: GET /repositories/{workspace}, `pagelen` up to 100,
then the absolute `next` link until there is none (Bitbucket asks clients
not to build page URLs). The walk is forward only: a repository deleted
behind the reader can hide the next one until the following run, and
de-duplication by id absorbs the repeats an insertion causes.

Identity: Cloud has no numeric id, only `uuid`; Repo.id is a stable 63-bit
number derived from it, so renames keep their journal entry.

Change marker: `updated_on`, which a push moves; equal markers mean no git
process at all on a re-sync.

Auth: an access token (repository, project or workspace) goes alone, as
`Authorization: Bearer` for REST and as the password of the fixed git user
`x-token-auth`. A user API token needs `username`, the Atlassian account
email: REST Basic email:token, git the fixed user
`x-bitbucket-api-token-auth` (so the email never reaches git). App
passwords were switched off in 2026; Bitbucket refuses them with a plain
401, so every 401 message says so.

Rate limit: 1,000 requests per rolling hour on /2.0/repositories/* (scaled
up to 10,000 for access tokens, which also get X-RateLimit-Limit,
X-RateLimit-Resource and X-RateLimit-NearLimit; the limiter reads them and
paces at the hourly rate once NearLimit is true). A 429 carries no
Retry-After and no reset time, and the window frees requests continuously,
so it is a SecondaryLimit: the limiter waits secondary_min_wait (60 s), then
doubles (with jitter) on every 429 in a row, each wait shown through
on_wait, until a wait would pass max_wait (900 s); then the run stops with
a message naming max_wait. Raise max_wait to 3600 to sit out a whole hour.
"""

from __future__ import annotations

import hashlib
import time
import traceback
from typing import Any, Dict, Optional, Tuple
from urllib.parse import quote, urlsplit

from ..config import ForgeConfig, OwnerRef
from ..errors import AuthError, ConfigError, ForgeError, NotFoundError
from ..limiter import Limiter, SecondaryLimit, Transient
from ..paginator import Page
from ..repo import Repo
from .base import GitAuth, NotFoundAnswer, Provider, page_number, transport_failure
from .bitbucket_common import clone_link, error_message, is_cloud_error, without_userinfo
from .rate_headers import bitbucket as read_rate_headers

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

# The fixed git users Bitbucket documents for each kind of token.
ACCESS_TOKEN_GIT_USER = "x-token-auth"
API_TOKEN_GIT_USER = "x-bitbucket-api-token-auth"

APP_PASSWORDS_GONE = ("App passwords were switched off in 2026 and are refused the same way: replace one "
                      "with an API token (with `username`) or a repository, project or workspace access token.")


def bitbucket_api_base(api_url: str) -> str:
    url = api_url.rstrip("/")
    return url if url.endswith("/2.0") else url + "/2.0"


def uuid_id(uuid: str) -> int:
    """Repo.id for a Cloud repository: a stable, positive 63-bit number from its uuid."""
    digest = hashlib.sha256(uuid.strip().strip("{}").lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFFFFFFFFFFFFFF


class BitbucketProvider(Provider):
    name = "bitbucket"
    # The first page says the workspace's total (`size`).
    total_in_first_page = True

    def __init__(self, cfg: ForgeConfig, limiter: Limiter) -> None:
        super().__init__(cfg, limiter)
        self._base = bitbucket_api_base(cfg.api_url)
        self._session = requests.Session()
        self._session.headers["User-Agent"] = "gizzahub-bulk-clone"
        self._session.headers["Accept"] = "application/json"
        if cfg.token and cfg.username:
            self._session.auth = (cfg.username, cfg.token)
        elif cfg.token:
            self._session.headers["Authorization"] = "Bearer %s" % cfg.token

    def git_auth(self) -> GitAuth:
        token = self.cfg.token
        user = API_TOKEN_GIT_USER if self.cfg.username else ACCESS_TOKEN_GIT_USER
        return GitAuth(user, (lambda: token) if token else None)

    # --- one request, translated ------------------------------------------------------

    def _get(self, url: str, params: Optional[Dict[str, Any]], what: str):
        def attempt():
            self.stats.requests += 1
            try:
                response = self._session.get(url, params=params, timeout=self.cfg.timeout,
                                             verify=self.cfg.validate_certs)
            except requests.exceptions.RequestException as exc:
                raise transport_failure(exc, what, self._base)
            self.limiter.observe(response.headers)
            status = response.status_code
            if status == 401:
                raise AuthError(self._refused_message(response, what))
            if status == 404:
                raise NotFoundAnswer(response=response)
            if status == 429:
                retry_after = read_rate_headers(response.headers, time.time()).retry_after
                raise SecondaryLimit(retry_after, None, None, "Bitbucket Cloud answered 429 (%s) to %s"
                                     % (error_message(response) or "rate limited", what))
            if status >= 500:
                raise Transient("%s: Bitbucket Cloud answered %d" % (what, status))
            if status == 403:
                raise ForgeError("Bitbucket Cloud refused %s (403: %s): the token lacks access; it needs the "
                                 "read:repository:bitbucket scope (repository read) and must belong to this "
                                 "workspace" % (what, error_message(response) or "forbidden"))
            if status >= 400:
                raise ForgeError("Bitbucket Cloud answered %d to %s: %s"
                                 % (status, what, error_message(response) or response.text[:200]))
            try:
                return response, response.json()
            except ValueError as exc:
                raise transport_failure(exc, what, self._base)
        return self.limiter.call(attempt, what=what)

    def _refused_message(self, response: Any, what: str) -> str:
        said = error_message(response)
        detail = "401: %s" % said if said else "401"
        if self.cfg.username:
            return ("Bitbucket Cloud at %s refused username and token (%s) during %s: check `username` (your "
                    "Atlassian account email) and `token` (an Atlassian API token with the "
                    "read:repository:bitbucket scope). %s" % (self._base, detail, what, APP_PASSWORDS_GONE))
        if self.cfg.token:
            return ("Bitbucket Cloud at %s refused the token (%s) during %s: check `token`. An access token "
                    "(repository, project or workspace) goes in token alone; an Atlassian API token also "
                    "needs `username`, your account email. %s" % (self._base, detail, what, APP_PASSWORDS_GONE))
        return ("Bitbucket Cloud at %s asks for credentials (%s) during %s: give `token` (an access token, or an "
                "API token with `username`)" % (self._base, detail, what))

    # --- listing ----------------------------------------------------------------------

    def _owner_stream(self, owner: OwnerRef):
        workspace = owner.name
        first_url = "%s/repositories/%s" % (self._base, quote(workspace, safe=""))
        origin = _origin(first_url)

        def fetch(token: Tuple[str, Tuple[Tuple[str, Any], ...]]) -> Page:
            url, params = token
            number = page_number(url) or 1
            what = "GET /repositories/%s page %d" % (workspace, number)
            try:
                response, data = self._get(url, dict(params) or None, what)
            except NotFoundAnswer as missing:
                raise self._not_found(workspace, missing.response, first=url == first_url)
            values = data.get("values") if isinstance(data, dict) else None
            if not isinstance(values, list):
                raise Transient("%s: expected a page with a list of values" % what)
            self.stats.pages += 1
            nxt = data.get("next")
            if nxt and _origin(nxt) != origin:
                raise ForgeError("Bitbucket Cloud sent a next-page link to %s, not to %s; the token is not sent "
                                 "there. Check api_url, or a proxy rewriting links" % (_origin(nxt), origin))
            repos = [self._from_api(r, workspace) for r in values if isinstance(r, dict)]
            size = data.get("size")     # optional in Bitbucket's paginated answers
            return Page(repos, (nxt, ()) if nxt else None, raw_bytes=len(response.content or b""),
                        total=size if isinstance(size, int) and not isinstance(size, bool) else None)

        return fetch, (first_url, (("pagelen", self.cfg.per_page),))

    def _not_found(self, workspace: str, response: Any, first: bool) -> Exception:
        if not first:
            return NotFoundError("workspace %r vanished while listing it (404 from Bitbucket Cloud)" % workspace)
        if is_cloud_error(response):
            return NotFoundError("workspace %r was not found on Bitbucket Cloud at %s (%s): check the workspace ID "
                                 "(the first part of bitbucket.org/WORKSPACE/REPO) and that the token belongs to it"
                                 % (workspace, self._base, error_message(response)))
        return ConfigError("api_url %s does not answer like Bitbucket Cloud (404 without Bitbucket's error body for "
                           "/repositories/%s): give https://api.bitbucket.org/2.0" % (self.cfg.api_url, workspace))

    def _from_api(self, r: Dict[str, Any], workspace: str) -> Repo:
        full = r.get("full_name") or "%s/%s" % (workspace, r.get("slug") or r.get("name"))
        owner, slug = full.partition("/")[::2]
        links = r.get("links") or {}
        html = links.get("html") if isinstance(links.get("html"), dict) else {}
        mainbranch = r.get("mainbranch") if isinstance(r.get("mainbranch"), dict) else None
        uuid = r.get("uuid") or full
        return Repo(
            provider="bitbucket", host=self.cfg.host, owner=owner, name=r.get("slug") or slug,
            full_path=full, id=uuid_id(uuid),
            clone_url=without_userinfo(clone_link(links, "https", "http")),
            ssh_url=clone_link(links, "ssh"),
            web_url=html.get("href") or "",
            default_branch=(mainbranch or {}).get("name") or "",
            archived=False, fork=bool(r.get("parent")),
            visibility="private" if r.get("is_private") else "public",
            # mainbranch is null until the first push.
            empty=mainbranch is None and "mainbranch" in r,
            language=r.get("language") or None,
            size_kb=int(r.get("size") or 0) // 1024,
            marker=r.get("updated_on") or "", pushed_at=r.get("updated_on") or "",
        )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return "%s://%s" % (parts.scheme, parts.netloc.rpartition("@")[2])
