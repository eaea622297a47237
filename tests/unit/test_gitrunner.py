# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""GitRunner against real git and a real smart-HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import os
import shutil
import stat
import threading
from pathlib import Path

import pytest

from bulk_clone_engine.errors import ConfigError
from bulk_clone_engine.gitrunner import (
    PERMANENT, TRANSIENT, GitError, GitResult, GitRunner, classify, origin_of,
)
from helpers_git import GitHttpServer, Upstream, all_files_text, git, git_home  # noqa: F401  (fixture)

TOKEN = "ghs_S3cretT0kenValue1234567890"


@pytest.fixture(autouse=True)
def _hermetic(git_home):
    return git_home


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def make_runner(**kw) -> GitRunner:
    kw.setdefault("timeout", 60)
    kw.setdefault("backoff_base", 0.01)
    kw.setdefault("backoff_max", 0.05)
    return GitRunner(**kw)


@pytest.fixture
def argv_logging_git(tmp_path):
    """A `git` that logs the argv it was started with, then runs the real git."""
    real = shutil.which("git")
    log = tmp_path / "git-argv.log"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = bindir / "git"
    wrapper.write_text('#!/bin/sh\nprintf "%%s\\n" "$*" >> "%s"\nexec "%s" "$@"\n' % (log, real))
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    return wrapper, log


# -- the token's only channel ---------------------------------------------------
def test_token_reaches_git_only_through_scoped_environment_config():
    runner = make_runner(token=TOKEN, origin="https://forge.example:8443/some/path", username="oauth2")
    env = runner.environment(TOKEN)
    n = int(env["GIT_CONFIG_COUNT"]) - 1
    assert env["GIT_CONFIG_KEY_%d" % n] == "http.https://forge.example:8443/.extraHeader"
    assert env["GIT_CONFIG_VALUE_%d" % n] == "Authorization: Basic " + b64("oauth2:" + TOKEN)
    assert env["GIT_TERMINAL_PROMPT"] == "0" and env["GCM_INTERACTIVE"] == "never"
    assert env["LC_ALL"] == "C" and env["GIT_ASKPASS"]
    assert "BatchMode=yes" in env["GIT_SSH_COMMAND"]

    # git really reads it from there, and what we hand back is redacted.
    res = runner.run(["config", "--get-regexp", r"^http\..*extraheader"])
    assert "http.https://forge.example:8443/.extraheader" in res.stdout
    assert TOKEN not in res.stdout and b64("oauth2:" + TOKEN) not in res.stdout
    assert "***" in res.stdout
    assert not any(TOKEN in a for a in res.argv)


def test_callers_own_git_config_env_is_kept_and_extended(monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "core.abbrev")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "12")
    runner = make_runner(token=TOKEN, origin="https://github.com", config={"color.ui": "never"})
    env = runner.environment(TOKEN)
    assert env["GIT_CONFIG_COUNT"] == "3"
    assert env["GIT_CONFIG_KEY_0"] == "core.abbrev"
    assert runner.run(["config", "--get", "core.abbrev"]).stdout.strip() == "12"
    assert runner.run(["config", "--get", "color.ui"]).stdout.strip() == "never"


def test_env_that_points_git_at_another_repo_is_dropped(tmp_path, monkeypatch):
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    git("init", "-q", here)
    git("init", "-q", elsewhere)
    monkeypatch.setenv("GIT_DIR", str(elsewhere / ".git"))
    top = make_runner().run(["rev-parse", "--show-toplevel"], cwd=here).stdout.strip()
    assert Path(top) == here


def test_users_ssh_command_is_respected(monkeypatch):
    monkeypatch.setenv("GIT_SSH_COMMAND", "ssh -i /keys/deploy")
    assert make_runner().environment()["GIT_SSH_COMMAND"] == "ssh -i /keys/deploy"


def test_token_without_origin_is_refused():
    with pytest.raises(ConfigError, match="origin"):
        GitRunner(token=TOKEN)
    with pytest.raises(ConfigError, match="http"):
        origin_of("ssh://git@github.com")


def test_token_is_redacted_from_argv_stderr_and_errors():
    runner = make_runner(token=TOKEN, origin="https://github.com")
    with pytest.raises(GitError) as info:
        runner.run(["rev-parse", "--verify", TOKEN])
    exc = info.value
    assert TOKEN not in str(exc)
    assert TOKEN not in exc.result.stderr and not any(TOKEN in a for a in exc.result.argv)
    assert runner.redact("see https://me:%s@h/x and %s" % (TOKEN, b64("x-access-token:" + TOKEN))) == \
        "see https://***@h/x and ***"


def test_clone_over_http_sends_header_to_origin_only_and_stores_it_nowhere(tmp_path, argv_logging_git):
    wrapper, argv_log = argv_logging_git
    up = Upstream(tmp_path, "r", commits=2)
    header = "Authorization: Basic " + b64("x-access-token:" + TOKEN)
    with GitHttpServer(up.bare.parent, require_auth=header.split(": ", 1)[1]) as forge, \
            GitHttpServer(up.bare.parent) as other:
        runner = make_runner(git=str(wrapper), token=TOKEN, origin=forge.origin)
        dest = tmp_path / "clone"
        res = runner.run(["clone", forge.url("r.git"), str(dest)])
        assert git("rev-parse", "HEAD", cwd=dest) == up.head()
        assert all(r["authorization"] == header.split(": ", 1)[1] for r in forge.requests)
        assert len(forge.requests) >= 2

        # The same runner talking to another origin sends nothing.
        runner.run(["clone", other.url("r.git"), str(tmp_path / "other")])
        assert other.requests and all(r["authorization"] == "" for r in other.requests)

    assert not any(TOKEN in a for a in res.argv)
    logged = argv_log.read_text()
    assert "clone" in logged and TOKEN not in logged and b64("x-access-token:" + TOKEN) not in logged
    everything = all_files_text(dest)
    assert TOKEN not in everything and b64("x-access-token:" + TOKEN) not in everything
    assert git("config", "--get", "remote.origin.url", cwd=dest) == forge.url("r.git")


def test_token_callable_is_read_for_every_process(tmp_path):
    up = Upstream(tmp_path, "r")
    current = ["first-token-aaaa"]
    with GitHttpServer(up.bare.parent) as forge:
        runner = make_runner(token=lambda: current[0], origin=forge.origin)
        runner.run(["ls-remote", forge.url("r.git")])
        current[0] = "second-token-bbbb"
        runner.run(["ls-remote", forge.url("r.git")])
    seen = {r["authorization"] for r in forge.requests}
    assert seen == {"Basic " + b64("x-access-token:first-token-aaaa"),
                    "Basic " + b64("x-access-token:second-token-bbbb")}


# -- classification and retries -----------------------------------------------
def test_404_is_permanent_and_not_retried(tmp_path):
    up = Upstream(tmp_path, "r")
    with GitHttpServer(up.bare.parent) as forge:
        runner = make_runner(tries=4)
        with pytest.raises(GitError) as info:
            runner.run(["ls-remote", forge.url("missing.git")], retry=True)
    assert info.value.failure == classify(info.value.result)
    assert info.value.failure.kind == PERMANENT
    assert "not found (404)" in str(info.value)
    assert len(forge.requests) == 1


def test_401_without_token_is_an_auth_failure(tmp_path):
    up = Upstream(tmp_path, "r")
    with GitHttpServer(up.bare.parent, require_auth="Basic nope") as forge:
        with pytest.raises(GitError) as info:
            make_runner(tries=3).run(["ls-remote", forge.url("r.git")], retry=True)
    assert info.value.failure.kind == PERMANENT
    assert "authentication failed" in info.value.failure.reason
    assert info.value.tries == 1


def test_403_is_permanent(tmp_path):
    with GitHttpServer(tmp_path) as forge:
        forge.mode = 403
        res = make_runner().run(["ls-remote", forge.url("r.git")], check=False)
    assert classify(res).kind == PERMANENT
    assert "403" in classify(res).reason


def test_5xx_is_retried_with_backoff_then_given_up(tmp_path):
    retries = []
    with GitHttpServer(tmp_path) as forge:
        forge.mode = 503
        runner = make_runner(tries=3, on_retry=lambda exc, n, wait: retries.append((n, wait)))
        with pytest.raises(GitError) as info:
            runner.run(["ls-remote", forge.url("r.git")], retry=True)
    assert info.value.failure.kind == TRANSIENT and "5xx" in info.value.failure.reason
    assert "gave up after 3 tries" in str(info.value)
    assert len(forge.requests) == 3 and len(retries) == 2
    assert all(0 <= wait <= 0.05 for _, wait in retries)   # full jitter within the configured cap


def test_transient_failure_then_success(tmp_path):
    up = Upstream(tmp_path, "r")
    with GitHttpServer(up.bare.parent) as forge:
        forge.mode = 502

        def heal(exc, n, wait):
            forge.mode = "serve"

        res = make_runner(tries=3, on_retry=heal).run(["ls-remote", forge.url("r.git")], retry=True)
    assert up.head() in res.stdout


@pytest.mark.parametrize("mode", ["reset", "empty"])
def test_connection_reset_is_transient(tmp_path, mode):
    with GitHttpServer(tmp_path) as forge:
        forge.mode = mode
        res = make_runner().run(["ls-remote", forge.url("r.git")], check=False)
    assert not res.ok
    assert classify(res).kind == TRANSIENT, res.stderr


def test_unreachable_host_is_transient(tmp_path):
    with GitHttpServer(tmp_path) as forge:
        url = forge.url("r.git")
    res = make_runner().run(["ls-remote", url], check=False)   # server is gone: connection refused
    assert classify(res) == (TRANSIENT, "cannot reach the forge (will retry)")


def test_timeout_kills_git_and_is_transient(tmp_path):
    with GitHttpServer(tmp_path) as forge:
        forge.mode = "stall"
        res = make_runner(timeout=1).run(["ls-remote", forge.url("r.git")], check=False)
    assert not res.ok and "timed out after 1s" in res.stderr
    assert classify(res).kind == TRANSIENT


def test_kill_all_stops_running_git_trees(tmp_path):
    psutil = pytest.importorskip("psutil")
    runner = make_runner()
    results = []
    with GitHttpServer(tmp_path) as forge:
        forge.mode = "stall"
        worker = threading.Thread(target=lambda: results.append(
            runner.run(["ls-remote", forge.url("r.git")], check=False)))
        worker.start()
        while not forge.requests:          # git (and git-remote-http) are now waiting on us
            worker.join(0.02)
        tree = [p for p in psutil.Process().children(recursive=True)]
        assert runner.kill_all() == 1
        worker.join(10)
    assert results and results[0].returncode < 0
    assert classify(results[0]).kind == TRANSIENT
    gone, alive = psutil.wait_procs(tree, timeout=5)
    assert alive == []


def test_local_failures_are_permanent(tmp_path):
    runner = make_runner()
    res = runner.run(["status"], cwd=tmp_path, check=False)
    assert classify(res) == (PERMANENT, "not a git repository")
    res = runner.run(["clone", str(tmp_path / "nope"), str(tmp_path / "x")], check=False)
    assert classify(res).kind == PERMANENT and "does not exist" in classify(res).reason


def test_disk_full_wins_over_network_noise():
    # A full disk cannot be produced safely on a shared machine: git's real message, by hand.
    result = GitResult(128, "", "error: unable to write file: No space left on device\nfatal: early EOF\n",
                       ("git", "clone"))
    assert classify(result) == (PERMANENT, "no space left on device: free disk space under dest")


def test_unknown_failure_quotes_git():
    result = GitResult(1, "", "hint: something\nfatal: some brand new failure\n", ("git", "x"))
    assert classify(result) == (PERMANENT, "fatal: some brand new failure")


def test_no_prompt_ever_blocks(tmp_path, monkeypatch):
    # Even with a terminal-looking environment, git fails instead of asking.
    monkeypatch.delenv("GIT_ASKPASS", raising=False)
    monkeypatch.setenv("SSH_ASKPASS_REQUIRE", "force")
    up = Upstream(tmp_path, "r")
    with GitHttpServer(up.bare.parent, require_auth="Basic x") as forge:
        res = make_runner(timeout=30).run(["ls-remote", forge.url("r.git")], check=False)
    assert not res.ok and classify(res).reason.startswith("authentication failed")
    assert os.environ.get("SSH_ASKPASS_REQUIRE") == "force"   # ours is a private copy
