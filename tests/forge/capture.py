# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stranger's server: records every request it gets, byte for byte.

It stands for the host a redirect or a forged clone URL points at. It
answers 401 with `WWW-Authenticate: Basic` by default, so that git would
offer any credential it had for it (a helper's, an askpass answer, a header
it carried over): the test then looks for them in what was recorded.

    with CaptureServer() as cap:
        forge.inject({"kind": "git_redirect", "location": cap.url, "times": -1})
        ...
        assert cap.requests == [] or not any(credential_like(r, TOKEN) for r in cap.requests)
"""

from __future__ import annotations

import base64
import re
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, List, Tuple

from .web import read_chunked

# Headers whose mere presence means a client offered credentials.
CREDENTIAL_HEADERS = ("authorization", "proxy-authorization", "private-token", "cookie", "x-api-key")
_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")


@dataclass(frozen=True)
class CapturedRequest:
    method: str
    target: str                          # raw path?query as sent
    request_line: str
    headers: Tuple[Tuple[str, str], ...]  # in the order sent
    body: bytes
    client: str

    def header(self, name: str) -> str:
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), "")

    def text(self) -> str:
        """Everything the client sent, as text (body decoded as latin-1)."""
        lines = [self.request_line] + ["%s: %s" % kv for kv in self.headers]
        return "\n".join(lines) + "\n\n" + self.body.decode("latin-1")


def _decodings(text: str) -> List[str]:
    """text, URL-decoded, and every base64 (or base64url) run in it decoded."""
    found = [text, urllib.parse.unquote_plus(text)]
    for run in _B64_RUN.findall(text):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                found.append(decode(run + "=" * (-len(run) % 4)).decode("latin-1"))
            except (ValueError, TypeError):
                pass
    return found


def credential_like(request: CapturedRequest, *secrets: str) -> List[str]:
    """What in this request looks like a credential: any credential header at
    all, and any secret in any header, the target or the body, raw,
    URL-encoded or inside base64. Empty means clean."""
    found = ["header %s" % k for k, _value in request.headers if k.lower() in CREDENTIAL_HEADERS]
    parts = urllib.parse.urlsplit(request.target)
    if parts.username or parts.password or "@" in parts.netloc:
        found.append("userinfo in the target")
    for secret in secrets:
        if not secret:
            continue
        for where, text in [("target", request.target), ("body", request.body.decode("latin-1"))] + \
                [("header " + k, v) for k, v in request.headers]:
            if any(secret in form for form in _decodings(text)):
                found.append("%s carries a secret" % where)
    return found


class CaptureServer:
    """HTTP/1.1 on 127.0.0.1 (or host); answers every request with `status`
    (401 and a Basic challenge by default) and records it first."""

    def __init__(self, host: str = "127.0.0.1", status: int = 401) -> None:
        self.status = status
        self.requests: List[CapturedRequest] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def _any(self) -> None:
                server._record(self)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _any

        self._httpd = ThreadingHTTPServer((host, 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="capture-http", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return "http://%s:%d" % (host, port)

    @property
    def host(self) -> str:
        host, port = self._httpd.server_address[:2]
        return "%s:%d" % (host, port)

    def start(self) -> "CaptureServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def __enter__(self) -> "CaptureServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def clear(self) -> None:
        with self._lock:
            self.requests = []

    def _record(self, h: BaseHTTPRequestHandler) -> None:
        if (h.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            body = read_chunked(h.rfile)
        else:
            body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        request = CapturedRequest(method=h.command, target=h.path, request_line=h.requestline,
                                  headers=tuple(h.headers.items()), body=body, client=h.client_address[0])
        with self._lock:
            self.requests.append(request)
        payload = b"Authentication required\n"
        h.send_response(self.status)
        if self.status == 401:
            h.send_header("WWW-Authenticate", 'Basic realm="capture"')
        h.send_header("Content-Type", "text/plain")
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(payload)
