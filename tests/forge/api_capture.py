# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where an API redirect leads: the `api_redirect` fault's answer, and a
capture server that records every request sent to it.

    with ApiCapture() as capture:          # on 127.0.0.2: another host than the forge's 127.0.0.1
        forge.inject({"kind": "api_redirect", "service": "gitlab", "status": 302,
                      "location": capture.url, "times": -1})
        ... run a client against the forge ...
        assert capture.credentials() == []

The fault answers status (302; 301, 303, 307, 308 also make sense) with
`Location: <location><the request's own path and query>`, or `location`
alone with keep_path=False. The capture answers every request with
status/body (404 {"message": "Not Found"} by default), as a server that
does not know the client would.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qsl, urlsplit

from .web import Request, Response

# Headers through which the forges' clients send a credential.
CREDENTIAL_HEADERS = ("authorization", "private-token", "cookie", "proxy-authorization", "x-api-key")
CREDENTIAL_PARAMS = ("token", "access_token", "private_token")


def redirect_response(fault: Any, req: Request) -> Response:
    """The api_redirect fault: a redirect to `location` (+ the request target)."""
    status = int(fault.get("status", 302))
    location = str(fault.get("location") or "")
    if fault.get("keep_path", True):
        location = location.rstrip("/") + req.target
    return Response(status=status, body=b"", headers=[("Location", location)])


class ApiCapture:
    """A plain HTTP server recording method, target and headers of every request."""

    def __init__(self, host: str = "127.0.0.2", status: int = 404,
                 body: Optional[Dict[str, Any]] = None) -> None:
        self.host = host
        self.status = status
        self.body = json.dumps(body if body is not None else {"message": "Not Found"}).encode("utf-8")
        self.requests: List[Dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return "http://%s:%d" % (self.host, self._server.server_address[1])

    def start(self) -> "ApiCapture":
        capture = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with capture._lock:
                    capture.requests.append({"method": self.command, "target": self.path,
                                             "headers": {k.lower(): v for k, v in self.headers.items()},
                                             "body": body.decode("utf-8", "replace")})
                self.send_response(capture.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(capture.body)))
                self.end_headers()
                self.wfile.write(capture.body)

            do_GET = do_POST = do_HEAD = do_PUT = do_PATCH = do_DELETE = _any

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                         name="api-capture", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "ApiCapture":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def credentials(self) -> List[str]:
        """Every credential-like header or query parameter that arrived."""
        found = []
        with self._lock:
            seen = list(self.requests)
        for req in seen:
            for name in CREDENTIAL_HEADERS:
                if name in req["headers"]:
                    found.append("%s: %s" % (name, req["headers"][name]))
            for key, value in parse_qsl(urlsplit(req["target"]).query):
                if key.lower() in CREDENTIAL_PARAMS:
                    found.append("?%s=%s" % (key, value))
        return found
