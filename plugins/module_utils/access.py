# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which origins receive a credential, and one git runner per origin.

A listing is data from the network: a repository whose clone URL points at
another host than the forge's must not receive the forge's token. The pool
gives a URL on a trusted origin a runner bound to that origin with the
credential; any other URL a runner without it, and a note saying so
(docs/forge-wire.md, "git credentials and redirects").
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, Optional, Tuple, Union

from .gitrunner import GitRunner, origin_of, url_origin, withheld_note
from .lfs import skip_settings

TokenSource = Union[str, Callable[[], Optional[str]], None]


@dataclass(frozen=True)
class RunnerSettings:
    timeout: float = 3600.0
    tries: int = 4
    backoff_base: float = 2.0
    stall_timeout: float = 30.0


class RunnerPool:
    """One runner per (origin, with credential) pair, shared by worker threads.

    trusted None trusts every http(s) origin: the push target of push_to is
    the user's own choice, named in the option itself.
    """

    def __init__(self, token: TokenSource, username: str, trusted: Optional[FrozenSet[str]],
                 settings: RunnerSettings, header: Optional[Callable[[str], str]] = None) -> None:
        self.token = token
        self.username = username
        self.header = header          # the Authorization line for a token (default: Basic with username)
        self.trusted = trusted
        self.settings = settings
        self._runners: Dict[Tuple[str, bool], GitRunner] = {}
        self._lock = threading.Lock()

    @staticmethod
    def origins(scheme: str, hosts: Tuple[str, ...]) -> FrozenSet[str]:
        """Origins from hosts given as host[:port] (with scheme) or as origins."""
        return frozenset(origin_of(h if "://" in h else "%s://%s" % (scheme, h)) for h in hosts)

    def trusts(self, origin: Optional[str]) -> bool:
        return origin is not None and (self.trusted is None or origin in self.trusted)

    def runner_for(self, url: str) -> Tuple[GitRunner, Optional[str]]:
        """(runner, note): the note says why the credential was withheld, if it was."""
        origin = url_origin(url)      # None for ssh and scp-like URLs: git uses the host's ssh keys
        credential = self.token is not None and self.trusts(origin)
        note = withheld_note(url) if origin is not None and self.token is not None and not credential else None
        key = (origin or "", credential)
        with self._lock:
            runner = self._runners.get(key)
            if runner is None:
                s = self.settings
                lfs_env, lfs_config = skip_settings()
                runner = GitRunner(timeout=s.timeout, token=self.token if credential else None,
                                   origin=origin if credential else None, username=self.username,
                                   auth_header_for=self.header, tries=s.tries, backoff_base=s.backoff_base,
                                   stall_timeout=s.stall_timeout,
                                   # LFS smudge skipped in every git process (lfs.py)
                                   extra_env=lfs_env, config=lfs_config)
                self._runners[key] = runner
        return runner, note

    def plain(self) -> GitRunner:
        """A runner for local git work (inspecting a clone): no credential at all."""
        lfs_env, lfs_config = skip_settings()
        return GitRunner(timeout=self.settings.timeout, extra_env=lfs_env, config=lfs_config)
