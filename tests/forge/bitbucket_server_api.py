# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bitbucket Data Center (Server) REST 1.0, served under the context path
{url}/bbs (as https://host/bitbucket is served on many installations):
REST at /bbs/rest/api/1.0 (and /latest), git at /bbs/scm/{key}/{slug}.git.

What it follows (developer.atlassian.com/server/bitbucket/rest, and
docs.atlassian.com/bitbucket-server/rest "Paged APIs"):
- GET /rest/api/1.0/projects/{projectKey}/repos: a page {"size" (items on
  this page), "limit", "isLastPage", "values", "start", "nextPageStart"
  (only when more follow)}; `limit` defaults to 25 and is capped by the
  server (Forge(bitbucket_server_max_limit=1000)); clients must use
  nextPageStart. Personal projects are `~USER`.
- The repository object: slug, id, name, description, hierarchyId, scmId,
  state, statusMessage, forkable, archived, public, project {key, id, name,
  description, public, type NORMAL|PERSONAL, links}, links {clone: [{href,
  name: http|ssh}], self: [{href}]}, origin for forks. No update time and
  no default branch are served: the list gives neither reliably. The http
  clone href carries the caller's user name (http://USER@host/scm/...),
  with the project key in lower case, as Data Center renders it.
- Errors {"errors": [{"context", "message", "exceptionName"}]}: an unknown
  project is 404 NoSuchProjectException "Project KEY does not exist.", bad
  credentials 401 IncorrectPasswordAuthenticationException.
- GET /rest/api/1.0/application-properties {version, buildNumber, buildDate,
  displayName}: what a client asks to learn that a URL is Bitbucket.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from typing import Any, Dict, List, Optional

from .auth import Principal
from .bitbucket_auth import Refused
from .state import ForgeOwner, ForgeRepo
from .web import Request, Response, json_response

PREFIX = "/bbs"
DEFAULT_LIMIT = 25
BAD_CREDENTIALS = "Authentication failed. Please check your credentials and try again."


def errors(status: int, message: str, exception: Optional[str] = None) -> Response:
    return json_response(status, {"errors": [{"context": None, "message": message, "exceptionName": exception}]})


def clone_href(base: str, repo: ForgeRepo, user: Optional[str] = None) -> str:
    parts = urllib.parse.urlsplit(base)
    netloc = ("%s@%s" % (user, parts.netloc)) if user else parts.netloc
    return "%s://%s%s/scm/%s/%s.git" % (parts.scheme, netloc, PREFIX, repo.namespace.lower(), repo.name)


class BitbucketServerApi:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state

    @staticmethod
    def is_list(sub: str) -> bool:
        parts = sub.strip("/").split("/")
        return len(parts) == 3 and parts[0] == "projects" and parts[2] == "repos"

    def handle(self, req: Request, sub: str, fault: Any) -> Response:
        try:
            who = self.app.bitbucket_auth.server(req)
        except Refused:
            return errors(401, BAD_CREDENTIALS, "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException")
        if req.method != "GET":
            return errors(405, "Method not allowed")
        parts = [urllib.parse.unquote(p) for p in sub.strip("/").split("/")]
        if parts == ["application-properties"]:
            return json_response(200, {"version": "8.19.1", "buildNumber": "8019001",
                                       "buildDate": "1712620800000", "displayName": "Bitbucket"})
        if len(parts) == 3 and parts[0] == "projects" and parts[2] == "repos":
            project = self.state.owner("bitbucket-server", parts[1])
            if project is None:
                return errors(404, "Project %s does not exist." % parts[1],
                              "com.atlassian.bitbucket.project.NoSuchProjectException")
            return self._page(req, who, project)
        return errors(404, "The requested resource does not exist.")

    def _page(self, req: Request, who: Optional[Principal], project: ForgeOwner) -> Response:
        start = max(0, req.int_arg("start", 0))
        limit = req.int_arg("limit", DEFAULT_LIMIT)
        limit = DEFAULT_LIMIT if limit < 1 else min(limit, self.app.bitbucket_server_max_limit)
        with self.state.lock:
            def build() -> List[int]:
                rows = [r for r in self.state.in_namespace("bitbucket-server", project.path)
                        if who is not None or not r.private]
                return [r.id for r in sorted(rows, key=lambda r: (r.display_name.lower(), r.id))]
            ids = self.state.cached(("bbs-project", project.id, who is not None), build)
            table = self.state.repos["bitbucket-server"]
            values = [self.repo_json(req.base, table[i], who) for i in ids[start:start + limit] if i in table]
            last = start + limit >= len(ids)
        body: Dict[str, Any] = {"size": len(values), "limit": limit, "isLastPage": last, "values": values,
                                "start": start}
        if not last:
            body["nextPageStart"] = start + limit
        return json_response(200, body)

    def project_json(self, base: str, owner: ForgeOwner) -> Dict[str, Any]:
        personal = owner.kind == "user"
        out: Dict[str, Any] = {"key": owner.path, "id": owner.id, "name": owner.path.lstrip("~"),
                               "public": False, "type": "PERSONAL" if personal else "NORMAL"}
        if personal:
            login = owner.path.lstrip("~")
            out["owner"] = {"name": login, "id": owner.id, "displayName": login, "active": True,
                            "slug": login, "type": "NORMAL"}
            out["links"] = {"self": [{"href": "%s%s/users/%s" % (base, PREFIX, login)}]}
        else:
            out["description"] = "The %s project" % owner.path
            out["links"] = {"self": [{"href": "%s%s/projects/%s" % (base, PREFIX, owner.path)}]}
        return out

    def repo_json(self, base: str, r: ForgeRepo, who: Optional[Principal], nested: bool = False) -> Dict[str, Any]:
        owner = self.state.owner("bitbucket-server", r.namespace)
        host = urllib.parse.urlsplit(base).hostname or "127.0.0.1"
        if owner is not None and owner.kind == "user":
            browse = "%s%s/users/%s/repos/%s/browse" % (base, PREFIX, owner.path.lstrip("~"), r.name)
        else:
            browse = "%s%s/projects/%s/repos/%s/browse" % (base, PREFIX, r.namespace, r.name)
        out: Dict[str, Any] = {
            "slug": r.name, "id": r.id, "name": r.display_name, "description": r.description,
            "hierarchyId": hashlib.sha1(b"%d" % r.id).hexdigest()[:20], "scmId": "git",
            "state": "AVAILABLE", "statusMessage": "Available", "forkable": True, "archived": r.archived,
            "project": self.project_json(base, owner) if owner is not None else {"key": r.namespace},
            "public": not r.private,
            "links": {
                "clone": [{"href": clone_href(base, r, who.login if who else None), "name": "http"},
                          {"href": "ssh://git@%s:7999/%s/%s.git" % (host, r.namespace.lower(), r.name),
                           "name": "ssh"}],
                "self": [{"href": browse}],
            },
        }
        if r.forked_from is not None and not nested:
            origin = self.state.repos["bitbucket-server"].get(r.forked_from)
            if origin is not None and (who is not None or not origin.private):
                out["origin"] = self.repo_json(base, origin, who, nested=True)
        return out
