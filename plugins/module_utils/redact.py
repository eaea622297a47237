# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One redaction step for every message, result, log line and summary.

Why more than ``text.replace(token, "***")``: a secret rarely shows up raw.
An HTTP library repeats a bad header through repr() (a newline becomes the
two characters backslash-n, which Ansible's no_log does not recognise), JSON
escapes it again, a URL carries it percent-encoded, and git or a proxy shows
it inside ``Authorization: Basic base64(user:token)``, where the token's
base64 depends on the length of the user name in front of it. So each
registered secret is masked in every form it can take:

- raw, and with surrounding whitespace stripped;
- escaped as repr(), JSON and Python string escapes would show it (and JSON
  on top of those, for a message quoted twice);
- URL-encoded (quote, quote_plus; upper or lower case hex);
- base64, standard and URL-safe: every run of base64 characters is decoded
  and masked whole if it contains a secret (a Basic header for any user
  name, the token alone), and the part of the encoding that depends only on
  the token, at each of the three byte alignments, is masked wherever it
  appears (a run glued to other text, or cut short);
- URL userinfo: ``scheme://user:pass@`` for any scheme, ``http(s)://user@``
  (a token given as the user name); ``ssh://git@`` is left alone.

Secrets shorter than MIN_LENGTH characters are not registered: masking every
"ab" in a report would make it unreadable and hide nothing (such a token
cannot be a real one). add() returns False for them.

Works on strings and on nested JSON-like data (dicts, lists, tuples: keys
and values), so a front door can pass a whole result through it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from typing import Any, Iterable, List, Optional, Pattern, Set, Tuple
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_LENGTH = 4
# Base64 middles shorter than this are not masked as free substrings (a
# decoded run still catches them): a short run of letters is too common.
_MIN_B64_MIDDLE = 8

# Userinfo with a password, any scheme; a bare user name only for http(s),
# where it is a token (https://TOKEN@host), not an ssh login (ssh://git@host).
_USERINFO_WITH_PASSWORD = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*://)[^/\s@:'\"<>]*:[^/\s@'\"<>]*@")
_HTTP_USERINFO = re.compile(r"\b(https?://)[^/\s@:'\"<>]+@", re.I)
# Runs of the base64 alphabets (standard and URL-safe), with padding, at
# least {} characters long.
_B64_RUN = r"[A-Za-z0-9+/_-]{%d,}={0,2}"
_PERCENT = re.compile(r"%[0-9A-F]{2}")


def _python_escaped(value: str) -> str:
    """What repr() shows between the quotes (\\n, \\x07, \\\\ ...)."""
    return repr(value)[1:-1]


def _json_escaped(value: str, ascii_only: bool = True) -> str:
    return json.dumps(value, ensure_ascii=ascii_only)[1:-1]


def _b64_middles(secret: bytes) -> List[str]:
    """The base64 characters determined by the secret alone, when it starts
    0, 1 or 2 bytes into a 3-byte group (``user:`` in front shifts it)."""
    out = []
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            enc = encode(b"\0" * shift + secret).decode("ascii").rstrip("=")
            first = -(-8 * shift // 6)                    # first char with no prefix bits
            last = (8 * (shift + len(secret))) // 6       # chars before this hold no padding bits
            middle = enc[first:last]
            if len(middle) >= _MIN_B64_MIDDLE:
                out.append(middle)
    return out


def forms_of(secret: str) -> Set[str]:
    """Every textual form of one secret this module masks as a substring."""
    bases = {secret, secret.strip()}
    forms: Set[str] = set()
    for base in bases:
        escaped = {_python_escaped(base), _json_escaped(base), _json_escaped(base, False),
                   base.encode("unicode_escape").decode("ascii")}
        forms |= {base} | escaped
        forms |= {_json_escaped(e) for e in escaped}              # quoted twice
        for encoded in (quote(base, safe=""), quote(base), quote_plus(base)):
            forms |= {encoded, _PERCENT.sub(lambda m: m.group(0).lower(), encoded)}
        raw = base.encode("utf-8")
        forms |= {base64.b64encode(raw).decode("ascii"), base64.urlsafe_b64encode(raw).decode("ascii")}
        forms |= set(_b64_middles(raw))
    return {f for f in forms if len(f) >= MIN_LENGTH}


def _keep_scheme(match: "re.Match[str]") -> str:
    return match.group(1) + MASK + "@"


def _b64decode_loose(run: str) -> List[bytes]:
    """Decodings of a base64-looking run at each start offset (it may be
    glued to a word in front), standard and URL-safe; padding optional."""
    out = []
    body = run.rstrip("=")
    for offset in range(4):
        part = body[offset:]
        part = part[:len(part) - len(part) % 4] if len(part) % 4 == 1 else part
        if len(part) < 4:
            break
        padded = part + "=" * (-len(part) % 4)
        for altchars in (b"+/", b"-_"):
            try:
                out.append(base64.b64decode(padded, altchars=altchars, validate=False))
            except (binascii.Error, ValueError):
                continue
    return out


class Redactor:
    """Registered secrets, masked in every form; thread-safe."""

    def __init__(self, secrets: Iterable[Optional[str]] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: List[str] = []
        # (forms pattern, secrets as bytes, base64-run pattern), replaced whole
        # on add(): a reader always sees one consistent state without a lock.
        self._state: Tuple[Optional[Pattern[str]], Tuple[bytes, ...], Optional[Pattern[str]]] = (None, (), None)
        for secret in secrets:
            self.add(secret)

    # -- registering -----------------------------------------------------
    def add(self, secret: Optional[str]) -> bool:
        """Register a secret (and, for a multi-line one such as a PEM key,
        each of its lines). False when it is too short to be registered."""
        if not secret or not isinstance(secret, str):
            return False
        pieces = [secret] + [line.strip() for line in secret.splitlines()]
        added = False
        with self._lock:
            for piece in pieces:
                if len(piece.strip()) < MIN_LENGTH or piece in self._secrets:
                    continue
                self._secrets.append(piece)
                added = True
            if added:
                self._rebuild()
        return added or secret in self._secrets

    def _rebuild(self) -> None:
        forms: Set[str] = set()
        raw: Set[bytes] = set()
        for secret in self._secrets:
            forms |= forms_of(secret)
            for base in (secret, secret.strip()):
                raw.add(base.encode("utf-8"))
        # Longest first: a Basic header is replaced whole, not piecewise.
        ordered = sorted(forms, key=lambda f: (-len(f), f))
        pattern = re.compile("|".join(re.escape(f) for f in ordered)) if ordered else None
        # A base64 run holding n secret bytes is at least about 4n/3 long:
        # shorter runs (most words, paths and names) are not decoded at all.
        min_run = max(6, (4 * min(len(r) for r in raw)) // 3 - 2) if raw else 0
        self._state = (pattern, tuple(sorted(raw, key=len, reverse=True)),
                       re.compile(_B64_RUN % min_run) if raw else None)

    @property
    def secrets(self) -> List[str]:
        with self._lock:
            return list(self._secrets)

    # -- masking ---------------------------------------------------------
    def redact(self, text: Any) -> Any:
        """text with every registered secret masked, and URL userinfo too.
        Anything but a str is returned as it is."""
        if not isinstance(text, str) or len(text) < MIN_LENGTH:
            return text
        pattern, raw, b64_run = self._state
        if b64_run is not None:
            text = b64_run.sub(lambda m: MASK if self._run_holds(m.group(0), raw) else m.group(0), text)
        if pattern is not None:
            text = pattern.sub(MASK, text)
        if "@" in text:
            text = _USERINFO_WITH_PASSWORD.sub(_keep_scheme, text)
            text = _HTTP_USERINFO.sub(_keep_scheme, text)
        return text

    __call__ = redact

    @staticmethod
    def _run_holds(run: str, raw: Tuple[bytes, ...]) -> bool:
        for decoded in _b64decode_loose(run):
            if any(secret in decoded for secret in raw):
                return True
        return False

    def redact_data(self, data: Any) -> Any:
        """A copy of JSON-like data (dicts, lists, tuples, scalars) with every
        string, keys included, redacted."""
        if isinstance(data, str):
            return self.redact(data)
        if isinstance(data, dict):
            return {self.redact(k): self.redact_data(v) for k, v in data.items()}
        if isinstance(data, (list, tuple)):
            return type(data)(self.redact_data(v) for v in data)
        return data


def redact_url(url: str) -> str:
    """A URL safe to show in a message: userinfo replaced by ***."""
    return Redactor().redact(url)


__all__ = ["MASK", "MIN_LENGTH", "Redactor", "forms_of", "redact_url"]
