# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""GitLab (gitlab.com and self-managed), on python-gitlab.

python-gitlab does the auth, the base URL and the mapping of statuses to
exceptions; we ask it for one page at a time. User projects use keyset
pagination and follow the `next` Link verbatim to the end. Group projects
only have offset pages, so they are read last page first (ReversePageOrder,
as on GitHub), which keeps a project deleted mid-listing from hiding
another; X-Total places the first page when GitLab sends it, and when it
does not (above 10,000 results) the walk finds the end by itself, so the
listing never depends on the totals being there. Its own 429 sleeping is turned
off (obey_rate_limit=False, max_retries=0) so that the shared limiter, which
knows max_wait, does every wait; a requests response hook shows the limiter
every RateLimit-* header, including those of failed calls.
"""

from __future__ import annotations

import threading
import time
import traceback
from typing import Any, Dict, Iterator, Optional, Tuple
from urllib.parse import quote

from ..config import ForgeConfig, OwnerRef
from ..errors import AuthError, ConfigError, ForgeError, NotFoundError
from ..limiter import Limiter, SecondaryLimit, Transient
from ..paginator import Page
from ..repo import Repo
from .base import (GitAuth, NotFoundAnswer, OriginBoundSession, OwnerStream, Provider, ReversePageOrder, api_redirect,
                   older_than, transport_failure)
from .rate_headers import gitlab as read_rate_headers

try:
    import gitlab
    import gitlab.exceptions
    HAS_PYTHON_GITLAB = True
    PYTHON_GITLAB_IMPORT_ERROR = None
except ImportError:
    HAS_PYTHON_GITLAB = False
    PYTHON_GITLAB_IMPORT_ERROR = traceback.format_exc()

try:
    import requests
    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False

# GitLab leaves X-Total, X-Total-Pages and rel="last" out above this many rows.
TOTALS_LIMIT = 10000

# GitLab moves a project's last_activity_at at most about once an hour.
ACTIVITY_LAG = 3600.0


def wiki_enabled(project: Dict[str, Any]) -> bool:
    """wiki_access_level (enabled, private; disabled), or the older boolean
    wiki_enabled that GitLab still sends beside it (docs/forge-wire.md, "Wikis")."""
    level = project.get("wiki_access_level")
    if isinstance(level, str):
        return level != "disabled"
    return bool(project.get("wiki_enabled", False))


def gitlab_base_url(api_url: str) -> str:
    """python-gitlab wants the instance URL; accept one ending in /api/v4 too."""
    url = api_url.rstrip("/")
    return url[: -len("/api/v4")] if url.endswith("/api/v4") else url


class GitLabProvider(Provider):
    name = "gitlab"

    def __init__(self, cfg: ForgeConfig, limiter: Limiter) -> None:
        super().__init__(cfg, limiter)
        self._last = threading.local()
        self._me: Optional[Dict[str, Any]] = None      # GET /user, for personal snippets (gists)
        # python-gitlab would follow a redirect to another host with PRIVATE-TOKEN.
        session = OriginBoundSession()
        session.hooks["response"].append(self._on_response)
        self._gl = gitlab.Gitlab(
            url=gitlab_base_url(cfg.api_url),
            private_token=cfg.token,
            per_page=cfg.per_page,
            timeout=cfg.timeout,
            ssl_verify=cfg.validate_certs,
            retry_transient_errors=False,
            session=session,
            user_agent="gizzahub-bulk-clone",
        )

    def _on_response(self, response, *args, **kwargs):
        self._last.headers = response.headers
        self.limiter.observe(response.headers)
        return response

    def git_auth(self) -> GitAuth:
        token = self.cfg.token
        return GitAuth("oauth2", (lambda: token) if token else None)

    # --- one request, translated ------------------------------------------------------

    def _request(self, path: str, query: Optional[Dict[str, Any]], what: str):
        def attempt():
            self.stats.requests += 1
            self._last.headers = {}
            try:
                response = self._gl.http_request("get", path, query_data=query or {},
                                                 obey_rate_limit=False, max_retries=0,
                                                 retry_transient_errors=False)
                data = response.json()
            except gitlab.exceptions.GitlabAuthenticationError as exc:
                detail = str(exc.error_message or "Unauthorized")
                raise AuthError("GitLab at %s rejected the token (%s) during %s: check `token` "
                                "(expired, revoked, or lacking read_api scope)"
                                % (self.cfg.api_url, detail if detail.startswith("401") else "401 " + detail, what))
            except gitlab.exceptions.GitlabHttpError as exc:
                raise self._translate(exc, what, path)
            except (ValueError, requests.exceptions.RequestException) as exc:
                raise transport_failure(exc, what, self.cfg.api_url)
            return response, data
        return self.limiter.call(attempt, what=what)

    def _translate(self, exc, what: str, path: Optional[str] = None) -> Exception:
        status = exc.response_code or 0
        headers = getattr(self._last, "headers", {}) or {}
        if 300 <= status < 400:
            return api_redirect(self.cfg.api_url, what, status, headers.get("Location"),
                                "/api/v4" + path if path and path.startswith("/") else None)
        if status == 429:
            word = read_rate_headers(headers, time.time())
            reset_at = word.budget.reset_at if word.budget is not None else None
            return SecondaryLimit(word.retry_after, reset_at, None,
                                  "GitLab throttled %s (429 %s)" % (what, exc.error_message))
        if status == 404:
            return NotFoundAnswer(str(exc.error_message))
        if status == 403:
            return ForgeError("GitLab refused %s (403 %s): the token lacks access (read_api scope, "
                              "group membership)" % (what, exc.error_message))
        if status >= 500:
            return Transient("%s: GitLab answered %d" % (what, status))
        return ForgeError("GitLab answered %d to %s: %s" % (status, what, exc.error_message))

    # --- owners -----------------------------------------------------------------------

    def _check_api(self) -> None:
        try:
            data = self._request("/version", None, "GET /version")[1]
        except (NotFoundAnswer, ForgeError):
            data = None
        if not isinstance(data, dict) or "version" not in data:
            raise ConfigError("api_url %s does not answer like a GitLab instance (no /api/v4/version): "
                              "give the instance URL, e.g. https://gitlab.com" % self.cfg.api_url)

    def _resolve(self, owner: OwnerRef):
        """("group", path, params, total) or ("user", path, params, None);
        "user" stands for every keyset listing (user projects, the whole instance).

        For a group, the first request is a one-project page of the listing
        itself: it proves the group exists and tells the total (X-Total),
        which places the reverse walk's first page. Above 10,000 projects
        GitLab leaves the totals out; the walk then knows only that there
        are more than 10,000 and finds the end itself.
        """
        if owner.kind == "all":
            # The whole instance (every project the token can see; all of them for
            # an admin): keyset pagination over /projects, ordered by id, so a
            # listing of hundreds of thousands of projects never meets the offset
            # cap and projects created meanwhile land after the end.
            return "user", "/projects", {"pagination": "keyset", "order_by": "id", "sort": "asc",
                                         "per_page": self.cfg.per_page}, None
        if owner.kind == "starred":
            return self._resolve_starred(owner)
        path = quote(owner.name, safe="")
        if owner.kind in ("auto", "group"):
            list_path = "/groups/%s/projects" % path
            # with_shared: GitLab's own default is true; ours is false, so that a
            # group lists its own projects unless the user asks for the shared ones.
            params = {"include_subgroups": "true", "with_shared": "true" if self.cfg.with_shared else "false",
                      "order_by": "id", "sort": "asc", "per_page": self.cfg.per_page}
            try:
                response, data = self._request(list_path, dict(params, per_page=1, page=1),
                                               "GET /groups/%s/projects" % owner.name)
                return "group", list_path, params, self._total(response, data)
            except NotFoundAnswer:
                if owner.kind == "group":
                    self._check_api()
                    raise NotFoundError("group %r was not found on GitLab at %s: check the full path "
                                        "(e.g. parent/child) and that the token can see it"
                                        % (owner.name, self.cfg.api_url))
        try:
            users = self._request("/users", {"username": owner.name}, "GET /users?username=%s" % owner.name)[1]
        except NotFoundAnswer:
            users = None      # every GitLab answers /users: this is not a GitLab API
        if not users:
            self._check_api()
            raise NotFoundError("owner %r was not found on GitLab at %s as %s: check the spelling "
                                "and owner_kind" % (owner.name, self.cfg.api_url,
                                                    "a user" if owner.kind == "user" else "a group or a user"))
        # Keyset pagination: GitLab supports it on user projects, and it is immune to
        # repos added or removed while we read.
        return "user", "/users/%d/projects" % int(users[0]["id"]), {
            "pagination": "keyset", "order_by": "id", "sort": "asc", "per_page": self.cfg.per_page}, None

    def _resolve_starred(self, owner: OwnerRef):
        """/users/:id/starred_projects (no owner: the token's user, from GET /user).
        Offset pages only (GitLab offers no keyset there): the reverse walk, by id,
        placed by X-Total from a one-project page, as for groups."""
        if owner.name:
            users = self._request("/users", {"username": owner.name}, "GET /users?username=%s" % owner.name)[1]
            if not users:
                self._check_api()
                raise NotFoundError("user %r was not found on GitLab at %s: with owner_kind starred, owners are "
                                    "user names" % (owner.name, self.cfg.api_url))
            user_id = int(users[0]["id"])
        else:
            user_id = int(self._request("/user", None, "GET /user")[1]["id"])
        list_path = "/users/%d/starred_projects" % user_id
        params = {"order_by": "id", "sort": "asc", "per_page": self.cfg.per_page}
        response, data = self._request(list_path, dict(params, per_page=1, page=1), "GET %s" % list_path)
        return "group", list_path, params, self._total(response, data)

    @staticmethod
    def _total(response, data) -> Optional[int]:
        """X-Total, or None when GitLab left it out. With nothing on the one-item
        page the owner is empty whatever the headers say."""
        if isinstance(data, list) and not data:
            return 0
        value = (response.headers.get("X-Total") or "").strip()
        return int(value) if value.isdigit() else None

    # --- listing ----------------------------------------------------------------------

    def _owner_stream(self, owner: OwnerRef):
        kind, path, params, total = self._resolve(owner)
        if kind == "user":
            return self._follow_next(owner, path, params)
        per_page = int(params["per_page"])
        # last_activity_at moves at most once an hour (ACTIVITY_LAG): look back that much further.
        # Stars have no changed-first order: a new star on a quiet project would wait for a full listing.
        since = self.changed_since(owner, total, ACTIVITY_LAG) if owner.kind != "starred" else None
        if since is not None:
            return self._changed_first(owner, path, dict(params, order_by="last_activity_at", sort="desc"),
                                       since), 1, total
        if total is None:
            # Totals vanish above 10,000 rows: start on the page holding row 10,001.
            probe = TOTALS_LIMIT // per_page + 1
        else:
            probe = ReversePageOrder.first_page(total, per_page)
        # Group projects have offset paging only (keyset is ignored there), so
        # they get the reverse walk (see ReversePageOrder): ordered by id, new
        # projects land after the end and deletions cannot hide a project.
        order = ReversePageOrder(probe, per_page)
        held: Dict[int, Any] = {}      # the probe page, read alone first, kept for a walk that follows

        def one_page(page: int) -> Tuple[Any, Any, Dict[str, str]]:
            response, data = self._request(path, dict(params, page=page), "GET %s page %d" % (path, page))
            if not isinstance(data, list):
                raise Transient("GET %s page %d: expected a JSON list of projects" % (path, page))
            self.stats.pages += 1
            links = {rel: link.get("url") for rel, link in response.links.items() if link.get("url")}
            return response, data, links

        def page_fetch(page: int) -> Page:
            got = one_page(page)
            if page == probe:
                held[page] = got
            response, data, links = got
            return Page([self._from_api(p, owner.name) for p in data], page + 1 if "next" in links else None,
                        raw_bytes=len(response.content or b""))

        def fetch(token: Tuple[int, int]) -> Page:
            page = token[1]
            got = held.pop(page, None) if token[0] == 0 else None
            response, data, links = got or one_page(page)
            repos = [self._from_api(p, owner.name) for p in data]
            return Page(repos, order.next_token(token, len(data), links), raw_bytes=len(response.content or b""))

        if total is not None:
            return OwnerStream(owner, fetch, order.first_token(), total, page_fetch, probe)
        return fetch, order.first_token(), total

    def _changed_first(self, owner: OwnerRef, path: str, params: Dict[str, Any], since: str):
        """Most recent activity first, forward, stopping after the first page
        whose oldest activity is before ``since`` (docs/forge-wire.md,
        "Changed-first listing")."""
        def fetch(page: int) -> Page:
            response, data = self._request(path, dict(params, page=page), "GET %s page %d" % (path, page))
            if not isinstance(data, list):
                raise Transient("GET %s page %d: expected a JSON list of projects" % (path, page))
            self.stats.pages += 1
            repos = [self._from_api(p, owner.name) for p in data]
            more = bool(data) and "next" in response.links and not older_than([r.marker for r in repos], since)
            return Page(repos, page + 1 if more else None, raw_bytes=len(response.content or b""))

        return fetch

    def _follow_next(self, owner: OwnerRef, path: str, params: Dict[str, Any]):
        def fetch(token) -> Page:
            url, query = token
            response, data = self._request(url, query, "GET %s" % (url if query is None else path))
            if not isinstance(data, list):
                raise Transient("GET %s: expected a JSON list of projects" % path)
            self.stats.pages += 1
            nxt = response.links.get("next", {}).get("url")
            repos = [self._from_api(p, owner.name) for p in data]
            return Page(repos, (nxt, None) if nxt else None, raw_bytes=len(response.content or b""))

        return fetch, (path, params)

    def _from_api(self, p: Dict[str, Any], owner: str) -> Repo:
        full = p["path_with_namespace"]
        # The project's own namespace, so {owner}/{name} keeps subgroups as folders.
        namespace = (p.get("namespace") or {}).get("full_path") or full.rpartition("/")[0] or owner
        return Repo(
            provider="gitlab", host=self.cfg.host, owner=namespace,
            name=p.get("path") or p["name"], full_path=full, id=int(p["id"]),
            clone_url=p.get("http_url_to_repo") or "", ssh_url=p.get("ssh_url_to_repo") or "",
            web_url=p.get("web_url") or "", default_branch=p.get("default_branch") or "",
            archived=bool(p.get("archived", False)), fork="forked_from_project" in p,
            visibility=p.get("visibility") or "public", empty=bool(p.get("empty_repo", False)),
            topics=tuple(p.get("topics") or p.get("tag_list") or ()), language=None,
            size_kb=0, marker=p.get("last_activity_at") or "", wiki=wiki_enabled(p),
            pushed_at=p.get("last_activity_at") or "", stars=int(p.get("star_count") or 0),
        )

    # --- snippets (extras.py) ---------------------------------------------------------

    def gists(self, owner: OwnerRef) -> Iterator[Repo]:
        """Personal snippets: GitLab lists only the current user's (GET /snippets),
        so only for the owner that is the token's own user."""
        if owner.kind == "group" or not self.cfg.token:
            return
        me = self._me
        if me is None:
            try:
                me = self._request("/user", None, "GET /user")[1]
            except NotFoundAnswer:
                me = {}
            self._me = me
        if not isinstance(me, dict) or str(me.get("username", "")).lower() != owner.name.lower():
            return
        yield from self._snippets("/snippets", owner.name)

    def repo_gists(self, repo: Repo) -> Iterator[Repo]:
        """A project's snippets (GET /projects/:id/snippets): one request per project."""
        if repo.kind != "repo":
            return
        try:
            yield from self._snippets("/projects/%d/snippets" % repo.id, repo.owner)
        except (NotFoundAnswer, ForgeError):
            return            # snippets switched off, or not visible to this token

    def _snippets(self, path: str, owner: str) -> Iterator[Repo]:
        url: Optional[str] = path
        query: Optional[Dict[str, Any]] = {"per_page": self.cfg.per_page}
        while url:
            response, data = self._request(url, query, "GET %s" % path)
            if not isinstance(data, list):
                raise Transient("GET %s: expected a JSON list of snippets" % path)
            self.stats.pages += 1
            for s in data:
                if isinstance(s, dict) and s.get("id") is not None and s.get("http_url_to_repo"):
                    ident = str(s["id"])
                    yield Repo(
                        provider="gitlab", host=self.cfg.host, owner=owner, name=ident,
                        full_path="%s/gists/%s" % (owner, ident), id=int(s["id"]),
                        clone_url=s["http_url_to_repo"], ssh_url=s.get("ssh_url_to_repo") or "",
                        web_url=s.get("web_url") or "", visibility=s.get("visibility") or "private",
                        marker=s.get("updated_at") or "", kind="snippet", ref=ident)
            url, query = response.links.get("next", {}).get("url"), None
