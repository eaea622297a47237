# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The scenarios of the fault matrix: the faults of issue 10 and the older
ones (5xx pages, secondary limits, reset mid-pack, kill -9 at random points).

Each scenario gets a fresh Lab (fault_lab.py) and an Expect, drives the
product through a door, and checks the behaviour the issue promises for
that fault; it returns one line saying what held. Most start the same way:
a clean first run, then local work seeded into two clones, then the fault.
The four counts (lost, corrupted, overwritten, leaked) are taken afterwards
by the Lab, the same way for every scenario.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

from . import fault_checks as checks
from .fault_lab import TOKEN, Lab, ScenarioError, by_regex, wait_until

STALL = {"kind": "stall_pack", "service": "git", "seconds": 120, "times": -1}


class Expect:
    """The behaviour a scenario promises, check by check; what broke is what
    the table shows, or `skip(why)` when the scenario cannot run here."""

    def __init__(self) -> None:
        self.broken: List[str] = []
        self.skipped: Optional[str] = None

    def that(self, condition: Any, what: str) -> bool:
        if not condition:
            self.broken.append(what)
        return bool(condition)

    def skip(self, why: str) -> None:
        self.skipped = why


@dataclass
class Scenario:
    name: str
    fault: str
    door: str
    specs: Sequence[str]
    run: Callable[[Lab, Expect], str]
    owners: Sequence[str] = ("acme",)


def _non_empty(lab: Lab, owner: str = "acme", **want: Any) -> List[str]:
    return [r["full_path"] for r in lab.repos(owner, **want) if not r["empty"]]


def baseline(lab: Lab, seeds: int = 2, avoid: Sequence[str] = (), **values: Any) -> List[str]:
    """A clean first run, then local work in `seeds` clones; returns their paths."""
    lab.must_succeed(lab.job(**values), "the first clean run")
    return lab.seed(seeds, avoid)


def _pick(paths: Sequence[str], exclude: Sequence[str], count: int) -> List[str]:
    chosen = [p for p in paths if p not in exclude][:count]
    if len(chosen) < count:
        raise ScenarioError("the forge has too few repositories for this scenario")
    return chosen


# ---------------------------------------------------------------------------
# Credentials go to the forge and nowhere else
# ---------------------------------------------------------------------------

def foreign_clone_url(lab: Lab, ex: Expect) -> str:
    private = _non_empty(lab, private=True)[0]
    public = _non_empty(lab, private=False)[0]
    baseline(lab, exclude=by_regex([private, public]), avoid=[private, public])
    # One listing answer carries one foreign_clone_url fault: a stranger's host first, then
    # the same forge under another name (another origin as far as credentials go).
    lab.forge.inject({"kind": "foreign_clone_url", "service": "github", "base": lab.capture.url,
                      "repos": [private], "times": -1})
    run = lab.job(max_failures=-1, exclude=by_regex([public]))
    reason = run.reasons().get(private, "")
    ex.that(run.outcomes().get(private) == "failed" and "clone URL on %s, not the forge's; credentials withheld"
            % lab.capture.host in reason, "the private repo on a stranger's host did not fail saying credentials "
            "were withheld: %s" % reason)
    ex.that(lab.capture.requests, "git never reached the stranger's host (nothing to prove)")
    lab.forge.clear_faults()
    other = "localhost:%d" % lab.forge.port
    lab.forge.inject({"kind": "foreign_clone_url", "service": "github", "base": "http://" + other,
                      "repos": [public], "times": -1})
    run = lab.job(max_failures=-1)
    reason = run.reasons().get(public, "")
    ex.that(run.outcomes().get(public) == "cloned" and "clone URL on %s, not the forge's; credentials withheld"
            % other in reason, "the public repo listed on another origin was not cloned without credentials: %s"
            % reason)
    return "stranger's host got git without credentials; private repo failed 'credentials withheld'"


def git_redirect(lab: Lab, ex: Expect) -> str:
    targets = _non_empty(lab, private=True)[:1] + _non_empty(lab, private=False)[:2]
    baseline(lab, exclude=by_regex(targets), avoid=targets)
    pushed = _pick(_non_empty(lab), targets + sorted(lab.expect.seeded), 2)
    lab.forge.push_commits("github", pushed)
    lab.forge.inject({"kind": "git_redirect", "status": 302, "location": lab.capture.url, "times": -1})
    run = lab.job(max_failures=-1)
    outcome, reason = run.outcomes(), run.reasons()
    named = "redirected git to another host, %s (HTTP 302)" % lab.capture.host
    wrong = [p for p in targets + pushed if outcome.get(p) != "failed" or named not in reason.get(p, "")]
    ex.that(not wrong, "not failed naming the redirect: %s" % ", ".join("%s (%s)" % (p, reason.get(p)) for p in wrong))
    ex.that(not lab.capture.requests, "git followed the redirect to the stranger (%d requests)"
            % len(lab.capture.requests))
    return "all %d git transfers refused the 302, naming it; nothing followed it" % len(targets + pushed)


def token_newline(lab: Lab, ex: Expect) -> str:
    lab.secrets.append(TOKEN + "\n")
    baseline(lab)
    pushed = _pick(_non_empty(lab, private=True), sorted(lab.expect.seeded), 2)
    lab.forge.push_commits("github", pushed)
    added = lab.forge.add_repos("github", "acme", 2)
    run = lab.job(token=TOKEN + "\n")
    outcome = run.outcomes()
    ex.that(not run.failed, "the run with a token read from a file failed: %s" % run.message[:200])
    ex.that(all(outcome.get(p) == "updated" for p in pushed), "private repos not updated: %s"
            % {p: outcome.get(p) for p in pushed})
    ex.that(all(outcome.get(p) == "cloned" for p in added), "new repos not cloned")
    return "stripped: private repos updated, new ones cloned"


def token_control(lab: Lab, ex: Expect) -> str:
    bad = TOKEN[:14] + "\x07" + TOKEN[14:]
    lab.secrets.append(bad)
    baseline(lab)
    lab.forge.reset_counters()
    run = lab.job(token=bad)
    ex.that(run.error is not None and run.message.startswith("token contains a control character"),
            "not refused naming the token: %s" % run.message[:200])
    ex.that(lab.requests() == 0, "%d requests before the refusal" % lab.requests())
    return "refused naming token, 0 requests"


def api_url_credentials(lab: Lab, ex: Expect) -> str:
    baseline(lab)
    lab.forge.reset_counters()
    run = lab.job(api_url=lab.forge.github_api.replace("http://", "http://alice:%s@" % TOKEN))
    ex.that(run.error is not None and run.message.startswith("api_url must not carry credentials"),
            "not refused naming api_url: %s" % run.message[:200])
    ex.that("alice" not in run.message, "the user name is shown")
    ex.that(lab.requests() == 0, "%d requests before the refusal" % lab.requests())
    return "refused naming api_url, 0 requests"


def push_to_credentials(lab: Lab, ex: Expect) -> str:
    baseline(lab)
    lab.forge.reset_counters()
    mirrors = lab.dir / "mirrors"
    template = lab.forge.url.replace("http://", "http://bob:%s@" % TOKEN) + "/mirror-target/{name}.git"
    run = lab.job(dest=mirrors, strategy="mirror", push_to=template)
    ex.that(run.error is not None and run.message.startswith("push_to must not carry credentials"),
            "not refused naming push_to: %s" % run.message[:200])
    ex.that("bob" not in run.message, "the user name is shown")
    ex.that(lab.requests() == 0 and not mirrors.exists(), "work started before the refusal")
    return "refused naming push_to, 0 requests"


# ---------------------------------------------------------------------------
# A prune never destroys what a typo merely left out
# ---------------------------------------------------------------------------

def _prune_keeps(lab: Lab, ex: Expect, reason: str, owners: Optional[Sequence[str]] = None, **values: Any) -> str:
    baseline(lab)
    before = checks.clones(lab.dest)
    lab.expect.keep = dict(before)
    run = lab.job(owners=owners, prune=True, **values)
    pruned = (run.result or {}).get("counts", {}).get("pruned", 0)
    ex.that(not run.failed and pruned == 0, "pruned %s: %s" % (pruned, run.message[:200]))
    ex.that(checks.clones(lab.dest) == before, "clones changed on disk")
    gone = (run.result or {}).get("gone", [])
    ex.that(gone and {g.get("reason") for g in gone} == {reason},
            "left-out clones not reported %r: %s" % (reason, sorted({g.get("reason") for g in gone})))
    return "nothing pruned; %d clones reported '%s'" % (len(gone), reason)


def prune_typo(lab: Lab, ex: Expect) -> str:
    return _prune_keeps(lab, ex, "not selected, kept", include=["^wbe-"])     # meant ^web-


def prune_shard(lab: Lab, ex: Expect) -> str:
    return _prune_keeps(lab, ex, "not selected, kept", shard="0/3")


def prune_owner(lab: Lab, ex: Expect) -> str:
    return _prune_keeps(lab, ex, "not in this run's owners, kept", owners=["acme"])


def prune_max(lab: Lab, ex: Expect) -> str:
    baseline(lab)
    doomed = _pick(_non_empty(lab), sorted(lab.expect.seeded), 4)
    before = checks.clones(lab.dest)
    lab.expect.keep = dict(before)
    lab.forge.delete_repos("github", doomed)
    run = lab.job(prune=True, max_prune=3)
    ex.that(run.failed and "4 clones would be pruned, more than max_prune (3); nothing was pruned" in run.message,
            "the run did not fail naming 4 and max_prune: %s" % run.message[:200])
    ex.that(checks.clones(lab.dest) == before, "clones changed on disk")
    return "run failed naming 4 > max_prune (3); nothing pruned"


def prune_gone(lab: Lab, ex: Expect) -> str:
    seeded = baseline(lab)
    others = _pick(_non_empty(lab), seeded, 2)
    before = checks.clones(lab.dest)
    lab.forge.delete_repos("github", [seeded[0]] + others)
    run = lab.job(prune=True)
    lab.expect.trash = {p: before[p] for p in others}
    lab.expect.keep = {p: h for p, h in before.items() if p not in others}
    gone = {g["full_path"]: g for g in (run.result or {}).get("gone", [])}
    ex.that(not run.failed, "the prune run failed: %s" % run.message[:200])
    ex.that(all(gone.get(p, {}).get("action") == "trashed" for p in others),
            "gone repos not moved to the trash: %s" % {p: gone.get(p, {}).get("action") for p in others})
    kept = gone.get(seeded[0], {})
    ex.that(kept.get("action") == "kept" and "local work would be lost" in kept.get("reason", ""),
            "a gone clone with local work was not kept: %s" % kept)
    return "2 confirmed-gone clones in the trash, whole; the one with local work kept"


# ---------------------------------------------------------------------------
# Interrupts end cleanly at every door
# ---------------------------------------------------------------------------

def _work_in_flight(lab: Lab) -> None:
    """Fetches for pushed repos and clones of new ones, every pack stalled."""
    pushed = _pick(_non_empty(lab), sorted(lab.expect.seeded), 3)
    lab.forge.push_commits("github", pushed)
    lab.forge.add_repos("github", "acme", 5)
    lab.forge.inject(dict(STALL))


def _clean_after_stop(lab: Lab, ex: Expect) -> None:
    orphans = [] if wait_until(lambda: not checks.processes_under(lab.dest), 5) else \
        checks.processes_under(lab.dest)
    ex.that(not orphans, "%d git processes outlived the stop" % len(orphans))
    ex.that(not lab.temp_clones(), "temporary clones left: %s" % lab.temp_clones())


def console_signal(sig: signal.Signals) -> Callable[[Lab, Expect], str]:
    def scenario(lab: Lab, ex: Expect) -> str:
        baseline(lab)
        _work_in_flight(lab)
        proc = lab.console("--concurrency", "4")
        try:
            if not wait_until(lambda: len(checks.processes_under(lab.dest)) >= 4, 60):
                raise ScenarioError("no transfer started within 60 s")
            lab.mark("4 git processes under dest; sending %s" % sig.name)
            sent = time.monotonic()
            proc.send_signal(sig)
            proc.wait(timeout=60)
            took = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                proc.kill()
        run = lab.collect(proc, "console")
        shown = run.output
        if took > 5:
            lab.mark("slow stop; the console's last lines: %s" % " | ".join(shown.splitlines()[-8:]))
        ex.that(took < 10, "took %.1f s to stop" % took)
        ex.that(proc.returncode == 130, "exit status %s, not 130" % proc.returncode)
        ex.that(re.search(r"interrupted by %s after \d+" % sig.name, shown), "no 'interrupted by %s after N'"
                % sig.name)
        ex.that("Traceback" not in shown, "a traceback was printed")
        _clean_after_stop(lab, ex)
        final = lab.final()
        ex.that(not final.failed, "the re-run did not complete")
        return "exit 130 in %.1f s, no git left, no temp folder; re-run completed" % took
    return scenario


def ansible_killed(lab: Lab, ex: Expect) -> str:
    baseline(lab)
    _work_in_flight(lab)
    before = set(checks.processes_with("AnsiballZ_bulk_clone"))
    proc = lab.ansible("owners=acme dest=%s api_url=%s concurrency=4" % (lab.dest, lab.forge.github_api))
    lab.cleanups.append(lambda: os.killpg(proc.pid, signal.SIGKILL))
    if not wait_until(lambda: len(checks.processes_under(lab.dest)) >= 4, 120):
        raise ScenarioError("no transfer started within 120 s")
    lab.mark("4 git processes under dest; killing ansible")
    modules = set(checks.processes_with("AnsiballZ_bulk_clone")) - before
    ex.that(modules, "the module's process was not found")
    killed = time.monotonic()
    os.kill(proc.pid, signal.SIGKILL)              # Ansible's main process alone, as a cancelled CI job may
    lab.collect(proc, "ansible", timeout=30)
    ended = wait_until(lambda: not set(checks.processes_with("AnsiballZ_bulk_clone")) - before, 15)
    took = time.monotonic() - killed
    ex.that(ended, "the module still runs 15 s after Ansible died")
    _clean_after_stop(lab, ex)
    final = lab.final()
    ex.that(not final.failed, "the re-run did not complete")
    return "the module stopped by itself in %.1f s; no git left, no temp folder" % took


def kill9_leftovers(lab: Lab, ex: Expect) -> str:
    baseline(lab)
    _work_in_flight(lab)
    proc = lab.engine(concurrency=4)
    if not wait_until(lambda: lab.temp_clones(), 60):
        proc.kill()
        lab.collect(proc, "engine")
        raise ScenarioError("no temporary clone appeared within 60 s")
    os.kill(proc.pid, signal.SIGKILL)
    lab.collect(proc, "engine")
    # A machine or container that dies takes the git children with it.
    for pid in checks.processes_under(lab.dest):
        os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not checks.processes_under(lab.dest), 10)
    left = lab.temp_clones()
    ex.that(left, "kill -9 left no temporary clone (nothing to sweep)")
    lab.final()
    ex.that(not lab.temp_clones(), "the next run did not sweep: %s" % lab.temp_clones())
    return "%d temporary clones of the killed run swept by the next start" % len(left)


def two_runs(lab: Lab, ex: Expect) -> str:
    baseline(lab)
    added = lab.forge.add_repos("github", "acme", 4)
    # One stall shorter than the product's 30-s stall timeout: the first run
    # holds the lock meanwhile, then its retry gets the pack.
    lab.forge.inject({"kind": "stall_pack", "service": "git", "path": re.escape(added[0]) + r"\.git/",
                      "seconds": 8, "times": 1})
    first = lab.engine(concurrency=2)
    if not wait_until(lambda: any(lab.fired()), 60):
        first.kill()
        lab.collect(first, "engine")
        raise ScenarioError("the first run never reached the stalled pack")
    other_state = lab.dir / "other-state.jsonl"
    second = lab.job(state_file=str(other_state))
    named = "another bulk-clone run (pid %d on %s, started " % (first.pid, socket.gethostname())
    ex.that(second.error is not None and named in second.message, "the second run was not refused naming the "
            "first: %s" % second.message[:200])
    ex.that("delete" not in second.message and "remove" not in second.message, "advises deleting the lock")
    ex.that(not other_state.exists(), "the second run wrote its state file")
    done = lab.collect(first, "engine", timeout=180)
    ex.that(done.returncode == 0 and done.result and not done.result.get("failed")
            and done.result["counts"].get("failed", 0) == 0,
            "the first run was harmed: exit %s, %s" % (done.returncode, (done.result or {}).get("msg")))
    return "second refused naming pid %d; first completed, 0 failed" % first.pid


# ---------------------------------------------------------------------------
# Faults a user meets
# ---------------------------------------------------------------------------

def stalled_transfer(lab: Lab, ex: Expect) -> str:
    bigs = [r["full_path"] for r in lab.repos(big=True)][:2]
    baseline(lab, exclude=by_regex(bigs), avoid=bigs)
    for path in bigs:
        lab.forge.inject({"kind": "stall_pack", "service": "git", "path": re.escape(path) + r"\.git/",
                          "seconds": 120, "rate": 512 << 10, "times": 1})
    progress = lab.dir / "progress.json"
    shown: List[Any] = []
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.5):
            try:
                data = json.loads(progress.read_text())
            except (OSError, ValueError):
                continue
            shown.extend(r for r in data.get("running", []) if r.get("repo") in bigs and r.get("bytes", 0) > 0)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    run = lab.job(progress_file=str(progress))
    done.set()
    watcher.join()
    ex.that(not run.failed and all(run.outcomes().get(p) == "cloned" for p in bigs),
            "stalled repos not cloned: %s" % run.message[:200])
    ex.that(lab.fired() == [1] * len(bigs), "the stalls did not fire once each: %s" % lab.fired())
    ex.that(run.seconds < 75, "took %.0f s (30-s stall timeout, then one retry)" % run.seconds)
    ex.that(shown, "the progress file never showed bytes received by a stalled repo")
    return "stall ended after the 30-s timeout, retried, run took %.0f s; progress showed bytes" % run.seconds


def full_disk(lab: Lab, ex: Expect) -> str:
    if os.geteuid() != 0:
        ex.skip("mounting a tmpfs needs root")
        return ""
    mount = lab.dir / "disk"
    mount.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True,
                         text=True)
    if res.returncode != 0:
        ex.skip("cannot mount a tmpfs here: %s" % res.stderr.strip())
        return ""
    lab.cleanups.append(lambda: subprocess.run(["umount", "-l", str(mount)], check=False))
    lab.dest = mount / "src"
    big = [r["full_path"] for r in lab.repos(big=True)][0]
    baseline(lab, exclude=by_regex([big]), concurrency=1)
    after = lab.forge.add_repos("github", "acme", 3)
    lab.forge.reset_counters()
    run = lab.job(concurrency=1, max_failures=-1)
    failures = {f["full_path"]: f["reason"] for f in (run.result or {}).get("failures", [])}
    ex.that(run.failed and "(mounted at %s) is full" % mount in run.message,
            "the run did not stop naming the disk: %s" % run.message[:200])
    ex.that("no space left on device" in failures.get(big, ""), "the full disk was not named for %s" % big)
    tried = set(lab.forge.git_requests_by_repo("github"))
    ex.that(all("not attempted" in failures.get(p, "") for p in after) and not set(after) & tried,
            "repos after the full disk were tried")
    # The fault cleared: room on the disk again, and the journal must still be good.
    subprocess.run(["mount", "-o", "remount,size=64m", str(mount)], check=True)
    lab.final(concurrency=2)
    return "stopped at the first ENOSPC naming the disk; nothing after it tried; re-run resumed"


def path_template_escape(lab: Lab, ex: Expect) -> str:
    from bulk_clone_support import tree_digest
    baseline(lab)
    before = tree_digest(lab.dest)
    lab.forge.reset_counters()
    templates = ("../{name}", "/tmp/{name}", "{owner}/../../{name}")
    for template in templates:
        run = lab.job(path_template=template)
        ex.that(run.error is not None and run.message.startswith("path_template %r" % template),
                "%s not refused naming path_template: %s" % (template, run.message[:200]))
    ex.that(lab.requests() == 0, "%d requests before the refusals" % lab.requests())
    ex.that(tree_digest(lab.dest) == before, "dest changed")
    return "%d templates refused naming path_template, 0 requests" % len(templates)


def _pushed_and_new(lab: Lab) -> List[str]:
    pushed = _pick(_non_empty(lab), sorted(lab.expect.seeded), 3)
    lab.forge.push_commits("github", pushed)
    return pushed + lab.forge.add_repos("github", "acme", 3)


def _completed(lab: Lab, ex: Expect, run: Any, work: Sequence[str]) -> None:
    outcome = run.outcomes()
    ex.that(not run.failed and (run.result or {}).get("counts", {}).get("failed", 0) == 0,
            "the run failed: %s" % run.message[:200])
    ex.that(all(outcome.get(p) in ("cloned", "updated") for p in work), "work not done: %s"
            % {p: outcome.get(p) for p in work if outcome.get(p) not in ("cloned", "updated")})


def server_errors(lab: Lab, ex: Expect) -> str:
    baseline(lab, per_page=10)
    work = _pushed_and_new(lab)
    lab.forge.inject({"kind": "status", "service": "github", "status": 502, "path": r"/orgs/acme/repos\?.*page=2",
                      "times": 2})
    lab.forge.inject({"kind": "status", "service": "git", "status": 500,
                      "path": "^/%s\\.git/info/refs" % re.escape(work[0]), "times": 2})
    lab.forge.inject({"kind": "status", "service": "git", "status": 503,
                      "path": "^/%s\\.git/git-upload-pack" % re.escape(work[-1]), "times": 1})
    run = lab.job(per_page=10, retry_base=0.01)
    _completed(lab, ex, run, work)
    ex.that(lab.fired() == [2, 2, 1], "the 5xx faults did not all fire: %s" % lab.fired())
    return "5 pages/git requests answered 5xx, all retried; run completed"


def secondary_limits(lab: Lab, ex: Expect) -> str:
    baseline(lab)
    work = _pushed_and_new(lab)
    lab.forge.inject({"kind": "secondary", "status": 403, "retry_after": 1, "path": "/orgs/acme/repos", "times": 2})
    run = lab.job(secondary_min_wait=0.05)
    _completed(lab, ex, run, work)
    ex.that(lab.fired() == [2], "the secondary limit did not fire twice: %s" % lab.fired())
    return "2 secondary limits waited out (Retry-After); run completed"


def reset_mid_pack(lab: Lab, ex: Expect) -> str:
    baseline(lab)
    work = _pushed_and_new(lab)
    lab.forge.inject({"kind": "reset_pack", "service": "git", "times": 4})
    run = lab.job(git_tries=4)
    _completed(lab, ex, run, work)
    ex.that(lab.fired() == [4], "the resets did not all fire: %s" % lab.fired())
    return "4 packs reset half way, retried; run completed"


def kill9_random(kills: int) -> Callable[[Lab, Expect], str]:
    def scenario(lab: Lab, ex: Expect) -> str:
        from bulk_clone_support import journal_paths
        reference = lab.dir / "reference"
        lab.must_succeed(lab.job(dest=reference), "the uninterrupted reference run")
        first = [p for p in _non_empty(lab) if p not in {r["full_path"] for r in lab.repos(big=True)}][:3]
        lab.must_succeed(lab.job(include=by_regex(first)), "a first run of three repos")
        lab.seed(2)
        state = lab.dest / ".bulk-clone-state.jsonl"

        def done() -> set:
            return set(journal_paths(state).values())
        rng = random.Random(int(os.environ.get("KILL_SEED", "20260401")))
        redone: Dict[str, Any] = {}
        killed, attempts, progress = 0, 0, []
        while killed < kills and attempts < 2 * kills:
            attempts += 1
            before = done()
            lab.forge.reset_counters()
            proc = lab.engine(concurrency=4)
            # A random point, in repos finished rather than seconds (the machine
            # may be busy), then a random extra delay inside the transfers in flight.
            target = len(before) + rng.choice([0, 1, 2, 3, 5])
            wait_until(lambda: proc.poll() is not None or len(done()) >= target, 60, poll=0.02)
            time.sleep(rng.uniform(0.0, 0.3))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                killed += 1
            lab.collect(proc, "engine")
            by_repo = lab.forge.git_requests_by_repo("github")
            redone.update({p: by_repo[p] for p in before if p in by_repo})
            progress.append(len(done()))
        lab.mark("repos recorded after each kill: %s" % progress)
        ex.that(killed == kills, "only %d kills landed before the run finished" % killed)
        ex.that(not redone, "repos recorded as done were fetched again: %s" % sorted(redone)[:5])
        ex.that(progress == sorted(progress), "work was lost between kills: %s" % progress)
        # The git children of killed runs finish on their own (own sessions).
        wait_until(lambda: not checks.processes_under(lab.dest), 90)
        lab.final()
        mine, ref = checks.clones(lab.dest), checks.clones(reference)
        differ = [p for p in set(mine) | set(ref) if mine.get(p) != ref.get(p) and p not in lab.expect.seeded]
        ex.that(not differ, "the tree differs from an uninterrupted run: %s" % sorted(differ)[:5])
        return "%d kills, then one clean run equals an uninterrupted run (%d repos); nothing redone" % (
            killed, len(ref))
    return scenario


def scenarios(kills: int = 20) -> List[Scenario]:
    small = ["github:acme:12"]
    return [
        Scenario("foreign-clone-url", "credentials to a foreign clone URL", "job API", small, foreign_clone_url),
        Scenario("git-redirect", "git 302 to a stranger, every git request", "job API", small, git_redirect),
        Scenario("token-newline", "token with a trailing newline", "job API", small, token_newline),
        Scenario("token-control", "token with a control character", "job API", small, token_control),
        Scenario("api-url-credentials", "credentials in api_url", "job API", small, api_url_credentials),
        Scenario("push-to-credentials", "credentials in push_to", "job API", small, push_to_credentials),
        Scenario("prune-typo", "prune after an include typo", "job API", small, prune_typo),
        Scenario("prune-shard", "prune after a shard change", "job API", small, prune_shard),
        Scenario("prune-owner", "prune with an owner left out", "job API", ["github:acme:8", "github:beta:4"],
                 prune_owner, owners=("acme", "beta")),
        Scenario("prune-max", "prune over max_prune (4 > 3)", "job API", small, prune_max),
        Scenario("prune-gone", "prune of confirmed-gone repos", "job API", small, prune_gone),
        Scenario("sigterm", "SIGTERM mid-transfer", "console", ["github:acme:16"], console_signal(signal.SIGTERM)),
        Scenario("sigint", "SIGINT mid-transfer", "console", ["github:acme:16"], console_signal(signal.SIGINT)),
        Scenario("sighup", "SIGHUP mid-transfer", "console", ["github:acme:16"], console_signal(signal.SIGHUP)),
        Scenario("ansible-killed", "Ansible killed (-9) mid-run", "ansible -m", ["github:acme:16"], ansible_killed),
        Scenario("kill9-leftovers", "kill -9 leftovers swept at the next start", "engine process",
                 ["github:acme:16"], kill9_leftovers),
        Scenario("two-runs", "two runs into one dest, different state files", "engine process + job API",
                 small, two_runs),
        Scenario("stall", "transfer stalled mid-pack (2 repos)", "job API", ["github:acme:10:big=2"],
                 stalled_transfer),
        Scenario("full-disk", "full disk (2 MB tmpfs)", "job API", ["github:acme:6:big=1"], full_disk),
        Scenario("path-template", "path_template that could escape dest", "job API", small, path_template_escape),
        Scenario("5xx", "5xx on listing pages and git", "job API", ["github:acme:30"], server_errors),
        Scenario("secondary", "secondary rate limits", "job API", small, secondary_limits),
        Scenario("reset-pack", "connection reset mid-pack", "job API", small, reset_mid_pack),
        # About 5 repos land between two kills: 8 per kill leaves room for all of them.
        Scenario("kill9-random", "kill -9 at random points x %d" % kills, "engine process",
                 ["github:acme:%d:big=3" % max(100, 8 * kills)], kill9_random(kills)),
    ]
