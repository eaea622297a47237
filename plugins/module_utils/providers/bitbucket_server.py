# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bitbucket Data Center (and Server), REST 1.0 on plain requests, for the
same reasons as bitbucket.py (atlassian-python-api's pager hides headers and
page boundaries).

api_url is the instance's base URL with its context path
(https://host/bitbucket); /rest/api/1.0 is appended. Owners are project
keys, and `~USER` personal projects (owner_kind user takes the bare user
name). Paging: start/limit, then nextPageStart until isLastPage, as
Atlassian asks (page starts need not be contiguous); the server may lower
`limit`, which changes nothing here.

Change marker: none. The repository object has no update time (and the
list no default branch), and a per-repository request for the last commit
would cost as much as the check it saves, so every re-sync asks git: one
ls-refs round trip per repository (no pack when nothing changed). A
journal entry from an earlier run still places the clone.

Auth: HTTP access tokens. Without `username` the token goes as
`Authorization: Bearer`, for REST and for git; that is the only way project
and repository tokens work. With `username` (the token owner's user name)
it goes as Basic, for REST and git, as personal tokens also allow.

Rate limiting is an administrator's choice on Data Center; a 429 is waited
out like any secondary limit (Retry-After when sent).
"""

from __future__ import annotations

import time
import traceback
from typing import Any, Dict, Optional
from urllib.parse import quote

from ..config import ForgeConfig, OwnerRef
from ..errors import AuthError, ConfigError, ForgeError, NotFoundError
from ..limiter import Limiter, SecondaryLimit, Transient
from ..paginator import Page
from ..repo import Repo
from .base import GitAuth, NotFoundAnswer, Provider, transport_failure
from .bitbucket_common import clone_link, error_class, error_message, without_userinfo
from .rate_headers import retry_after_only as read_rate_headers

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

NO_SUCH_PROJECT = "com.atlassian.bitbucket.project.NoSuchProjectException"


def bitbucket_server_api_base(api_url: str) -> str:
    url = api_url.rstrip("/")
    for suffix in ("/rest/api/1.0", "/rest/api/latest"):
        if url.endswith(suffix):
            return url[: -len(suffix)] + "/rest/api/1.0"
    return url + "/rest/api/1.0"


def project_key(owner: OwnerRef) -> str:
    """The project key to list: `~name` for personal projects."""
    name = owner.name
    if owner.kind == "user":
        return "~" + name.lstrip("~")
    return name


class BitbucketServerProvider(Provider):
    name = "bitbucket_server"

    def __init__(self, cfg: ForgeConfig, limiter: Limiter) -> None:
        super().__init__(cfg, limiter)
        self._base = bitbucket_server_api_base(cfg.api_url)
        self._session = requests.Session()
        self._session.headers["User-Agent"] = "gizzahub-bulk-clone"
        self._session.headers["Accept"] = "application/json"
        if cfg.token and cfg.username:
            self._session.auth = (cfg.username, cfg.token)
        elif cfg.token:
            self._session.headers["Authorization"] = "Bearer %s" % cfg.token

    def git_auth(self) -> GitAuth:
        token = self.cfg.token
        source = (lambda: token) if token else None
        if self.cfg.username:
            return GitAuth(self.cfg.username, source)
        return GitAuth("", source, bearer=True)

    # --- one request, translated ------------------------------------------------------

    def _get(self, path: str, params: Optional[Dict[str, Any]], what: str):
        url = self._base + path

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
                raise SecondaryLimit(retry_after, None, None, "Bitbucket Data Center answered 429 to %s" % what)
            if status >= 500:
                raise Transient("%s: Bitbucket Data Center answered %d" % (what, status))
            if status == 403:
                raise ForgeError("Bitbucket Data Center refused %s (403: %s): the token lacks read access to this "
                                 "project" % (what, error_message(response) or "forbidden"))
            if status >= 400:
                raise ForgeError("Bitbucket Data Center answered %d to %s: %s"
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
            return ("Bitbucket Data Center at %s refused username and token (%s) during %s: check `token` (an "
                    "HTTP access token) and `username` (the user who owns it). Project and repository tokens "
                    "work only without username (sent as Bearer)" % (self._base, detail, what))
        if self.cfg.token:
            return ("Bitbucket Data Center at %s refused the token (%s) during %s: check `token` (an HTTP access "
                    "token with repository read permission, not expired)" % (self._base, detail, what))
        return ("Bitbucket Data Center at %s asks for credentials (%s) during %s: give `token` (an HTTP access "
                "token)" % (self._base, detail, what))

    def _check_api(self) -> None:
        try:
            data = self._get("/application-properties", None, "GET /application-properties")[1]
        except (NotFoundAnswer, ForgeError):
            data = None
        if not isinstance(data, dict) or "version" not in data:
            raise ConfigError("api_url %s does not answer like Bitbucket Data Center (no "
                              "/rest/api/1.0/application-properties): give the instance's base URL with its "
                              "context path, e.g. https://bitbucket.example.com or https://host/bitbucket"
                              % self.cfg.api_url)

    # --- listing ----------------------------------------------------------------------

    def _owner_stream(self, owner: OwnerRef):
        key = project_key(owner)
        path = "/projects/%s/repos" % quote(key, safe="~")
        limit = self.cfg.per_page

        def fetch(start: int) -> Page:
            what = "GET /projects/%s/repos start %d" % (key, start)
            try:
                response, data = self._get(path, {"start": start, "limit": limit}, what)
            except NotFoundAnswer as missing:
                raise self._not_found(key, missing.response, first=start == 0)
            values = data.get("values") if isinstance(data, dict) else None
            if not isinstance(values, list):
                raise Transient("%s: expected a page with a list of values" % what)
            self.stats.pages += 1
            following = None
            if not data.get("isLastPage", True):
                following = data.get("nextPageStart")
                if not isinstance(following, int) or following <= start:
                    raise ForgeError("%s: Bitbucket said more pages follow but gave nextPageStart %r; stopping "
                                     "rather than guessing" % (what, following))
            repos = [self._from_api(r, key) for r in values if isinstance(r, dict)]
            return Page(repos, following, raw_bytes=len(response.content or b""))

        return fetch, 0

    def _not_found(self, key: str, response: Any, first: bool) -> Exception:
        if not first:
            return NotFoundError("project %r vanished while listing it (404 from Bitbucket Data Center)" % key)
        said = error_message(response)
        if error_class(response) == NO_SUCH_PROJECT or "does not exist" in said:
            hint = ("a personal project: check the user name" if key.startswith("~") else
                    "check the project key (e.g. PRJ), or give ~USER for a personal project")
            return NotFoundError("project %r was not found on Bitbucket Data Center at %s (%s): %s, and that the "
                                 "token can see it" % (key, self._base, said, hint))
        self._check_api()
        return NotFoundError("project %r was not found on Bitbucket Data Center at %s (404)" % (key, self._base))

    def _from_api(self, r: Dict[str, Any], key: str) -> Repo:
        project = r.get("project") if isinstance(r.get("project"), dict) else {}
        owner = project.get("key") or key
        slug = r.get("slug") or r.get("name") or ""
        links = r.get("links") or {}
        self_links = links.get("self") if isinstance(links.get("self"), list) else []
        default = r.get("defaultBranch") or ""
        if isinstance(default, str) and default.startswith("refs/heads/"):
            default = default[len("refs/heads/"):]
        return Repo(
            provider="bitbucket_server", host=self.cfg.host, owner=owner, name=slug,
            full_path="%s/%s" % (owner, slug), id=int(r["id"]),
            clone_url=without_userinfo(clone_link(links, "http", "https")),
            ssh_url=clone_link(links, "ssh"),
            web_url=(self_links[0].get("href") or "") if self_links and isinstance(self_links[0], dict) else "",
            default_branch=default if isinstance(default, str) else "",
            archived=bool(r.get("archived", False)), fork="origin" in r,
            visibility="public" if r.get("public") else "private",
            marker="",
        )
