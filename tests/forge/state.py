# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The forge's ground truth: owners, repos and the indexes the APIs read.

One lock guards it all; every change bumps `version`, which is what the
sorted-listing caches key on (so a mutation between two pages shifts offset
pages exactly as on a real forge).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

from .specs import ALL_SERVICES

SPECIAL_ADMIN = "forge-admin"
PUSH_OWNER = "mirror-target"


@dataclass
class ForgeOwner:
    service: str
    kind: str                 # org | user | group
    path: str                 # login, or GitLab group full path
    id: int
    created_at: int
    parent_id: Optional[int] = None
    # GitLab: projects of other namespaces shared with this group; listed
    # by /groups/:id/projects unless with_shared=false (GitLab's default is true).
    shared: List[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class ForgeRepo:
    service: str
    id: int
    namespace: str            # owner login or GitLab namespace full path
    name: str                 # path segment
    display_name: str
    index: int
    visibility: str
    archived: bool
    fork: bool
    disabled: bool
    mirror: bool
    default_branch: str
    topics: Tuple[str, ...]
    language: Optional[str]
    description: str
    created_at: int
    updated_at: int
    pushed_at: int
    activity_at: int          # GitLab last_activity_at (coarse)
    refs: Dict[str, str] = field(default_factory=dict)
    big: bool = False
    pushable: bool = False    # push-to-create repo: its directory is the truth
    forked_from: Optional[int] = None
    changes: int = 0
    project: str = ""         # Bitbucket Cloud: the key of the project holding the repo
    lfs: bool = False         # commits assets/model.bin as a Git LFS pointer (lfs.py)
    dir_suffix: str = ""      # "-wiki", "-gist"...: an extra's git dir beside the repo's (wikis.py, gists.py)

    @property
    def has_wiki(self) -> bool:
        """The wiki is enabled (GitHub/Gitea has_wiki, GitLab wiki_access_level);
        wikis.py decides whether it was ever created."""
        return self.index % 3 != 0

    @property
    def full_path(self) -> str:
        return self.namespace + "/" + self.name

    @property
    def private(self) -> bool:
        return self.visibility != "public"

    @property
    def empty(self) -> bool:
        return not self.refs

    @property
    def dir_key(self) -> str:
        return "%s-%d%s" % (self.service, self.id, self.dir_suffix)

    @property
    def size_kb(self) -> int:
        if self.empty:
            return 0
        return 3100 if self.big else 2 + self.changes


class ForgeState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.version = 0
        self.repos: Dict[str, Dict[int, ForgeRepo]] = {s: {} for s in ALL_SERVICES}
        self.owners: Dict[Tuple[str, str], ForgeOwner] = {}
        self.owner_ids: Dict[Tuple[str, int], ForgeOwner] = {}
        self.by_path: Dict[Tuple[str, str], int] = {}
        self.moved: Dict[Tuple[str, str], int] = {}
        self.by_namespace: Dict[Tuple[str, str], List[int]] = {}
        self.spec_counts: Dict[Tuple[str, str], int] = {}   # next index per owner
        self._next_repo_id = {s: 1001 for s in ALL_SERVICES}
        self._next_owner_id = {s: 101 for s in ALL_SERVICES}
        self.seq = {s: 0 for s in ALL_SERVICES}
        self._cache: Dict[tuple, List[int]] = {}
        self._cache_version = -1
        # (service, login lower) -> [(starred_at, repo id)] in the order the user starred them.
        self.stars: Dict[Tuple[str, str], List[Tuple[int, int]]] = {}
        self.lfs_objects: Dict[str, bytes] = {}             # Git LFS objects by sha256 oid (lfs.py)

    # -- ids ---------------------------------------------------------------
    def new_repo_id(self, service: str) -> int:
        rid = self._next_repo_id[service]
        self._next_repo_id[service] = rid + 1
        return rid

    def next_seq(self, service: str) -> int:
        self.seq[service] += 1
        return self.seq[service]

    # -- owners ------------------------------------------------------------
    def owner(self, service: str, path: str) -> Optional[ForgeOwner]:
        return self.owners.get((service, path.lower()))

    def owner_by_id(self, service: str, oid: int) -> Optional[ForgeOwner]:
        return self.owner_ids.get((service, oid))

    def ensure_owner(self, service: str, kind: str, path: str, parent_id: Optional[int] = None) -> ForgeOwner:
        found = self.owner(service, path)
        if found is not None:
            return found
        with self.lock:
            return self._new_owner(service, kind, path, parent_id)

    def _new_owner(self, service: str, kind: str, path: str, parent_id: Optional[int]) -> ForgeOwner:
        found = self.owner(service, path)
        if found is not None:
            return found
        oid = self._next_owner_id[service]
        self._next_owner_id[service] = oid + 1
        created = 1262304000 + oid * 86400      # 2010 onwards, deterministic
        owner = ForgeOwner(service=service, kind=kind, path=path, id=oid, created_at=created,
                           parent_id=parent_id)
        self.owners[(service, path.lower())] = owner
        self.owner_ids[(service, oid)] = owner
        self.by_namespace.setdefault((service, path.lower()), [])
        self.version += 1
        return owner

    def ensure_group_path(self, path: str) -> ForgeOwner:
        """GitLab: create every ancestor group of `path` too."""
        parent_id = None
        parts = path.split("/")
        owner = None
        for depth in range(1, len(parts) + 1):
            owner = self.ensure_owner("gitlab", "group", "/".join(parts[:depth]), parent_id)
            parent_id = owner.id
        return owner  # type: ignore[return-value]

    def descendants(self, service: str, path: str) -> List[ForgeOwner]:
        prefix = path.lower() + "/"
        return [o for (svc, key), o in self.owners.items() if svc == service and key.startswith(prefix)]

    def children(self, service: str, owner: ForgeOwner) -> List[ForgeOwner]:
        return [o for (svc, _path), o in self.owners.items() if svc == service and o.parent_id == owner.id]

    # -- repos -------------------------------------------------------------
    def add(self, repo: ForgeRepo) -> None:
        self.repos[repo.service][repo.id] = repo
        self.by_path[(repo.service, repo.full_path.lower())] = repo.id
        self.by_namespace.setdefault((repo.service, repo.namespace.lower()), []).append(repo.id)
        self.version += 1

    def remove(self, repo: ForgeRepo) -> None:
        self.repos[repo.service].pop(repo.id, None)
        self.by_path.pop((repo.service, repo.full_path.lower()), None)
        ids = self.by_namespace.get((repo.service, repo.namespace.lower()), [])
        if repo.id in ids:
            ids.remove(repo.id)
        self.version += 1

    def rename(self, repo: ForgeRepo, new_name: str) -> None:
        old = repo.full_path.lower()
        self.by_path.pop((repo.service, old), None)
        self.moved[(repo.service, old)] = repo.id
        repo.name = new_name
        repo.display_name = new_name
        self.by_path[(repo.service, repo.full_path.lower())] = repo.id
        self.moved.pop((repo.service, repo.full_path.lower()), None)
        self.version += 1

    def touch(self) -> None:
        self.version += 1

    # -- stars -------------------------------------------------------------
    def star(self, service: str, login: str, repo_id: int, at: int) -> None:
        stars = self.stars.setdefault((service, login.lower()), [])
        if all(rid != repo_id for _at, rid in stars):
            stars.append((at, repo_id))
            self.version += 1

    def unstar(self, service: str, login: str, repo_id: int) -> None:
        stars = self.stars.get((service, login.lower()), [])
        kept = [(at, rid) for at, rid in stars if rid != repo_id]
        if len(kept) != len(stars):
            self.stars[(service, login.lower())] = kept
            self.version += 1

    def starred(self, service: str, login: str) -> List[Tuple[int, ForgeRepo]]:
        """(starred_at, repo) of the repos a user starred that still exist, oldest star first."""
        table = self.repos[service]
        return [(at, table[rid]) for at, rid in self.stars.get((service, login.lower()), []) if rid in table]

    def get(self, service: str, full_path: str) -> Optional[ForgeRepo]:
        rid = self.by_path.get((service, full_path.lower()))
        return None if rid is None else self.repos[service].get(rid)

    def get_moved(self, service: str, full_path: str) -> Optional[ForgeRepo]:
        rid = self.moved.get((service, full_path.lower()))
        return None if rid is None else self.repos[service].get(rid)

    def in_namespace(self, service: str, path: str) -> List[ForgeRepo]:
        table = self.repos[service]
        return [table[i] for i in self.by_namespace.get((service, path.lower()), ()) if i in table]

    def cached(self, key: tuple, build: Callable[[], List[int]]) -> List[int]:
        """Sorted id lists per listing shape, rebuilt only after a change."""
        if self._cache_version != self.version or len(self._cache) > 256:
            self._cache = {}
            self._cache_version = self.version
        ids = self._cache.get(key)
        if ids is None:
            ids = build()
            self._cache[key] = ids
        return ids


def iso(ts: float, millis: bool = False) -> str:
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(ts)))
    return base + (".000Z" if millis else "Z")
