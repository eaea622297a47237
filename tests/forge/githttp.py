# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real git over smart HTTP: `git http-backend` run as a CGI per request.

What http.server does not do for us, done here (docs/forge-wire.md, "git smart HTTP"): de-chunk
request bodies and pass CONTENT_LENGTH, hand the Git-Protocol header over as
GIT_PROTOCOL (protocol v2), pass gzip request bodies through with
HTTP_CONTENT_ENCODING, and turn the CGI `Status:` header into a status line.
Answers are streamed with chunked encoding so big packs never sit in memory.

URL layout: GitHub `/{owner}/{name}.git`, GitLab `/gitlab/{full/path}.git`,
Gitea `/gitea/{owner}/{name}.git`, Bitbucket Cloud `/bitbucket/{ws}/{slug}.git`,
Bitbucket Data Center `/bbs/scm/{key}/{slug}.git`; each maps to the repo's
id-keyed dir.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

from .state import PUSH_OWNER, ForgeRepo
from .web import ForgeHandler, Request, Response, credentials, text_response

OPS = (("/info/refs", "info-refs"), ("/git-upload-pack", "upload-pack"), ("/git-receive-pack", "receive-pack"))
AUTH_CHALLENGE = ("WWW-Authenticate", 'Basic realm="forge"')


@dataclass(frozen=True)
class GitTarget:
    service: str
    full_path: str
    op: str               # info-refs | upload-pack | receive-pack
    suffix: str           # what follows the repo in PATH_INFO

    @property
    def wants_push(self) -> bool:
        return self.op == "receive-pack"


def parse_git_path(path: str, query: str) -> Optional[GitTarget]:
    raw = urllib.parse.unquote(path)
    service = "github"
    for prefix, name in (("/gitlab/", "gitlab"), ("/gitea/", "gitea"), ("/bitbucket/", "bitbucket"),
                         ("/bbs/scm/", "bitbucket-server")):
        if raw.startswith(prefix):
            service, raw = name, raw[len(prefix) - 1:]
            break
    for suffix, op in OPS:
        if raw.endswith(suffix):
            repo_part = raw[1:-len(suffix)]
            break
    else:
        return None
    if repo_part.endswith(".git"):
        repo_part = repo_part[:-4]
    segments = repo_part.split("/")
    if any(s in ("", ".", "..") for s in segments) or len(segments) < 2:
        return None
    if service != "gitlab" and len(segments) != 2:
        return None
    if op == "info-refs" and "service=git-receive-pack" in query:
        target_op = "receive-pack-refs"
    else:
        target_op = op
    return GitTarget(service=service, full_path=repo_part, op=target_op, suffix=suffix)


def carries_pack(target: GitTarget, body: bytes) -> bool:
    """Pack faults hit the request that downloads objects, not the v2
    `ls-refs` round trip before it."""
    return target.op == "upload-pack" and b"command=ls-refs" not in body[:256]


class GitHttp:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state
        self.store = app.store

    def counter_name(self, target: GitTarget) -> str:
        return {"info-refs": "info-refs", "receive-pack-refs": "info-refs"}.get(target.op, target.op)

    def handle(self, req: Request, target: GitTarget, fault: Any, valid: Optional[bool] = None) -> Response:
        """`valid`: whether the caller is authenticated, when the service
        decided it by its own rules (Bitbucket); else any known token counts."""
        if valid is None:
            valid = self.app.tokens.is_valid(credentials(req))
        pushing = target.op in ("receive-pack", "receive-pack-refs")
        with self.state.lock:
            repo = self.state.get(target.service, target.full_path)
            if repo is None and not pushing:
                repo = self.app.extra_repo(target.service, target.full_path)
            if repo is None and pushing and target.full_path.split("/", 1)[0].lower() == PUSH_OWNER:
                if not valid:
                    return text_response(401, "Authentication required\n", [AUTH_CHALLENGE])
                repo = self.app.create_push_repo(target.service, target.full_path)
        if repo is None:
            return text_response(404, "Repository not found.\n")
        if (repo.private or pushing) and not valid:
            return text_response(401, "Authentication required\n", [AUTH_CHALLENGE])
        if fault is not None and fault.kind == "git_status":
            status = int(fault.get("status", 404))
            return text_response(status, fault.get("body", "Repository not found.\n" if status == 404
                                                   else "Access denied\n"))
        if repo.disabled:
            return text_response(403, "Repository access blocked\n")
        if pushing and not repo.pushable:
            return text_response(403, "Permission to %s denied.\n" % repo.full_path)
        path = self.store.materialize(repo.dir_key, repo.default_branch, repo.refs, repo.pushable)
        env = self._cgi_env(req, repo, target, path)
        pack_fault = fault if fault is not None and fault.kind in ("reset_pack", "stall_pack") else None

        # Refs must be recorded before the client sees the end of the answer:
        # a test asking for the truth right after `git push` must see the push.
        on_done = (lambda: self.app.after_push(repo)) if target.op == "receive-pack" else None

        def stream(handler: ForgeHandler) -> int:
            return self._run_backend(handler, req.body, env, pack_fault, on_done)
        return Response(status=200, stream=stream)

    def _cgi_env(self, req: Request, repo: ForgeRepo, target: GitTarget, path: str) -> Dict[str, str]:
        env = dict(self.store.env)
        suffix = "/info/refs" if target.op in ("info-refs", "receive-pack-refs") else target.suffix
        env.update({
            "GIT_PROJECT_ROOT": self.store.repos_dir,
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": req.method,
            "PATH_INFO": "/%s%s" % (os.path.basename(path), suffix),
            "QUERY_STRING": req.query_string,
            "CONTENT_TYPE": req.header("Content-Type") or "",
            "CONTENT_LENGTH": str(len(req.body)),
            "REMOTE_ADDR": req.client_ip,
            "REMOTE_USER": "forge-user" if repo.pushable else "",
            "SERVER_PROTOCOL": "HTTP/1.1",
        })
        proto = req.header("Git-Protocol")
        if proto:
            env["GIT_PROTOCOL"] = proto
        encoding = req.header("Content-Encoding")
        if encoding:
            env["HTTP_CONTENT_ENCODING"] = encoding
        return env

    def _run_backend(self, handler: ForgeHandler, body: bytes, env: Dict[str, str], fault: Any,
                     on_done: Optional[Callable[[], None]] = None) -> int:
        proc = subprocess.Popen(["git", "http-backend"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env)
        feeder = None
        if len(body) > 65536:
            # A big push: feed stdin from a thread so a chatty backend can
            # never deadlock against us.
            feeder = threading.Thread(target=self._feed, args=(proc, body), daemon=True)
            feeder.start()
        else:
            self._feed(proc, body)
        try:
            status, headers = self._read_cgi_headers(proc)
            if fault is not None:
                return self._faulty_pack(handler, proc, status, headers, fault)
            handler.send_response(status)
            for key, value in headers:
                handler.send_header(key, value)
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            sent = 0
            out = proc.stdout
            while True:
                chunk = out.read1(65536)
                if not chunk:
                    break
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            proc.wait()
            if on_done is not None:
                on_done()
            handler.wfile.write(b"0\r\n\r\n")
            self.app.record_status(status)
            return sent
        finally:
            if proc.poll() is None and fault is not None:
                proc.kill()
            proc.stdout.close()
            proc.wait()
            if feeder is not None:
                feeder.join()

    @staticmethod
    def _feed(proc: subprocess.Popen, body: bytes) -> None:
        try:
            if body:
                proc.stdin.write(body)
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    @staticmethod
    def _read_cgi_headers(proc: subprocess.Popen) -> Tuple[int, list]:
        status = 200
        headers = []
        while True:
            line = proc.stdout.readline()
            if not line or line in (b"\r\n", b"\n"):
                break
            key, _sep, value = line.decode("latin-1").rstrip("\r\n").partition(":")
            value = value.strip()
            if key.lower() == "status":
                status = int(value.split()[0])
            elif key.lower() != "content-length":
                headers.append((key, value))
        return status, headers

    def _faulty_pack(self, handler: ForgeHandler, proc: subprocess.Popen, status: int, headers: list,
                     fault: Any) -> int:
        data = proc.stdout.read()
        cut = int(fault.get("bytes", max(1, len(data) // 2)))
        cut = max(1, min(cut, max(1, len(data) - 1)))
        handler.send_response(status)
        for key, value in headers:
            handler.send_header(key, value)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        part = data[:cut]
        rate = int(fault.get("rate") or 0)
        # At `rate` bytes/s the client sees the part arrive over time (and git
        # shows bytes received); without it, all at once.
        step = max(1, rate // 10) if rate > 0 else len(part)
        for at in range(0, len(part), step):
            chunk = part[at:at + step]
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            handler.wfile.flush()
            if rate > 0 and self.app.stopping.wait(len(chunk) / float(rate)):
                break
        self.app.record_status(status)
        if fault.kind == "stall_pack":
            self.app.stopping.wait(float(fault.get("seconds", 30)))
        else:
            time.sleep(0.05)              # let the partial pack reach the client first
        handler.reset_connection()
        return len(part)
