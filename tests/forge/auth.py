# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Who is calling: static tokens, GitHub App JWTs and installation tokens."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

ADMIN_LOGIN = "forge-admin"


@dataclass(frozen=True)
class Principal:
    token: str
    login: str
    user_id: int
    kind: str                 # user | installation
    admin: bool = False
    installation_id: int = 0


class AuthError(Exception):
    """A credential was presented and is wrong (-> 401)."""


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenBook:
    def __init__(self, tokens: Sequence[str], app_id: Optional[str] = None,
                 app_token_lifetime: int = 3600) -> None:
        if not tokens:
            raise ValueError("the forge needs at least one token")
        self.tokens = tuple(tokens)
        self.app_id = None if app_id is None else str(app_id)
        self.app_token_lifetime = app_token_lifetime
        self._lock = threading.Lock()
        self._installations: Dict[str, Tuple[int, float]] = {}
        self._static: Dict[str, Principal] = {}
        for i, tok in enumerate(self.tokens):
            login = ADMIN_LOGIN if i == 0 else "forge-user-%d" % i
            self._static[tok] = Principal(token=tok, login=login, user_id=1 + i, kind="user", admin=(i == 0))

    def identify(self, creds: List[str]) -> Optional[Principal]:
        """None: anonymous. Raises AuthError when credentials are present but
        none is valid (GitHub and GitLab answer 401 rather than downgrading)."""
        if not creds:
            return None
        for cred in creds:
            found = self.lookup(cred)
            if found is not None:
                return found
        raise AuthError("bad credentials")

    def lookup(self, token: str) -> Optional[Principal]:
        found = self._static.get(token)
        if found is not None:
            return found
        with self._lock:
            inst = self._installations.get(token)
        if inst is not None and inst[1] > time.time():
            return Principal(token=token, login="forge-app[bot]", user_id=900000 + inst[0],
                             kind="installation", installation_id=inst[0])
        return None

    def is_valid(self, creds: List[str]) -> bool:
        return any(self.lookup(c) is not None for c in creds)

    # -- GitHub App --------------------------------------------------------
    def check_jwt(self, creds: List[str]) -> Optional[str]:
        """Structure and expiry of an app JWT, not its signature (the forge
        has no app keys); returns an error message or None when acceptable."""
        if not creds:
            return "A JSON web token could not be decoded"
        token = creds[0]
        parts = token.split(".")
        if len(parts) != 3:
            return "A JSON web token could not be decoded"
        try:
            header = json.loads(_b64url(parts[0]))
            payload = json.loads(_b64url(parts[1]))
            _b64url(parts[2])
        except (ValueError, UnicodeDecodeError):
            return "A JSON web token could not be decoded"
        if header.get("alg") != "RS256":
            return "'Expiration time' claim ('exp') ... JWT must use RS256"
        now = time.time()
        exp, iat, iss = payload.get("exp"), payload.get("iat"), payload.get("iss")
        if not isinstance(exp, (int, float)) or exp <= now:
            return "'Expiration time' claim ('exp') must be a numeric value representing the future time"
        if not isinstance(iat, (int, float)) or iat > now + 60:
            return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued."
        if exp - iat > 660:
            return "'Expiration time' claim ('exp') is too far in the future"
        if iss is None or (self.app_id is not None and str(iss) != self.app_id):
            return "Integration not found"
        return None

    def issue_installation_token(self, installation_id: int) -> Tuple[str, float]:
        expires = time.time() + self.app_token_lifetime
        seed = "%d:%f" % (installation_id, time.time())
        token = "ghs_" + hashlib.sha256(seed.encode()).hexdigest()[:36]
        with self._lock:
            self._installations[token] = (installation_id, expires)
        return token, expires
