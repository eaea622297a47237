# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real git repositories and a real smart-HTTP git server for the tests.

Upstreams are bare repositories reached through file:// URLs (so that
--depth and --filter behave as over the network); GitHttpServer serves them
through `git http-backend` on 127.0.0.1 and can be told to fail the way
forges fail (401, 403, 404, 5xx, a reset connection), recording every
request's headers so tests can see exactly what git sent.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Optional


IDENTITY = {"user.name": "Test Person", "user.email": "test@example.invalid"}


def git(*args: str, cwd=None, check: bool = True, env: Optional[Dict[str, str]] = None) -> str:
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    res = subprocess.run(["git"] + [str(a) for a in args], cwd=None if cwd is None else str(cwd),
                         capture_output=True, text=True, env=full_env, check=False)
    if check and res.returncode != 0:
        raise AssertionError("git %s failed (%d): %s" % (" ".join(map(str, args)), res.returncode, res.stderr))
    return res.stdout.strip()


class Upstream:
    """A bare 'forge-side' repository plus a scratch clone to push from."""

    def __init__(self, root: Path, name: str = "repo", commits: int = 1, branch: str = "main") -> None:
        self.bare = root / "upstream" / (name + ".git")
        self.bare.parent.mkdir(parents=True, exist_ok=True)
        git("init", "-q", "--bare", "-b", branch, self.bare)
        git("config", "uploadpack.allowFilter", "true", cwd=self.bare)
        git("config", "uploadpack.allowAnySHA1InWant", "true", cwd=self.bare)
        self.work = root / "pusher" / name
        self.work.parent.mkdir(parents=True, exist_ok=True)
        git("clone", "-q", self.url, self.work)
        self.branch = branch
        self.n = 0
        for _i in range(commits):
            self.commit()

    @property
    def url(self) -> str:
        return self.bare.as_uri()

    def commit(self, files: Optional[Dict[str, str]] = None, message: Optional[str] = None,
               branch: Optional[str] = None) -> str:
        """Commit on top of the upstream branch (created if new) and push."""
        branch = branch or self.branch
        self.n += 1
        git("fetch", "-q", "origin", cwd=self.work)
        if git("rev-parse", "--verify", "-q", "origin/" + branch, cwd=self.work, check=False):
            git("checkout", "-q", "-B", branch, "origin/" + branch, cwd=self.work)
        elif git("symbolic-ref", "--short", "HEAD", cwd=self.work) != branch:
            git("checkout", "-q", "-b", branch, cwd=self.work)
        for rel, text in (files or {"file%d.txt" % self.n: "content %d\n" % self.n}).items():
            p = self.work / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "-m", message or "commit %d" % self.n, cwd=self.work)
        git("push", "-q", "origin", "HEAD:refs/heads/" + branch, cwd=self.work)
        return self.head(branch)

    def head(self, branch: Optional[str] = None) -> str:
        return git("rev-parse", "refs/heads/" + (branch or self.branch), cwd=self.bare)

    def rewrite_history(self) -> str:
        """Replace the branch with an unrelated commit (a force-push upstream)."""
        git("checkout", "-q", "--orphan", "rewrite-tmp", cwd=self.work)
        git("rm", "-rq", "--cached", ".", cwd=self.work)
        (self.work / "rewritten.txt").write_text("new history\n")
        git("add", "rewritten.txt", cwd=self.work)
        git("commit", "-q", "-m", "rewritten", cwd=self.work)
        git("push", "-q", "-f", "origin", "HEAD:refs/heads/" + self.branch, cwd=self.work)
        return self.head()


def all_files_text(root: Path) -> str:
    """Every byte under root, as text: to prove a secret is nowhere in a clone."""
    chunks: List[str] = []
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            try:
                chunks.append(Path(dirpath, f).read_bytes().decode("latin-1"))
            except OSError:
                pass
    return "\n".join(chunks)


# ---------------------------------------------------------------------------
class GitHttpServer:
    """Smart-HTTP git on 127.0.0.1 through `git http-backend`, with faults.

    mode: "serve" (default), or a status code to answer every request with,
    "reset" to send a TCP RST, "empty" to close without an answer, or
    "stall" to hang until `release` is set. require_auth: the
    exact Authorization header value; requests without it get 401.
    """

    def __init__(self, project_root: Path, require_auth: Optional[str] = None) -> None:
        self.project_root = Path(project_root)
        self.require_auth = require_auth
        self.mode = "serve"
        self.release = threading.Event()   # ends a "stall"
        self.requests: List[Dict[str, str]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                server._serve(self)

            def do_POST(self):
                server._serve(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def url(self, path: str) -> str:
        return "%s/%s" % (self.origin, path)

    def __enter__(self) -> "GitHttpServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def _read_body(self, h: BaseHTTPRequestHandler) -> bytes:
        if h.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(h.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    h.rfile.readline()
                    return body
                body += h.rfile.read(size)
                h.rfile.readline()
        return h.rfile.read(int(h.headers.get("Content-Length") or 0))

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        try:
            self._handle(h)
        except (BrokenPipeError, ConnectionResetError):
            pass   # the client gave up (a test timeout): nothing to answer

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append({"method": h.command, "path": h.path,
                                  "authorization": h.headers.get("Authorization", "")})
        body = self._read_body(h) if h.command == "POST" else b""
        mode = self.mode
        if mode == "stall":
            self.release.wait(60)
            mode = "serve"
        if mode in ("reset", "empty"):
            # "reset": a TCP RST (SO_LINGER 0); "empty": a clean close with no answer.
            h.close_connection = True
            if mode == "reset":
                h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                h.connection.close()
            else:
                h.connection.shutdown(socket.SHUT_RDWR)
            return
        if self.require_auth and h.headers.get("Authorization") != self.require_auth:
            self._reply(h, 401, b"auth required\n", {"WWW-Authenticate": 'Basic realm="test"'})
            return
        if isinstance(mode, int):
            self._reply(h, mode, b"injected failure\n")
            return
        path, _sep, query = h.path.partition("?")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.project_root), "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": h.command, "PATH_INFO": path, "QUERY_STRING": query,
            "CONTENT_TYPE": h.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1", "GIT_PROTOCOL": h.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": h.headers.get("Content-Encoding", ""),
            "GIT_CONFIG_NOSYSTEM": "1", "HOME": os.environ.get("HOME", "/"),
        }
        proc = subprocess.run(["git", "http-backend"], input=body, capture_output=True, env=env, check=False)
        head, _sep, payload = proc.stdout.partition(b"\r\n\r\n")
        status, headers = 200, {}
        for line in head.split(b"\r\n"):
            name, _sep, value = line.decode("latin-1").partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers[name] = value.strip()
        self._reply(h, status, payload, headers)

    @staticmethod
    def _reply(h: BaseHTTPRequestHandler, status: int, payload: bytes, headers: Optional[Dict[str, str]] = None) -> None:
        h.send_response(status)
        for name, value in (headers or {}).items():
            if name.lower() not in ("content-length",):
                h.send_header(name, value)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)
