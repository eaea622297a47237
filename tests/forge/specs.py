# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parse owner specs (`SERVICE:OWNER:COUNT[:opt=v,...]`) into records.

The grammar is documented in tests/forge/__init__.py; this module only turns
strings into `OwnerSpec` so the rest of the forge never parses text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List

# Services that also get the admin user's repos and the push-to-create owner.
SERVICES = ("github", "gitlab", "gitea")
# Bitbucket Cloud (workspaces) and Data Center (projects, ~user personal projects).
BITBUCKET_SERVICES = ("bitbucket", "bitbucket-server")
ALL_SERVICES = SERVICES + BITBUCKET_SERVICES
_OWNER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
# The spec's SERVICE word -> (service, owner kind).
_WORDS = {
    "github": ("github", "org"), "github-user": ("github", "user"),
    "gitlab": ("gitlab", "group"), "gitlab-user": ("gitlab", "user"),
    "gitea": ("gitea", "org"), "gitea-user": ("gitea", "user"),
    "bitbucket": ("bitbucket", "workspace"),
    "bitbucket-server": ("bitbucket-server", "project"),
    "bitbucket-server-user": ("bitbucket-server", "user"),
}


@dataclass(frozen=True)
class OwnerSpec:
    service: str          # github | gitlab | gitea | bitbucket | bitbucket-server
    kind: str             # org | user | group | workspace | project
    owner: str            # login, GitLab group full path, workspace, project key or ~user
    count: int
    opts: Dict[str, str] = field(default_factory=dict)

    @property
    def big(self) -> int:
        return int(self.opts.get("big", "0"))

    @property
    def flat(self) -> bool:
        return self.opts.get("flat", "0") not in ("0", "", "false", "no")


def parse_spec(text: str) -> OwnerSpec:
    parts = text.strip().split(":")
    if len(parts) not in (3, 4):
        raise ValueError("bad forge spec %r: want SERVICE:OWNER:COUNT[:opt=v,...]" % text)
    service_word, owner, count_text = parts[0], parts[1], parts[2]
    if service_word not in _WORDS:
        raise ValueError("bad forge spec %r: service must be one of %s" % (text, ", ".join(_WORDS)))
    service, kind = _WORDS[service_word]
    if service_word == "bitbucket-server-user":
        owner = "~" + owner.lstrip("~")        # a personal project's key is ~USER
    bare = owner[1:] if kind == "user" and service == "bitbucket-server" else owner
    if not _OWNER_RE.match(bare) or ("/" in owner and (service != "gitlab" or kind == "user")):
        raise ValueError("bad forge spec %r: owner %r is not a valid name" % (text, owner))
    try:
        count = int(count_text)
    except ValueError:
        raise ValueError("bad forge spec %r: COUNT must be an integer" % text) from None
    if count < 0:
        raise ValueError("bad forge spec %r: COUNT must be >= 0" % text)
    opts: Dict[str, str] = {}
    if len(parts) == 4 and parts[3]:
        for item in parts[3].split(","):
            key, sep, value = item.partition("=")
            if not sep:
                raise ValueError("bad forge spec %r: option %r needs a value (opt=v)" % (text, item))
            opts[key.strip()] = value.strip()
    return OwnerSpec(service=service, kind=kind, owner=owner, count=count, opts=opts)


def parse_specs(texts: Iterable[str]) -> List[OwnerSpec]:
    return [parse_spec(t) for t in texts]
