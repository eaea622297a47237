# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HTTP plumbing: one request/response shape for every service module.

http.server is used (not a framework) because the forge must control the
wire byte for byte: raw, undecoded paths (GitLab's `a%2Fb`), exact Link
header text, truncated bodies, connections reset in the middle of a pack.
"""

from __future__ import annotations

import base64
import json
import socket
import struct
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, List, Optional, Tuple

JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Request:
    method: str
    target: str                       # raw request target, path + query, undecoded
    path: str                         # raw path, undecoded (keeps %2F)
    query_string: str
    query: List[Tuple[str, str]]
    headers: Any                      # http.client.HTTPMessage (case-insensitive)
    body: bytes
    client_ip: str
    base: str                         # scheme://host:port the client used

    def arg(self, name: str, default: Optional[str] = None) -> Optional[str]:
        value = default
        for key, val in self.query:
            if key == name:
                value = val
        return value

    def int_arg(self, name: str, default: int) -> int:
        value = self.arg(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            return default

    def bool_arg(self, name: str, default: bool) -> bool:
        value = self.arg(name)
        if value is None or value == "":
            return default
        return value.lower() in ("1", "true", "yes", "on")

    def json(self) -> Any:
        if not self.body:
            return {}
        return json.loads(self.body.decode("utf-8"))

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name)

    def url_with(self, path: str, params: List[Tuple[str, str]]) -> str:
        query = urllib.parse.urlencode(params, safe=",/")
        return self.base + path + ("?" + query if query else "")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: List[Tuple[str, str]] = field(default_factory=list)
    # A streaming responder writes the whole response itself (git).
    stream: Optional[Callable[["ForgeHandler"], int]] = None

    def header(self, name: str) -> Optional[str]:
        low = name.lower()
        for key, value in self.headers:
            if key.lower() == low:
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        low = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != low]
        self.headers.append((name, value))

    def drop_headers(self, prefix: str) -> None:
        low = prefix.lower()
        self.headers = [(k, v) for k, v in self.headers if not k.lower().startswith(low)]


def json_response(status: int, obj: Any, headers: Optional[List[Tuple[str, str]]] = None) -> Response:
    body = json.dumps(obj, separators=(",", ":")).encode("utf-8")
    return Response(status=status, body=body, headers=[("Content-Type", JSON_TYPE)] + list(headers or []))


def text_response(status: int, text: str, headers: Optional[List[Tuple[str, str]]] = None) -> Response:
    return Response(status=status, body=text.encode("utf-8"),
                    headers=[("Content-Type", "text/plain; charset=utf-8")] + list(headers or []))


def credentials(req: Request) -> List[str]:
    """Every token-looking secret the request carries, in the ways the
    clients send them: `token T`, `Bearer T`, Basic user:pass (either part),
    PRIVATE-TOKEN, and Gitea's ?token= / ?access_token=."""
    found: List[str] = []
    auth = req.header("Authorization")
    if auth:
        scheme, _sep, value = auth.strip().partition(" ")
        scheme = scheme.lower()
        value = value.strip()
        if scheme in ("token", "bearer"):
            found.append(value)
        elif scheme == "basic":
            try:
                user, _sep, password = base64.b64decode(value).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                user, password = "", ""
            found.extend(x for x in (password, user) if x)
    private = req.header("PRIVATE-TOKEN")
    if private:
        found.append(private.strip())
    return found


def read_chunked(rfile) -> bytes:
    """git sends big POST bodies chunked; http-backend needs a plain body
    with an explicit CONTENT_LENGTH."""
    parts: List[bytes] = []
    while True:
        line = rfile.readline(65537)
        if not line:
            break
        size = int(line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while True:                       # trailers up to the blank line
                trailer = rfile.readline(65537)
                if trailer in (b"\r\n", b"\n", b""):
                    break
            break
        parts.append(rfile.read(size))
        rfile.readline(3)                     # CRLF after each chunk
    return b"".join(parts)


class ForgeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "forge/1.0"
    app: Any = None                           # set on the subclass per forge

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass                                  # tests read counters, not logs

    def _handle(self) -> None:
        try:
            self.app.handle(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    def read_request(self) -> Request:
        length = self.headers.get("Content-Length")
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            body = read_chunked(self.rfile)
        elif length:
            body = self.rfile.read(int(length))
        else:
            body = b""
        path, _sep, query_string = self.path.partition("?")
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        return Request(
            method=self.command, target=self.path, path=path, query_string=query_string,
            query=urllib.parse.parse_qsl(query_string, keep_blank_values=True),
            headers=self.headers, body=body, client_ip=self.client_address[0],
            base="http://" + host)

    def send_plain(self, resp: Response) -> int:
        self.send_response(resp.status)
        for key, value in resp.headers:
            self.send_header(key, value)
        body = b"" if self.command == "HEAD" or resp.status in (204, 304) else resp.body
        if resp.status not in (204, 304):
            self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        return len(body)

    def reset_connection(self) -> None:
        """Abort with a TCP RST, as a proxy dropping a pack midway does."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


class ForgeServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256                  # many parallel git clients
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass                                  # a client hanging up is not a forge error


def make_server(host: str, port: int, app: Any) -> ForgeServer:
    handler = type("BoundForgeHandler", (ForgeHandler,), {"app": app})
    return ForgeServer((host, port), handler)
