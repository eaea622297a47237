# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""GitLab REST v4 as docs/forge-wire.md, "GitLab REST v4", describes.

Groups by id or URL-encoded full path (routed on the raw path, so `a%2Fb`
is one segment), group projects with include_subgroups and offset pages
whose totals vanish above 10,000 rows, subgroups/descendant groups, user
projects with keyset pagination and the 50,000 offset cap, projects with 301
after a move, RateLimit-* headers and a per-token per-minute throttle.
"""

from __future__ import annotations

import bisect
import email.utils
import time
import urllib.parse
from typing import Any, Callable, Dict, List, Optional, Tuple

from .auth import AuthError, Principal
from .paging import last_page, link_header, page_slice, replace_param
from .state import ForgeOwner, ForgeRepo, iso
from .web import Request, Response, credentials, json_response, text_response

TOTALS_LIMIT = 10000
OFFSET_LIMIT = 50000
ORDERS = ("id", "name", "path", "created_at", "updated_at", "last_activity_at", "star_count")


def not_found(what: str = "Not Found") -> Response:
    return json_response(404, {"message": "404 %s" % what})


def bad_request(message: str) -> Response:
    return json_response(400, {"error": message})


class GitLabApi:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state

    # -- entry -------------------------------------------------------------
    def handle(self, req: Request, sub: str, fault: Any) -> Response:
        parts = sub.strip("/").split("/")
        try:
            who = self.app.tokens.identify(credentials(req))
        except AuthError:
            return json_response(401, {"message": "401 Unauthorized"})
        key = ("token:" + who.token) if who else ("anon:" + req.client_ip)
        if fault is not None and fault.kind == "gitlab_429":
            return self._fault_429(fault, key, who is None)
        ok, bucket = self.app.gl_budgets.take(key, "api", 1, who is None)
        if not ok:
            return self._throttled(bucket, who is None, max(1, int(bucket.reset_at - time.time())))
        resp = self._route(req, parts, who)
        self._rate_headers(resp, bucket, who is None)
        return resp

    @staticmethod
    def is_list(sub: str) -> bool:
        parts = sub.strip("/").split("/")
        return (len(parts) == 3 and parts[0] in ("groups", "users") and parts[2] == "projects") or \
            parts == ["projects"] or (len(parts) == 3 and parts[0] == "users" and parts[2] == "starred_projects")

    def _route(self, req: Request, parts: List[str], who: Optional[Principal]) -> Response:
        if req.method != "GET":
            return not_found()
        head = parts[0] if parts else ""
        n = len(parts)
        if head == "groups" and n == 1:
            return self._groups(req, who)
        if head == "groups" and n >= 2:
            group = self._group(parts[1])
            if group is None:
                return not_found("Group Not Found")
            if n == 2:
                return json_response(200, self.group_json(req.base, group))
            if n == 3 and parts[2] == "projects":
                return self._group_projects(req, who, group)
            if n == 3 and parts[2] in ("subgroups", "descendant_groups"):
                return self._subgroups(req, group, parts[2] == "descendant_groups")
            return not_found()
        if head == "users" and n == 1:
            return self._users(req)
        if head == "users" and n >= 2:
            user = self._user(parts[1])
            if user is None:
                return not_found("User Not Found")
            if n == 2:
                return json_response(200, self.user_json(req.base, user))
            if n == 3 and parts[2] == "projects":
                return self._user_projects(req, who, user)
            if n == 3 and parts[2] == "starred_projects":
                return self._starred_projects(req, who, user)
            return not_found()
        if head == "user" and n == 1:
            if who is None:
                return json_response(401, {"message": "401 Unauthorized"})
            owner = self.state.ensure_owner("gitlab", "user", who.login)
            return json_response(200, self.user_json(req.base, owner))
        if head == "projects" and n == 1:
            return self._all_projects(req, who)
        if head == "projects" and n == 2:
            return self._project(req, who, parts[1])
        if head == "snippets" and n == 1:
            if who is None:
                return json_response(401, {"message": "401 Unauthorized"})
            return self._paged(req, self.app.gists.gitlab_personal(req.base, who.login))
        if head == "projects" and n == 3 and parts[2] == "snippets":
            ident = urllib.parse.unquote(parts[1])
            with self.state.lock:
                repo = self.state.repos["gitlab"].get(int(ident)) if ident.isdigit() else self.state.get("gitlab", ident)
            if repo is None or not self.visible(repo, who):
                return not_found("Project Not Found")
            return self._paged(req, self.app.gists.gitlab_project(req.base, repo, who is not None))
        if head == "version" and n == 1:
            return json_response(200, {"version": "17.5.1-ee", "revision": "forge", "kas": {"enabled": False}})
        if head == "namespaces" and n == 2:
            owner = self._group(parts[1]) or self._user(parts[1])
            if owner is None:
                return not_found("Namespace Not Found")
            return json_response(200, self.namespace_json(req.base, owner))
        return not_found()

    # -- rate limits -------------------------------------------------------
    @staticmethod
    def _throttle_name(anonymous: bool) -> str:
        return "throttle_unauthenticated_api" if anonymous else "throttle_authenticated_api"

    def _rate_headers(self, resp: Response, bucket: Any, anonymous: bool) -> None:
        resp.headers += [
            ("RateLimit-Name", self._throttle_name(anonymous)),
            ("RateLimit-Limit", str(bucket.limit)),
            ("RateLimit-Observed", str(bucket.used)),
            ("RateLimit-Remaining", str(bucket.remaining)),
            ("RateLimit-Reset", str(int(bucket.reset_at))),
        ]

    def _throttled(self, bucket: Any, anonymous: bool, retry_after: int) -> Response:
        resp = text_response(429, "Retry later\n")
        self._rate_headers(resp, bucket, anonymous)
        resp.headers += [("RateLimit-ResetTime", email.utils.formatdate(bucket.reset_at, usegmt=True)),
                         ("Retry-After", str(retry_after))]
        return resp

    def _fault_429(self, fault: Any, key: str, anonymous: bool) -> Response:
        if fault.get("form") == "endpoint":
            return json_response(429, {"message": {"error": "This endpoint has been requested too many times. "
                                                            "Try again later."}})
        bucket = self.app.gl_budgets.bucket(key, "api", anonymous)
        resp = text_response(429, "Retry later\n")
        self._rate_headers(resp, bucket, anonymous)
        if fault.get("retry_after_date") is not None:
            when = fault.get("retry_after_date")
            retry = when if isinstance(when, str) else email.utils.formatdate(time.time() + float(when), usegmt=True)
            resp.headers += [("RateLimit-ResetTime", retry), ("Retry-After", retry)]
        else:
            seconds = int(fault.get("retry_after", 1))
            resp.headers += [("RateLimit-ResetTime", email.utils.formatdate(time.time() + seconds, usegmt=True)),
                             ("Retry-After", str(seconds))]
        return resp

    # -- lookups -----------------------------------------------------------
    def _group(self, ident: str) -> Optional[ForgeOwner]:
        ident = urllib.parse.unquote(ident)
        owner = self.state.owner_by_id("gitlab", int(ident)) if ident.isdigit() else self.state.owner("gitlab", ident)
        return owner if owner is not None and owner.kind == "group" else None

    def _user(self, ident: str) -> Optional[ForgeOwner]:
        ident = urllib.parse.unquote(ident)
        owner = self.state.owner_by_id("gitlab", int(ident)) if ident.isdigit() else self.state.owner("gitlab", ident)
        return owner if owner is not None and owner.kind == "user" else None

    @staticmethod
    def visible(repo: ForgeRepo, who: Optional[Principal]) -> bool:
        return who is not None or repo.visibility == "public"

    # -- JSON shapes -------------------------------------------------------
    def namespace_json(self, base: str, owner: ForgeOwner) -> Dict[str, Any]:
        return {"id": owner.id, "name": owner.name, "path": owner.name,
                "kind": "group" if owner.kind == "group" else "user", "full_path": owner.path,
                "parent_id": owner.parent_id, "avatar_url": None, "web_url": "%s/gitlab/%s" % (base, owner.path)}

    def group_json(self, base: str, g: ForgeOwner) -> Dict[str, Any]:
        full_name = " / ".join(p.replace("-", " ").title() for p in g.path.split("/"))
        return {"id": g.id, "web_url": "%s/gitlab/groups/%s" % (base, g.path), "name": g.name.replace("-", " ").title(),
                "path": g.name, "description": "The %s group" % g.path, "visibility": "public",
                "share_with_group_lock": False, "require_two_factor_authentication": False,
                "project_creation_level": "developer", "subgroup_creation_level": "maintainer",
                "lfs_enabled": True, "default_branch": None, "avatar_url": None,
                "request_access_enabled": True, "full_name": full_name, "full_path": g.path,
                "created_at": iso(g.created_at, millis=True), "parent_id": g.parent_id}

    def user_json(self, base: str, u: ForgeOwner) -> Dict[str, Any]:
        return {"id": u.id, "username": u.path, "name": u.path.replace("-", " ").title(), "state": "active",
                "locked": False, "avatar_url": None, "web_url": "%s/gitlab/%s" % (base, u.path),
                "created_at": iso(u.created_at, millis=True), "bot": False}

    def project_json(self, base: str, r: ForgeRepo, simple: bool, who: Optional[Principal]) -> Dict[str, Any]:
        owner = self.state.owner("gitlab", r.namespace)
        host = urllib.parse.urlsplit(base).hostname or "127.0.0.1"
        full = r.full_path
        ns_names = " / ".join(p.replace("-", " ").title() for p in r.namespace.split("/"))
        data: Dict[str, Any] = {
            "id": r.id, "description": r.description, "name": r.display_name,
            "name_with_namespace": "%s / %s" % (ns_names, r.display_name), "path": r.name,
            "path_with_namespace": full, "created_at": iso(r.created_at, millis=True),
            "default_branch": r.default_branch, "tag_list": list(r.topics), "topics": list(r.topics),
            "ssh_url_to_repo": "git@%s:%s.git" % (host, full),
            "http_url_to_repo": "%s/gitlab/%s.git" % (base, full),
            "web_url": "%s/gitlab/%s" % (base, full), "readme_url": None if r.empty else
            "%s/gitlab/%s/-/blob/%s/README.md" % (base, full, r.default_branch),
            "forks_count": r.index % 7, "avatar_url": None, "star_count": r.index % 50,
            "last_activity_at": iso(r.activity_at, millis=True),
            "namespace": self.namespace_json(base, owner) if owner else None,
        }
        if simple:
            return data
        data.update({
            "container_registry_image_prefix": "%s:5050/%s" % (host, full),
            "_links": {"self": "%s/api/v4/projects/%d" % (base, r.id)},
            "packages_enabled": True, "empty_repo": r.empty, "archived": r.archived,
            "visibility": r.visibility, "resolve_outdated_diff_discussions": False,
            "issues_enabled": True, "merge_requests_enabled": True, "wiki_enabled": r.has_wiki,
            "wiki_access_level": "enabled" if r.has_wiki else "disabled", "snippets_access_level": "enabled",
            "jobs_enabled": True, "snippets_enabled": True, "repository_access_level": "enabled",
            "creator_id": 1, "import_status": "none", "open_issues_count": r.index % 5,
            "updated_at": iso(r.updated_at, millis=True), "repository_object_format": "sha1",
            "shared_with_groups": [self._share_json(g) for g in self._shared_with(r)], "only_allow_merge_if_pipeline_succeeds": False,
            "permissions": {"project_access": {"access_level": 40} if who else None, "group_access": None},
        })
        if owner is not None and owner.kind == "user":
            data["owner"] = self.user_json(base, owner)
        if r.forked_from is not None:
            source = self.state.repos["gitlab"].get(r.forked_from)
            if source is not None and self.visible(source, who):
                data["forked_from_project"] = self.project_json(base, source, True, who)
        return data

    def _shared_with(self, r: ForgeRepo) -> List[ForgeOwner]:
        return [o for (svc, _path), o in self.state.owners.items() if svc == "gitlab" and r.id in o.shared]

    @staticmethod
    def _share_json(g: ForgeOwner) -> Dict[str, Any]:
        return {"group_id": g.id, "group_name": g.name, "group_full_path": g.path, "group_access_level": 30,
                "expires_at": None}

    # -- listings ----------------------------------------------------------
    def _order(self, req: Request, allowed: Tuple[str, ...] = ORDERS) -> Tuple[Optional[Callable], bool, str]:
        order_by = req.arg("order_by") or "created_at"
        sort = (req.arg("sort") or "desc").lower()
        if order_by not in allowed:
            return None, False, "order_by does not have a valid value"
        if sort not in ("asc", "desc"):
            return None, False, "sort does not have a valid value"
        keys: Dict[str, Callable[[ForgeRepo], Any]] = {
            "id": lambda r: (r.id,), "name": lambda r: (r.display_name.lower(), r.id),
            "path": lambda r: (r.name.lower(), r.id), "created_at": lambda r: (r.created_at, r.id),
            "updated_at": lambda r: (r.updated_at, r.id), "last_activity_at": lambda r: (r.activity_at, r.id),
            "star_count": lambda r: (r.index % 50, r.id)}
        return keys[order_by], sort == "desc", order_by

    def _filters(self, req: Request, who: Optional[Principal]) -> Tuple[tuple, Callable[[ForgeRepo], bool]]:
        archived = req.arg("archived")
        visibility = req.arg("visibility")
        want_archived = None if archived in (None, "") else archived.lower() in ("true", "1", "yes")

        def keep(r: ForgeRepo) -> bool:
            if not self.visible(r, who):
                return False
            if want_archived is not None and r.archived != want_archived:
                return False
            if visibility and r.visibility != visibility:
                return False
            return True
        return (want_archived, visibility, who is not None), keep

    def _list_projects(self, req: Request, who: Optional[Principal], cache_key: tuple,
                       source: Callable[[], List[ForgeRepo]], keyset_ok: bool) -> Response:
        per_page = req.int_arg("per_page", 20)
        per_page = 20 if per_page < 1 else min(per_page, 100)
        key_fn, desc, order_by = self._order(req)
        if key_fn is None:
            return bad_request(order_by)
        filter_key, keep = self._filters(req, who)
        simple = req.bool_arg("simple", False)
        keyset = keyset_ok and req.arg("pagination") == "keyset"
        if keyset and order_by != "id":
            return json_response(405, {"message": "405 Method Not Allowed"})     # GitLab: keyset needs order_by=id here
        page = max(1, req.int_arg("page", 1))
        if keyset_ok and not keyset and page * per_page > OFFSET_LIMIT:
            return json_response(405, {"error": "Offset pagination has a maximum allowed offset of %d for requests "
                                                "that return objects of type Project. Remaining records can be "
                                                "retrieved using keyset pagination." % OFFSET_LIMIT})
        with self.state.lock:
            def build() -> List[int]:
                rows = [r for r in source() if keep(r)]
                rows.sort(key=key_fn, reverse=desc)
                return [r.id for r in rows]
            ids = self.state.cached(cache_key + filter_key + (order_by, desc), build)
            table = self.state.repos["gitlab"]
            if keyset:
                return self._keyset_page(req, who, ids, per_page, desc, simple)
            chunk = page_slice(ids, page, per_page)
            rows = [self.project_json(req.base, table[i], simple, who) for i in chunk if i in table]
            total = len(ids)
        resp = json_response(200, rows)
        self.offset_headers(req, resp, page, per_page, total)
        return resp

    def _keyset_page(self, req: Request, who: Optional[Principal], ids: List[int], per_page: int, desc: bool,
                     simple: bool) -> Response:
        table = self.state.repos["gitlab"]
        after = req.int_arg("id_after", 0) if not desc else 0
        before = req.int_arg("id_before", 0) if desc else 0
        if desc:
            asc_ids = ids[::-1]
            end = bisect.bisect_left(asc_ids, before) if before else len(asc_ids)
            chunk = asc_ids[max(0, end - per_page):end][::-1]
            more = end - per_page > 0
        else:
            start = bisect.bisect_right(ids, after)
            chunk = ids[start:start + per_page]
            more = start + per_page < len(ids)
        rows = [self.project_json(req.base, table[i], simple, who) for i in chunk if i in table]
        resp = json_response(200, rows)
        if more and chunk:
            name, value = ("id_before", chunk[-1]) if desc else ("id_after", chunk[-1])
            params = [(k, v) for k, v in req.query if k not in ("id_after", "id_before", "page")]
            params = sorted(replace_param(params, name, str(value)), key=lambda kv: kv[0])
            url = req.url_with(req.path, params)
            resp.headers.append(("Link", '<%s>; rel="next"' % url))
        return resp

    def offset_headers(self, req: Request, resp: Response, page: int, per_page: int, total: int) -> None:
        has_next = page * per_page < total
        counted = total <= TOTALS_LIMIT
        last = last_page(total, per_page) if counted else None
        resp.headers += [("X-Page", str(page)), ("X-Per-Page", str(per_page)),
                         ("X-Next-Page", str(page + 1) if has_next else ""),
                         ("X-Prev-Page", str(page - 1) if page > 1 else "")]
        if counted:
            resp.headers += [("X-Total", str(total)), ("X-Total-Pages", str(last))]
        # Rails' to_query sorts the keys; GitLab always adds page and per_page.
        params = sorted(replace_param(list(req.query), "per_page", str(per_page)), key=lambda kv: kv[0])
        link = link_header(req, req.path, page, last, ("prev", "next", "first", "last"), always_first_last=True,
                           has_next=has_next, params=params)
        if link:
            resp.headers.append(("Link", link))

    def _group_projects(self, req: Request, who: Optional[Principal], group: ForgeOwner) -> Response:
        subgroups = req.bool_arg("include_subgroups", False)
        with_shared = req.bool_arg("with_shared", True)

        def source() -> List[ForgeRepo]:
            groups = [group] + (self.state.descendants("gitlab", group.path) if subgroups else [])
            rows: List[ForgeRepo] = []
            for g in groups:
                rows += self.state.in_namespace("gitlab", g.path)
            if with_shared:
                table = self.state.repos["gitlab"]
                seen = {r.id for r in rows}
                shared = {i for g in groups for i in g.shared if i in table and i not in seen}
                rows += [table[i] for i in sorted(shared)]
            return rows
        return self._list_projects(req, who, ("group", group.id, subgroups, with_shared), source, keyset_ok=False)

    def _user_projects(self, req: Request, who: Optional[Principal], user: ForgeOwner) -> Response:
        return self._list_projects(req, who, ("user", user.id),
                                   lambda: self.state.in_namespace("gitlab", user.path), keyset_ok=True)

    def _starred_projects(self, req: Request, who: Optional[Principal], user: ForgeOwner) -> Response:
        """GET /users/:user_id/starred_projects: visible projects the user starred;
        offset pages (no keyset), order_by/sort like the other project lists."""
        return self._list_projects(req, who, ("starred", user.id),
                                   lambda: [r for _at, r in self.state.starred("gitlab", user.path)], keyset_ok=False)

    def _all_projects(self, req: Request, who: Optional[Principal]) -> Response:
        return self._list_projects(req, who, ("all",), lambda: list(self.state.repos["gitlab"].values()),
                                   keyset_ok=True)

    def _project(self, req: Request, who: Optional[Principal], ident: str) -> Response:
        ident = urllib.parse.unquote(ident)
        with self.state.lock:
            if ident.isdigit():
                repo = self.state.repos["gitlab"].get(int(ident))
            else:
                repo = self.state.get("gitlab", ident)
                if repo is None:
                    moved = self.state.get_moved("gitlab", ident)
                    if moved is not None and self.visible(moved, who):
                        location = "%s/api/v4/projects/%d" % (req.base, moved.id)
                        return json_response(301, {"message": "301 Moved Permanently"}, [("Location", location)])
            if repo is None or not self.visible(repo, who):
                return not_found("Project Not Found")
            return json_response(200, self.project_json(req.base, repo, req.bool_arg("simple", False), who))

    def _paged(self, req: Request, items: List[Dict[str, Any]]) -> Response:
        per_page = req.int_arg("per_page", 20)
        per_page = 20 if per_page < 1 else min(per_page, 100)
        page = max(1, req.int_arg("page", 1))
        resp = json_response(200, page_slice(items, page, per_page))
        self.offset_headers(req, resp, page, per_page, len(items))
        return resp

    def _subgroups(self, req: Request, group: ForgeOwner, all_descendants: bool) -> Response:
        with self.state.lock:
            groups = (self.state.descendants("gitlab", group.path) if all_descendants
                      else self.state.children("gitlab", group))
        search = (req.arg("search") or "").lower()
        if search:
            groups = [g for g in groups if search in g.name.lower()]
        order_by = req.arg("order_by") or "name"
        key = {"id": lambda g: (g.id,), "path": lambda g: (g.name.lower(), g.id)}.get(
            order_by, lambda g: (g.name.lower(), g.id))
        groups.sort(key=key, reverse=(req.arg("sort") or "asc") == "desc")
        return self._paged(req, [self.group_json(req.base, g) for g in groups])

    def _groups(self, req: Request, who: Optional[Principal]) -> Response:
        with self.state.lock:
            groups = [o for (svc, _path), o in self.state.owners.items() if svc == "gitlab" and o.kind == "group"]
        if req.bool_arg("top_level_only", False):
            groups = [g for g in groups if g.parent_id is None]
        search = (req.arg("search") or "").lower()
        if search:
            groups = [g for g in groups if search in g.path.lower()]
        groups.sort(key=lambda g: (g.name.lower(), g.id))
        return self._paged(req, [self.group_json(req.base, g) for g in groups])

    def _users(self, req: Request) -> Response:
        username = req.arg("username")
        with self.state.lock:
            users = [o for (svc, _path), o in self.state.owners.items() if svc == "gitlab" and o.kind == "user"]
        if username is not None:
            users = [u for u in users if u.path.lower() == username.lower()]
        users.sort(key=lambda u: u.id)
        return self._paged(req, [self.user_json(req.base, u) for u in users])
