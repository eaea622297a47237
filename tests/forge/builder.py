# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Turn owner specs into owners, repos and commits (one fast-import per batch)."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from .data import initial_commits, refs_for, timestamps, traits
from .gitstore import CommitPlan, GitStore
from .lfs import lfs_files
from .specs import SERVICES, OwnerSpec
from .state import PUSH_OWNER, SPECIAL_ADMIN, ForgeOwner, ForgeRepo, ForgeState

GITLAB_SUBGROUPS = ("", "/sub-a", "/sub-a/deep", "/sub-b")


def owner_namespaces(state: ForgeState, spec: OwnerSpec) -> List[str]:
    """Create the owner (and GitLab subgroups); returns where repos go, in
    round-robin order."""
    if spec.service == "gitlab" and spec.kind == "group":
        if spec.flat:
            state.ensure_group_path(spec.owner)
            return [spec.owner]
        paths = [spec.owner + suffix for suffix in GITLAB_SUBGROUPS]
        for path in paths:
            state.ensure_group_path(path)
        return paths
    state.ensure_owner(spec.service, spec.kind, spec.owner)
    return [spec.owner]


def new_repo(state: ForgeState, service: str, namespace: str, index: int, big: bool,
             fork_source: Optional[int]) -> Tuple[ForgeRepo, List[CommitPlan]]:
    t = traits(service, index)
    seq = state.next_seq(service)
    created, pushed = timestamps(seq, index, t.empty)
    repo = ForgeRepo(
        service=service, id=state.new_repo_id(service), namespace=namespace, name=t.name,
        display_name=t.display_name, index=index, visibility=t.visibility, archived=t.archived,
        fork=t.fork, disabled=t.disabled, mirror=t.mirror, default_branch=t.default_branch,
        topics=t.topics, language=t.language, description=t.description, created_at=created,
        updated_at=pushed + 3600 if not t.empty else created, pushed_at=pushed, activity_at=pushed,
        big=big and not t.empty, forked_from=fork_source if t.fork else None)
    plans: List[CommitPlan] = []
    if not t.empty:
        plans = initial_commits(repo.dir_key, repo.full_path, t, created, pushed, repo.big, seed=repo.id)
    return repo, plans


def add_to_owner(state: ForgeState, spec: OwnerSpec, count: int) -> Tuple[List[ForgeRepo], List[CommitPlan]]:
    namespaces = owner_namespaces(state, spec)
    key = (spec.service, spec.owner.lower())
    start = state.spec_counts.get(key, 0)
    big_left = spec.big
    lfs_left = int(spec.opts.get("lfs", "0") or 0)
    repos: List[ForgeRepo] = []
    plans: List[CommitPlan] = []
    first_id: Optional[int] = None
    for index in range(start, start + count):
        wants_big = big_left > 0 and not traits(spec.service, index).empty
        repo, repo_plans = new_repo(state, spec.service, namespaces[index % len(namespaces)], index,
                                    wants_big, first_id)
        if spec.service == "bitbucket":
            # bitbucket:WS:N:projects=K spreads the repos over K projects.
            repo.project = bitbucket_project_key(index, int(spec.opts.get("projects", "1") or 1))
        if wants_big:
            big_left -= 1
        if lfs_left > 0 and repo_plans:
            # lfs=K: the first K non-empty repos commit a Git LFS pointer (lfs.py).
            repo_plans[0].files.update(lfs_files(repo.full_path, state.lfs_objects))
            repo.lfs = True
            lfs_left -= 1
        if first_id is None:
            first_id = repo.id
        repos.append(repo)
        plans.extend(repo_plans)
    state.spec_counts[key] = start + count
    return repos, plans


def bitbucket_project_key(index: int, projects: int) -> str:
    """Every Bitbucket Cloud repository belongs to a project: PRJ0, PRJ1, ..."""
    return "PRJ%d" % (index % max(1, projects))


def publish(state: ForgeState, store: GitStore, repos: List[ForgeRepo], plans: List[CommitPlan]) -> None:
    shas = store.write_commits(plans) if plans else {}
    for repo in repos:
        if (repo.dir_key + "#2") in shas:
            repo.refs = refs_for(repo.index, repo.default_branch, shas, repo.dir_key)
        state.add(repo)


def populate(state: ForgeState, store: GitStore, specs: List[OwnerSpec], admin_repos: int,
             logins: Sequence[str] = ()) -> None:
    specs = list(specs)
    for service in SERVICES:
        if not any(s.service == service and s.owner.lower() == SPECIAL_ADMIN for s in specs):
            specs.append(OwnerSpec(service=service, kind="user", owner=SPECIAL_ADMIN, count=admin_repos))
    all_repos: List[ForgeRepo] = []
    all_plans: List[CommitPlan] = []
    with state.lock:
        for spec in specs:
            repos, plans = add_to_owner(state, spec, spec.count)
            all_repos.extend(repos)
            all_plans.extend(plans)
        for service in SERVICES:
            kind = "group" if service == "gitlab" else "org"
            if state.owner(service, PUSH_OWNER) is None:
                state.ensure_owner(service, kind, PUSH_OWNER)
            for login in logins:                       # every token's user exists up front
                state.ensure_owner(service, "user", login)
        publish(state, store, all_repos, all_plans)
        share_admin_projects(state, specs)
        star_repos(state, specs)


def share_admin_projects(state: ForgeState, specs: List[OwnerSpec]) -> None:
    """gitlab:GROUP:N:shared=K shares K of forge-admin's projects with GROUP,
    the trap of GitLab's with_shared=true default."""
    admin_ids = sorted(r.id for r in state.in_namespace("gitlab", SPECIAL_ADMIN))
    for spec in specs:
        want = int(spec.opts.get("shared", "0"))
        if spec.service == "gitlab" and spec.kind == "group" and want:
            group = state.owner("gitlab", spec.owner)
            if group is not None:
                group.shared = admin_ids[:want]


def star_repos(state: ForgeState, specs: List[OwnerSpec]) -> None:
    """SERVICE-user:LOGIN:N:starred=K: the user stars K repos of the service,
    spread evenly over them by id (so several owners, the user's own among
    them when it has repos), one star a minute from 2020-01-01 on."""
    for spec in specs:
        want = int(spec.opts.get("starred", "0"))
        if not want or spec.kind != "user" or spec.service not in SERVICES:
            continue
        ids = sorted(state.repos[spec.service])
        ids = ids[::max(1, len(ids) // want)][:want]
        for n, rid in enumerate(ids):
            state.star(spec.service, spec.owner, rid, 1577836800 + 60 * n)


def ensure_push_namespace(state: ForgeState, service: str, namespace: str) -> ForgeOwner:
    if service == "gitlab":
        return state.ensure_group_path(namespace)
    return state.ensure_owner(service, "org", namespace)
