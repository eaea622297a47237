# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""GitHub and GitHub Enterprise Server, on PyGithub.

PyGithub does the HTTP, the auth (tokens, and GitHub App installation tokens
that it renews before they expire) and the mapping of statuses to exceptions.
Two things it does not do the way we need, so they are done here:
- waiting: PyGithub's GithubRetry sleeps until the reset however far away it
  is and its throttle is a fixed interval. We turn both off and let the one
  shared limiter wait, because only it knows max_wait and the budget left.
- the page order: we read pages by number in reverse (see ReversePageOrder),
  so repos deleted mid-listing cannot hide others. PaginatedList only walks
  forward (or asks for page 1 twice to go backwards).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
import traceback
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple
from urllib.parse import quote

from ..config import ForgeConfig, OwnerRef
from ..errors import AuthError, ConfigError, ForgeError, NotFoundError
from ..limiter import Limiter, PrimaryLimit, SecondaryLimit, Transient
from ..paginator import Page
from ..repo import Repo
from ..listing_cache import request_key, repos_to_rows, rows_fit, rows_to_repos
from .base import (GitAuth, NotFoundAnswer, OwnerStream, Provider, ReversePageOrder, api_redirect, older_than,
                   parse_link_header, transport_failure)
from .rate_headers import github as read_rate_headers

# What _request answers to a conditional GET the forge says is unchanged (304).
NOT_MODIFIED = object()

try:
    from github import Auth, Github, GithubException, UnknownObjectException
    HAS_PYGITHUB = True
    PYGITHUB_IMPORT_ERROR = None
except ImportError:
    HAS_PYGITHUB = False
    PYGITHUB_IMPORT_ERROR = traceback.format_exc()

try:
    import requests
    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False

# Kept to what the local forge and GitHub both answer; ~300 bytes a repo
# against several KB for a REST repo object. Topics and language are asked
# for because selection filters on them (without them `topics_any` or
# `languages` would silently select nothing); the nested topics connection
# keeps the cost at 1 point a page (1 + 100 requests / 100, rounded).
GRAPHQL_REPOS = """
query($login: String!, $first: Int!, $cursor: String) {
  rateLimit { cost limit remaining used resetAt nodeCount }
  %s(login: $login) {
    repositories(first: $first, after: $cursor) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId name nameWithOwner url sshUrl isArchived isFork isDisabled
        isEmpty visibility pushedAt diskUsage hasWikiEnabled stargazerCount
        defaultBranchRef { name }
        primaryLanguage { name }
        repositoryTopics(first: 20) { nodes { topic { name } } }
      }
    }
  }
}
"""


def _header(headers: Optional[Mapping[str, Any]], name: str) -> Optional[str]:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


class GitHubProvider(Provider):
    name = "github"
    # GraphQL: totalCount comes with the first page (REST: from the owner record).
    total_in_first_page = True

    def __init__(self, cfg: ForgeConfig, limiter: Limiter) -> None:
        super().__init__(cfg, limiter)
        self._auth = self._make_auth()
        self._gh = Github(
            auth=self._auth,
            base_url=cfg.api_url,
            per_page=cfg.per_page,
            timeout=int(math.ceil(cfg.timeout)),   # PyGithub takes whole seconds; 0.5 must not become 0
            verify=cfg.validate_certs,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
            user_agent="gizzahub-bulk-clone",
        )
        self._req = self._gh.requester
        self._last = threading.local()      # the size of this thread's last answer

    def _make_auth(self):
        cfg = self.cfg
        if cfg.app_id:
            try:
                app = Auth.AppAuth(int(cfg.app_id) if cfg.app_id.isdigit() else cfg.app_id,
                                   cfg.app_private_key)
            except Exception as exc:
                raise ConfigError("app_private_key is not a usable PEM private key: %s" % exc)
            return app.get_installation_auth(int(cfg.app_installation_id))
        if cfg.token:
            return Auth.Token(cfg.token)
        return None

    # --- git --------------------------------------------------------------------------

    def git_auth(self) -> GitAuth:
        """Not through the limiter: git over HTTPS is not charged to the REST
        budget, and an App's token renewal is authenticated by its JWT, not
        counted against the installation's budget either. Going through the
        limiter would spend (and, near the end of the budget, wait for or
        fail on) API calls that are never made."""
        auth = self._auth
        if auth is None:
            return GitAuth("x-access-token", None)
        if isinstance(auth, Auth.Token):
            token = auth.token
            return GitAuth("x-access-token", lambda: token)

        def fresh_installation_token() -> Optional[str]:
            # PyGithub renews it shortly before its one-hour expiry.
            try:
                return auth.token
            except GithubException as exc:
                raise self._translate(exc, "renew the GitHub App installation token")
            except requests.exceptions.RequestException as exc:
                raise Transient("renew the GitHub App installation token: cannot reach %s (%s)"
                                % (self.cfg.api_url, exc.__class__.__name__))
        return GitAuth("x-access-token", fresh_installation_token)

    # --- one request, translated ------------------------------------------------------

    def _call(self, fn: Callable[[], Any], what: str) -> Any:
        def attempt():
            self.stats.requests += 1
            try:
                return fn()
            except GithubException as exc:
                raise self._translate(exc, what)
            except (ValueError, requests.exceptions.RequestException) as exc:
                raise transport_failure(exc, what, self.cfg.api_url)
            except RuntimeError as exc:
                # PyGithub refuses a 301 to another host or scheme this way.
                if "redirected" not in str(exc):
                    raise
                target = re.search(r"redirected from (?:host|protocol) \S+ to (\S+?),", str(exc))
                raise api_redirect(self.cfg.api_url, what, 301, None,
                                   detail="to %s" % (target.group(1) if target else "another address"))
        return self.limiter.call(attempt, what=what)

    def _request(self, verb: str, path: str, what: str, params: Optional[Dict[str, Any]] = None,
                 body: Any = None, etag: Optional[str] = None) -> Tuple[Dict[str, Any], Any]:
        """requestJsonAndCheck, but a redirect it would not follow (302, 307:
        another address) is reported as one instead of read as an answer.
        With an etag the request is conditional and a 304 answers NOT_MODIFIED."""
        extra = {"If-None-Match": etag} if etag else None
        status, headers, output = self._req.requestJson(verb, path, parameters=params, input=body, headers=extra)
        self._last.bytes = len(output or "")
        self.limiter.observe(headers)
        if status == 304 and etag:
            return headers, NOT_MODIFIED
        if 300 <= status < 400:
            raise api_redirect(self.cfg.api_url, what, status, _header(headers, "location"),
                               path if path.startswith("/") else None)
        data = None
        if output:
            try:
                data = json.loads(output)
            except ValueError:
                if output.lstrip()[:1] in ("{", "["):
                    raise
                data = {"data": output}      # a proxy's text error page, as PyGithub reads it
        if status >= 400:
            raise self._req.createException(status, headers, data)
        return headers, data

    def _get(self, path: str, params: Optional[Dict[str, Any]], what: str) -> Tuple[Dict[str, str], Any]:
        return self._call(lambda: self._request("GET", path, what, params), what)

    def _get_conditional(self, path: str, params: Optional[Dict[str, Any]], what: str,
                         keep: Callable[[Dict[str, str], Any], Any],
                         valid: Callable[[Any], bool] = lambda value: value is not None) -> Any:
        """GET with If-None-Match when the listing cache holds this answer's
        ETag (docs/forge-wire.md, "Conditional listing"): a 304 costs no
        primary budget and the kept value is read back from the cache. On
        200, ``keep(headers, data)`` is what is stored and returned."""
        cache = self.cache
        if cache is None:
            headers, data = self._get(path, params, what)
            return keep(headers, data)
        key = request_key("GET", path, params)
        etag = cache.etag(key)
        headers, data = self._call(lambda: self._request("GET", path, what, params, etag=etag), what)
        if data is NOT_MODIFIED:
            value = cache.load(key)
            if value is not None and valid(value):
                self.stats.not_modified += 1
                return value
            # The cache lost it, or another version of the collection wrote it: ask in full.
            headers, data = self._get(path, params, what)
        value = keep(headers, data)
        cache.store(key, _header(headers, "etag"), value)
        return value

    def _translate(self, exc: "GithubException", what: str) -> Exception:
        headers = exc.headers or {}
        self.limiter.observe(headers)
        data = exc.data if isinstance(exc.data, dict) else {}
        message = str(data.get("message") or data.get("data") or exc.message or "")
        lower = message.lower()
        status = exc.status
        word = read_rate_headers(headers, time.time())
        budget = word.budget
        remaining = budget.remaining if budget is not None else None
        reset_at = budget.reset_at if budget is not None else None
        limit = budget.limit if budget is not None else None
        retry_after = word.retry_after
        if status == 401:
            return AuthError(
                "GitHub at %s rejected the credentials (401 %s) during %s: check `token` "
                "(expired, revoked, or for another host) or the GitHub App settings"
                % (self.cfg.api_url, message or "Bad credentials", what))
        errors = data.get("errors") if isinstance(data.get("errors"), list) else []
        if status == 400 and errors and errors[0].get("type") == "RATE_LIMITED":
            return PrimaryLimit(reset_at or 0.0, limit, "graphql",
                                errors[0].get("message", "GraphQL rate limit exceeded"))
        if status in (403, 429):
            if "secondary rate limit" in lower or "abuse" in lower:
                return SecondaryLimit(retry_after, reset_at, remaining, message)
            if remaining == 0 or lower.startswith("api rate limit exceeded"):
                resource = budget.resource if budget is not None else "core"
                return PrimaryLimit(reset_at or 0.0, limit, resource, message)
            if status == 429 or retry_after is not None:
                return SecondaryLimit(retry_after, reset_at, remaining, message)
            return ForgeError("GitHub refused %s (403 %s): the token lacks the access this needs "
                              "(for private repos: `repo` scope, or org membership)" % (what, message))
        if status == 404:
            return NotFoundAnswer(message)
        if status >= 500:
            return Transient("%s: GitHub answered %d" % (what, status))
        return ForgeError("GitHub answered %d to %s: %s" % (status, what, message))

    # --- owners -----------------------------------------------------------------------

    def _owner_record(self, path: str, what: str) -> Optional[Dict[str, Any]]:
        try:
            return self._get_conditional(path, None, what, lambda headers, data: data)
        except NotFoundAnswer:
            return None

    def _check_api_root(self) -> None:
        """A 404 for an owner may mean the api_url points somewhere else."""
        try:
            data = self._get("/", None, "GET the API root")[1]
        except (NotFoundAnswer, ForgeError):
            data = None
        if not isinstance(data, dict) or "current_user_url" not in data:
            raise ConfigError(
                "api_url %s does not answer like the GitHub REST API: use https://api.github.com "
                "for github.com or https://HOST/api/v3 for GitHub Enterprise Server" % self.cfg.api_url)

    def _not_found(self, owner: OwnerRef, kinds: str) -> NotFoundError:
        self._check_api_root()
        return NotFoundError(
            "owner %r was not found on GitHub at %s as %s: check the spelling and owner_kind, "
            "and that the token can see it (private orgs need a member's token)"
            % (owner.name, self.cfg.api_url, kinds))

    def _resolve(self, owner: OwnerRef) -> Tuple[str, Dict[str, Any], Optional[int], Optional[str]]:
        """(list path, params, estimated repo count, list key) for one owner."""
        oldest_first = {"sort": "created", "direction": "asc"}
        name = quote(owner.name, safe="")
        if owner.kind == "installation":
            # No owner record to estimate from: a one-repo page tells total_count.
            # GitHub documents no sort for this endpoint; asking for oldest first
            # costs nothing where it is ignored and keeps the reverse walk sound
            # where it is honoured.
            path = "/installation/repositories"
            first = self._get(path, dict(oldest_first, per_page=1), "GET %s" % path)[1]
            count = int(first.get("total_count") or 0) if isinstance(first, dict) else None
            return path, dict(oldest_first), count, "repositories"
        if owner.kind == "starred":
            # Oldest star first (sort=created is the time of starring): a repository
            # starred while we read lands after the end, an unstarred one only moves
            # others towards pages not yet read (see ReversePageOrder). No count to
            # estimate from: the first page's rel="last" names the end.
            if not owner.name:
                return "/user/starred", {"sort": "created", "direction": "asc"}, None, None
            if self._owner_record("/users/%s" % name, "GET /users/%s" % owner.name) is None:
                raise self._not_found(owner, "a user")
            return "/users/%s/starred" % name, {"sort": "created", "direction": "asc"}, None, None
        if owner.kind == "self":
            me = self._get_conditional("/user", None, "GET /user", lambda headers, data: data)
            private = me.get("owned_private_repos") or me.get("total_private_repos") or 0
            count = int(me.get("public_repos") or 0) + int(private)
            return "/user/repos", dict(oldest_first, affiliation="owner"), count, None
        if owner.kind in ("auto", "org"):
            org = self._owner_record("/orgs/%s" % name, "GET /orgs/%s" % owner.name)
            if org is not None:
                count = int(org.get("public_repos") or 0) + int(org.get("total_private_repos") or 0)
                return "/orgs/%s/repos" % name, dict(oldest_first, type="all"), count, None
            if owner.kind == "org":
                raise self._not_found(owner, "an organization")
        user = self._owner_record("/users/%s" % name, "GET /users/%s" % owner.name)
        if user is None:
            raise self._not_found(owner, "a user" if owner.kind == "user" else "an organization or a user")
        count = int(user.get("public_repos") or 0)
        return "/users/%s/repos" % name, dict(oldest_first, type="owner"), count, None

    # --- listing ----------------------------------------------------------------------

    def _owner_stream(self, owner: OwnerRef):
        if self.cfg.api == "graphql" and owner.kind not in ("self", "installation", "starred"):
            return self._graphql_stream(owner)
        path, params, estimate, list_key = self._resolve(owner)
        # Starred repositories belong to many owners: each keeps its own.
        label = "" if owner.kind == "starred" else owner.name
        since = self.changed_since(owner, estimate) if owner.kind not in ("installation", "starred") else None
        if since is not None:
            return self._changed_first(owner, path, params, since), 1, estimate
        last_page = ReversePageOrder.first_page(estimate, self.cfg.per_page)
        order = ReversePageOrder(last_page, self.cfg.per_page)

        probe: Dict[int, Any] = {}     # the last page, read alone first, kept for a walk that follows
        # A starred listing has no changed-first order (its sort is the star time).
        cacheable = list_key is None and owner.kind != "starred"

        def page_fetch(page: int) -> Page:
            query = dict(params, per_page=self.cfg.per_page, page=page)
            got = self._list_page(owner, path, query, list_key, label)
            if page == last_page:
                probe[page] = got
            repos, links, _count, size = got
            if page == 1 and self.plan is not None and cacheable:
                self._list_page(owner, path, dict(params, sort="pushed", direction="desc",
                                                  per_page=self.cfg.per_page, page=1), None, label)
            return Page(repos, page + 1 if "next" in links else None, raw_bytes=size)

        def fetch(token: Tuple[int, int]) -> Page:
            page = token[1]
            query = dict(params, per_page=self.cfg.per_page, page=page)
            got = probe.pop(page, None) if token[0] == 0 else None
            repos, links, count, size = got or self._list_page(owner, path, query, list_key, label)
            following = order.next_token(token, count, links)
            if following is None and self.plan is not None and cacheable:
                # Keep the first changed-first page too, so the next run's first
                # request can already be answered 304.
                self._list_page(owner, path, dict(params, sort="pushed", direction="desc",
                                                  per_page=self.cfg.per_page, page=1), None, label)
            return Page(repos, following, raw_bytes=size)

        if estimate is not None and list_key is None:
            return OwnerStream(owner, fetch, order.first_token(), estimate, page_fetch, last_page)
        return fetch, order.first_token(), estimate

    def _list_page(self, owner: OwnerRef, path: str, query: Dict[str, Any], list_key: Optional[str],
                   label: str) -> Tuple[List[Repo], Dict[str, str], int, int]:
        """One page of a listing, conditional when the cache knows it:
        (repos, Link relations, item count, bytes received)."""
        what = "GET %s page %d" % (path, query["page"])

        def keep(headers: Dict[str, str], data: Any) -> Dict[str, Any]:
            if list_key:
                data = data.get(list_key) or []
            if not isinstance(data, list):
                raise Transient("%s: expected a JSON list of repositories" % what)
            repos = [self._from_rest(item, label) for item in data]
            return dict(repos_to_rows(repos), links=parse_link_header(_header(headers, "link")), count=len(data))

        self._last.bytes = 0
        try:
            kept = self._get_conditional(path, query, what, keep, valid=rows_fit)
        except NotFoundAnswer:
            raise NotFoundError("%s vanished while listing (404 on %s)" % (owner.name, what))
        self.stats.pages += 1
        repos = rows_to_repos(kept) or []
        return repos, kept.get("links") or {}, int(kept.get("count") or 0), self._last.bytes

    def _changed_first(self, owner: OwnerRef, path: str, params: Dict[str, Any], since: str):
        """Most recently pushed first (sort=pushed, direction=desc), forward,
        stopping after the first page whose oldest push is older than
        ``since`` (docs/forge-wire.md, "Changed-first listing"). A push made
        while we read moves a repository to the front, onto a page already
        read: it is seen by the next run, as a push made just after this one."""
        query = dict(params, sort="pushed", direction="desc")

        def fetch(page: int) -> Page:
            params = dict(query, per_page=self.cfg.per_page, page=page)
            repos, links, count, size = self._list_page(owner, path, params, None, owner.name)
            more = "next" in links and count > 0 and not older_than([r.marker for r in repos], since)
            return Page(repos, page + 1 if more else None, raw_bytes=size)

        return fetch

    def _from_rest(self, d: Dict[str, Any], owner: str) -> Repo:
        full = d.get("full_name") or "%s/%s" % ((d.get("owner") or {}).get("login", owner), d["name"])
        size = int(d.get("size") or 0)
        return Repo(
            provider="github", host=self.cfg.host, owner=owner or full.split("/")[0],
            name=d["name"], full_path=full, id=int(d["id"]),
            clone_url=d.get("clone_url") or "", ssh_url=d.get("ssh_url") or "",
            web_url=d.get("html_url") or "", default_branch=d.get("default_branch") or "",
            archived=bool(d.get("archived", False)), fork=bool(d.get("fork", False)),
            visibility=d.get("visibility") or ("private" if d.get("private") else "public"),
            # REST has no emptiness flag; GitHub reports size 0 for a repo with no commits.
            empty=size == 0, disabled=bool(d.get("disabled", False)),
            topics=tuple(d.get("topics") or ()), language=d.get("language"),
            size_kb=size, marker=d.get("pushed_at") or "", wiki=bool(d.get("has_wiki", False)),
            pushed_at=d.get("pushed_at") or "", stars=int(d.get("stargazers_count") or 0),
        )

    def _graphql_stream(self, owner: OwnerRef):
        kinds = ["organization", "user"] if owner.kind == "auto" else (
            ["organization"] if owner.kind == "org" else ["user"])
        state = {"field": kinds[0]}

        def query(field: str, cursor: Optional[str]):
            variables = {"login": owner.name, "first": min(self.cfg.per_page, 100), "cursor": cursor}
            what = "GraphQL %s(%s) repositories" % (field, owner.name)

            def fn():
                headers, data = self._request("POST", self._req.graphql_url, what,
                                              body={"query": GRAPHQL_REPOS % field, "variables": variables})
                errors = data.get("errors") if isinstance(data, dict) else None
                if errors:   # as PyGithub's graphql_query reads them
                    if len(errors) == 1 and errors[0].get("type") == "NOT_FOUND":
                        raise UnknownObjectException(404, data, headers, errors[0].get("message"))
                    raise self._req.createException(400, headers, data)
                return data
            try:
                return self._call(fn, what)
            except NotFoundAnswer:
                return None

        def fetch(cursor: Optional[str]) -> Page:
            data = None
            while data is None:
                data = query(state["field"], cursor)
                node = ((data or {}).get("data") or {}).get(state["field"]) if data else None
                if node is None:
                    data = None
                    if cursor is None and state["field"] != kinds[-1]:
                        state["field"] = kinds[kinds.index(state["field"]) + 1]
                        continue
                    raise self._not_found(owner, " or ".join("a user" if k == "user" else "an organization"
                                                             for k in kinds))
            conn = data["data"][state["field"]]["repositories"]
            self.stats.pages += 1
            repos = [self._from_graphql(n, owner.name) for n in conn.get("nodes") or []]
            info = conn.get("pageInfo") or {}
            total = conn.get("totalCount")
            return Page(repos, info.get("endCursor") if info.get("hasNextPage") else None,
                        raw_bytes=self._last.bytes, total=int(total) if isinstance(total, int) else None)

        return fetch, None

    def _from_graphql(self, n: Dict[str, Any], owner: str) -> Repo:
        full = n["nameWithOwner"]
        url = n.get("url") or ""
        return Repo(
            provider="github", host=self.cfg.host, owner=owner, name=n["name"], full_path=full,
            id=int(n["databaseId"]), clone_url=url + ".git" if url else "",
            ssh_url=n.get("sshUrl") or "", web_url=url,
            default_branch=(n.get("defaultBranchRef") or {}).get("name") or "",
            archived=bool(n.get("isArchived")), fork=bool(n.get("isFork")),
            visibility=(n.get("visibility") or "PUBLIC").lower(),
            empty=bool(n.get("isEmpty")), disabled=bool(n.get("isDisabled")),
            topics=tuple(t["topic"]["name"] for t in ((n.get("repositoryTopics") or {}).get("nodes") or [])),
            language=(n.get("primaryLanguage") or {}).get("name"),
            size_kb=int(n.get("diskUsage") or 0), marker=n.get("pushedAt") or "",
            wiki=bool(n.get("hasWikiEnabled")), pushed_at=n.get("pushedAt") or "",
            stars=int(n.get("stargazerCount") or 0),
        )

    # --- gists (extras.py) ------------------------------------------------------------

    def gists(self, owner: OwnerRef) -> Iterator[Repo]:
        """A user's public gists (GET /users/{user}/gists), or with owner_kind
        self the token's own, secret ones included (GET /gists). Organizations
        have no gists. Newest first, forward by the Link header: a gist list
        is short, and a gist is cloned by its id whatever page it was on."""
        if owner.kind in ("org", "installation"):
            return
        if owner.kind == "self":
            path = "/gists"
        else:
            name = quote(owner.name, safe="")
            if owner.kind == "auto":
                record = self._owner_record("/users/%s" % name, "GET /users/%s" % owner.name)
                if record is None or record.get("type") == "Organization":
                    return
            path = "/users/%s/gists" % name
        page = 1
        while True:
            what = "GET %s page %d" % (path, page)
            try:
                headers, data = self._get(path, {"per_page": self.cfg.per_page, "page": page}, what)
            except NotFoundAnswer:
                return
            if not isinstance(data, list):
                raise Transient("%s: expected a JSON list of gists" % what)
            self.stats.pages += 1
            for item in data:
                if isinstance(item, dict) and item.get("id") and item.get("git_pull_url"):
                    yield self._from_gist(item, owner.name)
            if not data or "next" not in parse_link_header(_header(headers, "link")):
                return
            page += 1

    def _from_gist(self, g: Dict[str, Any], owner: str) -> Repo:
        gist_id = str(g["id"])
        login = (g.get("owner") or {}).get("login") or owner
        return Repo(
            provider="github", host=self.cfg.host, owner=login, name=gist_id,
            full_path="%s/gists/%s" % (login, gist_id), id=0, clone_url=g["git_pull_url"],
            web_url=g.get("html_url") or "", visibility="public" if g.get("public") else "private",
            marker=g.get("updated_at") or "", kind="gist", ref=gist_id,
        )
