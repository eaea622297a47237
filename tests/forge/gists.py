# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""GitHub gists and GitLab snippets: their listings and their git repositories.

GitHub (docs.github.com/rest/gists/gists, GHES flavour):
- `GET /users/{username}/gists`: the user's public gists; `GET /gists`: the
  authenticated user's gists, secret ones included (anonymous: every public
  gist). `per_page`/`page` with a Link header, newest first.
- A gist: url, forks_url, commits_url, id (hex), node_id, git_pull_url,
  git_push_url, html_url, files {name: {filename, type, language, raw_url,
  size}}, public, created_at, updated_at, description, comments, user
  (null), comments_url, owner, truncated.
- git: GHES serves gists at `https://HOST/gist/{id}.git` (github.com at
  `https://gist.github.com/{id}.git`); a secret gist clones without
  credentials, like on GitHub.

GitLab (docs.gitlab.com/api/snippets, /api/project_snippets):
- `GET /snippets`: the current user's snippets (401 anonymous);
  `GET /projects/:id/snippets`: a project's snippets. Offset pages.
- A snippet: id, title, description, visibility, author, updated_at,
  created_at, project_id (null for a personal one), web_url, raw_url,
  ssh_url_to_repo, http_url_to_repo, file_name, files [{path, raw_url}],
  imported, imported_from.
- git: `https://HOST/snippets/{id}.git`, a project's
  `https://HOST/{project path}/snippets/{id}.git`; private ones need the token.

Data: an owner spec's `gists=K` (github-user) gives the user K gists, every
third one secret; `snippets=K` gives a gitlab-user K personal snippets and a
gitlab group's first K projects one snippet each. `forge.push_gist(...)`
adds a revision (a commit, updated_at moves).
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from typing import Any, Dict, List, Optional

from .data import fake_node_id
from .gitstore import CommitPlan
from .paging import last_page, link_header, page_slice
from .state import ForgeRepo, iso
from .web import Request, Response, json_response


EPOCH_GISTS = 1577836800                # 2020-01-01T00:00:00Z


@dataclasses.dataclass
class ForgeGist:
    service: str                 # github | gitlab
    ident: str                   # GitHub: 32 hex; GitLab: the numeric id as text
    number: int                  # a numeric id (GitLab's id; GitHub: a sequence) for the git dir
    owner: str                   # login of the author
    public: bool                 # GitHub public/secret; GitLab visibility public vs private
    created_at: int
    updated_at: int
    filename: str
    project_id: Optional[int] = None     # GitLab project snippets
    project_path: str = ""
    revisions: int = 1
    head: str = ""
    repo: Optional[ForgeRepo] = None      # its git repository, once materialized


class Gists:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state
        self.store = app.store
        self.github: Dict[str, ForgeGist] = {}
        self.gitlab: Dict[int, ForgeGist] = {}
        self._next = {"github": 1, "gitlab": 501}

    # -- data ----------------------------------------------------------------
    def add(self, service: str, owner: str, count: int, project: Optional[ForgeRepo] = None) -> List[ForgeGist]:
        made = []
        for _item in range(count):
            number = self._next[service]
            self._next[service] += 1
            ident = hashlib.sha1(b"gist-%d" % number).hexdigest()[:32] if service == "github" else str(number)
            stamp = EPOCH_GISTS + number * 3600
            gist = ForgeGist(service=service, ident=ident, number=number, owner=owner, public=number % 3 != 0,
                             created_at=stamp, updated_at=stamp, filename="snippet-%d.txt" % number,
                             project_id=project.id if project else None,
                             project_path=project.full_path if project else "")
            if service == "github":
                self.github[ident] = gist
            else:
                self.gitlab[number] = gist
            made.append(gist)
        return made

    def populate(self, specs: List[Any]) -> None:
        for spec in specs:
            if spec.service == "github" and spec.kind == "user" and int(spec.opts.get("gists", "0") or 0):
                self.add("github", spec.owner, int(spec.opts["gists"]))
            want = int(spec.opts.get("snippets", "0") or 0)
            if spec.service == "gitlab" and want and spec.kind == "user":
                self.add("gitlab", spec.owner, want)
            elif spec.service == "gitlab" and want:
                projects = sorted((r for r in self.state.repos["gitlab"].values()
                                   if r.namespace.lower() == spec.owner.lower()
                                   or r.namespace.lower().startswith(spec.owner.lower() + "/")), key=lambda r: r.id)
                for project in projects[:want]:
                    self.add("gitlab", "forge-admin", 1, project)

    def _materialize(self, gist: ForgeGist) -> ForgeRepo:
        if gist.repo is not None:
            return gist.repo
        plan = CommitPlan(key="g", message="Create %s\n" % gist.filename, timestamp=gist.created_at,
                          files={gist.filename: ("gist %s of %s\n" % (gist.ident, gist.owner)).encode()})
        gist.head = self.store.write_commits([plan])["g"]
        branch = "main"
        gist.repo = ForgeRepo(
            service=gist.service, id=gist.number, namespace="gist", name=gist.ident, display_name=gist.ident,
            index=gist.number, visibility="public" if gist.service == "github" or gist.public else "private",
            archived=False, fork=False, disabled=False, mirror=False, default_branch=branch, topics=(),
            language=None, description="", created_at=gist.created_at, updated_at=gist.updated_at,
            pushed_at=gist.updated_at, activity_at=gist.updated_at, refs={"refs/heads/" + branch: gist.head},
            dir_suffix="-" + ("gist" if gist.service == "github" else "snippet"))
        return gist.repo

    def lookup(self, service: str, full_path: str) -> Optional[ForgeRepo]:
        """The git repository of `gist/{id}` (GitHub) or `[project/]snippets/{id}` (GitLab)."""
        parts = full_path.split("/")
        with self.state.lock:
            if service == "github" and len(parts) == 2 and parts[0] == "gist":
                gist = self.github.get(parts[1])
            elif service == "gitlab" and len(parts) >= 2 and parts[-2] == "snippets" and parts[-1].isdigit():
                gist = self.gitlab.get(int(parts[-1]))
                if gist is not None and gist.project_path.lower() != "/".join(parts[:-2]).lower():
                    gist = None
            else:
                return None
            return None if gist is None else self._materialize(gist)

    def push(self, service: str, ident: str) -> str:
        """A new revision: a commit on the gist's branch; updated_at moves."""
        with self.state.lock:
            gist = self.github[ident] if service == "github" else self.gitlab[int(ident)]
            repo = self._materialize(gist)
            gist.revisions += 1
            gist.updated_at = max(int(time.time()), gist.updated_at + 1)
            plan = CommitPlan(key="r", message="Revision %d\n" % gist.revisions, timestamp=gist.updated_at,
                              parent=gist.head, files={gist.filename: b"revision %d\n" % gist.revisions})
            gist.head = self.store.write_commits([plan])["r"]
            repo.refs = {"refs/heads/main": gist.head}
            self.store.write_refs(repo.dir_key, "main", repo.refs)
            return gist.head

    def truth(self, service: str) -> List[Dict[str, Any]]:
        with self.state.lock:
            table = self.github if service == "github" else self.gitlab
            out = []
            for gist in table.values():
                self._materialize(gist)
                out.append({"id": gist.ident, "owner": gist.owner, "public": gist.public, "head": gist.head,
                            "project": gist.project_path or None, "filename": gist.filename})
            return out

    # -- GitHub ----------------------------------------------------------------
    def github_json(self, base: str, gist: ForgeGist) -> Dict[str, Any]:
        api = base + "/api/v3"
        owner = self.state.owner("github", gist.owner)
        url = "%s/gists/%s" % (api, gist.ident)
        git_url = "%s/gist/%s.git" % (base, gist.ident)
        return {
            "url": url, "forks_url": url + "/forks", "commits_url": url + "/commits", "id": gist.ident,
            "node_id": fake_node_id("G", gist.number), "git_pull_url": git_url, "git_push_url": git_url,
            "html_url": "%s/gist/%s" % (base, gist.ident),
            "files": {gist.filename: {"filename": gist.filename, "type": "text/plain", "language": "Text",
                                      "raw_url": "%s/gist/%s/%s/raw/%s" % (
                                          base, gist.owner, gist.ident, gist.filename),
                                      "size": 40}},
            "public": gist.public, "created_at": iso(gist.created_at), "updated_at": iso(gist.updated_at),
            "description": "gist %d" % gist.number, "comments": 0, "user": None, "comments_url": url + "/comments",
            "owner": self.app.github.owner_json(base, owner) if owner else None, "truncated": False,
        }

    def github_list(self, req: Request, owner: Optional[str], secret_too: bool, link_path: str) -> Response:
        per_page = req.int_arg("per_page", 30)
        per_page = 30 if per_page < 1 else min(per_page, 100)
        page = max(1, req.int_arg("page", 1))
        with self.state.lock:
            rows = [g for g in self.github.values()
                    if (owner is None or g.owner.lower() == owner.lower()) and (g.public or secret_too)]
            rows.sort(key=lambda g: (g.created_at, g.number), reverse=True)
            items = [self.github_json(req.base, g) for g in page_slice(rows, page, per_page)]
        resp = json_response(200, items)
        link = link_header(req, "/api/v3" + link_path, page, last_page(len(rows), per_page),
                           ("prev", "next", "last", "first"))
        if link:
            resp.headers.append(("Link", link))
        return resp

    # -- GitLab ----------------------------------------------------------------
    def gitlab_json(self, base: str, gist: ForgeGist) -> Dict[str, Any]:
        author = self.state.owner("gitlab", gist.owner)
        where = ("/" + gist.project_path) if gist.project_path else ""
        web = "%s/gitlab%s/-/snippets/%s" % (base, where, gist.ident)
        host = base.split("//", 1)[1].split(":")[0]
        return {
            "id": gist.number, "title": "snippet %d" % gist.number, "description": None,
            "visibility": "public" if gist.public else "private",
            "author": self.app.gitlab.user_json(base, author) if author else None,
            "updated_at": iso(gist.updated_at, millis=True), "created_at": iso(gist.created_at, millis=True),
            "project_id": gist.project_id, "web_url": web, "raw_url": web + "/raw",
            "ssh_url_to_repo": "ssh://git@%s:gitlab%s/snippets/%s.git" % (host, where, gist.ident),
            "http_url_to_repo": "%s/gitlab%s/snippets/%s.git" % (base, where, gist.ident),
            "file_name": gist.filename, "files": [{"path": gist.filename, "raw_url": web + "/raw/main/" + gist.filename}],
            "imported": False, "imported_from": "none",
        }

    def gitlab_personal(self, base: str, login: str) -> List[Dict[str, Any]]:
        with self.state.lock:
            rows = sorted((g for g in self.gitlab.values() if g.project_id is None and g.owner.lower() == login.lower()),
                          key=lambda g: g.number, reverse=True)
            return [self.gitlab_json(base, g) for g in rows]

    def gitlab_project(self, base: str, project: ForgeRepo, member: bool) -> List[Dict[str, Any]]:
        with self.state.lock:
            rows = sorted((g for g in self.gitlab.values() if g.project_id == project.id and (g.public or member)),
                          key=lambda g: g.number, reverse=True)
            return [self.gitlab_json(base, g) for g in rows]
