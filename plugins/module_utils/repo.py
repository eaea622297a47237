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

    @property
    def key(self) -> str:
        """Stable identity across renames: provider, host and id."""
        return "%s:%s:%d" % (self.provider, self.host, self.id)

    def as_dict(self, fields: Optional[Tuple[str, ...]] = None) -> Dict[str, Any]:
        data = asdict(self)
        data["topics"] = list(self.topics)
        if fields:
            return {k: data[k] for k in fields if k in data}
        return data


REPO_FIELDS = tuple(Repo.__dataclass_fields__)
