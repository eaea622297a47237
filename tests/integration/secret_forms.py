# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every form a token can take in output, built the way the libraries that
print it build them (independently of redact.py, which these tests check)."""

from __future__ import annotations

import base64
import json
from typing import Iterable, List
from urllib.parse import quote, quote_plus

USERS = ("x-access-token", "oauth2", "", "x", "ab", "forge-admin")


def forms(secret: str) -> List[str]:
    """Raw, stripped, escaped (repr, JSON, twice), URL-encoded, base64 alone and
    inside a Basic header for several user names."""
    out = set()
    for value in (secret, secret.strip()):
        escaped = {repr(value)[1:-1], json.dumps(value)[1:-1], value.encode("unicode_escape").decode()}
        out |= {value} | escaped | {json.dumps(e)[1:-1] for e in escaped}
        out |= {quote(value, safe=""), quote_plus(value), quote(value, safe="").lower()}
        out.add(base64.b64encode(value.encode()).decode())
        out |= {base64.b64encode(("%s:%s" % (user, value)).encode()).decode() for user in USERS}
    return sorted(f for f in out if len(f) >= 4)


def leaks(secret: str, texts: Iterable[str]) -> List[str]:
    """The forms of secret found in any of texts, plus any 8 characters of it
    (a prefix printed before a cut, a piece around an escape)."""
    found = []
    everything = "\n".join(texts)
    for form in forms(secret):
        if form in everything:
            found.append(form)
    stripped = secret.strip()
    for start in range(0, max(0, len(stripped) - 7)):
        piece = stripped[start:start + 8]
        if "\n" not in piece and piece in everything:
            found.append(piece)
    return found
