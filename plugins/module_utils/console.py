# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`bulk-clone`: the job on the command line, and the GitHub Action's step.

Commands: ``bulk-clone [sync] [options]`` clones and syncs (the default),
``bulk-clone list [options]`` lists (the org_repos_info module at the
console), ``bulk-clone merge-reports FILES...`` merges the JSON reports of a
sharded matrix into one summary (the Action's ``mode: merge-reports``).

Flags come from the option table (options.py), with their choices and
defaults in --help. Every option can also come from an environment variable
``BULK_CLONE_<NAME>`` (``--api-url`` <- ``BULK_CLONE_API_URL``), which is how
action.yml hands its inputs over: through ``env:``, never spliced into a
script, and from a YAML file of named profiles (``--config``, see
config_file.py). Precedence: flags, then the environment, then the file,
then the defaults. Secrets (token, app_private_key, push_token) never come
from flags: a flag would put them in argv, which every user of the machine
can read. The token comes from BULK_CLONE_TOKEN, token_file, token_command
or the provider's usual variable (credentials.py).

On a terminal the run draws a live bar (console_bar.py); under GitHub
Actions (GITHUB_ACTIONS=true) it is rendered for a runner: tokens are masked
with ``::add-mask::`` before anything else is printed, phases sit in
``::group::`` blocks, a progress line is printed every few seconds, the
report goes to $GITHUB_STEP_SUMMARY (bounded, see summary.py) and the counts
to $GITHUB_OUTPUT. In a pipe or in CI the same run prints plain lines.

Exit status:
  0    done (failures within max_failures)
  1    repositories failed past max_failures, the forge refused (a wrong
       token, an unknown owner), or a merged matrix misses a shard's report
  2    a wrong option or configuration (usage)
  130  interrupted (SIGINT, SIGTERM or SIGHUP); a re-run resumes
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import uuid
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, TextIO

from .config_file import CREDENTIALS, load_profile
from .console_bar import LiveBar, wants_bar
from .credentials import looked_at, without_token_hint
from .errors import BulkCloneError, ConfigError, Interrupted
from .job import door_redactor
from .listing import missing_library
from .merge import find_reports, load_reports, merge
from .options import (BY_NAME, CONSOLE, ORG_REPOS, PROVIDERS, Option, at, check_choice, from_env, option,
                      parse_text, resolve)
from .progress import LineLogger, write_json_atomic
from .redact import Redactor
from .repo_views import FORMATS, TABLE_FIELDS, write_jsonl, write_table, write_tree
from .version import __version__

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
        self._redactor = Redactor()
        self._diverted: Optional[Callable[[str], None]] = None

    def print(self, line: str = "") -> None:
        with self._lock:
            if self._diverted is not None:
                self._diverted(self.redact(line))
                return
            self.out.write(self.redact(line) + "\n")
            self.out.flush()

    def divert(self, printer: Optional[Callable[[str], None]]) -> None:
        """Send lines to ``printer`` (the live bar prints them above itself) until divert(None)."""
        with self._lock:
            self._diverted = printer

    def note(self, line: str) -> None:
        """A line for the person, on stderr (stdout carries data: `bulk-clone list`)."""
        with self._lock:
            self.err.write(self.redact(line) + "\n")
            self.err.flush()

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
# Arguments, from the option table
# --------------------------------------------------------------------------

EXAMPLES = """\
examples:
  GITHUB_TOKEN=... bulk-clone --owners acme --dest ~/src
  bulk-clone --provider gitlab --api-url https://gitlab.example.com --owners platform \\
             --dest /srv/mirror --strategy mirror --prune --token-command 'glab config get token'
  bulk-clone --owners big-org --dest /work --shard 0/4 --check
  bulk-clone --config ~/.config/bulk-clone.yml --profile work
  bulk-clone list --owners acme --format tree
  bulk-clone merge-reports reports/"""

EXIT_CODES = """\
exit status:
  0    done (failures within max_failures)
  1    repositories failed past max_failures, or the forge refused (a wrong token, an unknown owner)
  2    a wrong option or configuration (usage)
  130  interrupted (SIGINT, SIGTERM or SIGHUP); a re-run resumes"""

PRECEDENCE = ("Where values come from, first found wins: flags, BULK_CLONE_<OPTION> environment variables, the "
              "--config file's profile, then its top level, then the defaults shown. Secrets are never flags: the "
              "token comes from BULK_CLONE_TOKEN, --token-file, --token-command or the provider's variable "
              "(GITHUB_TOKEN, GH_TOKEN, GITLAB_TOKEN, GITEA_TOKEN, BITBUCKET_TOKEN); without one, only public "
              "repositories are visible.")


def _help(o: Option, door: str = CONSOLE) -> str:
    text = o.doc
    if o.choices and o.type != "list":
        text += " (one of %s)" % ", ".join(map(str, o.choices))
    elif o.choices:
        text += " (any of %s)" % ", ".join(map(str, o.choices))
    default = o.default_at(door)
    if default not in (None, [], ""):
        text += " [default: %s]" % (", ".join(map(str, default)) if isinstance(default, list) else default)
    text += " [env: %s]" % o.env_name
    return text.replace("%", "%%")


def list_options() -> List[Option]:
    """`bulk-clone list`: the listing module's options, and the console's own ways to the token."""
    return [o for o in at(CONSOLE) if o.group == "forge" and ORG_REPOS not in o.doors]


def _add_option_flags(parser: argparse.ArgumentParser, door: str, extra: Sequence[Option] = ()) -> None:
    for o in list(at(door)) + list(extra):
        if o.secret:
            continue      # environment only: argv is readable by every user of the machine
        names = [o.flag] + ["--" + a.replace("_", "-") for a in o.aliases]
        if o.type == "list" and o.split == "shell":
            parser.add_argument(*names, dest=o.name, default=None, metavar="COMMAND", help=_help(o, door))
        elif o.type == "list":
            parser.add_argument(*names, dest=o.name, action="append", default=None, metavar="VALUE",
                                help=_help(o, door))
        elif o.type == "bool":
            parser.add_argument(*names, dest=o.name, nargs="?", const="true", default=None, metavar="BOOL",
                                help=_help(o, door))
            parser.add_argument("--no-" + o.flag[2:], dest=o.name, action="store_const", const="false",
                                help=argparse.SUPPRESS)
        else:
            parser.add_argument(*names, dest=o.name, default=None, metavar=o.name.upper(), help=_help(o, door))


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version="bulk-clone %s" % __version__)
    parser.add_argument("--config", default=None, metavar="FILE",
                        help="a YAML file of options, with the module's option names, in named profiles "
                             "[env: BULK_CLONE_CONFIG]")
    parser.add_argument("--profile", default=None, metavar="NAME",
                        help="the profile of --config to use (default: its default_profile) [env: BULK_CLONE_PROFILE]")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bulk-clone",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Clone and keep in sync every repository of GitHub, GitLab, Gitea and Bitbucket owners.\n\n"
                    "commands: bulk-clone [sync] (this one), bulk-clone list (list the repositories), "
                    "bulk-clone merge-reports (one report for a sharded matrix); see bulk-clone COMMAND --help.\n\n"
                    + PRECEDENCE,
        epilog=EXAMPLES + "\n\n" + EXIT_CODES)
    _add_common(parser)
    _add_option_flags(parser, CONSOLE)
    return parser


def build_list_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bulk-clone list",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="List the repositories a sync would take (the org_repos_info module at the console).\n\n"
                    "table: aligned columns on a terminal, tab-separated in a pipe; jsonl: one JSON object per "
                    "repository, written as the forge pages them; tree: groups and repositories nested by path.\n\n"
                    + PRECEDENCE,
        epilog="examples:\n"
               "  bulk-clone list --owners acme\n"
               "  bulk-clone list --provider gitlab --owners platform --format tree\n"
               "  bulk-clone list --owners acme --format jsonl --fields full_path,clone_url | jq -r .clone_url\n\n"
               "exit status: 0 listed, 1 the forge refused, 2 a wrong option, 130 interrupted")
    _add_common(parser)
    parser.add_argument("--format", default="table", choices=FORMATS,
                        help="how to show them (one of %s) [default: table]" % ", ".join(FORMATS))
    _add_option_flags(parser, ORG_REPOS, list_options())
    return parser


def build_merge_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bulk-clone merge-reports",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Combine the JSON reports of a sharded matrix's jobs (report_file of each shard) into one "
                    "report: totals, failures by shard, the slowest repositories, and every shard that sent no "
                    "report, by name. Writes the job summary under GitHub Actions.",
        epilog="examples:\n"
               "  bulk-clone merge-reports reports/\n"
               "  bulk-clone merge-reports 'reports/**/shard-*.json' --report-file merged.json\n\n"
               "exit status: 0 every shard reported and none failed, 1 a shard is missing or failed, "
               "2 no report found or a wrong option")
    parser.add_argument("--version", action="version", version="bulk-clone %s" % __version__)
    parser.add_argument("reports", nargs="*", metavar="REPORT",
                        help="report files, folders holding them, or glob patterns [env: BULK_CLONE_REPORTS, "
                             "one per line]")
    parser.add_argument("--shards", type=int, default=None, metavar="N",
                        help="how many shards the matrix has (default: what the reports say)")
    parser.add_argument("--report-file", default=None, metavar="FILE",
                        help="write the merged report here as JSON [env: BULK_CLONE_REPORT_FILE]")
    parser.add_argument("--summary", dest="summary", default=None, action="store_const", const="true",
                        help="write the job summary to $GITHUB_STEP_SUMMARY [default: true] [env: BULK_CLONE_SUMMARY]")
    parser.add_argument("--no-summary", dest="summary", action="store_const", const="false", help=argparse.SUPPRESS)
    return parser


def _configured(args: argparse.Namespace, environ: Mapping[str, str], given: Mapping[str, Any]) -> Dict[str, Any]:
    """The --config file's values for this run; a credential given by a flag or
    the environment replaces every credential of the file."""
    path = getattr(args, "config", None) or environ.get("BULK_CLONE_CONFIG")
    profile = getattr(args, "profile", None) or environ.get("BULK_CLONE_PROFILE")
    if not path:
        if profile:
            raise ConfigError("--profile %s needs --config FILE (or BULK_CLONE_CONFIG)" % profile)
        return {}
    values = load_profile(path, profile, (CONSOLE, ORG_REPOS))
    credential_elsewhere = any(given.get(name) for name in CREDENTIALS) or any(
        from_env(option(name), environ) for name in CREDENTIALS if name in BY_NAME)
    if credential_elsewhere:
        values = {k: v for k, v in values.items() if k not in CREDENTIALS}
    return values


def resolve_options(args: argparse.Namespace, environ: Mapping[str, str], door: str = CONSOLE) -> Dict[str, Any]:
    """Flags first, then BULK_CLONE_* variables, then the config file, then defaults; typed and checked."""
    extra = list_options() if door == ORG_REPOS else []
    given = {o.name: getattr(args, o.name, None) for o in list(at(door)) + extra}
    return resolve(door, given, environ, _configured(args, environ, given), extra)


def _report_folder(dest: str, check_mode: bool, environ: Mapping[str, str]) -> str:
    """dest; in check mode, when dest does not exist yet, the runner's (or the
    system's) temporary folder: a plan creates nothing under dest."""
    if check_mode and not os.path.isdir(dest):
        return environ.get("RUNNER_TEMP") or tempfile.gettempdir()
    return dest


def default_report_file(options: Mapping[str, Any], dest: str) -> str:
    """The JSON report under dest, one per shard, so that shards of a matrix never collide."""
    shard = options.get("shard")
    suffix = "-shard-%s" % re.sub(r"[^0-9A-Za-z]+", "-", shard).strip("-") if shard else ""
    return os.path.join(dest, "%s%s.json" % (REPORT_BASENAME, suffix))


# --------------------------------------------------------------------------
# The runs
# --------------------------------------------------------------------------

def _token_line(spec: Any, options: Mapping[str, Any], sources: Mapping[str, str]) -> str:
    if spec.forge.app_id:
        return "GitHub App %s" % spec.forge.app_id
    if not spec.forge.token:
        return "none: only public repositories (looked at %s)" % ", ".join(looked_at(spec.forge.provider))
    for name in ("token_file", "token_command"):
        if options.get(name):
            shown = options[name] if name == "token_file" else " ".join(options[name])
            return "from %s %s" % (name, shown)
    return "from %s" % (sources.get("token") or "the token option")


def _prepare(options: Dict[str, Any], environ: Mapping[str, str], flow: Workflow, door: str) -> Dict[str, Any]:
    """The values for build_job, every secret the door was handed masked first."""
    values = {k: v for k, v in options.items() if k in BY_NAME}
    if values.get("app_private_key"):
        values["token"] = None   # App authentication replaces the token (GITHUB_TOKEN is always set on runners)
    for secret in door_redactor(values, environ).secrets:
        flow.mask(secret)
    provider = options["provider"]
    missing = missing_library(provider) if provider in PROVIDERS else None
    if missing:
        raise ConfigError("the Python library %s is missing: pip install %s" % (missing[0], missing[0]))
    return values


def run(options: Dict[str, Any], environ: Mapping[str, str], flow: Workflow) -> int:
    """One sync; returns the exit status. Everything a person sees goes through flow."""
    from .job import Hooks, build_job, result_of, run_job
    from .signals import stop_on_signals
    from .summary import render_summary, render_text

    values = _prepare(options, environ, flow, CONSOLE)
    # Secrets are never flags: a secret given came from its BULK_CLONE_<NAME> variable.
    sources = {o.name: o.env_name for o in at(CONSOLE) if o.secret and values.get(o.name)}

    with flow.group("bulk-clone: configuration"):
        spec = build_job(values, CONSOLE, check_mode=bool(options["check"]), environ=environ, sources=sources)
        for secret in spec.secrets:
            flow.mask(secret)
        report_file = os.path.abspath(options["report_file"] or default_report_file(options, _report_folder(
            spec.sync.dest, spec.sync.check_mode, environ)))
        shown = {"provider": spec.forge.provider, "api_url": spec.forge.api_url, "owners": ", ".join(options["owners"]),
                 "owner_kind": options["owner_kind"], "strategy": spec.sync.strategy,
                 "concurrency": spec.sync.concurrency, "dest": spec.sync.dest, "shard": options["shard"]}
        for key, value in shown.items():
            flow.print("%-12s %s" % (key + ":", value if value not in (None, "") else "-"))
        flow.print("%-12s %s" % ("token:", _token_line(spec, options, sources)))
        flow.print("%-12s %s" % ("state file:", spec.sync.journal_path))
        flow.print("%-12s %s" % ("report:", report_file))
        if spec.push is not None:
            flow.print("%-12s %s (token %s)" % ("push to:", spec.push.url_template,
                                                "set" if spec.push.token else "none"))

    hooks = Hooks(on_wait=lambda seconds, reason: flow.print("waiting %ds: %s" % (round(seconds), reason)))
    what = ", ".join(options["owners"]) or options["owner_kind"]
    title = "bulk-clone: %s %s" % ("planning" if options["check"] else "syncing", what)
    live = None
    if wants_bar(flow.out, environ):
        flow.print("== %s" % title)
        live = LiveBar(hooks.progress, flow.out, environ, "checking" if options["check"] else "syncing")
        flow.divert(live.print)
    else:
        hooks.progress.subscribe(LineLogger(flow.print, every=float(options["progress_every"])))
    try:
        with (flow.group(title) if live is None else _nothing()), stop_on_signals(hooks.stop):
            report = run_job(spec, hooks)
    finally:
        if live is not None:
            flow.divert(None)
            live.close(hooks.progress.current())

    result = result_of(report, spec)
    result["report_file_json"] = report_file
    write_json_atomic(report_file, flow.redact_data(result), indent=1)

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
    outputs["would-clone"] = counts.get("would clone", 0)
    outputs["would-update"] = counts.get("would update", 0)
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


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def run_list(options: Dict[str, Any], output_format: str, environ: Mapping[str, str], flow: Workflow) -> int:
    """`bulk-clone list`: the repositories on stdout, the cost on stderr."""
    from .job import Hooks, build_job, stream_repos
    from .signals import stop_on_signals
    from .summary import plural

    values = _prepare(options, environ, flow, ORG_REPOS)
    spec = build_job(values, ORG_REPOS, environ=environ)
    for secret in spec.secrets:
        flow.mask(secret)
    fields = list(spec.fields) or (list(TABLE_FIELDS) if output_format == "table" else [])
    hooks = Hooks(on_wait=lambda seconds, reason: flow.note("waiting %ds: %s" % (round(seconds), reason)))
    listing: List[Any] = []

    def rows() -> Iterator[Dict[str, Any]]:
        for repo, source in stream_repos(spec, hooks):
            if hooks.interrupt.is_set():
                return
            if not listing:
                listing.append(source)
            yield flow.redact_data(repo.as_dict(tuple(fields) or None))

    with stop_on_signals(hooks.stop):
        try:
            if output_format == "jsonl":
                count = write_jsonl(rows(), flow.out)
            elif output_format == "tree":
                count = write_tree((row["full_path"] for row in rows_with(rows(), "full_path")), flow.out)
            else:
                count = write_table(rows(), fields, flow.out, aligned=_isatty(flow.out))
        except BrokenPipeError:
            # `| head`: the reader has what it wanted; stop listing, quietly.
            _silence_stdout(flow)
            return EXIT_OK
        except Interrupted as exc:
            flow.annotate("error", str(exc), title="bulk-clone")
            return EXIT_INTERRUPTED
    if hooks.interrupt.is_set():
        return EXIT_INTERRUPTED
    stats = listing[0].stats() if listing else {}
    flow.note("%s listed (%s, %s)" % (plural(count, "repository", "repositories"),
                                      plural(stats.get("requests", 0), "API request"),
                                      plural(stats.get("pages", 0), "page")))
    if count == 0 and not (spec.forge.token or spec.forge.app_id):
        flow.note("note: " + without_token_hint(spec.forge.provider))
    return EXIT_OK


def rows_with(rows: Iterator[Dict[str, Any]], field_name: str) -> Iterator[Dict[str, Any]]:
    for row in rows:
        if field_name not in row:
            raise ConfigError("--format tree needs the field %s: add it to --fields" % field_name)
        yield row


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _silence_stdout(flow: Workflow) -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, flow.out.fileno())
    except (OSError, AttributeError, ValueError):
        pass


def run_merge(args: argparse.Namespace, environ: Mapping[str, str], flow: Workflow) -> int:
    """`bulk-clone merge-reports` (the Action's mode: merge-reports)."""
    from .summary import render_summary, render_text

    patterns = list(args.reports or [])
    if not patterns:
        patterns = parse_text(option("reports"), environ.get("BULK_CLONE_REPORTS") or "") or []
    if not patterns:
        raise ConfigError("merge-reports needs the shards' reports: give files, folders or glob patterns "
                          "(the Action's reports input)")
    summary = parse_text(option("summary"), args.summary or environ.get("BULK_CLONE_SUMMARY") or "true")
    report_file = args.report_file or environ.get("BULK_CLONE_REPORT_FILE") or None
    with flow.group("bulk-clone: merging reports"):
        paths = find_reports(patterns)
        reports, notes = load_reports(paths)
        for note in notes:
            flow.print(note)
        for report in reports:
            flow.print("shard %s: %s" % (report.label, report.path))
        merged = merge(reports, args.shards)
    merged = flow.redact_data(merged)
    if report_file:
        merged["report_file_json"] = os.path.abspath(report_file)
        write_json_atomic(report_file, merged, indent=1)
    for warning in merged.get("warnings") or []:
        flow.annotate("warning", warning, title="bulk-clone: merge-reports")
    for line in render_text(merged).splitlines():
        flow.print(line)
    if summary:
        flow.append_summary(render_summary(merged))
    counts = merged["counts"]
    names = ("cloned", "updated", "unchanged", "skipped", "failed", "total", "gone")
    outputs: Dict[str, Any] = {name: counts.get(name, 0) for name in names}
    outputs["changed"] = "true" if merged.get("changed") else "false"
    outputs["missing-shards"] = " ".join(merged["shards"]["missing"])
    outputs["report-path"] = merged.get("report_file_json") or ""
    flow.set_outputs(outputs)
    if merged.get("failed"):
        flow.annotate("error", merged["msg"], title="bulk-clone: merge-reports")
        return EXIT_FAILED
    return EXIT_OK


COMMANDS = ("sync", "list", "merge-reports")


def _command(argv: List[str], environ: Mapping[str, str]) -> str:
    """The subcommand (removed from argv); under the Action, its mode input."""
    if argv and argv[0] in COMMANDS:
        return argv.pop(0)
    mode = (environ.get("BULK_CLONE_MODE") or "").strip()
    if mode:
        o = option("mode")
        check_choice(o, mode)
        return mode
    return "sync"


def main(argv: Optional[Sequence[str]] = None, environ: Optional[Mapping[str, str]] = None,
         out: Optional[TextIO] = None, err: Optional[TextIO] = None) -> int:
    environ = os.environ if environ is None else environ
    flow = Workflow(environ, out, err)
    # Mask before argparse can echo anything back.
    for o in at(CONSOLE):
        if o.secret:
            flow.mask(environ.get(o.env_name))
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        command = _command(args_list, environ)
        if command == "merge-reports":
            return run_merge(build_merge_parser().parse_args(args_list), environ, flow)
        if command == "list":
            args = build_list_parser().parse_args(args_list)
            return run_list(resolve_options(args, environ, ORG_REPOS), args.format, environ, flow)
        args = build_parser().parse_args(args_list)
        return run(resolve_options(args, environ), environ, flow)
    except ConfigError as exc:
        flow.annotate("error", str(exc), title="bulk-clone: configuration")
        return EXIT_CONFIG
    except Interrupted as exc:
        flow.annotate("error", str(exc), title="bulk-clone")
        return EXIT_INTERRUPTED
    except BulkCloneError as exc:
        flow.annotate("error", str(exc), title="bulk-clone")
        return EXIT_FAILED
    except KeyboardInterrupt:
        flow.annotate("error", "interrupted before the run started", title="bulk-clone")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(main())
