# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validated settings shared by every front door.

The Ansible modules, the Action's console and the tests all build these from
plain values, so every option is checked once, here, with one wording of the
error a user sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence, Tuple
from urllib.parse import urlparse

from .errors import ConfigError

PROVIDERS = ("github", "gitlab", "gitea")

# Owner kinds each provider really has. "auto" asks the forge which one a name is.
OWNER_KINDS = {
    "github": ("auto", "org", "user", "self", "installation"),
    "gitlab": ("auto", "group", "user"),
    "gitea": ("auto", "org", "user"),
}

DEFAULT_API_URLS = {
    "github": "https://api.github.com",
    "gitlab": "https://gitlab.com",
}

GITHUB_APIS = ("rest", "graphql")


@dataclass(frozen=True)
class OwnerRef:
    name: str
    kind: str = "auto"

    def __str__(self) -> str:
        return self.name if self.kind == "auto" else "%s %s" % (self.kind, self.name)


@dataclass
class ForgeConfig:
    provider: str
    api_url: str
    token: Optional[str] = field(default=None, repr=False)
    app_id: Optional[str] = None
    app_private_key: Optional[str] = field(default=None, repr=False)
    app_installation_id: Optional[int] = None
    api: str = "rest"
    per_page: int = 100
    max_wait: float = 900.0
    max_calls_per_second: Optional[float] = None
    secondary_min_wait: float = 60.0
    max_tries: int = 6
    retry_base: float = 1.0
    timeout: float = 30.0
    validate_certs: bool = True

    @property
    def host(self) -> str:
        """The forge's web host as users know it (api.github.com -> github.com)."""
        netloc = urlparse(self.api_url).netloc
        if netloc.startswith("api.github.com"):
            return "github.com" + netloc[len("api.github.com"):]
        return netloc


def build_forge_config(
    provider: Optional[str],
    api_url: Optional[str] = None,
    token: Optional[str] = None,
    app_id: Optional[str] = None,
    app_private_key: Optional[str] = None,
    app_installation_id: Optional[int] = None,
    api: Optional[str] = None,
    max_wait: Optional[float] = None,
    max_calls_per_second: Optional[float] = None,
    validate_certs: bool = True,
    timeout: Optional[float] = None,
    per_page: Optional[int] = None,
    secondary_min_wait: Optional[float] = None,
    max_tries: Optional[int] = None,
    retry_base: Optional[float] = None,
    token_source: str = "token",
) -> ForgeConfig:
    """Check the forge options together and name the one to change.

    token_source names where the token came from (the option, or the
    environment variable it was read from), for messages about it.
    """
    if provider not in PROVIDERS:
        raise ConfigError(
            "provider %r is not supported: use one of %s" % (provider, ", ".join(PROVIDERS))
        )
    if not api_url:
        if provider not in DEFAULT_API_URLS:
            raise ConfigError(
                "api_url is required for provider %s (e.g. https://gitea.example.com)" % provider
            )
        api_url = DEFAULT_API_URLS[provider]
    parsed = urlparse(api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(
            "api_url %r is not an http(s) URL: give e.g. https://api.github.com, "
            "https://ghes.example.com/api/v3, https://gitlab.example.com or "
            "https://gitea.example.com" % api_url
        )
    api = api or "rest"
    if api not in GITHUB_APIS:
        raise ConfigError("api %r is not known: use rest or graphql" % api)
    if api == "graphql" and provider != "github":
        raise ConfigError("api: graphql is only available for provider github; remove it or use rest")
    app_given = [v is not None and v != "" for v in (app_id, app_private_key, app_installation_id)]
    if any(app_given):
        if provider != "github":
            raise ConfigError("app_id/app_private_key/app_installation_id are GitHub App settings; "
                              "provider %s takes a token" % provider)
        if not all(app_given):
            raise ConfigError("GitHub App authentication needs app_id, app_private_key and "
                              "app_installation_id together")
        if token:
            raise ConfigError("give either token or the GitHub App settings, not both")
    if max_wait is not None and max_wait < 0:
        raise ConfigError("max_wait must be 0 or more seconds, not %r" % max_wait)
    if max_calls_per_second is not None and max_calls_per_second <= 0:
        raise ConfigError("max_calls_per_second must be above 0, not %r" % max_calls_per_second)
    if per_page is not None and not 1 <= per_page <= 100:
        raise ConfigError("per_page must be between 1 and 100, not %r" % per_page)
    # The three retry knobs keep GitHub's and backoff's sensible defaults for
    # users; tests and impatient CI jobs set them small.
    if secondary_min_wait is not None and secondary_min_wait < 0:
        raise ConfigError("secondary_min_wait must be 0 or more seconds, not %r" % secondary_min_wait)
    if max_tries is not None and (isinstance(max_tries, bool) or int(max_tries) != max_tries or max_tries < 1):
        raise ConfigError("max_tries must be a whole number of 1 or more, not %r" % max_tries)
    if retry_base is not None and retry_base < 0:
        raise ConfigError("retry_base must be 0 or more seconds, not %r" % retry_base)
    cfg = ForgeConfig(
        provider=provider,
        api_url=api_url.rstrip("/"),
        token=token or None,
        app_id=str(app_id) if app_id else None,
        app_private_key=app_private_key or None,
        app_installation_id=int(app_installation_id) if app_installation_id else None,
        api=api,
        max_calls_per_second=max_calls_per_second,
        validate_certs=validate_certs,
    )
    if max_wait is not None:
        cfg.max_wait = float(max_wait)
    if timeout is not None:
        cfg.timeout = float(timeout)
    if per_page is not None:
        cfg.per_page = per_page
    if secondary_min_wait is not None:
        cfg.secondary_min_wait = float(secondary_min_wait)
    if max_tries is not None:
        cfg.max_tries = int(max_tries)
    if retry_base is not None:
        cfg.retry_base = float(retry_base)
    return cfg


def build_owners(provider: str, owners: Sequence[str], owner_kind: Optional[str] = None) -> Tuple[OwnerRef, ...]:
    """Owners are names; the kind says how to list them (org, group, user...)."""
    kind = owner_kind or "auto"
    allowed = OWNER_KINDS[provider]
    if kind not in allowed:
        raise ConfigError(
            "owner_kind %r does not exist on %s: use one of %s" % (kind, provider, ", ".join(allowed))
        )
    names = [o.strip().strip("/") for o in (owners or []) if o and o.strip()]
    if kind in ("self", "installation"):
        if names:
            raise ConfigError("owner_kind %s lists the token's own repositories: leave owners empty" % kind)
        return (OwnerRef("", kind),)
    if not names:
        raise ConfigError("owners is empty: name at least one organization, group or user")
    for name in names:
        if provider != "gitlab" and "/" in name:
            raise ConfigError("owner %r has a '/': only GitLab groups nest; on %s name the org or user alone"
                              % (name, provider))
    seen = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return tuple(OwnerRef(n, kind) for n in seen)
