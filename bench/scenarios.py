# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the bench measures, one function per promise.

Each function runs its clients against the forge in `ctx` and returns plain
dicts (rows for the tables and latest.json). Nothing here judges: report.py
compares the rows with the targets.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Set

from .measure import (Measured, api_requests, bytes_sent, client_argv, git_requests, git_token_env,
                      list_requests, measure)

STATE_FILENAME = ".bulk-clone-state.jsonl"


@dataclass
class Context:
    """What every scenario needs: the forge, a scratch folder, the settings."""

    forge: Any                      # tests.forge.ForgeProcess (or any ForgeClient with the same URLs)
    workdir: str
    concurrency: int
    env: Dict[str, str]             # hermetic environment, token in BULK_CLONE_TOKEN
    log: Callable[[str], None] = print
    owners: Dict[int, str] = field(default_factory=dict)   # size -> org holding that many repos

    @property
    def api_url(self) -> str:
        return self.forge.github_api

    @property
    def origin(self) -> str:
        return self.forge.url


def owner_for(size: int) -> str:
    return "bench-%d" % size


def selected_truth(ctx: Context, owner: str) -> List[Dict[str, Any]]:
    """The repos bulk_clone selects by default (disabled ones cannot be cloned)."""
    return [r for r in ctx.forge.repos("github", owner) if not r["disabled"]]


def _client(ctx: Context, label: str, job: Dict[str, Any], **kwargs: Any) -> Measured:
    ctx.log("%s ..." % label)
    m = measure(label, ctx.forge, client_argv(job), ctx.env, **kwargs)
    ctx.log("%s: %.1f s%s" % (label, m.run.wall, "" if m.ok else " - FAILED: %s" % m.error))
    return m


def _row(m: Measured, **extra: Any) -> Dict[str, Any]:
    row = {"label": m.label, "seconds": round(m.run.wall, 3), "cpu_seconds": round(m.run.cpu, 2),
           "rss_mb": _round(m.rss_mb),
           "api_requests": api_requests(m.counters), "list_requests": list_requests(m.counters),
           "git_requests": git_requests(m.counters), "bytes": bytes_sent(m.counters),
           "counters": m.counters, "error": m.error}
    if m.result and "rss_before_kb" in m.result:
        row["rss_before_mb"] = _round(m.result["rss_before_kb"] / 1024.0)
    row.update(extra)
    return row


def _round(value: Optional[float], digits: int = 1) -> Optional[float]:
    return None if value is None else round(value, digits)


# -- issue 3: listing --------------------------------------------------------------------------

def listing(ctx: Context, sizes: List[int], apis: List[str], naive: bool = True) -> List[Dict[str, Any]]:
    """Our listing (REST, GraphQL) and the naive PyGithub list, at each size."""
    rows = []
    for size in sizes:
        owner = ctx.owners[size]
        clients = [("ours %s" % api, {"kind": "listing", "api": api}) for api in apis]
        if naive:
            clients.append(("naive PyGithub list()", {"kind": "naive"}))
        for name, job in clients:
            job = dict(job, api_url=ctx.api_url, owner=owner)
            m = _client(ctx, "listing %d %s" % (size, name), job)
            listed = m.result.get("listed") if m.result else None
            rows.append(_row(m, size=size, client=name, api=job.get("api", "rest"), repos=listed,
                             complete=listed == size, expected_list_requests=math.ceil(size / 100)))
    return rows


# -- issue 4: first clone against xargs git clone --------------------------------------------

def _clone_target(dest: str, repo: Dict[str, Any]) -> str:
    return os.path.join(dest, *repo["full_path"].split("/"))


def count_clones(dest: str, repos: List[Dict[str, Any]]) -> int:
    return sum(1 for r in repos if os.path.exists(os.path.join(_clone_target(dest, r), ".git")))


def xargs_clone(ctx: Context, label: str, repos: List[Dict[str, Any]], dest: str) -> Measured:
    """`xargs -P C -n 2 git clone -- URL DIR`: no shell in between, one git per repo."""
    os.makedirs(dest, exist_ok=True)
    lines = "".join("%s %s\n" % (r["clone_url"], _clone_target(dest, r)) for r in repos)
    argv = ["xargs", "-P", str(ctx.concurrency), "-n", "2", "git", "clone", "--"]
    env = dict(ctx.env, **git_token_env(ctx.origin, ctx.forge.token))
    ctx.log("%s ..." % label)
    m = measure(label, ctx.forge, argv, env, stdin_text=lines, expect_json=False)
    ctx.log("%s: %.1f s%s" % (label, m.run.wall, "" if m.ok else " - FAILED: %s" % m.error))
    return m


def xargs_fetch(ctx: Context, label: str, repos: List[Dict[str, Any]], dest: str) -> Measured:
    """`xargs -P C -I{} git -C {} fetch origin` over existing clones."""
    lines = "".join("%s\n" % _clone_target(dest, r) for r in repos)
    argv = ["xargs", "-P", str(ctx.concurrency), "-I{}", "git", "-C", "{}", "fetch", "origin"]
    env = dict(ctx.env, **git_token_env(ctx.origin, ctx.forge.token))
    ctx.log("%s ..." % label)
    m = measure(label, ctx.forge, argv, env, stdin_text=lines, expect_json=False)
    ctx.log("%s: %.1f s%s" % (label, m.run.wall, "" if m.ok else " - FAILED: %s" % m.error))
    return m


def _bulk_job(ctx: Context, owner: str, dest: str) -> Dict[str, Any]:
    return {"kind": "bulk_clone", "api_url": ctx.api_url, "owner": owner, "dest": dest,
            "concurrency": ctx.concurrency}


def first_clone(ctx: Context, size: int, rounds: int = 1) -> Dict[str, Any]:
    """bulk_clone and xargs clone the same repos into fresh folders, `rounds`
    times each, alternating, ours first (the colder start)."""
    owner = ctx.owners[size]
    repos = selected_truth(ctx, owner)
    rows: List[Dict[str, Any]] = []
    for index in range(rounds):
        tag = " #%d" % (index + 1) if rounds > 1 else ""
        ours_dest = os.path.join(ctx.workdir, "clone-ours-%d" % index)
        m = _client(ctx, "first clone %d bulk_clone%s" % (size, tag), _bulk_job(ctx, owner, ours_dest))
        counts = (m.result or {}).get("counts", {})
        rows.append(_row(m, client="bulk_clone", round=index + 1, clones=count_clones(ours_dest, repos),
                         outcomes=counts))
        xargs_dest = os.path.join(ctx.workdir, "clone-xargs-%d" % index)
        x = xargs_clone(ctx, "first clone %d xargs git clone%s" % (size, tag), repos, xargs_dest)
        rows.append(_row(x, client="xargs -P %d git clone" % ctx.concurrency, round=index + 1,
                         clones=count_clones(xargs_dest, repos)))
    return {"size": size, "selected": len(repos), "concurrency": ctx.concurrency, "rows": rows,
            "ratio": _round(_sum_ratio(rows, "seconds"), 3), "cpu_ratio": _round(_sum_ratio(rows, "cpu_seconds"), 3)}


def _sum_ratio(rows: List[Dict[str, Any]], key: str) -> Optional[float]:
    """Ours over theirs, summed over the rounds (only when every run worked)."""
    if any(r["error"] for r in rows):
        return None
    ours = sum(r[key] for r in rows if r["client"] == "bulk_clone")
    theirs = sum(r[key] for r in rows if r["client"] != "bulk_clone")
    return ours / theirs if theirs else None


# -- issue 4: resume, no-change re-sync, pushes ------------------------------------------------

class JournalWatcher:
    """Follows a journal while a run appends to it: distinct repos recorded so far.

    Reads only what was appended since the last look, so polling a 10,000-line
    journal ten times a second stays cheap; a torn last line waits for its end.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.offset = 0
        self.rest = b""
        self.full_paths: Dict[str, Optional[str]] = {}

    def poll(self) -> int:
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except FileNotFoundError:
            return 0
        self.offset += len(data)
        lines = (self.rest + data).split(b"\n")
        self.rest = lines.pop()
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict) or "key" not in record:
                continue
            if record.get("deleted"):
                self.full_paths.pop(record["key"], None)
            else:
                self.full_paths[record["key"]] = record.get("full_path")
        return len(self.full_paths)


def sync_suite(ctx: Context, size: int, pushes: int) -> Dict[str, Any]:
    """First clone of `size` repos killed with SIGKILL half way and resumed;
    then a no-change re-sync, the `git fetch` baseline over the same clones,
    and a re-sync after `pushes` pushes."""
    owner = ctx.owners[size]
    repos = selected_truth(ctx, owner)
    dest = os.path.join(ctx.workdir, "sync-%d" % size)
    job = _bulk_job(ctx, owner, dest)
    out: Dict[str, Any] = {"size": size, "selected": len(repos), "concurrency": ctx.concurrency}

    # 1. kill -9 half way through the first clone
    watcher = JournalWatcher(os.path.join(dest, STATE_FILENAME))
    half = max(1, len(repos) // 2)
    killed = _client(ctx, "first clone %d, SIGKILL at %d done" % (size, half), job,
                     kill_when=lambda: watcher.poll() >= half)
    watcher.poll()
    done_at_kill = {fp for fp in watcher.full_paths.values() if fp}
    on_disk_at_kill = count_clones(dest, repos)
    out["killed_run"] = _row(killed, killed=killed.run.killed, recorded_at_kill=len(done_at_kill),
                             clones_at_kill=on_disk_at_kill)

    # 2. resume
    ctx.forge.reset_counters()
    resumed = _client(ctx, "resume %d after SIGKILL" % size, job)
    by_repo = ctx.forge.git_requests_by_repo("github")
    contacted = {fp for fp, c in by_repo.items() if sum(c.values()) > 0}
    redone = sorted(contacted & done_at_kill)
    counts = (resumed.result or {}).get("counts", {})
    out["resume"] = _row(resumed, outcomes=counts, left_at_kill=len(repos) - len(done_at_kill),
                         repos_contacted=len(contacted), redone=len(redone), redone_examples=redone[:5],
                         clones_after=count_clones(dest, repos))

    # 3. nothing changed upstream
    nochange = _client(ctx, "re-sync %d, nothing changed" % size, job)
    out["resync"] = _row(nochange, outcomes=(nochange.result or {}).get("counts", {}),
                         changed=(nochange.result or {}).get("changed"),
                         engine_seconds=_round((nochange.result or {}).get("seconds"), 3))

    # 4. the baseline: git fetch in every clone, same concurrency
    fetch = xargs_fetch(ctx, "git fetch %d clones, xargs -P %d" % (size, ctx.concurrency), repos, dest)
    out["fetch_baseline"] = _row(fetch, client="xargs -P %d git fetch" % ctx.concurrency)

    # 5. a few pushes, then a re-sync
    pushable = [r for r in repos if not r["empty"] and not r["archived"]]
    step = max(1, len(pushable) // max(1, pushes))
    pushed = [r["full_path"] for r in pushable[::step][:pushes]]
    ctx.forge.push_commits("github", full_paths=pushed)
    ctx.forge.reset_counters()
    after_push = _client(ctx, "re-sync %d after %d pushes" % (size, len(pushed)), job)
    by_repo = {fp: c for fp, c in ctx.forge.git_requests_by_repo("github").items() if sum(c.values()) > 0}
    out["after_pushes"] = _row(after_push, outcomes=(after_push.result or {}).get("counts", {}),
                               pushed=pushed, git_by_repo=by_repo,
                               only_pushed_contacted=set(by_repo) == set(pushed))
    return out


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    started = time.monotonic()
    value = fn(*args, **kwargs)
    if isinstance(value, dict):
        value["suite_seconds"] = round(time.monotonic() - started, 1)
    return value


def unique(values: List[int]) -> List[int]:
    seen: Set[int] = set()
    return [v for v in values if not (v in seen or seen.add(v))]
