# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Action's console with push-to, against the local forge and real git:
the mirror target ends up with every ref of every source repo, a second run
pushes nothing, a change upstream pushes exactly the changed repos, and a
failed push is retried by the next run although its source did not change."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
from typing import Dict

from bulk_clone_engine.console import main


def ls_remote(url: str, token: str) -> Dict[str, str]:
    header = "Authorization: Basic " + base64.b64encode(("x-access-token:" + token).encode()).decode()
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="http.extraHeader",
               GIT_CONFIG_VALUE_0=header)
    out = subprocess.run(["git", "ls-remote", url], env=env, capture_output=True, text=True, check=True).stdout
    return {ref: sha for sha, ref in (line.split("\t") for line in out.splitlines()) if ref != "HEAD"}


def run_console(forge, token, tmp_path, name="run", extra=()):
    out = io.StringIO()
    files = tmp_path / name
    files.mkdir()
    env = {"GITHUB_ACTIONS": "true", "BULK_CLONE_TOKEN": token, "BULK_CLONE_PUSH_TOKEN": token,
           "GITHUB_OUTPUT": str(files / "output"), "GITHUB_STEP_SUMMARY": str(files / "summary"),
           "RUNNER_TEMP": str(files), "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root")}
    argv = ["--api-url", forge.github_api, "--owners", "acme", "--path", str(tmp_path / "mirrors"),
            "--push-to", forge.url + "/mirror-target/{name}.git", "--concurrency", "4", "--strategy", "mirror"] + list(extra)
    code = main(argv, environ=env, out=out, err=out)
    outputs = dict(line.split("=", 1) for line in (files / "output").read_text().splitlines())
    with open(outputs["report-path"], encoding="utf-8") as handle:
        report = json.load(handle)
    return code, out.getvalue(), outputs, report, (files / "summary").read_text()


def test_push_to_mirrors_every_ref_and_only_what_changed(fresh_forge, forge_token, tmp_path):
    forge = fresh_forge(["github:acme:12"])
    source = {r["name"]: r for r in forge.repos("github", "acme")}
    non_empty = sorted(n for n, r in source.items() if not r["empty"])

    code, log, outputs, report, summary = run_console(forge, forge_token, tmp_path, "first")
    assert code == 0, log
    assert outputs["pushed"] == str(len(non_empty))
    assert outputs["push-failed"] == "0"
    assert report["push"]["pushed"] == len(non_empty)
    for name in non_empty:
        assert ls_remote(forge.url + "/mirror-target/%s.git" % name, forge_token) == \
            ls_remote(source[name]["clone_url"], forge_token), name
    assert "**Push to**" in summary

    # Nothing changed upstream: no clone, no push (not even a receive-pack request).
    forge.reset_counters()
    code, log, outputs, report, _summary = run_console(forge, forge_token, tmp_path, "second")
    assert code == 0, log
    assert outputs["unchanged"] == "12" and outputs["pushed"] == "0"
    assert forge.counters().get("git:receive-pack", 0) == 0

    # Two repositories move upstream: exactly those are fetched and pushed.
    moved = non_empty[:2]
    forge.push_commits("github", ["acme/" + n for n in moved])
    code, log, outputs, report, _summary = run_console(forge, forge_token, tmp_path, "third")
    assert code == 0, log
    assert outputs["updated"] == "2" and outputs["pushed"] == "2"
    for name in moved:
        assert ls_remote(forge.url + "/mirror-target/%s.git" % name, forge_token) == \
            ls_remote(source[name]["clone_url"], forge_token)

    # No token anywhere a person or another process could read it.
    # (The ::add-mask:: command itself is consumed by the runner, not shown.)
    shown = "\n".join(ln for ln in log.splitlines() if not ln.startswith("::add-mask::"))
    for text in (shown, summary, json.dumps(report)):
        assert forge_token not in text
    configs = subprocess.run(["grep", "-rl", forge_token, str(tmp_path / "mirrors")], capture_output=True, text=True, check=False)
    assert configs.stdout == ""


def test_a_failed_push_is_retried_next_run(fresh_forge, forge_token, tmp_path):
    forge = fresh_forge(["github:acme:6"])
    source = {r["name"]: r for r in forge.repos("github", "acme")}
    victim = sorted(n for n, r in source.items() if not r["empty"])[0]
    forge.inject({"kind": "git_status", "service": "git", "status": 403,
                  "path": "mirror-target/%s\\.git/(info/refs|git-receive-pack)" % victim, "times": -1})

    code, log, outputs, report, summary = run_console(forge, forge_token, tmp_path, "first")
    assert code == 1
    assert outputs["push-failed"] == "1"
    assert report["failed"] is True and "could not be pushed" in report["msg"]
    assert report["push"]["failures"][0]["full_path"] == "acme/" + victim
    assert "403" in report["push"]["failures"][0]["reason"]
    assert "### Push failures (1)" in summary
    assert "::error title=bulk-clone::" in log

    forge.clear_faults()
    code, log, outputs, report, _summary = run_console(forge, forge_token, tmp_path, "second")
    assert code == 0, log
    assert outputs["unchanged"] == "6"          # the source did not move...
    assert outputs["pushed"] == "1"             # ...yet the missed push is made
    assert ls_remote(forge.url + "/mirror-target/%s.git" % victim, forge_token) == \
        ls_remote(source[victim]["clone_url"], forge_token)
