# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read git's stderr while git runs.

One stream carries three things, told apart here:
- progress meters (`--progress`), rewritten in place with carriage returns:
  the bytes received so far are handed to a callback, and only the last
  state of each meter is kept;
- curl's header trace (GIT_TRACE_CURL, which git redacts itself): only the
  status and Location of redirects are kept, because git's own error for a
  refused redirect does not say where it pointed (docs/forge-wire.md,
  "git credentials and redirects");
- everything else, git's messages, kept verbatim for classification.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, List, Optional
from urllib.parse import urlsplit, urlunsplit

ProgressCallback = Callable[[int], None]

_UNITS = {"bytes": 1, "byte": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
# "Receiving objects:  45% (1234/2741), 12.34 MiB | 1.20 MiB/s" (git's progress.c)
_RECEIVING = re.compile(r"Receiving objects:\s+\d+%\s+\(\d+/\d+\),\s+([0-9]+(?:\.[0-9]+)?)\s+(bytes?|[KMGT]iB)\b")
# With or without GIT_TRACE_BARE's "12:34:56.789012 http.c:684   " prefix.
_TRACE = re.compile(r"^(?:\d\d:\d\d:\d\d\.\d+\s+\S+:\d+\s+)?(?:=> Send|<= Recv|== Info)")
_RECV_HEADER = re.compile(r"<= Recv header: (.*)$")
_STATUS_LINE = re.compile(r"^HTTP/[0-9.]+\s+(\d{3})\b")


@dataclass(frozen=True)
class Redirect:
    """A 3xx answer git received (and, by our configuration, did not follow)."""

    status: int
    location: str        # as sent, minus any user:password@
    same_origin: bool = False

    @property
    def host(self) -> str:
        """host[:port] of the target; "" for a relative Location."""
        try:
            parts = urlsplit(self.location)
            host, port = parts.hostname, parts.port
        except ValueError:                     # a malformed Location (bad port)
            return ""
        if not host:
            return ""
        if ":" in host:
            host = "[%s]" % host
        return "%s:%d" % (host, port) if port else host


def strip_userinfo(url: str) -> str:
    """The URL without user:password@, so it can be shown."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if "@" not in parts.netloc:
        return url
    return urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[1], parts.path, parts.query, parts.fragment))


def bytes_from_progress(line: str) -> Optional[int]:
    match = _RECEIVING.search(line)
    if match is None:
        return None
    return int(float(match.group(1)) * _UNITS[match.group(2)])


class StderrReader:
    """Fed raw chunks of git's stderr as they arrive (from any process of the
    git tree: they share the pipe, and each writes whole lines)."""

    def __init__(self, on_progress: Optional[ProgressCallback] = None) -> None:
        self.on_progress = on_progress
        self._buf = b""
        self._lines: List[str] = []
        self._meter: Optional[str] = None      # the latest state of a meter being rewritten
        self._status: Optional[int] = None     # of the response whose headers are being traced
        self.redirects: List[Redirect] = []
        self._phase_base = 0                   # bytes of earlier "Receiving objects" phases
        self._phase_last = 0
        self.bytes_received = 0

    def feed(self, data: bytes) -> None:
        self._buf += data
        while True:
            cut = min((i for i in (self._buf.find(b"\r"), self._buf.find(b"\n")) if i >= 0), default=-1)
            if cut < 0:
                break
            segment, end = self._buf[:cut], self._buf[cut:cut + 1]
            self._buf = self._buf[cut + 1:]
            self._segment(segment.decode("utf-8", "replace"), end == b"\r")

    def close(self) -> None:
        if self._buf:
            self._segment(self._buf.decode("utf-8", "replace"), False)
            self._buf = b""
        if self._meter is not None:
            self._lines.append(self._meter)
            self._meter = None

    @property
    def transcript(self) -> str:
        """git's messages with each meter at its last state, trace lines left out."""
        lines = list(self._lines)
        if self._meter is not None:
            lines.append(self._meter)
        return "".join(line + "\n" for line in lines)

    def _segment(self, text: str, rewritten: bool) -> None:
        if _TRACE.match(text):
            self._trace(text)
            return
        self._progress(text)
        if rewritten:
            if text.strip():
                self._meter = text
            return
        if not text.strip():
            return
        if self._meter is not None:
            # The final state of a meter ("..., done.") replaces it; any
            # other line means the meter stopped where it was.
            if _meter_name(self._meter) != _meter_name(text):
                self._lines.append(self._meter)
            self._meter = None
        self._lines.append(text)

    def _progress(self, text: str) -> None:
        received = bytes_from_progress(text)
        if received is None:
            return
        if received < self._phase_last:
            # A new transfer in the same git run (a submodule, a second fetch).
            self._phase_base += self._phase_last
        self._phase_last = received
        total = self._phase_base + received
        if total > self.bytes_received:
            self.bytes_received = total
            if self.on_progress is not None:
                self.on_progress(total)

    def _trace(self, text: str) -> None:
        match = _RECV_HEADER.search(text)
        if match is None:
            return
        header = match.group(1).strip()
        status = _STATUS_LINE.match(header)
        if status:
            self._status = int(status.group(1))
            return
        name, _sep, value = header.partition(":")
        if name.strip().lower() == "location" and self._status is not None and 300 <= self._status < 400:
            self.redirects.append(Redirect(self._status, strip_userinfo(value.strip())))


def _meter_name(line: str) -> str:
    return line.split(":", 1)[0].strip()
