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
    PERMANENT, TRANSIENT, GitError, GitInterrupted, GitResult, GitRunner, allow_git_again, classify, origin_of,
    terminate_all_git, url_host, url_origin, withheld_note,
)
from bulk_clone_engine.gitstderr import StderrReader, bytes_from_progress
from tests.helpers_git import GitHttpServer, Upstream, all_files_text, git

TOKEN = "ghs_S3cretT0kenValue1234567890"
HELPER_SECRET = "helper-Secret-Password-9876"


@pytest.fixture(autouse=True)
def _hermetic(git_home):
    yield git_home
    allow_git_again()        # terminate_all_git() is process-wide: never leak it into the next test


@pytest.fixture
def machine_helper(git_home, tmp_path):
    """A credential helper in the user's git config that answers for any host,
    as CI setups often write one (`!f() { echo password=$TOKEN; }; f`)."""
    helper = tmp_path / "helper.sh"
    helper.write_text("#!/bin/sh\necho username=helper-user\necho password=%s\n" % HELPER_SECRET)
    helper.chmod(0o755)
    with open(git_home, "a") as cfg:
        cfg.write("[credential]\n\thelper = %s\n" % helper)
    return helper


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
    pairs = [(env["GIT_CONFIG_KEY_%d" % i], env["GIT_CONFIG_VALUE_%d" % i]) for i in range(n)]
    assert ("credential.helper", "") in pairs                        # the machine's helpers are reset
    assert ("http.followRedirects", "false") in pairs
    assert ("http.https://forge.example:8443/.followRedirects", "false") in pairs

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
    assert int(env["GIT_CONFIG_COUNT"]) > 3
    assert env["GIT_CONFIG_KEY_0"] == "core.abbrev" and env["GIT_CONFIG_KEY_1"] == "color.ui"
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
    assert all(0 <= wait <= 0.05 for _attempt, wait in retries)   # full jitter within the configured cap


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
    assert classify(res) == (TRANSIENT, "cannot reach the forge")


def test_timeout_kills_git_and_is_transient(tmp_path):
    with GitHttpServer(tmp_path) as forge:
        forge.mode = "stall"
        res = make_runner(timeout=1).run(["ls-remote", forge.url("r.git")], check=False)
    assert not res.ok and "timed out after 1s" in res.stderr
    assert classify(res).kind == TRANSIENT


def test_terminate_all_git_stops_every_runners_git_trees_and_refuses_new_ones(tmp_path):
    psutil = pytest.importorskip("psutil")
    runners = [make_runner(), make_runner(token=TOKEN, origin="http://127.0.0.1:1")]
    outcomes = []

    def run(runner, url):
        try:
            outcomes.append(runner.run(["ls-remote", url], check=False))
        except GitInterrupted as exc:
            outcomes.append(exc)

    with GitHttpServer(tmp_path) as forge:
        forge.mode = "stall"
        workers = [threading.Thread(target=run, args=(r, forge.url("r%d.git" % i))) for i, r in enumerate(runners)]
        for worker in workers:
            worker.start()
        while len(forge.requests) < 2:     # both gits (and their git-remote-http) wait on us now
            workers[0].join(0.02)
        tree = psutil.Process().children(recursive=True)
        groups = {p.pid for p in tree if p.ppid() == os.getpid()}
        assert terminate_all_git(grace=2.0) == 2
        for worker in workers:
            worker.join(10)
        # A runner asked for more git after the interrupt refuses, whatever check says.
        with pytest.raises(GitInterrupted, match="interrupted"):
            runners[0].run(["ls-remote", forge.url("r.git")], check=False)
    assert len(outcomes) == 2 and all(isinstance(o, GitInterrupted) for o in outcomes)
    _gone, alive = psutil.wait_procs(tree, timeout=5)
    assert [p for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []
    assert not [p for p in psutil.process_iter(["pid"]) if _pgid(p.pid) in groups and p.status() != "zombie"]


def _pgid(pid):
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def test_an_interrupt_cuts_a_retry_wait_short(tmp_path):
    waiting = threading.Event()
    outcome = []
    runner = make_runner(tries=3, backoff_base=1000, backoff_max=1000,
                         on_retry=lambda exc, n, wait: waiting.set())
    with GitHttpServer(tmp_path) as forge:
        forge.mode = 503

        def run():
            try:
                runner.run(["ls-remote", forge.url("r.git")], retry=True)
            except GitInterrupted as exc:
                outcome.append(exc)
        worker = threading.Thread(target=run)
        worker.start()
        waiting.wait(30)                    # the first try failed; the runner now waits up to 1000 s
        terminate_all_git()
        worker.join(30)
    assert not worker.is_alive() and len(outcome) == 1
    assert len(forge.requests) == 1         # no second try after the interrupt


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


# -- messages: the final one never promises a retry ---------------------------
def test_final_message_says_gave_up_and_only_the_notice_says_will_retry(tmp_path):
    notices = []
    with GitHttpServer(tmp_path) as forge:
        forge.mode = 502
        runner = make_runner(tries=3, on_retry=lambda exc, n, wait: notices.append(exc.retry_notice(wait, n, 3)))
        with pytest.raises(GitError) as info:
            runner.run(["ls-remote", forge.url("r.git")], retry=True)
    final = str(info.value)
    assert final.startswith("git ls-remote failed: HTTP 5xx from the forge")
    assert final.endswith("(gave up after 3 tries)") and "will retry" not in final
    assert len(notices) == 2 and all("will retry in" in n and "gave up" not in n for n in notices)
    assert notices[0].endswith("(try 1 of 3 failed)")


def test_no_reason_promises_a_retry():
    from bulk_clone_engine.gitrunner import _PATTERNS
    assert not [reason for _p, _k, reason in _PATTERNS if "retry" in reason]


# -- point 1 at the runner: a URL elsewhere never gets the token -----------------
def test_url_helpers():
    assert origin_of("HTTPS://Forge.Example:443/a/b.git") == "https://forge.example"
    assert origin_of("http://[::1]:8080/x") == "http://[::1]:8080"
    assert url_origin("git@github.com:o/r.git") is None and url_origin("ssh://git@h/o/r") is None
    assert url_origin("/srv/repos/r.git") is None
    assert url_host("https://user:pw@evil.example:8443/o/r.git") == "evil.example:8443"
    assert url_host("git@github.com:o/r.git") == "github.com"
    assert withheld_note("https://u:p@evil.example/o/r.git") == \
        "clone URL on evil.example, not the forge's; credentials withheld"
    runner = make_runner(token=TOKEN, origin="https://forge.example")
    assert runner.trusts("https://forge.example/o/r.git") and not runner.trusts("https://forge.example:8443/o/r")
    assert runner.withholds("https://evil.example/o/r.git") and not runner.withholds("git@evil.example:o/r")
    assert not make_runner().withholds("https://evil.example/o/r.git")     # no token: nothing to withhold


def test_runner_sends_nothing_to_a_url_on_another_origin(tmp_path, machine_helper):
    up = Upstream(tmp_path, "r")
    with GitHttpServer(up.bare.parent) as forge, GitHttpServer(up.bare.parent, require_auth="Basic x") as other:
        runner = make_runner(token=TOKEN, origin=forge.origin)
        with pytest.raises(GitError) as info:
            runner.run(["clone", "--", other.url("r.git"), str(tmp_path / "c")])
        # A public repo elsewhere still clones, without credentials, and says so.
        public = runner.run(["ls-remote", forge.url("r.git").replace("127.0.0.1", "localhost")])
    host = other.origin.split("//")[1]
    assert info.value.withheld_from == (host,)
    assert "clone URL on %s, not the forge's; credentials withheld" % host in str(info.value)
    assert info.value.failure.reason.startswith("authentication failed")
    assert other.requests and all(r["authorization"] == "" for r in other.requests)
    assert public.ok and public.withheld_from == ("localhost:%s" % forge.origin.rsplit(":", 1)[1],)
    assert up.head() in public.stdout
    # ... while git asked no helper: the machine's helper would have answered.
    assert HELPER_SECRET not in repr(other.requests)


def test_fetch_in_a_clone_whose_origin_is_elsewhere_runs_without_the_token(tmp_path):
    up = Upstream(tmp_path, "r")
    with GitHttpServer(up.bare.parent) as forge, GitHttpServer(up.bare.parent) as other:
        git("clone", "-q", other.url("r.git"), tmp_path / "c")
        runner = make_runner(token=TOKEN, origin=forge.origin)
        before = len(other.requests)
        res = runner.run(["fetch", "--prune", "origin"], cwd=tmp_path / "c", retry=True)
        assert res.withheld_from == (other.origin.split("//")[1],)
        assert all(r["authorization"] == "" for r in other.requests[before:]) and len(other.requests) > before
        # The same clone pointed back at the forge gets the token again.
        git("remote", "set-url", "origin", forge.url("r.git"), cwd=tmp_path / "c")
        res = runner.run(["fetch", "origin"], cwd=tmp_path / "c")
        assert res.withheld_from == () and forge.requests[-1]["authorization"].startswith("Basic ")


def test_machine_credential_helpers_are_never_asked(tmp_path, machine_helper):
    # Without a token, a 401 from the forge itself gets nothing either: the
    # helper is reset and the askpass program refuses.
    up = Upstream(tmp_path, "r")
    assert git("config", "--get", "credential.helper") == str(machine_helper)
    with GitHttpServer(up.bare.parent, require_auth="Basic whatever") as forge:
        res = make_runner().run(["ls-remote", forge.url("r.git")], check=False)
    assert classify(res).reason.startswith("authentication failed")
    assert forge.requests and all(r["authorization"] == "" for r in forge.requests)


# -- stderr: progress, transcript, trace ------------------------------------------
def test_stderr_reader_keeps_last_meter_state_reports_bytes_and_hides_the_trace():
    seen = []
    reader = StderrReader(seen.append)
    stream = (b"Cloning into 'x'...\n"
              b"12:00:00.000001 http.c:684              <= Recv header: HTTP/1.1 302 Found\n"
              b"12:00:00.000002 http.c:684              <= Recv header: Location: http://u:p@other:81/r.git/info/refs\n"
              b"remote: Counting objects:  50% (1/2)\rremote: Counting objects: 100% (2/2), done.\n"
              b"Receiving objects:  10% (1/10), 512.00 KiB | 1.00 MiB/s\r"
              b"Receiving objects:  50% (5/10), 1.50 MiB | 1.00 MiB/s\r"
              b"Receiving objects:  70% (7/10), 2.25 MiB | 1.00 MiB/s\r"
              b"error: RPC failed; curl 28 Operation too slow\n")
    for i in range(0, len(stream), 7):          # chunk boundaries anywhere, as a pipe delivers them
        reader.feed(stream[i:i + 7])
    reader.close()
    assert seen == [512 * 1024, 1536 * 1024, int(2.25 * 1024 * 1024)]
    assert reader.transcript.splitlines() == [
        "Cloning into 'x'...", "remote: Counting objects: 100% (2/2), done.",
        "Receiving objects:  70% (7/10), 2.25 MiB | 1.00 MiB/s", "error: RPC failed; curl 28 Operation too slow"]
    assert [(r.status, r.location, r.host) for r in reader.redirects] == \
        [(302, "http://other:81/r.git/info/refs", "other:81")]
    assert bytes_from_progress("Receiving objects: 100% (3/3), 999 bytes | 1 KiB/s, done.") == 999


def test_progress_callback_sees_bytes_of_a_real_clone(tmp_path):
    up = Upstream(tmp_path, "r")
    up.commit({"blob.bin": os.urandom(6 << 20).hex()})       # 12 MiB of text that does not compress much
    with GitHttpServer(up.bare.parent) as forge:
        seen = []
        runner = make_runner()
        with runner.reporting_progress(seen.append):
            res = runner.run(["clone", forge.url("r.git"), str(tmp_path / "c")])
    assert res.argv[1:3] == ("clone", "--progress")
    assert seen and seen == sorted(seen) and seen[-1] > 1 << 20
    assert "Receiving objects: 100%" in res.stderr and "\r" not in res.stderr
    assert "Recv header" not in res.stderr                   # the curl trace is not part of the transcript
