# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`bulk-clone`: the job on the command line, and the GitHub Action's step.

Flags come from the option table (options.py), with their choices and
defaults in --help. Every option can also come from an environment variable
``BULK_CLONE_<NAME>`` (``--api-url`` <- ``BULK_CLONE_API_URL``), which is how
action.yml hands its inputs over: through ``env:``, never spliced into a
script. Secrets (token, app_private_key, push_token) come from the
environment only (BULK_CLONE_TOKEN or the provider's usual variable): a
flag would put them in argv, which every user of the machine can read.

Under GitHub Actions (GITHUB_ACTIONS=true) the run is rendered for a runner:
tokens are masked with ``::add-mask::`` before anything else is printed,
phases sit in ``::group::`` blocks, a progress line is printed every few
seconds, the report goes to $GITHUB_STEP_SUMMARY (bounded, see summary.py)
and the counts to $GITHUB_OUTPUT. Elsewhere the same run prints plain lines.

Exit status: 0 done (failures within max_failures), 1 too many failures or
the forge refused, 2 a wrong option, 130 interrupted (SIGINT, SIGTERM, SIGHUP).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import uuid
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, TextIO

from .errors import BulkCloneError, ConfigError
from .options import CONSOLE, Option, at, resolve
from .progress import write_json_atomic

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_INTERRUPTED = 0, 1, 2, 130
MAX_ANNOTATIONS = 10
MAX_FAILURE_LOG_LINES = 1000
REPORT_BASENAME = ".bulk-clone-report"


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

    def print(self, line: str = "") -> None:
        with self._lock:
            self.out.write(self.redact(line) + "\n")
            self.out.flush()

    def redact(self, text: str) -> str:
        """Our own belt to the runner's braces: ::add-mask:: only exists on
        GitHub, and a terminal log must not show a token either."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

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
        self._secrets.sort(key=len, reverse=True)

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
# Arguments, from the option table
# --------------------------------------------------------------------------

def _help(o: Option) -> str:
    text = o.doc
    if o.choices and o.type != "list":
        text += " (one of %s)" % ", ".join(map(str, o.choices))
    default = o.default_at(CONSOLE)
    if default not in (None, [], ""):
        text += " [default: %s]" % (", ".join(map(str, default)) if isinstance(default, list) else default)
    text += " [env: %s]" % o.env_name
    return text.replace("%", "%%")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bulk-clone",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Clone and keep in sync every repository of GitHub, GitLab and Gitea owners.\n"
                    "Every option can also be set as BULK_CLONE_<OPTION> in the environment. The token is read "
                    "from BULK_CLONE_TOKEN (or GITHUB_TOKEN, GH_TOKEN, GITLAB_TOKEN, GITEA_TOKEN), never from a flag.",
        epilog="examples:\n"
               "  GITHUB_TOKEN=... bulk-clone --owners acme --dest ~/src\n"
               "  bulk-clone --provider gitlab --api-url https://gitlab.example.com --owners platform \\\n"
               "             --dest /srv/mirror --strategy mirror --prune\n"
               "  bulk-clone --owners big-org --dest /work --shard 0/4 --check\n\n"
               "exit status: 0 done, 1 repositories failed past max_failures or the forge refused,\n"
               "             2 a wrong option, 130 interrupted (SIGINT, SIGTERM or SIGHUP)")
    for o in at(CONSOLE):
        if o.secret:
            continue      # environment only: argv is readable by every user of the machine
        names = [o.flag] + ["--" + a.replace("_", "-") for a in o.aliases]
        if o.type == "list":
            parser.add_argument(*names, dest=o.name, action="append", default=None, metavar="VALUE", help=_help(o))
        elif o.type == "bool":
            parser.add_argument(*names, dest=o.name, nargs="?", const="true", default=None, metavar="BOOL",
                                help=_help(o))
            parser.add_argument("--no-" + o.flag[2:], dest=o.name, action="store_const", const="false",
                                help=argparse.SUPPRESS)
        else:
            parser.add_argument(*names, dest=o.name, default=None, metavar=o.name.upper(), help=_help(o))
    return parser


def resolve_options(args: argparse.Namespace, environ: Mapping[str, str]) -> Dict[str, Any]:
    """Flags first, then BULK_CLONE_* variables, then defaults; typed and checked."""
    given = {o.name: getattr(args, o.name, None) for o in at(CONSOLE)}
    return resolve(CONSOLE, given, environ)


def default_report_file(options: Mapping[str, Any], dest: str) -> str:
    """The JSON report under dest, one per shard, so that shards of a matrix never collide."""
    shard = options.get("shard")
    suffix = "-shard-%s" % re.sub(r"[^0-9A-Za-z]+", "-", shard).strip("-") if shard else ""
    return os.path.join(dest, "%s%s.json" % (REPORT_BASENAME, suffix))


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------

def run(options: Dict[str, Any], environ: Mapping[str, str], flow: Workflow) -> int:
    """One run; returns the exit status. Everything a person sees goes through flow."""
    from .job import Hooks, build_job, result_of, run_job
    from .listing import missing_library
    from .progress import LineLogger
    from .signals import stop_on_signals
    from .summary import render_summary, render_text

    provider = options["provider"]
    values = dict(options)
    if values.get("app_private_key"):
        values["token"] = None   # App authentication replaces the token (GITHUB_TOKEN is always set on runners)
    for name in ("token", "app_private_key", "push_token"):
        flow.mask(values.get(name))

    with flow.group("bulk-clone: configuration"):
        missing = missing_library(provider) if provider in ("github", "gitlab", "gitea") else None
        if missing:
            raise ConfigError("the Python library %s is missing: pip install %s" % (missing[0], missing[0]))
        spec = build_job(values, CONSOLE, check_mode=bool(options["check"]), environ=environ)
        for secret in spec.secrets:
            flow.mask(secret)
        report_file = os.path.abspath(options["report_file"] or default_report_file(options, spec.sync.dest))
        shown = {"provider": provider, "api_url": spec.forge.api_url, "owners": ", ".join(options["owners"]),
                 "owner_kind": options["owner_kind"], "strategy": spec.sync.strategy,
                 "concurrency": spec.sync.concurrency, "dest": spec.sync.dest, "shard": options["shard"]}
        for key, value in shown.items():
            flow.print("%-12s %s" % (key + ":", value if value not in (None, "") else "-"))
        flow.print("%-12s %s" % ("state file:", spec.sync.journal_path))
        flow.print("%-12s %s" % ("report:", report_file))
        if spec.push is not None:
            flow.print("%-12s %s (token %s)" % ("push to:", spec.push.url_template,
                                                "set" if spec.push.token else "none"))

    hooks = Hooks(on_wait=lambda seconds, reason: flow.print("waiting %ds: %s" % (round(seconds), reason)))
    hooks.progress.subscribe(LineLogger(flow.print, every=float(options["progress_every"])))
    title = "bulk-clone: %s %s" % ("planning" if options["check"] else "syncing",
                                   ", ".join(options["owners"]) or options["owner_kind"])
    with flow.group(title), stop_on_signals(hooks.stop):
        report = run_job(spec, hooks)

    result = result_of(report, spec)
    result["report_file_json"] = report_file
    write_json_atomic(report_file, result, indent=1)

    failures = result.get("failures") or []
    push_failures = (result.get("push") or {}).get("failures") or []
    if failures or push_failures:
        with flow.group("bulk-clone: failures"):
            for item in failures[:MAX_FAILURE_LOG_LINES]:
                flow.print("%s: %s" % (item["full_path"], item["reason"]))
            for item in push_failures[:MAX_FAILURE_LOG_LINES]:
                flow.print("%s: push failed: %s" % (item["full_path"], item["reason"]))
        for item in failures[:MAX_ANNOTATIONS]:
            flow.annotate("warning", item["reason"], title="bulk-clone: %s" % item["full_path"])

    for warning in result.get("warnings") or []:
        flow.annotate("warning", warning, title="bulk-clone")
    for line in render_text(result, spec.summary_template).splitlines():
        flow.print(line)
    if options["summary"]:
        flow.append_summary(render_summary(result, template=spec.summary_template))
    counts = result["counts"]
    outputs = {name: counts.get(name, 0) for name in ("cloned", "updated", "unchanged", "skipped", "failed",
                                                      "total", "gone")}
    outputs["changed"] = "true" if result.get("changed") else "false"
    outputs["pushed"] = (result.get("push") or {}).get("pushed", 0)
    outputs["push-failed"] = (result.get("push") or {}).get("failed", 0)
    outputs["report-path"] = report_file
    outputs["state-file"] = spec.sync.journal_path
    flow.set_outputs(outputs)
    if result.get("failed"):
        flow.annotate("error", result["msg"], title="bulk-clone")
        return EXIT_INTERRUPTED if result.get("interrupted") else EXIT_FAILED
    return EXIT_OK


def main(argv: Optional[Sequence[str]] = None, environ: Optional[Mapping[str, str]] = None,
         out: Optional[TextIO] = None, err: Optional[TextIO] = None) -> int:
    environ = os.environ if environ is None else environ
    flow = Workflow(environ, out, err)
    # Mask before argparse can echo anything back.
    for o in at(CONSOLE):
        if o.secret:
            flow.mask(environ.get(o.env_name))
    args = build_parser().parse_args(argv)
    try:
        options = resolve_options(args, environ)
        return run(options, environ, flow)
    except ConfigError as exc:
        flow.annotate("error", str(exc), title="bulk-clone: configuration")
        return EXIT_CONFIG
    except BulkCloneError as exc:
        flow.annotate("error", str(exc), title="bulk-clone")
        return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
