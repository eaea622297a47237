# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Push each mirror whose source changed to a second remote (`push-to`).

Why a journal of its own: "changed in this run" alone would lose pushes. A
push that failed, a run killed between clone and push, or push-to added to
an existing mirror would leave the target behind for good, because the next
run sees the source unchanged. So a repository is pushed when it changed in
this run, or when the push journal has no successful push of the same
forge marker to the same URL. A second run over an unchanged forge pushes
nothing.

The token reaches git the way the source token does: gitrunner.GitRunner
puts an `http.<origin>/.extraHeader` in the environment of each git process,
scoped to the push target's origin, never in argv, the URL or a config file.
"""

from __future__ import annotations

import os
import string
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional
from urllib.parse import quote, urlsplit

from .errors import BulkCloneError, ConfigError
from .gitrunner import GitError, GitRunner, origin_of
from .journal import Journal
from .repo import Repo
from .outcome import Outcome

PUSH_PLACEHOLDERS = ("owner", "name", "full_path", "host", "provider", "owner_slug", "full_path_slug")
PUSHED = "pushed"
MAX_KEPT_FAILURES = 1000


def validate_push_template(template: str) -> None:
    """Refuse a template that cannot name one repository per source repository,
    or that carries a credential (it would end up in logs and .git/config)."""
    if not template or not template.strip():
        raise ConfigError("push_to is empty: give a URL template such as "
                          "https://gitlab.example.com/backup/{owner_slug}/{name}.git")
    try:
        parsed = [(f, spec, conv) for _literal, f, spec, conv in string.Formatter().parse(template)
                  if f is not None]
        fields = [f for f, _spec, _conv in parsed]
        specs = [(spec, conv) for _f, spec, conv in parsed]
    except ValueError as exc:
        raise ConfigError("push_to %r is malformed (%s)" % (template, exc)) from None
    unknown = [f for f in fields if f not in PUSH_PLACEHOLDERS]
    if unknown or any(s or c for s, c in specs):
        raise ConfigError("push_to %r: {%s} is not allowed; use only %s" % (
            template, (unknown or ["..."])[0], ", ".join("{%s}" % p for p in PUSH_PLACEHOLDERS)))
    if not {"name", "full_path", "full_path_slug"} & set(fields):
        raise ConfigError("push_to %r has no {name}, {full_path} or {full_path_slug}, so every repository "
                          "would be pushed to the same place" % template)
    probe = template.format_map({p: "x" for p in PUSH_PLACEHOLDERS})
    parts = urlsplit(probe)
    if parts.scheme in ("http", "https"):
        if parts.username or parts.password:
            raise ConfigError("push_to must not carry credentials in the URL: give the token as push_token "
                              "(BULK_CLONE_PUSH_TOKEN), it is passed to git through the environment")
        origin_of(probe)
    elif parts.scheme not in ("ssh", "file") and not (":" in probe and "@" in probe.split(":", 1)[0]):
        raise ConfigError("push_to %r is not an https, ssh or file URL" % template)


def render_push_url(template: str, repo: Repo) -> str:
    """The push URL of one repository; every value is URL-quoted, so a name
    from the forge cannot add a path segment, a query or a host."""
    owner_path = quote(repo.owner, safe="/")
    full = quote(repo.full_path, safe="/")
    values = {
        "owner": owner_path, "name": quote(repo.name, safe=""), "full_path": full,
        "host": quote(repo.host, safe=":"), "provider": quote(repo.provider, safe=""),
        # GitLab subgroups flattened for targets that do not nest (GitHub, Gitea).
        "owner_slug": quote(repo.owner.replace("/", "-"), safe=""),
        "full_path_slug": quote(repo.full_path.replace("/", "-"), safe=""),
    }
    for value in values.values():
        if value in (".", "..") or "/../" in "/%s/" % value:
            raise BulkCloneError("refusing to push %r: its name would change the target URL's path"
                                 % repo.full_path)
    return template.format_map(values)


def push_state_path(state_file: str) -> str:
    base = state_file[:-len(".jsonl")] if state_file.endswith(".jsonl") else state_file
    return base + ".push.jsonl"


@dataclass
class PushSettings:
    url_template: str
    token: Optional[str] = field(default=None, repr=False)
    username: str = "x-access-token"
    concurrency: int = 4
    timeout: float = 3600.0
    tries: int = 3
    backoff_base: float = 2.0


@dataclass
class PushFailure:
    full_path: str
    url: str
    reason: str

    def as_dict(self) -> Dict[str, str]:
        return {"full_path": self.full_path, "url": self.url, "reason": self.reason}


class PushMirror:
    """Decides per repository whether to push, and pushes in a bounded pool.

    ``consider`` is the engine's on_repo hook: it must never raise (an
    exception there would end an engine worker), and it blocks when the pool
    is busy, which slows the clones rather than piling up pushes in memory.
    """

    def __init__(self, settings: PushSettings, dest: str, state_file: str) -> None:
        validate_push_template(settings.url_template)
        if settings.concurrency < 1:
            raise ConfigError("push concurrency must be at least 1")
        self.s = settings
        self.dest = dest
        self.journal = Journal.open(push_state_path(state_file))
        self.pushed = 0
        self.up_to_date = 0
        self.failed = 0
        self.failures: List[PushFailure] = []
        self._lock = threading.Lock()
        self._runners: Dict[str, GitRunner] = {}
        self._slots = threading.BoundedSemaphore(settings.concurrency * 2)
        self._pool = ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="bulk-clone-push")

    # -- deciding --------------------------------------------------------
    def needs_push(self, repo: Repo, changed: bool, url: str) -> bool:
        if changed:
            return True
        entry = self.journal.get(repo.key)
        return entry is None or entry.outcome != PUSHED or entry.path != url or entry.marker != repo.marker

    def consider(self, repo: Repo, report: Any) -> None:
        """on_repo(repo, RepoReport): queue a push when the source changed."""
        try:
            if not Outcome(report.outcome).synced or not report.path:
                return
            url = render_push_url(self.s.url_template, repo)
            if not self.needs_push(repo, bool(report.changed), url):
                with self._lock:
                    self.up_to_date += 1
                return
            self._slots.acquire()
            try:
                self._pool.submit(self._push_guarded, repo, report.path, report.head, url)
            except BaseException:
                self._slots.release()
                raise
        except Exception as exc:  # never let a push problem end an engine worker
            self._fail(repo.full_path, "", "unexpected %s: %s" % (exc.__class__.__name__, exc))

    # -- pushing ---------------------------------------------------------
    def _runner_for(self, url: str) -> GitRunner:
        parts = urlsplit(url)
        origin = origin_of(url) if parts.scheme in ("http", "https") else ""
        with self._lock:
            runner = self._runners.get(origin)
            if runner is None:
                token = self.s.token if origin else None
                runner = GitRunner(timeout=self.s.timeout, token=token, origin=origin or None,
                                   username=self.s.username, tries=self.s.tries,
                                   backoff_base=self.s.backoff_base)
                self._runners[origin] = runner
        return runner

    def _push_guarded(self, repo: Repo, rel: str, head: Optional[str], url: str) -> None:
        try:
            self._push(repo, rel, head, url)
        except Exception as exc:
            self._fail(repo.full_path, url, "unexpected %s: %s" % (exc.__class__.__name__, exc))
        finally:
            self._slots.release()

    def _push(self, repo: Repo, rel: str, head: Optional[str], url: str) -> None:
        source = os.path.join(self.dest, *rel.split("/"))
        runner = self._runner_for(url)
        refs = runner.run(["for-each-ref", "--count=1", "--format=%(refname)"], cwd=source, check=False)
        if refs.ok and not refs.stdout.strip():
            # An empty repository has nothing to push, and git refuses to
            # push "no refs" as an error; it is up to date by definition.
            self.journal.record(repo.key, marker=repo.marker, head=head, path=url, outcome=PUSHED,
                                full_path=repo.full_path)
            with self._lock:
                self.up_to_date += 1
            return
        try:
            result = runner.run(["push", "--mirror", "--porcelain", url], cwd=source, retry=True)
        except GitError as exc:
            self._fail(repo.full_path, url, str(exc))
            return
        self.journal.record(repo.key, marker=repo.marker, head=head, path=url, outcome=PUSHED,
                            full_path=repo.full_path)
        with self._lock:
            if _pushed_nothing(result.stdout):
                self.up_to_date += 1
            else:
                self.pushed += 1

    def _fail(self, full_path: str, url: str, reason: str) -> None:
        with self._lock:
            self.failed += 1
            if len(self.failures) < MAX_KEPT_FAILURES:
                self.failures.append(PushFailure(full_path, url, reason))

    # -- ending ----------------------------------------------------------
    def close(self) -> Dict[str, Any]:
        """Wait for the pushes in flight; the result for the report."""
        self._pool.shutdown(wait=True)
        try:
            self.journal.compact()
        finally:
            self.journal.close()
        return self.result()

    def kill_all(self) -> None:
        for runner in list(self._runners.values()):
            runner.kill_all()

    def result(self) -> Dict[str, Any]:
        with self._lock:
            return {"url": self.s.url_template, "pushed": self.pushed, "up_to_date": self.up_to_date,
                    "failed": self.failed, "failures": [f.as_dict() for f in self.failures]}


def _pushed_nothing(porcelain: str) -> bool:
    """`git push --porcelain` marks each ref: '=' up to date, anything else moved."""
    flags = [line[0] for line in porcelain.splitlines() if line[:1] in ("=", " ", "+", "-", "*", "!")
             and "\t" in line]
    return bool(flags) and all(flag == "=" for flag in flags)


__all__ = ["PUSH_PLACEHOLDERS", "PushMirror", "PushSettings", "push_state_path", "render_push_url",
           "validate_push_template"]
