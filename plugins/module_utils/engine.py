# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""list -> select -> plan -> work -> record: the bulk clone pipeline.

The listing streams repos one page ahead; this thread plans each repo against
the state journal and hands only real work to a bounded queue, so a busy pool
of git workers pauses the listing (backpressure) and memory stays flat: what
grows with the org is the journal's small tuples and a set of keys.
"""

from __future__ import annotations

import errno
import os
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Set
from urllib.parse import urlsplit

from .errors import BulkCloneError, ConfigError, StateError
from .gitrunner import GitRunner
from .journal import Journal, default_path
from .layout import PathError, render_path, resolve, validate_template
from .listing import Listing
from .progress import Progress
from .repo import Repo
from .sync import (CLONED, FAILED, SKIPPED, STRATEGIES, UNCHANGED, UPDATED, SyncOptions, SyncResult,
                   sync_repo)
from . import prune as prune_mod

RETURN_REPOS = ("none", "changed", "all")
NOT_REPO_OUTCOMES = ("gone", "pruned")
PROTOCOLS = ("https", "ssh")
# GitLab moves last_activity_at at most about once an hour, so an unchanged
# marker proves nothing about pushes made within an hour after it.
GITLAB_ACTIVITY_GRANULARITY = 3600.0


@dataclass
class SyncSettings:
    dest: str
    path_template: str = "{owner}/{name}"
    strategy: str = "pull"
    concurrency: int = 8
    depth: Optional[int] = None
    filter: Optional[str] = None
    branch: Optional[str] = None
    submodules: bool = False
    protocol: str = "https"
    state_file: Optional[str] = None
    prune: bool = False
    force: bool = False
    max_failures: int = 0
    return_repos: str = "changed"
    progress_file: Optional[str] = None
    check_mode: bool = False
    git_timeout: float = 3600.0
    git_tries: int = 4
    git_backoff_base: float = 2.0
    gitlab_granularity: float = GITLAB_ACTIVITY_GRANULARITY

    @property
    def journal_path(self) -> str:
        return self.state_file or default_path(self.dest)


def build_sync_settings(dest: Optional[str], **options: Any) -> SyncSettings:
    """Check the sync options together; each error names the option to change."""
    if not dest:
        raise ConfigError("dest is required: the folder the repositories are cloned into")
    dest = os.path.abspath(os.path.expanduser(dest))
    settings = SyncSettings(dest=dest, **{k: v for k, v in options.items() if v is not None})
    if settings.strategy not in STRATEGIES:
        raise ConfigError("strategy %r is not known: use one of %s" % (settings.strategy, ", ".join(STRATEGIES)))
    if settings.protocol not in PROTOCOLS:
        raise ConfigError("protocol %r is not known: use https or ssh" % settings.protocol)
    if settings.return_repos not in RETURN_REPOS:
        raise ConfigError("return_repos %r is not known: use one of %s" % (settings.return_repos,
                                                                           ", ".join(RETURN_REPOS)))
    if not 1 <= int(settings.concurrency) <= 256:
        raise ConfigError("concurrency must be between 1 and 256, not %r" % settings.concurrency)
    if settings.max_failures < -1:
        raise ConfigError("max_failures must be -1 (never fail), 0 or more, not %r" % settings.max_failures)
    if settings.strategy == "mirror":
        for option in ("depth", "branch", "filter"):
            if getattr(settings, option) is not None:
                raise ConfigError("%s cannot be used with strategy mirror: a mirror is a complete copy "
                                  "of every ref; remove %s or choose another strategy" % (option, option))
        if settings.submodules:
            raise ConfigError("submodules cannot be used with strategy mirror (a mirror has no work tree)")
    validate_template(settings.path_template)
    SyncOptions(strategy=settings.strategy, depth=settings.depth, filter=settings.filter,
                branch=settings.branch, submodules=settings.submodules, force=settings.force)
    _check_dest(settings)
    return settings


def _check_dest(settings: SyncSettings) -> None:
    dest = settings.dest
    parent = os.path.dirname(dest.rstrip(os.sep)) or os.sep
    if os.path.exists(dest):
        if not os.path.isdir(dest):
            raise ConfigError("dest %s exists and is not a folder: point dest at a folder" % dest)
        probe = dest
    elif not os.path.isdir(parent):
        raise ConfigError("the parent of dest, %s, does not exist: create it or choose another dest" % parent)
    else:
        probe = parent
    if not settings.check_mode and not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError("%s is not writable by this user: fix its permissions or choose another dest" % probe)
    state_dir = os.path.dirname(os.path.abspath(settings.journal_path))
    if settings.state_file and not os.path.isdir(state_dir):
        raise ConfigError("the folder of state_file, %s, does not exist: create it or choose another "
                          "state_file" % state_dir)


@dataclass
class RepoReport:
    full_path: str
    path: str
    outcome: str
    reason: str = ""
    head: Optional[str] = None
    changed: bool = False

    def as_dict(self) -> Dict[str, Any]:
        return {"full_path": self.full_path, "path": self.path, "outcome": self.outcome,
                "reason": self.reason, "head": self.head, "changed": self.changed}


@dataclass
class RunReport:
    counts: Counter = field(default_factory=Counter)
    failures: List[RepoReport] = field(default_factory=list)
    skipped: List[RepoReport] = field(default_factory=list)
    repos: List[RepoReport] = field(default_factory=list)
    gone: List[Dict[str, Any]] = field(default_factory=list)
    changed: bool = False
    duration: float = 0.0
    listing: Dict[str, Any] = field(default_factory=dict)
    complete_listing: bool = False
    state_file: str = ""
    check_mode: bool = False
    warnings: List[str] = field(default_factory=list)
    # Why the run stopped early (the journal cannot be written); None if it did not.
    fatal: Optional[str] = None

    def as_dict(self) -> Dict[str, Any]:
        counts = {k: self.counts.get(k, 0) for k in (CLONED, UPDATED, UNCHANGED, SKIPPED, FAILED)}
        counts.update({k: v for k, v in self.counts.items() if k not in counts})
        # Every repo outcome counts, "would clone"/"would update" of check mode too;
        # gone and pruned are about journal entries, not listed repos.
        counts["total"] = sum(v for k, v in self.counts.items() if k not in NOT_REPO_OUTCOMES)
        return {
            "changed": self.changed,
            "counts": counts,
            "failures": [r.as_dict() for r in self.failures],
            "skipped": [r.as_dict() for r in self.skipped],
            "repos": [r.as_dict() for r in self.repos],
            "gone": list(self.gone),
            "duration": round(self.duration, 3),
            "stats": self.listing,
            "state_file": self.state_file,
            "warnings": list(self.warnings),
        }


def _journal_hint(exc: BaseException) -> str:
    if getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
        return "free disk space where it lives, or choose another state_file"
    if getattr(exc, "errno", None) in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "fix the permissions of its folder, or choose another state_file"
    return "fix the cause, or choose another state_file"


def _epoch(marker: str) -> Optional[float]:
    try:
        return datetime.fromisoformat(marker.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        return None


class Engine:
    """One run over one listing into one dest."""

    def __init__(self, listing: Listing, settings: SyncSettings, progress: Optional[Progress] = None,
                 on_repo: Optional[Callable[[Repo, RepoReport], None]] = None) -> None:
        self.listing = listing
        self.s = settings
        self.progress = progress or Progress()
        self.on_repo = on_repo
        self.report = RunReport(state_file=settings.journal_path, check_mode=settings.check_mode)
        self._lock = threading.Lock()
        # After one failed write no other is tried: a write that succeeds after a
        # short one (a failed clone frees space) would bury a torn line mid-file.
        self._journal_broken = False
        self._runners: Dict[str, GitRunner] = {}
        self._opts = SyncOptions(strategy=settings.strategy, depth=settings.depth, filter=settings.filter,
                                 branch=settings.branch, submodules=settings.submodules, force=settings.force)
        self._auth = listing.provider.git_auth()

    # --- plan ---------------------------------------------------------------------------

    def _is_unchanged(self, repo: Repo, rel: str, journal: Journal) -> bool:
        """True when no git process is needed: the forge's marker says nothing moved."""
        entry = journal.get(repo.key)
        if entry is None or entry.path != rel:
            return False
        target = os.path.join(self.s.dest, *rel.split("/"))
        bare = self.s.strategy == "mirror"
        present = os.path.isfile(os.path.join(target, "HEAD")) if bare else \
            os.path.lexists(os.path.join(target, ".git"))
        if not present:
            return False
        strategy = (entry.outcome or "").partition(":")[0]
        if self.s.strategy == "clone":
            return True
        if strategy != self.s.strategy or not repo.marker or entry.marker != repo.marker:
            return False
        if repo.provider == "gitlab":
            marker_at, synced_at = _epoch(repo.marker), _epoch(entry.ts or "")
            if marker_at is None or synced_at is None or synced_at - marker_at < self.s.gitlab_granularity:
                return False
        return True

    # --- work ---------------------------------------------------------------------------

    def _runner_for(self, url: str) -> GitRunner:
        parts = urlsplit(url)
        origin = "%s://%s" % (parts.scheme, parts.netloc) if parts.scheme in ("http", "https") else ""
        with self._lock:
            runner = self._runners.get(origin)
            if runner is None:
                token = self._auth.token if (origin and self._auth.token) else None
                runner = GitRunner(timeout=self.s.git_timeout, token=token, origin=origin or None,
                                   username=self._auth.username, auth_header_for=self._auth.header,
                                   tries=self.s.git_tries,
                                   backoff_base=self.s.git_backoff_base)
                self._runners[origin] = runner
        return runner

    def _sync_one(self, repo: Repo, rel: str, journal: Journal) -> None:
        self.progress.started(repo)
        url = repo.ssh_url if self.s.protocol == "ssh" and repo.ssh_url else repo.clone_url
        try:
            target = resolve(self.s.dest, rel, repo.full_path)
            result = sync_repo(self._runner_for(url), target, url, repo.default_branch, self._opts)
        except BulkCloneError as exc:   # PathError included: a name that would leave dest
            result = SyncResult(FAILED, None, str(exc))
        except Exception as exc:  # one repo's surprise never stops the others
            result = SyncResult(FAILED, None, "unexpected %s: %s" % (exc.__class__.__name__, exc))
        old = self._old_location(repo, rel, journal)
        if old and result.outcome == CLONED:
            # Renamed or transferred on the forge (same id, new path). The old
            # clone may hold local work, so it is not moved or removed: say so
            # once, here, since the journal now points at the new path.
            result = SyncResult(result.outcome, result.head,
                                "%s; the forge renamed or moved it from %s, and the old clone there was left "
                                "alone (move any local work over, then delete it)" % (result.reason, old),
                                result.changed)
        try:
            self._record(repo, rel, result, journal)
        except (OSError, BulkCloneError) as exc:
            self._journal_broken = True
            # Without the journal a later run would redo this work and could not
            # resume: stop taking new work and say why.
            self._stop("the state journal %s could not be written (%s); %s. The clones made so far are "
                       "kept, and a re-run resumes" % (self.s.journal_path, getattr(exc, "strerror", None) or exc,
                                                       _journal_hint(exc)))
            result = SyncResult(result.outcome, result.head,
                                (result.reason + "; " if result.reason else "") + "not recorded in the state journal",
                                result.changed)
        self._finish(repo, rel, result)

    def _old_location(self, repo: Repo, rel: str, journal: Journal) -> Optional[str]:
        entry = journal.get(repo.key)
        if entry is None or not entry.path or entry.path == rel:
            return None
        return entry.path if os.path.lexists(os.path.join(self.s.dest, *entry.path.split("/"))) else None

    def _record(self, repo: Repo, rel: str, result: SyncResult, journal: Journal) -> None:
        if result.outcome in (CLONED, UPDATED) or (result.outcome == UNCHANGED and self.s.strategy != "clone"):
            line = dict(marker=repo.marker, outcome="%s:%s" % (self.s.strategy, result.outcome))
        elif result.outcome == UNCHANGED and (journal.get(repo.key) is None or journal.get(repo.key).path != rel):
            # Present on disk but never synced by us: remember where it is, with no
            # marker, so the next run still contacts git for it.
            line = dict(marker=None, outcome="clone:unchanged")
        else:
            return
        if self._journal_broken:
            raise StateError("an earlier write failed")
        journal.record(repo.key, head=result.head, path=rel, full_path=repo.full_path, **line)

    def _stop(self, why: str) -> None:
        with self._lock:
            if self.report.fatal is None:
                self.report.fatal = why

    def _finish(self, repo: Repo, rel: str, result: SyncResult) -> None:
        item = RepoReport(repo.full_path, rel, result.outcome, result.reason, result.head, result.changed)
        with self._lock:
            self.report.counts[result.outcome] += 1
            if result.changed:
                self.report.changed = True
            if result.outcome == FAILED:
                self.report.failures.append(item)
            elif result.outcome == SKIPPED:
                self.report.skipped.append(item)
            if self.s.return_repos == "all" or (self.s.return_repos == "changed" and
                                                (result.changed or result.outcome in (FAILED, SKIPPED))):
                self.report.repos.append(item)
        if result.outcome == FAILED:
            self.progress.failed(repo, result.reason)
        else:
            self.progress.done(repo, result.outcome)
        if self.on_repo:
            self.on_repo(repo, item)

    def _worker(self, work: "queue.Queue", journal: Journal) -> None:
        # A worker never dies of an exception: the listing thread would then
        # block forever on a full queue.
        while True:
            item = work.get()
            try:
                if item is None:
                    return
                repo, rel = item
                if self.report.fatal is not None:
                    self._finish(repo, rel, SyncResult(FAILED, None, "not attempted: the run stopped early"))
                else:
                    self._sync_one(repo, rel, journal)
            except Exception as exc:  # a bug of ours: report it, keep the run alive
                self._stop("internal error in a git worker: %s: %s" % (exc.__class__.__name__, exc))
            finally:
                work.task_done()

    # --- run ----------------------------------------------------------------------------

    def run(self) -> RunReport:
        started = time.monotonic()
        if not self.s.check_mode:
            os.makedirs(self.s.dest, exist_ok=True)
        readonly = self.s.check_mode
        if readonly and not os.path.exists(self.s.journal_path):
            journal = None
        else:
            try:
                journal = Journal.open(self.s.journal_path, readonly=readonly)
            except OSError as exc:
                raise StateError("cannot open the state journal %s (%s); %s" % (
                    self.s.journal_path, exc.strerror or exc, _journal_hint(exc))) from None
        try:
            self._run(journal)
        finally:
            if journal is not None:
                journal.close()
        self.report.duration = time.monotonic() - started
        self.report.listing = self.listing.stats()
        self.progress.finish()
        return self.report

    def _run(self, journal: Optional[Journal]) -> None:
        work: "queue.Queue" = queue.Queue(maxsize=max(2, self.s.concurrency * 2))
        threads: List[threading.Thread] = []
        if not self.s.check_mode:
            for index in range(self.s.concurrency):
                thread = threading.Thread(target=self._worker, args=(work, journal),
                                          name="bulk-clone-git-%d" % index, daemon=True)
                thread.start()
                threads.append(thread)
        seen: Set[str] = set()
        try:
            for repo in self.listing:
                if self.report.fatal is not None:
                    break
                seen.add(repo.key)
                self.progress.planned()
                try:
                    rel = render_path(self.s.path_template, repo)
                except PathError as exc:
                    self._finish(repo, "", SyncResult(FAILED, None, str(exc)))
                    continue
                if journal is not None and self._is_unchanged(repo, rel, journal):
                    self._finish(repo, rel, SyncResult(UNCHANGED, journal.get(repo.key).head,
                                                       "unchanged on the forge since the last sync"))
                    continue
                if self.s.check_mode:
                    exists = os.path.lexists(os.path.join(self.s.dest, *rel.split("/")))
                    outcome = ("would update" if self.s.strategy != "clone" else UNCHANGED) if exists \
                        else "would clone"
                    self._finish(repo, rel, SyncResult(outcome, None, "check mode", changed=outcome != UNCHANGED))
                    continue
                work.put((repo, rel))
            else:
                self.report.complete_listing = True
            self.progress.listing_done()
        finally:
            for _thread in threads:
                work.put(None)
            for thread in threads:
                thread.join()
        if self.report.fatal is not None:
            self.report.complete_listing = False
        if self.report.complete_listing and journal is not None:
            self._handle_gone(journal, seen)
            if not self.s.check_mode:
                try:
                    journal.compact()
                except OSError as exc:
                    # Compaction only saves space: the appended lines are complete
                    # and the next run reads them as they are.
                    self.report.warnings.append(
                        "the state journal %s was not compacted (%s); it stays valid and the next "
                        "run tries again" % (self.s.journal_path, exc.strerror or exc))

    def _handle_gone(self, journal: Journal, seen: Set[str]) -> None:
        """Repos we synced before that the forge no longer lists (or the selection dropped)."""
        for key in [k for k in journal.keys() if k not in seen]:
            entry = journal.get(key)
            info = {"key": key, "full_path": entry.full_path, "path": entry.path, "action": "reported"}
            if self.s.prune and entry.path and not self.s.check_mode:
                removed, why = prune_mod.prune_path(self.s.dest, entry.path, bare=self.s.strategy == "mirror",
                                                    runner=GitRunner(timeout=self.s.git_timeout))
                info["action"] = "removed" if removed else "kept"
                info["reason"] = why
                if removed:
                    journal.forget(key)
                    self.report.counts["pruned"] += 1
                    self.report.changed = True
            elif self.s.prune and self.s.check_mode:
                info["action"] = "would remove if nothing unpushed"
            self.report.counts["gone"] += 1
            self.report.gone.append(info)


def bulk_clone(forge: Dict[str, Any], owners: List[str], owner_kind: Optional[str],
               selection: Dict[str, Any], sync: Dict[str, Any],
               progress: Optional[Progress] = None,
               on_wait: Optional[Callable[[float, str], None]] = None) -> Dict[str, Any]:
    """The whole job for a front door: validate everything, run, summarise.

    Returns the result dict plus `failed` (bool) and `msg` when the failures
    went past max_failures.
    """
    from .listing import open_listing
    from .progress import ProgressFileWriter
    settings = build_sync_settings(**sync)
    listing = open_listing(forge, owners, owner_kind, selection, on_wait=on_wait)
    progress = progress or Progress()
    if settings.progress_file:
        progress.subscribe(ProgressFileWriter(settings.progress_file))
    report = Engine(listing, settings, progress).run()
    result = report.as_dict()
    msg = failure_verdict(report, settings.max_failures)
    if msg is not None:
        result["failed"] = True
        result["msg"] = msg
    return result


def failure_verdict(report: RunReport, max_failures: int, extra_failures: int = 0,
                    extra_what: str = "") -> Optional[str]:
    """Why the task fails, or None: one wording for every front door.

    extra_failures counts failures outside the engine (the Action's pushes),
    described by extra_what (e.g. " or could not be pushed").
    """
    if report.fatal is not None:
        return "the run stopped early: %s" % report.fatal
    failures = report.counts.get(FAILED, 0) + extra_failures
    if max_failures < 0 or failures <= max_failures:
        return None
    total = report.as_dict()["counts"]["total"]
    shown = "; ".join("%s: %s" % (f.full_path, f.reason) for f in report.failures[:5])
    more = " (and %d more)" % (len(report.failures) - 5) if len(report.failures) > 5 else ""
    return ("%d of %d repositories failed%s (max_failures is %d)%s%s. Re-run to retry them; "
            "completed repositories are not redone." % (
                failures, total, extra_what if extra_failures else "", max_failures,
                (": " + shown) if shown else "", more))
