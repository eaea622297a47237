# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What Bitbucket Cloud and Data Center share: clone links that carry the
caller's user name, and error bodies worth quoting.

Both put the authenticated user into the https clone link
(`https://USER@bitbucket.org/ws/slug.git`). That name must reach neither
git's remote URL (it would live on in .git/config), nor a folder, nor the
journal, so every clone URL is taken without its user part.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional
from urllib.parse import urlsplit, urlunsplit


def without_userinfo(url: str) -> str:
    """The URL without `user[:password]@`; other URLs unchanged."""
    if not url or "@" not in url:
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def clone_link(links: Optional[Mapping[str, Any]], *names: str) -> str:
    """The href of the first clone link with one of `names` (Cloud: https,
    ssh; Data Center: http, ssh)."""
    clone: Iterable[Any] = (links or {}).get("clone") or ()
    for name in names:
        for link in clone:
            if isinstance(link, dict) and link.get("name") == name and link.get("href"):
                return str(link["href"])
    return ""


def error_message(response: Any) -> str:
    """The forge's own words from an error body: Cloud's
    {"type": "error", "error": {"message"}} or Data Center's
    {"errors": [{"message"}]}; "" when the body is neither."""
    try:
        data = response.json()
    except ValueError:
        return ""
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or "")
    return ""


def error_class(response: Any) -> str:
    """Data Center's exceptionName of the first error, or ""."""
    try:
        data = response.json()
    except ValueError:
        return ""
    errors = data.get("errors") if isinstance(data, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("exceptionName") or "")
    return ""


def is_cloud_error(response: Any) -> bool:
    """Whether a body is Bitbucket Cloud's standard error object."""
    try:
        data = response.json()
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("type") == "error" and isinstance(data.get("error"), dict)
