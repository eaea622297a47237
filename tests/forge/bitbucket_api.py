# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bitbucket Cloud REST 2.0, served at {url}/bitbucket/2.0 (base path /2.0
as on api.bitbucket.org); git at {url}/bitbucket/{workspace}/{slug}.git.

What it follows (developer.atlassian.com/cloud/bitbucket/rest):
- GET /2.0/repositories/{workspace} (api-group-repositories, "List
  repositories in a workspace"): a paginated list, {"pagelen", "size",
  "page", "values", "next", "previous"} (intro, "Pagination"); pagelen
  defaults to 10 and is capped at 100; `next` and `previous` are absolute
  URLs, `next` is absent on the last page. `q` and `sort` (intro,
  "Filtering and sorting") are not implemented: a request using them is
  answered 400 so that a client depending on them notices.
- The repository object of the published schema ("repository", "project",
  "branch"): type, uuid, full_name, slug, name, description, is_private,
  scm, created_on/updated_on (ISO 8601 with microseconds and +00:00, as the
  API renders them), size (bytes), language (lower case, "" when unknown),
  has_issues, has_wiki, fork_policy, mainbranch {type, name} (null while
  the repository is empty), project {type, key, uuid, name, links}, parent
  (forks), links {self, html, clone: [{name: https|ssh, href}]}. The https
  clone href carries the caller's user name (`https://USER@host/ws/slug.git`)
  when the request is authenticated, as bitbucket.org's does.
- Errors in the standard shape {"type": "error", "error": {"message"}}
  (intro, "Standardized error responses"); an unknown workspace is a 404
  "No workspace with identifier '...'.".
- Auth (see bitbucket_auth.py): a refused Bearer token is 401 with the JSON
  error "Token is invalid, expired, or not supported for this endpoint."; a
  refused Basic login is 401 text/plain with WWW-Authenticate
  Basic realm="Bitbucket.org HTTP".
- Rate limit (support.atlassian.com bitbucket-cloud docs/api-request-limits
  and the "scaled rate limits" announcement): a rolling one-hour window per
  caller (1,000 requests; anonymous 60 per IP) on /2.0/repositories/*;
  requests made with access tokens get X-RateLimit-Limit,
  X-RateLimit-Resource and X-RateLimit-NearLimit (true below 20 % left);
  past the limit 429 "Rate limit for this resource has been exceeded", no
  Retry-After.
"""

from __future__ import annotations

import time
import urllib.parse
import uuid
from typing import Any, Dict, List, Optional

from .auth import Principal
from .bitbucket_auth import Refused
from .paging import replace_param
from .state import ForgeOwner, ForgeRepo
from .web import Request, Response, json_response, text_response

RATE_LIMITED = "Rate limit for this resource has been exceeded"
BAD_TOKEN = "Token is invalid, expired, or not supported for this endpoint."
BASIC_CHALLENGE = ("WWW-Authenticate", 'Basic realm="Bitbucket.org HTTP"')
MAX_PAGELEN = 100
DEFAULT_PAGELEN = 10


def error(status: int, message: str, headers: Optional[list] = None) -> Response:
    return json_response(status, {"type": "error", "error": {"message": message}}, headers)


def cloud_uuid(kind: str, ident: int) -> str:
    """A stable `{...}` uuid for a repository, project or workspace."""
    return "{%s}" % uuid.uuid5(uuid.NAMESPACE_URL, "forge:bitbucket:%s:%d" % (kind, ident))


def updated_on(repo: ForgeRepo) -> str:
    """updated_on as the API renders it: microseconds and +00:00."""
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(repo.updated_at)))
    return "%s.%06d+00:00" % (base, (repo.id * 7919 + repo.changes) % 1000000)


def created_on(repo: ForgeRepo) -> str:
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(repo.created_at)))
    return "%s.%06d+00:00" % (base, (repo.id * 104729) % 1000000)


def clone_href(base: str, repo: ForgeRepo, user: Optional[str] = None) -> str:
    parts = urllib.parse.urlsplit(base)
    netloc = ("%s@%s" % (user, parts.netloc)) if user else parts.netloc
    return "%s://%s/bitbucket/%s.git" % (parts.scheme, netloc, repo.full_path)


class BitbucketCloudApi:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state

    @staticmethod
    def is_list(sub: str) -> bool:
        parts = sub.strip("/").split("/")
        return len(parts) == 2 and parts[0] == "repositories"

    # -- entry -------------------------------------------------------------
    def handle(self, req: Request, sub: str, fault: Any) -> Response:
        try:
            who = self.app.bitbucket_auth.cloud_rest(req)
        except Refused as refused:
            if refused.basic:
                return text_response(401, "", [BASIC_CHALLENGE])
            return error(401, BAD_TOKEN)
        parts = [urllib.parse.unquote(p) for p in sub.strip("/").split("/")]
        if req.method != "GET":
            return error(405, "Method not allowed")
        if parts and parts[0] == "repositories":
            key = ("token:" + who.token) if who else ("anon:" + req.client_ip)
            if fault is not None and fault.kind == "bitbucket_429":
                return error(429, RATE_LIMITED)
            allowed, limit, left = self.app.bb_budgets.take(key, who is None)
            if not allowed:
                return error(429, RATE_LIMITED)
            resp = self._repositories(req, parts, who)
            if who is not None and who.kind == "access_token":
                resp.headers += [("X-RateLimit-Limit", str(limit)), ("X-RateLimit-Resource", "api"),
                                 ("X-RateLimit-NearLimit", "true" if self.app.bb_budgets.near_limit(limit, left)
                                  else "false")]
            return resp
        return error(404, "Resource not found")

    def _repositories(self, req: Request, parts: List[str], who: Optional[Principal]) -> Response:
        if len(parts) != 2:
            return error(404, "Resource not found")
        workspace = self.state.owner("bitbucket", parts[1])
        if workspace is None:
            return error(404, "No workspace with identifier '%s'." % parts[1])
        if req.arg("q") is not None or req.arg("sort") is not None:
            return error(400, "the local forge does not implement q or sort")
        return self._page(req, who, workspace)

    # -- listing -----------------------------------------------------------
    def _page(self, req: Request, who: Optional[Principal], workspace: ForgeOwner) -> Response:
        page = max(1, req.int_arg("page", 1))
        pagelen = req.int_arg("pagelen", DEFAULT_PAGELEN)
        pagelen = DEFAULT_PAGELEN if pagelen < 1 else min(pagelen, MAX_PAGELEN)
        with self.state.lock:
            def build() -> List[int]:
                rows = [r for r in self.state.in_namespace("bitbucket", workspace.path)
                        if who is not None or not r.private]
                return [r.id for r in sorted(rows, key=lambda r: r.id)]
            ids = self.state.cached(("bitbucket-ws", workspace.id, who is not None), build)
            table = self.state.repos["bitbucket"]
            start = (page - 1) * pagelen
            values = [self.repo_json(req.base, table[i], who) for i in ids[start:start + pagelen] if i in table]
            total = len(ids)
        body: Dict[str, Any] = {"pagelen": pagelen, "size": total, "values": values, "page": page}
        if start + pagelen < total:
            body["next"] = req.url_with(req.path, replace_param(list(req.query), "page", str(page + 1)))
        if page > 1:
            body["previous"] = req.url_with(req.path, replace_param(list(req.query), "page", str(page - 1)))
        return json_response(200, body)

    # -- JSON shapes -------------------------------------------------------
    def _link(self, base: str, path: str) -> Dict[str, str]:
        return {"href": base + path}

    def project_json(self, base: str, workspace: str, key: str) -> Dict[str, Any]:
        return {"type": "project", "key": key, "uuid": cloud_uuid("project", sum(map(ord, workspace + key))),
                "name": "%s project %s" % (workspace, key),
                "links": {"html": self._link(base, "/bitbucket/%s/workspace/projects/%s" % (workspace, key))}}

    def repo_json(self, base: str, r: ForgeRepo, who: Optional[Principal], nested: bool = False) -> Dict[str, Any]:
        api = "/bitbucket/2.0/repositories/%s" % r.full_path
        host = urllib.parse.urlsplit(base).hostname or "127.0.0.1"
        user = who.login if who is not None else None
        out: Dict[str, Any] = {
            "type": "repository",
            "uuid": cloud_uuid("repository", r.id),
            "full_name": r.full_path,
            "name": r.display_name,
            "links": {
                "self": self._link(base, api),
                "html": self._link(base, "/bitbucket/%s" % r.full_path),
            },
        }
        if nested:
            return out
        out["links"]["clone"] = [{"name": "https", "href": clone_href(base, r, user)},
                                 {"name": "ssh", "href": "git@%s:%s.git" % (host, r.full_path)}]
        out.update({
            "slug": r.name,
            "description": r.description,
            "is_private": r.private,
            "scm": "git",
            "created_on": created_on(r),
            "updated_on": updated_on(r),
            "size": r.size_kb * 1024,
            "language": (r.language or "").lower(),
            "has_issues": r.index % 2 == 0,
            "has_wiki": r.index % 3 != 0,
            "fork_policy": "no_public_forks" if r.private else "allow_forks",
            "project": self.project_json(base, r.namespace, r.project or "PRJ0"),
            "mainbranch": None if r.empty else {"type": "branch", "name": r.default_branch},
        })
        if r.forked_from is not None:
            parent = self.state.repos["bitbucket"].get(r.forked_from)
            if parent is not None and (who is not None or not parent.private):
                out["parent"] = self.repo_json(base, parent, who, nested=True)
        return out
