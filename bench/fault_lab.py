# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One scenario's world: a fresh local forge (its own process), a stranger's
capture server, an argv poller, a dest, and the doors a scenario drives:

- the job API in this process (build_job / run_job / result_of, as
  tests/integration/bulk_clone_support.py does),
- the engine as a process of its own (tests/integration/run_engine.py), for
  kill -9 and for a run that holds the dest lock,
- the console (`python -m bulk_clone_engine.console`), for signals,
- `ansible localhost -m gizzahub.bulk_clone.bulk_clone`, for the death of
  the Ansible process that started the module.

Everything any door prints, returns, raises or logs is kept (`texts`) for
the leak count; every file the scenario writes lives under `dir`, which is
scanned whole. After the scenario `final()` clears the faults and runs once
more, cleanly, and `counts()` takes the four counts of fault_checks.py.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from . import fault_checks as checks

REPO_ROOT = Path(__file__).resolve().parents[1]
INTEGRATION = REPO_ROOT / "tests" / "integration"
for _path in (str(REPO_ROOT), str(INTEGRATION)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

# A token that looks like a real one and shares no 8 characters with anything
# else on the machine, so that every hit is a leak.
TOKEN = "ghp_Fm7qT2vLx9RkWp4ZbN8sHc3YdJ6uEa5G"
TOKEN_VARIABLES = ("BULK_CLONE_TOKEN", "GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN", "BITBUCKET_TOKEN",
                   "BULK_CLONE_PUSH_TOKEN")
# Fast git retries for the job API and the engine process: the matrix proves
# that retries happen, not how long they wait (the stall timeout is the
# product's own 30 s).
FAST_GIT = dict(git_tries=3, git_backoff_base=0.01)


class ScenarioError(RuntimeError):
    """A step the scenario needs did not happen (a baseline run failed, a
    transfer never started): the expected behaviour cannot be shown."""


def hermetic_home(home: Path) -> Dict[str, str]:
    """A git configuration of our own (identity for seeded commits, nothing
    from the machine's), set in os.environ so every door inherits it."""
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / ".gitconfig"
    cfg.write_text("[user]\n\tname = Local Person\n\temail = local@example.invalid\n"
                   "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n")
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG_COUNT", "GIT_ASKPASS", "SSH_ASKPASS", "GIT_TRACE",
                "GIT_TRACE_CURL", "GIT_CURL_VERBOSE") + TOKEN_VARIABLES:
        os.environ.pop(var, None)
    env = {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(cfg), "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
    os.environ.update(env)
    return env


class LogTap(logging.Handler):
    """Every log record of this process, formatted, for the leak count."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: List[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:   # a record that cannot be formatted is no leak
            pass

    def drain(self) -> List[str]:
        lines, self.lines = self.lines, []
        return lines


LOG_TAP = LogTap()


@dataclass
class Run:
    """What one door invocation gave back."""

    door: str
    result: Optional[Dict[str, Any]] = None
    error: Optional[BaseException] = None
    output: str = ""
    returncode: Optional[int] = None
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.error is not None or bool(self.result and self.result.get("failed"))

    @property
    def message(self) -> str:
        if self.error is not None:
            return str(self.error)
        return str((self.result or {}).get("msg") or "")

    def outcomes(self) -> Dict[str, str]:
        return {r["full_path"]: r["outcome"] for r in (self.result or {}).get("repos", [])}

    def reasons(self) -> Dict[str, str]:
        return {r["full_path"]: r.get("reason", "") for r in (self.result or {}).get("repos", [])}


@dataclass
class Counts:
    lost: List[str] = field(default_factory=list)
    corrupted: List[str] = field(default_factory=list)
    overwritten: List[str] = field(default_factory=list)
    leaked: List[str] = field(default_factory=list)


def wait_until(predicate: Callable[[], bool], timeout: float, poll: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll)
    return predicate()


class Lab:
    def __init__(self, name: str, root: Path, specs: Sequence[str], owners: Sequence[str] = ("acme",),
                 home: Optional[Path] = None) -> None:
        self.name = name
        self.dir = root / name
        self.dest = self.dir / "src"
        self.home = home
        self.specs = list(specs)
        self.owners = list(owners)
        self.secrets: List[str] = [TOKEN]
        self.texts: List[Tuple[str, str]] = []
        self.runs = 0
        self.seeds: List[checks.Seed] = []
        self.expect = checks.Expectations()
        self.cleanups: List[Callable[[], None]] = []
        self.final_run: Optional[Run] = None
        self.phases: List[Tuple[str, float]] = []     # (what, seconds since the lab started), for the JSON
        self._began = time.monotonic()
        self._forge_root = root / "forges" / name
        self.forge: Any = None
        self.capture: Any = None
        self.poller: Optional[checks.ArgvPoller] = None

    # --- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> "Lab":
        from tests.forge import ForgeProcess
        from tests.forge.capture import CaptureServer
        self.dir.mkdir(parents=True)
        self._forge_root.mkdir(parents=True)
        self.forge = ForgeProcess(specs=self.specs, tokens=(TOKEN,), root=str(self._forge_root)).start()
        self.capture = CaptureServer().start()
        # The forge's own argv carries --token: the bench put it there, not the product.
        self.poller = checks.ArgvPoller(harness=[self.forge.pid])
        self.poller.start()
        LOG_TAP.drain()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop_watching()
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception:   # cleaning up must not hide the scenario's own outcome
                pass
        self.kill_leftovers()
        if self.capture is not None:
            self.capture.stop()
        if self.forge is not None:
            self.forge.stop()

    def stop_watching(self) -> None:
        if self.poller is not None and self.poller.is_alive():
            self.poller.stop()

    def kill_leftovers(self) -> None:
        """Processes still working under this scenario's folder (orphans of a
        kill -9, which the scenario itself counts) are ended by PID."""
        for pid in checks.processes_under(self.dir, name=""):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    # --- values ----------------------------------------------------------------------------
    def values(self, dest: Optional[Path] = None, owners: Optional[Iterable[str]] = None, **extra: Any
               ) -> Dict[str, Any]:
        values = dict(FAST_GIT, dest=str(dest or self.dest), concurrency=4, return_repos="all",
                      owners=list(owners or self.owners), provider="github", api_url=self.forge.github_api,
                      token=TOKEN)
        values.update(extra)
        return values

    def mark(self, what: str) -> None:
        self.phases.append((what, round(time.monotonic() - self._began, 1)))

    def keep(self, where: str, text: Any) -> None:
        self.texts.append((where, text if isinstance(text, str) else json.dumps(text, default=str)))

    # --- doors -----------------------------------------------------------------------------
    def job(self, dest: Optional[Path] = None, owners: Optional[Iterable[str]] = None, **extra: Any) -> Run:
        """One run through the job API, in this process."""
        from bulk_clone_engine.job import build_job, result_of, run_job
        self.runs += 1
        run = Run(door="job API")
        started = time.monotonic()
        try:
            spec = build_job(self.values(dest, owners, **extra), check_mode=False, environ={})
            run.result = result_of(run_job(spec), spec)
            self.keep("job result", run.result)
        except Exception as exc:   # the error is the outcome some scenarios expect
            run.error = exc
            self.keep("job error", "%s: %s %r" % (exc.__class__.__name__, exc, exc.args))
        run.seconds = time.monotonic() - started
        self.keep("log", "\n".join(LOG_TAP.drain()))
        self.mark("job run %d done (%.1f s)" % (self.runs, run.seconds))
        return run

    def must_succeed(self, run: Run, what: str) -> Run:
        if run.failed:
            raise ScenarioError("%s failed: %s" % (what, run.message[:300]))
        return run

    def engine(self, dest: Optional[Path] = None, **extra: Any) -> "subprocess.Popen[bytes]":
        """The engine as a child process (run_engine.py); the token goes through stdin."""
        from bulk_clone_support import engine_process
        self.runs += 1
        extra.setdefault("return_repos", "none")
        return engine_process({"values": self.values(dest, **extra), "check_mode": False})

    def collect(self, proc: "subprocess.Popen[Any]", door: str, timeout: float = 120) -> Run:
        out, err = proc.communicate(timeout=timeout)
        text = "\n".join(x.decode("utf-8", "replace") if isinstance(x, bytes) else (x or "") for x in (out, err))
        if door == "console":
            # What a person sees: ::add-mask:: lines are instructions the runner
            # consumes and never shows (that is how it learns what to mask).
            text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("::add-mask::"))
        self.keep(door + " output", text)
        self.mark("%s process ended (exit %s)" % (door, proc.returncode))
        run = Run(door=door, output=text, returncode=proc.returncode)
        for line in reversed(text.splitlines()):
            if line.startswith("{"):
                try:
                    run.result = json.loads(line)
                except ValueError:
                    pass
                break
        return run

    def console(self, *argv: str, env: Optional[Dict[str, str]] = None) -> "subprocess.Popen[str]":
        """`python -m bulk_clone_engine.console` as the Action runs it (GITHUB_ACTIONS=true,
        a step summary and outputs file under this scenario's folder)."""
        self.runs += 1
        runner = self.dir / "runner"
        runner.mkdir(exist_ok=True)
        child = dict(os.environ, BULK_CLONE_TOKEN=TOKEN, GITHUB_ACTIONS="true",
                     GITHUB_STEP_SUMMARY=str(runner / "summary.md"), GITHUB_OUTPUT=str(runner / "output"),
                     RUNNER_TEMP=str(runner))
        child.update(env or {})
        cmd = [sys.executable, "-m", "bulk_clone_engine.console", "--api-url", self.forge.github_api,
               "--owners", ",".join(self.owners), "--dest", str(self.dest)] + list(argv)
        return subprocess.Popen(cmd, env=child, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def ansible(self, args: str) -> "subprocess.Popen[str]":
        """`ansible localhost -m gizzahub.bulk_clone.bulk_clone -a ARGS`, the token in the environment,
        Ansible's temporary files under this scenario's folder (scanned for leaks)."""
        from ansible_support import VENV_BIN, ansible_env
        self.runs += 1
        env = ansible_env(BULK_CLONE_TOKEN=TOKEN, ANSIBLE_LOCAL_TEMP=str(self.dir / "ansible-local"),
                          ANSIBLE_REMOTE_TMP=str(self.dir / "ansible-remote"))
        return subprocess.Popen([str(VENV_BIN / "ansible"), "localhost", "-m", "gizzahub.bulk_clone.bulk_clone",
                                 "-a", args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)

    # --- the forge -------------------------------------------------------------------------
    def requests(self) -> int:
        """API and git requests the forge answered since the last reset."""
        return sum(v for k, v in self.forge.counters().items() if k.startswith(("api:", "git:"))
                   and not k.endswith(":list"))

    def repos(self, owner: str = "acme", **want: Any) -> List[Dict[str, Any]]:
        """The forge's repositories of an owner that match every field in want (and are not disabled)."""
        return [r for r in self.forge.repos("github", owner)
                if not r["disabled"] and all(r.get(k) == v for k, v in want.items())]

    def fired(self) -> List[int]:
        return [f["fired"] for f in self.forge.list_faults()]

    # --- local work ------------------------------------------------------------------------
    def seed(self, count: int = 2, avoid: Iterable[str] = (), dest: Optional[Path] = None) -> List[str]:
        """Local work in `count` clones (not in avoid, not empty), before the faulty run."""
        dest = dest or self.dest
        avoid = set(avoid)
        chosen = []
        for path, head in sorted(checks.clones(dest).items()):
            if len(chosen) == count:
                break
            if head and path not in avoid:
                self.seeds.append(checks.seed(dest / path))
                self.expect.seeded.add(path)
                chosen.append(path)
        if len(chosen) < count:
            raise ScenarioError("only %d clones could take local work" % len(chosen))
        return chosen

    def temp_clones(self, dest: Optional[Path] = None) -> List[str]:
        temp = (dest or self.dest) / checks.TEMP_DIR
        return sorted(p.name for p in temp.iterdir()) if temp.is_dir() else []

    # --- the end ---------------------------------------------------------------------------
    def final(self, **extra: Any) -> Run:
        """Faults cleared, one clean run into dest: what a person does next."""
        self.forge.clear_faults()
        self.final_run = self.job(**extra)
        return self.final_run

    def counts(self) -> Counts:
        """The four counts, after the final run (run here if the scenario did not)."""
        if self.final_run is None:
            self.final()
        self.stop_watching()
        counts = Counts()
        counts.lost = checks.repos_lost(self.dest, checks.truth(self.forge, self.owners), self.expect)
        if self.final_run is not None and self.final_run.failed:
            counts.lost.append("the final clean run failed: %s" % self.final_run.message[:300])
        counts.corrupted = checks.repos_corrupted(self.dest)
        counts.overwritten = checks.changes_overwritten(self.seeds)
        finder = checks.LeakFinder(self.secrets)
        counts.leaked = ["file %s" % f for f in finder.in_files(self.dir)]
        if self.home is not None:
            counts.leaked += ["file ~/%s" % f for f in finder.in_files(self.home)]
        counts.leaked += ["%s: %s" % (where, _around(finder, text)) for where, text in self.texts
                          if finder.in_text(text)]
        assert self.poller is not None
        counts.leaked += ["argv %s" % finder.mask(cmd)[:160] for cmd in sorted(self.poller.seen)
                          if finder.in_text(cmd)]
        from tests.forge.capture import credential_like
        for request in self.capture.requests:
            found = credential_like(request, *self.secrets)
            if found:
                counts.leaked.append("request to a stranger %s: %s" % (request.request_line, ", ".join(found)))
        return counts


def _around(finder: checks.LeakFinder, text: str) -> str:
    """Where in a text a secret was found, the secret itself masked."""
    form = finder.in_text(text) or ""
    at = text.find(form)
    return finder.mask(text[max(0, at - 60):at + len(form) + 60])


def by_regex(names: Iterable[str]) -> List[str]:
    """include/exclude patterns that match exactly these repository names."""
    return ["^%s$" % re.escape(n.split("/")[-1]) for n in names]
