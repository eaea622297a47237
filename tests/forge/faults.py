# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Injected faults: which request they hit, and how many times.

Schema (a dict; see tests/forge/__init__.py for each kind's own keys):
  kind     secondary | primary | status | truncate | slow | gitlab_429 |
           graphql_rate_limited | reset_pack | stall_pack | git_status | mutate |
           drop_field | strip_link | git_redirect | foreign_clone_url
  service  github | gitlab | gitea | git   (GraphQL counts as github)
  path     optional regex, searched in the raw request target (path?query)
  after    fire starting with the Nth matching request (1-based, default 1)
  times    how many times to fire (default 1; -1 = forever)
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

KINDS = {
    "secondary": ("github",),
    "primary": ("github",),
    "graphql_rate_limited": ("github",),
    "gitlab_429": ("gitlab",),
    "status": ("github", "gitlab", "gitea", "git"),
    "truncate": ("github", "gitlab", "gitea"),
    "drop_field": ("github", "gitlab", "gitea"),
    "strip_link": ("github", "gitlab", "gitea"),
    "slow": ("github", "gitlab", "gitea", "git"),
    "mutate": ("github", "gitlab", "gitea", "git"),
    "reset_pack": ("git",),
    "stall_pack": ("git",),
    "git_status": ("git",),
    "git_redirect": ("git",),
    "foreign_clone_url": ("github", "gitlab", "gitea"),
}


@dataclass
class Fault:
    id: str
    kind: str
    service: str
    spec: Dict[str, Any]
    path: Optional["re.Pattern[str]"] = None
    after: int = 1
    times: int = 1
    seen: int = 0
    fired: int = 0
    # pack faults only count requests that carry a pack (see matches())
    pack_only: bool = field(default=False)

    def get(self, key: str, default: Any = None) -> Any:
        return self.spec.get(key, default)


class FaultBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: List[Fault] = []
        self._ids = itertools.count(1)

    def add(self, spec: Dict[str, Any]) -> str:
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ValueError("unknown fault kind %r; known: %s" % (kind, ", ".join(sorted(KINDS))))
        service = spec.get("service") or KINDS[kind][0]
        if service not in KINDS[kind]:
            raise ValueError("fault kind %r applies to %s, not %r" % (kind, "/".join(KINDS[kind]), service))
        if kind == "git_redirect" and not spec.get("location"):
            raise ValueError("fault git_redirect needs a location (a URL, e.g. a CaptureServer's)")
        if kind == "foreign_clone_url" and not str(spec.get("base") or "").startswith(("http://", "https://")):
            raise ValueError("fault foreign_clone_url needs base, an http(s) URL of the other host")
        path = spec.get("path")
        fault = Fault(id="f%d" % next(self._ids), kind=kind, service=service, spec=dict(spec),
                      path=re.compile(path) if path else None,
                      after=max(1, int(spec.get("after", 1))), times=int(spec.get("times", 1)),
                      pack_only=kind in ("reset_pack", "stall_pack"))
        with self._lock:
            self._faults.append(fault)
        return fault.id

    def clear(self) -> None:
        with self._lock:
            self._faults = []

    def list(self) -> List[Dict[str, Any]]:
        with self._lock:
            return [dict(f.spec, id=f.id, seen=f.seen, fired=f.fired) for f in self._faults]

    def match(self, service: str, target: str, carries_pack: bool = False) -> Optional[Fault]:
        """The first fault that fires for this request; every matching fault
        counts the request, so `after` means "the Nth matching request"."""
        chosen = None
        with self._lock:
            for fault in self._faults:
                if fault.service != service:
                    continue
                if fault.pack_only and not carries_pack:
                    continue
                if fault.path is not None and not fault.path.search(target):
                    continue
                fault.seen += 1
                if chosen is not None or fault.seen < fault.after:
                    continue
                if fault.times >= 0 and fault.fired >= fault.times:
                    continue
                fault.fired += 1
                chosen = fault
        return chosen
