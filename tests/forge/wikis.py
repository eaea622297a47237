# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Wikis: `NAME.wiki.git` beside a repository, as GitHub, GitLab and Gitea serve them.

A wiki is a git repository of its own at the repository's URL with `.wiki`
before `.git`. The forges create it on the first page written: a wiki that
is enabled (has_wiki, wiki_access_level) but was never written to has no
repository, and git answers "repository not found" (HTTP 404) exactly as
for a repository that does not exist.

Here: a repo's wiki is enabled when `has_wiki` (index % 3 != 0, what the
APIs report) and created when index % 3 == 2, or once `push(...)` wrote a
page. Its git repository is made on the first request for it (one commit,
Home.md, branch master), so forges that never serve a wiki pay nothing.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Dict, Optional, Set, Tuple

from .gitstore import CommitPlan
from .state import ForgeRepo

WIKI_BRANCH = "master"
SUFFIX = ".wiki"


class Wikis:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state
        self.store = app.store
        self._wikis: Dict[Tuple[str, int], ForgeRepo] = {}
        self._written: Set[Tuple[str, int]] = set()

    @staticmethod
    def created_by_data(repo: ForgeRepo) -> bool:
        return repo.has_wiki and repo.index % 3 == 2

    def exists(self, repo: ForgeRepo) -> bool:
        return repo.has_wiki and (self.created_by_data(repo) or (repo.service, repo.id) in self._written)

    def lookup(self, service: str, full_path: str) -> Optional[ForgeRepo]:
        """The wiki repository git asked for (`owner/name.wiki`), or None: no such
        repo, wiki disabled, or enabled but never created (all three a 404)."""
        if not full_path.lower().endswith(SUFFIX):
            return None
        with self.state.lock:
            repo = self.state.get(service, full_path[:-len(SUFFIX)])
            if repo is None or not self.exists(repo):
                return None
            return self._materialize(repo)

    def _materialize(self, repo: ForgeRepo) -> ForgeRepo:
        key = (repo.service, repo.id)
        wiki = self._wikis.get(key)
        if wiki is not None:
            wiki.visibility, wiki.disabled = repo.visibility, repo.disabled
            return wiki
        stamp = repo.created_at + 120
        plan = CommitPlan(key="wiki", message="Create Home\n", timestamp=stamp,
                          files={"Home.md": ("# %s wiki\n\nWelcome.\n" % repo.full_path).encode()})
        sha = self.store.write_commits([plan])["wiki"]
        wiki = dataclasses.replace(repo, name=repo.name + SUFFIX, display_name=repo.name + SUFFIX,
                                   default_branch=WIKI_BRANCH, refs={"refs/heads/" + WIKI_BRANCH: sha},
                                   dir_suffix="-wiki", pushable=False, changes=0)
        self._wikis[key] = wiki
        return wiki

    def push(self, service: str, full_path: str) -> str:
        """Write a page (a new commit on the wiki's branch), creating the wiki
        if it was never written to; returns the new head. Only for repos whose
        wiki is enabled, like the forges' UI."""
        with self.state.lock:
            repo = self.state.get(service, full_path)
            if repo is None or not repo.has_wiki:
                raise ValueError("%s %s has no wiki enabled" % (service, full_path))
            self._written.add((repo.service, repo.id))
            wiki = self._materialize(repo)
            parent = wiki.refs["refs/heads/" + WIKI_BRANCH]
            wiki.changes += 1
            plan = CommitPlan(key="page", message="Edit page %d\n" % wiki.changes, parent=parent,
                              timestamp=max(int(time.time()), repo.created_at + 121),
                              files={"Page-%d.md" % wiki.changes: b"page\n"})
            sha = self.store.write_commits([plan])["page"]
            wiki.refs = {"refs/heads/" + WIKI_BRANCH: sha}
            self.store.write_refs(wiki.dir_key, WIKI_BRANCH, wiki.refs)
            return sha

    def truth(self, service: str, full_path: str) -> Dict[str, Any]:
        """{"enabled", "exists", "head"} of a repo's wiki (head None when none exists)."""
        with self.state.lock:
            repo = self.state.get(service, full_path)
            if repo is None:
                raise KeyError("no %s repo %r" % (service, full_path))
            exists = self.exists(repo)
            head = self._materialize(repo).refs["refs/heads/" + WIKI_BRANCH] if exists else None
            return {"enabled": repo.has_wiki, "exists": exists, "head": head}
