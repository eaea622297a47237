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

SERVICES = ("github", "gitlab", "gitea")
_OWNER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


@dataclass(frozen=True)
class OwnerSpec:
    service: str          # github | gitlab | gitea
    kind: str             # org | user | group
    owner: str            # login, or GitLab group full path
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
    service, _, suffix = service_word.partition("-")
    if service not in SERVICES or suffix not in ("", "user"):
        raise ValueError("bad forge spec %r: service must be one of github, github-user, gitlab, "
                         "gitlab-user, gitea, gitea-user" % text)
    if not _OWNER_RE.match(owner) or ("/" in owner and (service != "gitlab" or suffix)):
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
    if suffix == "user":
        kind = "user"
    else:
        kind = "group" if service == "gitlab" else "org"
    return OwnerSpec(service=service, kind=kind, owner=owner, count=count, opts=opts)


def parse_specs(texts: Iterable[str]) -> List[OwnerSpec]:
    return [parse_spec(t) for t in texts]
