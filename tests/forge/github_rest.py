# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""GitHub REST (GHES flavour, base /api/v3) as docs/forge-wire.md, "GitHub REST", describes.

Only what a cloner touches: owners, repo listings (offset pages with Link
headers built from the host the client used), single repos with 301 after a
rename, the GitHub App token exchange, rate-limit headers on every answer
with a budget that really runs out, ETag/304.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from typing import Any, Callable, Dict, List, Optional, Tuple

from .auth import AuthError, Principal
from .budgets import Bucket
from .data import fake_node_id
from .paging import last_page, link_header, page_slice
from .state import ForgeOwner, ForgeRepo, iso
from .web import Request, Response, credentials, json_response

DOCS = "https://docs.github.com/rest"
PRIMARY_DOC = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit"
SECONDARY_DOC = ("https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api"
                 "#about-secondary-rate-limits")
SECONDARY_MSG = ("You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
                 "If you reach out to GitHub Support for help, please include the request ID FORGE:0001.")
LIST_ROUTES = ("orgs_repos", "org_id_repos", "users_repos", "user_id_repos", "user_repos", "installation_repos",
               "user_starred", "users_starred", "user_id_starred")

Route = Tuple[str, "re.Pattern[str]"]
ROUTES: List[Route] = [(name, re.compile(rx)) for name, rx in (
    ("root", r"^/?$"),
    ("rate_limit", r"^/rate_limit$"),
    ("user", r"^/user$"),
    ("user_repos", r"^/user/repos$"),
    ("user_id_repos", r"^/user/(\d+)/repos$"),
    ("user_starred", r"^/user/starred$"),
    ("user_id_starred", r"^/user/(\d+)/starred$"),
    ("users_starred", r"^/users/([^/]+)/starred$"),
    ("users", r"^/users/([^/]+)$"),
    ("users_repos", r"^/users/([^/]+)/repos$"),
    ("users_gists", r"^/users/([^/]+)/gists$"),
    ("gists", r"^/gists$"),
    ("orgs", r"^/orgs/([^/]+)$"),
    ("orgs_repos", r"^/orgs/([^/]+)/repos$"),
    ("org_id", r"^/organizations/(\d+)$"),
    ("org_id_repos", r"^/organizations/(\d+)/repos$"),
    ("installation_repos", r"^/installation/repositories$"),
    ("app_token", r"^/app/installations/(\d+)/access_tokens$"),
    ("app_installation", r"^/app/installations/(\d+)$"),
    ("repo", r"^/repos/([^/]+)/([^/]+)$"),
    ("repo_id", r"^/repositories/(\d+)$"),
)]


def not_found() -> Response:
    return json_response(404, {"message": "Not Found", "documentation_url": DOCS})


class GitHubRest:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state

    # -- entry -------------------------------------------------------------
    def handle(self, req: Request, sub: str, fault: Any) -> Response:
        route, match = self._route(sub)
        if route in ("app_token", "app_installation"):
            # Authenticated by the app's JWT, not a token; no token budget.
            error = self.app.tokens.check_jwt(credentials(req))
            if error is not None:
                return json_response(401, {"message": error, "documentation_url": DOCS})
            if route == "app_installation":
                return self._app_installation(req, None, match.group(1))
            return self._app_token(req, int(match.group(1)))
        try:
            who = self.app.tokens.identify(credentials(req))
        except AuthError:
            return json_response(401, {"message": "Bad credentials", "documentation_url": DOCS})
        budget_key, anonymous = self._budget_key(req, who)
        if route == "rate_limit":
            return self._rate_limit(budget_key, anonymous)
        resource = "core"
        if fault is not None and fault.kind == "secondary":
            return self.secondary(fault, budget_key, resource, anonymous)
        if fault is not None and fault.kind == "primary":
            bucket = self.app.gh_budgets.exhaust(budget_key, resource, float(fault.get("reset_in", 60)),
                                                 int(fault.get("status", 403)), anonymous)
            return self._exhausted(bucket, who, req, resource)
        bucket = self.app.gh_budgets.bucket(budget_key, resource, anonymous)
        if bucket.remaining <= 0:
            return self._exhausted(bucket, who, req, resource)
        if route is None:
            resp = not_found()
        else:
            resp = getattr(self, "_" + route)(req, who, *match.groups())
        if req.method in ("GET", "HEAD") and resp.status == 200:
            etag = 'W/"%s"' % hashlib.sha1(resp.body).hexdigest()
            resp.set_header("ETag", etag)
            inm = req.header("If-None-Match")
            if inm and etag.replace("W/", "") in [t.strip().replace("W/", "") for t in inm.split(",")]:
                # An authorized 304 costs nothing from the primary budget.
                not_modified = Response(status=304, headers=[h for h in resp.headers if h[0] != "Content-Type"])
                self.rate_headers(not_modified, self.app.gh_budgets.bucket(budget_key, resource, anonymous),
                                  resource)
                return not_modified
        _granted, bucket = self.app.gh_budgets.take(budget_key, resource, 1, anonymous)
        self.rate_headers(resp, bucket, resource)
        return resp

    def is_list(self, sub: str) -> bool:
        return self._route(sub)[0] in LIST_ROUTES

    def _route(self, sub: str) -> Tuple[Optional[str], Any]:
        for name, rx in ROUTES:
            m = rx.match(sub)
            if m:
                return name, m
        return None, None

    @staticmethod
    def _budget_key(req: Request, who: Optional[Principal]) -> Tuple[str, bool]:
        if who is None:
            return "anon:" + req.client_ip, True
        return "token:" + who.token, False

    # -- rate limits -------------------------------------------------------
    @staticmethod
    def rate_headers(resp: Response, bucket: Bucket, resource: str) -> None:
        resp.drop_headers("x-ratelimit-")
        resp.headers += [
            ("X-RateLimit-Limit", str(bucket.limit)),
            ("X-RateLimit-Remaining", str(bucket.remaining)),
            ("X-RateLimit-Reset", str(int(bucket.reset_at))),
            ("X-RateLimit-Used", str(bucket.used)),
            ("X-RateLimit-Resource", resource),
        ]

    def _exhausted(self, bucket: Bucket, who: Optional[Principal], req: Request, resource: str) -> Response:
        if who is None:
            msg = ("API rate limit exceeded for %s. (But here's the good news: Authenticated requests get a "
                   "higher rate limit. Check out the documentation for more details.)" % req.client_ip)
        else:
            msg = "API rate limit exceeded for user ID %d." % who.user_id
        resp = json_response(bucket.exhausted_status, {"message": msg, "documentation_url": PRIMARY_DOC})
        self.rate_headers(resp, bucket, resource)
        return resp

    def secondary(self, fault: Any, budget_key: str, resource: str, anonymous: bool) -> Response:
        status = int(fault.get("status", 403))
        resp = json_response(status, {"message": fault.get("message", SECONDARY_MSG),
                                      "documentation_url": SECONDARY_DOC})
        bucket = self.app.gh_budgets.bucket(budget_key, resource, anonymous)
        self.rate_headers(resp, bucket, resource)
        if fault.get("retry_after") is not None:
            resp.headers.append(("Retry-After", str(fault.get("retry_after"))))
        return resp

    def _rate_limit(self, key: str, anonymous: bool) -> Response:
        resources = {}
        for res in ("core", "graphql", "search"):
            b = self.app.gh_budgets.bucket(key, res, anonymous)
            resources[res] = {"limit": b.limit, "remaining": b.remaining, "reset": int(b.reset_at),
                              "used": b.used, "resource": res}
        resp = json_response(200, {"resources": resources, "rate": resources["core"]})
        self.rate_headers(resp, self.app.gh_budgets.bucket(key, "core", anonymous), "core")
        return resp

    # -- JSON shapes -------------------------------------------------------
    def owner_json(self, base: str, owner: ForgeOwner) -> Dict[str, Any]:
        api = base + "/api/v3"
        login = owner.path
        kind = "Organization" if owner.kind == "org" else "User"
        return {
            "login": login, "id": owner.id, "node_id": fake_node_id("O" if kind == "Organization" else "U", owner.id),
            "avatar_url": "%s/avatars/u/%d" % (base, owner.id), "gravatar_id": "",
            "url": "%s/users/%s" % (api, login), "html_url": "%s/%s" % (base, login),
            "repos_url": "%s/users/%s/repos" % (api, login), "type": kind, "site_admin": False,
        }

    def repo_json(self, base: str, repo: ForgeRepo, who: Optional[Principal] = None) -> Dict[str, Any]:
        api = base + "/api/v3"
        owner = self.state.owner("github", repo.namespace)
        full = repo.full_path
        url = "%s/repos/%s" % (api, full)
        host = urllib.parse.urlsplit(base).hostname or "127.0.0.1"
        data: Dict[str, Any] = {
            "id": repo.id,
            "node_id": fake_node_id("R", repo.id),
            "name": repo.name,
            "full_name": full,
            "private": repo.private,
            "owner": self.owner_json(base, owner) if owner else None,
            "html_url": "%s/%s" % (base, full),
            "description": repo.description,
            "fork": repo.fork,
            "url": url,
            "forks_url": url + "/forks",
            "keys_url": url + "/keys{/key_id}",
            "collaborators_url": url + "/collaborators{/collaborator}",
            "teams_url": url + "/teams",
            "hooks_url": url + "/hooks",
            "events_url": url + "/events",
            "branches_url": url + "/branches{/branch}",
            "tags_url": url + "/tags",
            "languages_url": url + "/languages",
            "contributors_url": url + "/contributors",
            "commits_url": url + "/commits{/sha}",
            "contents_url": url + "/contents/{+path}",
            "pulls_url": url + "/pulls{/number}",
            "issues_url": url + "/issues{/number}",
            "releases_url": url + "/releases{/id}",
            "created_at": iso(repo.created_at),
            "updated_at": iso(repo.updated_at),
            "pushed_at": iso(repo.pushed_at),
            "git_url": "git://%s/%s.git" % (host, full),
            "ssh_url": "git@%s:%s.git" % (host, full),
            "clone_url": "%s/%s.git" % (base, full),
            "svn_url": "%s/%s" % (base, full),
            "homepage": None,
            "size": repo.size_kb,
            "stargazers_count": repo.index % 50,
            "watchers_count": repo.index % 50,
            "language": repo.language,
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": repo.has_wiki,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": repo.index % 7,
            "mirror_url": None,
            "archived": repo.archived,
            "disabled": repo.disabled,
            "open_issues_count": repo.index % 5,
            "license": None,
            "allow_forking": True,
            "is_template": False,
            "web_commit_signoff_required": False,
            "topics": list(repo.topics),
            "visibility": repo.visibility,
            "forks": repo.index % 7,
            "open_issues": repo.index % 5,
            "watchers": repo.index % 50,
            "default_branch": repo.default_branch,
        }
        if who is not None:
            admin = who.admin or who.kind == "installation"
            data["permissions"] = {"admin": admin, "maintain": admin, "push": admin, "triage": True, "pull": True}
        return data

    def org_json(self, base: str, owner: ForgeOwner, who: Optional[Principal]) -> Dict[str, Any]:
        api = base + "/api/v3"
        repos = self.state.in_namespace("github", owner.path)
        data: Dict[str, Any] = {
            "login": owner.path, "id": owner.id, "node_id": fake_node_id("O", owner.id),
            "url": "%s/orgs/%s" % (api, owner.path), "repos_url": "%s/orgs/%s/repos" % (api, owner.path),
            "events_url": "%s/orgs/%s/events" % (api, owner.path),
            "hooks_url": "%s/orgs/%s/hooks" % (api, owner.path),
            "members_url": "%s/orgs/%s/members{/member}" % (api, owner.path),
            "avatar_url": "%s/avatars/u/%d" % (base, owner.id), "description": "The %s organization" % owner.path,
            "name": owner.path.title(), "company": None, "blog": "", "location": None, "email": None,
            "is_verified": False, "has_organization_projects": True, "has_repository_projects": True,
            "public_repos": sum(1 for r in repos if not r.private), "public_gists": 0,
            "followers": 0, "following": 0, "html_url": "%s/%s" % (base, owner.path),
            "created_at": iso(owner.created_at), "updated_at": iso(owner.created_at), "type": "Organization",
        }
        if who is not None and who.admin:
            private = sum(1 for r in repos if r.private)
            data.update({"total_private_repos": private, "owned_private_repos": private,
                         "plan": {"name": "enterprise", "space": 976562499, "private_repos": 999999}})
        return data

    def user_json(self, base: str, owner: ForgeOwner) -> Dict[str, Any]:
        data = self.owner_json(base, owner)
        repos = self.state.in_namespace("github", owner.path)
        data.update({"name": owner.path, "company": None, "blog": "", "location": None, "email": None,
                     "public_repos": sum(1 for r in repos if not r.private), "public_gists": 0,
                     "followers": 0, "following": 0,
                     "created_at": iso(owner.created_at), "updated_at": iso(owner.created_at)})
        return data

    # -- listing -----------------------------------------------------------
    def visible(self, repo: ForgeRepo, who: Optional[Principal]) -> bool:
        return who is not None or not repo.private

    def list_page(self, req: Request, who: Optional[Principal], cache_key: tuple,
                  source: Callable[[], List[ForgeRepo]], keep: Callable[[ForgeRepo], bool],
                  link_path: str, default_sort: str, wrap: Optional[str] = None,
                  sorts: Optional[Dict[str, Callable[[ForgeRepo], Any]]] = None) -> Response:
        per_page = req.int_arg("per_page", 30)
        per_page = 30 if per_page < 1 else min(per_page, 100)
        page = max(1, req.int_arg("page", 1))
        sort_keys: Dict[str, Callable[[ForgeRepo], Any]] = sorts or {
            "created": lambda r: (r.created_at, r.id),
            "updated": lambda r: (r.updated_at, r.id),
            "pushed": lambda r: (r.pushed_at, r.id),
            "full_name": lambda r: (r.full_path.lower(), r.id),
        }
        sort = req.arg("sort") or default_sort
        if sort not in sort_keys:
            sort = default_sort
        direction = req.arg("direction") or ("asc" if sort == "full_name" else "desc")
        if direction not in ("asc", "desc"):
            return json_response(422, {"message": "Validation Failed", "documentation_url": DOCS})
        sort_key = sort_keys[sort]
        with self.state.lock:
            def build() -> List[int]:
                rows = [r for r in source() if keep(r)]
                rows.sort(key=sort_key, reverse=(direction == "desc"))
                return [r.id for r in rows]
            ids = self.state.cached(cache_key + (sort, direction, who is not None), build)
            total = len(ids)
            table = self.state.repos["github"]
            rows = [table[i] for i in page_slice(ids, page, per_page) if i in table]
            items = [self.repo_json(req.base, r, who) for r in rows]
        body: Any = items
        if wrap == "installation":
            body = {"total_count": total, "repository_selection": "all", "repositories": items}
        resp = json_response(200, body)
        link = link_header(req, "/api/v3" + link_path, page, last_page(total, per_page),
                           ("prev", "next", "last", "first"))
        if link:
            resp.headers.append(("Link", link))
        return resp

    def _org_listing(self, req: Request, who: Optional[Principal], owner: ForgeOwner) -> Response:
        kind = req.arg("type") or "all"
        keep: Callable[[ForgeRepo], bool] = {
            "all": lambda r: True,
            "public": lambda r: not r.private,
            "private": lambda r: r.private,
            "forks": lambda r: r.fork,
            "sources": lambda r: not r.fork,
            "member": lambda r: True,
        }.get(kind, lambda r: True)
        return self.list_page(
            req, who, ("org", owner.path.lower(), kind),
            lambda: self.state.in_namespace("github", owner.path),
            lambda r: self.visible(r, who) and keep(r),
            "/organizations/%d/repos" % owner.id, "created")

    def _user_listing(self, req: Request, who: Optional[Principal], owner: ForgeOwner) -> Response:
        kind = req.arg("type") or "owner"
        return self.list_page(
            req, who, ("user", owner.path.lower(), kind),
            lambda: self.state.in_namespace("github", owner.path),
            lambda r: self.visible(r, who),
            "/user/%d/repos" % owner.id, "full_name")

    # -- routes ------------------------------------------------------------
    def _orgs(self, req: Request, who: Optional[Principal], login: str) -> Response:
        owner = self.state.owner("github", urllib.parse.unquote(login))
        if owner is None or owner.kind != "org":
            return not_found()
        return json_response(200, self.org_json(req.base, owner, who))

    def _org_id(self, req: Request, who: Optional[Principal], oid: str) -> Response:
        owner = self.state.owner_by_id("github", int(oid))
        if owner is None or owner.kind != "org":
            return not_found()
        return json_response(200, self.org_json(req.base, owner, who))

    def _orgs_repos(self, req: Request, who: Optional[Principal], login: str) -> Response:
        owner = self.state.owner("github", urllib.parse.unquote(login))
        if owner is None or owner.kind != "org":
            return not_found()
        return self._org_listing(req, who, owner)

    def _org_id_repos(self, req: Request, who: Optional[Principal], oid: str) -> Response:
        owner = self.state.owner_by_id("github", int(oid))
        if owner is None or owner.kind != "org":
            return not_found()
        return self._org_listing(req, who, owner)

    def _users(self, req: Request, who: Optional[Principal], login: str) -> Response:
        owner = self.state.owner("github", urllib.parse.unquote(login))
        if owner is None:
            return not_found()
        if owner.kind == "org":
            data = self.org_json(req.base, owner, None)
            return json_response(200, data)
        return json_response(200, self.user_json(req.base, owner))

    def _users_repos(self, req: Request, who: Optional[Principal], login: str) -> Response:
        owner = self.state.owner("github", urllib.parse.unquote(login))
        if owner is None:
            return not_found()
        return self._user_listing(req, who, owner)

    def _users_gists(self, req: Request, who: Optional[Principal], login: str) -> Response:
        """A user's public gists (gists.py)."""
        owner = self.state.owner("github", urllib.parse.unquote(login))
        if owner is None:
            return not_found()
        return self.app.gists.github_list(req, owner.path, False, "/users/%s/gists" % owner.path)

    def _gists(self, req: Request, who: Optional[Principal]) -> Response:
        """The authenticated user's gists, secret ones too; anonymous: every public gist."""
        return self.app.gists.github_list(req, who.login if who else None, who is not None, "/gists")

    def _user_id_repos(self, req: Request, who: Optional[Principal], oid: str) -> Response:
        owner = self.state.owner_by_id("github", int(oid))
        if owner is None:
            return not_found()
        return self._user_listing(req, who, owner)

    def _root(self, req: Request, who: Optional[Principal]) -> Response:
        """The API root: a map of URL templates, as GET https://api.github.com/ answers."""
        api = req.base + "/api/v3"
        return json_response(200, {
            "current_user_url": api + "/user",
            "organization_url": api + "/orgs/{org}",
            "organization_repositories_url": api + "/orgs/{org}/repos{?type,page,per_page,sort}",
            "rate_limit_url": api + "/rate_limit",
            "repository_url": api + "/repos/{owner}/{repo}",
            "user_url": api + "/users/{user}",
            "user_repositories_url": api + "/users/{user}/repos{?type,page,per_page,sort}",
        })

    @staticmethod
    def _refuse_unless_a_user(who: Optional[Principal]) -> Optional[Response]:
        """The /user endpoints: 401 without a token, 403 for an App installation (it has no user)."""
        if who is None:
            return json_response(401, {"message": "Requires authentication", "documentation_url": DOCS})
        if who.kind == "installation":
            return json_response(403, {"message": "Resource not accessible by integration",
                                       "documentation_url": DOCS})
        return None

    def _user(self, req: Request, who: Optional[Principal]) -> Response:
        refused = self._refuse_unless_a_user(who)
        if refused is not None:
            return refused
        owner = self.state.ensure_owner("github", "user", who.login)
        data = self.user_json(req.base, owner)
        data["id"] = owner.id
        return json_response(200, data)

    def _user_repos(self, req: Request, who: Optional[Principal]) -> Response:
        refused = self._refuse_unless_a_user(who)
        if refused is not None:
            return refused
        kind = req.arg("type")
        visibility = req.arg("visibility")
        affiliation = req.arg("affiliation")
        if kind and (visibility or affiliation):
            return json_response(422, {
                "message": "If you specify visibility or affiliation, you cannot specify type.",
                "errors": [{"resource": "Search", "field": "q", "code": "invalid"}],
                "documentation_url": DOCS + "/repos/repos#list-repositories-for-the-authenticated-user"})
        if kind:
            mapping = {"all": ("all", "owner,collaborator,organization_member"), "owner": ("all", "owner"),
                       "public": ("public", "owner,collaborator,organization_member"),
                       "private": ("private", "owner,collaborator,organization_member"),
                       "member": ("all", "collaborator,organization_member")}
            visibility, affiliation = mapping.get(kind, mapping["all"])
        visibility = visibility or "all"
        affs = set((affiliation or "owner,collaborator,organization_member").split(","))
        login = who.login

        def source() -> List[ForgeRepo]:
            out: List[ForgeRepo] = []
            for repo in self.state.repos["github"].values():
                owner = self.state.owner("github", repo.namespace)
                if owner is None:
                    continue
                if owner.path.lower() == login.lower():
                    if "owner" in affs:
                        out.append(repo)
                elif owner.kind == "org" and "organization_member" in affs:
                    out.append(repo)
            return out

        keep = {"all": lambda r: True, "public": lambda r: not r.private, "private": lambda r: r.private}.get(
            visibility, lambda r: True)
        return self.list_page(req, who, ("self", login, visibility, tuple(sorted(affs))), source, keep,
                              "/user/repos", "full_name")

    def _starred_listing(self, req: Request, who: Optional[Principal], owner: ForgeOwner, link_path: str) -> Response:
        """GET /users/{username}/starred and /user/starred: repository objects,
        sort=created (when starred, the default) or updated (last push), direction desc by default."""
        with self.state.lock:
            starred = self.state.starred("github", owner.path)
        when = {r.id: at for at, r in starred}
        return self.list_page(
            req, who, ("starred", owner.path.lower()), lambda: [r for _at, r in starred],
            lambda r: self.visible(r, who), link_path, "created",
            sorts={"created": lambda r: (when.get(r.id, 0), r.id), "updated": lambda r: (r.pushed_at, r.id)})

    def _users_starred(self, req: Request, who: Optional[Principal], login: str) -> Response:
        owner = self.state.owner("github", urllib.parse.unquote(login))
        if owner is None:
            return not_found()
        return self._starred_listing(req, who, owner, "/user/%d/starred" % owner.id)

    def _user_id_starred(self, req: Request, who: Optional[Principal], oid: str) -> Response:
        owner = self.state.owner_by_id("github", int(oid))
        if owner is None:
            return not_found()
        return self._starred_listing(req, who, owner, "/user/%d/starred" % owner.id)

    def _user_starred(self, req: Request, who: Optional[Principal]) -> Response:
        refused = self._refuse_unless_a_user(who)
        if refused is not None:
            return refused
        owner = self.state.ensure_owner("github", "user", who.login)
        return self._starred_listing(req, who, owner, "/user/starred")

    def _installation_repos(self, req: Request, who: Optional[Principal]) -> Response:
        if who is None or who.kind != "installation":
            return json_response(403, {"message": "You must authenticate with an installation access token "
                                                  "in order to list repositories for an installation.",
                                       "documentation_url": DOCS})
        return self.list_page(
            req, who, ("installation",), lambda: list(self.state.repos["github"].values()),
            lambda r: True, "/installation/repositories", "created", wrap="installation")

    def _repo(self, req: Request, who: Optional[Principal], owner: str, name: str) -> Response:
        full = urllib.parse.unquote(owner) + "/" + urllib.parse.unquote(name)
        with self.state.lock:
            repo = self.state.get("github", full)
            if repo is None:
                moved = self.state.get_moved("github", full)
                if moved is not None and self.visible(moved, who):
                    location = "%s/api/v3/repositories/%d" % (req.base, moved.id)
                    return json_response(301, {"message": "Moved Permanently", "url": location,
                                               "documentation_url": DOCS}, [("Location", location)])
                return not_found()
            if not self.visible(repo, who):
                return not_found()
            return json_response(200, self.repo_json(req.base, repo, who))

    def _repo_id(self, req: Request, who: Optional[Principal], rid: str) -> Response:
        with self.state.lock:
            repo = self.state.repos["github"].get(int(rid))
            if repo is None or not self.visible(repo, who):
                return not_found()
            return json_response(200, self.repo_json(req.base, repo, who))

    def _app_installation(self, req: Request, who: Optional[Principal], iid: str) -> Response:
        return json_response(200, {"id": int(iid), "app_id": int(self.app.tokens.app_id or 1),
                                   "target_type": "Organization", "repository_selection": "all",
                                   "account": None, "permissions": {"metadata": "read", "contents": "read"}})

    def _app_token(self, req: Request, installation_id: int) -> Response:
        token, expires = self.app.tokens.issue_installation_token(installation_id)
        return json_response(201, {"token": token, "expires_at": iso(expires),
                                   "permissions": {"metadata": "read", "contents": "read"},
                                   "repository_selection": "all"})
