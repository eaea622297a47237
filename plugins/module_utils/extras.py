# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a sync clones beside repositories: wikis, gists and snippets.

Each extra is a Repo record of its own kind (repo.py: kind, ref) that goes
through the same plan, work and record stages as a repository, so it gets
the same temp-then-rename clones, credentials bound to the forge's origin,
retries, journal lines and prune rules.

Wikis (docs/forge-wire.md, "Wikis"): the listing says whether a wiki is
enabled (has_wiki, wiki_access_level); the wiki's git repository sits at the
repository's URL with `.wiki` before `.git` and is cloned beside it as
NAME.wiki. A wiki that is enabled but was never written to has no git
repository: git answers "repository not found", which is "no wiki", not a
failure. A wiki has no change marker of its own, so a re-sync asks git:
one `git ls-remote` (the ref advertisement) compared with the refs the
clone holds, and a fetch only when they differ.

Gists and snippets: the provider lists them (Provider.gists for an owner,
Provider.repo_gists for a project) as records of kind gist or snippet with
their git pull URL; they go where gists_path_template says.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Dict, Optional

from .gitrunner import GitError, GitRunner
from .outcome import Outcome, SyncResult
from .repo import Repo
from .strategies import SyncOptions
from .sync import same_repo_url, sync_repo
from .worktree import Clone, Kind, inspect

WIKI = "wiki"
GIST_KINDS = ("gist", "snippet")
WIKI_SUFFIX = ".wiki"
NO_WIKI = ("no wiki: enabled on the forge but never written to (git answered repository not found); "
           "nothing to clone")
WIKI_SAME = "wiki unchanged (git ls-remote: the same refs as the clone)"


def wiki_url(url: str) -> str:
    """https://h/o/r.git -> https://h/o/r.wiki.git (git@h:o/r.git alike)."""
    base = url.rstrip("/")
    if base.endswith(".git"):
        base = base[:-4]
    return base + WIKI_SUFFIX + ".git"


def wiki_of(repo: Repo) -> Optional[Repo]:
    """The wiki record of a repository whose wiki is enabled, else None."""
    if repo.kind != "repo" or not repo.wiki or not repo.clone_url:
        return None
    return dataclasses.replace(
        repo, name=repo.name + WIKI_SUFFIX, full_path=repo.full_path + WIKI_SUFFIX,
        clone_url=wiki_url(repo.clone_url), ssh_url=wiki_url(repo.ssh_url) if repo.ssh_url else "",
        web_url=(repo.web_url.rstrip("/") + "/wiki") if repo.web_url else "",
        # The wiki's own default branch: whatever its HEAD names (origin/HEAD).
        default_branch="", empty=False, topics=(), language=None, size_kb=0,
        # No marker of its own: a re-sync asks git (ls-remote), see sync_wiki.
        marker="", wiki=False, kind=WIKI, ref=str(repo.id))


def _advertised(text: str) -> Dict[str, str]:
    refs: Dict[str, str] = {}
    for line in text.splitlines():
        sha, _sep, name = line.strip().partition("\t")
        if name.startswith(("refs/heads/", "refs/tags/")) and not name.endswith("^{}"):
            refs[name] = sha
    return refs


def same_refs(runner: GitRunner, clone: Clone, bare: bool) -> bool:
    """Whether the forge advertises exactly the branches (and, for a mirror,
    the tags) the clone already holds: one ls-remote request, no fetch."""
    remote = _advertised(clone.git("ls-remote", "origin", retry=True).stdout)
    pattern = ["refs/heads/", "refs/tags/"] if bare else ["refs/remotes/origin/"]
    listed = runner.run(["for-each-ref", "--format=%(objectname)\t%(refname)"] + pattern, cwd=clone.path).stdout
    local: Dict[str, str] = {}
    for line in listed.splitlines():
        sha, _sep, name = line.partition("\t")
        if not bare:
            if name == "refs/remotes/origin/HEAD":
                continue
            name = "refs/heads/" + name[len("refs/remotes/origin/"):]
        local[name] = sha
    if not bare:
        remote = {k: v for k, v in remote.items() if k.startswith("refs/heads/")}
    return remote == local


def sync_wiki(runner: GitRunner, target: Path, url: str, opts: SyncOptions,
              temp_dir: Optional[Path] = None) -> SyncResult:
    """sync_repo for a wiki: an existing clone is fetched only when ls-remote
    shows other refs, and a wiki that was never created is "no wiki"."""
    strategy = opts.plan
    kind = inspect(target)
    if strategy.touches_existing and kind == (Kind.BARE if strategy.bare else Kind.WORKTREE):
        clone = Clone(runner, target)
        origin = clone.origin_url()
        try:
            if origin is not None and same_repo_url(origin, url) and same_refs(runner, clone, strategy.bare):
                return SyncResult(Outcome.UNCHANGED, clone.head(), WIKI_SAME)
        except GitError:
            pass        # sync_repo below runs the fetch and reports what git says
    result = sync_repo(runner, target, url, "", opts, temp_dir=temp_dir)
    if result.outcome == Outcome.FAILED and "repository not found" in result.reason.lower():
        # Unchanged, not skipped: there is nothing to hold back, and the forge's
        # state (no wiki content) is what is on disk. Skipped would list every
        # such wiki under "held back", which means local work to look at.
        return SyncResult(Outcome.UNCHANGED, None, NO_WIKI)
    return result
