# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The paginator over a real HTTP listing (a server on 127.0.0.1, so not a
unit test): it follows Link headers to the end and counts the bytes."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.request import urlopen

from bulk_clone_engine.paginator import Page, Paginator


class _Listing(BaseHTTPRequestHandler):
    """/items?page=N: 3 JSON items per page, a GitHub-style Link header, 4 pages."""

    def do_GET(self):
        page = int(self.path.split("page=")[1])
        body = json.dumps([{"id": (page - 1) * 3 + i} for i in range(3)]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if page < 4:
            self.send_header("Link", '<http://%s:%d/items?page=%d>; rel="next"'
                             % (self.server.server_address + (page + 1,)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_streams_a_real_http_listing_following_link_headers():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Listing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        def fetch(url):
            with urlopen(url, timeout=5) as response:
                raw = response.read()
                link = response.headers.get("Link")
            nxt = link.split(">")[0][1:] if link else None
            return Page(json.loads(raw), nxt, raw_bytes=len(raw))

        paginator = Paginator(fetch, "http://127.0.0.1:%d/items?page=1" % server.server_address[1],
                              key=lambda d: d["id"])
        assert [d["id"] for d in paginator] == list(range(12))
        assert paginator.stats.pages == 4
        assert paginator.stats.bytes > 0
    finally:
        server.shutdown()
        server.server_close()
