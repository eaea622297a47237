# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One job for every door: list -> select -> plan -> work -> record.

``build_job(values, door)`` checks every option together (each error names
the option to change) and ``run_job(spec, hooks)`` runs it. The doors (the
modules, the console and so the Action, the role through the module) differ
only in their hooks: how progress is shown, what happens per repository
(the summary tally, push mirrors) and how an interrupt arrives.

The listing streams repos one page ahead; a planner thread compares each
with the state journal and hands only real work to a bounded queue, so a
busy pool of git workers pauses the listing (backpressure) and memory stays
flat. The main thread only waits: for the planner and the workers to end,
or for an interrupt, which it answers within seconds (docs/architecture.md,
"Interrupts").
"""

from __future__ import annotations

import errno
import os
import queue
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Set, Tuple

from .config import ForgeConfig, OwnerRef, build_forge_config, build_owners, url_credentials
from .errors import AuthError, BulkCloneError, ConfigError, Interrupted, NotFoundError, StateError
from .extras import GIST_KINDS, WIKI, sync_wiki, wiki_of
from .lfs import check_git_lfs
from .gitprocess import GitInterrupted
from .access import RunnerPool, RunnerSettings
from .gitrunner import allow_git_again, terminate_all_git
from .idset import IdSet
from .journal import Entry, Journal, default_path
from .layout import RESERVED_PREFIX, PathError, render_path, resolve, validate_template
from .listing import Listing, make_listing
from .listing_cache import ListingCache, cache_dir_for
from .lock import DestLock
from .credentials import read_token_file, run_token_command, without_token_hint
from .options import (BULK_CLONE, BY_NAME, MUTUALLY_EXCLUSIVE, OPTIONS, ORG_REPOS, PROTOCOLS, RETURN_REPOS,
                      STRATEGIES, at, defaults, token_from_env)
from .outcome import Outcome, SyncResult
from .progress import Progress, ProgressFileWriter
from .prune import PruneSettings, Pruner
from .pushmirror import PushMirror, PushSettings, validate_push_template
from .redact import Redactor
from .repo import Repo
from .report import INTERRUPTED, NOT_ATTEMPTED, RepoReport, RunReport, report_path_for
from .selection import Selection, check_for_provider, compile_selection
from .strategies import SyncOptions
from .sync import LeftoverSweeper, sync_repo

TEMP_DIRNAME = RESERVED_PREFIX + "tmp"


# ---------------------------------------------------------------------------
# The job, validated
# ---------------------------------------------------------------------------

@dataclass
class SyncSettings:
    """The sync options, checked (build_sync_settings); their defaults live in options.py only."""

    dest: str
    options: SyncOptions
    path_template: str
    concurrency: int
    protocol: str
    state_file: Optional[str]
    max_failures: int
    return_repos: str
    return_limit: int
    progress_file: Optional[str]
    check_mode: bool
    prune: PruneSettings
    git_hosts: Tuple[str, ...]
    lock_timeout: float
    stall_timeout: float
    git_timeout: float
    git_tries: int
    git_backoff_base: float
    gitlab_granularity: float
    full_listing_interval: float = 86400.0
    wikis: bool = False
    gists: bool = False
    gists_path_template: str = "{owner}/gists/{name}"

    @property
    def strategy(self) -> str:
        return self.options.strategy

    @property
    def journal_path(self) -> str:
        return self.state_file or default_path(self.dest)

    @property
    def temp_dir(self) -> Path:
        return Path(self.dest) / TEMP_DIRNAME


@dataclass
class JobSpec:
    forge: ForgeConfig
    owners: Tuple[OwnerRef, ...]
    selection: Selection
    sync: Optional[SyncSettings] = None
    push: Optional[PushSettings] = None
    summary_template: Optional[str] = None
    diff: bool = False
    shard: Optional[str] = None
    fields: Tuple[str, ...] = ()
    secrets: Tuple[str, ...] = field(default=(), repr=False)

    def redactor(self) -> Redactor:
        return Redactor(self.secrets)


def door_redactor(values: Mapping[str, Any], environ: Optional[Mapping[str, str]] = None) -> Redactor:
    """Every secret a door was handed, before any check: the secret options,
    the token the environment supplies when the option is not given, and
    credentials wrongly put in a URL (refused by build_job, but a door may
    already echo its arguments, as Ansible does at -vvv)."""
    environ = os.environ if environ is None else environ
    secrets: List[Optional[str]] = [values.get(o.name) for o in OPTIONS if o.secret]
    secrets.append(token_from_env(values.get("provider") or "github", environ)[0])
    for name in ("api_url", "push_to"):
        if isinstance(values.get(name), str):
            secrets += url_credentials(values[name])
    return Redactor(s for s in secrets if isinstance(s, str))


def _int_at_least(name: str, value: Any, low: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError("%s must be %s, not %r" % (name, what, value))
    return value


def build_job(values: Mapping[str, Any], door: str = BULK_CLONE, check_mode: bool = False, diff: bool = False,
              environ: Optional[Mapping[str, str]] = None, sources: Optional[Mapping[str, str]] = None) -> JobSpec:
    """Every option checked together, before any request; values not given
    take the table's defaults (options.py). ``environ`` supplies the token
    when the option is not given (default: this process's environment);
    ``sources`` names the environment variable a secret option was read
    from, so that an error about it says where to fix it."""
    environ = os.environ if environ is None else environ
    unknown = sorted(set(values) - set(BY_NAME))
    if unknown:
        raise ConfigError("unknown option %s: see the options of %s" % (", ".join(unknown), door))
    v: Dict[str, Any] = defaults(door)
    v.update({k: val for k, val in values.items() if val is not None})
    sync = push = None
    if door != ORG_REPOS:
        sync = build_sync_settings(v, check_mode)
        if v.get("push_to"):
            validate_push_template(v["push_to"])     # first: it refuses credentials before any message shows it
            if sync.strategy != "mirror":
                raise ConfigError("push_to needs strategy mirror: only a mirror holds every ref to push; "
                                  "set strategy: mirror or remove push_to")
            push = PushSettings(url_template=v["push_to"], token=v.get("push_token") or None,
                                username=v.get("push_username") or "x-access-token", concurrency=sync.concurrency,
                                token_source=(sources or {}).get("push_token"))
        if v.get("summary_template") and not os.path.isfile(v["summary_template"]):
            raise ConfigError("summary_template %s is not a readable file: give the path of a Jinja2 template"
                              % v["summary_template"])
    for group in MUTUALLY_EXCLUSIVE:
        given = [name for name in group if v.get(name)]
        # token with app_id is config.py's to explain (it names every App setting).
        if len(given) > 1 and set(given) & {"token_file", "token_command"}:
            raise ConfigError("give only one of %s: each is a way to supply the credential" % " and ".join(given))
    secret_sources = dict(sources or {})
    token = v.get("token")
    if not token and not v.get("app_id"):
        if v.get("token_file"):
            token = read_token_file(v["token_file"])
        elif v.get("token_command"):
            token = run_token_command(v["token_command"], environ=environ)
        else:
            token, env_name = token_from_env(v.get("provider") or "github", environ)
            if env_name:
                secret_sources["token"] = env_name
    forge = build_forge_config(
        provider=v.get("provider"), api_url=v.get("api_url"), token=token, secret_sources=secret_sources,
        username=v.get("username"), with_shared=bool(v.get("with_shared")),
        app_id=v.get("app_id"), app_private_key=v.get("app_private_key"),
        app_installation_id=v.get("app_installation_id"), api=v.get("api"), max_wait=v.get("max_wait"),
        max_calls_per_second=v.get("max_calls_per_second"), validate_certs=v.get("validate_certs", True),
        timeout=v.get("timeout"), per_page=v.get("per_page"), secondary_min_wait=v.get("secondary_min_wait"),
        max_tries=v.get("max_tries"), retry_base=v.get("retry_base"))
    if sync is not None:
        _check_extras(forge.provider, sync)
    owners = build_owners(forge.provider, v.get("owners") or [], v.get("owner_kind"))
    if any(o.kind == "all" for o in owners) and forge.host.lower() in ("gitlab.com", "www.gitlab.com"):
        raise ConfigError("owner_kind all lists every project the token can see: on gitlab.com that is every public "
                          "project of the site (millions). Use it on your own GitLab instance (api_url), or name "
                          "groups and users in owners")
    if any(o.kind == "starred" and not o.name for o in owners) and (forge.app_id or not forge.token):
        raise ConfigError("owner_kind starred with no owners lists the stars of the token's own user: give a "
                          "personal token (a GitHub App installation has no user), or name the users in owners")
    selection = compile_selection(**{o.name: v.get(o.name) for o in at(ORG_REPOS) if o.group == "selection"})
    check_for_provider(selection, forge.provider)
    secrets = tuple(s for s in (forge.token, forge.app_private_key, push.token if push else None) if s)
    return JobSpec(forge=forge, owners=owners, selection=selection, sync=sync, push=push,
                   summary_template=v.get("summary_template") if sync else None, diff=diff, shard=v.get("shard"),
                   fields=tuple(v.get("fields") or ()), secrets=secrets)


# Which forges have each extra (extras.py); Bitbucket's wikis and snippets are not cloned.
WIKI_PROVIDERS = ("github", "gitlab", "gitea")
GIST_PROVIDERS = ("github", "gitlab")


def _check_extras(provider: str, sync: SyncSettings) -> None:
    if sync.wikis and provider not in WIKI_PROVIDERS:
        raise ConfigError("wikis works with provider %s, not %s: remove wikis or choose another provider"
                          % (", ".join(WIKI_PROVIDERS), provider))
    if sync.gists and provider not in GIST_PROVIDERS:
        raise ConfigError("gists works with provider github (gists) or gitlab (snippets), not %s: remove gists"
                          % provider)


def _at_least_one_second(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 1:
        raise ConfigError("%s must be 1 second or more, not %r" % (name, value))
    return float(value)


def build_sync_settings(v: Mapping[str, Any], check_mode: bool) -> SyncSettings:
    if not v.get("dest"):
        raise ConfigError("dest is required: the folder the repositories are cloned into")
    dest = os.path.abspath(os.path.expanduser(v["dest"]))
    if v.get("strategy") not in STRATEGIES:
        raise ConfigError("strategy %r is not known: use one of %s" % (v.get("strategy"), ", ".join(STRATEGIES)))
    if v.get("protocol") not in PROTOCOLS:
        raise ConfigError("protocol %r is not known: use https or ssh" % v.get("protocol"))
    if v.get("return_repos") not in RETURN_REPOS:
        raise ConfigError("return_repos %r is not known: use one of %s" % (v.get("return_repos"),
                                                                           ", ".join(RETURN_REPOS)))
    concurrency = v.get("concurrency")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 256:
        raise ConfigError("concurrency must be a whole number from 1 to 256, not %r" % (concurrency,))
    max_failures = v.get("max_failures")
    if isinstance(max_failures, bool) or not isinstance(max_failures, int) or max_failures < -1:
        raise ConfigError("max_failures must be -1 (never fail), 0 or more, not %r" % (max_failures,))
    max_prune = v.get("max_prune")
    if isinstance(max_prune, bool) or not isinstance(max_prune, int) or max_prune < -1:
        raise ConfigError("max_prune must be -1 (no limit), 0 or more, not %r" % (max_prune,))
    return_limit = _int_at_least("return_limit", v.get("return_limit"), 0, "0 or more")
    lock_timeout = float(v.get("lock_timeout") or 0.0)
    if lock_timeout < 0:
        raise ConfigError("lock_timeout must be 0 or more seconds, not %r" % v.get("lock_timeout"))
    opts = SyncOptions(strategy=v["strategy"], depth=v.get("depth"), filter=v.get("filter"),
                       branch=v.get("branch"), submodules=bool(v.get("submodules")), force=bool(v.get("force")),
                       lfs=bool(v.get("lfs")))
    validate_template(v.get("path_template") or "")
    if v.get("gists"):
        try:
            validate_template(v.get("gists_path_template") or "")
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("path_template", "gists_path_template", 1)) from None
    settings = SyncSettings(
        dest=dest, options=opts, path_template=v["path_template"], concurrency=concurrency,
        protocol=v["protocol"], state_file=v.get("state_file") or None, max_failures=max_failures,
        return_repos=v["return_repos"], return_limit=return_limit, progress_file=v.get("progress_file"),
        check_mode=check_mode,
        prune=PruneSettings(enabled=bool(v.get("prune")), delete=bool(v.get("prune_delete")), max_prune=max_prune),
        git_hosts=tuple(v.get("git_hosts") or ()), lock_timeout=lock_timeout,
        stall_timeout=_at_least_one_second("stall_timeout", v.get("stall_timeout")),
        git_timeout=float(v.get("git_timeout")), git_tries=int(v.get("git_tries")),
        git_backoff_base=float(v.get("git_backoff_base")), gitlab_granularity=float(v.get("gitlab_granularity")),
        wikis=bool(v.get("wikis")), gists=bool(v.get("gists")),
        gists_path_template=v.get("gists_path_template") or "{owner}/gists/{name}",
        full_listing_interval=_full_listing_interval(v.get("full_listing_interval")))
    _check_dest(settings)
    return settings


def _full_listing_interval(value: Any) -> float:
    seconds = 86400.0 if value is None else float(value)
    if seconds < 0:
        raise ConfigError("full_listing_interval must be 0 or more seconds, not %r" % (value,))
    return seconds


def _check_dest(settings: SyncSettings) -> None:
    dest = settings.dest
    parent = os.path.dirname(dest.rstrip(os.sep)) or os.sep
    if os.path.exists(dest):
        if not os.path.isdir(dest):
            raise ConfigError("dest %s exists and is not a folder: point dest at a folder" % dest)
        probe = dest
    elif not os.path.isdir(parent):
        # The nearest thing on the way that exists: a file there means no
        # folder can ever be created, which "does not exist" would hide.
        blocker = parent
        while not os.path.lexists(blocker) and os.path.dirname(blocker) != blocker:
            blocker = os.path.dirname(blocker)
        if os.path.lexists(blocker) and not os.path.isdir(blocker):
            raise ConfigError("dest's parent %s is a file, not a folder: choose another dest" % blocker
                              if blocker == parent else
                              "%s, on the way to dest's parent %s, is a file, not a folder: choose another dest"
                              % (blocker, parent))
        raise ConfigError("the parent of dest, %s, does not exist: create it or choose another dest" % parent)
    else:
        probe = parent
    if not settings.check_mode and not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError("%s is not writable by this user: fix its permissions or choose another dest" % probe)
    state_dir = os.path.dirname(os.path.abspath(settings.journal_path))
    if settings.state_file and not os.path.isdir(state_dir):
        raise ConfigError("the folder of state_file, %s, does not exist: create it or choose another "
                          "state_file" % state_dir)


# ---------------------------------------------------------------------------
# Hooks: what differs between doors
# ---------------------------------------------------------------------------

RepoHook = Callable[[Repo, RepoReport], None]


@dataclass
class Hooks:
    """progress: the renderers subscribe to it; on_wait: rate-limit waits are
    announced; on_repo: called once per finished repository, from worker
    threads (keep it quick, never raise); interrupt: set it (a signal
    handler, a parent watcher) to stop the run cleanly."""

    progress: Progress = field(default_factory=Progress)
    on_wait: Optional[Callable[[float, str], None]] = None
    on_repo: List[RepoHook] = field(default_factory=list)
    interrupt: threading.Event = field(default_factory=threading.Event)
    interrupt_reason: List[str] = field(default_factory=list)

    def stop(self, reason: str) -> None:
        """Ask the run to stop (safe from a signal handler)."""
        if not self.interrupt_reason:
            self.interrupt_reason.append(reason)
        self.interrupt.set()


def known_git_hosts(forge: ForgeConfig) -> Tuple[str, ...]:
    """Git hosts that belong to the forge besides its own: github.com's gists
    live on gist.github.com (GitHub Enterprise Server serves them on its own
    host, under /gist/). docs/forge-wire.md, "Gists and snippets"."""
    if forge.provider == "github" and forge.host == "github.com":
        return ("gist.github.com",)
    return ()


def forge_pool(forge: ForgeConfig, auth: Any, settings: SyncSettings) -> RunnerPool:
    """Credentials only for the forge's own git origin (github.com for api.github.com,
    the API's host otherwise) and the hosts the user names in git_hosts."""
    scheme = forge.api_url.split("://", 1)[0]
    trusted = RunnerPool.origins(scheme, (forge.host,) + known_git_hosts(forge) + tuple(settings.git_hosts))
    return RunnerPool(auth.token, auth.username, trusted,
                      RunnerSettings(settings.git_timeout, settings.git_tries, settings.git_backoff_base,
                                     settings.stall_timeout),
                      header=auth.header)


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------

def _epoch(marker: str) -> Optional[float]:
    try:
        return datetime.fromisoformat(marker.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        return None


def _journal_hint(exc: BaseException) -> str:
    if getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
        return "free disk space where it lives, or choose another state_file"
    if getattr(exc, "errno", None) in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "fix the permissions of its folder, or choose another state_file"
    return "fix the cause, or choose another state_file"


def _mount_point(path: str) -> str:
    path = os.path.realpath(path)
    while not os.path.ismount(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return path


_DISK_FULL = ("no space left on device", "disk quota exceeded")


class _Received:
    """Bytes git received for one repository. The runner reports a running
    count per git process; a retry or a second process starts again from
    zero, so each count that drops closes the previous one into the total."""

    def __init__(self) -> None:
        self._closed = 0
        self._current = 0

    def add(self, count: int) -> int:
        if count < self._current:
            self._closed += self._current
        self._current = count
        return count

    @property
    def total(self) -> int:
        return self._closed + self._current


class _Run:
    """One run of a JobSpec with sync settings into one dest."""

    def __init__(self, spec: JobSpec, hooks: Hooks, listing: Listing) -> None:
        self.spec = spec
        self.s = spec.sync
        self.hooks = hooks
        self.listing = listing
        self.progress = hooks.progress
        owners = [o.name for o in spec.owners]
        sink = None if self.s.check_mode else report_path_for(self.s.journal_path)
        self.report = RunReport(return_repos=self.s.return_repos, return_limit=self.s.return_limit,
                                sink_path=sink, owners=owners, diff=spec.diff)
        self.report.state_file = self.s.journal_path
        self.report.check_mode = self.s.check_mode
        self._lock = threading.Lock()
        # After one failed write no other is tried: a write that succeeds after a
        # short one (a failed clone frees space) would bury a torn line mid-file.
        self._journal_broken = False
        self.access = forge_pool(spec.forge, listing.provider.git_auth(), self.s)
        self._work: "queue.Queue[Any]" = queue.Queue(maxsize=max(2, self.s.concurrency * 2))
        # What the planner saw, for _handle_gone: ids (8 bytes each, idset.py) and
        # the few "provider:host" prefixes of their keys, not 10^5 key strings.
        self._seen = IdSet()
        self._seen_prefixes: Set[str] = set()
        self._seen_extras: Set[str] = set()
        self._planner_error: Optional[BaseException] = None
        self._sweeper = LeftoverSweeper()
        self.gone_pending = 0
        self._started = time.monotonic()

    # --- plan ---------------------------------------------------------------------------

    def _present(self, rel: str) -> bool:
        target = os.path.join(self.s.dest, *rel.split("/"))
        if self.s.options.plan.bare:
            return os.path.isfile(os.path.join(target, "HEAD"))
        return os.path.lexists(os.path.join(target, ".git"))

    def _is_unchanged(self, repo: Repo, rel: str, entry: Optional[Entry]) -> bool:
        """True when no git process is needed: the forge's marker says nothing moved."""
        if entry is None or entry.path != rel or not self._present(rel):
            return False
        if not self.s.options.plan.touches_existing:
            return True
        if entry.strategy != self._journal_strategy or not repo.marker or entry.marker != repo.marker:
            return False
        if repo.provider == "gitlab":
            marker_at, synced_at = _epoch(repo.marker), _epoch(entry.ts or "")
            if marker_at is None or synced_at is None or synced_at - marker_at < self.s.gitlab_granularity:
                return False
        return True

    def _plan(self, journal: Optional[Journal], workers: int) -> None:
        """The planner thread: list, select, plan; real work goes to the queue.
        At the end (however it ends) one None per worker tells them to stop."""
        try:
            for repo in self._items():
                if self._stopping():
                    return
                if repo.kind == "repo":
                    self._seen.add(repo.id)
                    self._seen_prefixes.add(repo.key.rpartition(":")[0])
                else:
                    self._seen_extras.add(repo.key)      # wikis, gists, snippets: off by default
                self.progress.planned()
                try:
                    rel = render_path(self.s.gists_path_template if repo.kind in GIST_KINDS else self.s.path_template,
                                      repo)
                except PathError as exc:
                    self._finish(repo, "", SyncResult(Outcome.FAILED, None, str(exc)))
                    continue
                # One read of the journal per repository (each is a pread, journal.py).
                known = journal.get(repo.key) if journal is not None else None
                if self._is_unchanged(repo, rel, known):
                    self._finish(repo, rel, SyncResult(Outcome.UNCHANGED, known.head,
                                                       "unchanged on the forge since the last sync"))
                    continue
                if self.s.check_mode:
                    self._finish(repo, rel, self._would(rel, known.head if known is not None else None))
                    continue
                self._hand_over(repo, rel)
            if not self._stopping():
                self.report.complete_listing = True
            self.report.stream.listing_seconds = time.monotonic() - self._started
            self.progress.listing_done()
        except BaseException as exc:   # the main thread re-raises it
            self._planner_error = exc
        finally:
            # Workers drain the queue even when stopping (reporting "not attempted"),
            # so each put succeeds in time.
            for _worker in range(workers):
                while True:
                    try:
                        self._work.put(None, timeout=0.2)
                        break
                    except queue.Full:
                        continue

    def _items(self) -> Iterator[Repo]:
        """The listing, each repository followed by its extras (its wiki, its
        GitLab snippets), then each owner's gists (extras.py). Gists and
        snippets are sharded by their own path; a wiki follows its repository."""
        provider = self.listing.provider
        shard = self.spec.selection.shard
        seen: Set[str] = set()

        def fresh(item: Repo) -> bool:
            if item.key in seen or (shard is not None and not shard.owns(item.full_path)):
                return False
            seen.add(item.key)
            return True
        for repo in self.listing:
            yield repo
            if self.s.wikis:
                wiki = wiki_of(repo)
                if wiki is not None:
                    yield wiki
            if self.s.gists:
                for item in provider.repo_gists(repo):
                    if fresh(item):
                        yield item
        if self.s.gists:
            for owner in self.spec.owners:
                if self._stopping():
                    return
                for item in provider.gists(owner):
                    if fresh(item):
                        yield item

    def _hand_over(self, repo: Repo, rel: str) -> None:
        """Queue real work; a full queue pauses the listing (backpressure) until a worker is free."""
        waiting_since = None
        while not self._stopping():
            try:
                if waiting_since is None:
                    self._work.put_nowait((repo, rel))
                else:
                    self._work.put((repo, rel), timeout=0.2)
                self.report.queued(self._work.qsize())
                break
            except queue.Full:
                waiting_since = waiting_since or time.monotonic()
        if waiting_since is not None:
            self.report.stream.backpressure_seconds += time.monotonic() - waiting_since

    def _would(self, rel: str, head: Optional[str]) -> SyncResult:
        """Check mode's answer; ``head`` is what the journal recorded (diff mode's "before")."""
        exists = os.path.lexists(os.path.join(self.s.dest, *rel.split("/")))
        if not exists:
            return SyncResult(Outcome.WOULD_CLONE, None, "check mode: would clone", changed=True)
        if not self.s.options.plan.touches_existing:
            return SyncResult(Outcome.UNCHANGED, head, "check mode: already cloned")
        return SyncResult(Outcome.WOULD_UPDATE, None, "check mode: would %s" % self.s.strategy, changed=True,
                          before=head)

    # --- work ---------------------------------------------------------------------------

    def _stopping(self) -> bool:
        return self.hooks.interrupt.is_set() or self.report.fatal is not None

    def _sync_one(self, repo: Repo, rel: str, journal: Journal) -> None:
        self.progress.started(repo)
        started = time.monotonic()
        received = _Received()
        url = repo.ssh_url if self.s.protocol == "ssh" and repo.ssh_url else repo.clone_url
        note = None
        try:
            runner, note = self.access.runner_for(url)
            target = resolve(self.s.dest, rel, repo.full_path)
            with runner.reporting_progress(lambda count: self.progress.received(repo, received.add(count))):
                if repo.kind == WIKI:
                    result = sync_wiki(runner, target, url, self.s.options, temp_dir=self.s.temp_dir)
                else:
                    result = sync_repo(runner, target, url, repo.default_branch, self.s.options,
                                       temp_dir=self.s.temp_dir, sweeper=self._sweeper)
        except GitInterrupted:
            result = SyncResult(Outcome.FAILED, None, INTERRUPTED + "; a re-run starts it again")
        except BulkCloneError as exc:   # PathError included: a name that would leave dest
            result = SyncResult(Outcome.FAILED, None, str(exc))
        except Exception as exc:  # one repo's surprise never stops the others
            result = SyncResult(Outcome.FAILED, None, "unexpected %s: %s" % (exc.__class__.__name__, exc))
        if note and note not in result.reason:
            result = result.with_reason(note)
        if self.hooks.interrupt.is_set() and result.outcome == Outcome.FAILED:
            result = SyncResult(Outcome.FAILED, None, INTERRUPTED + "; a re-run starts it again")
        elif result.outcome == Outcome.FAILED and any(w in result.reason.lower() for w in _DISK_FULL):
            self._stop("the disk holding %s (mounted at %s) is full: free space there and run again; the clones "
                       "made so far are kept" % (self.s.dest, _mount_point(self.s.dest)))
        old = self._old_location(repo, rel, journal)
        if old and result.outcome == Outcome.CLONED:
            # Renamed or transferred on the forge (same id, new path). The old
            # clone may hold local work, so it is not moved or removed: say so
            # once, here, since the journal now points at the new path.
            result = result.with_reason("the forge renamed or moved it from %s, and the old clone there was left "
                                        "alone (move any local work over, then delete it)" % old)
        try:
            self._record(repo, rel, result, journal)
        except (OSError, BulkCloneError) as exc:
            self._journal_broken = True
            # Without the journal a later run would redo this work and could not
            # resume: stop taking new work and say why.
            self._stop("the state journal %s could not be written (%s); %s. The clones made so far are "
                       "kept, and a re-run resumes" % (self.s.journal_path, getattr(exc, "strerror", None) or exc,
                                                       _journal_hint(exc)))
            result = result.with_reason("not recorded in the state journal")
        self._finish(repo, rel, result, time.monotonic() - started, received.total)

    def _old_location(self, repo: Repo, rel: str, journal: Journal) -> Optional[str]:
        entry = journal.get(repo.key)
        if entry is None or not entry.path or entry.path == rel:
            return None
        return entry.path if os.path.lexists(os.path.join(self.s.dest, *entry.path.split("/"))) else None

    @property
    def _journal_strategy(self) -> str:
        """The strategy as the journal records it: "pull+lfs" with lfs, so that
        turning lfs on syncs (and pulls the LFS files of) clones whose marker
        did not move."""
        return self.s.strategy + ("+lfs" if self.s.options.lfs else "")

    def _record(self, repo: Repo, rel: str, result: SyncResult, journal: Journal) -> None:
        entry = journal.get(repo.key)
        if result.outcome in (Outcome.CLONED, Outcome.UPDATED) or (
                result.outcome == Outcome.UNCHANGED and self.s.options.plan.touches_existing):
            marker, outcome = repo.marker, result.outcome.value
        elif result.outcome == Outcome.UNCHANGED and (entry is None or entry.path != rel):
            # Present on disk but never synced by us: remember where it is, with no
            # marker, so the next run still contacts git for it.
            marker, outcome = None, result.outcome.value
        else:
            return
        if self._journal_broken:
            raise StateError("an earlier write failed")
        journal.record(repo.key, head=result.head, path=rel, full_path=repo.full_path, marker=marker,
                       strategy=self._journal_strategy, outcome=outcome)

    def _stop(self, why: str) -> None:
        with self._lock:
            if self.report.fatal is None:
                self.report.fatal = why

    def _finish(self, repo: Repo, rel: str, result: SyncResult, duration: float = 0.0, received: int = 0) -> None:
        item = RepoReport(repo.full_path, rel, result.outcome, result.reason, result.head, result.changed,
                          result.before, duration=duration, received=received)
        self.report.add(item, owner=repo.owner)
        if result.outcome == Outcome.FAILED:
            self.progress.failed(repo, result.reason)
        else:
            self.progress.done(repo, result.outcome.value)
        for hook in self.hooks.on_repo:
            try:
                hook(repo, item)
            except Exception as exc:  # a door's hook must not end a worker
                self.report.warn("a per-repository hook failed: %s: %s" % (exc.__class__.__name__, exc))

    def _worker(self, journal: Journal) -> None:
        # A worker never dies of an exception: the planner would then block
        # forever on a full queue.
        while True:
            item = self._work.get()
            try:
                if item is None:
                    return
                repo, rel = item
                if self.hooks.interrupt.is_set():
                    self._finish(repo, rel, SyncResult(Outcome.FAILED, None, NOT_ATTEMPTED + ": interrupted"))
                elif self.report.fatal is not None:
                    self._finish(repo, rel, SyncResult(Outcome.FAILED, None, NOT_ATTEMPTED + ": the run stopped early"))
                else:
                    self._sync_one(repo, rel, journal)
            except Exception as exc:  # a bug of ours: report it, keep the run alive
                self._stop("internal error in a git worker: %s: %s" % (exc.__class__.__name__, exc))
            finally:
                self._work.task_done()

    # --- run ----------------------------------------------------------------------------

    def run(self) -> RunReport:
        started = self._started = time.monotonic()
        lock = None
        if not self.s.check_mode:
            os.makedirs(self.s.dest, exist_ok=True)
            lock = DestLock(self.s.dest, self.s.lock_timeout).acquire()
        try:
            if not self.s.check_mode:
                # Temp clones of earlier runs (kill -9 leftovers): under the lock
                # nobody else is writing there.
                shutil.rmtree(self.s.temp_dir, ignore_errors=True)
            journal = self._open_journal()
            self.report.open_sink()
            try:
                self._run(journal)
                if not self.s.check_mode:
                    # What the next run may skip asking for (docs/architecture.md, "Conditional listing").
                    self.listing.finish(clean=bool(self.report.complete_listing) and not self.report.failed_count
                                        and not self.report.interrupted and self.report.fatal is None,
                                        gone=self.gone_pending > 0)
            finally:
                if journal is not None:
                    journal.close()
                self.report.close_sink()
        finally:
            if lock is not None:
                lock.close()
        self.report.duration = time.monotonic() - started
        self.report.listing = self.listing.stats()
        self.report.listing["complete"] = self.listing.complete
        self.report.stream.expected = self.progress.current().expected
        self.progress.finish()
        return self.report

    def _open_journal(self) -> Optional[Journal]:
        if self.s.check_mode and not os.path.exists(self.s.journal_path):
            return None
        try:
            return Journal.open(self.s.journal_path, readonly=self.s.check_mode)
        except OSError as exc:
            raise StateError("cannot open the state journal %s (%s); %s" % (
                self.s.journal_path, exc.strerror or exc, _journal_hint(exc))) from None

    def _run(self, journal: Optional[Journal]) -> None:
        self._expect_total()
        threads: List[threading.Thread] = []
        if not self.s.check_mode:
            for index in range(self.s.concurrency):
                thread = threading.Thread(target=self._worker, args=(journal,), name="bulk-clone-git-%d" % index,
                                          daemon=True)
                thread.start()
                threads.append(thread)
        planner = threading.Thread(target=self._plan, args=(journal, len(threads)), name="bulk-clone-planner",
                                   daemon=True)
        planner.start()
        # The main thread only waits, so that a signal or a dead parent is answered at once.
        while planner.is_alive() or any(t.is_alive() for t in threads):
            if self.hooks.interrupt.wait(0.2):
                self._interrupt(planner, threads)
                break
            self.progress.tick()
        if self._planner_error is not None and not self.hooks.interrupt.is_set():
            raise self._planner_error
        if self.report.fatal is not None or self.hooks.interrupt.is_set():
            self.report.complete_listing = False
        if self.report.complete_listing and journal is not None and self.listing.full:
            # Only a full listing can tell what is gone (a changed-first one lists what moved).
            self._handle_gone(journal)
            if not self.s.check_mode:
                try:
                    journal.compact()
                except OSError as exc:
                    # Compaction only saves space: the appended lines are complete
                    # and the next run reads them as they are.
                    self.report.warn("the state journal %s was not compacted (%s); it stays valid and the next "
                                     "run tries again" % (self.s.journal_path, exc.strerror or exc))

    def _expect_total(self) -> None:
        """The forge's repository count before the first progress line, so
        every door shows done/total and an ETA from the start (the request
        that finds an owner tells it; the listing reuses what it opened)."""
        try:
            expected = self.listing.open_owners()
        except Interrupted:
            if not self.hooks.interrupt.is_set():
                raise
            return
        if expected is not None:
            self.progress.expect(expected)

    def _interrupt(self, planner: threading.Thread, threads: List[threading.Thread]) -> None:
        """Stop starting work, end the git processes, let the workers record what finished."""
        self.report.interrupted = (self.hooks.interrupt_reason or ["interrupted"])[0]
        # SIGTERM to every git process group, SIGKILL after the grace; no git starts after this.
        terminate_all_git(grace=2.0)
        # Workers take what the planner queued and report it "not attempted".
        deadline = time.monotonic() + 3.0     # with the grace above: well inside the 10 s a stop may take
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        planner.join(max(0.0, min(1.0, deadline - time.monotonic())))

    # --- gone ---------------------------------------------------------------------------

    @property
    def _lists_stars(self) -> bool:
        return any(o.kind == "starred" for o in self.spec.owners)

    def _same_forge(self, key: str) -> bool:
        provider, _sep, rest = key.partition(":")
        return provider == self.spec.forge.provider and rest.rpartition(":")[0] == self.spec.forge.host

    def _owned_by_this_run(self, key: str, full_path: Optional[str]) -> bool:
        """Whether a journal entry belongs to an owner this run listed completely."""
        if not self._same_forge(key) or self._lists_stars:
            return False
        if any(o.kind in ("self", "installation", "all") for o in self.spec.owners):
            return True
        path = (full_path or "").lower()
        return any(path.startswith(o.name.lower().strip("/") + "/") for o in self.spec.owners)

    def _planned(self, key: str) -> bool:
        """Whether this run's listing selected the repository (or extra) of a journal key."""
        prefix, _sep, repo_id = key.rpartition(":")
        if repo_id.isdigit():
            return prefix in self._seen_prefixes and int(repo_id) in self._seen
        return key in self._seen_extras

    def _extra_kept(self, key: str, extra_id: str) -> Optional[str]:
        """Why an extra's journal entry (wiki-42, gist-abc, snippet-7) is kept
        although this run did not sync it, or None when it is gone upstream."""
        kind, _sep, ref = extra_id.partition("-")
        if kind == WIKI:
            if not self.s.wikis:
                return "wikis is off in this run, kept"
            parent = "%s:%s" % (key.rpartition(":")[0], ref)
            if ref.isdigit() and not self._planned(parent):
                return "its repository was not selected, kept" if self.listing.saw(int(ref)) else None
            return None
        if kind in GIST_KINDS and not self.s.gists:
            return "gists is off in this run, kept"
        return None

    def _handle_gone(self, journal: Journal) -> None:
        """Journal entries this run did not sync: confirmed gone, or merely not selected."""
        candidates = []
        for key in [k for k in journal.keys() if not self._planned(k)]:
            entry = journal.get(key)
            repo_id = key.rpartition(":")[2]
            info: Dict[str, Any] = {"key": key, "full_path": entry.full_path, "path": entry.path}
            if self._lists_stars and self._same_forge(key):
                # Unstarring is not deleting: a starred listing never confirms a
                # repository gone, so nothing it left out is pruned (README: Starred).
                info.update(action="kept", reason="not starred any more (or gone), kept: a starred listing never "
                                                  "prunes")
                self.report.add_gone(info)
            elif not self._owned_by_this_run(key, entry.full_path):
                info.update(action="kept", reason="not in this run's owners, kept")
                self.report.add_gone(info)
            elif not repo_id.isdigit() and self._extra_kept(key, repo_id):
                info.update(action="kept", reason=self._extra_kept(key, repo_id))
                self.report.add_gone(info)
            elif repo_id.isdigit() and self.listing.saw(int(repo_id)):
                info.update(action="kept", reason="not selected, kept")
                self.report.add_gone(info)
            else:
                candidates.append((key, entry, info))
        prune = self.s.prune
        # Confirmed gone and still in the journal after this: a prune run must list in full.
        self.gone_pending = len(candidates)
        if not candidates:
            return
        if not prune.enabled or self.s.check_mode:
            verb = "would be pruned" if prune.enabled else "reported (prune is off)"
            for _key, _entry, info in candidates:
                info.update(action="gone upstream", reason="gone from the forge; %s" % verb)
                self.report.add_gone(info)
            return
        pruner = Pruner(self.s.dest, self.s.options.plan.bare, self.access.plain(), prune)
        too_many = pruner.too_many(len([c for c in candidates if c[1].path]))
        if too_many:
            self._stop(too_many)
            for _key, _entry, info in candidates:
                info.update(action="kept", reason="gone from the forge; kept: max_prune exceeded")
                self.report.add_gone(info)
            return
        for key, entry, info in candidates:
            if not entry.path:
                journal.forget(key)
                self.gone_pending -= 1
                info.update(action="forgotten", reason="gone from the forge; it had no clone")
                self.report.add_gone(info)
                continue
            result = pruner.prune(entry.path)
            info.update(action=result.action, reason=result.reason)
            if result.trash_path:
                info["trash_path"] = result.trash_path
            if result.removed:
                journal.forget(key)
                self.gone_pending -= 1
            self.report.add_gone(info, pruned=result.removed)


def _listing_for(spec: JobSpec, hooks: Hooks) -> Listing:
    return make_listing(spec.forge, spec.owners, spec.selection, on_wait=hooks.on_wait,
                        interrupt=hooks.interrupt)


def _listing_interval(spec: JobSpec) -> float:
    """full_listing_interval, or 0 (every listing full) when each repository
    brings an extra that has no marker of its own: its wiki, its GitLab
    snippets (extras.py). They are asked on every run anyway (one ls-remote
    or one request per repository), which outweighs the listing's pages."""
    s = spec.sync
    if s.wikis or (s.gists and spec.forge.provider == "gitlab"):
        return 0.0
    return s.full_listing_interval


def run_job(spec: JobSpec, hooks: Optional[Hooks] = None) -> RunReport:
    """list -> select -> plan -> work -> record, for a JobSpec with sync settings."""
    hooks = hooks or Hooks()
    if spec.sync is None:
        raise ConfigError("this job lists only (org_repos); it has no dest to sync into")
    allow_git_again()     # a process that ran an interrupted job before may run another
    if spec.sync.options.lfs:
        check_git_lfs()   # before any request: its absence names the package
    if spec.sync.progress_file:
        hooks.progress.subscribe(ProgressFileWriter(spec.sync.progress_file))
    listing = _listing_for(spec, hooks)
    if not spec.sync.check_mode:
        listing.use_cache(ListingCache(cache_dir_for(spec.sync.journal_path)), _listing_interval(spec),
                          prune=spec.sync.prune.enabled)
    pusher = None
    if spec.push is not None and not spec.sync.check_mode:
        pusher = PushMirror(spec.push, spec.sync.dest, spec.sync.journal_path)
        hooks.on_repo.append(pusher.consider)
    run = _Run(spec, hooks, listing)
    _set_run_info(run.report, spec)
    try:
        report = run.run()
    except (AuthError, NotFoundError) as exc:
        raise _explained(spec, exc) from None
    finally:
        if pusher is not None:
            push = pusher.close()
            run.report.sections["push"] = push
            run.report.extra_failures = push.get("failed", 0)
    if not report.listing.get("listed") and not (spec.forge.token or spec.forge.app_id):
        report.warn("the forge listed no repository; " + without_token_hint(spec.forge.provider))
    return report


def _set_run_info(report: RunReport, spec: JobSpec) -> None:
    info = report.run
    info.provider = spec.forge.provider
    info.api_url = spec.forge.api_url
    info.owners = [o.name for o in spec.owners if o.name]
    info.owner_kind = ",".join(sorted({o.kind for o in spec.owners}))
    info.strategy = spec.sync.strategy
    info.concurrency = spec.sync.concurrency
    info.dest = spec.sync.dest
    info.shard = spec.shard
    info.check = spec.sync.check_mode


def _explained(spec: JobSpec, exc: BulkCloneError) -> BulkCloneError:
    """A refusal or an owner not found, in a run without credentials: say so,
    and where a token was looked for (an anonymous run is allowed: public
    repositories need none)."""
    if spec.forge.token or spec.forge.app_id:
        return exc
    return exc.__class__("%s; %s" % (exc, without_token_hint(spec.forge.provider)))


def stream_repos(spec: JobSpec, hooks: Optional[Hooks] = None) -> Iterator[Tuple[Repo, Listing]]:
    """The selected repos one at a time, as the forge pages them (nothing
    kept), each with the listing for its stats()."""
    listing = _listing_for(spec, hooks or Hooks())
    try:
        for repo in listing:
            yield repo, listing
    except (AuthError, NotFoundError) as exc:
        raise _explained(spec, exc) from None


def list_repos(spec: JobSpec, hooks: Optional[Hooks] = None) -> Dict[str, Any]:
    """What org_repos returns: the selected repos, their count and the listing's cost."""
    hooks = hooks or Hooks()
    listing = _listing_for(spec, hooks)
    fields = spec.fields or None
    try:
        repos = [repo.as_dict(fields) for repo in listing]
    except (AuthError, NotFoundError) as exc:
        raise _explained(spec, exc) from None
    return {"repos": repos, "count": len(repos), "stats": listing.stats()}


def result_of(report: RunReport, spec: JobSpec) -> Dict[str, Any]:
    """The door-neutral result: the report, the verdict (failed/msg), redacted."""
    result = report.as_result()
    msg = report.verdict(spec.sync.max_failures if spec.sync else 0)
    if msg is not None:
        result["failed"] = True
        result["msg"] = msg
    return spec.redactor().redact_data(result)


def _proc_stat(pid: int) -> Optional[Tuple[int, str]]:
    """(parent pid, start time) of a live process, from /proc; None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8", errors="replace") as handle:
            data = handle.read()
    except OSError:
        return None
    fields = data[data.rfind(")") + 2:].split()      # the name may hold spaces and parentheses
    if fields[0] == "Z":
        return None                                    # a zombie has ended
    return int(fields[1]), fields[19]


def _is_ansible(pid: int) -> bool:
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            argv = handle.read().split(b"\0")
    except OSError:
        return False
    return any(os.path.basename(a.decode("utf-8", "replace")).startswith("ansible") for a in argv[:2])


def ancestors_to_watch(pid: Optional[int] = None) -> List[Tuple[int, str]]:
    """The processes whose end means nobody waits for this run any more.

    Our parent, and every ancestor up to the topmost Ansible process (the
    controller: with a local connection Ansible's worker, its main process
    and a shell sit between it and the module, and killing the main process
    leaves the worker waiting). Nothing above it: a terminal closing under a
    `nohup ansible-playbook` must not stop the run. A module started with
    async has been detached on purpose: its parent is the async watcher.
    """
    pid = os.getpid() if pid is None else pid
    chain: List[Tuple[int, str]] = []
    seen = set()
    stat = _proc_stat(pid)
    while stat is not None and stat[0] > 1 and stat[0] not in seen:
        parent = stat[0]
        seen.add(parent)
        parent_stat = _proc_stat(parent)
        if parent_stat is None:
            break
        chain.append((parent, parent_stat[1]))
        stat = parent_stat
    top = max((i for i, (p, _start) in enumerate(chain) if _is_ansible(p)), default=0)
    return chain[:top + 1]


def watch_parent(hooks: Hooks, interval: float = 1.0) -> threading.Thread:
    """Stop the run when the process that started it goes away (Ansible killed,
    a CI job cancelled), within ``interval`` seconds.

    Two signs, either enough: an ancestor in ancestors_to_watch() ended (or
    its PID now names another process), or our stdout is a pipe or socket
    whose reader is gone (Ansible reads the module's result from it; over
    ssh the session closes it).
    """
    import select
    import stat
    watched = ancestors_to_watch()
    fd = None
    try:
        mode = os.fstat(1).st_mode
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            fd = 1
    except OSError:
        fd = None

    def watch() -> None:
        poller = select.poll() if fd is not None else None
        if poller is not None:
            poller.register(fd, select.POLLERR | select.POLLHUP)
        while not hooks.interrupt.is_set():
            for pid, started in watched:
                now = _proc_stat(pid)
                if now is None or now[1] != started:
                    hooks.stop("because the process that started it (pid %d) ended" % pid)
                    return
            if poller is not None:
                for _fd, event in poller.poll(0):
                    if event & (select.POLLERR | select.POLLHUP):
                        hooks.stop("because the process that started it stopped reading its result")
                        return
            hooks.interrupt.wait(interval)

    thread = threading.Thread(target=watch, name="bulk-clone-parent-watch", daemon=True)
    thread.start()
    return thread


__all__ = ["Hooks", "door_redactor", "JobSpec", "SyncSettings", "build_job", "list_repos",
           "result_of", "run_job", "stream_repos", "watch_parent"]
