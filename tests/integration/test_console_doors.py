# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 12 at the console and the Action's console: the installed
`bulk-clone` command as a subprocess against the local forge.

- point 3: --check and the Action's check input count what would change;
- point 9: --version, --help, exit codes 0, 1 and 2 (130: test_interrupts.py);
- point 10: the report under dest, the module's defaults;
- point 11: --config profiles, token_file, token_command, a missing token;
- point 12: `bulk-clone list` as a table, JSON lines (streamed) and a tree;
- point 13: the stream statistics in the report, the end text and the summary;
- point 14: `bulk-clone merge-reports` (and the Action's mode merge-reports)
  over the reports of real shard runs, the runner's files simulated.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import yaml

from ansible_support import TOKEN_VARIABLES
from bulk_clone_engine import console as console_module
from bulk_clone_engine.options import BULK_CLONE, argument_spec
from bulk_clone_engine.version import __version__

ROOT = Path(__file__).resolve().parents[2]
SECRET = "ghp_ConsoleSecretTok3n-Kk77-never-print"
COMMAND = shutil.which("bulk-clone", path=str(Path(sys.executable).parent))
BASE = [COMMAND] if COMMAND else [sys.executable, "-m", "bulk_clone_engine.console"]


def console(argv: List[str], env: Optional[Dict[str, str]] = None, cwd: Optional[Path] = None,
            timeout: int = 300) -> subprocess.CompletedProcess:
    """The command as a person runs it: no token, no CI and no runner variables unless given."""
    base = {k: v for k, v in os.environ.items()
            if k not in TOKEN_VARIABLES and not k.startswith(("GITHUB_", "BULK_CLONE_")) and k not in ("CI", "NO_COLOR")}
    base.update(env or {})
    proc = subprocess.run(BASE + argv, env=base, cwd=str(cwd) if cwd else None, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def runner_files(tmp_path: Path, name: str) -> Dict[str, str]:
    """What a GitHub runner gives a step: the Actions flag, the output and summary files."""
    folder = tmp_path / ("runner-" + name)
    folder.mkdir()
    return {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(folder / "output"),
            "GITHUB_STEP_SUMMARY": str(folder / "summary"), "RUNNER_TEMP": str(folder)}


def outputs_of(env: Dict[str, str]) -> Dict[str, str]:
    return dict(line.split("=", 1) for line in Path(env["GITHUB_OUTPUT"]).read_text().splitlines() if "=" in line)


@pytest.fixture
def org(fresh_forge, hermetic_git):
    return fresh_forge(["github:acme:8"], tokens=(SECRET,))


def truth(forge, owner="acme", service="github") -> Dict[str, dict]:
    return {r["full_path"]: r for r in forge.repos(service, owner)}


# --- point 9 ------------------------------------------------------------------------------------------

def test_version_help_and_usage_errors():
    proc = console(["--version"])
    assert proc.returncode == 0 and proc.stdout == "bulk-clone %s\n" % __version__
    assert console(["list", "--version"]).stdout == proc.stdout

    text = console(["--help"]).stdout
    assert "(one of clone, fetch, pull, reset, mirror) [default: pull] [env: BULK_CLONE_STRATEGY]" in \
        " ".join(text.split())
    assert "examples:\n  GITHUB_TOKEN=... bulk-clone --owners acme --dest ~/src" in text
    assert "first found wins: flags, BULK_CLONE_<OPTION> environment variables, the --config file's profile" \
        in " ".join(text.split())
    codes = re.findall(r"^  (\d+) +(.+)$", text.split("exit status:", 1)[1], re.M)
    assert [c for c, _meaning in codes] == ["0", "1", "2", "130"]
    assert "interrupted" in dict(codes)["130"] and "max_failures" in dict(codes)["1"]
    assert "--token-command COMMAND" in text and "--token" not in text.replace("--token-", "")
    listing = console(["list", "--help"]).stdout
    assert "--format {table,jsonl,tree}" in listing and "--dest" not in listing and "--fields" in listing
    assert "missing" in " ".join(console(["merge-reports", "--help"]).stdout.split())

    # The same exit codes, documented where people look.
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Exit status", 1)[1].split("\n#", 1)[0]
    assert re.findall(r"^\| `(\d+)` \|", section, re.M) == ["0", "1", "2", "130"]
    assert re.findall(r"^  (\d+) ", console_module.__doc__, re.M) == ["0", "1", "2", "130"]

    for argv, words in ((["--no-such-flag"], "unrecognized arguments"),
                        (["--dest", "/tmp/x", "--strategy", "yolo"], "strategy 'yolo' is not known"),
                        (["list", "--format", "xml"], "invalid choice: 'xml'"),
                        (["list", "--owners", "a", "--fields", "full_path,nope"], "fields 'nope' is not known")):
        proc = console(argv)
        assert proc.returncode == 2, (argv, proc.stdout, proc.stderr)
        assert words in proc.stderr, (argv, proc.stderr)


def test_exit_1_when_failures_pass_max_failures_or_the_forge_refuses(org, tmp_path):
    bad = sorted(p for p, r in truth(org).items() if not r["empty"])[0]
    org.inject({"kind": "git_status", "path": "^/%s\\.git/" % re.escape(bad), "status": 404, "times": -1})
    base = ["--api-url", org.github_api, "--owners", "acme", "--dest", str(tmp_path / "src")]
    proc = console(base, {"BULK_CLONE_TOKEN": SECRET})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 of %d repositories failed (max_failures is 0)" % len(truth(org)) in proc.stderr
    proc = console(base + ["--max-failures", "1"], {"BULK_CLONE_TOKEN": SECRET})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = console(base, {"BULK_CLONE_TOKEN": SECRET + "-wrong"})
    assert proc.returncode == 1 and "token" in proc.stderr.lower(), proc.stdout + proc.stderr
    assert SECRET not in proc.stdout + proc.stderr


# --- point 10 and point 3 -----------------------------------------------------------------------------

def test_report_under_dest_module_defaults_and_check_counts_at_both_doors(org, tmp_path):
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    dest = tmp_path / "src"
    total = len(truth(org))

    # --check first: counted, nothing written.
    proc = console(["--api-url", org.github_api, "--owners", "acme", "--dest", str(dest), "--check"],
                   {"BULK_CLONE_TOKEN": SECRET}, cwd=elsewhere)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"bulk-clone: %d repositories in \S+ \(.*\): 0 cloned, 0 updated, 0 unchanged, 0 skipped, "
                     r"0 failed, %d would clone" % (total, total), proc.stdout), proc.stdout
    assert not dest.exists() and os.listdir(str(elsewhere)) == []

    # The Action's check input: every input arrives as BULK_CLONE_*, the runner's files get the counts.
    runner = runner_files(tmp_path, "check")
    proc = console([], dict(runner, BULK_CLONE_TOKEN=SECRET, BULK_CLONE_API_URL=org.github_api,
                            BULK_CLONE_OWNERS="acme", BULK_CLONE_DEST=str(dest), BULK_CLONE_CHECK="true",
                            BULK_CLONE_STRATEGY="mirror"), cwd=elsewhere)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
    assert "| 🆕 would clone | %d |" % total in summary and "%d would change (check mode)" % total in summary
    assert outputs_of(runner)["would-clone"] == str(total) and outputs_of(runner)["cloned"] == "0"
    assert not dest.exists()

    # A run with the console's defaults: working trees (strategy pull, as the module), the report under dest.
    proc = console(["--api-url", org.github_api, "--owners", "acme", "--dest", str(dest)],
                   {"BULK_CLONE_TOKEN": SECRET}, cwd=elsewhere)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((dest / ".bulk-clone-report.json").read_text())
    assert report["run"]["strategy"] == "pull" == argument_spec(BULK_CLONE)["strategy"]["default"]
    assert all((dest / p / ".git").is_dir() for p in truth(org))
    assert os.listdir(str(elsewhere)) == []                        # nothing in the current folder
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["inputs"]["strategy"]["default"] == "mirror"    # the Action's own documented default


# --- point 11 -----------------------------------------------------------------------------------------

def test_config_profiles_and_every_token_source(org, tmp_path):
    dest = tmp_path / "src"
    total = len(truth(org))
    public = len([r for r in truth(org).values() if r["visibility"] == "public"])
    assert public < total, "the org needs private repositories, so that a missing token shows"
    token_file = tmp_path / "secrets" / "token"
    token_file.parent.mkdir()
    token_file.write_text(SECRET + "\n")
    config = tmp_path / "bulk-clone.yml"
    config.write_text(yaml.safe_dump({
        "api_url": org.github_api, "owners": ["acme"], "check": True, "default_profile": "cmd",
        "profiles": {
            "cmd": {"dest": "src", "token_command": [sys.executable, "-c", "print(%r)" % SECRET]},
            "file": {"dest": "src", "token_file": "secrets/token", "include": ["^acme/api"]},
            "broken": {"dest": "src", "token_command": [sys.executable, "-c", "import sys; sys.exit(5)"]},
            "typo": {"dset": "src"},
        }}))
    counted = re.compile(r"(\d+) would clone")

    proc = console(["--config", str(config)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "token:       from token_command %s -c" % sys.executable in proc.stdout
    assert counted.search(proc.stdout).group(1) == str(total)      # private ones too: the token was used
    assert "dest:        %s" % dest in proc.stdout                   # relative to the file's folder

    proc = console(["--config", str(config), "--profile", "file"])
    assert proc.returncode == 0 and "token:       from token_file %s" % token_file in proc.stdout
    wanted = len([p for p in truth(org) if p.startswith("acme/api")])
    assert counted.search(proc.stdout).group(1) == str(wanted)
    proc = console(["--config", str(config), "--profile", "file", "--include", "^acme/web"],
                   {"BULK_CLONE_CONCURRENCY": "3"})
    assert "concurrency: 3" in proc.stdout                           # the environment over the file
    assert counted.search(proc.stdout).group(1) == str(len([p for p in truth(org) if p.startswith("acme/web")]))

    # A credential from the environment replaces the file's (the broken command never runs).
    proc = console(["--config", str(config), "--profile", "broken"], {"BULK_CLONE_TOKEN": SECRET})
    assert proc.returncode == 0 and "token:       from BULK_CLONE_TOKEN" in proc.stdout, proc.stderr
    proc = console(["--config", str(config), "--profile", "broken"])
    assert proc.returncode == 2 and "failed (exit status 5) and printed nothing on stderr" in proc.stderr
    proc = console(["--config", str(config), "--profile", "typo"])
    assert proc.returncode == 2 and "%s, profile typo: unknown key 'dset' (did you mean dest?)" % config \
        in proc.stderr
    proc = console(["--config", str(config), "--token-file", str(token_file), "--token-command", "gh auth token"])
    assert proc.returncode == 2 and "give only one of token_file and token_command" in proc.stderr

    # No token anywhere: anonymous, said so with every place looked at; an unknown owner says why it may be.
    proc = console(["--api-url", org.github_api, "--owners", "acme", "--dest", str(dest), "--check"])
    assert proc.returncode == 0
    assert "token:       none: only public repositories (looked at the token option, BULK_CLONE_TOKEN, " \
           "GITHUB_TOKEN, GH_TOKEN, token_file, token_command)" in proc.stdout
    assert counted.search(proc.stdout).group(1) == str(public)
    proc = console(["--api-url", org.github_api, "--owners", "hidden-org", "--dest", str(dest), "--check"])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "no token was given (looked at BULK_CLONE_TOKEN, GITHUB_TOKEN, GH_TOKEN, token_file and " \
           "token_command), so only public repositories are visible: a private owner needs a token" in proc.stderr
    for text in (proc.stdout, proc.stderr):
        assert SECRET not in text


# --- point 12 -----------------------------------------------------------------------------------------

def listed(forge, owner="acme", service="github") -> Dict[str, dict]:
    """What a listing selects by default: every repository the forge has not disabled."""
    return {p: r for p, r in truth(forge, owner, service).items() if not r["disabled"]}


def test_list_as_table_jsonl_and_tree(forge, forge_token):
    env = {"BULK_CLONE_TOKEN": forge_token}
    acme = listed(forge)
    command = "%s -c \"print('%s')\"" % (sys.executable, forge_token)    # the token from a command here too
    proc = console(["list", "--api-url", forge.github_api, "--owners", "acme", "--token-command", command])
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in proc.stdout.splitlines()]            # a pipe: tab-separated, no header
    assert {r[0] for r in rows} == set(acme) and len(rows) == len(acme)
    assert all(r[1] == acme[r[0]]["visibility"] for r in rows)
    assert re.search(r"^%d repositories listed \(\d+ API requests, 3 pages\)$" % len(acme), proc.stderr, re.M)

    proc = console(["list", "--api-url", forge.github_api, "--owners", "acme", "--format", "jsonl",
                    "--fields", "full_path,visibility,clone_url"], env)
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {r["full_path"] for r in records} == set(acme)
    assert all(list(r) == ["full_path", "visibility", "clone_url"] for r in records)

    platform = listed(forge, "platform", "gitlab")
    proc = console(["list", "--provider", "gitlab", "--api-url", forge.gitlab_url, "--owners", "platform",
                    "--format", "tree"], env)
    assert proc.returncode == 0, proc.stderr
    assert any("/" in p[len("platform/"):] for p in platform), "the group needs subgroups for a tree"
    assert untree(proc.stdout.splitlines()) == set(platform)
    assert proc.stdout.startswith("platform/\n")


def untree(lines: List[str]) -> set:
    """The repository paths a tree shows (its leaves), read back from the drawing."""
    paths, stack = set(), []
    for line in lines:
        if not line.startswith((" ", "│", "├", "└")):
            stack = [line.rstrip("/")]
            continue
        depth = (len(line) - len(line.lstrip(" │"))) // 4 + 1
        name = line.lstrip(" │")[4:]
        stack = stack[:depth] + [name.rstrip("/")]
        if not name.endswith("/"):
            paths.add("/".join(stack))
    return paths


def test_list_jsonl_streams_as_the_forge_pages(forge, forge_token):
    """The first repository is out while a later page is still held back by the forge."""
    forge.inject({"kind": "slow", "service": "github", "path": r"/orgs/acme/repos\?.*\bpage=2\b", "seconds": 600})
    env = {k: v for k, v in os.environ.items() if k not in TOKEN_VARIABLES and not k.startswith("GITHUB_")}
    env["BULK_CLONE_TOKEN"] = forge_token
    proc = subprocess.Popen(BASE + ["list", "--api-url", forge.github_api, "--owners", "acme", "--format", "jsonl",
                                    "--fields", "full_path", "--timeout", "600"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        # A guard, not a measure: without streaming nothing comes before the held page (600 s).
        ready, _writable, _exceptional = select.select([proc.stdout], [], [], 120)
        assert ready, "no repository came out while the forge held back a later page"
        first = json.loads(proc.stdout.readline())
        assert first["full_path"] in truth(forge)
        assert proc.poll() is None, "the listing ended before its second page was answered"
    finally:
        proc.kill()
        proc.communicate()


# --- point 13 -----------------------------------------------------------------------------------------

def test_stream_statistics_in_the_report_the_text_and_the_summary(fresh_forge, hermetic_git, tmp_path):
    org = fresh_forge(["github:acme:6:big=1"], tokens=(SECRET,))
    big = next(p for p, r in truth(org).items() if r.get("big"))
    runner = runner_files(tmp_path, "stats")
    dest = tmp_path / "src"
    proc = console(["--api-url", org.github_api, "--owners", "acme", "--dest", str(dest), "--concurrency", "2"],
                   dict(runner, BULK_CLONE_TOKEN=SECRET))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((dest / ".bulk-clone-report.json").read_text())
    stats = report["stats"]
    assert stats["requests"] > 0 and stats["pages"] >= 1
    assert stats["bytes_received"] >= 1 << 20                       # the big repository's pack
    assert stats["work_seconds"] > 0 and stats["listing_seconds"] is not None
    assert 1 <= stats["peak_queue"] <= 4                               # the queue holds twice the workers at most
    slowest = {s["full_path"]: s for s in report["slowest"]}
    assert slowest[big]["bytes"] >= 1 << 20 and slowest[big]["duration"] > 0
    entries = [json.loads(line) for line in Path(report["report_file"]).read_text().splitlines()]
    assert all("duration" in e and "bytes" in e for e in entries)
    assert sum(e["bytes"] for e in entries) == stats["bytes_received"]
    assert re.search(r"^stream: listing \S+, git work \S+, [\d.]+ MiB received, [\d.]+ \S+ listed, queue peak \d+$",
                     proc.stdout, re.M)
    # the end of the log names both files: the run's report and the line per repository
    assert "\nreport: %s\n" % (dest / ".bulk-clone-report.json") in proc.stdout
    assert "\nevery repository: %s\n" % report["report_file"] in proc.stdout
    summary = Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
    assert re.search(r"^- \*\*Stream\*\*: listing \S+, git work \S+, [\d.]+ MiB received, [\d.]+ \S+ listed, queue peak \d+$",
                     summary, re.M)
    assert "### Slowest (" in summary and "`%s`" % big in summary.split("### Slowest", 1)[1]


def test_bytes_listed_in_the_stream_statistics(org, tmp_path):
    proc = console(["--api-url", org.github_api, "--owners", "acme", "--dest", str(tmp_path / "src"), "--check"],
                   {"BULK_CLONE_TOKEN": SECRET, "BULK_CLONE_REPORT_FILE": str(tmp_path / "r.json")})
    assert proc.returncode == 0
    assert json.loads((tmp_path / "r.json").read_text())["stats"]["bytes_listed"] > 0


# --- point 14 -----------------------------------------------------------------------------------------

def test_merge_reports_of_a_sharded_matrix(org, tmp_path):
    total = len(truth(org))
    bad = sorted(p for p, r in truth(org).items() if not r["empty"])[0]
    org.inject({"kind": "git_status", "path": "^/%s\\.git/" % re.escape(bad), "status": 404, "times": -1})
    reports = tmp_path / "artifacts"
    for index in range(3):
        # What each shard job does: its own runner, its report kept as a file for upload-artifact.
        runner = runner_files(tmp_path, "shard-%d" % index)
        proc = console([], dict(runner, BULK_CLONE_TOKEN=SECRET, BULK_CLONE_API_URL=org.github_api,
                                BULK_CLONE_OWNERS="acme", BULK_CLONE_DEST=str(tmp_path / ("shard-%d" % index)),
                                BULK_CLONE_SHARD="%d/3" % index, BULK_CLONE_MAX_FAILURES="1",
                                BULK_CLONE_REPORT_FILE=str(reports / ("bulk-clone-report-%d" % index) / "r.json")))
        assert proc.returncode == 0, proc.stdout + proc.stderr
    failed_shard = next(json.loads(p.read_text())["run"]["shard"] for p in reports.glob("*/r.json")
                        if json.loads(p.read_text())["counts"]["failed"])

    # The final job, as the Action runs it: mode and reports as BULK_CLONE_* inputs, no arguments.
    runner = runner_files(tmp_path, "merge")
    merged_file = tmp_path / "merged.json"
    proc = console([], dict(runner, BULK_CLONE_MODE="merge-reports", BULK_CLONE_REPORTS=str(reports) + "\n",
                            BULK_CLONE_REPORT_FILE=str(merged_file)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    merged = json.loads(merged_file.read_text())
    assert merged["counts"]["total"] == total and merged["counts"]["failed"] == 1
    assert merged["shards"]["ran"] == ["0/3", "1/3", "2/3"] and merged["shards"]["missing"] == []
    summary = Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.startswith("## bulk-clone: acme (github), 3 of 3 shards")
    assert "| **total** | **%d** |" % total in summary
    assert "| %s | `%s` | git clone failed: repository not found (404)" % (failed_shard, bad) in summary
    assert "### Slowest repositories (" in summary and "### Shards (3)" in summary
    outputs = outputs_of(runner)
    assert outputs["total"] == str(total) and outputs["missing-shards"] == "" and \
        outputs["report-path"] == str(merged_file)

    # One shard's report lost: named, and the merge fails.
    shutil.rmtree(str(reports / "bulk-clone-report-1"))
    runner = runner_files(tmp_path, "merge-missing")
    proc = console(["merge-reports", str(reports / "*" / "r.json")], runner)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "missing shards: 1/3" in proc.stdout
    assert "no report from shard 1/3 (the job did not run, or did not upload its report)" in proc.stdout
    assert "**missing: 1/3**" in Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
    assert outputs_of(runner)["missing-shards"] == "1/3"


# --- issue 14 points 1 and 2 at the console and the Action's door ------------------------------------

@pytest.mark.parametrize("service", ["bitbucket", "bitbucket-server"])
def test_bitbucket_at_the_console_and_as_the_action_runs_it(fresh_forge, hermetic_git, tmp_path, service):
    """Bitbucket Cloud with an Atlassian API token and the account email (username), and Data Center
    with a bearer token, through the console's flags and through BULK_CLONE_* as the Action passes
    its inputs: every repository cloned, the summary and the outputs written, the token nowhere."""
    api_token, email = "ATATT-console-api-token", "forge-admin@forge.test"
    forge = fresh_forge(["bitbucket:acme:5", "bitbucket-server:PRJ:4"], tokens=(SECRET,), bitbucket_api_tokens=[api_token])
    owner = "acme" if service == "bitbucket" else "PRJ"
    want = set(truth(forge, owner, service))
    if service == "bitbucket":
        flags = ["--provider", "bitbucket", "--api-url", forge.bitbucket_api, "--username", email]
        env = {"BULK_CLONE_TOKEN": api_token}
        inputs = {"BULK_CLONE_PROVIDER": "bitbucket", "BULK_CLONE_API_URL": forge.bitbucket_api,
                  "BULK_CLONE_USERNAME": email, "BULK_CLONE_TOKEN": api_token}
    else:
        flags = ["--provider", "bitbucket_server", "--api-url", forge.bitbucket_server_url]
        env = {"BULK_CLONE_TOKEN": SECRET}
        inputs = {"BULK_CLONE_PROVIDER": "bitbucket_server", "BULK_CLONE_API_URL": forge.bitbucket_server_url,
                  "BULK_CLONE_TOKEN": SECRET}
    dest = tmp_path / "console"
    proc = console(flags + ["--owners", owner, "--dest", str(dest), "--return-repos", "all"], env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((dest / ".bulk-clone-report.json").read_text())
    assert {r["full_path"] for r in report["repos"]} == want
    assert {r["outcome"] for r in report["repos"]} == {"cloned"}

    runner = runner_files(tmp_path, service)
    action_dest = tmp_path / "action"
    proc = console([], dict(runner, BULK_CLONE_OWNERS=owner, BULK_CLONE_DEST=str(action_dest), **inputs))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert outputs_of(runner)["cloned"] == str(len(want))
    assert "## bulk-clone: %s (%s)" % (owner, inputs["BULK_CLONE_PROVIDER"]) in Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
    # ::add-mask:: is how a runner learns to mask the token; nothing else may carry it
    shown = "\n".join(line for line in (proc.stdout + proc.stderr).splitlines() if not line.startswith("::add-mask::"))
    for secret in (api_token, SECRET):
        assert secret not in shown
        assert secret not in Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
