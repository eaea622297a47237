# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Forge: builds the data, serves every API and git, and exposes the
control surface tests use (ground truth, counters, faults, mutations)."""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import traceback
import urllib.parse
from typing import Any, Dict, Iterable, List, Optional, Sequence

from .auth import TokenBook
from .bitbucket_api import BitbucketCloudApi, clone_href as bitbucket_clone_href, cloud_uuid, updated_on
from .bitbucket_auth import BitbucketAuth, Refused, RollingBudgets, as_list
from .bitbucket_server_api import BitbucketServerApi, clone_href as bitbucket_server_clone_href
from .budgets import Budgets, Policy
from .builder import add_to_owner, ensure_push_namespace, populate
from .data import push_commit, refs_for
from .faults import FaultBook
from .githttp import GitHttp, carries_pack, parse_git_path
from .github_graphql import GitHubGraphQL
from .github_rest import GitHubRest
from .gitea_api import GiteaApi
from .gitlab_api import GitLabApi
from .gists import Gists
from .gitstore import GitStore
from .lfs import LFS_PATH, LfsServer, lfs_content
from .specs import BITBUCKET_SERVICES, OwnerSpec, parse_specs
from .state import PUSH_OWNER, ForgeRepo, ForgeState, iso
from .urls import ForgeUrls
from .web import Request, Response, json_response, make_server, text_response
from .wikis import Wikis

SERVICES = ("github", "gitlab", "gitea")
BITBUCKET_GIT_DENIED = ("You may not have access to this repository or it no longer exists in this workspace. "
                        "If you think this repository exists and you have access, make sure you are authenticated.\n")


def drop_field(body: bytes, name: str) -> bytes:
    """Remove a field from every repo object of a JSON answer (an older or
    partial API that leaves e.g. `archived` out)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except ValueError:
        return body
    if isinstance(data, dict):
        # GitHub's installation list, Bitbucket's pages ("values"), or one object.
        rows = data.get("repositories") or data.get("values") or [data]
    else:
        rows = data
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict):
            row.pop(name, None)
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def foreign_clone_urls(body: bytes, base: str, repos: Optional[Iterable[str]] = None) -> bytes:
    """Point the https clone URL of listed repos at another origin, path kept:
    GitHub REST `clone_url`, GitLab `http_url_to_repo`, Gitea `clone_url`,
    and GitHub GraphQL `url` (a client derives the clone URL from it). A
    listing is data from the network; this is what a hostile or broken one
    looks like."""
    try:
        data = json.loads(body.decode("utf-8"))
    except ValueError:
        return body
    wanted = None if repos is None else {r.lower() for r in repos}
    base = base.rstrip("/")

    def rebase(url: Any) -> Any:
        if not isinstance(url, str) or "://" not in url:
            return url
        parts = urllib.parse.urlsplit(url)
        return base + urllib.parse.urlunsplit(("", "", parts.path, parts.query, parts.fragment))

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        name = node.get("full_name") or node.get("path_with_namespace") or node.get("nameWithOwner")
        if isinstance(name, str) and (wanted is None or name.lower() in wanted):
            for key in ("clone_url", "http_url_to_repo"):
                if key in node:
                    node[key] = rebase(node[key])
            if "nameWithOwner" in node and "url" in node:
                node["url"] = rebase(node["url"])
        for value in node.values():
            if isinstance(value, (list, dict)):
                walk(value)

    walk(data)
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def git_redirect(fault: Any, req: Request) -> Response:
    """A 30x for a git request: to `location` + the request's own path and
    query (what git needs to rebase onto the target), or to `location`
    verbatim with keep_path false."""
    status = int(fault.get("status", 302))
    if status not in (301, 302, 303, 307, 308):
        raise ValueError("git_redirect status must be 301, 302, 303, 307 or 308, not %r" % status)
    location = str(fault.get("location") or "")
    if fault.get("keep_path", True):
        location = location.rstrip("/") + req.target
    return text_response(status, "Moved\n", [("Location", location)])


def strip_link(resp: Response, rels: Iterable[str]) -> None:
    """Leave some rels out of the Link header (and GitLab's totals with rel=last)."""
    link = resp.header("Link")
    if link is None:
        return
    gone = {'rel="%s"' % r for r in rels}
    sep = ", " if ", <" in link else ","                 # Gitea joins with a bare comma
    kept = [p for p in link.split(sep) if p.split("; ")[-1].strip() not in gone]
    resp.headers = [(k, v) for k, v in resp.headers if k.lower() != "link"]
    if kept:
        resp.headers.append(("Link", sep.join(kept)))
    if "last" in rels:
        resp.headers = [(k, v) for k, v in resp.headers if k not in ("X-Total", "X-Total-Pages")]


class Forge(ForgeUrls):
    """A local GitHub + GitLab + Gitea + git server for tests; see the package docstring."""

    def __init__(self, specs: Sequence[str] = (), root: Optional[str] = None,
                 tokens: Sequence[str] = ("forge-token",), host: str = "127.0.0.1", port: int = 0,
                 activity_granularity: int = 3600, gitea_max_items: int = 50, gitea_default_limit: int = 30,
                 app_id: Optional[str] = None, app_token_lifetime: int = 3600, admin_repos: int = 3,
                 bitbucket_api_tokens: Sequence[str] = (), bitbucket_app_passwords: Sequence[str] = (),
                 bitbucket_server_max_limit: int = 1000) -> None:
        self.specs: List[OwnerSpec] = parse_specs(specs)
        self._own_root = root is None
        self.root = os.path.abspath(root) if root else tempfile.mkdtemp(prefix="forge-")
        self.host, self.port = host, port
        self.activity_granularity = activity_granularity
        self.gitea_max_items = gitea_max_items
        self.gitea_default_limit = gitea_default_limit
        self.admin_repos = admin_repos
        self.tokens = TokenBook(tokens, app_id=app_id, app_token_lifetime=app_token_lifetime)
        self.bitbucket_auth = BitbucketAuth(self.tokens, as_list(bitbucket_api_tokens),
                                            as_list(bitbucket_app_passwords))
        self.bitbucket_server_max_limit = int(bitbucket_server_max_limit)
        self.state = ForgeState()
        self.store = GitStore(self.root)
        self.faults = FaultBook()
        self.reset_rate_limits()
        self.stopping = threading.Event()
        self.errors: List[str] = []
        self._counts: collections.Counter = collections.Counter()
        self._git_by_repo: Dict[tuple, collections.Counter] = {}
        self._count_lock = threading.Lock()
        self._push_lock = threading.Lock()
        self._server = None
        self._thread: Optional[threading.Thread] = None
        self.build_seconds = 0.0
        self.github = GitHubRest(self)
        self.graphql = GitHubGraphQL(self)
        self.gitlab = GitLabApi(self)
        self.gitea = GiteaApi(self)
        self.bitbucket = BitbucketCloudApi(self)
        self.bitbucket_server = BitbucketServerApi(self)
        self.git = GitHttp(self)
        self.wikis = Wikis(self)
        self.lfs = LfsServer(self)
        self.gists = Gists(self)

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> "Forge":
        began = time.monotonic()
        self.store.reset()
        populate(self.state, self.store, self.specs, self.admin_repos,
                 [self.tokens.lookup(t).login for t in self.tokens.tokens])
        self.gists.populate(self.specs)
        self.build_seconds = time.monotonic() - began
        self._server = make_server(self.host, self.port, self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="forge-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "Forge":
        return self.start() if self._server is None else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return "http://%s:%d" % (self.host, self.port)

    @property
    def token(self) -> str:
        return self.tokens.tokens[0]

    def info(self) -> Dict[str, Any]:
        return {"url": self.url, "github_api": self.github_api, "github_graphql": self.github_graphql,
                "gitlab_url": self.gitlab_url, "gitea_api": self.gitea_api, "bitbucket_api": self.bitbucket_api,
                "bitbucket_server_url": self.bitbucket_server_url, "root": self.root,
                "tokens": list(self.tokens.tokens)}

    # -- request dispatch --------------------------------------------------
    def handle(self, handler: Any) -> None:
        req = handler.read_request()
        if req.path.startswith("/_forge/"):
            from .control import handle_control
            handler.send_plain(handle_control(self, req))
            return
        try:
            resp = self._dispatch(req)
        except Exception:                       # a forge bug must be visible, not a hang
            trace = traceback.format_exc()
            self.errors.append(trace)
            resp = text_response(500, trace)
        if resp.stream is not None:
            sent = resp.stream(handler)
        else:
            sent = handler.send_plain(resp)
            self.record_status(resp.status)
        self.count("bytes:sent", sent)

    def _dispatch(self, req: Request) -> Response:
        path = req.path
        if path.startswith("/api/v3/") or path == "/api/v3":
            sub = path[len("/api/v3"):] or "/"
            self.count("api:github:rest")
            if self.github.is_list(sub):
                self.count("api:github:list")
            return self._api("github", req, lambda f: self.github.handle(req, sub, f))
        if path in ("/api/graphql", "/api/v3/graphql", "/graphql"):
            self.count("api:github:graphql")
            return self._api("github", req, lambda f: self.graphql.handle(req, f))
        if path.startswith("/api/v4/"):
            sub = path[len("/api/v4"):]
            self.count("api:gitlab")
            if self.gitlab.is_list(sub):
                self.count("api:gitlab:list")
            return self._api("gitlab", req, lambda f: self.gitlab.handle(req, sub, f))
        if path.startswith("/api/v1/"):
            sub = path[len("/api/v1"):]
            self.count("api:gitea")
            if self.gitea.is_list(sub):
                self.count("api:gitea:list")
            return self._api("gitea", req, lambda f: self.gitea.handle(req, sub, f))
        if path.startswith("/bitbucket/2.0/"):
            sub = path[len("/bitbucket/2.0"):]
            self.count("api:bitbucket")
            if self.bitbucket.is_list(sub):
                self.count("api:bitbucket:list")
            return self._api("bitbucket", req, lambda f: self.bitbucket.handle(req, sub, f))
        for rest in ("/bbs/rest/api/1.0/", "/bbs/rest/api/latest/"):
            if path.startswith(rest):
                sub = path[len(rest) - 1:]
                self.count("api:bitbucket-server")
                if self.bitbucket_server.is_list(sub):
                    self.count("api:bitbucket-server:list")
                return self._api("bitbucket-server", req, lambda f: self.bitbucket_server.handle(req, sub, f))
        lfs = self.lfs.parse(path) if "/info/lfs/" in path else None
        if lfs is not None:
            return self._api("git", req, lambda f: self.lfs.handle(req, lfs))
        target = parse_git_path(path, req.query_string)
        if target is None:
            return text_response(404, "Not Found\n")
        op = self.git.counter_name(target)
        self.count("git:" + op)
        self.count_git(target.service, target.full_path, op)
        valid = None
        if target.service in BITBUCKET_SERVICES:
            denied, valid = self._bitbucket_git_gate(req, target)
            if denied is not None:
                return denied
        fault = self.faults.match("git", req.target, carries_pack(target, req.body))
        if fault is not None and fault.kind == "git_redirect":
            return git_redirect(fault, req)
        early = self._generic_fault(fault)
        if early is not None:
            return early
        return self.git.handle(req, target, fault, valid=valid)

    def _bitbucket_git_gate(self, req: Request, target: Any) -> Any:
        """Bitbucket's own rules for git credentials (see bitbucket_auth.py):
        (a 401 to send, or None and whether the caller is authenticated)."""
        cloud = target.service == "bitbucket"
        challenge = ("WWW-Authenticate", 'Basic realm="Bitbucket.org HTTP"') if cloud else \
            ("WWW-Authenticate", 'Basic realm="forge"')
        text = BITBUCKET_GIT_DENIED if cloud else "Authentication failed\n"
        try:
            who = self.bitbucket_auth.cloud_git(req) if cloud else self.bitbucket_auth.server(req)
        except Refused:
            return text_response(401, text, [challenge]), False
        with self.state.lock:
            repo = self.state.get(target.service, target.full_path)
        if who is None and repo is not None and repo.private:
            return text_response(401, text, [challenge]), False
        return None, who is not None

    def _api(self, service: str, req: Request, answer: Any) -> Response:
        fault = self.faults.match(service, req.target)
        if fault is not None and fault.kind == "api_redirect":
            from .api_capture import redirect_response
            return redirect_response(fault, req)
        early = self._generic_fault(fault)
        if early is not None:
            return early
        resp = answer(fault)
        if fault is not None and fault.kind == "truncate" and resp.body:
            resp.body = resp.body[:max(1, len(resp.body) // 2)]
        elif fault is not None and fault.kind == "drop_field" and resp.body:
            resp.body = drop_field(resp.body, str(fault.get("field", "archived")))
        elif fault is not None and fault.kind == "strip_link":
            strip_link(resp, fault.get("rels") or ["last"])
        elif fault is not None and fault.kind == "foreign_clone_url" and resp.body:
            resp.body = foreign_clone_urls(resp.body, str(fault.get("base") or ""), fault.get("repos"))
        return resp

    def _generic_fault(self, fault: Any) -> Optional[Response]:
        """Faults every service shares; None means "answer normally"."""
        if fault is None:
            return None
        if fault.kind == "slow":
            self.stopping.wait(float(fault.get("seconds", 2)))
        elif fault.kind == "mutate":
            self.apply_mutation(fault.get("mutation") or {k: v for k, v in fault.spec.items()
                                                          if k not in ("kind", "path", "after", "times")},
                                fault.service)
        elif fault.kind == "status":
            status = int(fault.get("status", 500))
            body = fault.get("body", {"message": "Server Error"})
            headers = list((fault.get("headers") or {}).items())
            if isinstance(body, (dict, list)):
                return json_response(status, body, headers)
            return text_response(status, str(body), headers)
        return None

    # -- counters ----------------------------------------------------------
    def count(self, key: str, n: int = 1) -> None:
        with self._count_lock:
            self._counts[key] += n

    def record_status(self, status: int) -> None:
        self.count("status:%d" % status)

    def count_git(self, service: str, full_path: str, op: str) -> None:
        repo = self.state.get(service, full_path)
        name = repo.full_path if repo is not None else full_path
        with self._count_lock:
            self._git_by_repo.setdefault((service, name), collections.Counter())[op] += 1

    def counters(self) -> Dict[str, int]:
        with self._count_lock:
            return dict(self._counts)

    def reset_counters(self) -> None:
        with self._count_lock:
            self._counts.clear()
            self._git_by_repo.clear()

    def git_requests_by_repo(self, service: Optional[str] = None) -> Dict[str, Dict[str, int]]:
        """{"owner/name": {"info-refs": n, "upload-pack": n, "receive-pack": n}}; all
        services merged unless `service` is given (owner names rarely clash)."""
        out: Dict[str, Dict[str, int]] = {}
        with self._count_lock:
            for (svc, name), counts in self._git_by_repo.items():
                if service is not None and svc != service:
                    continue
                slot = out.setdefault(name, {"info-refs": 0, "upload-pack": 0, "receive-pack": 0})
                for key, value in counts.items():
                    slot[key] = slot.get(key, 0) + value
        return out

    # -- faults ------------------------------------------------------------
    def inject(self, fault: Dict[str, Any]) -> str:
        return self.faults.add(fault)

    def clear_faults(self) -> None:
        self.faults.clear()

    def list_faults(self) -> List[Dict[str, Any]]:
        return self.faults.list()

    def reset_rate_limits(self) -> None:
        """Fresh budgets for everyone: GitHub 5,000/h per token (60/h anonymous),
        GraphQL 5,000 points/h, GitLab 2,000/min per token."""
        self.gh_budgets = Budgets({"core": Policy(5000, 3600), "graphql": Policy(5000, 3600),
                                   "search": Policy(30, 60)},
                                  anonymous={"core": Policy(60, 3600), "graphql": Policy(0, 3600),
                                             "search": Policy(10, 60)})
        self.gl_budgets = Budgets({"api": Policy(2000, 60)}, anonymous={"api": Policy(500, 60)})
        # Bitbucket Cloud: a rolling hour, 1,000 requests per caller, 60 per IP anonymously.
        self.bb_budgets = RollingBudgets()

    def set_rate_limit(self, service: str = "github", limit: int = 5000, remaining: Optional[int] = None,
                       reset_in: float = 3600, resource: str = "core", token: Optional[str] = None) -> None:
        who = None if token is None else "token:" + token
        if service == "github":
            self.gh_budgets.configure(resource, limit, remaining, reset_in, who)
        elif service == "gitlab":
            self.gl_budgets.configure("api", limit, remaining, reset_in, who)
        elif service == "bitbucket":
            # reset_in is the length of Bitbucket's rolling window here.
            self.bb_budgets.configure(limit, remaining, reset_in, who)
        else:
            raise ValueError("rate limits exist for github, gitlab and bitbucket, not %r" % service)

    # -- ground truth ------------------------------------------------------
    def clone_url(self, repo: ForgeRepo, base: Optional[str] = None) -> str:
        base = base or self.url
        if repo.service == "bitbucket":
            return bitbucket_clone_href(base, repo)
        if repo.service == "bitbucket-server":
            return bitbucket_server_clone_href(base, repo)
        prefix = {"github": "", "gitlab": "/gitlab", "gitea": "/gitea"}[repo.service]
        return "%s%s/%s.git" % (base, prefix, repo.full_path)

    def marker(self, repo: ForgeRepo) -> str:
        if repo.service == "github":
            return iso(repo.pushed_at)
        if repo.service == "gitlab":
            return iso(repo.activity_at, millis=True)
        if repo.service == "bitbucket":
            return updated_on(repo)
        if repo.service == "bitbucket-server":
            return ""                        # Data Center lists no update time
        return iso(repo.updated_at)

    def repo_truth(self, repo: ForgeRepo) -> Dict[str, Any]:
        truth = self._repo_truth(repo)
        if repo.service == "bitbucket":
            truth.update(uuid=cloud_uuid("repository", repo.id), project=repo.project or "PRJ0",
                         language=(repo.language or "").lower() or None)
        return truth

    def _repo_truth(self, repo: ForgeRepo) -> Dict[str, Any]:
        return {"id": repo.id, "full_path": repo.full_path, "name": repo.name, "owner": repo.namespace,
                "private": repo.private, "visibility": repo.visibility, "archived": repo.archived,
                "fork": repo.fork, "empty": repo.empty, "disabled": repo.disabled,
                "default_branch": repo.default_branch, "marker": self.marker(repo),
                "clone_url": self.clone_url(repo), "topics": list(repo.topics), "language": repo.language,
                "head": repo.refs.get("refs/heads/" + repo.default_branch), "big": repo.big}

    def repos(self, service: str, owner: str) -> List[Dict[str, Any]]:
        """Every repo of an owner (GitLab: with all subgroups), sorted by id."""
        low = owner.lower()
        with self.state.lock:
            found = [r for r in self.state.repos[service].values()
                     if r.namespace.lower() == low or r.namespace.lower().startswith(low + "/")]
            return [self.repo_truth(r) for r in sorted(found, key=lambda r: r.id)]

    def starred(self, service: str, login: str) -> List[Dict[str, Any]]:
        """The repos a user starred (that still exist), oldest star first, as repo truths."""
        with self.state.lock:
            return [self.repo_truth(r) for _at, r in self.state.starred(service, login)]

    def star_repos(self, service: str, login: str, full_paths: Iterable[str]) -> List[str]:
        done = []
        with self.state.lock:
            self.state.ensure_owner(service, "user", login)
            for path in full_paths:
                repo = self._find(service, path)
                self.state.star(service, login, repo.id, int(time.time()))
                done.append(repo.full_path)
        return done

    def unstar_repos(self, service: str, login: str, full_paths: Iterable[str]) -> List[str]:
        done = []
        with self.state.lock:
            for path in full_paths:
                repo = self._find(service, path)
                self.state.unstar(service, login, repo.id)
                done.append(repo.full_path)
        return done

    def _find(self, service: str, full_path: str) -> ForgeRepo:
        repo = self.state.get(service, full_path)
        if repo is None:
            raise KeyError("no %s repo %r" % (service, full_path))
        return repo

    # -- mutations ---------------------------------------------------------
    def add_repos(self, service: str, owner: str, n: int) -> List[str]:
        with self.state.lock:
            existing = self.state.owner(service, owner)
            kind = existing.kind if existing else ("group" if service == "gitlab" else "org")
            flat = service == "gitlab" and existing is not None and not self.state.descendants(service, owner)
            spec = OwnerSpec(service=service, kind=kind, owner=existing.path if existing else owner, count=n,
                             opts={"flat": "1"} if flat else {})
            repos, plans = add_to_owner(self.state, spec, n)
        with self._push_lock:
            shas = self.store.write_commits(plans) if plans else {}
        with self.state.lock:
            for repo in repos:
                if (repo.dir_key + "#2") in shas:
                    repo.refs = refs_for(repo.index, repo.default_branch, shas, repo.dir_key)
                now = int(time.time())
                repo.created_at = max(repo.created_at, now)
                repo.pushed_at = repo.updated_at = repo.activity_at = repo.created_at
                self.state.add(repo)
        return [r.full_path for r in repos]

    def delete_repos(self, service: str, full_paths: Iterable[str]) -> List[str]:
        done = []
        with self.state.lock:
            for path in full_paths:
                repo = self.state.get(service, path)
                if repo is not None:
                    self.state.remove(repo)
                    done.append(repo.full_path)
        return done

    def rename_repo(self, service: str, full_path: str, new_name: str) -> str:
        with self.state.lock:
            repo = self._find(service, full_path)
            if self.state.get(service, repo.namespace + "/" + new_name) is not None:
                raise ValueError("%s/%s already exists" % (repo.namespace, new_name))
            self.state.rename(repo, new_name)
            repo.updated_at = max(int(time.time()), repo.updated_at + 1)
            return repo.full_path

    def archive_repos(self, service: str, full_paths: Iterable[str]) -> List[str]:
        done = []
        with self.state.lock:
            for path in full_paths:
                repo = self._find(service, path)
                repo.archived = True
                repo.updated_at = max(int(time.time()), repo.updated_at + 1)
                done.append(repo.full_path)
            self.state.touch()
        return done

    def push_commits(self, service: str, full_paths: Optional[Iterable[str]] = None,
                     count: Optional[int] = None) -> List[str]:
        """A real new commit on each repo's default branch; moves the change marker."""
        with self.state.lock:
            if full_paths is not None:
                targets = [self._find(service, p) for p in full_paths]
            else:
                pool = sorted((r for r in self.state.repos[service].values()
                               if not r.archived and not r.disabled and not r.empty), key=lambda r: r.id)
                targets = pool[:1 if count is None else count]
        with self._push_lock:
            now = int(time.time())
            stamps = {r.id: max(now, r.pushed_at + 1) for r in targets}
            pooled = [r for r in targets if not r.pushable]
            plans = [push_commit(r.dir_key, r.full_path, r.refs.get("refs/heads/" + r.default_branch),
                                 r.changes + 1, stamps[r.id]) for r in pooled]
            shas = self.store.write_commits(plans) if plans else {}
            for repo in targets:
                if repo.pushable:
                    shas[repo.dir_key] = self._push_into_own_repo(repo, stamps[repo.id])
            with self.state.lock:
                for repo in targets:
                    repo.refs = dict(repo.refs)
                    repo.refs["refs/heads/" + repo.default_branch] = shas[repo.dir_key]
                    self._moved_by_push(repo, stamps[repo.id])
                    if not repo.pushable:
                        self.store.write_refs(repo.dir_key, repo.default_branch, repo.refs)
                self.state.touch()
        return [r.full_path for r in targets]

    def _moved_by_push(self, repo: ForgeRepo, stamp: int) -> None:
        repo.changes += 1
        repo.pushed_at = stamp
        repo.updated_at = max(repo.updated_at + 1, stamp)
        # GitLab's last_activity_at is coarse: it only moves when it is older
        # than the granularity (about an hour on real GitLab).
        if stamp - repo.activity_at >= self.activity_granularity:
            repo.activity_at = stamp

    def _push_into_own_repo(self, repo: ForgeRepo, stamp: int) -> str:
        """Pushed-to repos keep their own objects: commit there, not in the pool."""
        path = self.store.materialize(repo.dir_key, repo.default_branch, repo.refs, True)
        branch = "refs/heads/" + repo.default_branch
        plan = push_commit("c", repo.full_path, repo.refs.get(branch), repo.changes + 1, stamp)
        sha = self.store.write_commits([plan], git_dir=path)["c"]
        for args in (["update-ref", branch, sha], ["update-ref", "-d", "refs/heads/pool"]):
            subprocess.run(["git", "--git-dir", path] + args, check=True, env=self.store.env)
        return sha

    def apply_mutation(self, mutation: Dict[str, Any], default_service: str) -> Any:
        op = mutation.get("op")
        service = mutation.get("service") or (default_service if default_service != "git" else "github")
        if op == "add":
            return self.add_repos(service, mutation["owner"], int(mutation.get("n", 1)))
        if op == "delete":
            return self.delete_repos(service, mutation["full_paths"])
        if op == "rename":
            return self.rename_repo(service, mutation["full_path"], mutation["new_name"])
        if op == "archive":
            return self.archive_repos(service, mutation["full_paths"])
        if op == "push":
            return self.push_commits(service, mutation.get("full_paths"), mutation.get("count"))
        if op in ("star", "unstar"):
            method = self.star_repos if op == "star" else self.unstar_repos
            return method(service, mutation["login"], mutation["full_paths"])
        raise ValueError("unknown mutation op %r (add|delete|rename|archive|push|star|unstar)" % op)

    # -- push-to-create ----------------------------------------------------
    def create_push_repo(self, service: str, full_path: str) -> ForgeRepo:
        """First push to mirror-target/NAME creates the repo (caller holds the lock)."""
        namespace, _sep, name = full_path.rpartition("/")
        owner = ensure_push_namespace(self.state, service, namespace)
        now = int(time.time())
        repo = ForgeRepo(
            service=service, id=self.state.new_repo_id(service), namespace=owner.path, name=name,
            display_name=name, index=0, visibility="private", archived=False, fork=False, disabled=False,
            mirror=False, default_branch="main", topics=(), language=None, description="mirror of " + name,
            created_at=now, updated_at=now, pushed_at=now, activity_at=now, pushable=True)
        self.state.add(repo)
        return repo

    def after_push(self, repo: ForgeRepo) -> None:
        path = self.store.repo_path(repo.dir_key)
        refs = self.store.read_refs(path)
        head = self.store.read_head(path)
        with self.state.lock:
            heads = sorted(r[len("refs/heads/"):] for r in refs if r.startswith("refs/heads/"))
            if heads and ("refs/heads/" + head) not in refs:
                head = next((b for b in ("main", "master", "develop", "trunk") if b in heads), heads[0])
                with open(os.path.join(path, "HEAD"), "w", encoding="utf-8") as fh:
                    fh.write("ref: refs/heads/%s\n" % head)
            repo.default_branch = head or repo.default_branch
            repo.refs = refs
            self._moved_by_push(repo, max(int(time.time()), repo.pushed_at + 1))
            self.state.touch()

    # -- extras: wikis ----------------------------------------------------
    def extra_repo(self, service: str, full_path: str) -> Optional[ForgeRepo]:
        """A git repository that is not a listed repo: a wiki (`NAME.wiki`), a
        gist (`gist/ID`) or a snippet (`[project/]snippets/ID`)."""
        return self.wikis.lookup(service, full_path) or self.gists.lookup(service, full_path)

    def gists_truth(self, service: str) -> List[Dict[str, Any]]:
        """Every gist (github) or snippet (gitlab): id, owner, public, head, project, filename."""
        return self.gists.truth(service)

    def push_gist(self, service: str, ident: str) -> str:
        return self.gists.push(service, ident)

    def lfs_truth(self, service: str, full_path: str) -> Dict[str, bytes]:
        """{path: the LFS object's content} of a repo's LFS files ({} when it has none)."""
        repo = self._find(service, full_path)
        return {LFS_PATH: lfs_content(repo.full_path)} if repo.lfs else {}

    def wiki_truth(self, service: str, full_path: str) -> Dict[str, Any]:
        return self.wikis.truth(service, full_path)

    def push_wiki(self, service: str, full_path: str) -> str:
        return self.wikis.push(service, full_path)

    # -- used by control ---------------------------------------------------
    def owner_info(self, service: str, owner: str) -> Optional[Dict[str, Any]]:
        found = self.state.owner(service, owner)
        if found is None:
            return None
        return {"service": found.service, "kind": found.kind, "path": found.path, "id": found.id}

    def all_owners(self, service: str) -> List[Dict[str, Any]]:
        with self.state.lock:
            return [{"kind": o.kind, "path": o.path, "id": o.id}
                    for (svc, _path), o in sorted(self.state.owners.items()) if svc == service]


__all__ = ["Forge", "PUSH_OWNER"]
