# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`bulk-clone`: the engine on the command line, and the GitHub Action's step.

Every flag can also come from an environment variable ``BULK_CLONE_<FLAG>``
(``--api-url`` <- ``BULK_CLONE_API_URL``), which is how action.yml hands its
inputs over: through ``env:``, never spliced into a script. Tokens come
from the environment only (BULK_CLONE_TOKEN or the provider's usual
variable; BULK_CLONE_PUSH_TOKEN for push-to): a flag would put them in argv,
which every user of the machine can read.

Under GitHub Actions (GITHUB_ACTIONS=true) the run is rendered for a runner:
tokens are masked with ``::add-mask::`` before anything else is printed,
phases sit in ``::group::`` blocks, a progress line is printed every few
seconds, the report goes to $GITHUB_STEP_SUMMARY (bounded, see summary.py)
and the counts to $GITHUB_OUTPUT. Elsewhere the same run prints plain lines.

Exit status: 0 done (failures within max_failures), 1 too many failures or
the forge refused, 2 a wrong option.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, TextIO

from .argspec import token_env_name, token_from_env
from .errors import BulkCloneError, ConfigError
from .progress import write_json_atomic
from .redact import Redactor
from .repo import Repo
from .summary import render_summary, render_text

ENV_PREFIX = "BULK_CLONE_"
TOKEN_ENV = "BULK_CLONE_TOKEN"
PUSH_TOKEN_ENV = "BULK_CLONE_PUSH_TOKEN"
APP_KEY_ENV = "BULK_CLONE_APP_PRIVATE_KEY"
EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
MAX_ANNOTATIONS = 10
MAX_FAILURE_LOG_LINES = 1000

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


# --------------------------------------------------------------------------
# The runner's side: workflow commands, outputs, summary
# --------------------------------------------------------------------------

def escape_data(text: str) -> str:
    """Workflow command data: a newline would end the command early."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class Workflow:
    """Where the run is rendered: a GitHub runner or a plain terminal."""

    def __init__(self, environ: Mapping[str, str], out: Optional[TextIO] = None,
                 err: Optional[TextIO] = None) -> None:
        self.env = environ
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.active = environ.get("GITHUB_ACTIONS") == "true"
        self._lock = threading.Lock()
        self._secrets: List[str] = []
        self._redactor = Redactor()

    def print(self, line: str = "") -> None:
        with self._lock:
            self.out.write(self.redact(line) + "\n")
            self.out.flush()

    def redact(self, text: str) -> str:
        """Our own belt to the runner's braces: ::add-mask:: only exists on
        GitHub, masks only the raw form, and a terminal log must not show a
        token either (see redact.py for the forms masked)."""
        return self._redactor.redact(text)

    def redact_data(self, data: Any) -> Any:
        return self._redactor.redact_data(data)

    def mask(self, secret: Optional[str]) -> None:
        if not secret:
            return
        # Multi-line secrets (a PEM key) are masked line by line, as GitHub asks.
        pieces = [secret] + [ln.strip() for ln in secret.splitlines() if len(ln.strip()) >= 4]
        for piece in pieces:
            if piece in self._secrets:
                continue
            if self.active and "\n" not in piece:
                with self._lock:
                    self.out.write("::add-mask::%s\n" % escape_data(piece))
                    self.out.flush()
            self._secrets.append(piece)
        self._redactor.add(secret)

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        if self.active:
            self.print("::group::%s" % escape_data(title))
        else:
            self.print("== %s" % title)
        try:
            yield
        finally:
            if self.active:
                self.print("::endgroup::")

    def annotate(self, level: str, message: str, title: Optional[str] = None) -> None:
        if self.active:
            props = " title=%s" % escape_property(title) if title else ""
            self.print("::%s%s::%s" % (level, props, escape_data(self.redact(message))))
        else:
            with self._lock:
                self.err.write("%s: %s%s\n" % (level, (title + ": ") if title else "", self.redact(message)))
                self.err.flush()

    def set_outputs(self, outputs: Mapping[str, Any]) -> Optional[str]:
        path = self.env.get("GITHUB_OUTPUT")
        if not path:
            return None
        with open(path, "a", encoding="utf-8") as handle:
            for name, value in outputs.items():
                text = self.redact("" if value is None else str(value))
                if "\n" in text:
                    delimiter = "ghadelimiter_%s" % uuid.uuid4().hex
                    handle.write("%s<<%s\n%s\n%s\n" % (name, delimiter, text, delimiter))
                else:
                    handle.write("%s=%s\n" % (name, text))
        return path

    def append_summary(self, markdown: str) -> Optional[str]:
        path = self.env.get("GITHUB_STEP_SUMMARY")
        if not path:
            return None
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(self.redact(markdown))
            if not markdown.endswith("\n"):
                handle.write("\n")
        return path


# --------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------

def split_list(values: Optional[Sequence[str]]) -> List[str]:
    """Lists arrive as repeated flags, or as one string of comma, space or
    newline separated items (the only shape an Action input can take)."""
    items: List[str] = []
    for value in values or []:
        items += [v for v in re.split(r"[,\s]+", value or "") if v]
    return items


def split_lines(values: Optional[Sequence[str]]) -> List[str]:
    """Regular expressions may hold commas and spaces ({1,3}, [a ]): one per line."""
    items: List[str] = []
    for value in values or []:
        items += [v.strip() for v in (value or "").splitlines() if v.strip()]
    return items


def parse_bool(name: str, value: Any) -> Optional[bool]:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text == "":
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError("%s must be true or false, not %r" % (name, value))


def _int(name: str, value: Any) -> Optional[int]:
    if value in (None, ""):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise ConfigError("%s must be a whole number, not %r" % (name, value)) from None


def _float(name: str, value: Any) -> Optional[float]:
    if value in (None, ""):
        return None
    try:
        return float(str(value).strip())
    except ValueError:
        raise ConfigError("%s must be a number, not %r" % (name, value)) from None


# (flag, kind, help); kind: str | list | lines | bool | int | float. Defaults live in
# DEFAULTS so that "not given" (None) can be told from a default.
OPTIONS = (
    ("provider", "str", "github, gitlab or gitea"),
    ("api-url", "str", "API URL (default: github.com / gitlab.com; required for gitea)"),
    ("owners", "list", "organizations, groups or users (comma, space or newline separated)"),
    ("owner-kind", "str", "auto, org, user, group, self or installation"),
    ("path", "str", "folder the repositories go into (alias --dest)"),
    ("path-template", "str", "where each repository goes under path, default {owner}/{name}"),
    ("strategy", "str", "clone, fetch, pull, reset or mirror"),
    ("concurrency", "int", "git processes at once"),
    ("depth", "int", "shallow clones with this many commits"),
    ("filter", "str", "partial clone filter, e.g. blob:none"),
    ("branch", "str", "follow this branch instead of the default branch"),
    ("submodules", "bool", "clone and update submodules"),
    ("protocol", "str", "https or ssh"),
    ("include", "lines", "only repositories matching these regular expressions (one per line or flag)"),
    ("exclude", "lines", "leave out repositories matching these regular expressions (one per line or flag)"),
    ("topics-any", "list", "only repositories with one of these topics"),
    ("topics-all", "list", "only repositories with all of these topics"),
    ("archived", "str", "include, exclude or only"),
    ("forks", "str", "include, exclude or only"),
    ("empty", "str", "include, exclude or only"),
    ("disabled", "str", "include, exclude or only"),
    ("visibility", "list", "public, private, internal"),
    ("languages", "list", "only repositories in these languages"),
    ("shard", "str", "i/N: this job's share of the repositories"),
    ("state-file", "str", "state journal (default: .bulk-clone-state.jsonl in path)"),
    ("prune", "bool", "remove clones of repositories gone from the forge (only without local work)"),
    ("force", "bool", "with strategy reset, reset clones with local work too (kept in a backup)"),
    ("max-failures", "int", "failures tolerated before the run fails; -1 never fails"),
    ("return-repos", "str", "repositories listed in the report: none, changed or all"),
    ("api", "str", "GitHub API: rest or graphql"),
    ("max-wait", "float", "longest wait for a rate limit, in seconds"),
    ("max-calls-per-second", "float", "cap on API calls per second"),
    ("timeout", "float", "API request timeout in seconds"),
    ("validate-certs", "bool", "check TLS certificates"),
    ("app-id", "str", "GitHub App id (with BULK_CLONE_APP_PRIVATE_KEY)"),
    ("app-installation-id", "int", "GitHub App installation id"),
    ("push-to", "str", "URL template of a second remote to push mirrors to, e.g. "
                       "https://gitlab.example.com/backup/{owner_slug}/{name}.git (token: BULK_CLONE_PUSH_TOKEN)"),
    ("push-username", "str", "user name sent with the push token (default x-access-token)"),
    ("summary", "bool", "write the job summary to $GITHUB_STEP_SUMMARY (default true)"),
    ("report-file", "str", "where the full JSON report is written"),
    ("progress-every", "float", "seconds between progress lines (default 10)"),
    ("check", "bool", "list and plan only; change nothing"),
)

DEFAULTS: Dict[str, Any] = {
    "provider": "github", "owner_kind": "auto", "strategy": "mirror", "concurrency": 8,
    "max_failures": 0, "return_repos": "changed", "summary": True, "progress_every": 10.0,
    "push_username": "x-access-token", "check": False, "validate_certs": True,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bulk-clone",
        description="Clone and keep in sync every repository of GitHub, GitLab and Gitea owners. "
                    "Every option can also be set as BULK_CLONE_<OPTION> in the environment "
                    "(e.g. BULK_CLONE_API_URL). The token is read from BULK_CLONE_TOKEN (or GITHUB_TOKEN, "
                    "GITLAB_TOKEN, GITEA_TOKEN), never from a flag.")
    for flag, kind, help_text in OPTIONS:
        names = ["--" + flag] + (["--dest"] if flag == "path" else [])
        dest = flag.replace("-", "_")
        if kind in ("list", "lines"):
            parser.add_argument(*names, dest=dest, action="append", default=None, help=help_text)
        elif kind == "bool":
            parser.add_argument(*names, dest=dest, nargs="?", const="true", default=None, metavar="BOOL",
                                help=help_text)
            parser.add_argument("--no-" + flag, dest=dest, action="store_const", const="false",
                                help=argparse.SUPPRESS)
        else:
            parser.add_argument(*names, dest=dest, default=None, help=help_text)
    return parser


def resolve_options(args: argparse.Namespace, environ: Mapping[str, str]) -> Dict[str, Any]:
    """Flags first, then BULK_CLONE_* variables, then defaults; typed and checked."""
    values: Dict[str, Any] = {}
    for flag, kind, _help in OPTIONS:
        dest = flag.replace("-", "_")
        raw = getattr(args, dest)
        if raw is None:
            env_value = environ.get(ENV_PREFIX + dest.upper())
            if env_value is not None and env_value.strip() != "":
                raw = [env_value] if kind in ("list", "lines") else env_value
        name = flag.replace("-", "_")
        if kind == "list":
            value: Any = split_list(raw)
        elif kind == "lines":
            value = split_lines(raw)
        elif kind == "bool":
            value = parse_bool(name, raw)
        elif kind == "int":
            value = _int(name, raw)
        elif kind == "float":
            value = _float(name, raw)
        else:
            value = raw.strip() if isinstance(raw, str) else raw
            value = value or None
        if value is None and dest in DEFAULTS:
            value = DEFAULTS[dest]
        values[dest] = value
    return values


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------

class OwnerTally:
    """Outcomes per listed owner (a GitLab subgroup counts for the group
    that was asked for), kept as counters so memory does not grow per repo."""

    def __init__(self, owners: Sequence[str]) -> None:
        self._owners = sorted((o.lower().strip("/"), o) for o in owners)
        self._owners.sort(key=lambda pair: -len(pair[0]))
        self.counts: Dict[str, Counter] = defaultdict(Counter)
        self._lock = threading.Lock()

    def owner_of(self, repo: Repo) -> str:
        path = repo.full_path.lower()
        for low, original in self._owners:
            if path.startswith(low + "/"):
                return original
        return repo.owner or "?"

    def count(self, repo: Repo, outcome: str) -> None:
        owner = self.owner_of(repo)
        with self._lock:
            self.counts[owner][outcome] += 1

    def as_dict(self) -> Dict[str, Dict[str, int]]:
        with self._lock:
            return {owner: dict(c) for owner, c in sorted(self.counts.items())}


def default_report_file(options: Mapping[str, Any], environ: Mapping[str, str], dest: str) -> str:
    shard = options.get("shard")
    suffix = "-shard-%s" % re.sub(r"[^0-9A-Za-z]+", "-", shard).strip("-") if shard else ""
    folder = environ.get("RUNNER_TEMP") or os.path.dirname(dest.rstrip(os.sep)) or "."
    return os.path.join(folder, "bulk-clone-report%s.json" % suffix)


def _forge_kwargs(options: Mapping[str, Any], token: Optional[str], app_key: Optional[str],
                  sources: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    return dict(provider=options["provider"], api_url=options["api_url"], token=token, secret_sources=sources,
                app_id=options["app_id"], app_private_key=app_key,
                app_installation_id=options["app_installation_id"], api=options["api"],
                max_wait=options["max_wait"], max_calls_per_second=options["max_calls_per_second"],
                validate_certs=options["validate_certs"], timeout=options["timeout"])


SELECTION_OPTIONS = ("include", "exclude", "topics_any", "topics_all", "archived", "forks", "empty", "disabled",
                     "visibility", "languages", "shard")
SYNC_OPTIONS = ("path_template", "strategy", "concurrency", "depth", "filter", "branch", "submodules", "protocol",
                "state_file", "prune", "force", "max_failures", "return_repos")


def run(options: Dict[str, Any], environ: Mapping[str, str], flow: Workflow) -> int:
    """One run; returns the exit status. Everything a person sees goes through flow."""
    from .engine import Engine, build_sync_settings, failure_verdict
    from .listing import missing_library, open_listing
    from .progress import LineLogger, Progress
    from .pushmirror import PushMirror, PushSettings, validate_push_template

    provider = options["provider"]
    token = environ.get(TOKEN_ENV) or token_from_env(provider, environ) or None
    sources = {"token": TOKEN_ENV if environ.get(TOKEN_ENV) else token_env_name(provider, environ) or "",
               "app_private_key": APP_KEY_ENV}
    push_token = environ.get(PUSH_TOKEN_ENV) or None
    app_key = environ.get(APP_KEY_ENV) or None
    for secret in (token, push_token, app_key):
        flow.mask(secret)
    if app_key:
        token = None   # App authentication replaces the token (GITHUB_TOKEN is always set on runners)

    with flow.group("bulk-clone: configuration"):
        if not options["path"]:
            raise ConfigError("path is required: the folder the repositories are cloned into "
                              "(input 'path', flag --path, or BULK_CLONE_PATH)")
        if options["push_to"]:
            validate_push_template(options["push_to"])   # before it is printed
        if options["push_to"] and options["strategy"] != "mirror":
            raise ConfigError("push_to needs strategy mirror: only a mirror holds every ref to push; "
                              "set strategy: mirror or remove push-to")
        missing = missing_library(provider) if provider in ("github", "gitlab", "gitea") else None
        if missing:
            raise ConfigError("the Python library %s is missing: pip install %s" % (missing[0], missing[0]))
        sync = {name: options[name] for name in SYNC_OPTIONS}
        sync["check_mode"] = bool(options["check"])
        settings = build_sync_settings(options["path"], **sync)
        waits: List[str] = []

        def on_wait(seconds: float, reason: str) -> None:
            flow.print("waiting %ds: %s" % (round(seconds), reason))
            waits.append(reason)

        listing = open_listing(_forge_kwargs(options, token, app_key, sources), options["owners"], options["owner_kind"],
                               {name: options[name] for name in SELECTION_OPTIONS}, on_wait=on_wait)
        report_file = os.path.abspath(options["report_file"] or default_report_file(options, environ,
                                                                                    settings.dest))
        run_info = {
            "provider": provider, "api_url": listing.provider.cfg.api_url, "owners": list(options["owners"]), "owner_kind": options["owner_kind"],
            "strategy": settings.strategy, "concurrency": settings.concurrency, "dest": settings.dest,
            "shard": options["shard"], "check": bool(options["check"]),
        }
        for key in ("provider", "api_url", "owners", "owner_kind", "strategy", "concurrency", "dest", "shard"):
            value = run_info[key]
            value = ", ".join(value) if isinstance(value, list) else value
            flow.print("%-12s %s" % (key + ":", value if value not in (None, "") else "-"))
        flow.print("%-12s %s" % ("state file:", settings.journal_path))
        flow.print("%-12s %s" % ("report:", report_file))
        if options["push_to"]:
            flow.print("%-12s %s (token %s)" % ("push to:", options["push_to"], "set" if push_token else "none"))
        pusher = None
        if options["push_to"] and not options["check"]:
            pusher = PushMirror(PushSettings(url_template=options["push_to"], token=push_token,
                                             username=options["push_username"],
                                             concurrency=settings.concurrency, token_source=PUSH_TOKEN_ENV),
                                settings.dest, settings.journal_path)

    tally = OwnerTally(options["owners"])

    def on_repo(repo: Repo, item: Any) -> None:
        tally.count(repo, item.outcome)
        if pusher is not None:
            pusher.consider(repo, item)

    progress = Progress()
    progress.subscribe(LineLogger(flow.print, every=float(options["progress_every"])))
    title = "bulk-clone: %s %s" % ("planning" if options["check"] else "syncing",
                                   ", ".join(options["owners"]) or options["owner_kind"])
    with flow.group(title):
        try:
            engine_report = Engine(listing, settings, progress, on_repo=on_repo).run()
        finally:
            push_result = pusher.close() if pusher is not None else None

    result = engine_report.as_dict()
    result["run"] = run_info
    result["per_owner"] = tally.as_dict()
    result["report_file"] = report_file
    if push_result is not None:
        result["push"] = push_result
    msg = failure_verdict(engine_report, settings.max_failures, (push_result or {}).get("failed", 0),
                          " or could not be pushed")
    if msg is not None:
        result["failed"] = True
        result["msg"] = msg
    write_json_atomic(report_file, flow.redact_data(result), indent=1)

    if engine_report.failures or (push_result or {}).get("failures"):
        with flow.group("bulk-clone: failures"):
            for item in engine_report.failures[:MAX_FAILURE_LOG_LINES]:
                flow.print("%s: %s" % (item.full_path, item.reason))
            for item in (push_result or {}).get("failures", [])[:MAX_FAILURE_LOG_LINES]:
                flow.print("%s: push failed: %s" % (item["full_path"], item["reason"]))
        for item in engine_report.failures[:MAX_ANNOTATIONS]:
            flow.annotate("warning", item.reason, title="bulk-clone: %s" % item.full_path)

    for warning in result.get("warnings") or []:
        flow.annotate("warning", warning, title="bulk-clone")
    for line in render_text(result).splitlines():
        flow.print(line)
    if options["summary"]:
        flow.append_summary(render_summary(result))
    counts = result["counts"]
    outputs = {name: counts.get(name, 0) for name in ("cloned", "updated", "unchanged", "skipped", "failed",
                                                      "total", "gone")}
    outputs["changed"] = "true" if result.get("changed") else "false"
    outputs["pushed"] = (push_result or {}).get("pushed", 0)
    outputs["push-failed"] = (push_result or {}).get("failed", 0)
    outputs["report-path"] = report_file
    outputs["state-file"] = settings.journal_path
    flow.set_outputs(outputs)
    if result.get("failed"):
        flow.annotate("error", result["msg"], title="bulk-clone")
        return EXIT_FAILED
    return EXIT_OK


def _interrupt_on_sigterm() -> Any:
    """A cancelled job gets SIGINT, then SIGTERM: both end the run the same
    way, through the engine's cleanup (journal closed, workers joined), so
    the next run resumes where this one stopped. Returns the old handler."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt()
    return signal.signal(signal.SIGTERM, interrupt)


def main(argv: Optional[Sequence[str]] = None, environ: Optional[Mapping[str, str]] = None,
         out: Optional[TextIO] = None, err: Optional[TextIO] = None) -> int:
    environ = os.environ if environ is None else environ
    flow = Workflow(environ, out, err)
    # Mask before argparse can echo anything back.
    for name in (TOKEN_ENV, PUSH_TOKEN_ENV, APP_KEY_ENV):
        flow.mask(environ.get(name))
    args = build_parser().parse_args(argv)
    previous = _interrupt_on_sigterm()
    try:
        options = resolve_options(args, environ)
        return run(options, environ, flow)
    except ConfigError as exc:
        flow.annotate("error", str(exc), title="bulk-clone: configuration")
        return EXIT_CONFIG
    except BulkCloneError as exc:
        flow.annotate("error", str(exc), title="bulk-clone")
        return EXIT_FAILED
    except KeyboardInterrupt:
        flow.annotate("error", "interrupted; completed repositories are recorded and will not be redone",
                      title="bulk-clone")
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
