# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Gitea / Forgejo API v1 as docs/forge-wire.md, "Gitea and Forgejo API v1", describes.

The trap it reproduces: `limit` above the server's max_response_items is
silently capped (default 50), so a client that asks for 100 and stops at the
first short page misses repos. X-Total-Count and a Link header (joined with
"," and no space, query keys sorted as Go encodes them) tell the truth.
"""

from __future__ import annotations

import urllib.parse
from typing import Any, Callable, Dict, List, Optional, Tuple

from .auth import AuthError, Principal
from .paging import last_page, link_header, page_slice
from .state import ForgeOwner, ForgeRepo, iso
from .web import Request, Response, credentials, json_response

VERSION = "1.22.3"


class GiteaApi:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state

    @staticmethod
    def is_list(sub: str) -> bool:
        parts = sub.strip("/").split("/")
        return (len(parts) == 3 and parts[0] in ("orgs", "users") and parts[2] in ("repos", "starred")) or \
            parts in (["user", "repos"], ["user", "starred"])

    def _error(self, req: Request, status: int, message: str) -> Response:
        return json_response(status, {"errors": [], "message": message, "url": req.base + "/api/swagger"})

    def not_found(self, req: Request) -> Response:
        return self._error(req, 404, "The target couldn't be found.")

    # -- entry -------------------------------------------------------------
    def handle(self, req: Request, sub: str, fault: Any) -> Response:
        parts = [urllib.parse.unquote(p) for p in sub.strip("/").split("/")]
        creds = credentials(req)
        for name in ("token", "access_token"):
            if req.arg(name):
                creds.append(req.arg(name) or "")
        try:
            who = self.app.tokens.identify(creds)
        except AuthError:
            return self._error(req, 401, "invalid username, password or token")
        if req.method != "GET":
            return self._error(req, 405, "Method Not Allowed")
        n = len(parts)
        head = parts[0] if parts else ""
        if parts == ["version"]:
            return json_response(200, {"version": VERSION})
        if parts == ["settings", "api"]:
            return json_response(200, {"max_response_items": self.app.gitea_max_items,
                                       "default_paging_num": self.app.gitea_default_limit,
                                       "default_git_trees_per_page": 1000, "default_max_blob_size": 10485760})
        if head == "orgs" and n >= 2:
            org = self.state.owner("gitea", parts[1])
            if org is None or org.kind != "org":
                return self.not_found(req)
            if n == 2:
                return json_response(200, self.org_json(req.base, org))
            if n == 3 and parts[2] == "repos":
                return self._owner_repos(req, who, org)
        if head == "users" and n >= 2:
            owner = self.state.owner("gitea", parts[1])
            if owner is None:
                return self.not_found(req)
            if n == 2:
                return json_response(200, self.user_json(req.base, owner))
            if n == 3 and parts[2] == "repos":
                return self._owner_repos(req, who, owner)
            if n == 3 and parts[2] == "starred":
                return self._starred(req, who, owner)
        if parts == ["user", "starred"]:
            if who is None:
                return self._error(req, 401, "token is required")
            return self._starred(req, who, self.state.ensure_owner("gitea", "user", who.login))
        if parts == ["user"]:
            if who is None:
                return self._error(req, 401, "token is required")
            return json_response(200, self.user_json(req.base, self.state.ensure_owner("gitea", "user", who.login)))
        if parts == ["user", "repos"]:
            if who is None:
                return self._error(req, 401, "token is required")
            return self._self_repos(req, who)
        if head == "repos" and n == 3:
            return self._repo(req, who, parts[1] + "/" + parts[2])
        if head == "repositories" and n == 2 and parts[1].isdigit():
            with self.state.lock:
                repo = self.state.repos["gitea"].get(int(parts[1]))
                if repo is None or not self.visible(repo, who):
                    return self.not_found(req)
                return json_response(200, self.repo_json(req.base, repo, who))
        return self.not_found(req)

    @staticmethod
    def visible(repo: ForgeRepo, who: Optional[Principal]) -> bool:
        return who is not None or not repo.private

    # -- JSON shapes -------------------------------------------------------
    def user_json(self, base: str, u: ForgeOwner) -> Dict[str, Any]:
        return {"id": u.id, "login": u.path, "login_name": "", "full_name": u.path.replace("-", " ").title(),
                "email": "%s@forge.test" % u.path, "avatar_url": "%s/gitea/avatars/%d" % (base, u.id),
                "html_url": "%s/gitea/%s" % (base, u.path), "language": "", "is_admin": False,
                "last_login": iso(u.created_at), "created": iso(u.created_at), "restricted": False,
                "active": True, "prohibit_login": False, "location": "", "website": "", "description": "",
                "visibility": "public", "followers_count": 0, "following_count": 0, "starred_repos_count": 0,
                "username": u.path}

    def org_json(self, base: str, o: ForgeOwner) -> Dict[str, Any]:
        return {"id": o.id, "name": o.path, "full_name": o.path.title(), "email": "",
                "avatar_url": "%s/gitea/avatars/%d" % (base, o.id), "description": "The %s org" % o.path,
                "website": "", "location": "", "visibility": "public", "repo_admin_change_team_access": False,
                "username": o.path}

    def repo_json(self, base: str, r: ForgeRepo, who: Optional[Principal]) -> Dict[str, Any]:
        owner = self.state.owner("gitea", r.namespace)
        host = urllib.parse.urlsplit(base).hostname or "127.0.0.1"
        full = r.full_path
        parent = None
        if r.forked_from is not None:
            parent_repo = self.state.repos["gitea"].get(r.forked_from)
            if parent_repo is not None and self.visible(parent_repo, who):
                parent = {"id": parent_repo.id, "name": parent_repo.name, "full_name": parent_repo.full_path}
        admin = who is not None
        return {
            "id": r.id, "owner": self.user_json(base, owner) if owner else None, "name": r.name, "full_name": full,
            "description": r.description, "empty": r.empty, "private": r.private, "fork": r.fork,
            "template": False, "parent": parent, "mirror": r.mirror, "size": r.size_kb,
            "language": r.language or "", "languages_url": "%s/api/v1/repos/%s/languages" % (base, full),
            "html_url": "%s/gitea/%s" % (base, full), "url": "%s/api/v1/repos/%s" % (base, full),
            "link": "", "ssh_url": "git@%s:%s.git" % (host, full), "clone_url": "%s/gitea/%s.git" % (base, full),
            "original_url": "https://example.invalid/%s.git" % full if r.mirror else "", "website": "",
            "stars_count": r.index % 50, "forks_count": r.index % 7, "watchers_count": r.index % 50,
            "open_issues_count": r.index % 5, "open_pr_counter": 0, "release_counter": 0,
            "default_branch": r.default_branch, "archived": r.archived, "created_at": iso(r.created_at),
            "updated_at": iso(r.updated_at), "archived_at": iso(r.updated_at) if r.archived else "1970-01-01T00:00:00Z",
            "permissions": {"admin": admin, "push": admin, "pull": True},
            "has_issues": True, "internal_tracker": {"enable_time_tracker": True}, "has_wiki": r.has_wiki,
            "has_pull_requests": True, "has_projects": True, "has_releases": True, "has_packages": True,
            "has_actions": True, "ignore_whitespace_conflicts": False, "allow_merge_commits": True,
            "allow_rebase": True, "allow_rebase_explicit": True, "allow_squash_merge": True,
            "default_merge_style": "merge", "avatar_url": "", "internal": False,
            "mirror_interval": "8h0m0s" if r.mirror else "", "mirror_updated": iso(r.updated_at) if r.mirror else
            "0001-01-01T00:00:00Z", "repo_transfer": None, "topics": list(r.topics), "object_format_name": "sha1",
        }

    # -- listings ----------------------------------------------------------
    def _page(self, req: Request, who: Optional[Principal], cache_key: tuple,
              source: Callable[[], List[ForgeRepo]], keep: Optional[Callable[[ForgeRepo], bool]] = None,
              total: Optional[int] = None) -> Response:
        page = max(1, req.int_arg("page", 1))
        limit = req.int_arg("limit", 0) or req.int_arg("page_size", 0)
        if limit <= 0:
            limit = self.app.gitea_default_limit
        limit = min(limit, self.app.gitea_max_items)       # silently capped, as Gitea does
        with self.state.lock:
            def build() -> List[int]:
                rows = [r for r in source() if self.visible(r, who) and (keep is None or keep(r))]
                rows.sort(key=lambda r: r.id)
                return [r.id for r in rows]
            ids = self.state.cached(cache_key + (who is not None,), build)
            table = self.state.repos["gitea"]
            rows = [self.repo_json(req.base, table[i], who) for i in page_slice(ids, page, limit) if i in table]
            total = len(ids) if total is None else total
        resp = json_response(200, rows, [("X-Total-Count", str(total))])
        # Go's url.Values.Encode sorts the keys.
        params: List[Tuple[str, str]] = sorted(req.query, key=lambda kv: kv[0])
        if not any(k == "page" for k, _value in params):
            params = sorted(params + [("page", str(page))], key=lambda kv: kv[0])
        link = link_header(req, req.path, page, last_page(total, limit), ("next", "last", "first", "prev"),
                           sep=",", params=params)
        if link:
            resp.headers.append(("Link", link))
        resp.headers.append(("Access-Control-Expose-Headers", "X-Total-Count, Link"))
        return resp

    def _owner_repos(self, req: Request, who: Optional[Principal], owner: ForgeOwner) -> Response:
        return self._page(req, who, ("gitea-owner", owner.id), lambda: self.state.in_namespace("gitea", owner.path))

    def _starred(self, req: Request, who: Optional[Principal], user: ForgeOwner) -> Response:
        """GET /users/{username}/starred and /user/starred. Gitea leaves private
        repos out unless the caller is that user, yet X-Total-Count is the user's
        star count (NumStars), private stars included."""
        with self.state.lock:
            starred = [r for _at, r in self.state.starred("gitea", user.path)]
        own = who is not None and who.login.lower() == user.path.lower()
        return self._page(req, who, ("gitea-starred", user.id, own), lambda: starred,
                          keep=lambda r: own or not r.private, total=len(starred))

    def _self_repos(self, req: Request, who: Principal) -> Response:
        def source() -> List[ForgeRepo]:
            out = []
            for repo in self.state.repos["gitea"].values():
                owner = self.state.owner("gitea", repo.namespace)
                if owner is None:
                    continue
                if owner.kind == "org" or owner.path.lower() == who.login.lower():
                    out.append(repo)
            return out
        return self._page(req, who, ("gitea-self", who.login), source)

    def _repo(self, req: Request, who: Optional[Principal], full: str) -> Response:
        with self.state.lock:
            repo = self.state.get("gitea", full)
            if repo is None:
                moved = self.state.get_moved("gitea", full)
                if moved is not None and self.visible(moved, who):
                    location = "%s/api/v1/repos/%s" % (req.base, moved.full_path)
                    return json_response(301, {"message": "Moved Permanently"}, [("Location", location)])
                return self.not_found(req)
            if not self.visible(repo, who):
                return self.not_found(req)
            return json_response(200, self.repo_json(req.base, repo, who))
