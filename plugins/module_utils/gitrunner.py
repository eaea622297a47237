# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run git as a subprocess that can neither leak the token nor hang.

Why the token travels the way it does: argv is world-readable (`ps`,
/proc/<pid>/cmdline), a URL with credentials ends up in .git/config and in
git's own error messages, and `git -c` is argv again. The one channel git
offers that is private to the process is its environment: git >= 2.31 reads
GIT_CONFIG_COUNT / GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n as if they were
`-c` options. We put one `http.<origin>/.extraHeader` there, scoped to the
forge origin (the same header actions/checkout writes, minus the file), so
that the first request is already authenticated.

Why credentials cannot leave that origin (docs/forge-wire.md, "git
credentials and redirects", has what git really does): git never follows a
redirect (a followed redirect rebases every later request of the process,
extra header included, onto the new host); no credential helper configured
on the machine is asked, and the askpass program refuses, so a 401 from
anywhere gets nothing; and a URL whose origin is not the runner's bound
origin runs without the token in the environment at all.

Why failures are classified here: the caller needs one decision per failure,
"retry" or "report", and a sentence a person can act on; git's stderr is the
only source, and LC_ALL=C keeps it parseable.
"""

from __future__ import annotations

import base64
import contextlib
import math
import os
import re
import selectors
import signal
import subprocess
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple, TypeVar, Union
from urllib.parse import urlsplit

from . import gitprocess
from .errors import ConfigError, ForgeError
from .gitprocess import GitInterrupted
from .gitstderr import ProgressCallback, Redirect, StderrReader, strip_userinfo

try:
    import backoff
except ImportError:
    backoff = None
    HAS_BACKOFF = False
    BACKOFF_IMPORT_ERROR: Optional[str] = traceback.format_exc()
else:
    HAS_BACKOFF = True
    BACKOFF_IMPORT_ERROR = None

TRANSIENT = "transient"
PERMANENT = "permanent"

# Variables that would make git operate on some other repository than the
# one in cwd (they are set, for instance, when we run inside a git hook).
_REPO_LOCATING_ENV = (
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE",
    "GIT_PREFIX", "GIT_QUARANTINE_PATH",
)
# Subcommands that contact a remote named in their arguments (or origin).
_REMOTE_COMMANDS = ("fetch", "pull", "push", "ls-remote", "remote")
# Subcommands whose transfer can report bytes received with --progress.
_PROGRESS_COMMANDS = ("clone", "fetch", "pull")
# Global options of git that take a separate value.
_GLOBAL_WITH_VALUE = ("-c", "-C", "--git-dir", "--work-tree", "--namespace", "--config-env")
_HTTP_URL = re.compile(r"^https?://", re.I)

TokenSource = Union[str, Callable[[], str], None]
T = TypeVar("T")

__all__ = [
    "GitError", "GitInterrupted", "GitResult", "GitRunner", "Failure", "Redirect", "PERMANENT", "TRANSIENT",
    "classify", "origin_of", "url_origin", "url_host", "withheld_note", "basic_auth_header", "terminate_all_git",
    "git_terminating", "allow_git_again",
]


@dataclass(frozen=True)
class GitResult:
    """What one git process did; every text field is already redacted."""

    returncode: int
    stdout: str
    stderr: str
    argv: Tuple[str, ...]
    # 3xx answers git received and, as configured, did not follow.
    redirects: Tuple[Redirect, ...] = ()
    # host[:port] of the URLs this process was given the token for none of,
    # because they are not on the runner's bound origin.
    withheld_from: Tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def command(self) -> str:
        return _split_command(self.argv[1:])[0] if len(self.argv) > 1 else ""


class Failure(NamedTuple):
    kind: str       # TRANSIENT | PERMANENT
    reason: str     # short, for a person; never says "will retry" (the retry notice does)


class GitError(ForgeError):
    """A git command failed; `failure` says whether retrying can help."""

    def __init__(self, result: GitResult, failure: Failure, tries: int = 1) -> None:
        self.result = result
        self.failure = failure
        self.tries = tries
        msg = self._failed()
        if tries > 1:
            msg += " (gave up after %d tries)" % tries
        super().__init__(msg)

    def _failed(self) -> str:
        msg = "git %s failed: %s" % (self.result.command, self.failure.reason)
        detail = _last_error_line(self.result.stderr)
        if detail and detail.lower() not in self.failure.reason.lower():
            msg += " [%s]" % detail
        for host in self.result.withheld_from:
            msg += "; " + withheld_note(host, "clone URL" if self.result.command == "clone" else "remote URL")
        return msg

    def retry_notice(self, wait: float, tries_made: int, max_tries: int) -> str:
        """The line for a try that will be repeated (never the final message)."""
        return "%s; will retry in %.1f s (try %d of %d failed)" % (self._failed(), wait, tries_made, max_tries)

    @property
    def transient(self) -> bool:
        return self.failure.kind == TRANSIENT

    @property
    def withheld_from(self) -> Tuple[str, ...]:
        return self.result.withheld_from


# Ordered: the first match wins. Disk full comes first because a full disk
# also produces "early EOF"-looking noise and retrying cannot help; a stall
# comes before the connection errors that curl's abort leaves behind.
# git reports HTTP statuses as "returned error: 404" (curl) or "HTTP 500" (RPC failed).
# A reason may quote a group of its pattern as \1.
_STATUS = r"(?:returned error: ?|\bhttp )%s\b"
_PATTERNS: Sequence[Tuple[str, str, str]] = (
    (r"no space left on device|disk quota exceeded", PERMANENT,
     "no space left on device: free disk space under dest"),
    (_STATUS % "404" + r"|repository '[^']*' not found|repository not found"
     r"|remote: not found|project you were looking for could not be found",
     PERMANENT, "repository not found (404): it was deleted, renamed, or the token cannot see it"),
    (_STATUS % "401" + r"|authentication failed|could not read (username|password)"
     r"|invalid username or password|terminal prompts disabled",
     PERMANENT, "authentication failed: check the token and its scopes"),
    (_STATUS % "403" + r"|permission to .* denied|access denied|forbidden",
     PERMANENT, "access denied (403): check the token's scopes, or the repository is disabled"),
    (r"permission denied \(publickey|host key verification failed",
     PERMANENT, "ssh authentication failed: check the ssh key and known_hosts"),
    (_STATUS % "429" + r"|too many requests",
     TRANSIENT, "rate limited by the forge (HTTP 429)"),
    (_STATUS % r"5\d\d" + r"|internal server error|bad gateway|service unavailable"
     r"|gateway time-?out",
     TRANSIENT, "HTTP 5xx from the forge"),
    (r"timed out after (\d+(?:\.\d+)?) ?s \(bulk_clone\)",
     TRANSIENT, r"git ran longer than its timeout of \1 s"),
    (r"operation too slow\. less than \d+ bytes/sec transferred the last (\d+) seconds",
     TRANSIENT, r"no data received for \1 s (stalled transfer)"),
    (r"connection reset|early eof|rpc failed|remote end hung up|unexpected disconnect"
     r"|transfer closed|empty reply from server|curl 18|curl 52|curl 56|gnutls|ssl_read|ssl_error|recv failure"
     r"|index-pack failed|invalid index-pack output|broken pipe",
     TRANSIENT, "connection reset / early EOF"),
    (r"operation too slow|timed out|timeout",
     TRANSIENT, "network timeout"),
    (r"could not resolve host|failed to connect|couldn't connect|connection refused"
     r"|network is unreachable|temporary failure in name resolution",
     TRANSIENT, "cannot reach the forge"),
    (r"does not appear to be a git repository",
     PERMANENT, "repository not found: the remote has no git repository at that URL"),
    (r"not a git repository",
     PERMANENT, "not a git repository"),
    (r"repository '[^']*' does not exist",
     PERMANENT, "repository not found: the path does not exist"),
    (r"remote branch .* not found|couldn't find remote ref",
     PERMANENT, "branch not found on the remote: check the branch option"),
    (r"permission denied|read-only file system",
     PERMANENT, "permission denied on local disk: check the permissions under dest"),
)
_COMPILED = tuple((re.compile(p, re.I), kind, reason) for p, kind, reason in _PATTERNS)
# Only git's own verdict counts, not a server message that mentions a status.
_REDIRECT_STATUS = re.compile(r"^(?:fatal|error):.*" + _STATUS % r"(3\d\d)", re.I | re.M)


def classify(result: GitResult) -> Failure:
    """Decide whether a failed git run is worth retrying, and say why.

    Unknown failures are permanent: retrying blindly multiplies the load on
    the forge for errors that will not go away; the reason then quotes git.
    """
    text = result.stderr
    refused = _REDIRECT_STATUS.search(text)
    if refused:
        return Failure(PERMANENT, _redirect_reason(int(refused.group(1)), result.redirects))
    for pattern, kind, reason in _COMPILED:
        match = pattern.search(text)
        if match:
            return Failure(kind, match.expand(reason))
    if result.returncode < 0:
        return Failure(TRANSIENT, "git was killed by signal %d" % -result.returncode)
    return Failure(PERMANENT, _last_error_line(text) or "git exited with status %d" % result.returncode)


def _redirect_reason(status: int, redirects: Sequence[Redirect]) -> str:
    """Retrying cannot help: the forge will answer the same redirect, and
    following it is what we refuse (docs/forge-wire.md)."""
    found = next((r for r in redirects if r.status == status), redirects[0] if redirects else None)
    if found is None:
        return ("the forge answered HTTP %d, a redirect git did not report the target of; redirects are not "
                "followed, so that credentials stay with the forge" % status)
    if found.same_origin or not found.host:
        path = urlsplit(found.location).path or "/"
        return ("the forge redirected git to %s on the same host (HTTP %d); redirects are not followed: the "
                "repository may have been renamed or moved, use its current URL" % (path, found.status))
    return ("the forge redirected git to another host, %s (HTTP %d); redirects are not followed, so that "
            "credentials never leave the forge" % (found.host, found.status))


def _last_error_line(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for line in reversed(lines):
        if line.lower().startswith(("fatal:", "error:")):
            return line
    return lines[-1] if lines else ""


# -- origins ---------------------------------------------------------------------
def origin_of(url: str) -> str:
    """`scheme://host[:port]` of an http(s) URL: the scope of the credentials."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigError("the forge origin must be an http(s) URL like https://github.com, not %r"
                          % strip_userinfo(url))
    host = parts.hostname
    if ":" in host:  # IPv6 literal
        host = "[%s]" % host
    port = parts.port
    if port and port != {"http": 80, "https": 443}[parts.scheme.lower()]:
        host = "%s:%d" % (host, port)
    return "%s://%s" % (parts.scheme.lower(), host)


def url_origin(url: str) -> Optional[str]:
    """origin_of for http(s) URLs; None for ssh, scp-like, file and local paths,
    which never carry the token."""
    if not _HTTP_URL.match(url or ""):
        return None
    try:
        return origin_of(url)
    except (ConfigError, ValueError):
        return None


def url_host(url: str) -> str:
    """host[:port] of any git URL, never its user:password@, for messages."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        host, port = "", None
    if "://" not in url:
        scp = re.match(r"^(?:[^@/]+@)?([^:/]+):", url)
        host, port = (scp.group(1) if scp else ""), None
    if ":" in host:
        host = "[%s]" % host
    return "%s:%d" % (host, port) if port else (host or "?")


def withheld_note(url_or_host: str, what: str = "clone URL") -> str:
    """The per-repo note for a URL whose origin is not the forge's."""
    host = url_host(url_or_host) if "://" in url_or_host else url_or_host
    return "%s on %s, not the forge's; credentials withheld" % (what, host)


def basic_auth_header(username: str, token: str) -> str:
    raw = ("%s:%s" % (username, token)).encode("utf-8")
    return "Authorization: Basic " + base64.b64encode(raw).decode("ascii")


_URL_CREDENTIALS = re.compile(r"(\w+://)[^/\s@:]+:[^/\s@]+@")


def _split_command(args: Sequence[str]) -> Tuple[str, List[str]]:
    """(subcommand, its arguments) past git's global options."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _GLOBAL_WITH_VALUE:
            i += 2
        elif arg.startswith("-"):
            i += 1
        else:
            return arg, list(args[i + 1:])
    return "", []


def _with_progress(args: List[str]) -> List[str]:
    """Insert --progress after a transfer subcommand: without a terminal git
    shows no meter otherwise."""
    command, rest = _split_command(args)
    if command not in _PROGRESS_COMMANDS or "--progress" in rest or "--no-progress" in rest:
        return args
    at = len(args) - len(rest)
    return args[:at] + ["--progress"] + args[at:]


# -- the process-wide interrupt --------------------------------------------------
def terminate_all_git(grace: float = 2.0) -> int:
    """Stop every running git of every runner (SIGTERM to each process group,
    SIGKILL after `grace` s) and make every runner refuse to start another:
    run() raises GitInterrupted from then on. Returns how many were running.
    For a front door's signal handler."""
    return gitprocess.terminate_all(grace)


def git_terminating() -> bool:
    return gitprocess.is_terminating()


def allow_git_again() -> None:
    """Undo terminate_all_git() (tests; a long-lived host after an interrupt)."""
    gitprocess.reset()


# -- the runner ------------------------------------------------------------------
class GitRunner:
    """Runs git with a private environment, a timeout and bounded retries.

    token may be a string or a zero-argument callable, called before every
    git process: GitHub App installation tokens expire after an hour, a long
    run must pick up the refreshed one. auth_header_for(token) builds the
    header value (default: Basic with `username`, what GitHub, GitLab and
    Gitea all accept for git over HTTPS).

    origin is the one origin the token is bound to. Every http(s) URL a
    command names (and, for fetch/pull/push/ls-remote/remote in an existing
    repository, the URL of the remote it uses) is checked against it: if one
    is elsewhere, that git process runs without the token and its result
    says so (GitResult.withheld_from, and the GitError message).

    stall_timeout: a transfer that receives no data for this many seconds is
    aborted (curl's low-speed limit, 1 byte/s over that time; curl's own
    5-second speed window can add up to about 6 s, docs/forge-wire.md) and
    is a transient failure, retried like the others.

    Progress: run(..., on_progress=f), or any run inside `with
    runner.reporting_progress(f):` in the same thread, adds --progress to
    clone/fetch/pull and calls f(bytes received so far) as git reports it.
    """

    def __init__(
        self,
        git: str = "git",
        timeout: Optional[float] = 3600.0,
        token: TokenSource = None,
        auth_header_for: Optional[Callable[[str], str]] = None,
        extra_env: Optional[Mapping[str, str]] = None,
        *,
        origin: Optional[str] = None,
        username: str = "x-access-token",
        config: Optional[Mapping[str, str]] = None,
        tries: int = 4,
        backoff_base: float = 2.0,
        backoff_max: float = 60.0,
        stall_timeout: Optional[float] = 30.0,
        on_retry: Optional[Callable[[GitError, int, float], None]] = None,
    ) -> None:
        if not HAS_BACKOFF:
            raise ConfigError("the Python library 'backoff' is required on the host that runs git: "
                              "pip install backoff\n%s" % BACKOFF_IMPORT_ERROR)
        if token is not None and not origin:
            raise ConfigError("a token needs the forge origin (e.g. https://github.com) to scope "
                              "the auth header to; without it the token could reach other hosts")
        if tries < 1:
            raise ConfigError("git tries must be at least 1, got %r" % tries)
        if stall_timeout is not None and stall_timeout < 1:
            raise ConfigError("the git stall timeout must be at least 1 second, got %r" % stall_timeout)
        self.git = git
        self.timeout = timeout
        self.origin = origin_of(origin) if origin else None
        self.username = username
        self._token = token
        self._auth_header_for = auth_header_for or (lambda t: basic_auth_header(self.username, t))
        self._extra_env = dict(extra_env or {})
        self._config = dict(config or {})
        self.tries = tries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.stall_timeout = stall_timeout
        self.on_retry = on_retry
        self._local = threading.local()

    # -- trust -----------------------------------------------------------
    def trusts(self, url: str) -> bool:
        """True if url is on the origin this runner's token is bound to."""
        return self.origin is not None and url_origin(url) == self.origin

    def withholds(self, url: str) -> bool:
        """True if this runner holds a token and url would not get it."""
        return self._token is not None and url_origin(url) is not None and not self.trusts(url)

    def targets(self, args: Sequence[str], cwd: Optional[Union[str, os.PathLike]] = None) -> List[str]:
        """The http(s) URLs a git command will contact, as far as we can know
        before it runs: URLs in its arguments, else the URL(s) of the remote
        it names (origin by default) in the repository at cwd. Submodules and
        insteadOf rewrites are left to git's own origin scoping."""
        command, rest = _split_command([str(a) for a in args])
        urls = [a for a in rest if _HTTP_URL.match(a)]
        if urls or command not in _REMOTE_COMMANDS or cwd is None:
            return urls
        remotes = self._remote_urls(cwd)
        named = [a for a in rest if a in remotes]
        if "--all" in rest or (command == "remote" and "update" in rest):
            named = list(remotes)
        elif not named and "origin" in remotes:
            named = ["origin"]
        return [u for name in named for u in remotes[name] if _HTTP_URL.match(u)]

    def _remote_urls(self, cwd: Union[str, os.PathLike]) -> Dict[str, List[str]]:
        proc = gitprocess.start([self.git, "config", "--get-regexp", r"^remote\..*\.(url|pushurl)$"],
                                cwd=str(cwd), env=self.environment(None), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            out = proc.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            gitprocess.kill_group(proc)
            out = proc.communicate()[0]
        finally:
            gitprocess.finished(proc)
        remotes: Dict[str, List[str]] = {}
        for line in out.decode("utf-8", "replace").splitlines():
            key, _sep, value = line.partition(" ")
            name = key[len("remote."):key.rfind(".")]
            if name and value:
                remotes.setdefault(name, []).append(value.strip())
        return remotes

    # -- environment -----------------------------------------------------
    def _current_token(self) -> Optional[str]:
        token = self._token() if callable(self._token) else self._token
        return token or None

    def _secrets(self, token: Optional[str]) -> List[str]:
        if not token:
            return []
        header = self._auth_header_for(token)
        secrets = [header, header.split(" ", 2)[-1], token]
        secrets.append(base64.b64encode(("%s:%s" % (self.username, token)).encode()).decode())
        # Longest first so that a header is replaced whole, not piecewise.
        return sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def environment(self, token: Optional[str] = None, extra: Optional[Mapping[str, str]] = None,
                    urls: Sequence[str] = ()) -> Dict[str, str]:
        """The complete environment of one git process (token included).

        urls: the http(s) URLs the process will contact; redirects are
        switched off for each of them by name too, because git lets the most
        specific http.<url>.* key win and a user's own
        http.<url>.followRedirects would otherwise beat ours."""
        env = {k: v for k, v in os.environ.items() if k not in _REPO_LOCATING_ENV}
        env.update(self._extra_env)
        if extra:
            env.update(extra)
        env.update({
            "GIT_TERMINAL_PROMPT": "0",
            "GCM_INTERACTIVE": "never",
            # Refuses every prompt: git fails instead of blocking, and sends
            # nothing (an empty answer would still be a Basic header).
            "GIT_ASKPASS": "false",
            "SSH_ASKPASS": "true",
            "LC_ALL": "C",
            "LANGUAGE": "C",
            # curl's header trace on stderr, redacted by git itself: the only
            # place git says where a refused redirect pointed.
            "GIT_TRACE_CURL": "2",
            "GIT_TRACE_CURL_NO_DATA": "1",
            "GIT_TRACE_REDACT": "1",
        })
        env.pop("SSH_ASKPASS_REQUIRE", None)
        if "GIT_SSH_COMMAND" not in env and "GIT_SSH" not in env:
            # BatchMode: ssh fails instead of asking for a passphrase or password on /dev/tty.
            env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
        if self.stall_timeout:
            env["GIT_HTTP_LOW_SPEED_LIMIT"] = "1"
            env["GIT_HTTP_LOW_SPEED_TIME"] = str(int(math.ceil(self.stall_timeout)))

        config = list(self._config.items())
        # No credential helper of the machine is asked, for any host: the
        # token below is the only credential (an empty value resets the list,
        # and these entries come after every config file).
        config.append(("credential.helper", ""))
        config.append(("http.followRedirects", "false"))
        scopes = ([self.origin + "/"] if self.origin else []) + [u for u in urls if _HTTP_URL.match(u)]
        for scope in scopes:
            config.append(("http.%s.followRedirects" % scope, "false"))
        if token and self.origin:
            config.append(("http.%s/.extraHeader" % self.origin, self._auth_header_for(token)))
        # Append after whatever the caller's environment already carries.
        try:
            count = int(env.get("GIT_CONFIG_COUNT", "0") or "0")
        except ValueError:
            count = 0
        for key, value in config:
            env["GIT_CONFIG_KEY_%d" % count] = key
            env["GIT_CONFIG_VALUE_%d" % count] = value
            count += 1
        env["GIT_CONFIG_COUNT"] = str(count)
        return env

    def redact(self, text: str, token: Optional[str] = None) -> str:
        for secret in self._secrets(token if token is not None else self._current_token()):
            text = text.replace(secret, "***")
        return _URL_CREDENTIALS.sub(r"\1***@", text)

    # -- progress --------------------------------------------------------
    @contextlib.contextmanager
    def reporting_progress(self, callback: Optional[ProgressCallback]) -> Iterator[None]:
        """Within the block, clones and fetches this thread runs report the
        bytes received so far to callback (from this thread), as if each
        run() had been given on_progress=callback."""
        previous = getattr(self._local, "on_progress", None)
        self._local.on_progress = callback
        try:
            yield
        finally:
            self._local.on_progress = previous

    # -- running ---------------------------------------------------------
    def run_once(self, args: Sequence[str], cwd: Optional[Union[str, os.PathLike]] = None,
                 env: Optional[Mapping[str, str]] = None,
                 on_progress: Optional[ProgressCallback] = None) -> GitResult:
        """One git process, no retries; never raises for a non-zero exit, but
        raises GitInterrupted when terminate_all_git() stopped it."""
        args = [str(a) for a in args]
        callback = on_progress if on_progress is not None else getattr(self._local, "on_progress", None)
        if callback is not None:
            args = _with_progress(args)
        token = self._current_token()
        urls = self.targets(args, cwd) if token else [a for a in _split_command(args)[1] if _HTTP_URL.match(a)]
        foreign = [u for u in urls if not self.trusts(u)] if token else []
        send = None if foreign else token
        argv = [self.git] + args
        proc = gitprocess.start(argv, cwd=None if cwd is None else str(cwd),
                                env=self.environment(send, env, urls),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, reader, timed_out = self._communicate(proc, _guarded(callback))
        except BaseException:
            gitprocess.kill_group(proc)
            proc.wait()
            raise
        finally:
            gitprocess.finished(proc)
        if proc.returncode != 0 and gitprocess.is_terminating():
            raise GitInterrupted("git %s was stopped: the run is being interrupted" % _split_command(args)[0])
        stdout = out.decode("utf-8", "replace")
        stderr = reader.transcript
        if timed_out:
            stderr += "fatal: timed out after %ss (bulk_clone)\n" % self.timeout
        redirects = tuple(self._placed(r, urls, args, cwd, token) for r in reader.redirects)
        return GitResult(
            returncode=proc.returncode if not timed_out else -int(signal.SIGKILL),
            stdout=self.redact(stdout, token),
            stderr=self.redact(stderr, token),
            argv=tuple(self.redact(a, token) for a in argv),
            redirects=tuple(Redirect(r.status, self.redact(r.location, token), r.same_origin) for r in redirects),
            withheld_from=tuple(dict.fromkeys(url_host(u) for u in foreign)),
        )

    def _placed(self, redirect: Redirect, urls: List[str], args: List[str],
                cwd: Optional[Union[str, os.PathLike]], token: Optional[str]) -> Redirect:
        """The redirect, told whether it stays on the origin git was sent to."""
        target = url_origin(redirect.location)
        if target is None:
            return Redirect(redirect.status, redirect.location, not urlsplit(redirect.location).netloc)
        if not urls and not token:
            urls = self.targets(args, cwd)       # only now worth a look at the remotes
        return Redirect(redirect.status, redirect.location, target in {url_origin(u) for u in urls})

    def _communicate(self, proc: "subprocess.Popen[bytes]",
                     callback: Optional[ProgressCallback]) -> Tuple[bytes, StderrReader, bool]:
        """Read stdout and stderr together (so neither pipe can fill up and
        block git), stderr as it comes, until both close or the timeout."""
        out = bytearray()
        reader = StderrReader(callback)
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        timed_out = False
        exited_at: Optional[float] = None
        selector = selectors.DefaultSelector()
        try:
            selector.register(proc.stdout, selectors.EVENT_READ, out)
            selector.register(proc.stderr, selectors.EVENT_READ, reader)
            while selector.get_map():
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    timed_out, deadline = True, None
                    gitprocess.kill_group(proc)
                wait = 0.5 if deadline is None else max(0.0, min(0.5, deadline - now))
                for key, _events in selector.select(wait):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fileobj)
                    elif key.data is out:
                        out += chunk
                    else:
                        reader.feed(chunk)
                if proc.poll() is not None:
                    exited_at = exited_at if exited_at is not None else now
                    if now - exited_at > 2.0:
                        break        # a process outside git's group holds the pipes open
        finally:
            selector.close()
            proc.stdout.close()
            proc.stderr.close()
        proc.wait()
        reader.close()
        return bytes(out), reader, timed_out

    def kill_all(self) -> int:
        """Deprecated: use terminate_all_git(), which stops the git processes
        of every runner and keeps new ones from starting."""
        return terminate_all_git()

    def run(self, args: Sequence[str], cwd: Optional[Union[str, os.PathLike]] = None, check: bool = True,
            retry: bool = False, env: Optional[Mapping[str, str]] = None,
            on_progress: Optional[ProgressCallback] = None) -> GitResult:
        """Run git; with check, a failure raises GitError; with retry,
        transient failures are retried (only for commands that are safe to
        repeat as they are: fetch, ls-remote, remote update). Raises
        GitInterrupted, whatever check says, once terminate_all_git() ran."""
        if not retry:
            result = self.run_once(args, cwd, env, on_progress)
            if check and not result.ok:
                raise GitError(result, classify(result))
            return result

        def attempt() -> GitResult:
            res = self.run_once(args, cwd, env, on_progress)
            if not res.ok:
                raise GitError(res, classify(res))
            return res

        try:
            return self.retrying(attempt)
        except GitError as exc:
            if check:
                raise
            return exc.result

    def retrying(self, func: Callable[[], T]) -> T:
        """Call func, retrying on transient GitError with exponential backoff
        and full jitter (backoff's wait generator and jitter; the wait itself
        is ours so that an interrupt ends it at once). func must be
        repeatable: e.g. a clone that starts from a fresh folder."""
        waits = backoff.expo(factor=self.backoff_base, max_value=self.backoff_max)
        next(waits)                     # backoff's generators start with a bare yield
        tries = 0
        while True:
            if gitprocess.is_terminating():
                raise GitInterrupted("not starting git: the run is being interrupted")
            tries += 1
            try:
                return func()
            except GitError as exc:
                if not exc.transient or tries >= self.tries:
                    if tries > 1:
                        raise GitError(exc.result, exc.failure, tries=tries) from None
                    raise
                wait = backoff.full_jitter(next(waits))
                if self.on_retry is not None:
                    self.on_retry(exc, tries, wait)
                if gitprocess.wait_unless_terminating(wait):
                    raise GitInterrupted("git was not retried: the run is being interrupted") from None


def _guarded(callback: Optional[ProgressCallback]) -> Optional[ProgressCallback]:
    """A progress display that fails must not fail the clone it displays."""
    if callback is None:
        return None
    broken = []

    def call(received: int) -> None:
        if broken:
            return
        try:
            callback(received)
        except Exception:  # pylint: disable=broad-except
            broken.append(True)
    return call
