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
forge origin so that a submodule hosted elsewhere never receives it (the same
header actions/checkout writes, minus the file).

Why failures are classified here: the caller needs one decision per failure,
"retry" or "report", and a sentence a person can act on; git's stderr is the
only source, and LC_ALL=C keeps it parseable.
"""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import threading
import traceback
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple, TypeVar, Union
from urllib.parse import urlsplit

from .errors import ConfigError, ForgeError

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

TokenSource = Union[str, Callable[[], str], None]
T = TypeVar("T")


@dataclass(frozen=True)
class GitResult:
    """What one git process did; every text field is already redacted."""

    returncode: int
    stdout: str
    stderr: str
    argv: Tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class Failure(NamedTuple):
    kind: str       # TRANSIENT | PERMANENT
    reason: str     # short, for a person


class GitError(ForgeError):
    """A git command failed; `failure` says whether retrying can help."""

    def __init__(self, result: GitResult, failure: Failure, tries: int = 1) -> None:
        self.result = result
        self.failure = failure
        self.tries = tries
        command = result.argv[1] if len(result.argv) > 1 else ""
        detail = _last_error_line(result.stderr)
        msg = "git %s failed: %s" % (command, failure.reason)
        if tries > 1:
            msg += " (gave up after %d tries)" % tries
        if detail and detail.lower() not in failure.reason.lower():
            msg += " [%s]" % detail
        super().__init__(msg)

    @property
    def transient(self) -> bool:
        return self.failure.kind == TRANSIENT


# Ordered: the first match wins. Disk full comes first because a full disk
# also produces "early EOF"-looking noise and retrying cannot help.
# git reports HTTP statuses as "returned error: 404" (curl) or "HTTP 500" (RPC failed).
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
     TRANSIENT, "rate limited by the forge (HTTP 429, will retry)"),
    (_STATUS % r"5\d\d" + r"|internal server error|bad gateway|service unavailable"
     r"|gateway time-?out",
     TRANSIENT, "HTTP 5xx from the forge (will retry)"),
    (r"timed out after \d+(\.\d+)? ?s \(bulk_clone\)",
     TRANSIENT, "git took longer than the timeout (will retry)"),
    (r"connection reset|early eof|rpc failed|remote end hung up|unexpected disconnect"
     r"|transfer closed|empty reply from server|curl 18|curl 52|curl 56|gnutls|ssl_read|ssl_error|recv failure"
     r"|index-pack failed|invalid index-pack output|broken pipe",
     TRANSIENT, "connection reset / early EOF (will retry)"),
    (r"operation too slow|timed out|timeout",
     TRANSIENT, "network timeout (will retry)"),
    (r"could not resolve host|failed to connect|couldn't connect|connection refused"
     r"|network is unreachable|temporary failure in name resolution",
     TRANSIENT, "cannot reach the forge (will retry)"),
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


def classify(result: GitResult) -> Failure:
    """Decide whether a failed git run is worth retrying, and say why.

    Unknown failures are permanent: retrying blindly multiplies the load on
    the forge for errors that will not go away; the reason then quotes git.
    """
    text = result.stderr
    for pattern, kind, reason in _COMPILED:
        if pattern.search(text):
            return Failure(kind, reason)
    if result.returncode < 0:
        return Failure(TRANSIENT, "git was killed by signal %d (will retry)" % -result.returncode)
    return Failure(PERMANENT, _last_error_line(text) or "git exited with status %d" % result.returncode)


def _last_error_line(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for line in reversed(lines):
        if line.lower().startswith(("fatal:", "error:")):
            return line
    return lines[-1] if lines else ""


def origin_of(url: str) -> str:
    """`https://host[:port]` of a URL: the scope of the auth header."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("the forge origin must be an http(s) URL like https://github.com, not %r" % url)
    host = parts.hostname
    if ":" in host:  # IPv6 literal
        host = "[%s]" % host
    if parts.port:
        host = "%s:%d" % (host, parts.port)
    return "%s://%s" % (parts.scheme, host)


def basic_auth_header(username: str, token: str) -> str:
    raw = ("%s:%s" % (username, token)).encode("utf-8")
    return "Authorization: Basic " + base64.b64encode(raw).decode("ascii")


_URL_CREDENTIALS = re.compile(r"(\w+://)[^/\s@:]+:[^/\s@]+@")


class GitRunner:
    """Runs git with a private environment, a timeout and bounded retries.

    token may be a string or a zero-argument callable, called before every
    git process: GitHub App installation tokens expire after an hour, a long
    run must pick up the refreshed one. auth_header_for(token) builds the
    header value (default: Basic with `username`, what GitHub, GitLab and
    Gitea all accept for git over HTTPS).
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
        low_speed_limit: int = 1000,
        low_speed_time: int = 60,
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
        self.low_speed_limit = low_speed_limit
        self.low_speed_time = low_speed_time
        self.on_retry = on_retry
        self._live: Set["subprocess.Popen[bytes]"] = set()
        self._live_lock = threading.Lock()

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

    def environment(self, token: Optional[str] = None, extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
        """The complete environment of one git process (token included)."""
        env = {k: v for k, v in os.environ.items() if k not in _REPO_LOCATING_ENV}
        env.update(self._extra_env)
        if extra:
            env.update(extra)
        env.update({
            "GIT_TERMINAL_PROMPT": "0",
            "GCM_INTERACTIVE": "never",
            "GIT_ASKPASS": "true",   # answers every prompt with "", so git fails instead of blocking
            "SSH_ASKPASS": "true",
            "LC_ALL": "C",
            "LANGUAGE": "C",
        })
        env.pop("SSH_ASKPASS_REQUIRE", None)
        if "GIT_SSH_COMMAND" not in env and "GIT_SSH" not in env:
            # BatchMode: ssh fails instead of asking for a passphrase or password on /dev/tty.
            env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
        env.setdefault("GIT_HTTP_LOW_SPEED_LIMIT", str(self.low_speed_limit))
        env.setdefault("GIT_HTTP_LOW_SPEED_TIME", str(self.low_speed_time))

        config = list(self._config.items())
        if token and self.origin:
            config.append(("http.%s/.extraHeader" % self.origin, self._auth_header_for(token)))
        if config:
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

    # -- running ---------------------------------------------------------
    def run_once(self, args: Sequence[str], cwd: Optional[Union[str, os.PathLike]] = None,
                 env: Optional[Mapping[str, str]] = None) -> GitResult:
        """One git process, no retries, never raises for a non-zero exit."""
        token = self._current_token()
        argv = [self.git] + [str(a) for a in args]
        proc = subprocess.Popen(
            argv, cwd=None if cwd is None else str(cwd), env=self.environment(token, env),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            # A session of its own, so that a timeout kills git's children
            # (git-remote-https, index-pack) too, not just git.
            start_new_session=True,
        )
        with self._live_lock:
            self._live.add(proc)
        timed_out = False
        try:
            out, err = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc)
            out, err = proc.communicate()
        except BaseException:
            _kill_group(proc)
            proc.wait()
            raise
        finally:
            with self._live_lock:
                self._live.discard(proc)
        stdout = out.decode("utf-8", "replace")
        stderr = err.decode("utf-8", "replace")
        if timed_out:
            stderr += "\nfatal: timed out after %ss (bulk_clone)" % self.timeout
        return GitResult(
            returncode=proc.returncode if not timed_out else -int(signal.SIGKILL),
            stdout=self.redact(stdout, token),
            stderr=self.redact(stderr, token),
            argv=tuple(self.redact(a, token) for a in argv),
        )

    def kill_all(self) -> int:
        """Kill every git process tree this runner has running (a front door
        calls this on SIGTERM: git runs in sessions of its own, so it would
        not receive the signal and would outlive us, writing into temp
        folders nobody renames)."""
        with self._live_lock:
            procs = list(self._live)
        for proc in procs:
            _kill_group(proc)
        return len(procs)

    def run(self, args: Sequence[str], cwd: Optional[Union[str, os.PathLike]] = None, check: bool = True,
            retry: bool = False, env: Optional[Mapping[str, str]] = None) -> GitResult:
        """Run git; with check, a failure raises GitError; with retry,
        transient failures are retried (only for commands that are safe to
        repeat as they are: fetch, ls-remote, remote update)."""
        if not retry:
            result = self.run_once(args, cwd, env)
            if check and not result.ok:
                raise GitError(result, classify(result))
            return result

        def attempt() -> GitResult:
            res = self.run_once(args, cwd, env)
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
        and full jitter (backoff's, rather than a loop of our own). func must
        be repeatable: e.g. a clone that starts from a fresh folder."""
        tries_made = [0]

        def counted() -> T:
            tries_made[0] += 1
            return func()

        def on_backoff(details: dict) -> None:
            if self.on_retry is not None:
                self.on_retry(details["exception"], details["tries"], details["wait"])

        wrapped = backoff.on_exception(
            backoff.expo, GitError,
            max_tries=self.tries,
            giveup=lambda exc: not exc.transient,
            jitter=backoff.full_jitter,
            on_backoff=on_backoff,
            logger=None,
            factor=self.backoff_base,
            max_value=self.backoff_max,
        )(counted)
        try:
            return wrapped()
        except GitError as exc:
            if tries_made[0] > 1:
                raise GitError(exc.result, exc.failure, tries=tries_made[0]) from None
            raise


def _kill_group(proc: "subprocess.Popen[bytes]") -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
