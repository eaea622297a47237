# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one record every provider yields and every later stage reads.

Providers translate three different wire formats into this, so selection,
planning, the journal and the front doors never look at forge JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field, asdict
from typing import Any, Dict, Optional, Tuple


@dataclass(frozen=True)
class Repo:
    provider: str                 # github | gitlab | gitea | bitbucket | bitbucket_server
    host: str                     # host[:port] of the forge, e.g. github.com
    owner: str                    # the owner that was listed (org, group path, user)
    name: str                     # the repo's own name (last path segment)
    full_path: str                # owner/name; GitLab: group/sub/name
    id: int                       # the forge's stable numeric id (Bitbucket Cloud: derived from its uuid)
    clone_url: str                # https
    ssh_url: str = ""
    web_url: str = ""
    default_branch: str = ""
    archived: bool = False
    fork: bool = False
    visibility: str = "public"    # public | private | internal
    empty: bool = False
    disabled: bool = False
    topics: Tuple[str, ...] = field(default_factory=tuple)
    language: Optional[str] = None
    size_kb: int = 0
    # The forge's own "something changed" marker: GitHub pushed_at, GitLab
    # last_activity_at, Gitea updated_at, Bitbucket Cloud updated_on; ""
    # where the forge has none (Bitbucket Data Center): then git is asked.
    # Opaque: only compared for equality.
    marker: str = ""
    # When the repository last saw activity, ISO 8601 as the forge renders it
    # (GitHub pushed_at, GitLab last_activity_at, Gitea updated_at, Bitbucket
    # Cloud updated_on; "" where the forge lists none): what pushed_within reads.
    pushed_at: str = ""
    # How many users starred it (GitHub stargazers_count, GitLab star_count,
    # Gitea stars_count; 0 on Bitbucket, which has no stars): what min_stars reads.
    stars: int = 0
    # Whether the forge says the repository's wiki is enabled (GitHub and
    # Gitea has_wiki, GitLab wiki_access_level / wiki_enabled). Enabled is
    # not created: a wiki never written to has no git repository yet.
    wiki: bool = False
    # What this record is: "repo", or an extra synced beside repositories
    # (extras.py): "wiki" (NAME.wiki.git), "gist" (GitHub), "snippet" (GitLab).
    kind: str = "repo"
    # The extra's own identity: the repo id of a wiki, a gist's hex id, a snippet's id.
    ref: str = ""

    @property
    def key(self) -> str:
        """Stable identity across renames: provider, host and id (an extra:
        its kind and ref, e.g. github:github.com:wiki-42)."""
        if self.kind != "repo":
            return "%s:%s:%s-%s" % (self.provider, self.host, self.kind, self.ref or self.id)
        return "%s:%s:%d" % (self.provider, self.host, self.id)

    def as_dict(self, fields: Optional[Tuple[str, ...]] = None) -> Dict[str, Any]:
        data = asdict(self)
        data["topics"] = list(self.topics)
        return {k: data[k] for k in (fields or REPO_FIELDS) if k in data}


# What org_repos_info returns: a repository's fields (kind and ref only
# describe the extras a sync adds, extras.py).
REPO_FIELDS = tuple(f for f in Repo.__dataclass_fields__ if f not in ("kind", "ref"))
